"""The words of the folium map's popups and tooltips, as escaped HTML.

folium puts popup and tooltip text into the page as HTML (and folium's own ``Popup`` and
``Tooltip`` put it inside a JavaScript template literal, where ``${...}`` runs), so every
value here goes through :func:`assetmap.maps._escape.escape_text`, which also turns
backtick, ``$`` and backslash into character references. The wording follows the board
map's (``assetmap/data/map/popups.js``), read from the same page data
(:func:`assetmap.maps._build.build_payload`), so the two maps say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ._escape import escape_text
from ._style import KIND_COLOURS, KIND_LABELS, RATING_COLOURS, RATING_LABELS, RATINGS


def column(col: Any, n: int) -> list[Any]:
    """One page-data column as a plain list of ``n`` values (``None`` where missing).

    The page data stores columns as lists, ``{"d": distinct values, "i": codes}`` or
    ``{"delta": differences}`` (see :mod:`assetmap.maps._payload`).
    """
    if col is None:
        return [None] * n
    if isinstance(col, dict) and "delta" in col:
        out, run = [], 0
        for step in col["delta"]:
            run += step
            out.append(run)
        return out
    if isinstance(col, dict):
        d = col["d"]
        return [d[c] if c >= 0 else None for c in col["i"]]
    return list(col)


class PageData:
    """The board map's page data with its columns decoded on first use."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.p = payload
        self.n: int = payload["n"]
        self._cols: dict[str, list[Any]] = {}

    def col(self, name: str) -> list[Any]:
        """Column ``name`` as a list of ``n`` values (``None`` for each when absent)."""
        if name not in self._cols:
            self._cols[name] = column(self.p["cols"].get(name), self.n)
        return self._cols[name]


def number(value: float, kind: str) -> str:
    """A figure as the board map writes it (``gbp``, ``pct``, ``m2``, ``num``, ``date``, text)."""
    if kind == "gbp":
        return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"
    if kind == "pct":
        return f"{round(value * 100)}%"
    if kind == "m2":
        return f"{value:,.0f} m²"
    if kind == "num":
        return f"{value:,.1f}".removesuffix(".0")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return f"{day.day} {day:%b %Y}"
    return str(value)


def table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column facts table; every cell escaped."""
    body = "".join(f"<tr><th>{escape_text(k)}</th><td>{escape_text(v)}</td></tr>" for k, v in rows)
    return f'<table class="am-facts">{body}</table>'


def swatch(colour: str, cls: str = "") -> str:
    """A round colour sample (colours come from :mod:`assetmap.maps._style`, never from data)."""
    prop = "border-color" if cls == "am-ring" else "background"
    return f'<span class="am-swatch {cls}" style="{prop}:{escape_text(colour)}"></span>'


class Opportunities:
    """The plan's opportunities on the page, worded for each asset they concern."""

    def __init__(self, opps: dict[str, Any], label: list[str], partner_of: list[str]) -> None:
        self.o = opps or {}
        self.n = len(self.o.get("a", []))
        self.label, self.partner_of = label, partner_of
        self.notes: dict[int, list[int]] = {}
        for q in range(self.n):
            self.notes.setdefault(self.o["d"][q], []).append(q)
            if self.o["t"][q] >= 0:
                self.notes.setdefault(self.o["t"][q], []).append(q)

    def moves(self) -> list[tuple[int, int, int]]:
        """``(opportunity, donor, receiver)`` for each relocation between two shown assets."""
        o = self.o
        return [
            (q, o["d"][q], o["t"][q])
            for q in range(self.n)
            if o["a"][q] == 0 and o["d"][q] >= 0 and o["t"][q] >= 0
        ]

    def _who(self, k: int) -> str:
        return f"{self.label[k]} ({self.partner_of[k]})"

    def text(self, q: int, k: int) -> str:
        """What opportunity ``q`` means for asset ``k`` (plain text, not yet escaped)."""
        o = self.o
        rank = "" if o["rank"][q] is None else f"#{o['rank'][q]} "
        people = "its people" if o["people"][q] is None else f"{o['people'][q]:,} people"
        money = (f"; saves {number(o['saving'][q], 'gbp')} a year" if o["saving"][q] else "") + (
            f"; capital receipt {number(o['receipt'][q], 'gbp')}" if o["receipt"][q] else ""
        )
        act = o["a"][q]
        if act == 0:
            if k == o["t"][q]:
                return f"{rank}Receives {people} from {self._who(o['d'][q])}"
            into = self._who(o["t"][q]) if o["t"][q] >= 0 else o["into"].get(str(q), "another building")
            return f"{rank}Relocate {people} into {into}{money}"
        if act == 1:
            return f"{rank}Dispose: vacant or surplus{money}"
        if act == 2:
            spare = "spare space" if o["spare"][q] is None else f"{o['spare'][q]:,} spare places"
            return f"{rank}Share: offer {spare} to other partners"
        return f"{rank}Review{money}"

    def for_asset(self, k: int) -> list[str]:
        """Every opportunity's words for asset ``k``."""
        return [self.text(q, k) for q in self.notes.get(k, [])]


def tables(page: PageData) -> dict[str, list[str]]:
    """What every asset popup shares, as escaped HTML: partner lines, ratings, field labels, reasons."""
    partners = []
    for partner in page.p["partners"]:
        kind = partner["kind"] if partner["kind"] in KIND_COLOURS else "other"
        text = f"{partner['name']} · {KIND_LABELS[kind]}"
        partners.append(swatch(KIND_COLOURS[kind]) + escape_text(text))
    reasons = page.p["cols"].get("reasons") or {"d": []}
    return {
        "partners": partners,
        "ratings": [f"{swatch(RATING_COLOURS[r])}{escape_text(RATING_LABELS[r])}" for r in RATINGS],
        "fields": [escape_text(label) for _, label, _ in page.p["fields"]],
        "phrases": [escape_text(text) for text in reasons["d"]],
    }


def _escaped(values: list[Any], kind: str) -> list[str | None]:
    """A column formatted (:func:`number`) and escaped, each distinct value once."""
    done: dict[Any, str | None] = {}
    out = []
    for value in values:
        if value not in done:
            done[value] = None if value is None or value == "" else escape_text(number(value, kind))
        out.append(done[value])
    return out


def asset_properties(page: PageData, labels: list[str], opps: Opportunities) -> list[dict[str, Any]]:
    """Every asset's popup as escaped pieces (the page joins them with :func:`tables`).

    ``t`` name, ``p`` partner, ``u`` use, ``r`` rating (a row of the ratings, 3 not rated),
    ``s`` score, ``e`` reason codes, ``n`` plan notes, ``v`` one value per field of
    ``page.p["fields"]`` (``None`` when missing), ``f`` where it came from. Every text is escaped.
    """
    cols = page.p["cols"]
    fields = [_escaped(page.col(name), kind) for name, _, kind in page.p["fields"]]
    scores = _escaped(page.col("score"), "num")
    reasons = cols.get("reasons")
    return [
        {
            "t": escape_text(labels[k]),
            "p": cols["p"][k],
            "u": cols["u"][k],
            "r": cols["r"][k],
            "s": scores[k],
            "e": reasons["i"][k] if reasons else [],
            "n": [escape_text(text) for text in opps.for_asset(k)],
            "v": [field[k] for field in fields],
            "f": escape_text(_source(page, k)),
        }
        for k in range(page.n)
    ]


def _source(page: PageData, k: int) -> str:
    col = page.col
    where = []
    if col("source_file")[k]:
        row = col("source_row")[k]
        where.append(f"From {col('source_file')[k]}" + ("" if row is None else f", row {row}"))
    if col("geocode_method")[k]:
        prec = col("geocode_precision_m")[k]
        where.append(f"placed by {col('geocode_method')[k]}" + ("" if prec is None else f" (±{prec:,} m)"))
    return "; ".join(where)


def cluster_popup(clusters: dict[str, Any], i: int, category: str) -> str:
    """The popup of cluster ``i``: its figures as the board map gives them."""
    c = clusters
    rows = [("Assets", f"{c['assets'][i]:,}"), ("Partners", c["partners"][i] or "")]
    if c["cost"][i] is not None:
        rows.append(("Running cost a year", number(c["cost"][i], "gbp")))
    if c["gia"][i] is not None:
        rows.append(("Floor area", number(c["gia"][i], "m2")))
    if c["util"][i] is not None:
        rows.append(("Utilisation", number(c["util"][i], "pct")))
    if c["spare"][i] is not None:
        rows.append(("Spare places", f"{c['spare'][i]:,}"))
    if c.get("rag"):
        heading = " / ".join(("Red", "amber", "green", "not rated")[: len(c["rag"][i])])
        rows.append((heading, " / ".join(str(v) for v in c["rag"][i])))
    if c["saving"][i] is not None:
        rows.append(("Saving a year (plan)", number(c["saving"][i], "gbp")))
    if c.get("hidden") and c["hidden"][i]:
        rows.append(("Sensitive sites (not shown)", f"{c['hidden'][i]:,}"))
    return (
        f'<div class="am-popup"><h3>{escape_text("Cluster " + str(c["id"][i]))}</h3>'
        f'<div class="am-who">{escape_text(category)}</div>{table(rows)}</div>'
    )


__all__ = [
    "Opportunities", "PageData", "asset_properties", "cluster_popup", "column", "number", "swatch", "table",
    "tables",
]  # fmt: skip
