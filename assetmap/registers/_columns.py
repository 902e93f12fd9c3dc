"""Match canonical fields to a register's columns: named in the config, else by alias and by content."""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from .._errors import RegisterError
from ..schema import CANONICAL_FIELDS
from ._aliases import ALIASES, PAIR_HINTS, SUFFIX_PREFIX_MAX, SUFFIXES, alias_key
from ._clean_codes import clean_postcode, postcode_in_text
from ._pairs import PAIR_FIELD, pair_share
from ._raw import RawRegister, column_letter

_LOOSE = re.compile(r"[\s_]+")
_POSITION = re.compile(r"^(?:[A-Za-z]{1,3}|\d{1,5})$")
#: Every address heading: all of them found in a register are used, in its order.
_ADDRESS_KEYS = frozenset(alias_key(a) for a in ALIASES["address"])
#: Share of a column's values that must be coordinate pairs (or grid numbers) to use it unnamed.
CONTENT_SHARE = 0.5
#: Fields a config may name under ``columns:``: the canonical fields plus a coordinate-pair column.
NAMEABLE_FIELDS = (*CANONICAL_FIELDS, PAIR_FIELD)


def _loose(name: str) -> str:
    """Case-folded with BOM dropped and runs of whitespace/underscores/newlines as one space."""
    return _LOOSE.sub(" ", name.replace("\ufeff", "")).strip().casefold()


def position_column(ref: str) -> str | None:
    """The column name a headerless register gives to a letter (``J``) or 1-based number (``10``)."""
    ref = ref.strip()
    if not _POSITION.match(ref):
        return None
    if ref.isdigit():
        return f"Column {column_letter(int(ref) - 1)}" if int(ref) >= 1 else None
    return f"Column {ref.upper()}"


def _find(raw: RawRegister, name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    wanted = _loose(name)
    hit = next((c for c in columns if _loose(c) == wanted), None)
    if hit is None and raw.headerless:
        by_position = position_column(name)
        return by_position if by_position in columns else None
    return hit


def _not_found(raw: RawRegister, name: str, field: str, columns: list[str]) -> RegisterError:
    if raw.headerless:
        msg = (
            f"{raw.path.name}: column {name!r} (for {field}) is not in the register. It has no header "
            "row (header_row: none), so name its columns by letter (A, B, ... AA) or by number "
            f"(1 for column A); it has columns A to {raw.column_names[-1].removeprefix('Column ')}"
        )
        return RegisterError(msg)
    msg = f"{raw.path.name}: column {name!r} (for {field}) is not in the register; its columns are: "
    msg += ", ".join(repr(c) for c in columns)
    by_key = {_loose(c): c for c in columns}
    close = difflib.get_close_matches(_loose(name), list(by_key), n=1, cutoff=0.6)
    by_position = position_column(name)
    if by_position in raw.unnamed:
        msg += f". Did you mean {by_position!r} (the column with no heading)?"
    elif close:
        msg += f". Did you mean {by_key[close[0]]!r}?"
    return RegisterError(msg)


def _named(
    raw: RawRegister, named: dict[str, str | list[str]], columns: list[str]
) -> tuple[dict[str, str | list[str]], set[str]]:
    """Fields the config names, each resolved to the register's column (or columns for address)."""
    result: dict[str, str | list[str]] = {}
    used: set[str] = set()
    for field, wanted in named.items():
        if field not in NAMEABLE_FIELDS:
            fields = ", ".join(NAMEABLE_FIELDS)
            msg = f"{raw.path.name}: {field!r} is not a register field; fields are: {fields}"
            raise RegisterError(msg)
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        found: list[str] = []
        for name in names:
            col = _find(raw, str(name), columns)
            if col is None:
                raise _not_found(raw, str(name), field, columns)
            found.append(col)
            used.add(col)
        result[field] = found[0] if isinstance(wanted, str) else found
    return result, used


def _suffix_hit(key: str, field: str) -> bool:
    """``stationeasting`` ends with ``easting`` after a short prefix, and names only one coordinate."""
    words = SUFFIXES.get(field, ())
    if not any(key.endswith(w) and 0 < len(key) - len(w) <= SUFFIX_PREFIX_MAX for w in words):
        return False
    return not _names_both(key)


def _names_both(key: str) -> bool:
    """A heading naming easting and northing at once (``Map reference Eastings Northings``)."""
    return "easting" in key and "northing" in key


def _by_alias(result: dict, used: set[str], columns: list[str], skip: set[str]) -> None:
    """Fill fields from the alias table: exact headings first, then prefixed ones (``STATION_EASTING``)."""
    keys = {c: alias_key(c) for c in columns}
    for field in CANONICAL_FIELDS:
        if field in skip or field in result:
            continue
        if field == "address":
            hits = [c for c in columns if c not in used and keys[c] in _ADDRESS_KEYS]
            if hits:
                result[field] = hits[0] if len(hits) == 1 else hits
                used.update(hits)
            continue
        for alias in ALIASES.get(field, ()):
            hit = next((c for c in columns if c not in used and keys[c] == alias_key(alias)), None)
            if hit is not None:
                result[field] = hit
                used.add(hit)
                break
    for field in SUFFIXES:
        if field in skip or field in result:
            continue
        hit = next((c for c in columns if c not in used and _suffix_hit(keys[c], field)), None)
        if hit is not None:
            result[field] = hit
            used.add(hit)



def _grid_numbers(values: pd.Series, low: float, high: float) -> np.ndarray:
    """Whether each value is a number within [low, high] (metres of the British National Grid)."""
    text = values.astype(object).where(values.notna(), None).str.replace(",", "")
    number = pd.to_numeric(text, errors="coerce")
    return ((number > low) & (number <= high)).to_numpy()


def _merged_grid(raw: RawRegister, result: dict, used: set[str], columns: list[str]) -> None:
    """Easting and northing under one merged heading: the named column and the unnamed one after it.

    ``Map reference Eastings Northings`` over columns J and K, with K's heading blank: J is the
    easting and K the northing (the other way round when the heading names northing first),
    used only when most of their values are British National Grid metres.
    """
    for i, col in enumerate(columns[:-1]):
        key = alias_key(col)
        nxt = columns[i + 1]
        if col in used or nxt in used or not _names_both(key) or nxt not in raw.unnamed:
            continue
        first, second = (col, nxt) if key.find("easting") < key.find("northing") else (nxt, col)
        east, north = raw.cells(first), raw.cells(second)
        both = (east.notna() & north.notna()).to_numpy()
        plausible = _grid_numbers(east, 0, 700_000) & _grid_numbers(north, 0, 1_300_000)
        if both.any() and plausible[both].mean() >= CONTENT_SHARE:
            result["easting"], result["northing"] = first, second
            used.update((first, second))
            return


def _pair_column(raw: RawRegister, result: dict, used: set[str], columns: list[str]) -> None:
    """One column holding both coordinates (``"436795,333276"``, ``"(51.38, -2.36)"``), by its values.

    Only columns whose heading hints at a location are looked at, and one is used only when
    most of its values are coordinate pairs in Great Britain: a ``Location`` column holding
    addresses is left alone.
    """
    best, best_share = None, 0.0
    for col in columns:
        if col in used or not any(h in alias_key(col) for h in PAIR_HINTS):
            continue
        share = pair_share(raw.cells(col))
        if share >= CONTENT_SHARE and share > best_share:
            best, best_share = col, share
    if best is not None:
        result[PAIR_FIELD] = best
        used.add(best)


def match_columns(raw: RawRegister, named: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Map canonical fields to the register's column names.

    Parameters
    ----------
    raw : RawRegister
        The register as read.
    named : dict
        Fields the config names explicitly (``PartnerConfig.columns.named()``); ``address``
        may be a list of columns. Names match leniently (case, spaces, underscores, newlines,
        BOM); in a register read with ``header_row: none`` columns are named by letter (``J``)
        or 1-based number (``10``). ``coordinates`` names one column holding both coordinates.

    Returns
    -------
    dict
        Canonical field -> actual column name (or list of names for ``address``), named fields
        first, then fields found through the alias table in :mod:`assetmap.registers._aliases`
        (every address column found, in the register's order), then, when the register has no
        coordinate columns yet, easting and northing under one merged heading, or a column of
        coordinate pairs (``coordinates``) recognised by its values. A column is used for one
        field only.

    Raises
    ------
    RegisterError
        If a named column is not in the register (with a close-match suggestion when there is one).
    """
    columns = raw.column_names
    result, used = _named(raw, named, columns)
    if raw.headerless:
        # no headings to match: only what the config names, and a column of postcodes by its values
        if not can_place(raw, result):
            _postcode_column(raw, result, used, columns)
        return result
    _by_alias(result, used, columns, skip=set(named))
    coords = ("easting", "northing", "latitude", "longitude", PAIR_FIELD)
    if not any(f in result for f in coords):
        _merged_grid(raw, result, used, columns)
    if not any(f in result for f in coords):
        _pair_column(raw, result, used, columns)
    if not can_place(raw, result) and _data_as_header(raw) is None:
        _postcode_column(raw, result, used, columns)
    return result


#: Rows sampled, and the share of them that must be full postcodes, to take a column as postcodes.
_POSTCODE_SAMPLE, _POSTCODE_SHARE = 500, 0.9


def _postcode_column(raw: RawRegister, result: dict, used: set[str], columns: list[str]) -> None:
    """The first unused column whose values are nearly all full postcodes (a headerless file's postcodes)."""
    for col in columns:
        if col in used:
            continue
        sample = raw.cells(col).iloc[:_POSTCODE_SAMPLE].dropna()
        if len(sample) < 2 or len(sample) * 2 < min(raw.n_rows, _POSTCODE_SAMPLE):
            continue
        share = float(clean_postcode(sample).values.notna().mean())
        if share >= _POSTCODE_SHARE:
            result["postcode"] = col
            used.add(col)
            return


def can_place(raw: RawRegister, columns: dict[str, str | list[str]]) -> bool:
    """Whether a register has some way to place its assets.

    Geometry in a vector file, a postcode, UPRN or coordinate-pair column, easting with
    northing, latitude with longitude, or an address in which some row writes a full postcode
    (the geocoder takes a postcode from the address when there is no postcode column).
    """
    if raw.geometry is not None and bool(raw.geometry.notna().any()):
        return True
    if any(f in columns for f in ("postcode", "uprn", PAIR_FIELD)):
        return True
    grid = "easting" in columns and "northing" in columns
    if grid or ("latitude" in columns and "longitude" in columns):
        return True
    return _address_has_postcodes(raw, columns.get("address"))


def _address_has_postcodes(raw: RawRegister, address: str | list[str] | None) -> bool:
    """Whether any row's address columns write a full postcode."""
    if address is None:
        return False
    for col in [address] if isinstance(address, str) else address:
        if bool(postcode_in_text(raw.cells(col)).values.notna().any()):
            return True
    return False


def _data_as_header(raw: RawRegister) -> str | None:
    """A heading that is plainly data (a postcode, a long number): the file may have no header row."""
    if raw.headerless or raw.header_row is None:
        return None
    headings = pd.Series([c for c in raw.column_names if c not in raw.unnamed], dtype=object)
    postcodes = clean_postcode(headings).values.notna()
    numbers = headings.str.fullmatch(r"[\d.,/-]{6,}").fillna(False).astype(bool)
    hit = headings[postcodes.to_numpy() | numbers.to_numpy()]
    return None if hit.empty else str(hit.iloc[0])


def not_a_register(raw: RawRegister, columns: dict[str, str | list[str]]) -> RegisterError:
    """The error for a file with no way to place any asset, saying what to do about it."""
    shown = ", ".join(repr(c) for c in raw.column_names[:12])
    more = f" and {len(raw.column_names) - 12} more" if len(raw.column_names) > 12 else ""
    msg = (
        f"{raw.path.name}: does not look like a register of assets: no column could be used to place "
        f"them (no postcode, UPRN, easting and northing, latitude and longitude, or coordinates). "
        f"Its columns are: {shown}{more}. "
    )
    data = _data_as_header(raw)
    if data is not None:
        msg += (
            f"Its header (row {raw.header_row}) looks like data ({data!r}): if the file has no header "
            "row, set header_row: none and name its columns by letter (columns: {postcode: J})"
        )
    else:
        msg += (
            "If one of them holds locations, name it in the config (for example columns: "
            "{postcode: <its heading>}); if this is the wrong file, name the right one"
        )
    return RegisterError(msg)
