"""``assetmap run`` on a Dask cluster: the same stages, on partitions (needs ``pip install assetmap[dask]``).

Usage::

    python scripts/run_dask.py path/to/assetmap.yaml                    # local cluster, 2 workers
    python scripts/run_dask.py path/to/assetmap.yaml --workers 8 --out DIR
    python scripts/run_dask.py path/to/assetmap.yaml --scheduler tcp://host:8786   # an existing cluster
    python scripts/run_dask.py path/to/assetmap.yaml --compare           # also assetmap run, timed

Each partner's register is read, cleaned and geocoded as one task; then the estate is split
into partitions of whole local authority districts and each is clustered (district by
district: a cluster never crosses a district's edge) and planned as one task; the rating,
opportunities and summary are finished on the whole estate and written by the same writers
as ``assetmap run`` (see :mod:`assetmap.partition`). Workers need assetmap installed (or
this checkout on their path) and the registers at the same paths.

``--compare`` runs ``assetmap run`` on the same config first (in this process, into
``OUT-single``) and prints both runs' stage timings and the peak memory of each process, and
what differs between the two plans (clusters that cross a district's edge).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assetmap.cli import _clean_exit, _summary  # noqa: E402
from assetmap.partition import dask_mapper, run_partitioned  # noqa: E402


def _usage() -> dict[str, float]:
    """This process's peak memory (MB) and CPU seconds (user + system)."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_mb": round(u.ru_maxrss / 1024), "cpu_s": round(u.ru_utime + u.ru_stime, 1)}


def _client(args: argparse.Namespace) -> Any:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit("Dask is not installed: pip install 'assetmap[dask]'") from None
    if args.scheduler:
        return Client(args.scheduler)
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=args.threads, processes=True, dashboard_address=None
    )
    return Client(cluster)


def _single(config: Path, out: Path, *, write: bool) -> dict[str, object]:
    """``assetmap run`` here, timed; without ``write``, only its stages before the writers."""
    from assetmap.config import load_config
    from assetmap.estate import build_estate
    from assetmap.pipeline import RunResult, run
    from assetmap.plan import plan_estate

    t0 = time.perf_counter()
    if write:
        result = run(config, out)
        return {"wall_s": round(time.perf_counter() - t0, 1), "timings_s": result.timings, "result": result}
    cfg = load_config(config)
    estate = build_estate(cfg)
    timings = dict(estate.timings)
    t1 = time.perf_counter()
    plan = plan_estate(estate.assets, cfg, as_of=cfg.as_of)
    timings["plan"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    result = RunResult(config=cfg, config_path=config, out_dir=out, estate=estate, plan=plan, timings=timings)
    return {"wall_s": round(timings["total"], 1), "timings_s": {k: round(v, 1) for k, v in timings.items()},
            "result": result}  # fmt: skip


def run_on_dask(args: argparse.Namespace, out: Path) -> tuple[Any, dict[str, object]]:
    """Start (or join) the cluster, run the partitioned pipeline, return the result and the figures."""
    t0 = time.perf_counter()
    client = _client(args)
    started = time.perf_counter() - t0
    try:
        workers = len(client.scheduler_info()["workers"])
        partitions = args.partitions or 4 * max(1, workers)
        result = run_partitioned(
            args.config,
            out,
            mapper=dask_mapper(client),
            partitions=partitions,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
            write=not args.no_outputs,
        )
        figures = {
            "workers": workers,
            "partitions": partitions,
            "cluster_start_s": round(started, 1),
            "timings_s": {k: round(v, 1) for k, v in result.timings.items()},
            "workers_usage": client.run(_usage),
            "client_usage": _usage(),
        }
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
    return result, figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config", type=Path, help="assetmap.yaml, as for assetmap run")
    parser.add_argument("--out", type=Path, help="output folder (default out/ beside the config)")
    parser.add_argument("--workers", type=int, default=2, help="local cluster: worker processes (default 2)")
    parser.add_argument(
        "--threads", type=int, default=1, help="local cluster: threads per worker (default 1)"
    )
    parser.add_argument(
        "--scheduler", help="address of an existing Dask scheduler instead of a local cluster"
    )
    parser.add_argument("--partitions", type=int, default=0, help="district groups (default 4 per worker)")
    parser.add_argument("--compare", action="store_true", help="run assetmap run first and compare")
    parser.add_argument(
        "--no-outputs", action="store_true", help="stop before the writers (to time the stages)"
    )
    args = parser.parse_args()
    out = args.out or args.config.resolve().parent / "out"
    report: dict[str, object] = {}
    with _clean_exit():
        if args.compare:
            single = _single(args.config, out.with_name(out.name + "-single"), write=not args.no_outputs)
            report["assetmap_run"] = {k: v for k, v in single.items() if k != "result"}
            report["assetmap_run_usage"] = _usage()
        result, report["dask"] = run_on_dask(args, out)
        if args.compare:
            report["differences"] = compare_plans(single["result"], result)
    from rich.console import Console

    _summary(result, Console(stderr=True))
    print(json.dumps(report, indent=2, default=str))


def compare_plans(single: Any, dask: Any) -> dict[str, object]:
    """What differs between ``assetmap run`` and the partitioned run, and why."""
    from assetmap.geocode import PostcodeLookup
    from assetmap.partition import asset_districts, cluster_members

    a, b = single.plan.assets, dask.plan.assets
    district = asset_districts(a, PostcodeLookup(single.config.postcodes))
    ma, mb = cluster_members(a), cluster_members(b)
    crossing = {m for m in ma if len({district[i] for i in m}) > 1}
    return {
        "assets_same_place": bool(a.geometry.geom_equals_exact(b.geometry, 0).all()),
        "clusters": [len(ma), len(mb)],
        "clusters_crossing_a_district_edge": len(crossing),
        "assets_in_them": sum(len(m) for m in crossing),
        "other_clusters_differing": len(
            (ma - crossing) ^ (mb - {m for m in mb if any(m <= c for c in crossing)})
        ),
        "moves": [len(single.plan.moves), len(dask.plan.moves)],
        "released_running_cost_gbp": [
            single.plan.summary["released_running_cost_gbp"],
            dask.plan.summary["released_running_cost_gbp"],
        ],
    }


if __name__ == "__main__":
    main()
