"""Read CSV and XLSX registers into text rows with spreadsheet row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Literal

from .._errors import RegisterError
from ._raw import HEADER_SEARCH_ROWS, Cell, RawRegister, build_frame, cell_text, find_header, header_score

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

    Other stray quotes (``"Say "hi" there"``) are read leniently, as Excel does.
    """
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        msg = f"{path.name}: not a readable CSV file: {exc}"
        raise RegisterError(msg) from None
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            msg = (
                f'{path.name}: row {len(records)}: a quote (") opened in this row is never closed, so '
                "everything after it would be read as one cell; close or remove that quote and run again"
            )
            raise RegisterError(msg) from None
    return records


def read_csv(path: Path, *, encoding: str, header_row: int | Literal["auto"]) -> RawRegister:
    """Read a delimited text register; each CSV record (even with quoted newlines) is one row."""
    data = path.read_bytes()
    if not data.strip():
        msg = f"{path.name}: the file is empty"
        raise RegisterError(msg)
    text, used = decode(path, data, encoding)
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # cells holding WKT can be huge
    delim = sniff_delimiter(text)
    records = _records(path, text, delim)
    rows = [[cell_text(c) for c in rec] for rec in records]
    frame, source_row, header, notes = build_frame(path, rows, header_row)
    return RawRegister(path, frame, source_row, None, header, used, None, notes)


def _sheet_rows(ws: object, limit: int | None = None) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    ws.reset_dimensions()  # type: ignore[attr-defined]  # some exporters write a wrong sheet size
    for values in ws.iter_rows(values_only=True, max_row=limit):  # type: ignore[attr-defined]
        rows.append([cell_text(v) for v in values])
    while rows and not any(c is not None for c in rows[-1]):
        rows.pop()
    return rows


def read_xlsx(path: Path, *, sheet: str | int | None, header_row: int | Literal["auto"]) -> RawRegister:
    """Read an Excel workbook sheet (values as shown, formulas as their cached results)."""
    import openpyxl

    with path.open("rb") as fh:
        if fh.read(4) == b"\xd0\xcf\x11\xe0":
            msg = (
                f"{path.name}: is an old Excel 97-2003 (.xls) workbook, not .xlsx; "
                "open it in Excel and save it as .xlsx or CSV"
            )
            raise RegisterError(msg)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        msg = f"{path.name}: not a readable Excel .xlsx workbook ({type(exc).__name__}: {exc})"
        raise RegisterError(msg) from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            chosen = _choose_sheet(path, wb, names)
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                msg = f"{path.name}: there is no sheet number {sheet} (0-based); its sheets are: {names}"
                raise RegisterError(msg)
            chosen = names[sheet]
        elif sheet in names:
            chosen = str(sheet)
        else:
            folded = {n.strip().casefold(): n for n in names}
            if str(sheet).strip().casefold() not in folded:
                msg = f"{path.name}: there is no sheet {sheet!r}; its sheets are: {names}"
                raise RegisterError(msg)
            chosen = folded[str(sheet).strip().casefold()]
        rows = _sheet_rows(wb[chosen])
    finally:
        wb.close()
    if not rows:
        msg = f"{path.name}: sheet {chosen!r} is empty"
        raise RegisterError(msg)
    frame, source_row, header, notes = build_frame(path, rows, header_row)
    return RawRegister(path, frame, source_row, None, header, None, chosen, notes)


def _choose_sheet(path: Path, wb: object, names: list[str]) -> str:
    """The sheet whose header looks best (most aliases); the first sheet with data on a tie."""
    best, best_score = None, -1.0
    for name in names:
        rows = _sheet_rows(wb[name], HEADER_SEARCH_ROWS)  # type: ignore[index]
        if sum(any(c is not None for c in r) for r in rows) < 2:
            continue  # empty, or a cover/notes sheet with a single line
        h = find_header(rows)
        score = header_score(rows[h]) if h is not None else 0.0
        if score > best_score:
            best, best_score = name, score
    if best is None:
        msg = f"{path.name}: no sheet has any data; its sheets are: {names}"
        raise RegisterError(msg)
    return best
