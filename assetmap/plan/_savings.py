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
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._known import UNRATED
from ..config import PlanConfig
from ._rating import _fmt, lowered
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


#: What gives every asset's reasons (a pandas string array), when they are needed.
Reasons = Callable[[], pd.api.extensions.ExtensionArray]

#: Text columns filled in after the opportunities are sorted.
_LATE = ("name", "into_name", "reasons")

_TEXT_COLUMNS = (
    "action", "asset_id", "partner", "name", "cluster_id", "into_asset_id", "into_partner",
    "into_name", "capital_receipt_basis", "tenure", "rating", "reasons",
)  # fmt: skip


def _receipts(
    tenure: np.ndarray, book: np.ndarray, gia: np.ndarray, per_m2: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Capital receipt and its basis in words for each asset given (freeholds only).

    A leasehold (or other known tenure that is not freehold) gives no receipt: 0. A
    freehold with no book value or floor area, and an asset of unknown tenure, give an
    unknown receipt (NaN), never £0.
    """
    free = tenure == "freehold"
    receipt = np.where(tenure == "", np.nan, 0.0)
    basis = np.where(
        tenure == "leasehold", "leasehold: lease exit, no receipt", "not freehold: no receipt"
    ).astype(object)
    basis[tenure == ""] = "tenure not known: not valued"
    booked = free & (np.nan_to_num(book) > 0)
    receipt[booked] = book[booked]
    basis[booked] = "book value"
    valued = free & ~booked & (per_m2 is not None and per_m2 > 0) & (np.nan_to_num(gia) > 0)
    if valued.any():
        receipt[valued] = gia[valued] * float(per_m2 or 0)
        basis[valued] = "no book value: " + _fmt(gia[valued], ",.0f") + f" m² x £{per_m2:,.0f}/m²"
    unvalued = free & ~booked & ~valued
    receipt[unvalued] = np.nan
    basis[unvalued] = "freehold with no book value or floor area: not valued"
    return receipt, basis


def asset_texts(df: pd.DataFrame) -> dict[str, object]:
    """The texts and lease dates of every asset the opportunities are read from: they do
    not depend on the plan, so they can be made beside the solver (:class:`Facts`)."""
    tenure = lowered(df["tenure"])
    expiry = pd.to_datetime(df["lease_expiry"], errors="coerce").to_numpy()
    return {
        "tenure": tenure,
        "lease": np.where(tenure == "leasehold", expiry, np.datetime64("NaT")).astype(expiry.dtype),
        # Text columns stay Arrow-backed: only the rows used are taken.
        "asset_id": df["asset_id"].astype("str").array,
        "partner": df["partner"].astype("str").array,
        "name": df["name"].astype("str").array,
        "cluster_id": df["cluster_id"].astype("str").array,
    }


def _asset_values(
    df: pd.DataFrame, rated: pd.DataFrame, reasons: Reasons | None, texts: dict[str, object] | None
) -> dict[str, object]:
    """The per-asset arrays the opportunities are read from (``texts``: :func:`asset_texts`)."""
    return {
        **(texts if texts is not None else asset_texts(df)),
        # NaN where the register gives no running cost: a saving from it is not known, never £0.
        "cost": pd.to_numeric(df["running_cost_gbp"], errors="coerce").to_numpy(dtype=float),
        "book": pd.to_numeric(df["book_value_gbp"], errors="coerce").to_numpy(dtype=float),
        "gia": pd.to_numeric(df["gia_m2"], errors="coerce").to_numpy(dtype=float),
        "occ": df["plan_occupancy"].to_numpy(dtype=float),
        "cap": df["plan_capacity"].to_numpy(dtype=float),
        "est": (df["occupancy_estimated"] | df["capacity_estimated"]).to_numpy(dtype=bool),
        "rating": rated["rating"].to_numpy(dtype=object),
        "score": rated["score"].to_numpy(dtype=float),
        "reasons": reasons or (lambda: rated["reasons"].array),
        "people_in": rated["people_in"].to_numpy(dtype=float),
        "spare_after": rated["spare_after"].to_numpy(dtype=float),
    }


def _at(values: object, pos: np.ndarray) -> object:
    """The values at positions ``pos`` of a NumPy or pandas array."""
    return values.take(pos) if isinstance(values, pd.api.extensions.ExtensionArray) else values[pos]


def _rows(v: dict[str, object], pos: np.ndarray, action: str, **columns: object) -> pd.DataFrame:
    """One block of opportunities for the assets at ``pos``: the asset's own columns, then ``columns``."""
    tenure = v["tenure"][pos]
    base = {
        "action": np.full(len(pos), action, dtype=object),
        "asset_id": _at(v["asset_id"], pos),
        "partner": _at(v["partner"], pos),
        "cluster_id": _at(v["cluster_id"], pos),
        "tenure": np.where(tenure == "", None, tenure),
        "lease_expiry": v["lease"][pos],
        "saving_from": v["lease"][pos],
        "people_estimated": v["est"][pos],
        "rating": v["rating"][pos],
        "score": v["score"][pos],
        "_pos": pos,
        "_into": np.full(len(pos), -1, dtype=np.int64),
        "_order": np.full(len(pos), _ACTION_ORDER[action], dtype=np.int64),
    }
    base.update(columns)
    return pd.DataFrame(base)


def opportunities(
    df: pd.DataFrame,
    rated: pd.DataFrame,
    moves: pd.DataFrame,
    config: PlanConfig,
    *,
    reasons: Reasons | None = None,
    texts: dict[str, object] | None = None,
) -> pd.DataFrame:
    """The ranked list: one row per move, per vacant disposal and per share offer.

    ``reasons``: what gives each asset's reasons, read once the list is sorted (when they
    are still being joined); ``rated["reasons"]`` when not given. ``texts``:
    :func:`asset_texts` of ``df`` when made already.
    """
    v = _asset_values(df, rated, reasons, texts)
    action = rated["action"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        blocks = [
            _relocations(v, moves, config),
            _disposals(v, np.flatnonzero(action == "dispose"), config),
            _share_offers(v, np.flatnonzero(action == "share")),
        ]
    return _ranked(pd.concat(blocks, ignore_index=True), v)


def _relocations(v: dict[str, object], moves: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """One row per move: the donor's running cost released, less what follows its people.

    A split donor's cost, saving and receipt are divided between its moves in proportion
    to the people moved (``share_of_donor``).
    """
    share = config.people_follow_share
    d, r = moves["donor"].to_numpy(dtype=np.int64), moves["receiver"].to_numpy(dtype=np.int64)
    frac = np.nan_to_num(moves["share_of_donor"].to_numpy(dtype=float), nan=1.0)
    receipt, basis = _receipts(v["tenure"][d], v["book"][d], v["gia"][d], config.capital_value_per_m2_gbp)
    c = v["cost"][d]
    return _rows(
        v, d, "relocate",
        into_asset_id=_at(v["asset_id"], r), into_partner=_at(v["partner"], r), _into=r,
        people_moved=moves["people"].to_numpy(dtype=float),
        into_utilisation_before=v["occ"][r] / v["cap"][r],
        into_utilisation_after=(v["occ"][r] + v["people_in"][r]) / v["cap"][r],
        running_cost_gbp=c * frac, cost_following_people_gbp=c * share * frac,
        annual_saving_gbp=c * (1 - share) * frac, capital_receipt_gbp=receipt * frac,
        capital_receipt_basis=basis, people_estimated=v["est"][d] | v["est"][r],
    )  # fmt: skip


def _disposals(v: dict[str, object], gone: np.ndarray, config: PlanConfig) -> pd.DataFrame:
    """One row per vacant building disposed: its whole running cost (not known where not given)."""
    per_m2 = config.capital_value_per_m2_gbp
    receipt, basis = _receipts(v["tenure"][gone], v["book"][gone], v["gia"][gone], per_m2)
    return _rows(
        v, gone, "dispose",
        people_moved=0.0, running_cost_gbp=v["cost"][gone], cost_following_people_gbp=0.0,
        annual_saving_gbp=v["cost"][gone], capital_receipt_gbp=receipt, capital_receipt_basis=basis,
    )  # fmt: skip


def _share_offers(v: dict[str, object], offer: np.ndarray) -> pd.DataFrame:
    """One row per building with spare places to offer other partners: no saving, no receipt."""
    return _rows(
        v, offer, "share",
        people_moved=0.0, annual_saving_gbp=0.0, capital_receipt_gbp=0.0,
        saving_from=np.full(len(offer), np.datetime64("NaT"), dtype=v["lease"].dtype),
        spare_places=v["spare_after"][offer],
        into_utilisation_before=v["occ"][offer] / v["cap"][offer],
    )  # fmt: skip


def _ranked(out: pd.DataFrame, v: dict[str, object]) -> pd.DataFrame:
    """Typed, sorted (saving, receipt, action, position) and numbered opportunities.

    The long texts (names, reasons) are taken from ``v`` once the order is known: sorting
    them with the rest cost seconds at 10^6 assets.
    """
    early = [c for c in OPPORTUNITY_COLUMNS if c not in _LATE]
    out = out.reindex(columns=[*early, "_pos", "_into", "_order"])
    for col in _TEXT_COLUMNS:
        if col not in _LATE:
            out[col] = out[col].astype("str")
    for col in ("lease_expiry", "saving_from"):
        out[col] = pd.to_datetime(out[col])
    out["people_estimated"] = out["people_estimated"].astype(bool)
    if len(out):
        out = out.sort_values(
            ["annual_saving_gbp", "capital_receipt_gbp", "_order", "_pos", "into_asset_id"],
            ascending=[False, False, True, True, True],
            kind="mergesort",
            na_position="last",
        )
    out["rank"] = np.arange(1, len(out) + 1)
    pos, into = out["_pos"].to_numpy(dtype=np.int64), out["_into"].to_numpy(dtype=np.int64)
    out["name"] = pd.Series(v["name"].take(pos), index=out.index).astype("str")
    out["into_name"] = pd.Series(v["name"].take(into, allow_fill=True), index=out.index).astype("str")
    out["reasons"] = pd.Series(v["reasons"]().take(pos), index=out.index).astype("str")  # type: ignore[operator]
    out = out[list(OPPORTUNITY_COLUMNS)].reset_index(drop=True)
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
    """The summary figures, in the order a board pack shows them.

    A figure over running costs is the sum over the assets whose cost is known, beside how
    many those are (``assets_with_running_cost``, ``released_without_running_cost``); with
    no running cost known anywhere, the estate's cost, the running cost released and its
    share are ``None`` (not known), never 0, and so are the capital receipts unless a
    building released has a value. Assets whose rating inputs are unknown are
    counted as ``rated_unrated``, not green.
    """
    moved = opps[opps["action"].isin(["relocate", "dispose"])]
    return {
        "as_of": as_of.isoformat(),
        "assets": len(df),
        "partners": int(df["partner"].nunique()),
        **_estate_figures(df, clusters),
        **_released_figures(df, opps, moved),
        **_rating_figures(df, rated),
        **_optimiser_figures(components, config),
        "people_follow_share": config.people_follow_share,
        "target_ceiling": config.target_ceiling,
        "well_used": config.well_used,
        "donor_max_utilisation": config.donor_max_utilisation,
        "capital_value_per_m2_gbp": config.capital_value_per_m2_gbp,
    }


def _known_sum(values: pd.Series) -> float | None:
    """The sum of the known values; None when none is known."""
    values = pd.to_numeric(values, errors="coerce")
    return float(values.sum()) if values.notna().any() else None


def _estate_figures(df: pd.DataFrame, clusters: pd.DataFrame) -> dict[str, object]:
    """The estate's running cost (over known values, with coverage) and its clusters."""
    cost = pd.to_numeric(df["running_cost_gbp"], errors="coerce")
    return {
        "estate_running_cost_gbp": _known_sum(cost),
        "assets_with_running_cost": int(cost.notna().sum()),
        "assets_without_running_cost": int(cost.isna().sum()),
        "clusters": len(clusters),
        "cross_partner_clusters": int(clusters["cross_partner"].sum()) if len(clusters) else 0,
        "assets_in_clusters": int(df["cluster_id"].notna().sum()),
    }


def _released_figures(df: pd.DataFrame, opps: pd.DataFrame, moved: pd.DataFrame) -> dict[str, object]:
    """What the plan releases: moves, buildings, running cost, receipts, lease exits."""
    estate_cost = _known_sum(df["running_cost_gbp"])
    saving = pd.to_numeric(moved["annual_saving_gbp"], errors="coerce")
    # With no running cost known anywhere nothing could be costed: not known, not £0.
    released = None if estate_cost is None else float(saving.sum())
    lease = moved[moved["tenure"] == "leasehold"]
    receipt = pd.to_numeric(moved["capital_receipt_gbp"], errors="coerce")
    book_based = moved["capital_receipt_basis"] == "book value"
    relocate = opps["action"] == "relocate"
    # With nothing costed and no receipt valued, the receipts are not known either.
    valued = released is not None or receipt.notna().any()

    def money(values: pd.Series, known: bool) -> float | None:
        return float(pd.to_numeric(values, errors="coerce").sum()) if known else None

    return {
        "moves": int(relocate.sum()),
        "people_moved": float(opps.loc[relocate, "people_moved"].sum()),
        "buildings_vacated": _buildings(moved),
        "vacant_disposals": int((opps["action"] == "dispose").sum()),
        "share_offers": int((opps["action"] == "share").sum()),
        "released_running_cost_gbp": released,
        "released_without_running_cost": _buildings(moved[saving.isna().to_numpy()]),
        "cost_following_people_gbp": money(moved["cost_following_people_gbp"], released is not None),
        "capital_receipts_gbp": money(receipt, valued),
        "capital_receipts_book_value_gbp": money(receipt[book_based], valued),
        "capital_receipts_estimated_gbp": money(receipt[~book_based], valued),
        "released_not_valued": _buildings(moved[receipt.isna().to_numpy()]),
        "lease_exits": _buildings(lease),
        "lease_exit_saving_gbp": money(lease["annual_saving_gbp"], released is not None),
        "share_of_running_cost": (
            released / estate_cost if released is not None and estate_cost and estate_cost > 0 else None
        ),
        "pilot_reference_share": PILOT_REFERENCE_SHARE,
        "pilot_reference": PILOT_REFERENCE,
    }


def _buildings(rows: pd.DataFrame) -> int:
    """Distinct buildings (asset id and partner) among opportunity rows."""
    return int(rows["asset_id"].astype(str).add("\x1f" + rows["partner"].astype(str)).nunique())


def _rating_figures(df: pd.DataFrame, rated: pd.DataFrame) -> dict[str, object]:
    """Assets per rating, sensitive sites and estimated people figures."""
    rating = rated["rating"].value_counts()
    return {
        "rated_red": int(rating.get("red", 0)),
        "rated_amber": int(rating.get("amber", 0)),
        "rated_green": int(rating.get("green", 0)),
        "rated_unrated": int(rating.get(UNRATED, 0)),
        "sensitive_assets": int(df["sensitive"].fillna(False).astype(bool).sum()),
        "people_estimated_assets": int((df["occupancy_estimated"] | df["capacity_estimated"]).sum()),
    }


def _optimiser_figures(components: pd.DataFrame, config: PlanConfig) -> dict[str, object]:
    """How the moves were chosen: sub-problems, methods, the bound and the budgets."""
    method = components["method"].value_counts() if len(components) else pd.Series(dtype=int)
    time_limited = int(method.get("milp-time-limit", 0) + method.get("heuristic-no-time", 0))
    found = float(components["saving"].sum()) if len(components) else 0.0
    bound = float(components["bound"].sum()) if len(components) else 0.0
    return {
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
    }
