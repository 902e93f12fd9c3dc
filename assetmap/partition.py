"""The pipeline's stage functions run on partitions, for a distributed engine such as Dask.

``assetmap run`` is one process. For an estate that outgrows one machine the same stage
functions run on partitions:

1. **read, clean and geocode**: one task per partner register
   (:func:`assetmap.estate.place_partner`), combined into one layer as ``assetmap run``
   combines them;
2. **regions**: each asset's local authority district (ONSPD ``laua``) from its postcode;
   an asset with no known district takes that of the nearest asset with one. Districts
   are whole regions: they are grouped, whole, into balanced partitions;
3. **cluster and plan per region**: in each partition, clusters are found district by
   district (:func:`assetmap.cluster.cluster_assets`), so **a cluster never crosses a
   district's edge** (the one difference from ``assetmap run``, where two buildings 100 m
   apart on either side of a district boundary can share a cluster); then the people
   figures, cluster profiles, candidate moves and the optimiser
   (:mod:`assetmap.plan`) run on the partition;
4. **finish**: clusters are numbered across the whole estate by the rule ``assetmap run``
   uses (total running cost, largest first, then the position of the first asset), and
   the rating, opportunities and summary are computed on the whole estate (the rating
   compares each building's cost per m² with the estate's median, so it needs all of it).

The ``map`` argument of :func:`run_partitioned` runs a function over a list of inputs and
returns the results in order: the built-in :func:`map` runs everything here, and
``scripts/run_dask.py`` passes a ``dask.distributed`` client's ``map`` and ``gather``.
Outputs are written by the same writers as ``assetmap run``.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .areas import area_record, finish_areas, prepare_areas
from .cluster import asset_xy, cluster_assets, estimate_people, profile_clusters
from .config import Config, PartnerConfig, load_config
from .estate import Estate, PartnerSummary, _typed, place_partner
from .geocode import PostcodeLookup, UprnLookup
from .outputs import write_json
from .pipeline import RunResult, _Clock, _run_record, _write_outputs
from .plan import PlanResult, plan_candidates, rate_and_cost
from .plan._colocate import Candidates
from .plan._solve import solve
from .schema import BNG

#: Runs a function over inputs and returns the results in order (like ``list(map(f, xs))``).
Mapper = Callable[[Callable[..., Any], Sequence[Any]], list[Any]]
#: District given to assets when no asset of the estate has a known district.
NO_DISTRICT = "unknown"


def local_map(fn: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
    """Run ``fn`` over ``items`` here, in order: the single-process :data:`Mapper`."""
    return [fn(item) for item in items]


def dask_mapper(client: Any) -> Mapper:
    """A :data:`Mapper` on a ``dask.distributed`` client: tasks run on its workers.

    The inputs are scattered first, so large frames go to the workers once rather than
    inside the task graph; results come back in order. An error in a task (a register
    that cannot be read) is raised here as it was raised there.
    """

    def mapper(fn: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
        if not items:
            return []
        data = client.scatter(list(items))
        return client.gather(client.map(fn, data, pure=False))

    return mapper


# -- 1. read, clean and geocode: one task per register ----------------------------------------
@dataclass
class PlacedPart:
    """One partner's register placed (what :func:`assetmap.estate.place_partner` returns)."""

    assets: gpd.GeoDataFrame
    rejects: pd.DataFrame
    warnings: pd.DataFrame
    summary: PartnerSummary
    timings: dict[str, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _postcodes(source: Path | None) -> PostcodeLookup:
    """One postcode directory per worker process, so its decoded tables serve every task."""
    return PostcodeLookup(source)


@functools.lru_cache(maxsize=4)
def _uprns(source: Path) -> UprnLookup:
    return UprnLookup(source)


def place_one(task: tuple[PartnerConfig, Path, Path | None, Path | None]) -> PlacedPart:
    """Read, clean and geocode one register (a task: runs wherever the engine puts it).

    Parameters
    ----------
    task : tuple
        ``(partner, base_dir, postcodes, uprn_lookup)``: the partner, the config's folder,
        and the config's ``postcodes`` and ``uprn_lookup`` paths (None for the defaults).

    Returns
    -------
    PlacedPart
    """
    partner, base_dir, postcodes, uprn_lookup = task
    timings: dict[str, float] = {}
    uprns = _uprns(uprn_lookup) if uprn_lookup is not None else None
    assets, rejects, warnings, summary = place_partner(
        partner, base_dir=base_dir, postcodes=_postcodes(postcodes), uprns=uprns, timings=timings
    )
    return PlacedPart(assets, rejects, warnings, summary, timings)


def combine(parts: Sequence[PlacedPart]) -> Estate:
    """One estate layer from the placed registers, typed as ``assetmap run`` types it."""
    t0 = time.perf_counter()
    assets = gpd.GeoDataFrame(
        pd.concat([p.assets for p in parts], ignore_index=True), geometry="geometry", crs=BNG
    )
    timings: dict[str, float] = {}
    for p in parts:
        for key, seconds in p.timings.items():
            timings[key] = timings.get(key, 0.0) + seconds
    estate = Estate(
        assets=_typed(assets),
        rejects=pd.concat([p.rejects for p in parts], ignore_index=True),
        warnings=pd.concat([p.warnings for p in parts], ignore_index=True),
        partners=[p.summary for p in parts],
        timings=timings,
    )
    timings["combine"] = time.perf_counter() - t0
    return estate


# -- 2. regions: whole districts --------------------------------------------------------------
def asset_districts(
    assets: gpd.GeoDataFrame, postcodes: PostcodeLookup, *, postcode_district: pd.Series | None = None
) -> np.ndarray:
    """Each asset's local authority district code (ONSPD ``laua``).

    From the asset's postcode (``postcode_district``, the district the geocoder found for
    it, when given; else looked up); an asset without one (placed by coordinates alone, or
    at a postcode the directory gives no district) takes the district of the nearest asset
    that has one. When no asset has a district, all are in :data:`NO_DISTRICT`.
    """
    found = (
        postcodes.lookup(assets["postcode"].astype("string"))["district_code"]
        if postcode_district is None
        else postcode_district.astype("string")
    )
    district = np.array(found.astype(object).where(found.notna(), None).to_numpy(dtype=object), copy=True)
    known = np.array([d is not None for d in district], dtype=bool)
    if not known.any():
        return np.full(len(assets), NO_DISTRICT, dtype=object)
    xy = asset_xy(assets)
    ok = np.isfinite(xy).all(axis=1)
    have, need = known & ok, ~known & ok
    if need.any() and have.any():
        _dist, nearest = cKDTree(xy[have]).query(xy[need])
        district[need] = district[have][nearest]
    district[~known & ~ok] = NO_DISTRICT
    return district


def group_regions(district: np.ndarray, partitions: int) -> list[np.ndarray]:
    """Whole districts in ``partitions`` groups of about equal size (positions, ascending).

    Largest district first into the group with fewest assets so far (ties by district
    code, then group number), so the grouping is the same on every run.
    """
    codes, counts = np.unique(district.astype(str), return_counts=True)
    order = sorted(range(len(codes)), key=lambda i: (-counts[i], codes[i]))
    load = [0] * max(1, min(partitions, len(codes)))
    members: list[list[str]] = [[] for _ in load]
    for i in order:
        g = min(range(len(load)), key=lambda k: (load[k], k))
        load[g] += int(counts[i])
        members[g].append(str(codes[i]))
    text = district.astype(str)
    groups = [np.flatnonzero(np.isin(text, m)) for m in members if m]
    return groups or [np.empty(0, dtype=np.int64)]


# -- 3. cluster and plan one partition of whole districts -------------------------------------
@dataclass
class RegionPlan:
    """One partition planned: its rows (in estate order), cluster profiles, candidates, moves.

    ``positions`` are the rows' positions in the whole estate; cluster ids are local
    (``<first position>|C001``) until :func:`finish_plan` numbers them across the estate; the
    positions inside ``candidates`` and ``moves`` are into ``assets``.
    """

    positions: np.ndarray
    assets: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    candidates: Candidates
    moves: pd.DataFrame
    subproblems: pd.DataFrame


#: Metres each district is moved apart by for one DBSCAN over a partition (far beyond any radius).
_DISTRICT_GAP_M = 1e7


def _cluster_by_district(assets: gpd.GeoDataFrame, district: np.ndarray, config: Config) -> gpd.GeoDataFrame:
    """:func:`cluster_assets` district by district, so no cluster crosses a district's edge.

    For DBSCAN, each district is moved :data:`_DISTRICT_GAP_M` metres east of the one before
    and the partition is clustered in one call: no two districts are then within any radius
    of each other, so this is exactly district by district. HDBSCAN builds one hierarchy over
    all its points, so it is run on each district separately.
    """
    codes = np.unique(district.astype(str), return_inverse=True)[1].ravel()
    if config.clustering.method == "dbscan":
        xy = asset_xy(assets)
        ok = np.isfinite(xy).all(axis=1)
        moved = np.array(assets.geometry.values, dtype=object)
        moved[ok] = shapely.points(xy[ok, 0] + codes[ok] * _DISTRICT_GAP_M, xy[ok, 1])
        apart = assets.set_geometry(gpd.GeoSeries(moved, index=assets.index, crs=assets.crs))
        found = cluster_assets(apart, config.clustering)
        return found.set_geometry(assets.geometry.values, crs=assets.crs)
    cluster_id = pd.Series(pd.NA, index=assets.index, dtype="string")
    partners = np.zeros(len(assets), dtype=np.int64)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        found = cluster_assets(assets.iloc[rows], config.clustering)
        cluster_id.iloc[rows] = (f"{code}|" + found["cluster_id"]).to_numpy()
        partners[rows] = found["cluster_partners"].to_numpy()
    out = assets.copy()
    out["cluster_id"] = cluster_id
    out["cluster_partners"] = partners
    return out


def plan_region(task: tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, Config]) -> RegionPlan:
    """Cluster a partition district by district, then its people figures, profiles and moves.

    Parameters
    ----------
    task : tuple
        ``(assets, positions, district, config)``: the partition's rows in estate order,
        their positions in the estate, their district codes, and the run's config.

    Returns
    -------
    RegionPlan
    """
    assets, positions, district, config = task
    cc, pc = config.clustering, config.plan
    df = _cluster_by_district(assets.reset_index(drop=True), district, config)
    first = int(positions[0]) if len(positions) else 0
    df["cluster_id"] = (f"{first}|" + df["cluster_id"]).astype("string")
    df = estimate_people(df, cc)
    clusters = profile_clusters(df, cc)
    cand = plan_candidates(df, config)
    moves, subproblems = solve(cand, pc)
    return RegionPlan(positions, df, clusters, cand, moves, subproblems)


def cluster_members(assets: pd.DataFrame) -> set[frozenset[int]]:
    """Each cluster as the set of its assets' positions: compares two runs whatever the numbering."""
    groups: dict[str, list[int]] = {}
    for pos, cid in enumerate(assets["cluster_id"].astype(object).tolist()):
        if cid is not None and cid is not pd.NA:
            groups.setdefault(str(cid), []).append(pos)
    return {frozenset(v) for v in groups.values()}


# -- 4. finish on the whole estate ------------------------------------------------------------
def _merge_candidates(parts: Sequence[RegionPlan], n: int) -> Candidates:
    """The partitions' candidates as one, positions into the whole estate."""
    arrays = {
        k: np.zeros(n, dtype=bool if k == "donor" else float)
        for k in ("occupancy", "spare", "saving", "donor")
    }
    edges, distance = [np.empty((0, 2), dtype=np.int64)], [np.empty(0)]
    for part in parts:
        c = part.candidates
        for name, values in arrays.items():
            values[part.positions] = getattr(c, name)
        edges.append(part.positions[c.edges].reshape(-1, 2))
        distance.append(c.distance)
    e, d = np.vstack(edges).astype(np.int64), np.concatenate(distance)
    order = np.argsort(e[:, 0], kind="stable")  # by donor, each donor's receivers nearest first
    return Candidates(edges=e[order], distance=d[order], **arrays)


def _merge_moves(parts: Sequence[RegionPlan]) -> pd.DataFrame:
    frames = []
    for part in parts:
        m = part.moves.copy()
        m["donor"] = part.positions[m["donor"].to_numpy(dtype=np.int64)]
        m["receiver"] = part.positions[m["receiver"].to_numpy(dtype=np.int64)]
        frames.append(m)
    moves = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    moves = moves.astype({"donor": np.int64, "receiver": np.int64})
    return moves.sort_values(["donor", "receiver"], kind="mergesort").reset_index(drop=True)


def cluster_names(df: pd.DataFrame) -> dict[str, str]:
    """Local cluster id -> ``C001``...: by total running cost (largest first), then first asset.

    The rule :func:`assetmap.cluster.cluster_assets` numbers clusters by, applied to the
    whole estate (``df`` in estate order).
    """
    member = df["cluster_id"].notna().to_numpy()
    frame = pd.DataFrame(
        {
            "label": df["cluster_id"].astype(str).to_numpy()[member],
            "cost": np.nan_to_num(pd.to_numeric(df["running_cost_gbp"], errors="coerce").to_numpy()[member]),
            "pos": np.flatnonzero(member),
        }
    )
    totals = frame.groupby("label", sort=True).agg(cost=("cost", "sum"), first=("pos", "min"))
    totals = totals.sort_values(["cost", "first"], ascending=[False, True], kind="mergesort")
    width = max(3, len(str(len(totals))))
    return {lab: f"C{i:0{width}d}" for i, lab in enumerate(totals.index, start=1)}


def _merge_clusters(parts: Sequence[RegionPlan], names: dict[str, str], crs: Any) -> gpd.GeoDataFrame:
    frames = [p.clusters for p in parts if len(p.clusters)]
    if not frames:
        return parts[0].clusters if parts else gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    clusters = pd.concat(frames, ignore_index=True)
    clusters["cluster_id"] = clusters["cluster_id"].astype(str).map(names)
    clusters = clusters.sort_values("cluster_id", kind="mergesort").reset_index(drop=True)
    return gpd.GeoDataFrame(clusters, geometry="geometry", crs=crs)


def finish_plan(parts: Sequence[RegionPlan], config: Config, *, as_of: dt.date, crs: Any = BNG) -> PlanResult:
    """Number the clusters across the estate, then rate, list opportunities and sum up.

    Parameters
    ----------
    parts : sequence of RegionPlan
        Every partition of the estate (each asset in exactly one).
    config : Config
        The run's config.
    as_of : date
        The date lease expiries are measured from.
    crs
        The estate layer's CRS.

    Returns
    -------
    PlanResult
        As :func:`assetmap.plan.plan_estate` returns for the whole estate, except that no
        cluster crosses a district's edge.
    """
    positions = np.concatenate([p.positions for p in parts]) if parts else np.empty(0, dtype=np.int64)
    order = np.argsort(positions, kind="stable")
    df = pd.concat([p.assets for p in parts], ignore_index=True).iloc[order].reset_index(drop=True)
    df = gpd.GeoDataFrame(df, geometry="geometry", crs=crs)
    names = cluster_names(df)
    df["cluster_id"] = df["cluster_id"].astype(object).map(names).astype("string")
    clusters = _merge_clusters(parts, names, crs)
    cand = _merge_candidates(parts, len(df))
    moves = _merge_moves(parts)
    subproblems = pd.concat(
        [p.subproblems for p in parts if len(p.subproblems)] or [parts[0].subproblems], ignore_index=True
    )
    return rate_and_cost(df, clusters, cand, moves, subproblems, config=config, as_of=as_of)


# -- the whole run ----------------------------------------------------------------------------
def write_outputs(result: RunResult) -> dict[str, Path]:
    """Write what ``assetmap run`` writes, with its own writers, into ``result.out_dir``."""
    result.out_dir.mkdir(parents=True, exist_ok=True)
    clock = _Clock()
    outputs = _write_outputs(result.out_dir, result, lambda _m, _d=None, _t=None: None, clock)
    result.timings.update({k: v for k, v in clock.timings.items() if k in ("write", "map", "pictures")})
    return outputs


def run_partitioned(
    config: str | Path,
    out_dir: str | Path | None = None,
    *,
    mapper: Mapper = local_map,
    partitions: int = 8,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    write: bool = True,
) -> RunResult:
    """``assetmap run`` with its stages on partitions: registers, then regions of whole districts.

    Parameters
    ----------
    config : str or Path
        The YAML config file, as for ``assetmap run``.
    out_dir : str or Path, optional
        Where outputs go; default ``out/`` beside the config file.
    mapper : callable
        Runs a function over a list of tasks, returning the results in order
        (:func:`local_map` here; a Dask client's ``map`` then ``gather`` in
        ``scripts/run_dask.py``). Tasks and results must pickle.
    partitions : int
        How many groups of whole districts the clustering and planning are split into.
    as_of : date, optional
        As for :func:`assetmap.pipeline.run`.
    progress : callable, optional
        Called with a short message as each stage starts.
    write : bool
        False: stop before the writers (to time the partitioned stages alone; the writers
        are ``assetmap run``'s own).

    Returns
    -------
    RunResult
        Its ``timings`` are wall-clock seconds per stage as seen from here.
    """
    t_start = time.perf_counter()
    say = progress or (lambda _m: None)
    config_path = Path(config).resolve()
    cfg = load_config(config_path)
    out = (Path(out_dir) if out_dir is not None else cfg.base_dir / "out").resolve()
    postcodes = PostcodeLookup(cfg.postcodes)
    timings: dict[str, float] = {"load_config": time.perf_counter() - t_start}

    say(f"Reading, cleaning and geocoding {len(cfg.partners)} registers, one task each")
    t0 = time.perf_counter()
    tasks = [(p, cfg.base_dir, cfg.postcodes, cfg.uprn_lookup) for p in cfg.partners]
    estate = combine(mapper(place_one, tasks))
    timings["read_clean_geocode"] = time.perf_counter() - t0
    timings["combine"] = estate.timings["combine"]

    t0 = time.perf_counter()
    # The postcode's district from the geocoder, before the areas step gives each asset its own.
    postcode_district = estate.assets["district_code"]
    area_run = prepare_areas(estate.assets, cfg, postcodes=postcodes)
    assets = area_run.assets
    district = asset_districts(assets, postcodes, postcode_district=postcode_district.reindex(assets.index))
    groups = group_regions(district, partitions)
    timings["regions"] = time.perf_counter() - t0
    say(
        f"Clustering and planning {len(assets):,} assets in {len(groups)} partitions "
        "of whole districts"
    )
    t0 = time.perf_counter()
    region_tasks = [(assets.iloc[g], g, district[g], cfg) for g in groups]
    parts = mapper(plan_region, region_tasks)
    timings["plan_regions"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    as_of = cfg.as_of or as_of or datetime.now(UTC).date()
    plan = finish_plan(parts, cfg, as_of=as_of, crs=assets.crs)
    plan, areas = finish_areas(plan, area_run)
    timings["plan_finish"] = time.perf_counter() - t0

    result = RunResult(
        config=cfg, config_path=config_path, out_dir=out, estate=estate, plan=plan, timings=timings,
        areas=areas, area_run=area_run,
    )  # fmt: skip
    if write:
        say("Writing the outputs")
        result.outputs = write_outputs(result)
    timings["total"] = time.perf_counter() - t_start
    if write:
        record = _run_record(result, postcodes) | {"areas": area_record(area_run)}
        write_json(result.outputs["run"], record)
    return result
