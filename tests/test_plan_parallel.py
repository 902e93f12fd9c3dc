"""The plan on two cores (the rating's facts beside the solver, the exact search shared with a
forked process) gives exactly the plan made in one process."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap._fork import CAN_FORK, Forked
from assetmap.cluster import asset_xy, cluster_assets, estimate_people, profile_clusters
from assetmap.config import Config
from assetmap.plan import (
    PLAN_ASSET_COLUMNS,
    PlanResult,
    facts_of,
    plan_candidates,
    plan_estate,
    rate_and_cost,
)
from assetmap.plan._rating import rate
from assetmap.plan._savings import opportunities
from assetmap.plan._solve import solve
from assetmap.testing import make_config, national_estate

AS_OF = dt.date(2026, 1, 1)

needs_fork = pytest.mark.skipif(not CAN_FORK, reason="forked processes are Linux only")


def _same_plan(a: PlanResult, b: PlanResult) -> None:
    """Every table and figure of two plans equal."""
    pd.testing.assert_frame_equal(pd.DataFrame(a.assets), pd.DataFrame(b.assets))
    pd.testing.assert_frame_equal(pd.DataFrame(a.clusters), pd.DataFrame(b.clusters))
    pd.testing.assert_frame_equal(a.opportunities, b.opportunities)
    pd.testing.assert_frame_equal(a.moves, b.moves)
    pd.testing.assert_frame_equal(a.subproblems, b.subproblems)
    assert a.summary == b.summary


def _register(n: int, seed: int) -> object:
    """A made-up national register of ``n`` assets around a dozen towns, before planning."""
    assets = national_estate(n, seed=seed, places="towns")[0]
    return assets.drop(columns=[c for c in PLAN_ASSET_COLUMNS if c in assets.columns])


def _config(split: bool, work_limit: int) -> Config:
    return make_config(plan={"split_donors": split, "work_limit": work_limit, "time_limit_s": 3_600})


@needs_fork
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=30, max_value=6_000),
    seed=st.integers(min_value=0, max_value=10_000),
    split=st.booleans(),
    work_limit=st.sampled_from([0, 500, 20_000]),
)
def test_plan_on_two_cores_is_the_plan_in_one(n: int, seed: int, split: bool, work_limit: int) -> None:
    assets = _register(n, seed)
    cfg = _config(split, work_limit)
    two = plan_estate(assets, cfg, as_of=AS_OF, parallel=True)
    one = plan_estate(assets, cfg, as_of=AS_OF, parallel=False)
    _same_plan(two, one)
    assert two.summary["plan_repeatable"] is True


@needs_fork
def test_shared_search_settles_the_same_subproblems_the_same_way() -> None:
    cfg = _config(False, 20_000)
    df = estimate_people(cluster_assets(_register(20_000, 7), cfg.clustering), cfg.clustering)
    cand = plan_candidates(df, cfg)
    shared, shared_info = solve(cand, cfg.plan, parallel=True)
    alone, alone_info = solve(cand, cfg.plan, parallel=False)
    pd.testing.assert_frame_equal(shared, alone)
    pd.testing.assert_frame_equal(shared_info, alone_info)
    # The estate has sub-problems the search settles, some with better moves than the fast passes.
    assert (alone_info["method"] == "exact-search").sum() > 50


@needs_fork
def test_facts_found_in_a_forked_process_rate_as_found_here() -> None:
    cfg = make_config()
    df = estimate_people(cluster_assets(_register(8_000, 3), cfg.clustering), cfg.clustering)
    clusters = profile_clusters(df, cfg.clustering)
    cand = plan_candidates(df, cfg)
    moves, info = solve(cand, cfg.plan, parallel=False)
    beside = Forked(lambda _send: facts_of(df, cand, config=cfg, as_of=AS_OF))
    assert beside.started
    done = beside.receive(lambda _message: None)
    assert done is not None
    given_facts = rate_and_cost(
        df.copy(), clusters, cand, moves, info, config=cfg, as_of=AS_OF, facts=done.value  # type: ignore[arg-type]
    )
    # Rating leaves the facts as they were: a second use gives the same plan again.
    again = rate_and_cost(
        df.copy(), clusters, cand, moves, info, config=cfg, as_of=AS_OF, facts=done.value  # type: ignore[arg-type]
    )
    here = rate_and_cost(df.copy(), clusters, cand, moves, info, config=cfg, as_of=AS_OF)
    _same_plan(given_facts, here)
    _same_plan(again, here)
    # The reasons joined on a thread while the opportunities were found: as joined first.
    cc = cfg.clustering
    rated = rate(df, cand, moves, AS_OF, cfg.plan, cc.radius_m, xy=asset_xy(df), diameter_m=cc.diameter_m)
    pd.testing.assert_series_equal(here.assets["reasons"], rated["reasons"])
    pd.testing.assert_frame_equal(opportunities(here.assets, rated, moves, cfg.plan), here.opportunities)
    assert (here.assets["action"] == "relocate").sum() > 100
    assert np.isin(["red", "amber", "green"], here.assets["rating"]).all()


@needs_fork
@pytest.mark.parametrize("place", ["kent", "worcestershire"])
def test_demo_registers_planned_on_two_cores_as_in_one(place: str) -> None:
    from support import DEMO

    from assetmap.config import load_config
    from assetmap.estate import build_estate
    from assetmap.geocode import PostcodeLookup

    cfg = load_config(DEMO / place / "assetmap.yaml")
    assets = build_estate(cfg, postcodes=PostcodeLookup(cfg.postcodes), progress=lambda _m: None).assets
    two = plan_estate(assets, cfg, as_of=AS_OF, parallel=True)
    _same_plan(two, plan_estate(assets, cfg, as_of=AS_OF, parallel=False))
    # A county is planned in one process unless asked: the default gives the same plan too.
    _same_plan(two, plan_estate(assets, cfg, as_of=AS_OF))
    assert two.summary["moves"] > 0
