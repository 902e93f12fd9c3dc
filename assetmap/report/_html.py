"""``report.html``: one self-contained page (inline CSS, charts and map as base64 PNG).

Every value that comes from a register is HTML-escaped, and a Content-Security-Policy
forbids scripts and outside resources, so the page opens safely on a locked-down laptop.
"""

from __future__ import annotations

import base64
from html import escape

import pandas as pd

from . import _charts
from ._content import ReportContent, money

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em auto;padding:0 1em;max-width:1100px;
  color:#1b1b1b;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #1f5f8b;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #c8d0d8;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eef2f5}td.n{text-align:right}.muted{color:#5a6570}
img{max-width:100%;height:auto;border:1px solid #dde3e8;margin:.4em 0}
"""
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return escape(str(value), quote=True)


def table(frame: pd.DataFrame, *, numeric: tuple[str, ...] = ()) -> str:
    """An HTML table of ``frame`` with every heading and cell escaped."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="n">{_e(v)}</td>' if c in numeric else f"<td>{_e(v)}</td>"
            for c, v in zip(frame.columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'


def change_rows(changes: pd.DataFrame) -> pd.DataFrame:
    """The change table as shown: kind, partner, ids then and now, name, how matched, detail."""
    return pd.DataFrame(
        {
            "change": changes["change"].str.replace("_", " "),
            "partner": changes["partner"],
            "asset id": changes["asset_id"],
            "last period's id": changes["previous_asset_id"],
            "name": changes["name"],
            "matched by": changes["matched_by"],
            "confidence": changes["confidence"] if "confidence" in changes else pd.NA,
            "detail": changes["detail"],
        }
    )


def matching_text(within_m: float) -> str:
    """How assets are matched between periods, as the report says it."""
    return (
        "Assets are matched one-to-one by partner and asset id; then by the id written differently (case, "
        "spaces, punctuation); then by the id's reference when its ending changed (09/00002/Land and "
        "Building and 09/00002/BLDG); then by UPRN, assets sharing one UPRN paired by location, then name "
        f"or address; then by location (within {within_m:,.0f} m) and a similar name or address. The table "
        "says how each was matched and how sure that is."
    )


def notes_html(c: ReportContent) -> list[str]:
    """How the registers themselves changed (columns, id schemes), said once at the top."""
    if c.changes is None or not c.changes.notes:
        return []
    items = "".join(f"<li>{_e(n)}</li>" for n in c.changes.notes)
    return [f"<h2>How the registers changed since {_e(c.previous)}</h2>", f"<ul>{items}</ul>"]


def opportunity_rows(opps: pd.DataFrame) -> pd.DataFrame:
    """The opportunity changes as shown."""
    return pd.DataFrame(
        {
            "status": opps["status"].str.replace("_", " "),
            "action": opps["action"],
            "partner": opps["partner"],
            "asset id": opps["asset_id"],
            "into": opps["into_asset_id"],
            "planned a year": opps["planned_saving_gbp"].map(money),
            "now a year": opps["annual_saving_gbp"].map(money),
            "detail": opps["detail"],
        }
    )


def render(c: ReportContent) -> str:
    """The whole page as text."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{_e(c.title)} - {_e(c.period)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(c.title)}</h1>",
        f'<p class="muted">Period {_e(c.period)}'
        + (f"; compared with {_e(c.previous)}" if c.previous else "; no earlier period to compare with")
        + "</p>",
        *notes_html(c),
        "<h2>Headline figures</h2>",
        table(c.headline, numeric=("this period", "last period", "change")),
    ]
    if c.plan is not None:
        out += ["<h2>The plan</h2>", table(c.plan, numeric=("value",))]
    if c.changes is not None:
        counts = pd.DataFrame(
            [(k.replace("_", " "), v) for k, v in c.changes.counts.items()], columns=["", "number"]
        )
        out += [
            f"<h2>What changed since {_e(c.previous)}</h2>",
            f"<p>{_e(matching_text(c.changes.moved_m))}</p>",
            table(counts, numeric=("number",)),
        ]
        if c.changes.changes.empty:
            out.append("<p>No changes.</p>")
        else:
            out.append(table(change_rows(c.changes.changes)))
        if c.changes.opportunities is not None and not c.changes.opportunities.empty:
            out += [
                "<h3>Opportunities since last period</h3>",
                table(opportunity_rows(c.changes.opportunities)),
            ]
        if c.savings is not None:
            out += ["<h3>Savings realised against planned</h3>", table(c.savings, numeric=("value",))]
    if c.opportunities is not None:
        out += ["<h2>Top opportunities</h2>", table(c.opportunities)]
    if c.areas is not None:
        out += ["<h2>Areas</h2>", table(c.areas, numeric=tuple(c.areas.columns[2:]))]
    if c.charts:
        out.append("<h2>Charts</h2>")
        out += [_img(_charts.png(fig), name) for name, fig in c.charts]
    if c.map_png is not None or c.has_map_html:
        out.append("<h2>Map</h2>")
        if c.map_png is not None:
            out.append(_img(c.map_png, "Map of the estate"))
        if c.has_map_html:
            out.append('<p><a href="map.html">Open the interactive map (map.html)</a></p>')
    out += [
        "<h2>Data quality by partner</h2>",
        "<p>Figures in brackets are the change since last period. Shares are of the assets placed. "
        "Stacked: assets on exactly the same coordinates as another.</p>",
        table(c.quality),
        "</body></html>",
    ]
    return "\n".join(out) + "\n"


__all__ = ["change_rows", "matching_text", "notes_html", "opportunity_rows", "render", "table"]
