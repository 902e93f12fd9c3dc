"""Clean a raw register into canonical typed columns, with a warning per bad value."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .._errors import RegisterError
from ..postgis._source import DatabaseSource
from ..schema import CANONICAL_FIELDS, FIELDS, WARNING_COLUMNS
from . import clean as c
from ._clean_base import NONE_WORDS, arrow_text, cells_at, is_arrow_text
from ._columns import can_place, match_columns, not_a_register
from ._pairs import PAIR_FIELD, parse_pairs
from ._raw import RawRegister
from ._read import read_register

if TYPE_CHECKING:
    from ..config import PartnerConfig

#: Labels used in messages, per field.
_LABELS = {
    "gia_m2": "floor area",
    "running_cost_gbp": "running cost",
    "book_value_gbp": "book value",
    "occupancy": "occupancy",
    "capacity": "capacity",
    "lease_expiry": "lease expiry date",
    "easting": "easting",
    "northing": "northing",
    "latitude": "latitude",
    "longitude": "longitude",
}


def cleaner_for(field: str) -> Callable[[pd.Series], c.Cleaned]:
    """The value cleaner of a canonical field, with the field's label and rules."""
    kind = FIELDS[field]
    label = _LABELS.get(field, field)
    table: dict[str, Callable[[pd.Series], c.Cleaned]] = {
        "id": c.clean_text,
        "text": c.clean_text,
        "postcode": c.clean_postcode,
        "uprn": c.clean_uprn,
        "tenure": c.clean_tenure,
        "condition": c.clean_condition,
        "coord": lambda s: c.clean_coord(s, label=label),
        "number": lambda s: c.clean_number(s, label=label, allow_zero=field != "gia_m2"),
        "money": lambda s: c.clean_money(s, allow_negative=field != "book_value_gbp", label=label),
        "fraction": c.clean_fraction,
        "date": lambda s: c.clean_date(s, label=label),
        "bool": c.clean_bool,
    }
    return table[kind]


#: Values looked at first: a column whose first values are nearly all different (an identifier,
#: a name, a postcode) is cleaned as it is, without looking for repeats.
_PROBE = 2_000


def clean_distinct(cleaner: Callable[[pd.Series], c.Cleaned], text: pd.Series) -> c.Cleaned:
    """``cleaner(text)``, cleaning each distinct text once and mapping the results back to its rows.

    Registers repeat themselves (a use, a tenure, a condition grade, a lease date, a round
    amount), and every cleaner works value by value, so this gives exactly what the cleaner
    gives on the whole column, in a fraction of the time. Columns holding anything but text
    and blanks are cleaned as they are (``1`` and ``1.0`` and ``True`` hash alike).

    Parameters
    ----------
    cleaner : callable
        A value cleaner (``registers.clean``): a Series of text in, a :class:`Cleaned` out.
    text : pandas.Series
        The register's text for one field (``str`` or missing), index 0..n-1.

    Returns
    -------
    Cleaned
        ``values`` and ``problems`` indexed 0..n-1, as ``cleaner(text)`` would give them.
    """
    if is_arrow_text(text):
        return _clean_distinct_arrow(cleaner, text)
    cells = text.to_numpy(dtype=object)
    if len(cells) < 2 or pd.api.types.infer_dtype(cells, skipna=True) not in {"string", "empty"}:
        return cleaner(text)
    probe = cells[:_PROBE]
    if len(probe) == _PROBE and len(set(probe)) > 0.9 * _PROBE:  # identifiers, names: hashing would not pay
        return cleaner(text)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    if len(uniques) == len(cells):
        return cleaner(text)
    distinct = pd.Series(np.append(uniques.astype(object), None), dtype=object)
    codes = np.where(codes < 0, len(uniques), codes)  # blanks take the last value, None
    result = cleaner(distinct)
    values = result.values.iloc[codes].reset_index(drop=True)
    return c.Cleaned(values.set_axis(text.index), _problems_at(result.problems, codes, text.index))


def _clean_distinct_arrow(cleaner: Callable[[pd.Series], c.Cleaned], text: pd.Series) -> c.Cleaned:
    """:func:`clean_distinct` for Arrow text: its distinct values found by Arrow's dictionary encoding."""
    values = pa.array(text.array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if len(values) >= _PROBE and pc.count_distinct(values.slice(0, _PROBE)).as_py() > 0.9 * _PROBE:
        return cleaner(text)  # identifiers, names: their first values nearly all differ
    encoded = pc.dictionary_encode(values)
    uniques = encoded.dictionary
    if len(text) < 2 or len(uniques) > 0.5 * len(text):  # identifiers, names: hashing would not pay
        return cleaner(text)
    codes = pc.fill_null(encoded.indices, len(uniques)).to_numpy()  # blanks take the last value, None
    distinct = pd.Series(np.append(uniques.to_numpy(zero_copy_only=False).astype(object), None), dtype=object)
    result = cleaner(distinct)
    values = result.values.iloc[codes].reset_index(drop=True)
    return c.Cleaned(values.set_axis(text.index), _problems_at(result.problems, codes, text.index))


def _problems_at(problems: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``problems.iloc[codes]`` on ``index``: only the rows of a distinct value with a problem are
    taken (most have none, and each taken ``None`` is a reference counted)."""
    found = problems.to_numpy(dtype=object)
    some = np.fromiter((p is not None for p in found), dtype=bool, count=len(found))
    out = np.full(len(codes), None, dtype=object)
    if some.any():
        rows = np.flatnonzero(some[codes])
        out[rows] = found[codes[rows]]
    return pd.Series(out, index=index, name=problems.name, dtype=object, copy=False)


def _empty(field: str, n: int) -> pd.Series:
    kind = FIELDS[field]
    if kind == "bool":
        return pd.Series(np.zeros(n, dtype=bool))
    if kind == "date":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind in {"number", "money", "fraction", "coord"}:
        return pd.Series(np.full(n, np.nan))
    return pd.Series([None] * n, dtype=object)


def _join(parts: tuple[str | None, ...]) -> str | None:
    """Address parts joined with ", ", skipping blanks, "NULL"-like parts and repeated words.

    ``"1 High St, Ash"`` then ``"Ash"`` gives ``"1 High St, Ash"``; ``"Bathwick St"`` then
    ``"Bath"`` keeps both; ``"23 Corston"``, ``"NULL"``, ``"Bath"`` gives ``"23 Corston, Bath"``.
    """
    out: list[str] = []
    for part in parts:
        if not part or part.casefold() in NONE_WORDS:
            continue
        folded = part.casefold()
        near = [done for done in out if folded in done.casefold()]  # cheap test first
        word = re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.IGNORECASE) if near else None
        if word is None or not any(word.search(done) for done in near):
            out.append(part)
    return ", ".join(out) or None


def _cells(raw: RawRegister, col: str) -> pd.Series:
    """A register column's text, index 0..n-1: Arrow text when the reader kept it, else the frame's cells."""
    if raw.text is not None and col in raw.text:
        return arrow_text(raw.text[col])
    return raw.cells(col).reset_index(drop=True)


def _column_text(raw: RawRegister, cols: str | list[str]) -> pd.Series:
    """The register text for a field; a list of address columns is joined with ", " skipping blanks."""
    if isinstance(cols, str):
        return _cells(raw, cols)
    parts = [c.clean_text(_cells(raw, col)).values for col in cols]
    return pd.Series([_join(row) for row in zip(*parts, strict=True)], dtype=object)


def _fill_from_pairs(out: dict[str, pd.Series], text: pd.Series) -> pd.Series:
    """Coordinates from a pair column, where the row has none in its own coordinate columns.

    Returns the problems (text that is not a pair), for warnings.
    """
    pairs = parse_pairs(text)
    for first, second in (("easting", "northing"), ("latitude", "longitude")):
        empty = (out[first].isna() & out[second].isna()).to_numpy()
        out[first] = out[first].where(~empty, getattr(pairs, first).to_numpy()).astype("float64")
        out[second] = out[second].where(~empty, getattr(pairs, second).to_numpy()).astype("float64")
    return pairs.problems


@dataclass(frozen=True)
class CleanRegister:
    """A register cleaned into canonical typed columns.

    Attributes
    ----------
    assets : pandas.DataFrame
        One row per raw row, same order, index 0..n-1: every field of
        ``schema.CANONICAL_FIELDS`` plus ``source_row``, ``geom_easting``, ``geom_northing``
        and ``utilisation_derived``.
    warnings : pandas.DataFrame
        Columns ``schema.WARNING_COLUMNS``; ``value`` is the text as written in the register.
    columns_used : dict
        Canonical field -> register column(s).
    """

    assets: pd.DataFrame
    warnings: pd.DataFrame
    columns_used: dict[str, str | list[str]]


def clean_register(
    raw: RawRegister, columns: dict[str, str | list[str]], *, partner: str, source_file: str
) -> CleanRegister:
    """Clean every mapped column of a raw register; never drops a row.

    Parameters
    ----------
    raw : RawRegister
        The register as read.
    columns : dict
        Canonical field -> column name(s), as returned by :func:`match_columns`.
    partner : str
        Partner name, for warnings.
    source_file : str
        Register path as shown to people, for warnings.

    Returns
    -------
    CleanRegister
        Utilisation is derived as occupancy / capacity where it is missing (flagged in
        ``utilisation_derived``, no warning). A ``coordinates`` column (pairs) fills easting
        and northing, or latitude and longitude, in rows that have none of their own.
    """
    n = raw.n_rows
    names = set(raw.column_names)
    for field, cols in columns.items():
        missing = [col for col in ([cols] if isinstance(cols, str) else cols) if col not in names]
        if (field not in FIELDS and field != PAIR_FIELD) or missing:
            what = missing or cols
            msg = f"{raw.path.name}: cannot clean {field!r} from column(s) {what!r}: not in the register"
            raise RegisterError(msg)
    out: dict[str, pd.Series] = {}
    found: list[tuple[str, pd.Series, pd.Series]] = []
    for field in CANONICAL_FIELDS:
        if field not in columns:
            out[field] = _empty(field, n)
            continue
        text = _column_text(raw, columns[field])
        result = clean_distinct(cleaner_for(field), text)
        out[field] = result.values.reset_index(drop=True)
        found.append((field, text, result.problems.reset_index(drop=True)))
    if PAIR_FIELD in columns:
        text = _column_text(raw, columns[PAIR_FIELD])
        found.append((PAIR_FIELD, text, _fill_from_pairs(out, text).reset_index(drop=True)))
    assets = pd.DataFrame(out, index=pd.RangeIndex(n))
    derive = assets["utilisation"].isna()
    derived = c.derive_utilisation(assets["occupancy"], assets["capacity"])
    assets["utilisation_derived"] = (derive & derived.notna()).astype(bool)
    assets["utilisation"] = assets["utilisation"].where(~derive, derived).astype("float64")
    assets["source_row"] = np.asarray(raw.source_row, dtype=np.int64)
    east, north = _geometry_xy(raw.geometry, n)
    assets["geom_easting"] = east
    assets["geom_northing"] = north
    warnings = _warnings(found, assets, partner, source_file)
    return CleanRegister(assets, warnings, dict(columns))


def _geometry_xy(geometry: gpd.GeoSeries | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's point (NaN where it has none): all at once when every geometry is a point."""
    east, north = np.full(n, np.nan), np.full(n, np.nan)
    if geometry is None:
        return east, north
    geoms = np.asarray(geometry.to_numpy(), dtype=object)
    present = ~shapely.is_missing(geoms)
    present[present] = ~shapely.is_empty(geoms[present])
    if (shapely.get_type_id(geoms[present]) == 0).all():
        east[present], north[present] = shapely.get_x(geoms[present]), shapely.get_y(geoms[present])
        return east, north
    for i in np.flatnonzero(present):  # other shapes: as a point is asked for its coordinates
        east[i], north[i] = geoms[i].x, geoms[i].y
    return east, north


def _warnings(
    found: list[tuple[str, pd.Series, pd.Series]], assets: pd.DataFrame, partner: str, source_file: str
) -> pd.DataFrame:
    frames = []
    for order, (field, text, problems) in enumerate(found):
        hit = problems.notna().to_numpy()
        if not hit.any():
            continue
        part = pd.DataFrame(
            {
                "partner": partner,
                "source_file": source_file,
                "source_row": assets["source_row"].to_numpy()[hit],
                "asset_id": assets["asset_id"].to_numpy(dtype=object)[hit],
                "field": field,
                "value": cells_at(text, np.flatnonzero(hit)),
                "warning": problems.to_numpy(dtype=object)[hit],
                "_order": order,
            }
        )
        frames.append(part)
    if not frames:
        empty = {col: pd.Series(dtype=object) for col in WARNING_COLUMNS}
        empty["source_row"] = pd.Series(dtype=np.int64)
        return pd.DataFrame(empty)
    out = pd.concat(frames, ignore_index=True).sort_values(["source_row", "_order"], kind="stable")
    out = out.drop(columns="_order").reset_index(drop=True).astype(object)
    out["source_row"] = out["source_row"].astype(np.int64)
    return out[list(WARNING_COLUMNS)]


def load_partner(
    partner: PartnerConfig, *, base_dir: Path | None = None
) -> tuple[RawRegister, CleanRegister]:
    """Read, match and clean one partner's register.

    Parameters
    ----------
    partner : PartnerConfig
        The partner; its ``register`` path, ``encoding``, ``header_row``, ``sheet``, ``layer`` and
        ``columns`` are used.
    base_dir : Path, optional
        The config directory: a relative register path is resolved against it, and
        ``source_file`` is the register path relative to it when possible (else the file name).

    Returns
    -------
    tuple of (RawRegister, CleanRegister)

    Raises
    ------
    RegisterError
        If the register cannot be read, a named column is missing, or no column can place
        any asset (the file is not a register).
    """
    if isinstance(partner.register_file, DatabaseSource):  # a table, view or query: no path to resolve
        raw = read_register(partner.register_file)
        columns = match_columns(raw, partner.columns.named())
        label = partner.register_file.label
        return raw, clean_register(raw, columns, partner=partner.name, source_file=label)
    path = Path(partner.register_file)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    raw = read_register(
        path,
        encoding=partner.encoding,
        header_row=partner.header_row,
        sheet=partner.sheet,
        layer=partner.layer,
    )
    columns = match_columns(raw, partner.columns.named())
    if not can_place(raw, columns):
        raise not_a_register(raw, columns)
    source_file = path.name
    if base_dir is not None:
        try:
            source_file = path.resolve().relative_to(Path(base_dir).resolve()).as_posix()
        except ValueError:
            source_file = path.name
    return raw, clean_register(raw, columns, partner=partner.name, source_file=source_file)
