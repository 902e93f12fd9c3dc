"""Read CSV and spreadsheet (xlsx, xls, ods) registers into text rows with spreadsheet row numbers."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from pathlib import Path
from typing import Literal

from .._errors import RegisterError
from ._arrow_csv import read_plain
from ._raw import (
    HEADER_SEARCH_ROWS,
    Cell,
    RawRegister,
    build_frame,
    cell_text,
    find_header,
    header_score,
    paused_gc,
)

#: Delimiters tried when sniffing a CSV, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|", "¬")


def _decode_error(path: Path, data: bytes, encoding: str, exc: UnicodeDecodeError) -> RegisterError:
    line = data[: exc.start].count(b"\n") + 1
    byte = data[exc.start : exc.start + 1].hex().upper()
    msg = (
        f"{path.name}: cannot be read as {encoding!r}: byte 0x{byte} at offset {exc.start} "
        f"(line {line}) is not valid in that encoding; try encoding: auto (or cp1252 for Excel on Windows)"
    )
    return RegisterError(msg)


def decode(path: Path, data: bytes, encoding: str) -> tuple[str, str]:
    """Decode file bytes; ``encoding="auto"`` tries UTF-8 (BOM stripped), then cp1252, then detection.

    Returns
    -------
    tuple of (str, str)
        The text and the name of the encoding used.
    """
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            msg = f"{path.name}: unknown encoding {encoding!r}"
            raise RegisterError(msg) from None
        try:
            return data.decode(encoding).lstrip("\ufeff"), encoding
        except UnicodeDecodeError as exc:
            raise _decode_error(path, data, encoding, exc) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent, widest rows."""
    sample = "\n".join(text[:65536].splitlines()[:60])
    best, best_score = ",", -1
    for delim in DELIMITERS:
        if delim not in sample:
            continue
        widths = Counter(len(r) for r in csv.reader(io.StringIO(sample), delimiter=delim) if len(r) > 1)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        score = count * (width - 1)
        if score > best_score:
            best, best_score = delim, score
    return best


def _records(path: Path, text: str, delim: str) -> list[list[str]]:
    """Parse CSV records; a quote never closed is an error naming its row, not a lost file tail.

    Other stray quotes (``"Say "hi" there"``) are read leniently, as Excel does. A file that
    reads strictly (nearly all) is parsed once: strict and lenient parsing differ only where
    strict parsing stops with an error.
    """
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True))
    except csv.Error as exc:
        strict_error = str(exc)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        msg = f"{path.name}: not a readable CSV file: {exc}"
        raise RegisterError(msg) from None
    if "unexpected end of data" in strict_error:
        msg = (
            f'{path.name}: row {len(records)}: a quote (") opened in this row is never closed, so '
            "everything after it would be read as one cell; close or remove that quote and run again"
        )
        raise RegisterError(msg)
    return records


#: File signatures of things that are sometimes renamed .csv, and what to say about them.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or OpenDocument .ods workbook is one): if it is a "
     "workbook, give it its own suffix (.xlsx or .ods)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook: give it the suffix .xls"),
    (b"%PDF", "a PDF document: export the register from its source as CSV or Excel"),
    (b"SQLite format 3", "a database (a GeoPackage is one): if it is a GeoPackage, give it the suffix .gpkg"),
    (b"\x1f\x8b", "a gzip-compressed file: uncompress it first"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
)  # fmt: skip


def _refuse_binary(path: Path, data: bytes) -> None:
    """Stop at binary data given a text suffix (a workbook or picture renamed .csv), saying what it is."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            msg = f"{path.name}: is not a text table but {what}"
            raise RegisterError(msg)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    sample = data[:65536]
    control = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, *range(14, 32)))
    if control > 0.01 * len(sample):  # a stray NUL in a cell (a database export) is still text
        msg = (
            f"{path.name}: is not a text table (it holds binary data); export the register as CSV "
            "(comma-separated text) or Excel and name that file"
        )
        raise RegisterError(msg)


def read_csv(path: Path, *, encoding: str, header_row: int | Literal["auto"] | None) -> RawRegister:
    """Read a delimited text register; each CSV record (even with quoted newlines) is one row.

    ``header_row=None`` reads a file with no header row (columns named ``Column A``...).
    """
    data = path.read_bytes()
    if not data.strip():
        msg = f"{path.name}: the file is empty"
        raise RegisterError(msg)
    _refuse_binary(path, data)
    text, used = decode(path, data, encoding)
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # cells holding WKT can be huge
    delim = sniff_delimiter(text)
    with paused_gc():
        plain = read_plain(path, text, delim, header_row)
        if plain is not None:
            return plain.register(path, encoding=used)
        records = _records(path, text, delim)
        return build_frame(path, records, header_row, text=True).register(path, encoding=used)


#: Workbook formats read with calamine, with a word for messages.
WORKBOOK_KINDS = {".xlsx": "Excel", ".xlsm": "Excel", ".xls": "Excel 97-2003", ".ods": "OpenDocument"}


def _sheet_rows(sheet: object, limit: int | None = None) -> list[list[Cell]]:
    """Every row of a sheet from spreadsheet row 1 and column A, as text; trailing blank rows dropped.

    calamine gives empty cells as ``""`` and, like Excel, a merged cell's value only in its
    top-left cell; ``skip_empty_area=False`` keeps blank rows and columns before the data so
    row and column numbers stay those of the spreadsheet.
    """
    values = sheet.to_python(skip_empty_area=False, nrows=limit)  # type: ignore[attr-defined]
    rows = [[cell_text(v) for v in row] for row in values]
    while rows and not any(c is not None for c in rows[-1]):
        rows.pop()
    return rows


def _open_workbook(path: Path) -> object:
    """Open a workbook with calamine, whatever its suffix says (a .xls saved as .xlsx is common)."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    kind = WORKBOOK_KINDS.get(path.suffix.lower(), "spreadsheet")
    try:
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    except PasswordError:
        msg = f"{path.name}: the workbook is password-protected; save an unprotected copy and name that"
        raise RegisterError(msg) from None
    except (CalamineError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = (
            f"{path.name}: not a readable {kind} workbook ({detail}); open it in a spreadsheet "
            "program and save it again as .xlsx or CSV"
        )
        raise RegisterError(msg) from None


def _pick_sheet(path: Path, wb: object, names: list[str], sheet: str | int | None) -> tuple[str, object]:
    """The sheet named in the config (by name, case-insensitively, or 0-based index), else the best.

    Returns the sheet's name and the sheet, loaded.
    """
    if sheet is None:
        return _choose_sheet(path, wb, names)
    name = _named_sheet(path, names, sheet)
    return name, wb.get_sheet_by_name(name)  # type: ignore[attr-defined]


def _named_sheet(path: Path, names: list[str], sheet: str | int) -> str:
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            msg = f"{path.name}: there is no sheet number {sheet} (0-based); its sheets are: {names}"
            raise RegisterError(msg)
        return names[sheet]
    if sheet in names:
        return str(sheet)
    folded = {n.strip().casefold(): n for n in names}
    if str(sheet).strip().casefold() not in folded:
        msg = f"{path.name}: there is no sheet {sheet!r}; its sheets are: {names}"
        raise RegisterError(msg)
    return folded[str(sheet).strip().casefold()]


def read_workbook(
    path: Path, *, sheet: str | int | None, header_row: int | Literal["auto"] | None
) -> RawRegister:
    """Read one sheet of an Excel (.xlsx, .xlsm, .xls) or OpenDocument (.ods) workbook.

    Values are read as shown (formulas as their saved results, error cells such as ``#N/A``
    as blank) with `python-calamine`; see :func:`assetmap.registers._raw.cell_text` for how
    numbers and dates become text. ``header_row=None`` reads a sheet with no header row.
    """
    from python_calamine import CalamineError

    wb = _open_workbook(path)
    try:
        names = list(wb.sheet_names)  # type: ignore[attr-defined]
        chosen, loaded = _pick_sheet(path, wb, names, sheet)
        rows = _sheet_rows(loaded)
    except CalamineError as exc:  # a sheet whose XML is damaged
        msg = f"{path.name}: a sheet of the workbook cannot be read ({exc}); save it again and retry"
        raise RegisterError(msg) from None
    finally:
        wb.close()  # type: ignore[attr-defined]
    if not rows:
        msg = f"{path.name}: sheet {chosen!r} is empty"
        raise RegisterError(msg)
    return build_frame(path, rows, header_row).register(path, sheet=chosen)


def _choose_sheet(path: Path, wb: object, names: list[str]) -> tuple[str, object]:
    """The sheet whose header looks best (most aliases); the first sheet with data on a tie.

    Returns the sheet's name and the sheet, loaded (calamine loads a whole sheet at once).
    """
    best: tuple[str, object] | None = None
    best_score = -1.0
    for name in names:
        loaded = wb.get_sheet_by_name(name)  # type: ignore[attr-defined]
        rows = _sheet_rows(loaded, HEADER_SEARCH_ROWS)
        if sum(any(c is not None for c in r) for r in rows) < 2:
            continue  # empty, or a cover/notes sheet with a single line
        h = find_header(rows)
        score = header_score(rows[h]) if h is not None else 0.0
        if score > best_score:
            best, best_score = (name, loaded), score
    if best is None:
        msg = f"{path.name}: no sheet has any data; its sheets are: {names}"
        raise RegisterError(msg)
    return best
