"""Data quality per partner, and how it changed since the last period.

Partners are asked to fix their registers from this table, so every figure is a count of
rows a partner can find: rows read, placed, rejected, warnings, the share placed by each
geocoding method, assets without a floor area, without a utilisation (nor occupancy and
capacity to work one out), and assets stacked on the same coordinates as another asset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compare import RunData
from ..schema import GEOCODE_METHODS

#: Columns of the data-quality table (``*_change`` columns follow when there is a previous run).
QUALITY_COLUMNS: tuple[str, ...] = (
    "partner", "rows_read", "placed", "rejected", "warnings",
    *(f"placed_by_{m}" for m in GEOCODE_METHODS),
    "missing_floor_area", "missing_utilisation", "stacked",
)  # fmt: skip
#: Columns whose change since the last period is shown.
COMPARED: tuple[str, ...] = (
    "rows_read", "placed", "rejected", "warnings", "missing_floor_area", "missing_utilisation", "stacked",
)  # fmt: skip


def _counts(run: RunData) -> pd.DataFrame:
    """Rows read, placed, rejected, warnings and methods per partner, from ``run.json``."""
    partners = run.record.get("partners")
    rows = []
    if isinstance(partners, list) and partners:
        for p in partners:
            by = p.get("placed_by") or {}
            rows.append(
                {"partner": p.get("name"), "rows_read": p.get("rows_read"), "placed": p.get("placed"),
                 "rejected": p.get("rejected"), "warnings": p.get("warnings"),
                 **{f"n_{m}": by.get(m, 0) for m in GEOCODE_METHODS}}
            )  # fmt: skip
        return pd.DataFrame(rows)
    a = run.assets  # no run record: what the assets layer alone says
    for name, g in a.groupby("partner", sort=False):
        by = g["geocode_method"].value_counts() if "geocode_method" in g else pd.Series(dtype=int)
        rows.append(
            {"partner": name, "rows_read": np.nan, "placed": len(g), "rejected": np.nan, "warnings": np.nan,
             **{f"n_{m}": int(by.get(m, 0)) for m in GEOCODE_METHODS}}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["partner", "rows_read", "placed", "rejected", "warnings"])


def _num(a: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(a[col], errors="coerce") if col in a else pd.Series(np.nan, index=a.index)


def data_quality(run: RunData) -> pd.DataFrame:
    """The data-quality table for one run (:data:`QUALITY_COLUMNS`), one row per partner in config order.

    Parameters
    ----------
    run : RunData
        From :func:`assetmap.compare.load_run`.

    Returns
    -------
    DataFrame
        Shares are fractions of the assets placed; the rest are counts.
    """
    base = _counts(run)
    a = run.assets
    known_util = _num(a, "utilisation").notna() | (_num(a, "occupancy").notna() & _num(a, "capacity").notna())
    xy = a[["x", "y"]].round(0)
    stacked = xy.notna().all(axis=1) & xy.duplicated(keep=False)
    per = (
        pd.DataFrame(
            {
                "partner": a["partner"].astype(str),
                "missing_floor_area": (_num(a, "gia_m2").isna() | (_num(a, "gia_m2") <= 0)).astype(int),
                "missing_utilisation": (~known_util).astype(int),
                "stacked": stacked.astype(int),
            }
        )
        .groupby("partner", sort=False)
        .sum()
    )
    out = base.merge(per, left_on="partner", right_index=True, how="left")
    placed = pd.to_numeric(out["placed"], errors="coerce")
    for m in GEOCODE_METHODS:
        n = pd.to_numeric(out.get(f"n_{m}"), errors="coerce") if f"n_{m}" in out else np.nan
        out[f"placed_by_{m}"] = np.where(placed > 0, n / placed, np.nan)
    for col in ("missing_floor_area", "missing_utilisation", "stacked"):
        out[col] = out[col].fillna(0).astype(int)
    return out[list(QUALITY_COLUMNS)].reset_index(drop=True)


def quality_changes(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``current`` plus a ``<column>_change`` for each of :data:`COMPARED` since ``previous``.

    A partner new this period has no change figures; a partner gone is listed with zeros
    and its changes, so a register that stopped arriving is noticed.
    """
    if previous is None:
        return current.copy()
    merged = current.merge(
        previous[["partner", *COMPARED]], on="partner", how="outer", suffixes=("", "_prev")
    )
    order = {p: i for i, p in enumerate([*current["partner"], *previous["partner"]])}
    merged = merged.sort_values("partner", key=lambda s: s.map(order), kind="mergesort")
    gone = ~merged["partner"].isin(current["partner"])
    for col in COMPARED:
        merged.loc[gone, col] = 0
        merged[f"{col}_change"] = pd.to_numeric(merged[col]) - pd.to_numeric(merged[f"{col}_prev"])
    merged.loc[gone, "partner"] = merged.loc[gone, "partner"] + " (no register this period)"
    cols = [*current.columns, *(f"{c}_change" for c in COMPARED)]
    return merged[cols].reset_index(drop=True)


__all__ = ["COMPARED", "QUALITY_COLUMNS", "data_quality", "quality_changes"]
