"""Spreadsheet writing shared by the board pack and the change report, made for volume.

Every text cell is a string cell (an inline string: text is never stored as a formula, so
nothing a register says is ever evaluated); text a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) also gets Excel's quote
prefix, so it is shown as typed. Money is formatted as pounds, fractions as percentages,
dates day first; header rows are bold and frozen, filters are on. Workbook properties and
zip timestamps are fixed, so the same tables give the same bytes, and the file is moved
into place atomically.

Table cells are turned into SpreadsheetML column by column with Arrow's string kernels
(``pyarrow.compute``), a block of rows at a time, and streamed into the zip: no Python
object per cell. On the 100,000-asset assets sheet (4.4 million cells) this measured about 50
times faster than openpyxl's write-only cells, 30 times faster than XlsxWriter's
``constant_memory`` mode (both pay one or more Python calls per cell) and 4 times faster than
rustpy-xlsxwriter's Arrow path, which also cannot hold text and numbers in one column, mark
single cells with a quote prefix or fix the file's timestamps (``scripts/benchmark.py --writers``;
``BENCHMARKS.md``). A table longer than Excel's sheet (1,048,575 rows under the header)
continues on sheets named ``<name> 2``, ``<name> 3`` and so on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from ._io import atomic_path

MONEY = '"£"#,##0'
MONEY_PENCE = '"£"#,##0.00'
PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
DATE = "dd/mm/yyyy"
#: Data rows on one sheet: Excel's 1,048,576 rows less the header row.
MAX_ROWS = 1_048_575
#: Rows turned into XML at a time (bounds memory on very large tables).
BLOCK_ROWS = 20_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_ARROW = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffe}\\x{ffff}]"
_UNUSUAL_ARROW = _ILLEGAL_ARROW[:-1] + "&<>\\r]"
_FORMULA_FIRST = pa.array(list(_FORMULA_START))
_SPACE = " \t\n\f\r"
_MAX_TEXT = 32_767
#: Deflate level of ISA-L (``isal``, 0 to 3), which packs the sheets: see :func:`_deflater`.
_LEVEL = 2
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_TIME = "2000-01-01T00:00:00Z"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_DAY_NS = 86_400 * 10**9
#: Columns holding fractions shown as percentages (besides ``*_share`` and ``*utilisation*``).
_PERCENT_COLUMNS = {"target_ceiling", "well_used", "donor_max_utilisation"}
#: Cell styles: index in ``cellXfs`` by name; number formats get ids from 164 up.
_NUMBER_FORMATS = (MONEY, MONEY_PENCE, PERCENT, COUNT, DECIMAL, DATE)
_STYLE = {None: 0, "bold": 1, "header": 2, "quote": 3, "quote_bold": 4} | {
    fmt: 5 + i for i, fmt in enumerate(_NUMBER_FORMATS)
}
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_INLINE = ' t="inlineStr"><is><t xml:space="preserve">'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def number_format(column: str) -> str | None:
    """The number format of a column, from its name."""
    if column == "cost_per_m2_gbp":
        return MONEY_PENCE
    if column.endswith("_gbp"):
        return MONEY
    if column in _PERCENT_COLUMNS or column.endswith("_share") or "utilisation" in column:
        return PERCENT
    return None


def clean_value(value: object) -> object:
    """A plain Python value for one cell: None for missing, plain numbers, naive datetimes, text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    return _ILLEGAL_RE.sub("", str(value))[:_MAX_TEXT]


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- one cell at a time (titles, headers, the summary sheet) ----------------------------------
def _text_xml(ref: str, text: str, bold: bool = False) -> str:
    quoted = text.startswith(_FORMULA_START)
    style = _STYLE[("quote_bold" if bold else "quote") if quoted else ("bold" if bold else None)]
    body = escape(text).replace("\r", "&#13;")
    return f'<c r="{ref}"{_s(style)}{_INLINE}{body}</t></is></c>'


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def cell_xml(ref: str, value: object, fmt: str | None = None, *, bold: bool = False, style: str = "") -> str:
    """One cell's XML: text always as text (quote prefix for formula-like text), numbers formatted.

    ``style="header"`` gives the bold, wrapped, top-aligned header style.
    """
    value = clean_value(value)
    if value is None:
        return ""
    if isinstance(value, str):
        if style == "header" and not value.startswith(_FORMULA_START):
            body = escape(value).replace("\r", "&#13;")
            return f'<c r="{ref}" s="{_STYLE["header"]}"{_INLINE}{body}</t></is></c>'
        return _text_xml(ref, value, bold)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (dt.datetime, dt.date)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
        return f'<c r="{ref}" s="{_STYLE[DATE]}"><v>{serial!r}</v></c>'
    return f'<c r="{ref}"{_s(_STYLE.get(fmt, 0))}><v>{value!r}</v></c>'


# -- a column at a time (table sheets) --------------------------------------------------------
def _join(*parts: object) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


#: A column's cells as pieces (text, and Arrow text arrays) that, joined row by row, give each
#: row's cell: a column with no blank cell is given as its pieces, joined once with the whole row
#: (not made into cells first, then copied into rows); one with blanks as one array of cells.
_Pieces = list[object]


def _cells(pieces: _Pieces, n: int) -> pa.Array:
    """The cells the pieces make (empty text for a column of no pieces)."""
    if not pieces:
        return pa.array([""] * n, pa.string())
    return pieces[0] if len(pieces) == 1 else _join(*pieces)


def _numbers(values: np.ndarray, refs: tuple[str, pa.Array], style: int) -> _Pieces:
    """Number cells; NaN and infinity are left blank."""
    ok = np.isfinite(values)
    text = pc.cast(pa.array(values, pa.float64()), pa.string())
    pieces = [refs[0], refs[1], f'"{_s(style)}><v>', text, "</v></c>"]
    return pieces if ok.all() else [pc.if_else(pa.array(ok), _join(*pieces), "")]


#: Text columns whose first values repeat (a partner, a use, a rating) are made into cells a
#: distinct value at a time: at most this share of those values may differ.
_DISTINCT_SHARE = 0.2
_PROBE = 2_000


def _texts(values: pa.Array, refs: tuple[str, pa.Array]) -> _Pieces:
    """Text cells (nulls blank); formula-like text gets the quote-prefix style.

    Each cell is its reference, then what its text alone decides (:func:`_text_tails`): for a
    column that repeats itself that is made once per distinct text and taken for each row.
    """
    probe = values.slice(0, _PROBE)
    if len(values) >= _PROBE and pc.count_distinct(probe).as_py() <= _DISTINCT_SHARE * _PROBE:
        encoded = pc.dictionary_encode(values)
        tails = [pc.take(_join(*_text_tails(encoded.dictionary)), encoded.indices)]
    else:
        tails = _text_tails(values)
    pieces = [refs[0], refs[1], *tails]
    return [pc.fill_null(_join(*pieces), "")] if values.null_count else pieces


def _text_tails(values: pa.Array) -> _Pieces:
    """What follows each text cell's reference (its style, its opening, its text and the end), as pieces."""
    # One scan finds the values needing anything removed or escaped (most need neither); only
    # those are looked at again, and put back in place with one copy.
    unusual = pc.fill_null(pc.match_substring_regex(values, _UNUSUAL_ARROW), False)
    if not pc.any(unusual).as_py():
        unusual = None
    if unusual is not None:
        values = _cleaned(values, unusual)
    if (pc.max(pc.binary_length(values)).as_py() or 0) > _MAX_TEXT:
        values = pc.utf8_slice_codeunits(values, 0, _MAX_TEXT)
    body = values if unusual is None else _escaped(values, unusual)
    quoted = pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=_FORMULA_FIRST)
    style = pc.if_else(quoted, f'" s="{_STYLE["quote"]}"', '"')
    # Only text with space at either end needs xml:space="preserve" (a tenth of the XML otherwise);
    # the space is regular expressions' \s, trimmed from both ends.
    padded = pc.not_equal(pc.binary_length(pc.ascii_trim(values, _SPACE)), pc.binary_length(values))
    opening = pc.if_else(padded, _INLINE, _INLINE.replace(' xml:space="preserve"', ""))
    return [style, opening, body, "</t></is></c>"]


def _cleaned(values: pa.Array, unusual: pa.Array) -> pa.Array:
    """``values`` without the characters XML cannot hold (looked for only where ``unusual``)."""
    some = pc.filter(values, unusual)
    if not pc.any(pc.match_substring_regex(some, _ILLEGAL_ARROW)).as_py():
        return values
    return pc.replace_with_mask(values, unusual, pc.replace_substring_regex(some, _ILLEGAL_ARROW, ""))


def _escaped(values: pa.Array, unusual: pa.Array) -> pa.Array:
    """``values`` with ``&``, ``<``, ``>`` and carriage returns as XML entities.

    Only the ``unusual`` values can hold any: the others are left as they are.
    """
    some = pc.filter(values, unusual)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        if pc.any(pc.match_substring(some, char)).as_py():  # a scan is cheaper than a copy
            some = pc.replace_substring(some, char, entity)
    return pc.replace_with_mask(values, unusual, some)


_TYPE_OF = np.frompyfunc(type, 1, 1)
_NUMBER = (int, float, np.integer, np.floating)
_FLAG = (bool, np.bool_)


def _plain(kind: type) -> bool:
    """Whether values of type ``kind`` are text, None or numbers (not flags): cells made in bulk."""
    return kind is str or kind is type(None) or (issubclass(kind, _NUMBER) and not issubclass(kind, _FLAG))


def _objects(values: pd.Series, refs: tuple[str, pa.Array], style: int) -> _Pieces:
    """Cells of a column of mixed Python values: text, numbers, and anything else one by one."""
    items = values.to_numpy(dtype=object)
    # Each value's type (in a C loop, not a Python one), numbered: the rules are applied per type.
    codes, kinds = pd.factorize(_TYPE_OF(items) if len(items) else np.array([], dtype=object))
    is_text = np.array([kind is str for kind in kinds], dtype=bool)[codes]
    n = len(items)
    texts = _cells(_texts(pa.array(np.where(is_text, items, None), pa.string()), refs), n)
    if is_text.all():
        return [texts]
    rest = pd.Series(np.where(is_text, None, items), dtype=object)
    numeric = pd.to_numeric(rest, errors="coerce").to_numpy(dtype=float)
    plain = np.array([_plain(kind) for kind in kinds], dtype=bool)[codes]  # text, None, numbers
    cells = pc.if_else(pa.array(is_text), texts, _cells(_numbers(numeric, refs, style), n))
    if plain.all():
        return [cells]
    odd = np.flatnonzero(~plain)  # booleans, dates and the like: rare, one at a time
    column, rows = refs[0][len('<c r="') :], refs[1]
    out = cells.to_pylist()
    for i in odd:
        out[i] = cell_xml(f"{column}{rows[i].as_py()}", items[i])
    return [pa.array(out, pa.string())]


def _bools(flags: pa.Array, refs: tuple[str, pa.Array]) -> _Pieces:
    pieces = [refs[0], refs[1], '" t="b"><v>', pc.if_else(flags, "1", "0"), "</v></c>"]
    return [pc.fill_null(_join(*pieces), "")] if flags.null_count else pieces


def _dates(values: pd.Series, refs: tuple[str, pa.Array]) -> _Pieces:
    stamps = pd.to_datetime(values)
    stamps = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    days = np.where(np.isnat(ns), np.nan, (ns - _EXCEL_EPOCH).astype("int64") / _DAY_NS)
    return _numbers(days, refs, _STYLE[DATE])


def _column_cells(values: pd.Series, refs: tuple[str, pa.Array], fmt: str | None) -> _Pieces:
    """One column's cells (as pieces), by the column's type (object columns by what they turn out to hold)."""
    style = _STYLE.get(fmt, 0)
    if pd.api.types.is_bool_dtype(values.dtype):
        return _bools(pa.array(values.astype("boolean"), pa.bool_()), refs)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _dates(values, refs)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _numbers(values.to_numpy(dtype=float, na_value=np.nan), refs, style)
    if isinstance(values.array, pd.arrays.ArrowStringArray):  # text in Arrow already: no Python objects
        return _texts(_arrow_string(values.array), refs)
    try:
        arrow = pa.array(values.to_numpy(dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return _objects(values, refs, style)
    kind = arrow.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _texts(arrow, refs)
    if pa.types.is_null(kind):
        return []  # every cell blank
    if pa.types.is_boolean(kind):
        return _bools(arrow, refs)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return _numbers(pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False), refs, style)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return _dates(values, refs)
    return _objects(values, refs, style)


def _arrow_string(values: pd.arrays.ArrowStringArray) -> pa.Array:
    """The Arrow array under a pandas text column, as one chunk of ``string`` (nulls where missing)."""
    arrow = pa.array(values)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return pc.cast(arrow, pa.string())


def _row_blocks(frame: pd.DataFrame, formats: list[str | None]) -> Iterator[memoryview]:
    """The ``<row>`` elements of ``frame`` (data from sheet row 2), a block of rows at a time."""
    letters = [column_letter(i) for i in range(len(frame.columns))]
    for start in range(0, len(frame), BLOCK_ROWS):
        block = frame.iloc[start : start + BLOCK_ROWS]
        rows = pc.cast(pa.array(np.arange(start + 2, start + 2 + len(block))), pa.string())
        pieces = [
            piece
            for j in range(len(letters))
            for piece in _column_cells(block.iloc[:, j], (f'<c r="{letters[j]}', rows), formats[j])
        ]
        xml = _join(*_merged(['<row r="', rows, '">', *pieces, "</row>"]))
        yield _buffer(xml)


def _merged(pieces: _Pieces) -> _Pieces:
    """The pieces with each run of plain text made one (a cell's end and the next one's start)."""
    out: _Pieces = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _buffer(strings: pa.Array) -> memoryview:
    """All the strings of an Arrow string array back to back, straight from its data buffer."""
    strings = pc.cast(strings, pa.large_string())
    start = strings.offset
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[start : start + len(strings) + 1]
    return memoryview(strings.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


# -- the workbook ------------------------------------------------------------------------------
@dataclass
class _Sheet:
    name: str
    widths: list[float]
    freeze_row: int
    head: list[str]
    frame: pd.DataFrame | None = None
    formats: list[str | None] = field(default_factory=list)
    filter_ref: str | None = None
    last_ref: str = "A1"


class Workbook:
    """A workbook built in memory as sheet descriptions, written in one pass by :meth:`save`."""

    def __init__(self, title: str) -> None:
        self.title = clean_value(title) or ""
        self.sheets: list[_Sheet] = []

    def _name(self, name: str) -> str:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "Sheet"
        taken = {s.name.lower() for s in self.sheets}
        out, k = base, 2
        while out.lower() in taken:
            out = f"{base[: 31 - len(str(k)) - 1]} {k}"
            k += 1
        return out

    def add_rows(self, name: str, rows: list[list[str]], *, widths: list[float], freeze_row: int) -> str:
        """A small sheet of ready-made cells (``cell_xml`` strings), one list per row from row 1."""
        head = [f'<row r="{i}">{"".join(r)}</row>' for i, r in enumerate(rows, start=1) if r]
        width = max((len(r) for r in rows), default=1)
        sheet = _Sheet(self._name(name), widths, freeze_row, head)
        sheet.last_ref = f"{column_letter(max(width, 1) - 1)}{max(len(rows), 1)}"
        self.sheets.append(sheet)
        return sheet.name

    def add_table(self, name: str, frame: pd.DataFrame) -> list[str]:
        """Sheets holding ``frame``: bold frozen header, filters on, formats from column names.

        Returns the names of the sheets written: more than one when the table has more rows
        than a sheet can hold.
        """
        columns = [str(c) for c in frame.columns]
        widths = [min(max(len(c) + 2, 10), 60) for c in columns]
        header = "".join(cell_xml(f"{column_letter(i)}1", c, style="header") for i, c in enumerate(columns))
        formats = [number_format(c) for c in columns]
        names = []
        for start in range(0, max(len(frame), 1), MAX_ROWS):
            part = frame.iloc[start : start + MAX_ROWS]
            sheet = _Sheet(self._name(name if start == 0 else f"{name} {start // MAX_ROWS + 1}"), widths, 1,
                           [f'<row r="1">{header}</row>'], part, formats)  # fmt: skip
            last = column_letter(max(len(columns), 1) - 1)
            sheet.last_ref = f"{last}{len(part) + 1}"
            sheet.filter_ref = f"A1:{last}{max(len(part), 1) + 1}" if columns else None
            self.sheets.append(sheet)
            names.append(sheet.name)
        return names

    def save(self, path: Path) -> None:
        """Write the ``.xlsx`` (fixed timestamps, so the same content gives the same bytes), atomically."""
        with atomic_path(Path(path)) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                for member, text in self._package():
                    _write_member(zf, member, [text.encode("utf-8")])
                for i, sheet in enumerate(self.sheets, start=1):
                    xml = _sheet_xml(sheet, selected=i == 1)
                    _write_member(zf, f"xl/worksheets/sheet{i}.xml", xml, large=True)

    def _package(self) -> list[tuple[str, str]]:
        n = len(self.sheets)
        sheets = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_absolute(s.name, s.filter_ref))}</definedName>"
            for i, s in enumerate(self.sheets)
            if s.filter_ref
        )
        workbook = (
            f"{_XML}<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + "</workbook>"
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        return [
            ("[Content_Types].xml", _CONTENT_TYPES.format(overrides=overrides)),
            ("_rels/.rels", _ROOT_RELS),
            ("docProps/app.xml", _APP),
            ("docProps/core.xml", _CORE.format(title=escape(str(self.title)), time=_FIXED_TIME)),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'),
            ("xl/styles.xml", _styles()),
        ]


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _deflater() -> object:
    """A raw-deflate compressor (as zip members hold) from ISA-L, the library under ``isal``.

    A 100,000-asset board pack is about 245 MB of XML: ISA-L's level 2 packs it into 41.5 MB
    in 0.4 s of CPU, where zlib took 2.5 s at level 3 (38.5 MB), 1.8 s at level 1 (43.8 MB) and
    5.2 s at level 6 (33.2 MB). Like zlib's, its output depends only on the input and the
    library's version, so the same tables give the same bytes.
    """
    return isal_zlib.compressobj(_LEVEL, isal_zlib.DEFLATED, -15)


def _write_member(
    zf: zipfile.ZipFile, name: str, chunks: Iterable[bytes | memoryview], *, large: bool = False
) -> None:
    """Stream ``chunks`` into the zip as member ``name``, deflated by :func:`_deflater`.

    ``large``: a sheet, which may pass 4 GB of XML (its sizes are then written as ZIP64).
    """
    with zf.open(_info(name), "w", force_zip64=large) as fh:
        if getattr(fh, "_compressor", None) is not None:  # zipfile's own is zlib's (level 6)
            fh._compressor = _deflater()  # type: ignore[attr-defined]
        for chunk in chunks:
            fh.write(chunk)


def _absolute(sheet: str, ref: str) -> str:
    first, last = ref.split(":")
    split = re.compile(r"([A-Z]+)(\d+)")
    a, b = split.fullmatch(first), split.fullmatch(last)
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${a[1]}${a[2]}:${b[1]}${b[2]}"


def _sheet_xml(sheet: _Sheet, *, selected: bool) -> Iterator[bytes | memoryview]:
    if sheet.freeze_row:
        top = f"A{sheet.freeze_row + 1}"
        pane = (
            f'<pane ySplit="{sheet.freeze_row}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
    else:
        pane = ""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, start=1)
    )
    tab = ' tabSelected="1"' if selected else ""
    yield (
        f'{_XML}<worksheet {_NS} {_NS_R}><dimension ref="A1:{sheet.last_ref}"/>'
        f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}'
        f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
        + "".join(sheet.head)
    ).encode("utf-8")
    if sheet.frame is not None and len(sheet.frame):
        yield from _row_blocks(sheet.frame, sheet.formats)
    tail = "</sheetData>"
    if sheet.filter_ref:
        tail += f'<autoFilter ref="{sheet.filter_ref}"/>'
    tail += (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )
    yield tail.encode("utf-8")


def _styles() -> str:
    fmts = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>' for i, f in enumerate(_NUMBER_FORMATS)
    )
    xfs = [
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
        '<alignment vertical="top" wrapText="1"/></xf>',
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>',
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>',
    ] + [
        f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for i in range(len(_NUMBER_FORMATS))
    ]
    return (
        f'{_XML}<styleSheet {_NS}><numFmts count="{len(_NUMBER_FORMATS)}">{fmts}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "{overrides}</Types>"
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>assetmap</Application></Properties>"
)
_CORE = (
    _XML
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>assetmap</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified>'
    "</cp:coreProperties>"
)


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], *, title: str = "") -> None:
    """Write one table sheet per frame.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` to write; replaced atomically.
    sheets : dict of DataFrame
        Sheet name (at most 31 characters are kept) to table.
    title : str
        The workbook's title property.
    """
    wb = Workbook(title)
    for name, frame in sheets.items():
        wb.add_table(name, frame)
    wb.save(path)
