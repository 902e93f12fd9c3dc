"""Dispatch a register file to the reader for its format."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

from .._errors import RegisterError
from ..postgis._source import DatabaseSource
from ._raw import RawRegister
from ._tabular import WORKBOOK_KINDS, read_csv, read_workbook
from ._vector import read_vector

_CSV = (".csv", ".txt", ".tsv")
_WORKBOOK = tuple(WORKBOOK_KINDS)
_VECTOR = (".gpkg", ".shp", ".geojson", ".json", ".zip")
SUPPORTED = (*_CSV, *_WORKBOOK, *_VECTOR)

HeaderRow = int | Literal["auto", "none"] | None


def _check_file(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        msg = (
            f"{path.name}: {suffix or 'no suffix'!r} is not a supported register format; "
            f"use one of {', '.join(SUPPORTED)}"
        )
        raise RegisterError(msg)
    if path.is_dir():
        msg = f"register {str(path)!r} is a folder, not a file; name the register file inside it"
        raise RegisterError(msg)
    if not path.is_file():
        msg = f"register file {str(path)!r} not found (the 'register:' path is relative to the config file)"
        raise RegisterError(msg)
    if path.stat().st_size == 0:
        msg = f"{path.name}: the file is empty"
        raise RegisterError(msg)


def read_register(
    path: Path | str | DatabaseSource,
    *,
    encoding: str = "auto",
    header_row: HeaderRow = "auto",
    sheet: str | int | None = None,
    layer: str | None = None,
) -> RawRegister:
    """Read a partner's register file into text cells with spreadsheet row numbers.

    Parameters
    ----------
    path : Path, str or DatabaseSource
        The register: ``.csv``/``.tsv``/``.txt`` (delimiter sniffed), a workbook
        (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``), ``.gpkg``, ``.shp`` (or a ``.zip``
        holding one), ``.geojson``/``.json``; or a table, view or query in a database
        (see :func:`assetmap.postgis.read_table_register`).
    encoding : str, default "auto"
        Text encoding of a CSV; ``"auto"`` tries UTF-8, then cp1252, then detection.
    header_row : int, "auto" or "none", default "auto"
        1-based spreadsheet row of the header; ``"auto"`` finds it below any title rows;
        ``"none"`` (or None) for a file with no header row: row 1 is the first asset and the
        columns are named ``Column A``, ``Column B``... (the config names them ``A``, ``2``...).
    sheet : str or int, optional
        Workbook sheet name or 0-based index; by default the sheet that looks most like a register.
    layer : str, optional
        Vector layer name; by default the first layer.

    Returns
    -------
    RawRegister

    Raises
    ------
    RegisterError
        If the file is missing, empty, of an unknown format, corrupt, or has no data rows.
    """
    if isinstance(path, DatabaseSource):  # a table, view or query in a PostGIS/PostgreSQL database
        from ..postgis import read_table_register

        return read_table_register(path)
    path = Path(path)
    _check_file(path)
    suffix = path.suffix.lower()
    header = None if header_row in (None, "none") else header_row
    try:
        if suffix in _CSV:
            return read_csv(path, encoding=encoding, header_row=header)
        if suffix in _WORKBOOK:
            return read_workbook(path, sheet=sheet, header_row=header)
        if suffix == ".zip" and not _zip_has_shapefile(path):
            msg = f"{path.name}: the zip file holds no shapefile (.shp)"
            raise RegisterError(msg)
        return read_vector(path, layer=layer)
    except PermissionError as exc:
        msg = f"{path.name}: cannot be opened ({exc.strerror})"
        raise RegisterError(msg) from None


def _zip_has_shapefile(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.lower().endswith(".shp") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False
