"""The raw register (text cells with spreadsheet row numbers) and the table logic shared by readers."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from .._errors import RegisterError
from ._aliases import ALIAS_KEYS, alias_key

#: How many rows at the top of a sheet are searched for the header.
HEADER_SEARCH_ROWS = 30

Cell = str | None
_NUMBERISH = re.compile(r"^[\s£$€(+-]*[\d.,]+\s*(%|m2|k|m)?[\s)]*$|^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}", re.I)
_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"^(?:(?:notes?|sources?|nb)\b|[*†])", re.I)


@dataclass(frozen=True)
class RawRegister:
    """A partner's register as read: text cells, spreadsheet row numbers, vector geometry.

    Attributes
    ----------
    path : Path
        The register file.
    frame : pandas.DataFrame
        One row per non-blank data row; columns are the header names; every cell is a
        ``str`` or ``None`` (object dtype), never converted to a number.
    source_row : numpy.ndarray
        int64, the row number a person sees when opening the file in a spreadsheet
        (1-based feature number for vector files).
    geometry : geopandas.GeoSeries or None
        Vector files only: representative points in EPSG:27700, ``None`` where a feature has none.
    header_row : int or None
        1-based spreadsheet row of the header (tabular files).
    encoding : str or None
        Encoding used (CSV).
    sheet : str or None
        Sheet used (XLSX).
    """

    path: Path
    frame: pd.DataFrame
    source_row: np.ndarray
    geometry: gpd.GeoSeries | None = None
    header_row: int | None = None
    encoding: str | None = None
    sheet: str | None = None
    #: Spreadsheet rows that look like notes below the table ("Source: ..."): kept as rows
    #: (nothing is dropped) so they can be rejected with that reason.
    note_rows: tuple[int, ...] = ()
    #: Columns whose heading cell is blank, named after their letter (``Column K``).
    unnamed: tuple[str, ...] = ()
    #: Read with ``header_row: none``: every row is data and columns are named by letter.
    headerless: bool = False
    #: The frame's columns as Arrow text, blanks null (a large CSV read with Arrow's parser):
    #: the same cells as ``frame``, for cleaning without making a text object per cell.
    text: dict[str, pa.Array] | None = None

    @property
    def column_names(self) -> list[str]:
        """The frame's column names (without building a deferred frame)."""
        frame = self.__dict__["_frame"]
        return list(frame.names) if isinstance(frame, DeferredFrame) else [str(c) for c in frame.columns]

    @property
    def n_rows(self) -> int:
        """How many rows the frame has (without building a deferred frame)."""
        frame = self.__dict__["_frame"]
        return frame.n if isinstance(frame, DeferredFrame) else len(frame)

    def cells(self, name: str) -> pd.Series:
        """One column's cells (``str`` or ``None``, object dtype, index 0..n-1), as ``frame[name]``."""
        frame = self.__dict__["_frame"]
        if isinstance(frame, DeferredFrame):
            return frame.column(name)
        return frame[name]


class DeferredFrame:
    """A register's object frame not built yet: built from its Arrow text when first asked for.

    Reading a national register with Arrow and cleaning its Arrow text never needs a text object
    per cell; the frame (``RawRegister.frame``) is made only for those who ask for it.
    """

    def __init__(self, text: dict[str, pa.Array], n: int) -> None:
        self.text, self.n = text, n
        self.names = list(text)

    def column(self, name: str) -> pd.Series:
        """One column as the frame would hold it."""
        values = self.text[name].to_numpy(zero_copy_only=False)
        return pd.Series(values, index=pd.RangeIndex(self.n), dtype=object, name=name)

    def build(self) -> pd.DataFrame:
        """The frame: object columns, ``None`` for blanks, index 0..n-1."""
        columns = {name: self.text[name].to_numpy(zero_copy_only=False) for name in self.names}
        return pd.DataFrame(columns, index=pd.RangeIndex(self.n), dtype=object)


def _get_frame(raw: RawRegister) -> pd.DataFrame:
    frame = raw.__dict__["_frame"]
    if isinstance(frame, DeferredFrame):
        frame = frame.build()
        raw.__dict__["_frame"] = frame
    return frame


def _set_frame(raw: RawRegister, frame: pd.DataFrame | DeferredFrame) -> None:
    raw.__dict__["_frame"] = frame  # only ever called by the dataclass's __init__


#: ``RawRegister.frame`` is built on first use when the reader gave a :class:`DeferredFrame`
#: (the dataclass's ``__init__`` stores the field through this property's setter).
RawRegister.frame = property(_get_frame, _set_frame, doc="The register's cells (see the class).")  # type: ignore[assignment]


def _float_text(v: float) -> Cell:
    if math.isnan(v):
        return None
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.15g}"


def cell_text(value: Any) -> Cell:
    """Turn one cell value into the text a person sees, or ``None`` when blank.

    Whole floats lose their ``.0`` (``12.0`` -> ``"12"``), datetimes at midnight become ISO
    dates, text is kept exactly as written unless it is only whitespace.
    """
    kind = type(value)
    if kind is str:  # the common cases first: readers call this for every cell
        return value if value.strip() else None
    if kind is float:
        return _float_text(value)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _float_text(float(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return cell_text(float(value)) if value == value.to_integral_value() else str(value)
    text = str(value)
    return text if text.strip() else None


def clean_heading(value: Cell) -> str:
    """Strip BOM, surrounding whitespace and newlines from a heading; collapse inner whitespace."""
    if value is None:
        return ""
    return _SPACES.sub(" ", value.replace("\ufeff", "")).strip()


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def unique_names(names: Sequence[str]) -> list[str]:
    """Make duplicate names unique: ``Organisation``, ``Organisation (2)``, ..."""
    taken = set(names)
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        new = name
        if count > 1:
            n = count
            new = f"{name} ({n})"
            while new in taken:
                n += 1
                new = f"{name} ({n})"
            taken.add(new)
        out.append(new)
    return out


def header_score(row: Sequence[Cell]) -> float:
    """How much a row looks like a header: text cells count, known aliases count more.

    Rows with fewer than two non-empty cells, or whose cells are mostly numbers or dates,
    score 0 (a single title cell is never the header).
    """
    cells = [c.strip() for c in row if c is not None and c.strip()]
    if len(cells) < 2:
        return 0.0
    texty = [c for c in cells if not _NUMBERISH.match(c) and len(c) <= 100]
    if len(texty) * 2 <= len(cells):
        return 0.0
    hits = sum(alias_key(c) in ALIAS_KEYS for c in texty)
    return len(texty) + 2.0 * hits


def find_header(rows: Sequence[Sequence[Cell]]) -> int | None:
    """0-based index of the best header row within the first rows, ``None`` when there is no candidate."""
    best, best_score = None, 0.0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(row)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if any(c is not None for c in row):
                return i
    return best


def _is_note(row: list[Cell]) -> bool:
    """A row holding only prose in its first cell: "Note: figures are unaudited", "Source: ..."."""
    cells = [c for c in row if c is not None]
    if len(cells) != 1 or row[0] is None:
        return False
    text = row[0].strip()
    return bool(_NOTE.match(text)) or (len(text) >= 25 and " " in text)


def _note_rows(body: list[tuple[int, list[Cell]]], width: int) -> tuple[int, ...]:
    """Spreadsheet rows of a block of notes below the table, after a blank gap (notes, sources)."""
    if width < 3 or not body:
        return ()
    end = len(body)
    while end > 0 and _is_note(body[end - 1][1]):
        end -= 1
    if end == len(body) or end == 0:
        return ()
    gap = body[end][0] - body[end - 1][0] > 1  # a blank row separates the notes from the table
    return tuple(i + 1 for i, _ in body[end:]) if gap else ()


def _header_index(path: Path, rows: Sequence[Sequence[Cell]], header_row: int | Literal["auto"]) -> int:
    """0-based index of the header row: found below any title rows, or the one the config names."""
    if header_row == "auto":
        h = find_header(rows)
        if h is None:
            msg = f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows"
            raise RegisterError(msg)
        return h
    h = int(header_row) - 1
    if h < 0 or h >= len(rows) or not any(c is not None for c in rows[h]):
        msg = f"{path.name}: header_row {header_row!r} is blank or past the end of the register"
        raise RegisterError(msg)
    return h


class Table(NamedTuple):
    """A sheet split into header and data by :func:`build_frame`."""

    frame: pd.DataFrame | DeferredFrame
    source_row: np.ndarray
    header_row: int | None
    notes: tuple[int, ...]
    unnamed: tuple[str, ...]
    #: The frame's columns as Arrow text (blanks null), when the reader had them.
    text: dict[str, pa.Array] | None = None

    def register(self, path: Path, *, encoding: str | None = None, sheet: str | None = None) -> RawRegister:
        """The :class:`RawRegister` of this table."""
        return RawRegister(
            path=path,
            frame=self.frame,
            source_row=self.source_row,
            header_row=self.header_row,
            encoding=encoding,
            sheet=sheet,
            note_rows=self.notes,
            unnamed=self.unnamed,
            headerless=self.header_row is None,
            text=self.text,
        )


class _Cells(Sequence[list[Cell]]):
    """Rows as cells, converted on demand: text cells (``text=True``, a CSV's) become ``None``
    when blank, as :func:`cell_text` makes them; other rows are given as they are."""

    def __init__(self, rows: Sequence[Sequence[Any]], *, text: bool, index: np.ndarray | None = None) -> None:
        self.rows, self.text = rows, text
        self.index = np.arange(len(rows)) if index is None else index

    def __len__(self) -> int:
        return len(self.index)

    def row(self, k: int) -> list[Cell]:
        row = self.rows[int(self.index[k])]
        return [cell_text(c) for c in row] if self.text else list(row)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self.row(j) for j in range(*k.indices(len(self)))]
        return self.row(k if k >= 0 else len(self) + k)


class _Body(_Cells):
    """The body rows as ``(index in the sheet, cells)``, built on demand: notes are looked for
    only at the end of the table, so only the last rows are ever built."""

    def row(self, k: int) -> tuple[int, list[Cell]]:  # type: ignore[override]
        return int(self.index[k]), super().row(k)


def _blank(column: np.ndarray, *, text: bool) -> np.ndarray:
    """Where a column's cells are blank: ``None`` (and, for text cells, empty or only whitespace,
    which ``str.strip`` would leave empty)."""
    if not text:
        return pd.isna(column)
    return np.fromiter((not c or c.isspace() for c in column), dtype=bool, count=len(column))


def _columns(
    rows: Sequence[Sequence[Any]], *, text: bool
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The rows as object columns (blanks ``None``, short rows padded), where each column is
    blank, and each row's length (cells up to its last, as read)."""
    lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    width = int(lengths.max(initial=0))
    if (lengths < width).any():
        rows = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in rows]
    columns = [np.array(col, dtype=object) for col in zip(*rows, strict=True)] if len(rows) else []
    blanks = []
    for col in columns:
        blank = _blank(col, text=text)
        if text:
            col[blank] = None
        blanks.append(blank)
    return columns, blanks, lengths


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a register's millions of cells are made.

    Each of its passes walks every row list and tuple alive, and reading a large register
    makes them by the hundred thousand (about 40% of the time spent reading); nothing made
    here refers to itself, so reference counting frees it all the same.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_frame(
    path: Path, rows: Sequence[Sequence[Any]], header_row: int | Literal["auto"] | None, *, text: bool = False
) -> Table:
    """Split rows (1 row per spreadsheet row) into header and data.

    Parameters
    ----------
    path : Path
        The register, for error messages.
    rows : sequence of sequence of str or None
        Every spreadsheet row from row 1, blank rows included.
    header_row : int, "auto" or None
        1-based header row, ``"auto"`` to detect it, or ``None`` for a file with no header
        row: every row is data and the columns are named by letter (``Column A``...).
    text : bool, default False
        The cells are text as read from a CSV: blank or whitespace-only text is a blank cell
        (``None``), as :func:`cell_text` makes it. The body is turned into columns in one go.

    Returns
    -------
    Table
        The frame, each row's spreadsheet row number, the header's row number (None when
        there is none), the rows that look like notes below the table (kept in the frame)
        and the columns whose heading is blank.
    """
    cells = _Cells(rows, text=text)
    if not any(any(c is not None for c in row) for row in cells):  # stops at the first row with a value
        msg = f"{path.name}: the register is empty (no values found)"
        raise RegisterError(msg)
    h = -1 if header_row is None else _header_index(path, cells, header_row)
    columns, blanks, lengths = _columns(rows[h + 1 :], text=text)
    return split_table(path, rows, h, Body(columns, blanks, lengths), text=text)


class Body(NamedTuple):
    """The rows below the header as columns: their cells (``None`` for blanks, short rows padded),
    where each column is blank, and each row's length (cells up to its last, as read)."""

    columns: list[np.ndarray]
    blanks: list[np.ndarray]
    lengths: np.ndarray


def split_table(
    path: Path,
    rows: Sequence[Sequence[Any]],
    h: int,
    below: Body,
    *,
    text: bool,
    arrow: list[pa.Array] | None = None,
) -> Table:
    """The :class:`Table` of a sheet whose header is row ``h`` (0-based; -1: no header row).

    Parameters
    ----------
    path : Path
        The register, for error messages.
    rows : sequence of sequence of str or None
        Every spreadsheet row from row 1 (only the header and the last rows are looked at).
    h : int
        0-based index of the header row, -1 when there is none.
    below : Body
        The rows after the header, as columns (:func:`_columns`).
    text : bool
        The cells are a CSV's text (see :func:`build_frame`).
    arrow : list of pyarrow.Array, optional
        The same columns as Arrow text (blanks null): the kept ones are given in ``Table.text``.
    """
    columns, blanks, lengths = below
    headings = [] if h < 0 else [clean_heading(c) for c in _Cells(rows, text=text)[h]]
    body = np.flatnonzero(~np.logical_and.reduce(blanks)) if blanks else np.empty(0, dtype=np.intp)
    width = max(len(headings), int(lengths[body].max(initial=0)))
    named = sum(bool(x) for x in headings) if h >= 0 else width
    notes = _note_rows(_Body(rows, text=text, index=body + h + 1), named)
    if not len(body) or len(notes) == len(body):
        where = f"a header (row {h + 1})" if h >= 0 else "only notes"
        msg = f"{path.name}: the register has {where} but no data rows"
        raise RegisterError(msg)
    headings += [""] * (width - len(headings))
    has_value = [not blank[body].all() for blank in blanks[:width]] + [False] * (width - len(blanks))
    # a headerless file keeps every column, so column letters in the config always resolve
    keep = [j for j in range(width) if h < 0 or headings[j] or has_value[j]]
    names = unique_names([headings[j] or f"Column {column_letter(j)}" for j in keep])
    unnamed = tuple(name for name, j in zip(names, keep, strict=True) if h >= 0 and not headings[j])
    source_row = (body + h + 2).astype(np.int64)
    header = h + 1 if h >= 0 else None
    if arrow is not None:  # the frame is made from the Arrow text when it is asked for
        every = len(body) == len(lengths)  # no blank row to leave out
        taken = pa.array(body)
        none = pa.nulls(len(body), pa.large_string())
        as_arrow = {
            n: (arrow[j] if every else arrow[j].take(taken)) if j < len(arrow) else none
            for n, j in zip(names, keep, strict=True)
        }
        return Table(DeferredFrame(as_arrow, len(body)), source_row, header, notes, unnamed, as_arrow)
    data = [col[body] for col in columns[:width]]
    data += [np.full(len(body), None, dtype=object)] * (width - len(data))
    frame = pd.DataFrame(
        dict(zip(names, (data[j] for j in keep), strict=True)), index=pd.RangeIndex(len(body)), dtype=object
    )
    return Table(frame, source_row, header, notes, unnamed)
