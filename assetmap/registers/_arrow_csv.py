"""Read a large, plain CSV register's body with Arrow's parser: the same cells as Python's ``csv``.

Python's :mod:`csv` makes a text object for every cell, and turning rows into columns and
finding the blank cells is most of the cost of reading a national register. Arrow's parser
reads the same file into columns about ten times faster. Both parse a plain CSV alike, but
they differ on malformed quoting (a quote closed in the middle of a cell, a quote never
closed), on ragged rows and on lines of another width (title rows, notes below the table).
So the rows up to the header are read with :mod:`csv` as before, and Arrow reads the rest
only when it is proven to read it as :mod:`csv` would:

- every quote in the body opens a cell, closes one, or is doubled inside a quoted cell
  (checked for every quote at once, from the runs of quotes and what lies either side);
- every line of the body has the same number of cells (Arrow stops otherwise);
- the delimiter is one ASCII character and the text is valid UTF-8 once encoded.

Anything else (or any error) falls back to the reader in :mod:`._tabular`, which keeps its
warnings and errors. Row numbers are the records' numbers, counted as :mod:`csv` counts them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .._errors import RegisterError
from ._raw import HEADER_SEARCH_ROWS, Body, Cell, Table, _Cells, _header_index, split_table

#: Files shorter than this (characters) are read with :mod:`csv` alone: it is quick on them.
MIN_CHARS: Final = 1 << 20
#: Python's whitespace (``str.isspace``): a CSV cell holding only these is blank.
PY_SPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_QUOTE: Final = ord('"')
_CR, _LF = ord("\r"), ord("\n")


def _head(text: str, delim: str, count: int) -> tuple[list[list[str]], list[int]] | None:
    """The first ``count`` records as :mod:`csv` reads them (strictly), and where each ends in the text.

    Read from the start of the text only, a longer start each time until it holds ``count``
    whole records (a record cut where the start ends is never taken). None when strict parsing
    fails there (left to the reader that explains it).
    """
    size = 1 << 16
    while True:
        whole = size >= len(text)
        found = _records_in(text if whole else text[:size], delim, count + (0 if whole else 1))
        if found is not None and (whole or len(found[0]) > count):
            return found[0][:count], found[1][:count]
        if whole:
            return found
        size *= 4


def _records_in(text: str, delim: str, count: int) -> tuple[list[list[str]], list[int]] | None:
    """Up to ``count`` records of ``text`` and where each ends; None where strict parsing fails."""
    ends: list[int] = []
    consumed = [0]

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed[0] += len(line)
            yield line

    rows: list[list[str]] = []
    try:
        for row in csv.reader(lines(), delimiter=delim, strict=True):
            rows.append(row)
            ends.append(consumed[0])
            if len(rows) >= count:
                break
    except csv.Error:
        return None
    return rows, ends


def quotes_are_plain(data: np.ndarray, delim: int) -> bool:
    """Whether every quote in ``data`` (UTF-8 bytes) opens a cell, closes one, or is doubled in one.

    The quotes come in runs of one, two, three... Outside a quoted cell a run must start a
    cell (after a delimiter, a line end or the start); each run's length, odd or even, says
    whether the quoted state flips, so the state before every run is the parity of all the quotes
    before it. Where a run leaves the quoted state, a delimiter, a line end or the end must follow,
    and no cell may be left open at the end.
    """
    at = np.flatnonzero(data == _QUOTE)
    if not len(at):
        return True
    starts = np.flatnonzero(np.diff(at, prepend=-2) != 1)
    first, count = at[starts], np.diff(np.append(starts, len(at)))
    last = first + count - 1
    before_inside = (np.cumsum(count) - count) % 2 == 1
    after_inside = before_inside ^ (count % 2 == 1)
    if after_inside[-1]:
        return False  # a quote never closed
    boundary = np.array([delim, _CR, _LF], dtype=np.uint8)
    opens = ~before_inside
    prev = data[np.maximum(first[opens] - 1, 0)]
    if not (np.isin(prev, boundary) | (first[opens] == 0)).all():
        return False  # a quote in the middle of an unquoted cell
    closes = ~after_inside
    nxt_at = last[closes] + 1
    nxt = data[np.minimum(nxt_at, len(data) - 1)]
    return bool((np.isin(nxt, boundary) | (nxt_at >= len(data))).all())


def _parse(data: bytes, delim: str, width: int) -> pa.Table | None:
    """The body as text columns (empty cells as empty text), or None where Arrow cannot read it as
    one table of text (rows of different widths, or wider than ``width``)."""
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 26),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{j}": pa.large_string() for j in range(width)},
                strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[],
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns > width:  # wider than any row csv read: its extra columns were not typed
        return None
    return table


def blank_text(text: pa.Array) -> pa.Array:
    """Where each text is blank: empty, or only whitespace (nothing left by ``str.strip``).

    Arrow's ``utf8_is_space`` agrees with ``str.isspace`` on every code point (the tests check
    each one); it looks at the text where trimming it (``PY_SPACE``) would copy it.
    """
    return pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text))


def _blank_to_null(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The column with blank cells (empty or only whitespace, as ``str.isspace`` says) null, and where."""
    column = column.combine_chunks().cast(pa.large_string())
    blank = blank_text(column)
    mask = blank.to_numpy(zero_copy_only=False)
    return pc.if_else(blank, pa.scalar(None, pa.large_string()), column), mask


class _Rows(Sequence[list[Any]]):
    """Every record as a row of text: the head's from :mod:`csv`, the body's from Arrow's columns
    (blanks as ``None``, which reads as a blank cell); built on demand (only the last rows are)."""

    def __init__(self, head: list[list[str]], body: list[pa.Array]) -> None:
        self.head, self.body = head, body
        self.n = len(head) + (len(body[0]) if body else 0)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(self.n))]
        if k < 0:
            k += self.n
        if k < len(self.head):
            return self.head[k]
        return [col[k - len(self.head)].as_py() for col in self.body]


def read_plain(
    path: Path,
    text: str,
    delim: str,
    header_row: int | Literal["auto"] | None,
    *,
    min_chars: int = MIN_CHARS,
) -> Table | None:
    """The register's :class:`Table` read with Arrow, or None when it must be read with :mod:`csv`.

    Parameters
    ----------
    path : Path
        The register, for messages.
    text : str
        The decoded file.
    delim : str
        The delimiter (sniffed).
    header_row : int, "auto" or None
        As for :func:`assetmap.registers._raw.build_frame`.
    min_chars : int
        Shorter texts are left to :mod:`csv`.

    Returns
    -------
    Table or None
        Exactly what :func:`build_frame` gives on the records :mod:`csv` reads, with the kept
        columns also as Arrow text (``Table.text``).
    """
    if len(text) < min_chars or len(delim) != 1 or not delim.isascii() or delim == '"':
        return None
    # the header and the first row below it
    wanted = HEADER_SEARCH_ROWS + 1 if header_row in ("auto", None) else max(int(header_row), 0) + 1
    found = _head(text, delim, wanted)
    if found is None or len(found[0]) < wanted:
        return None  # a short file, or one csv must explain
    head, ends = found
    cells = _Cells(head, text=True)
    if not any(any(c is not None for c in row) for row in cells):
        return None
    try:
        h = -1 if header_row is None else _header_index(path, cells, header_row)
    except RegisterError:
        return None
    start = ends[h] if h >= 0 else 0
    try:
        data = text[start:].encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: csv copes with it, Arrow does not
        return None
    if not data or not quotes_are_plain(np.frombuffer(data, dtype=np.uint8), ord(delim)):
        return None
    table = _parse(data, delim, max(len(row) for row in head))
    if table is None or table.num_columns < 2:
        return None
    arrow, blanks = zip(*(_blank_to_null(col) for col in table.columns), strict=True)
    lengths = np.full(table.num_rows, table.num_columns, dtype=np.intp)
    rows = _Rows(head[: h + 1], list(arrow))
    try:
        return split_table(path, rows, h, Body([], list(blanks), lengths), text=True, arrow=list(arrow))
    except RegisterError:  # no data rows: left to the csv reader, which says so
        return None


__all__ = ["MIN_CHARS", "PY_SPACE", "Cell", "blank_text", "quotes_are_plain", "read_plain"]
