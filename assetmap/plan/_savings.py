"""Savings: the ranked opportunities and the summary, every figure traceable to inputs.

* Running cost released (a year, full-year effect): for a building the plan vacates,
  ``running_cost_gbp * (1 - plan.people_follow_share)`` (default share 15%: the cost of
  the people that follows them to the receiver, shown as ``cost_following_people_gbp``);
  for a vacant building disposed, its whole running cost. A split donor's figures are
  divided between its moves in proportion to the people moved.
* Capital receipt, freeholds only: ``book_value_gbp``, or, where that is missing,
  ``gia_m2 * plan.capital_value_per_m2_gbp`` (default £1,000/m²), with the basis in words.
* Lease exits, leaseholds: no receipt; the saving runs from ``lease_expiry``
  (``saving_from``), so the summary counts them and their saving separately.
* The total released as a share of the estate's known running cost, beside the pilots'
  figure: Kent Total Place reported up to 10% a year possible.

Opportunities are ranked by annual saving, then capital receipt (both largest first),
then ``relocate`` before ``dispose`` before ``share``, then asset position; ``share`` rows
(spare places offered to other partners) carry no saving.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import PlanConfig
from ._solve import OPTIMAL

#: Columns of ``opportunities``, in order.
_ROUNDING = {
    "people_moved": 1,
    "spare_places": 1,
    "into_utilisation_before": 3,
    "into_utilisation_after": 3,
    "running_cost_gbp": 0,
    "cost_following_people_gbp": 0,
    "annual_saving_gbp": 0,
    "capital_receipt_gbp": 0,
}

OPPORTUNITY_COLUMNS = (
    "rank",
    "action",
    "asset_id",
    "partner",
    "name",
    "cluster_id",
    "into_asset_id",
    "into_partner",
    "into_name",
    "people_moved",
    "into_utilisation_before",
    "into_utilisation_after",
    "running_cost_gbp",
    "cost_following_people_gbp",
    "annual_saving_gbp",
    "capital_receipt_gbp",
    "capital_receipt_basis",
    "tenure",
    "lease_expiry",
    "saving_from",
    "spare_places",
    "people_estimated",
    "rating",
    "score",
    "reasons",
)

PILOT_REFERENCE_SHARE = 0.10
PILOT_REFERENCE = (
    "Kent Total Place single asset management: up to 10% a year of running cost "
    "(about £40m of about £300m a year)"
)
_ACTION_ORDER = {"relocate": 0, "dispose": 1, "share": 2}


def _receipt(tenure: str, book: float, gia: float, per_m2: float | None) -> tuple[float, str]:
    if tenure != "freehold":
        return (
            0.0,
            "leasehold: lease exit, no receipt" if tenure == "leasehold" else "not freehold: no receipt",
        )
    if book > 0:
        return float(book), "book value"
    if per_m2 is not None and per_m2 > 0 and gia > 0:
        return float(gia * per_m2), f"no book value: {gia:,.0f} m² x £{per_m2:,.0f}/m²"
    return 0.0, "freehold with no book value or floor area: not valued"


def opportunities(
    df: pd.DataFrame, rated: pd.DataFrame, moves: pd.DataFrame, config: PlanConfig
) -> pd.DataFrame:
    """The ranked list: one row per move, per vacant disposal and per share offer."""
    tenure = df["tenure"].astype("string").str.lower().fillna("").tolist()
    cost = pd.to_numeric(df["running_cost_gbp"], errors="coerce").to_numpy(dtype=float)
    book = pd.to_numeric(df["book_value_gbp"], errors="coerce").to_numpy(dtype=float)
    gia = pd.to_numeric(df["gia_m2"], errors="coerce").to_numpy(dtype=float)
    occ = df["plan_occupancy"].to_numpy(dtype=float)
    cap = df["plan_capacity"].to_numpy(dtype=float)
    est = (df["occupancy_estimated"] | df["capacity_estimated"]).to_numpy(dtype=bool)
    expiry = pd.to_datetime(df["lease_expiry"], errors="coerce").tolist()
    rating = rated["rating"].tolist()
    score = rated["score"].tolist()
    reasons = rated["reasons"].tolist()
    ids = df["asset_id"].astype("string").tolist()
    partner = df["partner"].astype("string").tolist()
    name = df["name"].astype("string").tolist()
    cluster = df["cluster_id"].astype("string").tolist()
    people_in = rated["people_in"].to_numpy(dtype=float)
    share_frac = config.people_follow_share
    per_m2 = config.capital_value_per_m2_gbp

    rows: list[dict[str, object]] = []

    def base(i: int, action: str) -> dict[str, object]:
        lease = expiry[i] if tenure[i] == "leasehold" else pd.NaT
        return {
            "action": action,
            "asset_id": ids[i],
            "partner": partner[i],
            "name": name[i],
            "cluster_id": cluster[i],
            "tenure": tenure[i] or None,
            "lease_expiry": lease,
            "saving_from": lease,
            "people_estimated": bool(est[i]),
            "rating": rating[i],
            "score": score[i],
            "reasons": reasons[i],
            "_pos": i,
        }

    for d, r, people, frac in moves[["donor", "receiver", "people", "share_of_donor"]].itertuples(
        index=False
    ):
        d, r = int(d), int(r)
        frac = 1.0 if np.isnan(frac) else float(frac)
        receipt, basis = _receipt(tenure[d], book[d], gia[d], per_m2)
        row = base(d, "relocate")
        c = 0.0 if np.isnan(cost[d]) else cost[d]
        row.update(
            {
                "into_asset_id": ids[r],
                "into_partner": partner[r],
                "into_name": name[r],
                "people_moved": float(people),
                "into_utilisation_before": occ[r] / cap[r],
                "into_utilisation_after": (occ[r] + people_in[r]) / cap[r],
                "running_cost_gbp": c * frac,
                "cost_following_people_gbp": c * share_frac * frac,
                "annual_saving_gbp": c * (1 - share_frac) * frac,
                "capital_receipt_gbp": receipt * frac,
                "capital_receipt_basis": basis,
                "people_estimated": bool(est[d] or est[r]),
            }
        )
        rows.append(row)
    action = rated["action"].to_numpy()
    for i in np.flatnonzero(action == "dispose"):
        receipt, basis = _receipt(tenure[i], book[i], gia[i], per_m2)
        c = 0.0 if np.isnan(cost[i]) else cost[i]
        row = base(int(i), "dispose")
        row.update(
            {
                "people_moved": 0.0,
                "running_cost_gbp": c,
                "cost_following_people_gbp": 0.0,
                "annual_saving_gbp": c,
                "capital_receipt_gbp": receipt,
                "capital_receipt_basis": basis,
            }
        )
        rows.append(row)
    spare = rated["spare_after"].to_numpy(dtype=float)
    for i in np.flatnonzero(action == "share"):
        row = base(int(i), "share")
        row.update(
            {
                "people_moved": 0.0,
                "annual_saving_gbp": 0.0,
                "capital_receipt_gbp": 0.0,
                "saving_from": pd.NaT,
                "spare_places": float(spare[i]),
                "into_utilisation_before": occ[i] / cap[i],
            }
        )
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*OPPORTUNITY_COLUMNS, "_pos"])
    if len(out):
        out["_order"] = out["action"].map(_ACTION_ORDER)
        out = out.sort_values(
            ["annual_saving_gbp", "capital_receipt_gbp", "_order", "_pos", "into_asset_id"],
            ascending=[False, False, True, True, True],
            kind="mergesort",
            na_position="last",
        )
    out["rank"] = np.arange(1, len(out) + 1)
    out = out[list(OPPORTUNITY_COLUMNS)].reset_index(drop=True)
    for col in ("lease_expiry", "saving_from"):
        out[col] = pd.to_datetime(out[col])
    out["people_estimated"] = out["people_estimated"].astype(bool)
    # Shown to people: whole pounds, people to one decimal, utilisation to 0.1 point.
    for col, places in _ROUNDING.items():
        out[col] = pd.to_numeric(out[col], errors="coerce").round(places)
    return out


def summarise(
    df: pd.DataFrame,
    clusters: pd.DataFrame,
    rated: pd.DataFrame,
    opps: pd.DataFrame,
    components: pd.DataFrame,
    as_of: dt.date,
    config: PlanConfig,
) -> dict[str, object]:
    """The summary figures, in the order a board pack shows them."""
    cost = pd.to_numeric(df["running_cost_gbp"], errors="coerce")
    estate_cost = float(cost.sum())
    moved = opps[opps["action"].isin(["relocate", "dispose"])]
    released = float(moved["annual_saving_gbp"].sum())
    lease = moved[moved["tenure"] == "leasehold"]
    book_based = moved["capital_receipt_basis"] == "book value"
    method = components["method"].value_counts() if len(components) else pd.Series(dtype=int)
    time_limited = int(method.get("milp-time-limit", 0) + method.get("heuristic-no-time", 0))
    found = float(components["saving"].sum()) if len(components) else 0.0
    bound = float(components["bound"].sum()) if len(components) else 0.0
    rating = rated["rating"].value_counts()
    return {
        "as_of": as_of.isoformat(),
        "assets": len(df),
        "partners": int(df["partner"].nunique()),
        "estate_running_cost_gbp": estate_cost,
        "assets_without_running_cost": int(cost.isna().sum()),
        "clusters": len(clusters),
        "cross_partner_clusters": int(clusters["cross_partner"].sum()) if len(clusters) else 0,
        "assets_in_clusters": int(df["cluster_id"].notna().sum()),
        "moves": int((opps["action"] == "relocate").sum()),
        "people_moved": float(opps.loc[opps["action"] == "relocate", "people_moved"].sum()),
        "buildings_vacated": int(moved["asset_id"].astype(str).add("\x1f" + moved["partner"]).nunique()),
        "vacant_disposals": int((opps["action"] == "dispose").sum()),
        "share_offers": int((opps["action"] == "share").sum()),
        "released_running_cost_gbp": released,
        "cost_following_people_gbp": float(moved["cost_following_people_gbp"].sum()),
        "capital_receipts_gbp": float(moved["capital_receipt_gbp"].sum()),
        "capital_receipts_book_value_gbp": float(moved.loc[book_based, "capital_receipt_gbp"].sum()),
        "capital_receipts_estimated_gbp": float(moved.loc[~book_based, "capital_receipt_gbp"].sum()),
        "lease_exits": int(lease["asset_id"].astype(str).add("\x1f" + lease["partner"]).nunique()),
        "lease_exit_saving_gbp": float(lease["annual_saving_gbp"].sum()),
        "share_of_running_cost": released / estate_cost if estate_cost > 0 else float("nan"),
        "pilot_reference_share": PILOT_REFERENCE_SHARE,
        "pilot_reference": PILOT_REFERENCE,
        "rated_red": int(rating.get("red", 0)),
        "rated_amber": int(rating.get("amber", 0)),
        "rated_green": int(rating.get("green", 0)),
        "sensitive_assets": int(df["sensitive"].fillna(False).astype(bool).sum()),
        "people_estimated_assets": int((df["occupancy_estimated"] | df["capacity_estimated"]).sum()),
        "optimiser": (
            "scipy.optimize.milp (HiGHS mixed-integer programme)" if config.optimiser == "milp" else "greedy"
        ),
        "subproblems": len(components),
        "subproblems_optimal": int(sum(method.get(m, 0) for m in OPTIMAL)),
        "subproblems_node_limit": int(method.get("milp-node-limit", 0)),
        "subproblems_lp_fix": int(
            method.get("milp-lp-fix", 0) + method.get("lp-round", 0) + method.get("heuristic-better", 0)
        ),
        "subproblems_fast_answer": int(method.get("heuristic", 0) + method.get("greedy", 0)),
        "subproblems_time_limited": time_limited,
        "moves_saving_gbp": found,
        "moves_saving_bound_gbp": bound,
        "moves_saving_gap_share": (bound - found) / bound if bound > 0 else 0.0,
        "optimiser_time_limit_s": config.time_limit_s,
        "optimiser_work_limit": config.work_limit,
        "optimiser_work_used": int(components["work"].sum()) if len(components) else 0,
        "plan_repeatable": time_limited == 0,
        "people_follow_share": config.people_follow_share,
        "target_ceiling": config.target_ceiling,
        "well_used": config.well_used,
        "donor_max_utilisation": config.donor_max_utilisation,
        "capital_value_per_m2_gbp": config.capital_value_per_m2_gbp,
    }
