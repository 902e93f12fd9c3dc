"""``report.pdf``: the report's content as A4 landscape pages, drawn with matplotlib's ``PdfPages``.

No system fonts, browser or other tool is needed: matplotlib embeds its bundled DejaVu Sans.
The document carries no creation date, so the same content gives the same file.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .._io import atomic_path
from ._content import ReportContent
from ._html import change_rows, opportunity_rows

A4_LANDSCAPE = (11.69, 8.27)
ROWS_PER_PAGE = 24
CELL_CHARS = 38


def _cell(v: object) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    s = " ".join(str(v).split())
    return s if len(s) <= CELL_CHARS else s[: CELL_CHARS - 1] + "…"


def _page(title: str, subtitle: str = "") -> Figure:
    fig = Figure(figsize=A4_LANDSCAPE)
    fig.text(0.04, 0.95, title, fontsize=16, weight="bold", va="top")
    if subtitle:
        fig.text(0.04, 0.905, subtitle, fontsize=10, color="#5a6570", va="top")
    return fig


def _draw_table(fig: Figure, frame: pd.DataFrame, rect: tuple[float, float, float, float]) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    if frame.empty:
        ax.text(0, 1, "None.", va="top", fontsize=10)
        return
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    t = ax.table(cellText=cells, colLabels=[str(c) for c in frame.columns], loc="upper left", cellLoc="left")
    t.auto_set_font_size(False)
    t.set_fontsize(7.5 if len(frame.columns) > 6 else 9)
    t.auto_set_column_width(list(range(len(frame.columns))))
    for (r, _), cell in t.get_celld().items():
        cell.set_height(0.032 if len(frame) > 12 else 0.05)
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eef2f5")


def _notes_pages(title: str, notes: tuple[str, ...] | list[str]) -> list[tuple[str, Figure]]:
    """Pages of short paragraphs, one per note, wrapped to the page width."""
    subtitle = "Said once here rather than as a change to every asset"
    figs = [_page(title, subtitle)]
    y = 0.85
    for note in notes:
        lines = textwrap.wrap(" ".join(note.split()), width=140) or [""]
        height = 0.03 * len(lines) + 0.025
        if y - height < 0.04 and y < 0.85:
            figs.append(_page(f"{title} (continued)", subtitle))
            y = 0.85
        figs[-1].text(0.05, y, "\n".join(lines), fontsize=10, va="top")
        y -= height
    return [(title if n == 0 else f"{title} (continued)", f) for n, f in enumerate(figs)]


def _table_pages(title: str, frame: pd.DataFrame, subtitle: str = "") -> list[tuple[str, Figure]]:
    chunks = [frame.iloc[i : i + ROWS_PER_PAGE] for i in range(0, max(len(frame), 1), ROWS_PER_PAGE)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        name = title if len(chunks) == 1 else f"{title} ({n} of {len(chunks)})"
        fig = _page(name, subtitle)
        _draw_table(fig, chunk, (0.04, 0.05, 0.92, 0.82))
        pages.append((name, fig))
    return pages


def build_pages(c: ReportContent) -> list[tuple[str, Figure]]:
    """The PDF's pages, each a (title, figure) pair, in order."""
    compared = f"compared with {c.previous}" if c.previous else "no earlier period to compare with"
    first = _page(c.title, f"Period {c.period}; {compared}")
    _draw_table(first, c.headline, (0.04, 0.05, 0.55, 0.8))
    if c.plan is not None:
        first.text(0.63, 0.86, "The plan", fontsize=12, weight="bold")
        _draw_table(first, c.plan, (0.63, 0.05, 0.33, 0.78))
    pages = [("Headline figures", first)]
    if c.changes is not None and c.changes.notes:
        pages += _notes_pages(f"How the registers changed since {c.previous}", c.changes.notes)
    if c.changes is not None:
        fig = _page(
            f"What changed since {c.previous}",
            "Matched by asset id (also written differently, or by its reference), then UPRN, then location",
        )
        counts = pd.DataFrame(
            [(k.replace("_", " "), v) for k, v in c.changes.counts.items()], columns=["", "number"]
        )
        _draw_table(fig, counts, (0.04, 0.05, 0.4, 0.8))
        if c.savings is not None:
            fig.text(0.52, 0.86, "Savings realised against planned", fontsize=12, weight="bold")
            _draw_table(fig, c.savings, (0.52, 0.05, 0.44, 0.78))
        pages.append((f"What changed since {c.previous}", fig))
        if not c.changes.changes.empty:
            pages += _table_pages("Changes to assets", change_rows(c.changes.changes))
        opps = c.changes.opportunities
        if opps is not None and not opps.empty:
            pages += _table_pages("Opportunities since last period", opportunity_rows(opps))
    if c.opportunities is not None:
        pages += _table_pages("Top opportunities", c.opportunities)
    if c.areas is not None:
        pages += _table_pages("Areas", c.areas)
    for name, fig in c.charts:
        pages.append((name, fig))
    if c.map_png is not None:
        fig = _page("Map", "The interactive map is map.html beside this report")
        ax = fig.add_axes((0.04, 0.04, 0.92, 0.84))
        ax.imshow(mpimg.imread(io.BytesIO(c.map_png), format="png"))
        ax.axis("off")
        pages.append(("Map", fig))
    pages += _table_pages(
        "Data quality by partner", c.quality, "Figures in brackets: change since last period"
    )
    return pages


def write_pdf(c: ReportContent, path: Path) -> list[str]:
    """Write ``report.pdf`` atomically and return its page titles."""
    pages = build_pages(c)
    meta = {
        "Title": f"{c.title} - {c.period}",
        "Subject": f"Asset board report for {c.period}",
        "Creator": "assetmap",
        "CreationDate": None,
    }
    with atomic_path(Path(path)) as tmp:
        with PdfPages(tmp, metadata=meta) as pdf:
            for _, fig in pages:
                pdf.savefig(fig)
    return [name for name, _ in pages]


__all__ = ["build_pages", "write_pdf"]
