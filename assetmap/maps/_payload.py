"""The board map's page data: its format, in one place, and the encoders of its columns.

The page carries one compact, column-wise JSON document (``<script type="application/json"
id="assetmap-data">``), built by :func:`assetmap.maps._build.build_payload` and read by
``assetmap/data/map/payload.js``, which gives every key below a descriptive JavaScript name.
The key strings are short because they repeat in the file; the classes here name them.

Document (:class:`Doc`)::

    title        str           page title
    offline      bool          no base map tiles (``map.offline``)
    tiles        str | null    tile URL template (added by the page writer when online)
    origin       [lat, lon]    positions are integers: (value - origin) * scale
    scale        int           grid units per degree (1e-5 degree, about a metre)
    bounds       [[lat, lon], [lat, lon]] | null   grid units of the assets shown
    n            int           assets shown (sensitive sites are never in the document)
    partners     [{name, kind, count}]             partner index -> partner (Partner keys)
    kinds        [[key, label, colour]]            partner kinds
    ratings      [[key, label, colour]]            red, amber, green
    uses         [[label, glyph]]                  use categories
    clusterCats  [[label, colour]]                 cluster categories
    actions      [str]                             opportunity action index -> name
    fields       [[column, label, format]]         popup rows (format: text, gbp, pct, m2, num, date)
    cols         {name: column}                    one value per asset shown (Col keys)
    opps         {name: [...]} | {}                opportunities (Opp keys)
    clusters     {name: [...]}                     cluster shapes and figures (Clu keys)
    areas        {...} | null                      choropleth (``maps._areas``)
    outline      [polygon]                         the place's outline
    summary      [[label, value]]                  summary panel rows
    sensitive    "omit" | "cluster_only"
    base         {...} | null                      offline base map (``maps._base``)
    pyramid      {...}                             national estates only, instead of cols, opps and
                                                   clusters (``maps._pyramid``)
    blocks       {element id: text}                national estates only: compressed blocks, written by
                                                   the page writer as elements of their own, not as JSON

A column is a list of values, ``{"d": distinct values, "i": codes (-1 missing)}``, or
``{"delta": differences}`` (integers, a running sum gives the values). A polygon is a list of
rings, each a flat list ``[lat, lon, lat, lon, ...]`` in grid units, delta-encoded from the
second point on.

Positions are integers in units of 1e-5 degree (about a metre) counted from an origin, so
the file holds no coordinate as a decimal literal; text columns that repeat are stored
once with integer codes; reasons are split into phrases stored once. Sensitive sites are
left out before anything is encoded, and so are moves and opportunities that touch them.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

SCALE: Final = 100_000
SENSITIVE_TEXT: Final = "a sensitive site"


class Doc:
    """Keys of the document."""

    TITLE: Final = "title"
    OFFLINE: Final = "offline"
    TILES: Final = "tiles"
    ORIGIN: Final = "origin"
    SCALE: Final = "scale"
    BOUNDS: Final = "bounds"
    COUNT: Final = "n"
    PARTNERS: Final = "partners"
    KINDS: Final = "kinds"
    RATINGS: Final = "ratings"
    USES: Final = "uses"
    CLUSTER_CATEGORIES: Final = "clusterCats"
    ACTIONS: Final = "actions"
    FIELDS: Final = "fields"
    COLUMNS: Final = "cols"
    OPPORTUNITIES: Final = "opps"
    CLUSTERS: Final = "clusters"
    AREAS: Final = "areas"
    OUTLINE: Final = "outline"
    SUMMARY: Final = "summary"
    SENSITIVE: Final = "sensitive"
    BASE: Final = "base"
    PYRAMID: Final = "pyramid"
    BLOCKS: Final = "blocks"


class Partner:
    """Keys of one entry of ``partners``."""

    NAME: Final = "name"
    KIND: Final = "kind"
    COUNT: Final = "count"


class Col:
    """Keys of ``cols`` besides the register's own popup columns (``POPUP_FIELDS``)."""

    LAT: Final = "lat"
    LON: Final = "lon"
    PARTNER: Final = "p"  # index into partners
    USE: Final = "u"  # index into uses
    RATING: Final = "r"  # index into ratings: red, amber, green, 3 not rated (unrated or no plan)
    NAME: Final = "name"
    SCORE: Final = "score"
    SOURCE_FILE: Final = "source_file"
    SOURCE_ROW: Final = "source_row"
    METHOD: Final = "geocode_method"
    PRECISION: Final = "geocode_precision_m"
    REASONS: Final = "reasons"  # {"d": phrases, "i": [[phrase codes] per asset]}
    CLUSTER: Final = "cluster_id"


class Enc:
    """Keys of an encoded column."""

    DISTINCT: Final = "d"
    CODES: Final = "i"
    DELTA: Final = "delta"


class Opp:
    """Keys of ``opps``: one value per opportunity shown (asset positions index ``cols``)."""

    RANK: Final = "rank"
    ACTION: Final = "a"  # index into actions, -1 other
    DONOR: Final = "d"  # asset position, -1 not on the map
    RECEIVER: Final = "t"  # asset position, -1 none or not on the map
    PEOPLE: Final = "people"
    SAVING: Final = "saving"
    RECEIPT: Final = "receipt"
    SPARE: Final = "spare"
    INTO: Final = "into"  # {row: words for a receiver not on the map}


class Clu:
    """Keys of ``clusters``: one value per cluster with a shown member."""

    ID: Final = "id"
    CATEGORY: Final = "cat"  # index into clusterCats
    RINGS: Final = "rings"  # per cluster, polygons
    ASSETS: Final = "assets"
    PARTNERS: Final = "partners"
    COST: Final = "cost"
    GIA: Final = "gia"
    UTILISATION: Final = "util"
    SPARE: Final = "spare"
    RAG: Final = "rag"  # [red, amber, green, not rated] counts (by rating index), or null without ratings
    SAVING: Final = "saving"
    HIDDEN: Final = "hidden"  # sensitive sites counted (cluster_only), or null
    CATEGORY_LABELS: Final = "catLabels"
    BORDER: Final = "border"  # with areas: Border keys


class Border:
    """Keys of ``clusters.border``: per cluster, whether it crosses a boundary and the areas."""

    CROSS: Final = "cross"
    AREAS: Final = "areas"


class Area:
    """Keys of ``areas``: ``levels`` (each a :class:`Area` level), ``measures``, ``figures``."""

    LEVELS: Final = "levels"
    MEASURES: Final = "measures"  # [[key, label, format, [five colours]]]
    FIGURES: Final = "figures"  # popup rows: [[column, label, format]]
    KEY: Final = "key"
    LABEL: Final = "label"
    CODE: Final = "code"
    NAME: Final = "name"
    RINGS: Final = "rings"
    FIG: Final = "fig"  # {column: [value per area]}
    CLASSES: Final = "cls"  # {measure: {"limits": [[low, high]], "i": [class per area]}}
    LIMITS: Final = "limits"


#: Popup rows: column, label, format (text, int, gbp, pct, m2, num, date).
POPUP_FIELDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("address", "Address", "text"),
    ("postcode", "Postcode", "text"),
    ("asset_id", "Asset id", "text"),
    ("uprn", "UPRN", "text"),
    ("use", "Use", "text"),
    ("tenure", "Tenure", "text"),
    ("condition", "Condition", "text"),
    ("gia_m2", "Floor area", "m2"),
    ("running_cost_gbp", "Running cost a year", "gbp"),
    ("utilisation", "Utilisation", "pct"),
    ("occupancy", "Occupancy (people)", "num"),
    ("capacity", "Capacity (people)", "num"),
    ("book_value_gbp", "Book value", "gbp"),
    ("lease_expiry", "Lease expiry", "date"),
    ("cluster_id", "Cluster", "text"),
    ("action", "Action", "text"),
)
#: Decimals kept per numeric column (the others are text).
DECIMALS: Final = {
    "gia_m2": 0, "running_cost_gbp": 0, "utilisation": 2, "occupancy": 0, "capacity": 0,
    "book_value_gbp": 0, "score": 0, "geocode_precision_m": 0, "source_row": 0,
}  # fmt: skip


def _plain(arr: np.ndarray, decimals: int) -> list[Any]:
    """Rounded floats as a JSON list: ints when no decimals, ``None`` for NaN."""
    if decimals == 0:
        return [None if v != v else int(v) for v in arr.tolist()]
    return [None if v != v else v for v in arr.tolist()]


def encode_numbers(values: pd.Series, decimals: int, delta: bool = False) -> Any:
    """Numbers rounded; ``{"d", "i"}`` when few distinct values, ``{"delta"}`` for runs of rows."""
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float).round(decimals)
    finite = ~np.isnan(arr)
    if delta and finite.all() and len(arr):
        ints = arr.astype(np.int64)
        return {Enc.DELTA: np.diff(ints, prepend=0).tolist()}
    uniq = np.unique(arr[finite])
    if len(arr) >= 16 and len(uniq) <= 64:
        codes = np.where(
            finite, np.searchsorted(uniq, np.where(finite, arr, uniq[0] if len(uniq) else 0)), -1
        )
        distinct = [int(v) for v in uniq] if decimals == 0 else uniq.tolist()
        return {Enc.DISTINCT: distinct, Enc.CODES: codes.astype(int).tolist()}
    return _plain(arr, decimals)


def encode_text(values: pd.Series, *, arrays: bool = False) -> list[str | None] | dict[str, Any]:
    """Text column: a plain list, or ``{"d": distinct values, "i": codes}`` when values repeat
    (``arrays``: the codes as a numpy array, for a national page, which stores them in binary)."""
    codes, distinct = text_codes(values)
    return coded_text(codes, distinct, arrays=arrays)


def coded_text(
    codes: np.ndarray, distinct: list[str], *, arrays: bool = False
) -> list[str | None] | dict[str, Any]:
    """:func:`encode_text` of the values whose :func:`text_codes` are ``codes`` and ``distinct``."""
    if len(distinct) <= max(1, len(codes) // 2):
        return {Enc.DISTINCT: distinct, Enc.CODES: codes if arrays else codes.tolist()}
    return np.array([*distinct, None], dtype=object)[codes].tolist()  # code -1: the None at the end


def text_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each value's code (-1: missing or blank) and the distinct texts, in first-seen order.

    Dates are written ``YYYY-MM-DD``; text is stripped, and blank text is missing. Dates and
    plain text are formatted once per distinct value (the values are grouped first: the same
    codes and texts as :func:`text_codes_simple`, which formats every value).
    """
    dates = pd.api.types.is_datetime64_any_dtype(values)
    text = isinstance(values.dtype, pd.StringDtype) or (
        values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    )
    if not (dates or text):
        return text_codes_simple(values)
    raw, uniques = pd.factorize(values, use_na_sentinel=True)
    first = pd.Series(uniques)
    sub, distinct = text_codes_simple(first.dt.strftime("%Y-%m-%d") if dates else first)
    return np.append(sub, -1)[raw], distinct


def text_codes_simple(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """:func:`text_codes`, formatting every value (any column: numbers, mixed values)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    s = values.astype("string").str.strip()
    s = s.where(s != "")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, uniques.to_numpy(dtype=object).tolist()  # all str (iterating Arrow text is slow)


def _re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern that matches itself (ASCII punctuation and controls escaped)."""

    def one(ch: str) -> str:
        if not ch.isascii() or ch.isalnum() or ch in " _":
            return ch
        return "\\" + ch if ch.isprintable() else f"\\x{ord(ch):02x}"

    return "".join(one(ch) for ch in text)


def scrub(texts: pd.Series, names: list[str]) -> pd.Series:
    """Replace each of ``names`` (sensitive sites' names) in ``texts`` by :data:`SENSITIVE_TEXT`.

    One pass of one regular expression (RE2, through Arrow) over the distinct texts, longest
    name first where names overlap, so thousands of names cost about as much as one.
    """
    if not names or len(texts) == 0:
        return texts
    arr = pa.array(texts.astype(object).where(texts.notna(), None), type=pa.string())
    return pd.Series(scrub_arrow(arr, names).to_pylist(), index=texts.index, dtype=object)


def scrub_arrow(texts: pa.Array, names: list[str]) -> pa.Array:
    """:func:`scrub` of Arrow text, kept in Arrow (no Python string made)."""
    if not names or len(texts) == 0:
        return texts
    pattern = "|".join(_re2_literal(name) for name in sorted(set(names), key=len, reverse=True))
    return pc.replace_substring_regex(texts, pattern=pattern, replacement=SENSITIVE_TEXT)


def arrow_text(values: pd.Series) -> pa.Array:
    """A column as one Arrow array of text (missing: null), without Python strings when the
    column is Arrow text already."""
    text = pa.array(values.astype("string"))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return text


def phrase_table(values: pd.Series, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """Reasons (``"; "``-joined phrases) as codes into their distinct phrases, all in Arrow.

    ``names`` (sensitive sites' names) are replaced first; phrases are stripped and empty ones
    dropped; each distinct reason is split once. Distinct values are numbered in the order
    they first appear (as ``pd.factorize`` does).

    Returns
    -------
    codes : ndarray
        Each value's distinct reason (-1: missing).
    per_unique : ndarray
        How many phrases each distinct reason has.
    unique_flat : ndarray
        The distinct reasons' phrases (codes into ``phrases``), one reason after the other.
    phrases : pyarrow.Array
        The distinct phrases.
    """
    encoded = pc.dictionary_encode(arrow_text(values))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    uniques = encoded.dictionary
    if not len(uniques):
        none = np.zeros(0, dtype=np.int64)
        return codes, none, none, pa.array([], type=pa.string())
    # A name with no ";" and no space at either end can only be found inside one stripped
    # phrase, so the fewer, shorter distinct phrases are scrubbed instead of the whole reasons.
    by_phrase = all(";" not in name and name == name.strip() for name in names)
    split = pc.split_pattern(uniques if by_phrase else scrub_arrow(uniques, names), pattern="; ")
    parts = pc.utf8_trim_whitespace(split.flatten())
    owner = pc.list_parent_indices(split).to_numpy()
    keep = pc.not_equal(pc.utf8_length(parts), 0)
    phrases = pc.dictionary_encode(parts.filter(keep))
    keep = keep.to_numpy(zero_copy_only=False)
    per_unique = np.bincount(owner[keep], minlength=len(uniques)).astype(np.int64)
    unique_flat = phrases.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    distinct = phrases.dictionary
    if by_phrase and names:  # scrubbed phrases that became equal are one phrase (first seen first)
        again = pc.dictionary_encode(scrub_arrow(distinct, names))
        unique_flat = again.indices.to_numpy(zero_copy_only=False).astype(np.int64)[unique_flat]
        distinct = again.dictionary
    return codes, per_unique, unique_flat, distinct.cast(pa.string())


def encode_phrases(values: pd.Series, names: list[str]) -> dict[str, list[Any]]:
    """Reasons (``"; "``-joined phrases): distinct phrases once, a list of codes per asset.

    ``names`` (sensitive sites' names) are replaced first. Phrases are numbered in the order
    they first appear, and each distinct reason is split once (:func:`phrase_table`).
    """
    codes, per_unique, unique_flat, phrases = phrase_table(values, names)
    flat, ends = unique_flat.tolist(), np.cumsum(per_unique).tolist()
    lists = [flat[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    empty: list[int] = []
    rows = [lists[c] if c >= 0 else empty for c in codes.tolist()]  # shared lists: JSON repeats them
    return {Enc.DISTINCT: phrases.to_pylist(), Enc.CODES: rows}


def delta_rings(rings: list[list[int]]) -> list[list[int]]:
    """Flat ``[lat, lon, ...]`` rings with each point after the first as a difference."""
    out = []
    for ring in rings:
        arr = np.asarray(ring, dtype=np.int64)
        arr[2:] = np.diff(arr.reshape(-1, 2), axis=0).ravel()
        out.append(arr.tolist())
    return out


class Grid:
    """WGS84 <-> the document's integer grid, counted from an origin."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0

    @classmethod
    def around(cls, lat: np.ndarray, lon: np.ndarray, outline: BaseGeometry | None) -> Grid:
        """The grid whose origin is a tenth of a degree below the assets (or the outline)."""
        if len(lat):
            return cls(math.floor(lat.min() * 10) / 10, math.floor(lon.min() * 10) / 10)
        if outline is not None:
            lon0, lat0 = (math.floor(v * 10) / 10 for v in outline.bounds[:2])
            return cls(lat0, lon0)
        return cls(52.0, -2.0)

    def integers(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in grid units, as int64 arrays."""
        return (
            np.rint((np.asarray(lat) - self.lat0) * SCALE).astype(np.int64),
            np.rint((np.asarray(lon) - self.lon0) * SCALE).astype(np.int64),
        )

    def points(self, lat: np.ndarray, lon: np.ndarray) -> tuple[list[int], list[int]]:
        """Positions in grid units, as lists."""
        ilat, ilon = self.integers(lat, lon)
        return ilat.tolist(), ilon.tolist()

    def rings(self, geom: BaseGeometry | None) -> list[list[list[int]]]:
        """Polygons (EPSG:4326) as lists of rings, each a flat ``[lat, lon, lat, lon, ...]``."""
        if geom is None or geom.is_empty:
            return []
        out: list[list[list[int]]] = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            rings = []
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                ilat, ilon = self.integers(xy[:, 1], xy[:, 0])
                rings.append(np.column_stack([ilat, ilon]).ravel().tolist())
            out.append(rings)
        return out

    def polygons(self, geoms: Any) -> list[list[list[list[int]]]]:
        """Each geometry's polygons (EPSG:4326) as delta-encoded rings, all in one pass.

        The same as ``[[delta_rings(p) for p in self.rings(g)] for g in geoms]``, with the
        coordinates taken out and encoded by shapely and numpy rather than shape by shape.
        """
        geoms = np.asarray(geoms, dtype=object)
        out: list[list[list[list[int]]]] = [[] for _ in range(len(geoms))]
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        polygon = shapely.get_type_id(parts) == 3
        parts, part_of = parts[polygon], part_of[polygon]
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        if len(rings) == 0:
            return out
        xy, point_of = shapely.get_coordinates(rings, return_index=True)
        ilat, ilon = self.integers(xy[:, 1], xy[:, 0])
        pts = np.column_stack([ilat, ilon])
        steps = pts.copy()
        steps[1:] -= pts[:-1]
        starts = np.flatnonzero(np.r_[True, point_of[1:] != point_of[:-1]])
        steps[starts] = pts[starts]
        flat = np.split(steps.ravel(), starts[1:] * 2)
        ring_list = [r.tolist() for r in flat]
        polys: list[list[list[int]]] = [[] for _ in range(len(parts))]
        for ring, poly in zip(ring_list, ring_of[point_of[starts]].tolist(), strict=True):
            polys[poly].append(ring)
        for poly, geom in zip(polys, part_of.tolist(), strict=True):
            if poly:
                out[geom].append(poly)
        return out
