"""The report's charts, drawn with matplotlib (no pyplot state, bundled DejaVu fonts only).

Each function takes frames and returns a :class:`matplotlib.figure.Figure`, or None when the
run lacks the data for it. The same figures go into the HTML (as PNG) and the PDF pages.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

SIZE = (8.0, 4.5)
BLUE, GREY = "#1f5f8b", "#a6b4c0"
RAG = {"red": "#c0392b", "amber": "#e6a117", "green": "#2e8b57", "unrated": "#b0b0b0"}
_RAG_LABEL = {"unrated": "not rated (no running cost or utilisation known)"}


def _short(text: object, n: int = 32) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def _fig() -> tuple[Figure, object]:
    fig = Figure(figsize=SIZE, dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def utilisation_by_partner(current: pd.DataFrame, previous: pd.DataFrame | None) -> Figure | None:
    """Floor-area-weighted utilisation per partner, with last period's beside it when there is one."""

    def weighted(a: pd.DataFrame) -> pd.Series:
        u = pd.to_numeric(a.get("utilisation"), errors="coerce")
        w = pd.to_numeric(a.get("gia_m2"), errors="coerce").where(lambda s: s > 0).fillna(1.0)
        ok = u.notna()
        frame = pd.DataFrame({"p": a["partner"].astype(str), "uw": (u * w)[ok], "w": w[ok]}).dropna()
        g = frame.groupby("p", sort=False)[["uw", "w"]].sum()
        return g["uw"] / g["w"]

    now = weighted(current)
    if now.empty:
        return None
    fig, ax = _fig()
    x = np.arange(len(now))
    if previous is not None:
        before = weighted(previous).reindex(now.index)
        ax.bar(x - 0.2, before.to_numpy(), 0.4, color=GREY, label="last period")
        ax.bar(x + 0.2, now.to_numpy(), 0.4, color=BLUE, label="this period")
        ax.legend(loc="upper right", fontsize=8)
    else:
        ax.bar(x, now.to_numpy(), 0.6, color=BLUE)
    ax.set_xticks(x, [_short(p, 22) for p in now.index], rotation=25, ha="right", fontsize=8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Utilisation by partner (weighted by floor area)", fontsize=11)
    return fig


def cost_per_m2_by_use(current: pd.DataFrame) -> Figure | None:
    """Running cost per m² by use (total cost over total floor area where both are known).

    Sensitive sites are left out, so a use that only they have (a refuge) is not shown.
    """
    cost = pd.to_numeric(current.get("running_cost_gbp"), errors="coerce")
    gia = pd.to_numeric(current.get("gia_m2"), errors="coerce")
    ok = cost.notna() & (gia > 0)
    if "sensitive" in current:
        ok &= ~current["sensitive"].astype("boolean").fillna(False).astype(bool)
    if not ok.any() or "use" not in current:
        return None
    use = current["use"].astype("string").str.strip().str.lower().fillna("unknown")
    g = pd.DataFrame({"use": use[ok], "c": cost[ok], "a": gia[ok]}).groupby("use")[["c", "a"]].sum()
    per = (g["c"] / g["a"]).sort_values(kind="mergesort").tail(14)
    fig, ax = _fig()
    ax.barh(np.arange(len(per)), per.to_numpy(), color=BLUE)
    ax.set_yticks(np.arange(len(per)), [_short(u, 28) for u in per.index], fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
    ax.set_title("Running cost per m² a year, by use", fontsize=11)
    return fig


def savings_by_cluster(opportunities: pd.DataFrame | None) -> Figure | None:
    """Planned annual savings by cluster (top 15), from ``opportunities.csv``."""
    if opportunities is None or "cluster_id" not in opportunities or opportunities.empty:
        return None
    s = pd.to_numeric(opportunities["annual_saving_gbp"], errors="coerce")
    cid = opportunities["cluster_id"].astype(str).replace("", "none")
    g = pd.DataFrame({"c": cid, "s": s}).groupby("c")["s"].sum()
    g = g[g > 0].sort_values(kind="mergesort").tail(15)
    if g.empty:
        return None
    fig, ax = _fig()
    ax.barh(np.arange(len(g)), g.to_numpy(), color=BLUE)
    ax.set_yticks(np.arange(len(g)), [_short(c, 20) for c in g.index], fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v / 1000:,.0f}k"))
    ax.set_title("Planned savings a year by cluster", fontsize=11)
    return fig


def ratings_by_partner(current: pd.DataFrame) -> Figure | None:
    """Red/amber/green ratings per partner (when the run has ratings), and the assets not rated in grey."""
    if "rating" not in current or current["rating"].isna().all():
        return None
    t = pd.crosstab(current["partner"].astype(str), current["rating"].astype(str))
    t = t.reindex(columns=list(RAG), fill_value=0).reindex(pd.unique(current["partner"].astype(str)))
    fig, ax = _fig()
    left = np.zeros(len(t))
    for rag, colour in RAG.items():
        if rag not in ("red", "amber", "green") and not t[rag].any():
            continue
        ax.barh(np.arange(len(t)), t[rag].to_numpy(), left=left, color=colour, label=_RAG_LABEL.get(rag, rag))
        left += t[rag].to_numpy()
    ax.set_yticks(np.arange(len(t)), [_short(p, 28) for p in t.index], fontsize=8)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Assets by rating and partner", fontsize=11)
    return fig


def changes_by_kind(counts: dict[str, int]) -> Figure | None:
    """Number of each kind of change since the last period."""
    kinds = {
        k: v
        for k, v in counts.items()
        if not k.startswith(("matched_by", "opportunities_")) and k != "continuing"
    }
    if not kinds:
        return None
    fig, ax = _fig()
    ax.bar(np.arange(len(kinds)), list(kinds.values()), color=BLUE)
    ax.set_xticks(np.arange(len(kinds)), [k.replace("_", " ") for k in kinds], rotation=25, ha="right")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Changes since the last period", fontsize=11)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp in the file, so the same figure gives the same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


__all__ = [
    "changes_by_kind", "cost_per_m2_by_use", "png", "ratings_by_partner", "savings_by_cluster",
    "utilisation_by_partner",
]  # fmt: skip
