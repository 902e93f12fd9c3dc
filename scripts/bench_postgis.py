"""Time writing a run's layers to PostGIS (one transaction, binary COPY) against estate.gpkg.

The Kent demo is run once; its ``assets`` layer (every real column and type) is repeated
with moved points and new row numbers up to each size, then written both ways and read back.
Needs a PostGIS database the user may create a schema in::

    .venv/bin/python scripts/bench_postgis.py postgresql://user@localhost/estate --sizes 10000 100000

Not a test; results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from assetmap.outputs import write_layers
from assetmap.pipeline import run
from assetmap.postgis import parse_target, read_layer, write_run

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "kent" / "assetmap.yaml"


def tiled_assets(base: gpd.GeoDataFrame, n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` assets: the demo's rows repeated, each copy moved up to 20 km and numbered anew."""
    rng = np.random.default_rng(seed)
    reps = -(-n // len(base))
    out = pd.concat([base] * reps, ignore_index=True).iloc[:n].copy()
    dx, dy = rng.uniform(-20_000, 20_000, n), rng.uniform(-20_000, 20_000, n)
    out["source_row"] = np.arange(1, n + 1, dtype=np.int64)
    return gpd.GeoDataFrame(
        out.drop(columns="geometry"),
        geometry=gpd.points_from_xy(out.geometry.x + dx, out.geometry.y + dy),
        crs=base.crs,
    )


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="PostGIS database (postgresql://user@host/db)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--schema", default="assetmap_bench")
    args = parser.parse_args()
    target = parse_target(args.url, schema=args.schema)
    with tempfile.TemporaryDirectory() as tmp:
        run(DEMO, Path(tmp) / "out")
        base = pyogrio.read_dataframe(Path(tmp) / "out" / "estate.gpkg", layer="assets")
        print("| assets | columns | estate.gpkg write s | PostGIS write s | PostGIS read s |")
        print("|---|---|---|---|---|")
        for n in args.sizes:
            assets = tiled_assets(base, n)
            t0 = time.perf_counter()
            write_layers(Path(tmp) / f"bench-{n}.gpkg", {"assets": assets})
            t1 = time.perf_counter()
            write_run(target, layers={"assets": assets}, record={}, period=f"bench-{n}", replace=True)
            t2 = time.perf_counter()
            back = read_layer(target, "assets", f"bench-{n}")
            t3 = time.perf_counter()
            assert len(back) == n
            print(f"| {n:,} | {assets.shape[1]} | {t1 - t0:.1f} | {t2 - t1:.1f} | {t3 - t2:.1f} |")


if __name__ == "__main__":
    main()
