"""Writers for the run's outputs, each atomic (temporary file, then ``os.replace``)."""

from __future__ import annotations

import codecs
import contextlib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._csv import csv_chunks, text_layout
from ._io import atomic_path, write_text

#: Characters that make a spreadsheet treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Text that is only a signed number ("-422", "+3.5%") is data, not a formula.
_SIGNED_NUMBER = re.compile(r"^[+-]?[\d.,]+%?$")
#: The same for Arrow's RE2: Python's ``\d`` is any Unicode decimal digit, and its ``$`` also
#: matches before a newline that ends the text.
_SIGNED_ARROW = r"^[+-]?[\p{Nd}.,]+%?\n?$"
_FORMULA_BYTES = [ord(character) for character in _FORMULA_START]


def defuse_formula(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Plain signed numbers such as ``-422`` are data and are left as they are.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _SIGNED_NUMBER.match(value):
        return "'" + value
    return value


def _defuse_column(values: pd.Series) -> pd.Series:
    """:func:`defuse_formula` on a column: Arrow's kernels for text columns, value by value for mixed ones."""
    if values.dtype == object:
        return values.map(defuse_formula)
    text = pa.array(values.astype("string").array)  # no Python object per value
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    first = _formula_first(text)
    if not first.any():  # (most columns: no need to look for signed numbers)
        return values
    number = pc.fill_null(pc.match_substring_regex(text, _SIGNED_ARROW), False)
    risky = first & ~number.to_numpy(zero_copy_only=False)
    if not risky.any():
        return values
    mask = pa.array(risky)  # the apostrophe is put on the risky values only, then they go back in place
    nothing, apostrophe = pa.scalar("", text.type), pa.scalar("'", text.type)
    prefixed = pc.binary_join_element_wise(apostrophe, pc.filter(text, mask), nothing)
    fixed = pc.replace_with_mask(text, mask, prefixed)
    return pd.Series(pd.array(fixed, dtype=values.dtype), index=values.index, name=values.name)


def _formula_first(text: pa.Array) -> np.ndarray:
    """Whether each text starts with a character of :data:`_FORMULA_START`, from its first byte.

    Those characters are ASCII, and in UTF-8 a first byte that is ASCII is the first character.
    """
    offsets, data = text_layout(text)
    filled = offsets[1:] > offsets[:-1]
    if not filled.any():
        return filled
    leading = data[np.minimum(offsets[:-1] - offsets[0], len(data) - 1)]
    first = filled & np.isin(leading, _FORMULA_BYTES)
    if text.null_count:
        first &= text.is_valid().to_numpy(zero_copy_only=False)
    return first


def _defused(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with formulas defused: the frame itself when no text needed it (no copy)."""
    changed = {}
    for j in range(frame.shape[1]):
        values = frame.iloc[:, j]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            safe = _defuse_column(values)
            if safe is not values:
                changed[j] = safe
    if not changed:
        return frame
    out = frame.copy(deep=False)
    for j, safe in changed.items():
        out.isetitem(j, safe)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV for people to open in Excel: UTF-8 with BOM, formulas defused.

    The bytes are pandas' ``to_csv``'s (``index=False``, lines ending ``\n``), built with
    Arrow's kernels where the columns allow (:mod:`assetmap._csv`), else by ``to_csv``.
    """
    safe = _defused(frame)
    chunks = csv_chunks(safe)
    with atomic_path(path) as tmp:
        if chunks is None:
            safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
            return
        with tmp.open("wb") as fh:
            fh.write(codecs.BOM_UTF8)
            for chunk in chunks:
                fh.write(chunk)


def csv_text(frame: pd.DataFrame) -> str:
    """The text :func:`write_csv` writes for ``frame`` (without the byte-order mark)."""
    safe = _defused(frame)
    chunks = csv_chunks(safe)
    if chunks is None:
        return safe.to_csv(index=False, lineterminator="\n")
    return b"".join(chunks).decode("utf-8")


#: SQLite settings for the GeoPackage's temporary file: no journal, no ``fsync`` (about 0.9 s
#: of waiting at 100,000 assets); the other outputs are not flushed to disk either.
_STAGING_SQLITE = {"OGR_SQLITE_JOURNAL": "OFF", "OGR_SQLITE_SYNCHRONOUS": "OFF"}


def write_layers(
    path: Path, layers: dict[str, gpd.GeoDataFrame], *, use_arrow: bool = True, as_of: object = None
) -> None:
    """Write GeoPackage layers into one file, atomically (the old file stays until done).

    Columns go to GDAL through Arrow (``use_arrow``): about four times faster than feature
    by feature at 100,000 assets, and the file reads back the same (``BENCHMARKS.md``).
    Each layer's ``last_change`` (in ``gpkg_contents``) is ``as_of`` (a date, or text
    ``YYYY-MM-DD``), default 2000-01-01, never the clock: the same layers give the same bytes.

    SQLite keeps no rollback journal and waits for no disk flush while the temporary file is
    written (:data:`_STAGING_SQLITE`): a write that fails leaves only that file, which is
    removed, and the file written is the same, byte for byte.
    """
    stamp = f"{str(as_of)[:10] if as_of else '2000-01-01'}T00:00:00.000Z"
    with atomic_path(path) as tmp, _gdal_options(OGR_CURRENT_DATE=stamp, **_STAGING_SQLITE):
        for name, frame in layers.items():
            text = [c for c in frame.columns if c != frame.geometry.name and frame[c].dtype == object]
            out = frame.assign(**{c: _arrow_text(frame[c]) for c in text}) if text else frame
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", use_arrow=use_arrow)


def _arrow_text(values: pd.Series) -> pd.Series:
    """A column of text held as Python objects, as Arrow-backed text (``astype("string")``).

    Arrow reads the objects where they are, without the per-value work of ``astype`` (nor its
    writes to each object's reference count, which in a forked writer copy every page of
    them): at 1,000,000 assets about 2 s and 300 MB less. Columns holding other things than
    text go through ``astype``.
    """
    try:
        arrow = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return values.astype("string")
    return pd.Series(pd.arrays.ArrowStringArray(arrow), index=values.index, name=values.name)


@contextlib.contextmanager
def _gdal_options(**options: str) -> Iterator[None]:
    """GDAL configuration options set while writing, then put back as they were."""
    import pyogrio

    saved = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(saved)


def json_safe(value: object) -> object:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON ``null``).

    JSON has no NaN: Python's ``json`` would write the bare word ``NaN``, which strict
    readers (browsers' ``JSON.parse``, jq, other languages) refuse. A figure that is not
    known is ``null``.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def write_json(path: Path, data: object) -> None:
    """Write indented, key-sorted, strict JSON atomically (NaN and infinities as ``null``)."""
    text = json.dumps(json_safe(data), indent=2, sort_keys=True, default=str, allow_nan=False)
    write_text(path, text + "\n")
