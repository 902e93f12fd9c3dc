"""What the board report says, worked out once for both the HTML page and the PDF.

All figures come from the run directories' files; the same files give the same content
(nothing here reads the clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._known import NOT_KNOWN, coverage
from ..areas._report import area_figure, area_table
from ..compare import ChangeReport, RunData
from . import _charts
from ._quality import data_quality, quality_changes

PLAN_LABELS: dict[str, str] = {
    "released_running_cost_gbp": "Running cost released a year",
    "capital_receipts_gbp": "Capital receipts",
    "share_of_running_cost": "Released as a share of estate running cost",
    "moves": "Moves (relocations)",
    "buildings_vacated": "Buildings released",
    "people_moved": "People moved",
    "share_offers": "Buildings with places to share",
    "rated_red": "Rated red (disposal)",
    "rated_amber": "Rated amber (shared use)",
    "rated_green": "Rated green (retain)",
    "rated_unrated": "Not rated (no running cost or utilisation known)",
}
OPPORTUNITY_SHOWN = 20


def money(v: object) -> str:
    """``£1,234`` (negative ``-£1,234``); ``not known`` when unknown."""
    x = _f(v)
    return NOT_KNOWN if x is None else f"{'-' if x < 0 else ''}£{abs(x):,.0f}"


def pct(v: object) -> str:
    """A fraction as a whole percentage; ``not known`` when unknown."""
    x = _f(v)
    return NOT_KNOWN if x is None else f"{x * 100:.0f}%"


def count(v: object) -> str:
    """A whole number with thousands separators; ``not known`` when unknown."""
    x = _f(v)
    return NOT_KNOWN if x is None else f"{x:,.0f}"


def _f(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _signed(kind: str, v: float | None) -> str:
    if v is None:
        return ""
    if abs(v) < (0.005 if kind == "pct" else 0.5):
        return "no change"
    if kind == "money":
        return ("+" if v > 0 else "") + money(v)
    if kind == "pct":
        return f"{v * 100:+.0f} points"
    return f"{v:+,.0f}"


@dataclass
class ReportContent:
    """Everything the report shows; tables hold display strings."""

    title: str
    period: str
    previous: str | None
    headline: pd.DataFrame
    plan: pd.DataFrame | None
    changes: ChangeReport | None
    savings: pd.DataFrame | None
    opportunities: pd.DataFrame | None
    quality: pd.DataFrame
    charts: list[tuple[str, Figure]] = field(default_factory=list)
    map_png: bytes | None = None
    has_map_html: bool = False
    areas: pd.DataFrame | None = None


def _known_sum(values: pd.Series) -> float | None:
    return float(values.sum()) if values.notna().any() else None


def _estate_figures(run: RunData) -> dict[str, tuple[str, float | None, str]]:
    """Each headline figure: its kind, its value (None: not known) and how many assets it covers."""
    a = run.assets
    n = len(a)
    totals = run.record.get("totals") if isinstance(run.record.get("totals"), dict) else {}
    cost = pd.to_numeric(a.get("running_cost_gbp"), errors="coerce")
    gia = pd.to_numeric(a.get("gia_m2"), errors="coerce").where(lambda s: s > 0)
    util = pd.to_numeric(a.get("utilisation"), errors="coerce")
    both = cost.notna() & gia.notna()
    w = gia.fillna(1.0)[util.notna()]
    sensitive = a["sensitive"].fillna(False).astype(bool) if "sensitive" in a else pd.Series(dtype=bool)
    return {
        "Assets placed": ("count", float(n), ""),
        "Partners": ("count", float(a["partner"].nunique()), ""),
        "Register rows read": ("count", _f(totals.get("rows_read")), ""),
        "Rows rejected": ("count", _f(totals.get("rejected")), ""),
        "Warnings": ("count", _f(totals.get("warnings")), ""),
        "Estate running cost a year": ("money", _known_sum(cost), coverage(cost.notna().sum(), n)),
        "Floor area (m²)": ("count", _known_sum(gia), coverage(gia.notna().sum(), n, "floor area")),
        "Running cost per m²": (
            "money", float(cost[both].sum() / gia[both].sum()) if both.any() else None,
            coverage(both.sum(), n, "running cost and floor area"),
        ),
        "Utilisation (weighted by floor area)": (
            "pct", float((util.dropna() * w).sum() / w.sum()) if w.sum() > 0 else None,
            coverage(util.notna().sum(), n, "utilisation"),
        ),
        "Sensitive sites (locations withheld)": ("count", float(sensitive.sum()), ""),
    }  # fmt: skip


def _fmt(kind: str, v: float | None, note: str = "") -> str:
    text = {"money": money, "pct": pct}.get(kind, count)(v)
    return f"{text} ({note})" if note and v is not None else text


def headline(current: RunData, previous: RunData | None) -> pd.DataFrame:
    """Headline figures: this period, last period and the change.

    A figure no register gives reads ``not known``; one over partly known values says how
    many assets it covers (``£1.2m (running cost known for 40 of 120)``).
    """
    now = _estate_figures(current)
    before = _estate_figures(previous) if previous is not None else {}
    rows = []
    for name, (kind, v, note) in now.items():
        _, b, b_note = before.get(name, (kind, None, ""))
        change = _signed(kind, v - b) if v is not None and b is not None else ""
        rows.append(
            (name, _fmt(kind, v, note), _fmt(kind, b, b_note) if previous is not None else "", change)
        )
    return pd.DataFrame(rows, columns=["figure", "this period", "last period", "change"])


def plan_table(current: RunData) -> pd.DataFrame | None:
    """The plan's summary figures from ``run.json`` (None when the run has no plan)."""
    plan = current.record.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("summary"), dict):
        plan = plan["summary"]
    if not isinstance(plan, dict):
        return None
    rows = []
    for key, label in PLAN_LABELS.items():
        if key in plan:
            v = plan[key]
            is_share = key.startswith("share_of_") or key.endswith("_share")
            text = money(v) if key.endswith("_gbp") else pct(v) if is_share else count(v)
            rows.append((label, text + _plan_note(key, plan)))
    return pd.DataFrame(rows, columns=["figure", "value"]) if rows else None


def _plan_note(key: str, plan: dict[str, object]) -> str:
    """How many assets a plan figure leaves out for want of a running cost, in brackets."""
    if key == "released_running_cost_gbp" and _f(plan.get(key)) is not None:
        missing = _f(plan.get("released_without_running_cost"))
        if missing:
            return f" ({missing:,.0f} building(s) released have no running cost: not counted)"
    if key == "released_running_cost_gbp" and _f(plan.get(key)) is None:
        return " (no running cost in the registers)"
    return ""


def savings_table(report: ChangeReport) -> pd.DataFrame:
    """Savings realised against planned, and running cost then and now, as display strings."""
    labels = {
        "previous_estate_running_cost_gbp": "Estate running cost last period",
        "estate_running_cost_gbp": "Estate running cost this period",
        "estate_running_cost_change_gbp": "Change in estate running cost",
        "planned_annual_saving_gbp": "Savings a year planned last period",
        "opportunities_carried_out": "Opportunities carried out",
        "buildings_released": "Buildings released",
        "planned_saving_carried_out_gbp": "Savings planned on those carried out",
        "realised_running_cost_gbp": "Running cost no longer paid on those buildings",
        "planned_capital_receipts_carried_out_gbp": "Capital receipts planned on those carried out",
        "current_planned_annual_saving_gbp": "Savings a year in this period's plan",
    }
    rows = []
    for key, label in labels.items():
        if key in report.savings:
            v = report.savings[key]
            rows.append((label, money(v) if key.endswith("_gbp") else count(v)))
    return pd.DataFrame(rows, columns=["figure", "value"])


def opportunities_table(opps: pd.DataFrame | None) -> pd.DataFrame | None:
    """The top opportunities (by rank) as display strings."""
    if opps is None or opps.empty:
        return None
    o = opps.sort_values("rank", kind="mergesort").head(OPPORTUNITY_SHOWN) if "rank" in opps else opps
    g = o.get
    return pd.DataFrame(
        {
            "rank": [count(v) for v in g("rank", pd.Series([np.nan] * len(o)))],
            "action": o.get("action", ""),
            "partner": o.get("partner", ""),
            "asset": o.get("name", o.get("asset_id", "")),
            "into": o.get("into_name", o.get("into_asset_id", "")),
            "saving a year": [money(v) for v in g("annual_saving_gbp", pd.Series([np.nan] * len(o)))],
            "capital receipt": [money(v) for v in g("capital_receipt_gbp", pd.Series([np.nan] * len(o)))],
            "rating": o.get("rating", ""),
        }
    ).reset_index(drop=True)


def quality_display(current: RunData, previous: RunData | None) -> pd.DataFrame:
    """The data-quality table with changes since last period, as display strings."""
    q = quality_changes(data_quality(current), data_quality(previous) if previous is not None else None)
    out = pd.DataFrame({"partner": q["partner"]})
    for col in q.columns[1:]:
        if col.endswith("_change"):
            continue
        fmt = pct if col.startswith("placed_by_") else count
        text = q[col].map(fmt)
        if f"{col}_change" in q:
            change = q[f"{col}_change"].map(lambda v: "" if _f(v) in (None, 0.0) else f" ({_f(v):+,.0f})")
            text = text + change
        out[col.replace("_", " ")] = text
    return out


def build_content(
    current: RunData, previous: RunData | None, changes: ChangeReport | None, *, run_dir: Path
) -> ReportContent:
    """Work out the report's content for a run (and the previous one, when there is one)."""
    title = str(current.record.get("title") or "Estate report")
    before = previous.assets if previous is not None else None
    charts = [
        ("Utilisation by partner", _charts.utilisation_by_partner(current.assets, before)),
        ("Running cost per m² by use", _charts.cost_per_m2_by_use(current.assets)),
        ("Savings by cluster", _charts.savings_by_cluster(current.opportunities)),
        ("Ratings by partner", _charts.ratings_by_partner(current.assets)),
        ("Changes since the last period", _charts.changes_by_kind(changes.counts) if changes else None),
        ("Running cost by area", area_figure(run_dir)),
    ]  # fmt: skip
    map_png = run_dir / "map.png"
    return ReportContent(
        title=title,
        period=current.label,
        previous=previous.label if previous is not None else None,
        headline=headline(current, previous),
        plan=plan_table(current),
        changes=changes,
        savings=savings_table(changes) if changes is not None else None,
        opportunities=opportunities_table(current.opportunities),
        quality=quality_display(current, previous),
        charts=[(name, fig) for name, fig in charts if fig is not None],
        map_png=map_png.read_bytes() if map_png.is_file() else None,
        has_map_html=(run_dir / "map.html").is_file(),
        areas=area_table(run_dir),
    )
