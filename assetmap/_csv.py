"""CSV text exactly as pandas' ``to_csv`` writes it, built a column at a time with Arrow's kernels.

pandas formats each value into a Python string and hands rows of them to Python's ``csv``
module: about 0.7 µs a cell, 7 s for the 357,000 opportunities of a 1,000,000-asset run. Here
each column is formatted as pandas formats it (numbers through numpy's ``astype(str)``, which
is what pandas calls; text straight from its Arrow buffer; dates through pandas, a chunk at a
time as ``to_csv`` does), quoted by the ``csv`` module's minimal rule and joined into lines
by Arrow. Columns of other kinds (mixed objects, nullable integers, time zones) and frames
of one column are left to pandas itself: :func:`csv_chunks` returns None for them. The tests
compare the bytes with ``to_csv``'s on awkward frames.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Rows turned into text at a time (bounds memory on very large tables).
BLOCK_ROWS = 100_000
#: Text longer than this a field on average (the reasons) is searched field by field for
#: characters to quote; shorter text by a scan of its bytes.
LONG_FIELD_BYTES = 32
#: Cells ``to_csv`` formats at a time: a date column is written without its times when every
#: date in such a chunk is at midnight, so dates are formatted in the same chunks.
_PANDAS_CHUNK_CELLS = 100_000


def _special_characters() -> str:
    """What makes the ``csv`` module quote a field (minimal quoting, lines ending ``\\n``)."""
    probe = io.StringIO()
    csv.writer(probe, lineterminator="\n").writerow(["\r", "x"])
    return ',"\n' + ("\r" if probe.getvalue().startswith('"') else "")


_SPECIAL_CHARACTERS = _special_characters()
_SPECIAL = "[" + "".join({"\n": "\\n", "\r": "\\r"}.get(c, c) for c in _SPECIAL_CHARACTERS) + "]"


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


_QUOTE, _NOTHING, _NEWLINE, _COMMA = _large('"'), _large(""), _large("\n"), _large(",")


#: A column's fields as pieces (text, and Arrow text arrays) that, joined row by row, give each
#: row's field: a column with fields to quote is given as the quotes (or nothing) and the text
#: between, others as one array of fields.
_Pieces = list[object]


def text_layout(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow text array's offsets (one more than its fields) and the bytes they index, without copies.

    The bytes start at the first field's (``offsets[0]`` indexes ``data[0]``).
    """
    wide = pa.types.is_large_string(text.type) or pa.types.is_large_binary(text.type)
    _, offsets_buffer, data_buffer = text.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[text.offset : text.offset + len(text) + 1]
    if data_buffer is None or len(offsets) == 0:
        return offsets, np.zeros(0, np.uint8)
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]


def _rows_holding(offsets: np.ndarray, data: np.ndarray, characters: str) -> tuple[np.ndarray, int]:
    """Which fields hold any of the (ASCII) characters, from a vectorised scan of their bytes,
    and how many such bytes there are (0: no field was looked at)."""
    found = np.zeros(len(data), dtype=bool)
    for character in characters:
        found |= data == ord(character)
    count = int(np.count_nonzero(found))
    rows = np.zeros(len(offsets) - 1, dtype=bool)
    if 0 < count <= len(rows):  # (a byte at position p is in the field whose end is the first past p)
        rows[np.searchsorted(offsets[1:] - offsets[0], np.flatnonzero(found), side="right")] = True
    return rows, count


def _fields_holding_special(text: pa.Array) -> np.ndarray:
    """Which fields hold a character to quote, searched field by field."""
    return pc.fill_null(pc.match_substring_regex(text, _SPECIAL), False).to_numpy(zero_copy_only=False)


def _quoted(text: pa.Array) -> _Pieces:
    """Fields holding a comma, a quote or a line break in quotes, their quotes doubled.

    Most text columns hold none of those characters, or few, which a scan of their bytes tells
    at once; a text holding many (the reasons, with their commas) is searched field by field.
    The fields that need quotes get them as pieces of the line (a quote or nothing before and
    after the text), so the column is not copied to be put back together.
    """
    offsets, data = text_layout(text)
    if len(data) > LONG_FIELD_BYTES * len(text):  # (the search stops at a field's first comma)
        need = _fields_holding_special(text)
    else:
        need, count = _rows_holding(offsets, data, _SPECIAL_CHARACTERS)
        if count > len(need):
            need = _fields_holding_special(text)
    if not need.any():
        return [text]
    if (data == ord('"')).any():  # a field with a quote is always one in quotes: the whole column is done
        text = pc.replace_substring(text, '"', '""')  # (cheaper than doing the few and putting them back)
    if need.all():
        return [_QUOTE, text, _QUOTE]
    quote = pc.if_else(pa.array(need), _QUOTE, _NOTHING)
    return [quote, text, quote]


def _text(values: pd.Series) -> pa.Array:
    arrow = pa.array(values.array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return pc.fill_null(pc.cast(arrow, pa.large_string()), "")


def _field_text(values: pd.Series, chunk_rows: int) -> pa.Array | None:
    """One column's fields as ``to_csv`` formats them, before quoting; None for kinds left to pandas."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return _text(values)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biufM":
        return None
    if dtype.kind == "M":  # dates: pandas' own formatting, in to_csv's chunks
        days = _days_text(values)
        if days is not None:
            return days
        starts = range(0, len(values), chunk_rows)
        parts = [_text(values.iloc[i : i + chunk_rows].astype(str)) for i in starts]
        return pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())
    numbers = values.to_numpy()
    if dtype.kind == "b":
        return pc.if_else(pa.array(numbers), _large("True"), _large("False"))
    return _numbers_text(numbers)


def _days_text(values: pd.Series) -> pa.Array | None:
    """Dates all at midnight (or blank) as pandas writes them, each distinct date formatted once.

    Then every chunk of ``to_csv`` is one of dates only, written ``YYYY-MM-DD``: the same text
    whatever the chunks. None when a date has a time of day (formatted chunk by chunk instead).
    """
    when = values.to_numpy()
    blank = np.isnat(when)
    if not ((when.astype("datetime64[D]") == when) | blank).all():
        return None
    codes, distinct = pd.factorize(when)  # NaT's code is -1: null, then blank
    text = _text(pd.Series(distinct, dtype=values.dtype).astype(str))
    return pc.fill_null(text.take(pa.array(codes, mask=codes < 0)), _NOTHING)


def _numbers_text(numbers: np.ndarray) -> pa.Array:
    """numpy's ``astype(str)`` of each number (what ``to_csv`` writes), NaN blank.

    Integers are cast by Arrow, which writes the same digits (no Python object, no sorting).

    Each distinct value is formatted once: a register's figures repeat (utilisations, rounded
    costs, blanks), and numpy's shortest repr is about half a microsecond a value. Zero and
    minus zero hash alike, so a column holding minus zero is formatted value by value.
    """
    if numbers.dtype.kind in "iu":  # Arrow's decimal digits are numpy's for every integer
        return pc.cast(pa.array(numbers), pa.large_string())
    floats = numbers.dtype.kind == "f"
    if floats and np.signbit(numbers[numbers == 0]).any():
        codes, distinct = np.where(np.isnan(numbers), -1, np.arange(len(numbers))), numbers
    else:
        codes, distinct = pd.factorize(numbers)
    text = pa.array(distinct.astype(str), pa.large_string())
    taken = text.take(pa.array(codes, mask=codes < 0))  # NaN's code is -1: null, then blank
    return pc.fill_null(taken, _NOTHING)


def csv_chunks(frame: pd.DataFrame) -> Iterator[memoryview] | None:
    """The UTF-8 text of ``frame.to_csv(index=False, lineterminator="\\n")``, a block of rows at a time.

    None when a column is of a kind left to pandas, a column's name is not text, or the frame
    has fewer than two columns (a line of one empty field is quoted).
    """
    names = list(frame.columns)
    if len(names) < 2 or not all(isinstance(name, str) for name in names):
        return None
    chunk_rows = max(_PANDAS_CHUNK_CELLS // len(names), 1)
    probe = frame.iloc[:0]
    if any(_field_text(probe.iloc[:, j], chunk_rows) is None for j in range(len(names))):
        return None
    return _chunks(frame, names, chunk_rows)


def _chunks(frame: pd.DataFrame, names: list[str], chunk_rows: int) -> Iterator[memoryview]:
    header = [_join(_quoted(pa.array([name], pa.large_string()))).to_pylist()[0] for name in names]
    yield memoryview((",".join(header) + "\n").encode("utf-8"))
    block = max(BLOCK_ROWS // chunk_rows, 1) * chunk_rows  # whole to_csv chunks
    for start in range(0, len(frame), block):
        part = frame.iloc[start : start + block]
        fields = [_join(_field(part.iloc[:, j], chunk_rows)) for j in range(len(names))]
        fields[-1] = pc.binary_join_element_wise(fields[-1], _NEWLINE, _NOTHING)
        # (the commas as the join's separator: each a piece of text costs as much as a column)
        yield _buffer(pc.binary_join_element_wise(*fields, _COMMA))


def _field(values: pd.Series, chunk_rows: int) -> _Pieces:
    """A column's fields, quoted where needed (numbers, flags and dates never need it)."""
    text = _field_text(values, chunk_rows)
    return _quoted(text) if isinstance(values.dtype, pd.StringDtype) else [text]  # type: ignore[arg-type]


def _join(pieces: _Pieces) -> pa.Array:
    """The pieces joined row by row (one array: itself)."""
    if len(pieces) == 1 and not isinstance(pieces[0], pa.Scalar):
        return pieces[0]
    return pc.binary_join_element_wise(*pieces, _NOTHING)


def _buffer(strings: pa.Array) -> memoryview:
    """All the strings of an Arrow large-string array back to back, straight from its data buffer."""
    strings = pc.cast(strings, pa.large_string())
    start = strings.offset
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[start : start + len(strings) + 1]
    return memoryview(strings.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
