"""Benchmark clustering and planning on a synthetic estate (not a test).

Usage::

    .venv/bin/python scripts/bench_plan.py            # the full table (10^4 and 10^5 assets)
    .venv/bin/python scripts/bench_plan.py --sizes 100000 --stages dbscan plan

Each measurement runs in a fresh subprocess so its peak memory (``ru_maxrss``) is its
own. The estate is seeded: towns of different sizes over a 200 km square of British
National Grid, a rural scatter, 20% of assets stacked on another asset's postcode
centroid, twelve partners, and registers with gaps (capacity, occupancy, utilisation,
book value missing for some) so the estimates run too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import string
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assetmap.cluster import cluster_assets  # noqa: E402
from assetmap.config import ClusteringConfig, Config  # noqa: E402
from assetmap.geocode import PostcodeLookup  # noqa: E402
from assetmap.plan import plan_estate  # noqa: E402
from assetmap.schema import ASSET_COLUMNS, BNG  # noqa: E402

SEED = 20260101
STAGES = ("dbscan", "hdbscan-package", "hdbscan-package-raw", "hdbscan-sklearn-raw", "plan")


def _gb_postcodes() -> pd.DataFrame:
    """Every GB postcode with a grid reference in the packaged ONS Postcode Directory."""
    lookup = PostcodeLookup()
    table = pd.concat([lookup._table(letter) for letter in string.ascii_uppercase], ignore_index=True)
    area = table["key"].str.extract(r"^([A-Z]+)", expand=False)
    # Northern Ireland, the Isle of Man and the Channel Islands are not Great Britain.
    keep = table["easting"].notna() & ~area.isin(["BT", "IM", "JE", "GY"])
    return table.loc[keep].reset_index(drop=True)


def _town_points(n: int, rng: np.random.Generator) -> np.ndarray:
    towns = max(10, n // 300)
    centre = rng.uniform([400_000, 100_000], [600_000, 300_000], size=(towns, 2))
    weight = 1.0 / np.arange(1, towns + 1) ** 0.8
    spread = 300 + 2_500 * weight / weight[0]
    town = rng.choice(towns, size=n, p=weight / weight.sum())
    xy = centre[town] + rng.normal(size=(n, 2)) * spread[town, None]
    rural = rng.random(n) < 0.1
    xy[rural] = rng.uniform([400_000, 100_000], [600_000, 300_000], size=(int(rural.sum()), 2))
    stacked = np.flatnonzero(rng.random(n) < 0.2)
    xy[stacked] = xy[rng.integers(0, n, size=len(stacked))]
    return np.round(xy)


def synthetic_estate(n: int, seed: int = SEED, layout: str = "towns") -> gpd.GeoDataFrame:
    """A seeded synthetic estate layer of ``n`` assets with the schema's columns.

    ``layout="towns"``: towns of different sizes over a 200 km square, 10% rural scatter,
    20% stacked on another asset's point. ``layout="national"``: every asset at a random
    real GB postcode (uniform over the directory's postcodes, so density follows them),
    placed at its ONSPD grid reference as the geocoder does.
    """
    rng = np.random.default_rng(seed)
    postcode = pd.Series(pd.NA, index=range(n), dtype="string")
    if layout == "national":
        table = _gb_postcodes()
        pick = rng.integers(0, len(table), n)
        xy = table[["easting", "northing"]].to_numpy()[pick]
        postcode = pd.Series(table["key"].to_numpy()[pick], dtype="string")
    else:
        xy = _town_points(n, rng)

    partners = np.array([f"Partner {i:02d}" for i in range(12)])
    gia = np.round(rng.lognormal(6.5, 0.8, n))
    cap = np.round(gia / rng.uniform(8, 14, n))
    util = np.round(rng.beta(2.2, 1.6, n), 2)
    occ = np.round(util * cap)
    cost = np.round(gia * rng.uniform(80, 250, n), -2)
    df = pd.DataFrame({c: None for c in ASSET_COLUMNS}, index=range(n))
    df["asset_id"] = [f"A{i:07d}" for i in range(n)]
    df["name"] = [f"Building {i}" for i in range(n)]
    df["postcode"] = postcode
    df["partner"] = partners[rng.integers(0, len(partners), n)]
    df["partner_kind"] = "council"
    df["use"] = rng.choice(["Office", "Library", "Depot", "Clinic", "Station"], n)
    df["tenure"] = rng.choice(["freehold", "leasehold", "other"], n, p=[0.6, 0.35, 0.05])
    df["condition"] = rng.choice(["A", "B", "C", "D"], n)
    df["easting"], df["northing"] = xy[:, 0], xy[:, 1]
    df["latitude"] = df["longitude"] = np.nan
    df["gia_m2"] = gia
    df["running_cost_gbp"] = np.where(rng.random(n) < 0.05, np.nan, cost)
    df["utilisation"] = np.where(rng.random(n) < 0.2, np.nan, util)
    df["occupancy"] = np.where(rng.random(n) < 0.5, np.nan, occ)
    df["capacity"] = np.where(rng.random(n) < 0.4, np.nan, cap)
    df["book_value_gbp"] = np.where(
        rng.random(n) < 0.3, np.nan, np.round(gia * rng.uniform(500, 3000, n), -3)
    )
    days = rng.integers(-200, 3_650, n)
    df["lease_expiry"] = pd.to_datetime("2026-01-01") + pd.to_timedelta(days, unit="D")
    df.loc[df["tenure"] != "leasehold", "lease_expiry"] = pd.NaT
    df["sensitive"] = rng.random(n) < 0.01
    df["source_file"] = "synthetic.csv"
    df["source_row"] = np.arange(n) + 2
    df["geocode_method"] = "postcode" if layout == "national" else "coordinates"
    df["geocode_precision_m"] = 100.0 if layout == "national" else 1.0
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=BNG)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(stage: str, n: int) -> dict[str, object]:
    """Time one stage in this process; returns a result row."""
    assets = synthetic_estate(n)
    cfg = ClusteringConfig()
    base = _rss_mb()
    extra: dict[str, object] = {}
    t0 = time.perf_counter()
    if stage == "dbscan":
        out = cluster_assets(assets, cfg)
        extra["clusters"] = int(out["cluster_id"].nunique())
        extra["clustered"] = int(out["cluster_id"].notna().sum())
    elif stage == "hdbscan-package":
        out = cluster_assets(assets, cfg.model_copy(update={"method": "hdbscan"}))
        extra["clusters"] = int(out["cluster_id"].nunique())
        extra["clustered"] = int(out["cluster_id"].notna().sum())
    elif stage in ("hdbscan-package-raw", "hdbscan-sklearn-raw"):
        # Like for like: both libraries, min_cluster_size=min_samples=2, no selection
        # epsilon (scikit-learn 1.9 fails with one: TypeError in epsilon_search).
        xy = np.column_stack([assets["easting"], assets["northing"]])
        if stage == "hdbscan-sklearn-raw":
            from sklearn.cluster import HDBSCAN

            labels = HDBSCAN(min_cluster_size=2, min_samples=2, copy=True).fit(xy).labels_
        else:
            import hdbscan

            labels = hdbscan.HDBSCAN(min_cluster_size=2, min_samples=2, core_dist_n_jobs=1).fit(xy).labels_
        extra["clusters"] = int(labels.max() + 1)
        extra["clustered"] = int((labels >= 0).sum())
    elif stage == "plan":
        config = Config(title="bench", partners=[{"name": "x", "register": "x.csv"}])
        t_c = time.perf_counter()
        cluster_assets(assets, config.clustering)
        extra["cluster_s"] = round(time.perf_counter() - t_c, 2)
        t0 = time.perf_counter()
        res = plan_estate(assets, config, as_of=dt.date(2026, 1, 1))
        s = res.summary
        extra.update(
            clusters=s["clusters"],
            moves=s["moves"],
            subproblems=s["subproblems"],
            node_limit=s["subproblems_node_limit"],
            released_share=round(float(s["share_of_running_cost"]), 4),
            largest_subproblem=int(res.subproblems["edges"].max()) if len(res.subproblems) else 0,
        )
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    seconds = time.perf_counter() - t0
    return {
        "stage": stage,
        "n": n,
        "seconds": round(seconds, 2),
        "peak_mb": round(_rss_mb()),
        "base_mb": round(base),
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--one", nargs=2, metavar=("STAGE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    rows = []
    for n in args.sizes:
        for stage in args.stages:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", stage, str(n)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
