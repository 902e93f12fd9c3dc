"""Benchmark clustering and planning on a synthetic estate (not a test).

Usage::

    .venv/bin/python scripts/bench_plan.py                       # national 10^5 and 10^6
    .venv/bin/python scripts/bench_plan.py --estate towns --sizes 100000 --stages cluster plan
    .venv/bin/python scripts/bench_plan.py --sizes 1000000 --stages plan --plan work_limit=0

Each measurement runs in a fresh subprocess so its peak memory (``ru_maxrss``) is its own;
seconds are wall clock and CPU (this process's user + system time, steadier on a shared
machine). Two seeded estates:

* ``national``: every asset at a random real GB postcode from the packaged ONS Postcode
  Directory (uniform over its postcodes, so density follows them: cities chain at 400 m);
* ``towns``: towns of different sizes over a 200 km square of British National Grid, a
  rural scatter, 20% of assets stacked on another asset's point.

Both have twelve partners and registers with gaps (capacity, occupancy, utilisation, book
value missing for some) so the estimates run too. Stages: ``dbscan-sklearn`` (the cluster
floor: scikit-learn's DBSCAN on the distinct locations with ``sample_weight``),
``cluster`` and ``cluster-unbounded`` (``cluster_assets`` with and without the width
bound), ``plan`` (``plan_estate``, which clusters too; ``cluster_s`` is its clustering
alone), ``plan-greedy`` (the simple pass only: the plan's floor), and the HDBSCAN
comparisons.
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
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assetmap.cluster import cluster_assets  # noqa: E402
from assetmap.config import ClusteringConfig, Config  # noqa: E402
from assetmap.geocode import PostcodeLookup  # noqa: E402
from assetmap.plan import plan_estate  # noqa: E402
from assetmap.schema import ASSET_COLUMNS, BNG  # noqa: E402

SEED = 20260101
STAGES = (
    "dbscan-sklearn", "cluster", "cluster-unbounded", "plan", "plan-greedy",
    "hdbscan-package", "hdbscan-package-raw", "hdbscan-sklearn-raw",
)  # fmt: skip
DEFAULT_STAGES = ("dbscan-sklearn", "cluster", "cluster-unbounded", "plan", "plan-greedy")


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


def _cluster_stats(assets: gpd.GeoDataFrame, out: gpd.GeoDataFrame) -> dict[str, object]:
    """Cluster count, sizes and the widest cluster (minimum bounding circle), for the table."""
    sizes = out["cluster_id"].value_counts()
    member = out["cluster_id"].notna().to_numpy()
    widest = 0.0
    if member.any():
        codes, _ = pd.factorize(out["cluster_id"][member])
        order = np.argsort(codes, kind="stable")
        xy = shapely.get_coordinates(assets.geometry.to_numpy()[member][order])
        _, dense = np.unique(codes[order], return_inverse=True)
        radius = shapely.minimum_bounding_radius(shapely.multipoints(xy, indices=dense.ravel()))
        widest = round(float(2 * radius.max()))
    return {
        "clusters": len(sizes),
        "clustered": int(member.sum()),
        "largest": int(sizes.max()) if len(sizes) else 0,
        "second": int(sizes.iloc[1]) if len(sizes) > 1 else 0,
        "over_1000": int((sizes > 1000).sum()),
        "widest_m": widest,
    }


def _plan_stats(res: object) -> dict[str, object]:
    s = res.summary
    keys = (
        "clusters", "moves", "subproblems", "subproblems_optimal", "subproblems_fast_answer",
        "subproblems_time_limited", "optimiser_work_used", "plan_repeatable",
    )  # fmt: skip
    out = {k: s[k] for k in keys}
    out.update(
        released_share=round(float(s["share_of_running_cost"]), 4),
        moves_saving_m=round(s["moves_saving_gbp"] / 1e6, 1),
        bound_m=round(s["moves_saving_bound_gbp"] / 1e6, 1),
        gap=round(float(s["moves_saving_gap_share"]), 4),
        largest_subproblem=int(res.subproblems["edges"].max()) if len(res.subproblems) else 0,
    )
    return out


def _timed(fn: object) -> tuple[object, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def run_one(stage: str, n: int, layout: str, plan: dict[str, object]) -> dict[str, object]:
    """Time one stage in this process; returns a result row."""
    assets = synthetic_estate(n, layout=layout)
    cfg = ClusteringConfig()
    base = _rss_mb()
    extra: dict[str, object] = {}
    if stage in ("cluster", "cluster-unbounded"):
        if stage == "cluster-unbounded":
            cfg = cfg.model_copy(update={"max_diameter_m": 1e9})
        out, wall, cpu = _timed(lambda: cluster_assets(assets, cfg))
        extra.update(_cluster_stats(assets, out))
    elif stage == "dbscan-sklearn":
        from sklearn.cluster import DBSCAN

        xy = shapely.get_coordinates(assets.geometry.to_numpy())

        def floor() -> np.ndarray:
            uniq, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
            labels = DBSCAN(eps=cfg.radius_m, min_samples=cfg.min_assets).fit(uniq, sample_weight=counts)
            return labels.labels_[inverse.ravel()]

        labels, wall, cpu = _timed(floor)
        extra.update(clusters=int(labels.max() + 1), clustered=int((labels >= 0).sum()))
    elif stage == "hdbscan-package":
        out, wall, cpu = _timed(lambda: cluster_assets(assets, cfg.model_copy(update={"method": "hdbscan"})))
        extra.update(_cluster_stats(assets, out))
    elif stage in ("hdbscan-package-raw", "hdbscan-sklearn-raw"):
        # Like for like: both libraries, min_cluster_size=min_samples=2, no selection
        # epsilon (scikit-learn 1.9 fails with one: TypeError in epsilon_search).
        xy = np.column_stack([assets["easting"], assets["northing"]])
        if stage == "hdbscan-sklearn-raw":
            from sklearn.cluster import HDBSCAN

            model = HDBSCAN(min_cluster_size=2, min_samples=2, copy=True)
        else:
            import hdbscan

            model = hdbscan.HDBSCAN(min_cluster_size=2, min_samples=2, core_dist_n_jobs=1)
        labels, wall, cpu = _timed(lambda: model.fit(xy).labels_)
        extra.update(clusters=int(labels.max() + 1), clustered=int((labels >= 0).sum()))
    elif stage in ("plan", "plan-greedy"):
        options = dict(plan, **({"optimiser": "greedy"} if stage == "plan-greedy" else {}))
        config = Config(title="bench", partners=[{"name": "x", "register": "x.csv"}], plan=options)
        _, c_wall, c_cpu = _timed(lambda: cluster_assets(assets, config.clustering))
        extra.update(cluster_s=round(c_wall, 2), cluster_cpu_s=round(c_cpu, 2))
        res, wall, cpu = _timed(lambda: plan_estate(assets, config, as_of=dt.date(2026, 1, 1)))
        extra.update(_plan_stats(res))
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    return {
        "estate": layout,
        "stage": stage,
        "n": n,
        "seconds": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(_rss_mb()),
        "base_mb": round(base),
        **extra,
    }


def _option(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    return key, json.loads(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--estate", nargs="+", default=["national"], choices=["national", "towns"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stages", nargs="+", default=list(DEFAULT_STAGES), choices=STAGES)
    parser.add_argument(
        "--plan", nargs="*", type=_option, default=[], metavar="KEY=VALUE",
        help="plan options for the plan stages, e.g. work_limit=0 time_limit_s=30",
    )  # fmt: skip
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        job = json.loads(args.one)
        print(json.dumps(run_one(job["stage"], job["n"], job["estate"], job["plan"])))
        return
    rows = []
    for layout in args.estate:
        for n in args.sizes:
            for stage in args.stages:
                job = {"stage": stage, "n": n, "estate": layout, "plan": dict(args.plan)}
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", json.dumps(job)],
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
