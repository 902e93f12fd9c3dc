"""Co-location and disposal plan for a combined estate.

:func:`plan_estate` runs: proximity clusters, no wider than ``clustering.max_diameter_m``
(:func:`assetmap.cluster.cluster_assets`) -> people figures, estimating what registers lack
(:func:`assetmap.cluster.estimate_people`) -> cluster profile
(:func:`assetmap.cluster.profile_clusters`) -> co-location candidates
(:mod:`assetmap.plan._colocate`) -> the moves: a fast answer for every group of donors and
receivers, then ``scipy.optimize.milp`` (HiGHS) within a deterministic work budget and a
wall-clock time limit (:mod:`assetmap.plan._solve`) -> score, red/amber/green rating,
reasons and action (:mod:`assetmap.plan._rating`) -> opportunities and savings summary
(:mod:`assetmap.plan._savings`). The function is pure and deterministic: the same estate,
config and ``as_of`` date give the same result, unless the time limit cut the optimiser
(``summary['plan_repeatable']`` is then false).

From :data:`PARALLEL_FROM` assets (a national estate, not a county) the plan uses a second
core on Linux, each time with work that does not depend on what the other side finds: the
rating's facts (score, first rating, the reasons that state facts and place) are found in a
forked process while the moves are chosen, and, with enough sub-problems to search
(:data:`~assetmap.plan._solve.SEARCH_PROCESS_FROM`), every second one's exact search in
another. HiGHS's calls stay in one process, in order: the work budget is spent in queue
order, each call's node limit being what the calls before it left. The plan is the same
either way (tests/test_plan_parallel.py).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .._fork import Forked
from .._known import UNRATED
from ..cluster import PEOPLE_COLUMNS, asset_xy, cluster_assets, estimate_people, profile_clusters
from ..config import Config
from ._colocate import MOVE_COLUMNS, Candidates, find_candidates, use_groups
from ._rating import Facts, rate_facts, rate_later
from ._savings import (
    OPPORTUNITY_COLUMNS,
    PILOT_REFERENCE,
    PILOT_REFERENCE_SHARE,
    asset_texts,
    opportunities,
    summarise,
)
from ._solve import solve

#: Columns the plan needs in the estate layer.
REQUIRED_COLUMNS = (
    "asset_id",
    "name",
    "partner",
    "use",
    "tenure",
    "condition",
    "gia_m2",
    "running_cost_gbp",
    "utilisation",
    "occupancy",
    "capacity",
    "book_value_gbp",
    "lease_expiry",
    "sensitive",
)

#: Columns :func:`plan_estate` adds to the assets, in order.
PLAN_ASSET_COLUMNS = (
    "cluster_id",
    "cluster_partners",
    *PEOPLE_COLUMNS,
    "cost_per_m2_gbp",
    "score",
    "rating",
    "reasons",
    "action",
    "people_out",
    "people_in",
    "spare_after",
)


@dataclass(frozen=True)
class PlanResult:
    """What :func:`plan_estate` returns.

    Attributes
    ----------
    assets : GeoDataFrame
        The input rows and columns plus :data:`PLAN_ASSET_COLUMNS`.
    clusters : GeoDataFrame
        The ``clusters`` layer (:data:`assetmap.cluster.CLUSTER_COLUMNS`) plus ``red``,
        ``amber``, ``green``, ``unrated`` (asset counts), ``assets_with_running_cost``,
        ``moves`` and ``annual_saving_gbp`` (NaN where no member's running cost is known).
    opportunities : DataFrame
        :data:`OPPORTUNITY_COLUMNS`, ranked.
    summary : dict
        Estate and plan totals (see :func:`assetmap.plan._savings.summarise`).
    moves : DataFrame
        The chosen moves as positions into ``assets`` (``donor``, ``receiver``,
        ``people``, ``share_of_donor``).
    subproblems : DataFrame
        One row per optimisation sub-problem with its size and how it was solved.
    """

    assets: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame
    opportunities: pd.DataFrame
    summary: dict[str, object]
    moves: pd.DataFrame
    subproblems: pd.DataFrame


#: Estates from this many assets are planned on two cores (:func:`plan_estate`'s ``parallel``).
PARALLEL_FROM = 50_000


def plan_estate(
    assets: gpd.GeoDataFrame, config: Config, *, as_of: dt.date | None = None, parallel: bool | None = None
) -> PlanResult:
    """Cluster the estate, plan moves, rate every asset and cost the savings.

    Parameters
    ----------
    assets : GeoDataFrame
        The combined estate layer (EPSG:27700 points, ``schema.ASSET_COLUMNS``).
    config : Config
        Uses ``config.clustering`` and ``config.plan``.
    as_of : date, optional
        The date lease expiries are measured from; today when not given (pass it for a
        reproducible run).
    parallel : bool, optional
        Use a second core (Linux): the rating's facts, which do not depend on the moves,
        are found in a forked process while the moves are chosen, and the exact search is
        shared (:func:`~assetmap.plan._solve.solve`). The result is the same either way
        (tested). None: the facts from :data:`PARALLEL_FROM` assets, the search from
        :data:`~assetmap.plan._solve.SEARCH_PROCESS_FROM` sub-problems to search (at 10^6
        assets, not 10^5); a county is planned in-process.

    Returns
    -------
    PlanResult
    """
    if not isinstance(assets, gpd.GeoDataFrame):
        msg = f"expected a GeoDataFrame of assets, got {type(assets).__name__}"
        raise TypeError(msg)
    missing = [c for c in REQUIRED_COLUMNS if c not in assets.columns]
    if missing:
        msg = f"the estate layer lacks the column(s) {', '.join(missing)}"
        raise ValueError(msg)
    as_of = as_of or dt.date.today()
    cc, pc = config.clustering, config.plan
    df = estimate_people(cluster_assets(assets, cc), cc)
    clusters = profile_clusters(df, cc)
    cand = plan_candidates(df, config)
    beside = Forked(
        lambda _send: facts_of(df, cand, config=config, as_of=as_of),
        fork=len(df) >= PARALLEL_FROM if parallel is None else parallel,
    )
    try:
        # None: the search is shared when it has enough sub-problems to pay for a process.
        moves, subproblems = solve(cand, pc, parallel=parallel)
    except BaseException:
        beside.stop()
        raise
    done = beside.receive(lambda _message: None)
    facts = done.value if done is not None else None
    return rate_and_cost(
        df, clusters, cand, moves, subproblems, config=config, as_of=as_of, facts=facts  # type: ignore[arg-type]
    )


def facts_of(df: pd.DataFrame, cand: Candidates, *, config: Config, as_of: dt.date) -> Facts:
    """What the rating and the opportunities read that does not depend on the moves
    (:func:`~assetmap.plan._rating.rate_facts`, with the assets' texts), for
    :func:`rate_and_cost`'s ``facts``."""
    cc = config.clustering
    facts = rate_facts(df, cand, as_of, config.plan, cc.radius_m, xy=asset_xy(df), diameter_m=cc.diameter_m)
    return facts._replace(texts=asset_texts(df))


def plan_candidates(df: pd.DataFrame, config: Config) -> Candidates:
    """Donors, receivers and the moves between them, for clustered assets with people figures.

    Parameters
    ----------
    df : DataFrame
        Assets after :func:`~assetmap.cluster.cluster_assets` and
        :func:`~assetmap.cluster.estimate_people`.
    config : Config
        Uses ``config.clustering.radius_m`` and ``config.plan``.

    Returns
    -------
    Candidates
    """
    pc = config.plan
    return find_candidates(
        asset_xy(df),
        pd.factorize(df["cluster_id"], use_na_sentinel=True)[0],
        df["plan_occupancy"].to_numpy(dtype=float),
        df["plan_capacity"].to_numpy(dtype=float),
        df["plan_utilisation"].to_numpy(dtype=float),
        pd.to_numeric(df["running_cost_gbp"], errors="coerce").to_numpy(dtype=float),
        df["sensitive"].fillna(False).to_numpy(dtype=bool),
        config.clustering.radius_m,
        pc,
        group=use_groups(df["use"], pc),
    )


def rate_and_cost(
    df: pd.DataFrame,
    clusters: gpd.GeoDataFrame,
    cand: Candidates,
    moves: pd.DataFrame,
    subproblems: pd.DataFrame,
    *,
    config: Config,
    as_of: dt.date,
    facts: Facts | None = None,
) -> PlanResult:
    """Rate every asset, cost the opportunities, tally the clusters and sum up, once moves are chosen.

    Parameters
    ----------
    df : DataFrame
        Assets with clusters and people figures (changed in place: the rating columns are added).
    clusters : GeoDataFrame
        The cluster profiles.
    cand, moves, subproblems
        The candidates and what :func:`~assetmap.plan._solve.solve` chose from them.
    config : Config
        Uses ``config.clustering`` and ``config.plan``.
    as_of : date
        The date lease expiries are measured from.
    facts : Facts, optional
        :func:`facts_of` the same ``df``, ``cand``, ``config`` and ``as_of``, when found
        already (beside the solver); found here otherwise.

    Returns
    -------
    PlanResult
    """
    cc, pc = config.clustering, config.plan
    facts = facts or facts_of(df, cand, config=config, as_of=as_of)
    rated, reasons = rate_later(df, cand, moves, as_of, pc, cc.radius_m, facts=facts)
    # The reasons are joined on a thread (Arrow's work, which lets this one run) while the
    # opportunities are found; they are read only once the opportunities are sorted.
    with ThreadPoolExecutor(max_workers=1) as pool:
        text = pool.submit(reasons.text)
        opps = opportunities(df, rated, moves, pc, reasons=text.result, texts=facts.texts)
        rated["reasons"] = text.result()
    for col in rated.columns:
        df[col] = rated[col]
    if len(clusters):
        clusters = _tally(clusters, df, opps)
    summary = summarise(df, clusters, rated, opps, subproblems, as_of, pc)
    df["score"] = df["score"].astype(float)
    df["cluster_partners"] = df["cluster_partners"].astype(np.int64)
    return PlanResult(
        assets=df,
        clusters=clusters,
        opportunities=opps,
        summary=summary,
        moves=moves,
        subproblems=subproblems,
    )


def _tally(clusters: gpd.GeoDataFrame, df: pd.DataFrame, opps: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each cluster's red, amber, green and unrated assets, moves and annual saving.

    ``assets_with_running_cost`` says how many members have a known running cost; the
    annual saving is the sum of the known savings, and NaN (not known) in a cluster where
    no member's running cost is known.
    """
    ids = pd.Index(clusters["cluster_id"].astype(str))
    k = len(ids)

    def codes(cluster: pd.Series) -> np.ndarray:
        """Each row's cluster number (-1: none), each distinct id looked up once."""
        found, uniques = pd.factorize(cluster.astype("string"))
        return np.where(found >= 0, ids.get_indexer(uniques.astype(str))[found], -1)

    def count(code: np.ndarray, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        ok = rows & (code >= 0)
        return np.bincount(code[ok], weights=None if weights is None else weights[ok], minlength=k)

    asset_code, rating = codes(df["cluster_id"]), df["rating"].to_numpy()
    out = {
        col: count(asset_code, rating == col).astype(np.int64) for col in ("red", "amber", "green", UNRATED)
    }
    costed = pd.to_numeric(df["running_cost_gbp"], errors="coerce").notna().to_numpy()
    out["assets_with_running_cost"] = count(asset_code, costed).astype(np.int64)
    opp_code = codes(opps["cluster_id"])
    relocate = opps["action"].eq("relocate").to_numpy()
    saving = pd.to_numeric(opps["annual_saving_gbp"], errors="coerce").to_numpy(dtype=float)
    gone = (relocate | opps["action"].eq("dispose").to_numpy()) & ~np.isnan(saving)
    out["moves"] = count(opp_code, relocate).astype(np.int64)
    total = count(opp_code, gone, saving)
    out["annual_saving_gbp"] = np.where(out["assets_with_running_cost"] > 0, total, np.nan)
    return clusters.assign(**out)


__all__ = [
    "MOVE_COLUMNS",
    "OPPORTUNITY_COLUMNS",
    "PILOT_REFERENCE",
    "PILOT_REFERENCE_SHARE",
    "PLAN_ASSET_COLUMNS",
    "REQUIRED_COLUMNS",
    "PlanResult",
    "plan_candidates",
    "plan_estate",
    "rate_and_cost",
]
