"""Benchmark giving assets their areas at scale (not a test).

Usage::

    .venv/bin/python scripts/bench_areas.py                 # 10^5 and 10^6 assets
    .venv/bin/python scripts/bench_areas.py --sizes 1000000

Each size runs in a fresh subprocess (its own peak memory, ``ru_maxrss``) with a warm postcode
cache (run once first). Assets are seeded: real postcode points of all of Great Britain, jittered
by up to 100 m; half are "placed by postcode" (their own postcode's district) and half "placed by
coordinates" (the nearest postcode's district, by KD-tree). Then every asset is placed in one of
the 380 districts of ``gb_topo_lad.json`` (TopoJSON, ONS 2013) by point-in-polygon, and the
district summary is worked out.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assetmap.areas import (  # noqa: E402
    assign_districts,
    assign_level,
    district_table,
    read_level,
    summarise_areas,
)
from assetmap.config import AreaLevelConfig  # noqa: E402
from assetmap.geocode import PostcodeLookup  # noqa: E402
from assetmap.schema import BNG  # noqa: E402

GB_LAD = ROOT.parent / "shared" / "realdata" / "boundaries-ons-martinjc" / "gb_topo_lad.json"


def estate(n: int, lookup: PostcodeLookup) -> gpd.GeoDataFrame:
    """``n`` assets at jittered real postcode points, half placed by postcode."""
    rng = np.random.default_rng(20260930)
    pts = pd.concat([district_table(lookup, letter) for letter in "ABCDEFGHIJKLMNOPRSTUWYZ"]).dropna()
    pick = rng.integers(0, len(pts), n)
    x = pts["easting"].to_numpy()[pick] + rng.uniform(-100, 100, n)
    y = pts["northing"].to_numpy()[pick] + rng.uniform(-100, 100, n)
    by_postcode = rng.random(n) < 0.5
    keys = pts["key"].to_numpy()[pick]
    frame = pd.DataFrame(
        {
            "postcode": keys,
            "geocode_method": np.where(by_postcode, "postcode", "coordinates"),
            "partner": rng.integers(0, 12, n).astype(str),
            "running_cost_gbp": rng.uniform(1e4, 1e6, n),
            "gia_m2": rng.uniform(100, 5000, n),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs=BNG)


def measure(n: int) -> dict[str, object]:
    lookup = PostcodeLookup()
    assets = estate(n, lookup)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    with_districts = assign_districts(assets, lookup)
    t1 = time.perf_counter()
    level = read_level(AreaLevelConfig(file=GB_LAD, code="LAD13CD", name="LAD13NM"), level="district",
                       base_dir=GB_LAD.parent)  # fmt: skip
    t2 = time.perf_counter()
    placed = assign_level(with_districts, level)
    t3 = time.perf_counter()
    table = summarise_areas(placed, None, {"district": level})
    t4 = time.perf_counter()
    return {
        "n": n,
        "assign_districts_s": round(t1 - t0, 2),
        "read_topojson_s": round(t2 - t1, 2),
        "point_in_polygon_s": round(t3 - t2, 2),
        "summary_s": round(t4 - t3, 2),
        "base_mb": round(base),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "outside": int(placed["district_code"].isna().sum()),
        "areas_with_assets": int((table["assets"] > 0).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        print(out.stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
