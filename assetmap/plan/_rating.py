"""Disposal and shared-use rating: a score, red/amber/green, reasons in words, an action.

Score
-----
``score = 100 * sum(weight_k * factor_k) / sum(weight_k)`` over six factors between 0 and 1
(weights in ``plan.rating``; defaults in brackets):

* utilisation (35): ``(well_used - utilisation) / well_used`` clipped to 0..1, so an empty
  building scores 1 and one at ``plan.well_used`` (0.85) or above scores 0; unknown is 0;
* cost (15): running cost per m² against the estate median: 0 at or below the median,
  rising to 1 at ``cost_ratio_full`` (2) times it;
* condition (15): A 0, B 1/3, C 2/3, D 1;
* lease (10): 1 for a leasehold whose lease ends within ``lease_months`` (24) of the as-of
  date (or has ended);
* freehold (10): 1 for a freehold with a capital value (book value, or floor area when
  ``plan.capital_value_per_m2_gbp`` is set);
* receiver (15): 1 when a building of any partner within the cluster radius has room
  (below the target ceiling) for all its people.

Rating: red (candidate for disposal) at ``red_from`` (60) or more, amber (candidate for
shared use) at ``amber_from`` (35) or more, else green. Then, in this order: a building the
plan vacates, or one that is vacant, is red; a building that receives people is amber
(shared use); a well-used building (utilisation at or above ``plan.well_used``) and a
sensitive site are never red (red becomes amber, with the reason given).

Action: ``relocate`` (the plan moves its people out), ``dispose`` (vacant, not sensitive,
not well used), ``receive`` (takes people in), ``share`` (in a cluster of two or more
partners with at least ``plan.min_share_places`` places left below the ceiling after the
plan), ``review`` (rated red with no move possible), else ``retain``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import PlanConfig
from ._colocate import Candidates

_CONDITION = {"A": 0.0, "B": 1 / 3, "C": 2 / 3, "D": 1.0}
_CONDITION_WORD = {"C": "poor", "D": "bad"}


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def _label(name: object, asset_id: object) -> str:
    text = "" if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)) else str(name)
    return text.strip() or str(asset_id)


def _money(x: float) -> str:
    return f"£{x:,.0f}"


def rate(
    df: pd.DataFrame,
    cand: Candidates,
    moves: pd.DataFrame,
    as_of: dt.date,
    config: PlanConfig,
    radius_m: float,
) -> pd.DataFrame:
    """Score, rate and give reasons and an action for every asset.

    Parameters
    ----------
    df : DataFrame
        Assets with cluster and ``plan_*`` people columns, in the plan's row order.
    cand : Candidates
        Donors, receivers and pairs from the co-location step.
    moves : DataFrame
        The chosen moves (positions into ``df``).
    as_of : date
        The date leases are measured from.
    config : PlanConfig
        Weights, thresholds and the plan's limits.
    radius_m : float
        The cluster radius, for the reasons.

    Returns
    -------
    DataFrame
        Same index as ``df`` with ``cost_per_m2_gbp``, ``score``, ``rating``, ``reasons``,
        ``action``, ``people_in``, ``people_out`` and ``spare_after``.
    """
    rc = config.rating
    n = len(df)
    util = df["plan_utilisation"].to_numpy(dtype=float)
    occ = df["plan_occupancy"].to_numpy(dtype=float)
    gia = _num(df, "gia_m2")
    cost = _num(df, "running_cost_gbp")
    book = _num(df, "book_value_gbp")
    tenure = df["tenure"].astype("string").str.lower().fillna("").to_numpy(dtype=object)
    cond = df["condition"].astype("string").str.upper().fillna("").to_numpy(dtype=object)
    sensitive = df["sensitive"].fillna(False).to_numpy(dtype=bool)
    clustered = df["cluster_id"].notna().to_numpy()
    expiry = pd.to_datetime(df["lease_expiry"], errors="coerce")
    horizon = pd.Timestamp(as_of) + pd.DateOffset(months=rc.lease_months)

    with np.errstate(invalid="ignore", divide="ignore"):
        cpm = np.where((gia > 0) & ~np.isnan(cost), cost / gia, np.nan)
    median = float(np.nanmedian(cpm)) if np.isfinite(cpm).any() else np.nan
    f_util = np.nan_to_num(np.clip((config.well_used - util) / config.well_used, 0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = cpm / median if median and median > 0 else np.full(n, np.nan)
    f_cost = np.nan_to_num(np.clip((ratio - 1) / (rc.cost_ratio_full - 1), 0, 1))
    f_cond = np.array([_CONDITION.get(c, 0.0) for c in cond])
    lease_ends = (tenure == "leasehold") & expiry.notna().to_numpy() & (expiry <= horizon).to_numpy()
    per_m2 = config.capital_value_per_m2_gbp
    valued = (book > 0) | ((gia > 0) & (per_m2 is not None and per_m2 > 0))
    f_free = ((tenure == "freehold") & valued).astype(float)

    # Receiver factor: somewhere within the radius with room for all the donor's people.
    room_for_all = np.zeros(n, dtype=bool)
    nearest: dict[int, tuple[int, float]] = {}
    for (d, r), dist in zip(cand.edges.tolist(), cand.distance.tolist(), strict=True):
        if cand.spare[r] >= occ[d] - 1e-9:
            room_for_all[d] = True
            nearest.setdefault(d, (r, dist))
    if config.split_donors and len(cand.edges):
        total = pd.Series(cand.spare[cand.edges[:, 1]]).groupby(cand.edges[:, 0]).sum()
        room_for_all[total.index.to_numpy()] |= total.to_numpy() >= occ[total.index.to_numpy()] - 1e-9
    weights = np.array(
        [
            rc.weight_utilisation,
            rc.weight_cost,
            rc.weight_condition,
            rc.weight_lease,
            rc.weight_freehold,
            rc.weight_receiver,
        ]
    )
    factors = np.column_stack([f_util, f_cost, f_cond, lease_ends, f_free, room_for_all]).astype(float)
    score = np.round(100 * factors @ weights / weights.sum(), 1)
    rating = np.where(score >= rc.red_from, "red", np.where(score >= rc.amber_from, "amber", "green")).astype(
        object
    )

    people_out = np.zeros(n)
    people_in = np.zeros(n)
    np.add.at(people_out, moves["donor"].to_numpy(dtype=np.int64), moves["people"].to_numpy(dtype=float))
    np.add.at(people_in, moves["receiver"].to_numpy(dtype=np.int64), moves["people"].to_numpy(dtype=float))
    donor = people_out > 0
    receiver = people_in > 0
    well_used = np.nan_to_num(util, nan=-1) >= config.well_used
    vacant = ((occ == 0) | (util == 0)) & ~well_used & ~sensitive
    spare_after = np.where(cand.spare > 0, cand.spare - people_in, 0.0)
    spare_after[donor] = 0.0

    names = [_label(a, b) for a, b in zip(df["name"].tolist(), df["asset_id"].tolist(), strict=True)]
    partners = df["partner"].astype(str).tolist()
    into: dict[int, list[int]] = {}
    for d, r in zip(moves["donor"].tolist(), moves["receiver"].tolist(), strict=True):
        into.setdefault(int(d), []).append(int(r))
    cluster_partners = df["cluster_partners"].to_numpy() if "cluster_partners" in df else np.zeros(n)

    reasons: list[str] = []
    action = np.full(n, "retain", dtype=object)
    est_util = df["utilisation_estimated"].to_numpy(dtype=bool)
    expiry_list = expiry.tolist()
    est_occ = df["occupancy_estimated"].to_numpy(dtype=bool)
    for i in range(n):
        why: list[str] = []
        u = util[i]
        est = " (estimated)" if est_util[i] else ""
        if np.isnan(u):
            why.append("utilisation unknown")
        elif well_used[i]:
            why.append(f"well used ({u:.0%}{est}, at or above {config.well_used:.0%}): not for disposal")
        elif u < rc.low_utilisation:
            why.append(f"low utilisation ({u:.0%}{est}, below {rc.low_utilisation:.0%})")
        if f_cost[i] > 0:
            why.append(
                f"high running cost {_money(cpm[i])}/m² "
                f"({ratio[i]:.1f}x the estate median {_money(median)}/m²)"
            )
        if cond[i] in _CONDITION_WORD:
            why.append(f"condition {cond[i]} ({_CONDITION_WORD[cond[i]]})")
        if lease_ends[i]:
            when = expiry_list[i]
            verb = "ended" if when < pd.Timestamp(as_of) else "ends"
            why.append(f"lease {verb} {when:%d %b %Y} (within {rc.lease_months} months)")
        if f_free[i]:
            if book[i] > 0:
                why.append(f"freehold, book value {_money(book[i])}")
            else:
                why.append(f"freehold, no book value (capital value taken at {_money(per_m2 or 0)}/m²)")
        if room_for_all[i] and i in nearest:
            r, dist = nearest[i]
            why.append(
                f"room for its {occ[i]:.0f} people{' (estimated)' if est_occ[i] else ''} at "
                f"{names[r]} ({partners[r]}), {dist:.0f} m away"
            )
        if not clustered[i]:
            why.append(f"stands alone: no other public building within {radius_m:.0f} m")
        if sensitive[i]:
            why.append("sensitive site: kept out of moves and disposal; review in confidence")
        # Overrides and action.
        if donor[i]:
            targets = ", ".join(f"{names[r]} ({partners[r]})" for r in into[i])
            why.append(f"plan: moves {people_out[i]:.0f} people into {targets}")
            rating[i], action[i] = "red", "relocate"
        elif vacant[i]:
            why.append("vacant: no occupants recorded")
            rating[i], action[i] = "red", "dispose"
        elif receiver[i]:
            why.append(f"plan: receives {people_in[i]:.0f} people (shared use)")
            rating[i], action[i] = "amber", "receive"
        if rating[i] == "red" and (well_used[i] or sensitive[i]):
            rating[i] = "amber"
            why.append("rated amber, not red: " + ("well used" if well_used[i] else "sensitive site"))
        if action[i] == "retain":
            if (
                cluster_partners[i] >= 2
                and not sensitive[i]
                and spare_after[i] >= max(config.min_share_places, 1e-9)
            ):
                action[i] = "share"
                why.append(f"{spare_after[i]:.0f} spare places below the {config.target_ceiling:.0%} ceiling")
            elif rating[i] == "red":
                action[i] = "review"
        reasons.append("; ".join(why))

    return pd.DataFrame(
        {
            "cost_per_m2_gbp": cpm,
            "score": score,
            "rating": rating,
            "reasons": reasons,
            "action": action,
            "people_out": people_out,
            "people_in": people_in,
            "spare_after": spare_after,
        },
        index=df.index,
    )
