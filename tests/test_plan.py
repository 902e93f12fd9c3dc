"""Co-location plan, rating and savings on small hand-made estates with known answers."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from assetmap.config import ClusteringConfig, Config, PlanConfig
from assetmap.plan import OPPORTUNITY_COLUMNS, PLAN_ASSET_COLUMNS, plan_estate
from assetmap.schema import BNG
from assetmap.testing import make_config, office
from assetmap.testing import make_estate as estate

AS_OF = dt.date(2026, 1, 1)


def config(**plan: object) -> Config:
    """The plan options given, every other setting the default."""
    return make_config(plan=plan)


def test_two_partners_150m_apart_one_move_and_its_saving() -> None:
    assets = estate(
        office(
            partner="Council",
            asset_id="HALL",
            occupancy=30.0,
            utilisation=0.3,
            tenure="freehold",
            book_value_gbp=1_500_000.0,
        ),
        office(x=150, partner="Police", asset_id="HQ", occupancy=50.0, utilisation=0.5, capacity=100.0),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    opps = res.opportunities
    moves = opps[opps["action"] == "relocate"]
    assert len(moves) == 1
    move = moves.iloc[0]
    assert (move["asset_id"], move["partner"]) == ("HALL", "Council")
    assert (move["into_asset_id"], move["into_partner"]) == ("HQ", "Police")
    assert move["people_moved"] == pytest.approx(30)
    assert move["annual_saving_gbp"] == pytest.approx(200_000 * 0.85)
    assert move["cost_following_people_gbp"] == pytest.approx(200_000 * 0.15)
    assert move["capital_receipt_gbp"] == pytest.approx(1_500_000)
    assert move["into_utilisation_after"] == pytest.approx(0.8)
    assert move["rank"] == 1
    assert list(opps.columns) == list(OPPORTUNITY_COLUMNS)
    # Both share one cross-partner cluster.
    assert res.assets["cluster_id"].tolist() == ["C001", "C001"]
    assert res.assets["cluster_partners"].tolist() == [2, 2]
    assert res.assets["action"].tolist() == ["relocate", "receive"]
    assert res.assets["rating"].tolist() == ["red", "amber"]
    assert "low utilisation (30%" in res.assets["reasons"].iloc[0]
    s = res.summary
    assert s["released_running_cost_gbp"] == pytest.approx(170_000)
    assert s["capital_receipts_gbp"] == pytest.approx(1_500_000)
    assert s["estate_running_cost_gbp"] == pytest.approx(400_000)
    assert s["share_of_running_cost"] == pytest.approx(170_000 / 400_000)
    assert s["pilot_reference_share"] == pytest.approx(0.10)
    assert s["moves"] == 1 and s["people_moved"] == pytest.approx(30)
    for col in PLAN_ASSET_COLUMNS:
        assert col in res.assets.columns


def test_receiver_never_overfilled_beyond_ceiling() -> None:
    # 30 people into a building at 65/100: 95% > 90% ceiling, so no move.
    assets = estate(
        office(occupancy=30.0, utilisation=0.3),
        office(x=150, partner="Police", occupancy=65.0, utilisation=0.65),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    assert (res.opportunities["action"] == "relocate").sum() == 0
    # With a higher ceiling it fits.
    res = plan_estate(assets, config(target_ceiling=1.0), as_of=AS_OF)
    assert (res.opportunities["action"] == "relocate").sum() == 1


def test_full_building_never_disposed() -> None:
    assets = estate(
        # Full, expensive, poor, lease ending, with a half-empty neighbour: everything but use says go.
        office(
            occupancy=10.0,
            capacity=10.0,
            utilisation=0.9,
            condition="D",
            running_cost_gbp=900_000.0,
            lease_expiry=pd.Timestamp("2026-06-30"),
        ),
        office(x=100, partner="NHS", occupancy=10.0, utilisation=0.1, capacity=100.0),
        office(
            x=200,
            partner="Fire",
            occupancy=95.0,
            utilisation=0.95,
            capacity=100.0,
            condition="D",
            running_cost_gbp=900_000.0,
            tenure="freehold",
            book_value_gbp=5e6,
        ),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    a = res.assets
    for i in (0, 2):
        assert a["rating"].iloc[i] != "red"
        assert a["action"].iloc[i] not in ("relocate", "dispose")
        assert "well used" in a["reasons"].iloc[i]
    opps = res.opportunities
    assert not opps["asset_id"].isin(["A1", "A3"]).any() or set(
        opps.loc[opps["asset_id"].isin(["A1", "A3"]), "action"]
    ) <= {"share"}


def test_lone_building_never_in_a_cluster() -> None:
    assets = estate(
        office(occupancy=20.0, utilisation=0.2),
        office(x=300, partner="Police", occupancy=20.0, utilisation=0.2),
        office(x=5_000, partner="NHS", occupancy=5.0, utilisation=0.05),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    a = res.assets
    assert pd.isna(a["cluster_id"].iloc[2])
    assert a["cluster_partners"].iloc[2] == 0
    assert "stands alone" in a["reasons"].iloc[2]
    assert len(res.clusters) == 1 and res.clusters["assets"].iloc[0] == 2
    assert not (res.opportunities["into_asset_id"] == "A3").any()


def _greedy_trap() -> gpd.GeoDataFrame:
    # Receivers at 65%: BIG has 100 spare places below the 0.9 ceiling, SMALL has 40.
    # Donors: D1 (40 people, £100k) and D2 (90 people, £90k).
    # Greedy puts D1 (largest saving) into BIG (most room) and then D2 fits nowhere: £85k.
    # Best: D1 -> SMALL and D2 -> BIG: £161.5k.
    return estate(
        office(asset_id="BIG", partner="Police", capacity=400.0, occupancy=260.0, utilisation=0.65),
        office(x=50, asset_id="SMALL", partner="NHS", capacity=160.0, occupancy=104.0, utilisation=0.65),
        office(
            x=100, asset_id="D1", capacity=100.0, occupancy=40.0, utilisation=0.4, running_cost_gbp=100_000.0
        ),
        office(
            x=150, asset_id="D2", capacity=200.0, occupancy=90.0, utilisation=0.45, running_cost_gbp=90_000.0
        ),
    )


def test_optimiser_beats_greedy_where_greedy_is_wrong() -> None:
    assets = _greedy_trap()
    best = plan_estate(assets, config(), as_of=AS_OF)
    greedy = plan_estate(assets, config(optimiser="greedy"), as_of=AS_OF)
    g, b = greedy.summary["released_running_cost_gbp"], best.summary["released_running_cost_gbp"]
    assert g == pytest.approx(100_000 * 0.85)
    assert b == pytest.approx(190_000 * 0.85)
    moves = best.opportunities.query("action == 'relocate'").set_index("asset_id")["into_asset_id"].to_dict()
    assert moves == {"D1": "SMALL", "D2": "BIG"}
    assert best.summary["subproblems_optimal"] == best.summary["subproblems"] == 1


def _fast_pass_trap() -> gpd.GeoDataFrame:
    # Four half-empty offices, each a donor and a receiver (spare places below the 0.9
    # ceiling: A 140, B 200, C 200, D 120). Both fast passes move D (the largest saving,
    # 60 people) first: into B (most room) or C (smallest saving of its own), and then
    # nothing else fits: £161.5k. Best: D -> A and B -> C, £289k.
    return estate(
        office(asset_id="A", partner="P0", capacity=400.0, occupancy=220.0, utilisation=0.55,
               running_cost_gbp=120_000.0),
        office(x=40, asset_id="B", partner="P1", capacity=400.0, occupancy=160.0, utilisation=0.4,
               running_cost_gbp=150_000.0),
        office(x=80, asset_id="C", partner="P2", capacity=400.0, occupancy=160.0, utilisation=0.4,
               running_cost_gbp=80_000.0),
        office(x=120, asset_id="D", partner="P3", capacity=200.0, occupancy=60.0, utilisation=0.3,
               running_cost_gbp=190_000.0),
    )  # fmt: skip


@pytest.mark.parametrize(("search", "method"), [(5_000, "exact-search"), (0, "milp-optimal")])
def test_optimiser_beats_both_fast_passes(search: int, method: str) -> None:
    # The exact search (default) and HiGHS (search off) find the same best plan.
    assets = _fast_pass_trap()
    best = plan_estate(assets, config(search_node_limit=search), as_of=AS_OF)
    assert best.summary["released_running_cost_gbp"] == pytest.approx(340_000 * 0.85)
    moves = best.opportunities.query("action == 'relocate'").set_index("asset_id")["into_asset_id"].to_dict()
    assert moves == {"D": "A", "B": "C"}
    assert set(best.subproblems["method"]) == {method}
    assert best.summary["subproblems_optimal"] == 1
    # The search needs no solver call: no solver work is charged.
    assert (best.summary["optimiser_work_used"] == 0) == (search > 0)
    assert best.summary["plan_repeatable"] is True
    # Without the search and the solver the fast answer stands: D moves, nothing else.
    fast = plan_estate(assets, config(work_limit=0, search_node_limit=0), as_of=AS_OF)
    assert fast.summary["released_running_cost_gbp"] == pytest.approx(190_000 * 0.85)
    assert set(fast.subproblems["method"]) == {"heuristic"}
    assert fast.summary["subproblems_fast_answer"] == 1
    assert fast.summary["moves_saving_bound_gbp"] >= 340_000 * 0.85 - 1e-6
    assert fast.summary["plan_repeatable"] is True


@pytest.mark.parametrize("seed", range(5))
def test_optimiser_never_worse_than_greedy_on_random_clusters(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(25):
        cap = float(rng.integers(20, 200))
        u = float(rng.uniform(0.05, 0.95))
        rows.append(
            office(
                x=float(rng.uniform(0, 300)),
                y=float(rng.uniform(0, 300)),
                partner=str(rng.choice(["A", "B", "C"])),
                capacity=cap,
                occupancy=round(u * cap),
                utilisation=u,
                running_cost_gbp=float(rng.integers(10, 500)) * 1000,
            )
        )
    assets = estate(*rows)
    for split, exact in ((False, 200), (True, 200), (False, 0), (True, 0)):
        best = plan_estate(assets, config(split_donors=split, exact_max_binaries=exact), as_of=AS_OF)
        greedy = plan_estate(assets, config(split_donors=split, optimiser="greedy"), as_of=AS_OF)
        assert best.summary["released_running_cost_gbp"] >= greedy.summary["released_running_cost_gbp"] - 1e-6
        assert best.summary["moves_saving_gbp"] <= best.summary["moves_saving_bound_gbp"] + 1e-6
        # No receiver over the ceiling, no vacated building receives.
        a = best.assets
        after = (a["plan_occupancy"] + a["people_in"]) / a["plan_capacity"]
        assert (after[a["people_in"] > 0] <= 0.9 + 1e-9).all()
        assert not ((a["people_in"] > 0) & (a["people_out"] > 0)).any()
        # Every donor's people all move.
        out = a.loc[a["people_out"] > 0]
        assert np.allclose(out["people_out"], out["plan_occupancy"])


def test_split_donor_over_two_receivers() -> None:
    assets = estate(
        office(asset_id="D", occupancy=50.0, utilisation=0.25, capacity=200.0),
        office(x=100, asset_id="R1", partner="NHS", occupancy=60.0, utilisation=0.6),
        office(x=200, asset_id="R2", partner="Police", occupancy=60.0, utilisation=0.6),
    )
    assert (plan_estate(assets, config(), as_of=AS_OF).opportunities["action"] == "relocate").sum() == 0
    res = plan_estate(assets, config(split_donors=True), as_of=AS_OF)
    moves = res.opportunities.query("action == 'relocate'")
    assert len(moves) == 2
    assert moves["people_moved"].sum() == pytest.approx(50)
    assert moves["annual_saving_gbp"].sum() == pytest.approx(200_000 * 0.85)


def test_estimates_from_floor_area_are_flagged() -> None:
    assets = estate(
        office(capacity=np.nan, gia_m2=1000.0, utilisation=0.3),  # 100 places at 10 m², 30 people
        office(x=150, capacity=np.nan, gia_m2=2000.0, utilisation=0.5, partner="NHS"),  # 200, 100
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    a = res.assets
    assert a["plan_capacity"].tolist() == pytest.approx([100, 200])
    assert a["plan_occupancy"].tolist() == pytest.approx([30, 100])
    assert a["capacity_estimated"].all() and a["occupancy_estimated"].all()
    assert a["density_m2_per_person"].tolist() == pytest.approx([10, 10])
    assert a["capacity"].isna().all()  # the register's column is untouched
    assert bool(res.opportunities["people_estimated"].iloc[0])
    assert res.clusters["capacity_estimated"].iloc[0] == 2
    custom = Config(
        title="T",
        partners=[{"name": "Council", "register": "x.csv"}],
        clustering=ClusteringConfig(use_densities={"office": 20}),
    )
    a2 = plan_estate(assets, custom, as_of=AS_OF).assets
    assert a2["plan_capacity"].tolist() == pytest.approx([50, 100])


def test_vacant_building_disposed_and_capital_from_floor_area() -> None:
    assets = estate(
        office(occupancy=0.0, utilisation=0.0, tenure="freehold", gia_m2=500.0, running_cost_gbp=50_000.0),
        office(x=5_000, occupancy=80.0, utilisation=0.8),
    )
    res = plan_estate(assets, config(capital_value_per_m2_gbp=1200), as_of=AS_OF)
    opp = res.opportunities.iloc[0]
    assert opp["action"] == "dispose"
    assert opp["annual_saving_gbp"] == pytest.approx(50_000)
    assert opp["capital_receipt_gbp"] == pytest.approx(500 * 1200)
    assert "no book value" in opp["capital_receipt_basis"]
    assert res.assets["rating"].iloc[0] == "red"


def test_lease_exit_counted_with_saving_from_expiry() -> None:
    expiry = pd.Timestamp("2027-03-31")
    assets = estate(
        office(occupancy=20.0, utilisation=0.2, tenure="leasehold", lease_expiry=expiry),
        office(x=150, partner="NHS", occupancy=40.0, utilisation=0.4),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    opp = res.opportunities.iloc[0]
    assert opp["saving_from"] == expiry and opp["capital_receipt_gbp"] == 0
    assert res.summary["lease_exits"] == 1
    assert res.summary["lease_exit_saving_gbp"] == pytest.approx(170_000)
    assert "lease ends 31 Mar 2027 (within 24 months)" in res.assets["reasons"].iloc[0]


def test_sensitive_site_kept_out_of_moves() -> None:
    assets = estate(
        office(occupancy=10.0, utilisation=0.1, sensitive=True, name="Refuge"),
        office(x=100, partner="NHS", occupancy=20.0, utilisation=0.2),
        office(x=200, partner="Police", occupancy=20.0, utilisation=0.2),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    assert not (res.opportunities["name"] == "Refuge").any()
    assert not (res.opportunities["into_name"] == "Refuge").any()
    assert res.assets["rating"].iloc[0] != "red"
    assert "sensitive site" in res.assets["reasons"].iloc[0]


def test_same_asset_id_in_two_partners_kept_apart() -> None:
    assets = estate(
        office(asset_id="1", partner="Council", occupancy=20.0, utilisation=0.2),
        office(x=100, asset_id="1", partner="Police", occupancy=40.0, utilisation=0.4),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    move = res.opportunities.iloc[0]
    assert (move["partner"], move["into_partner"]) == ("Council", "Police")


def test_plan_is_deterministic_and_pure() -> None:
    assets = _greedy_trap()
    before = assets.copy()
    one = plan_estate(assets, config(), as_of=AS_OF)
    two = plan_estate(assets.copy(), config(), as_of=AS_OF)
    pd.testing.assert_frame_equal(one.opportunities, two.opportunities)
    pd.testing.assert_frame_equal(pd.DataFrame(one.assets), pd.DataFrame(two.assets))
    assert one.summary == two.summary
    pd.testing.assert_frame_equal(assets, before)


def test_missing_columns_rejected() -> None:
    with pytest.raises(ValueError, match="running_cost_gbp"):
        plan_estate(estate(office()).drop(columns=["running_cost_gbp"]), config(), as_of=AS_OF)


def test_large_subproblem_rounded_from_lp_still_feasible() -> None:
    res = plan_estate(_fast_pass_trap(), config(exact_max_binaries=0, search_node_limit=0), as_of=AS_OF)
    assert set(res.subproblems["method"]) <= {"lp-round", "milp-optimal", "heuristic-better"}
    assert res.summary["released_running_cost_gbp"] >= 190_000 * 0.85
    assert res.summary["moves_saving_bound_gbp"] >= 340_000 * 0.85 - 1e-6


@pytest.mark.parametrize(
    ("receiver_use", "moves"),
    [
        ("Council Offices", 1),  # same group as "Office"
        ("Primary School", 0),  # operational: people cannot move in
        ("Fire Station", 0),
        ("Library", 0),  # another group
    ],
)
def test_people_move_only_between_compatible_uses(receiver_use: str, moves: int) -> None:
    assets = estate(
        office(partner="Council", asset_id="HALL", occupancy=30.0, utilisation=0.3),
        office(
            x=150, partner="Police", asset_id="R", use=receiver_use, occupancy=50.0, utilisation=0.5,
            capacity=100.0,
        ),
    )  # fmt: skip
    opps = plan_estate(assets, config(), as_of=AS_OF).opportunities
    assert (opps["action"] == "relocate").sum() == moves


def test_use_groups_are_configurable() -> None:
    assets = estate(
        office(partner="Council", asset_id="HALL", occupancy=30.0, utilisation=0.3),
        office(
            x=150, partner="NHS", asset_id="R", use="Clinic", occupancy=50.0, utilisation=0.5, capacity=100.0
        ),
    )
    cfg = config(use_groups={"shared": ["office", "clinic"]})
    opps = plan_estate(assets, cfg, as_of=AS_OF).opportunities
    assert (opps["action"] == "relocate").sum() == 1


def test_small_subproblems_solved_together_each_optimal() -> None:
    # Three copies of the trap, 5 km apart: three sub-problems, solved in one batch.
    one = _fast_pass_trap()
    parts = []
    for k in range(3):
        part = one.copy()
        part["asset_id"] = part["asset_id"] + f"-{k}"
        part["geometry"] = part.geometry.translate(xoff=5_000 * k)
        parts.append(part)
    assets = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=BNG)
    res = plan_estate(assets, config(search_node_limit=0), as_of=AS_OF)
    assert len(res.subproblems) == 3
    assert set(res.subproblems["method"]) == {"milp-optimal"}
    # One solver call: its work is charged to the first sub-problem of the batch.
    assert (res.subproblems["work"] > 0).sum() == 1
    assert res.summary["released_running_cost_gbp"] == pytest.approx(3 * 340_000 * 0.85)
    assert res.summary["moves_saving_bound_gbp"] == pytest.approx(3 * 340_000 * 0.85)
    moves = res.opportunities.query("action == 'relocate'").set_index("asset_id")["into_asset_id"].to_dict()
    assert moves == {f"{d}-{k}": f"{r}-{k}" for k in range(3) for d, r in (("D", "A"), ("B", "C"))}


# -- The budgeted planner against simple references ---------------------------------------


def _best_by_brute_force(assets: gpd.GeoDataFrame, pc: PlanConfig) -> float:
    """The most any set of whole moves can release in a one-cluster estate of offices, by
    trying every assignment (donor -> nothing or a receiver) - the plan's rules, simply."""
    import itertools

    cap = assets["capacity"].to_numpy(dtype=float)
    occ = assets["occupancy"].to_numpy(dtype=float)
    cost = assets["running_cost_gbp"].to_numpy(dtype=float)
    util = occ / cap
    spare = np.where(occ > 0, pc.target_ceiling * cap - occ, 0.0)
    donors = [
        i for i in range(len(assets)) if 0 < occ[i] and util[i] < pc.donor_max_utilisation and cost[i] > 0
    ]
    options = [
        [None] + [r for r in range(len(assets)) if r != d and spare[r] >= occ[d] - 1e-9] for d in donors
    ]
    best = 0.0
    for choice in itertools.product(*options):
        moved = {d: r for d, r in zip(donors, choice, strict=True) if r is not None}
        load: dict[int, float] = {}
        for d, r in moved.items():
            load[r] = load.get(r, 0.0) + occ[d]
        if any(r in moved for r in load) or any(load[r] > spare[r] + 1e-9 for r in load):
            continue
        best = max(best, sum(cost[d] * (1 - pc.people_follow_share) for d in moved))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_plan_equals_brute_force_on_small_estates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(int(rng.integers(4, 8))):
        cap = float(rng.choice([50, 100, 200, 400]))
        u = float(rng.choice([0.1, 0.25, 0.4, 0.5, 0.55, 0.7, 0.8, 0.95]))
        rows.append(
            office(x=float(rng.uniform(0, 300)), asset_id=f"B{i}", partner=f"P{i % 3}", capacity=cap,
                   occupancy=round(u * cap), utilisation=u,
                   running_cost_gbp=float(rng.integers(5, 30)) * 10_000)
        )  # fmt: skip
    assets = estate(*rows)
    res = plan_estate(assets, config(), as_of=AS_OF)
    best = _best_by_brute_force(assets, PlanConfig())
    vacant = res.opportunities.loc[res.opportunities["action"] == "dispose", "annual_saving_gbp"].sum()
    assert res.summary["released_running_cost_gbp"] == pytest.approx(best + vacant)
    assert res.summary["moves_saving_gbp"] == pytest.approx(best)
    assert res.summary["moves_saving_bound_gbp"] >= best - 1e-6
    assert res.summary["subproblems_optimal"] == res.summary["subproblems"]
    assert res.summary["plan_repeatable"] is True


def test_the_exact_search_is_not_cut_by_the_clock() -> None:
    # The search is bounded by its steps: its answer is the same however busy the machine.
    res = plan_estate(_fast_pass_trap(), config(time_limit_s=1e-9), as_of=AS_OF)
    assert set(res.subproblems["method"]) == {"exact-search"}
    assert res.summary["released_running_cost_gbp"] == pytest.approx(340_000 * 0.85)
    assert res.summary["plan_repeatable"] is True


def test_out_of_time_keeps_fast_answers_and_says_so() -> None:
    assets = _fast_pass_trap()
    res = plan_estate(assets, config(time_limit_s=1e-9, search_node_limit=0), as_of=AS_OF)
    assert set(res.subproblems["method"]) == {"heuristic-no-time"}
    assert res.summary["released_running_cost_gbp"] == pytest.approx(190_000 * 0.85)
    assert res.summary["subproblems_time_limited"] == 1
    assert res.summary["plan_repeatable"] is False
    assert res.summary["moves_saving_bound_gbp"] >= 340_000 * 0.85 - 1e-6
    assert res.summary["moves_saving_gap_share"] > 0
    # The run still gives every asset a rating and an action.
    assert res.assets["rating"].notna().all() and res.assets["action"].notna().all()


def test_work_budget_is_spent_in_priority_order_and_repeatable() -> None:
    # 150 copies of the trap (5 move choices each), each needing the solver, worth more
    # the further east: two batched solver calls (600 and 150 move choices). A budget for
    # one call solves the 120 most valuable, the same ones every time; the rest keep their
    # fast answer.
    one = _fast_pass_trap()
    parts = []
    for k in range(150):
        part = one.copy()
        part["asset_id"] = part["asset_id"] + f"-{k}"
        part["running_cost_gbp"] = part["running_cost_gbp"] * (1 + k / 150)
        part["geometry"] = part.geometry.translate(xoff=5_000 * k)
        parts.append(part)
    assets = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=BNG)
    full = plan_estate(assets, config(search_node_limit=0), as_of=AS_OF)
    assert set(full.subproblems["method"]) == {"milp-optimal"}
    calls = full.subproblems.loc[full.subproblems["work"] > 0, "work"]
    assert len(calls) == 2
    first_call = int(calls.iloc[-1])  # charged to the most valuable sub-problem, the last
    some = plan_estate(assets, config(work_limit=first_call, search_node_limit=0), as_of=AS_OF)
    again = plan_estate(assets, config(work_limit=first_call, search_node_limit=0), as_of=AS_OF)
    assert some.summary == again.summary
    pd.testing.assert_frame_equal(some.subproblems, again.subproblems)
    assert some.subproblems["method"].tolist() == ["heuristic"] * 30 + ["milp-optimal"] * 120
    assert some.summary["optimiser_work_used"] == first_call
    assert some.summary["subproblems_fast_answer"] == 30
    assert some.summary["plan_repeatable"] is True
    bare = config(work_limit=0, search_node_limit=0)
    fast = plan_estate(assets, bare, as_of=AS_OF).summary["moves_saving_gbp"]
    assert full.summary["moves_saving_gbp"] > some.summary["moves_saving_gbp"] > fast
    # The exact search settles all 150 without the solver, with the same savings.
    searched = plan_estate(assets, config(), as_of=AS_OF)
    assert set(searched.subproblems["method"]) == {"exact-search"}
    assert searched.summary["optimiser_work_used"] == 0
    assert searched.subproblems["saving"].tolist() == pytest.approx(full.subproblems["saving"].tolist())


def _sixty_offices() -> gpd.GeoDataFrame:
    """Sixty offices of three partners within 300 m: one group of 31 donors and 43 receivers."""
    rng = np.random.default_rng(31)
    rows = []
    for _ in range(60):
        cap, u = float(rng.integers(20, 200)), float(rng.uniform(0.05, 0.95))
        rows.append(
            office(x=float(rng.uniform(0, 300)), y=float(rng.uniform(0, 300)),
                   partner=str(rng.choice(["A", "B", "C"])), capacity=cap, occupancy=round(u * cap),
                   utilisation=u, running_cost_gbp=float(rng.integers(10, 500)) * 1000)
        )  # fmt: skip
    return estate(*rows)


def test_solver_output_never_reaches_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    # This estate makes HiGHS 1.12 print a debugging line from C++ (disp is off).
    assets = _sixty_offices()
    capfd.readouterr()
    res = plan_estate(assets, config(search_node_limit=0), as_of=AS_OF)
    out, err = capfd.readouterr()
    assert res.subproblems["method"].str.startswith("milp").any()
    assert out == "" and err == ""


def test_a_group_of_many_donors_goes_straight_to_the_solver() -> None:
    # 31 donors: more than the search takes on, even with steps to spare.
    res = plan_estate(_sixty_offices(), config(search_node_limit=10**6), as_of=AS_OF)
    assert res.subproblems["donors"].tolist() == [31]
    assert res.subproblems["method"].tolist() == ["milp-optimal"]
    assert res.summary["optimiser_work_used"] > 0


def test_alone_but_near_others_is_explained() -> None:
    # A sparse random estate where the width bound leaves an asset out of every cluster
    # although it has neighbours (numpy's PCG64 seed 0 gives one such asset).
    rng = np.random.default_rng(0)
    assets = estate(*[office(x=float(x), y=float(y)) for x, y in rng.uniform(0, 8_000, size=(400, 2))])
    res = plan_estate(assets, config(), as_of=AS_OF)
    wide = Config(
        title="T",
        partners=[{"name": "Council", "register": "x.csv"}],
        clustering=ClusteringConfig(radius_m=400, max_diameter_m=1e9),
    )
    unbounded = plan_estate(assets, wide, as_of=AS_OF)
    left_out = res.assets["cluster_id"].isna() & unbounded.assets["cluster_id"].notna()
    assert left_out.any()
    for reason in res.assets.loc[left_out, "reasons"]:
        assert "not in a cluster although other public buildings stand within 400 m" in reason
        assert "2,000 m across" in reason and "stands alone" not in reason
    alone = unbounded.assets["cluster_id"].isna()
    assert res.assets.loc[alone, "reasons"].str.contains("stands alone: no other public building").all()


@pytest.mark.parametrize("place", ["kent", "worcestershire"])
def test_demo_plan_with_default_budget_is_the_exact_plan(place: str) -> None:
    from support import DEMO

    from assetmap.config import load_config
    from assetmap.estate import build_estate
    from assetmap.geocode import PostcodeLookup

    cfg = load_config(DEMO / place / "assetmap.yaml")
    assets = build_estate(cfg, postcodes=PostcodeLookup(cfg.postcodes), progress=lambda _m: None).assets
    default = plan_estate(assets, cfg, as_of=AS_OF)
    generous = cfg.model_copy(
        update={"plan": cfg.plan.model_copy(update={"work_limit": 10**9, "time_limit_s": 3_600})}
    )
    exact = plan_estate(assets, generous, as_of=AS_OF)
    pd.testing.assert_frame_equal(default.opportunities, exact.opportunities)
    pd.testing.assert_frame_equal(pd.DataFrame(default.assets), pd.DataFrame(exact.assets))
    # The exact search's plan is HiGHS's plan on the county estates, move for move.
    solver_only = generous.model_copy(
        update={"plan": generous.plan.model_copy(update={"search_node_limit": 0})}
    )
    solver = plan_estate(assets, solver_only, as_of=AS_OF)
    pd.testing.assert_frame_equal(default.opportunities, solver.opportunities)
    pd.testing.assert_frame_equal(pd.DataFrame(default.assets), pd.DataFrame(solver.assets))
    pd.testing.assert_frame_equal(default.clusters, solver.clusters)
    assert default.summary["subproblems_optimal"] == default.summary["subproblems"] > 0
    assert default.summary["plan_repeatable"] is True
    assert default.summary["moves_saving_gap_share"] <= cfg.plan.mip_rel_gap + 1e-9


def _bare(**kw: object) -> dict[str, object]:
    """A building as national registers list it: no cost, floor area, people or tenure."""
    return {"condition": None, "tenure": None, **kw}


def test_no_running_cost_or_utilisation_is_unrated_and_not_known() -> None:
    assets = estate(
        _bare(partner="Fire", use="Fire station"),
        _bare(x=120, partner="Police", use="Police station"),
        _bare(x=60, y=90, partner="NHS", use="GP surgery"),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    a = res.assets
    assert a["rating"].tolist() == ["unrated"] * 3
    assert a["score"].isna().all()
    assert a["reasons"].str.startswith("not rated: no running cost or utilisation known").all()
    assert a["action"].tolist() == ["retain"] * 3
    s = res.summary
    assert s["estate_running_cost_gbp"] is None
    assert s["released_running_cost_gbp"] is None and s["share_of_running_cost"] is None
    for key in ("capital_receipts_gbp", "cost_following_people_gbp", "lease_exit_saving_gbp"):
        assert s[key] is None, key
    assert (s["assets_with_running_cost"], s["assets_without_running_cost"]) == (0, 3)
    assert (s["rated_green"], s["rated_unrated"]) == (0, 3)
    cluster = res.clusters.iloc[0]
    assert (cluster["unrated"], cluster["green"], cluster["assets_with_running_cost"]) == (3, 0, 0)
    assert np.isnan(cluster["annual_saving_gbp"]) and np.isnan(cluster["running_cost_gbp"])


def test_known_utilisation_alone_still_rates_and_says_cost_unknown() -> None:
    assets = estate(
        office(running_cost_gbp=np.nan, occupancy=20.0, utilisation=0.2),
        office(x=150, partner="Police", running_cost_gbp=np.nan, occupancy=80.0, utilisation=0.8),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    assert "unrated" not in res.assets["rating"].tolist()
    assert res.assets["score"].notna().all()
    assert res.assets["reasons"].str.contains("running cost unknown").all()
    # No running cost: the under-used building is no donor, so no move is costed from nothing.
    assert (res.opportunities["action"] == "relocate").sum() == 0


def test_partly_known_costs_are_summed_with_their_coverage_never_as_zero() -> None:
    assets = estate(
        # Vacant, no running cost, tenure unknown: disposed, but its saving and receipt are not known.
        office(running_cost_gbp=np.nan, occupancy=0.0, utilisation=0.0, tenure=None),
        office(x=150, partner="Police", occupancy=50.0, utilisation=0.5, running_cost_gbp=120_000.0),
        # Vacant with a running cost, freehold with no book value or floor area: saving known, receipt not.
        office(x=80, partner="NHS", occupancy=0.0, utilisation=0.0, tenure="freehold", gia_m2=np.nan,
               running_cost_gbp=30_000.0),
    )  # fmt: skip
    res = plan_estate(assets, config(), as_of=AS_OF)
    opps = res.opportunities.set_index("asset_id")
    assert opps.loc["A1", "action"] == "dispose"
    assert np.isnan(opps.loc["A1", "annual_saving_gbp"]) and np.isnan(opps.loc["A1", "running_cost_gbp"])
    assert np.isnan(opps.loc["A1", "capital_receipt_gbp"])
    assert opps.loc["A1", "capital_receipt_basis"] == "tenure not known: not valued"
    assert opps.loc["A3", "annual_saving_gbp"] == pytest.approx(30_000)
    assert np.isnan(opps.loc["A3", "capital_receipt_gbp"])
    # Unknown savings rank after known ones.
    assert opps.loc["A3", "rank"] < opps.loc["A1", "rank"]
    s = res.summary
    assert s["estate_running_cost_gbp"] == pytest.approx(150_000)
    assert (s["assets_with_running_cost"], s["assets"]) == (2, 3)
    assert s["released_running_cost_gbp"] == pytest.approx(30_000)
    assert s["released_without_running_cost"] == 1 and s["released_not_valued"] == 2
    assert s["share_of_running_cost"] == pytest.approx(30_000 / 150_000)
    assert res.clusters.iloc[0]["annual_saving_gbp"] == pytest.approx(30_000)


@pytest.mark.parametrize(("receiver_people", "moves"), [(13.4, 0), (13.3, 1)])
def test_published_people_keep_the_receiver_under_its_ceiling(receiver_people: float, moves: int) -> None:
    # 4.06 people are published as 4.1: into 13.4 of 19.42 that is 90.1%, over the 90% ceiling.
    assets = estate(
        office(capacity=20.0, occupancy=4.06, utilisation=4.06 / 20),
        office(x=150, partner="Police", capacity=19.42, occupancy=receiver_people, utilisation=np.nan),
    )
    res = plan_estate(assets, config(), as_of=AS_OF)
    move = res.opportunities[res.opportunities["action"] == "relocate"]
    assert len(move) == moves
    if moves:
        assert move["people_moved"].iloc[0] == pytest.approx(4.1)  # all of its people, rounded up
        assert (receiver_people + 4.1) / 19.42 <= 0.9
        assert move["into_utilisation_after"].iloc[0] <= 0.9


@pytest.mark.parametrize("split", [False, True])
def test_published_moves_never_overfill_a_receiver_on_random_estates(split: bool) -> None:
    rng = np.random.default_rng(12 + split)
    rows = []
    for i in range(120):
        cap = round(float(rng.uniform(5, 40)), 2)
        rows.append(
            office(
                x=float(rng.uniform(0, 900)), y=float(rng.uniform(0, 900)), partner=f"P{i % 4}",
                capacity=cap, occupancy=float(cap * rng.uniform(0.05, 0.85)), utilisation=np.nan,
                running_cost_gbp=float(rng.uniform(1e4, 1e5)),
            )
        )  # fmt: skip
    res = plan_estate(estate(*rows), config(split_donors=split), as_of=AS_OF)
    opps = res.opportunities[res.opportunities["action"] == "relocate"]
    assert len(opps) > 10
    people = opps["people_moved"].to_numpy()
    assert np.allclose(people * 10, np.round(people * 10))
    a = res.assets.set_index("asset_id")
    into = opps.groupby("into_asset_id")["people_moved"].sum()
    after = (a.loc[into.index, "plan_occupancy"] + into) / a.loc[into.index, "plan_capacity"]
    assert (after <= 0.9 + 1e-12).all()
    # Every donor's people move, to the tenth above.
    out = opps.groupby("asset_id")["people_moved"].sum()
    assert np.allclose(out, np.ceil(np.round(a.loc[out.index, "plan_occupancy"] * 10, 6)) / 10)


def test_an_unknown_condition_is_left_out_of_the_score_not_taken_as_best() -> None:
    """Condition A scores 0 on its factor; an unknown condition is left out, so the same building
    scores the weighted mean of its known factors (higher), never the best-condition score."""
    far = 5_000.0  # each alone, so the plan does not change their ratings
    assets = estate(
        office(asset_id="GOOD", condition="A", utilisation=0.3, occupancy=30.0),
        office(asset_id="UNKNOWN", x=far, condition=None, utilisation=0.3, occupancy=30.0),
        office(asset_id="BAD", x=2 * far, condition="D", utilisation=0.3, occupancy=30.0),
    )
    scores = plan_estate(assets, config(), as_of=AS_OF).assets.set_index("asset_id")["score"]
    weights = config().plan.rating
    factors = ("utilisation", "cost", "condition", "lease", "freehold", "receiver")
    total = sum(getattr(weights, f"weight_{k}") for k in factors)
    assert scores["GOOD"] < scores["UNKNOWN"] < scores["BAD"]
    known = total - weights.weight_condition
    assert scores["UNKNOWN"] == pytest.approx(scores["GOOD"] * total / known, abs=0.1)
