"""Opportunities between two runs, and savings realised against those planned.

Part of the change report (:mod:`assetmap.compare`). An opportunity is identified by its
action, its asset and (for a relocation) the asset receiving the people; assets are
carried from the previous run to the current one through the asset matches, so an
opportunity whose asset was renamed or given a new id is still recognised.

Statuses: ``new`` (only in the current plan), ``continuing`` (in both), ``dropped`` (in the
previous plan, not in the current one, and the asset is still there) and ``carried_out``
(a relocation or disposal whose asset is gone from the current estate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of ``opportunity_changes.csv``.
OPPORTUNITY_CHANGE_COLUMNS: tuple[str, ...] = (
    "status", "action", "partner", "asset_id", "into_partner", "into_asset_id", "previous_rank", "rank",
    "planned_saving_gbp", "annual_saving_gbp", "planned_capital_receipt_gbp", "capital_receipt_gbp",
    "detail",
)  # fmt: skip
OPPORTUNITY_STATUSES: tuple[str, ...] = ("carried_out", "new", "continuing", "dropped")
_RELEASING = ("relocate", "dispose")


def _s(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[col].astype("string").str.strip().fillna("")


def _num(frame: pd.DataFrame | None, col: str) -> pd.Series:
    if frame is None or col not in frame.columns:
        return pd.Series(np.nan, index=None if frame is None else frame.index, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce")


def _asset_keys(assets: pd.DataFrame) -> pd.Series:
    """``partner\\x1fasset_id`` per asset row (first occurrence wins for repeated ids)."""
    return _s(assets, "partner") + "\x1f" + _s(assets, "asset_id")


def _empty_opps() -> pd.DataFrame:
    return pd.DataFrame(columns=["action", "partner", "asset_id", "into_partner", "into_asset_id", "rank"])


def opportunity_changes(
    previous_opps: pd.DataFrame | None,
    current_opps: pd.DataFrame | None,
    previous_assets: pd.DataFrame,
    current_assets: pd.DataFrame,
    matches: pd.DataFrame,
) -> pd.DataFrame:
    """Classify the two runs' opportunities (:data:`OPPORTUNITY_CHANGE_COLUMNS`).

    Parameters
    ----------
    previous_opps, current_opps : DataFrame or None
        The runs' ``opportunities.csv`` (None when a run has none).
    previous_assets, current_assets : DataFrame
        The runs' assets.
    matches : DataFrame
        From :func:`assetmap.compare.match_assets`.

    Returns
    -------
    DataFrame
        Sorted by status (:data:`OPPORTUNITY_STATUSES`) then rank.
    """
    prev = _empty_opps() if previous_opps is None else previous_opps
    cur = _empty_opps() if current_opps is None else current_opps
    pkeys, ckeys = _asset_keys(previous_assets), _asset_keys(current_assets)
    to_current = dict(
        zip(pkeys.loc[matches["previous_index"]], ckeys.loc[matches["current_index"]], strict=True)
    )
    present = set(pkeys)
    rows: list[dict[str, object]] = []

    def key(frame: pd.DataFrame, remap: bool) -> pd.Series:
        donor = _s(frame, "partner") + "\x1f" + _s(frame, "asset_id")
        into = _s(frame, "into_partner") + "\x1f" + _s(frame, "into_asset_id")
        if remap:
            donor, into = donor.map(lambda k: to_current.get(k, k)), into.map(lambda k: to_current.get(k, k))
        return _s(frame, "action") + "|" + donor + "|" + into

    pk, ck = key(prev, remap=True), key(cur, remap=False)
    cur_by_key = {k: i for i, k in zip(cur.index[::-1], ck[::-1], strict=True)}
    prev_keys = set(pk)
    donors = _s(prev, "partner") + "\x1f" + _s(prev, "asset_id")
    for i, k, donor in zip(prev.index, pk, donors, strict=True):
        p = prev.loc[i]
        gone = donor in present and donor not in to_current
        if k in cur_by_key:
            c = cur.loc[cur_by_key[k]]
            status, detail = "continuing", ""
        elif gone and str(p["action"]) in _RELEASING:
            c, status, detail = None, "carried_out", "the building is no longer in the estate"
        else:
            c, status = None, "dropped"
            detail = "the building is no longer in the estate" if gone else "no longer in the plan"
        rows.append(_opp_row(status, p, c, detail))
    for i, k in zip(cur.index, ck, strict=True):
        if k not in prev_keys:
            rows.append(_opp_row("new", None, cur.loc[i], ""))
    out = pd.DataFrame(rows, columns=list(OPPORTUNITY_CHANGE_COLUMNS))
    order = {s: n for n, s in enumerate(OPPORTUNITY_STATUSES)}
    out["_s"] = out["status"].map(order)
    out["_r"] = pd.to_numeric(out["rank"], errors="coerce").fillna(
        pd.to_numeric(out["previous_rank"], errors="coerce")
    )
    out = out.sort_values(["_s", "_r", "partner", "asset_id"], kind="mergesort").drop(columns=["_s", "_r"])
    return out.reset_index(drop=True)


def _opp_row(status: str, p: pd.Series | None, c: pd.Series | None, detail: str) -> dict[str, object]:
    src = c if c is not None else p
    assert src is not None
    row: dict[str, object] = {
        "status": status,
        "action": src.get("action"),
        "partner": src.get("partner"),
        "asset_id": src.get("asset_id"),
        "into_partner": src.get("into_partner") or pd.NA,
        "into_asset_id": src.get("into_asset_id") or pd.NA,
        "previous_rank": p.get("rank") if p is not None else pd.NA,
        "rank": c.get("rank") if c is not None else pd.NA,
        "planned_saving_gbp": p.get("annual_saving_gbp") if p is not None else pd.NA,
        "annual_saving_gbp": c.get("annual_saving_gbp") if c is not None else pd.NA,
        "planned_capital_receipt_gbp": p.get("capital_receipt_gbp") if p is not None else pd.NA,
        "capital_receipt_gbp": c.get("capital_receipt_gbp") if c is not None else pd.NA,
        "detail": detail,
    }
    return row


def _plan(record: dict[str, object]) -> dict[str, object]:
    plan = record.get("plan")
    if isinstance(plan, dict):
        inner = plan.get("summary")
        return inner if isinstance(inner, dict) else plan
    return {}


def savings_summary(
    previous_assets: pd.DataFrame,
    current_assets: pd.DataFrame,
    opps: pd.DataFrame | None,
    previous_record: dict[str, object],
    current_record: dict[str, object],
) -> dict[str, object]:
    """Savings realised against those planned, and the estate's running cost then and now.

    ``realised_running_cost_gbp`` is the previous running cost of the buildings whose
    relocation or disposal was carried out (each building once): the cost no longer paid.
    ``planned_saving_carried_out_gbp`` is what the previous plan said those moves would save
    (less the running cost that follows the people), so the two can be set side by side.

    Returns
    -------
    dict
        Figures rounded to whole pounds; opportunity figures only when ``opps`` is given.
    """
    prev_cost, cur_cost = _num(previous_assets, "running_cost_gbp"), _num(current_assets, "running_cost_gbp")
    # A period whose registers give no running cost: the estate's cost is not known (None), not £0.
    before = round(float(np.nansum(prev_cost))) if np.isfinite(prev_cost).any() else None
    now = round(float(np.nansum(cur_cost))) if np.isfinite(cur_cost).any() else None
    out: dict[str, object] = {
        "previous_estate_running_cost_gbp": before,
        "estate_running_cost_gbp": now,
        "estate_running_cost_change_gbp": None if before is None or now is None else now - before,
    }
    if opps is None:
        return out
    prev_plan, cur_plan = _plan(previous_record), _plan(current_record)
    was_planned = opps["status"] != "new"
    releasing = opps["action"].isin(_RELEASING)
    done = opps[opps["status"] == "carried_out"]
    open_now = opps[opps["status"].isin(["new", "continuing"]) & releasing]
    keys = _asset_keys(previous_assets)
    cost_by_key = dict(zip(keys[::-1], prev_cost[::-1], strict=True))
    donors = sorted(set(done["partner"].astype(str) + "\x1f" + done["asset_id"].astype(str)))
    realised = float(np.nansum([cost_by_key.get(k, np.nan) for k in donors])) if donors else 0.0
    out |= {
        "planned_annual_saving_gbp": round(
            float(_num(opps[was_planned & releasing], "planned_saving_gbp").sum())
        ),
        "opportunities_carried_out": len(done),
        "buildings_released": len(donors),
        "planned_saving_carried_out_gbp": round(float(_num(done, "planned_saving_gbp").sum())),
        "realised_running_cost_gbp": round(realised),
        "planned_capital_receipts_carried_out_gbp": round(
            float(_num(done, "planned_capital_receipt_gbp").sum())
        ),
        "current_planned_annual_saving_gbp": round(float(_num(open_now, "annual_saving_gbp").sum())),
    }
    for name in ("released_running_cost_gbp", "capital_receipts_gbp"):
        if name in prev_plan:
            out[f"previous_plan_{name}"] = prev_plan[name]
        if name in cur_plan:
            out[f"plan_{name}"] = cur_plan[name]
    return out


__all__ = ["OPPORTUNITY_CHANGE_COLUMNS", "OPPORTUNITY_STATUSES", "opportunity_changes", "savings_summary"]
