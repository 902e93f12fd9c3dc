"""Reading registers: formats, encodings, header detection and spreadsheet row numbers."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, Polygon

from assetmap._errors import RegisterError
from assetmap.check import check_config
from assetmap.cli import cli
from assetmap.registers import RawRegister, clean_register, match_columns, read_register
from assetmap.registers._pairs import parse_pairs

REALDATA = Path(
    os.environ.get("ASSETMAP_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)


def _real(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


TITLED_CSV = (
    "Kent County Council – Property Terrier,,,\r\n"
    "Generated 01/09/2026,,,\r\n"
    "Asset ID,Property Name,UPRN,Post Code\r\n"
    "K1,Civic Centre,000100012345678,me14 1aa\r\n"
    ",,,\r\n"
    "K2,Depot,1.00023E+11,TBC\r\n"
)


def test_csv_title_rows_header_detected_and_rows_numbered(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "kcc.csv", TITLED_CSV))
    assert isinstance(raw, RawRegister)
    assert raw.header_row == 3
    assert list(raw.frame.columns) == ["Asset ID", "Property Name", "UPRN", "Post Code"]
    assert raw.source_row.dtype == np.int64
    assert raw.source_row.tolist() == [4, 6]  # the blank row 5 still counts
    assert raw.frame["Asset ID"].tolist() == ["K1", "K2"]


def test_csv_identifiers_stay_text_exactly_as_written(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "kcc.csv", TITLED_CSV))
    assert raw.frame["UPRN"].tolist() == ["000100012345678", "1.00023E+11"]
    assert raw.frame["Post Code"].tolist() == ["me14 1aa", "TBC"]
    assert raw.frame.dtypes.eq(object).all()


def test_csv_blank_cells_are_none(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "r.csv", "A,B,C\n1,  ,\n"))
    assert raw.frame.iloc[0].tolist() == ["1", None, None]


def test_explicit_header_row(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "kcc.csv", TITLED_CSV), header_row=3)
    assert raw.header_row == 3 and raw.source_row.tolist() == [4, 6]
    with pytest.raises(RegisterError, match="header_row 50"):
        read_register(tmp_path / "kcc.csv", header_row=50)


def test_csv_embedded_newline_is_one_spreadsheet_row(tmp_path: Path) -> None:
    text = 'Name,PostCode,Note\nA,"GL50 1DY\n",x\nB,"GL50\n2AB","line 1\nline 2\nline 3"\nC,GL51 3CD,z\n'
    raw = read_register(_write(tmp_path / "r.csv", text))
    assert raw.source_row.tolist() == [2, 3, 4]
    assert raw.frame["PostCode"].tolist() == ["GL50 1DY\n", "GL50\n2AB", "GL51 3CD"]


def test_csv_cp1252_pound_sign(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", 'Name,Running Cost\nHall,"£1,200"\nDepot,£300\n', "cp1252")
    assert b"\xa3" in path.read_bytes()
    raw = read_register(path)
    assert raw.encoding == "cp1252"
    assert raw.frame["Running Cost"].tolist() == ["£1,200", "£300"]


def test_csv_neither_utf8_nor_cp1252_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"Name,Cost\nHall\x81,5\n")  # 0x81 is undefined in cp1252
    raw = read_register(path)
    assert raw.encoding not in {"utf-8", "cp1252"}
    assert raw.frame["Cost"].tolist() == ["5"]


def test_csv_utf8_bom_stripped_from_first_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffUPRN,Name\n123,Café\n".encode())
    raw = read_register(path)
    assert raw.encoding == "utf-8-sig"
    assert list(raw.frame.columns) == ["UPRN", "Name"]
    assert raw.frame["Name"].tolist() == ["Café"]


def test_named_encoding_that_fails_names_the_offset(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", "Name,Cost\nHall,£5\n", "cp1252")
    with pytest.raises(
        RegisterError, match=r"r\.csv: cannot be read as 'utf-8': byte 0xA3 at offset 15 \(line 2\)"
    ):
        read_register(path, encoding="utf-8")
    assert read_register(path, encoding="cp1252").frame["Cost"].tolist() == ["£5"]


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_csv_delimiter_sniffed(tmp_path: Path, delim: str) -> None:
    text = (
        delim.join(["Name", "Cost", "Post Code"])
        + "\n"
        + delim.join(["Hall, East", "1,200", "ME14 1AA"])
        + "\n"
    )
    raw = read_register(_write(tmp_path / "r.txt", text))
    assert list(raw.frame.columns) == ["Name", "Cost", "Post Code"]
    assert raw.frame.iloc[0].tolist() == ["Hall, East", "1,200", "ME14 1AA"]


def test_duplicate_and_messy_header_names(tmp_path: Path) -> None:
    text = 'Organisation, Organisation ,"Post\nCode",,\nA,B,ME1 1AA,,\n'
    raw = read_register(_write(tmp_path / "r.csv", text))
    assert list(raw.frame.columns) == ["Organisation", "Organisation (2)", "Post Code"]


def test_unnamed_column_with_values_is_kept(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "r.csv", "Name,Easting,\nHall,575800,156300\n"))
    assert list(raw.frame.columns) == ["Name", "Easting", "Column C"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.csv", b"", "r.csv: the file is empty"),
        ("r.csv", b"\n\n,,\n", "r.csv: the register is empty"),
        ("r.csv", b"Name,UPRN\n\n", r"r.csv: the register has a header \(row 1\) but no data rows"),
        ("r.xlsx", b"not a zip", r"r.xlsx: not a readable Excel workbook \(.+\); open it in a spreadsheet"),
        ("r.xls", b"x" * 600, r"r.xls: not a readable Excel 97-2003 workbook"),
        ("r.ods", b"PK\x03\x04 broken", r"r.ods: not a readable OpenDocument workbook"),
        ("r.dbf", b"x", r"r.dbf: '.dbf' is not a supported register format; use one of .csv"),
        ("r.gpkg", b"not a geopackage", "r.gpkg: not a readable vector file"),
    ],
)
def test_unreadable_files_give_a_plain_message(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegisterError, match=message):
        read_register(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as err:
        read_register(tmp_path / "nope.csv")
    assert str(err.value) == (
        f"register file {str(tmp_path / 'nope.csv')!r} not found "
        "(the 'register:' path is relative to the config file)"
    )
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(RegisterError, match="is a folder, not a file"):
        read_register(tmp_path / "folder.csv")


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Read me first"
    ws = wb.create_sheet("Assets")
    ws["A1"] = "Kent County Council – Property Terrier"
    ws["A2"] = "Generated 01/09/2026"
    ws.append([])  # row 3 blank
    ws.append(["Asset ID", "Property Name", "UPRN", "GIA (m2)", "Lease Expiry", "Post Code"])  # row 4
    ws.append(["K1", "Civic Centre", "000100012345678", 1200.0, dt.datetime(2027, 3, 31), "ME14 1AA"])
    ws.append([])  # row 6 blank
    ws.append(["K2", "Depot", 100023456789, 12.5, "31/03/2030", "ME14 2BB"])  # row 7
    ws.append([])
    ws.append(["Note: figures are unaudited"])  # row 9: a note below the table
    ws.merge_cells("A1:D1")
    wb.create_sheet("Cover")
    wb.save(path)
    return path


def test_xlsx_picks_data_sheet_header_and_rows(tmp_path: Path) -> None:
    raw = read_register(_workbook(tmp_path / "kcc.xlsx"))
    assert raw.sheet == "Assets"
    assert raw.header_row == 4
    assert raw.source_row.tolist() == [5, 7, 9]
    assert raw.frame["UPRN"].tolist()[:2] == ["000100012345678", "100023456789"]
    assert raw.frame["GIA (m2)"].tolist()[:2] == ["1200", "12.5"]
    assert raw.frame["Lease Expiry"].tolist()[:2] == ["2027-03-31", "31/03/2030"]
    assert raw.note_rows == (9,)  # kept, marked as a note below the table (not an asset)


def test_xlsx_sheet_by_name_and_index(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "kcc.xlsx")
    assert read_register(path, sheet="Assets").sheet == "Assets"
    assert read_register(path, sheet=1).sheet == "Assets"
    with pytest.raises(
        RegisterError,
        match=r"kcc.xlsx: there is no sheet 'Estate'; its sheets are: \['Notes', 'Assets', 'Cover'\]",
    ):
        read_register(path, sheet="Estate")
    with pytest.raises(RegisterError, match="Notes"):
        read_register(path, sheet=7)


def _vector_frame(points: bool = True) -> gpd.GeoDataFrame:
    """Three features: a site (a point, or a small square where points cannot mix), a polygon, none."""
    first = Point(575800, 156300) if points else Point(575800, 156300).buffer(5, cap_style="square")
    return gpd.GeoDataFrame(
        {
            "UPRN": ["000100012345678", "200001", "300002"],
            "Name": ["Point site", "Polygon site", "No geometry"],
            "GIA": [120.0, 300.5, None],
        },
        geometry=[first, Polygon([(0, 0), (100, 0), (100, 100), (0, 100)]), None],
        crs="EPSG:27700",
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_vector_points_in_bng_and_text_attributes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"estate{suffix}"
    _vector_frame(points=suffix != ".shp").to_file(path)
    raw = read_register(path)
    assert raw.source_row.tolist() == [1, 2, 3]
    assert raw.frame["UPRN"].tolist() == ["000100012345678", "200001", "300002"]
    assert raw.frame["GIA"].tolist() == ["120", "300.5", None]
    assert raw.geometry is not None and raw.geometry.crs.to_epsg() == 27700
    assert (raw.geometry.iloc[0].x, raw.geometry.iloc[0].y) == pytest.approx((575800, 156300), abs=5)
    poly = raw.geometry.iloc[1]
    assert poly.geom_type == "Point" and 0 < poly.x < 100 and 0 < poly.y < 100
    assert raw.geometry.iloc[2] is None


def test_vector_wgs84_is_transformed(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"Name": ["Maidstone"]}, geometry=[Point(0.5219, 51.2785)], crs="EPSG:4326")
    path = tmp_path / "police.geojson"
    gdf.to_file(path)
    raw = read_register(path)
    pt = raw.geometry.iloc[0]
    assert pt.x == pytest.approx(576000, abs=1000) and pt.y == pytest.approx(155700, abs=1000)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_vector_without_crs_guessed_from_coordinates(tmp_path: Path) -> None:
    bng = tmp_path / "bng.shp"
    gpd.GeoDataFrame({"Name": ["a"]}, geometry=[Point(575800, 156300)]).to_file(bng)
    assert read_register(bng).geometry.iloc[0].x == pytest.approx(575800)
    deg = tmp_path / "deg.shp"
    gpd.GeoDataFrame({"Name": ["a"]}, geometry=[Point(0.5219, 51.2785)]).to_file(deg)
    assert read_register(deg).geometry.iloc[0].x == pytest.approx(576000, abs=1000)


def test_vector_layers(tmp_path: Path) -> None:
    path = tmp_path / "estate.gpkg"
    _vector_frame().to_file(path, layer="council")
    _vector_frame().iloc[:1].to_file(path, layer="police")
    assert len(read_register(path).frame) == 3
    assert len(read_register(path, layer="police").frame) == 1
    with pytest.raises(
        RegisterError, match=r"there is no layer 'fire'; its layers are: \['council', 'police'\]"
    ):
        read_register(path, layer="fire")


def test_zipped_shapefile(tmp_path: Path) -> None:
    import zipfile

    shp = tmp_path / "shp"
    shp.mkdir()
    _vector_frame(points=False).to_file(shp / "estate.shp")
    zpath = tmp_path / "estate.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f.name)
    assert read_register(zpath).frame["Name"].tolist() == ["Point site", "Polygon site", "No geometry"]


def test_real_cheltenham_2021_duplicate_headers_and_newline_postcodes() -> None:
    raw = read_register(_real("cheltenham-land-assets", "local_authority_land_and_assets_2021.csv"))
    assert len(raw.frame) == 498
    assert raw.header_row == 1
    assert list(raw.frame.columns[:4]) == [
        "Organisation",
        "OrganisationLabel",
        "Organisation (2)",
        "OrganisationLabel (2)",
    ]
    assert raw.frame["PostCode"].iloc[0] == "GL50 1DY\n"
    assert raw.source_row[:3].tolist() == [2, 3, 4]
    assert raw.source_row[-1] == 499


def test_real_trafford_wgs84_register() -> None:
    raw = read_register(_real("trafford-land-assets", "trafford_land_and_building_assets.csv"))
    assert len(raw.frame) == 608
    assert raw.frame["UPRN"].iloc[0] == "100012797623"
    assert raw.frame["GeoX"].iloc[0] == "-2.3520922"


def test_real_derbyshire_xlsx_title_row() -> None:
    raw = read_register(_real("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx"))
    assert raw.header_row == 2 and raw.sheet == "Sheet1"
    assert raw.source_row[0] == 3
    assert "Site Co-ordinates (Geocode)" in raw.frame.columns


@pytest.mark.parametrize(
    ("last", "kept"),
    [
        ("Note: figures are unaudited,,", False),
        ("* excludes schools,,", False),
        ("Source: Estates team property system export,,", False),
        ("K9,,", True),  # an asset with only its id is still an asset
        ("Old Depot Land,,", True),
        (",Note in column B,", True),
    ],
)
def test_notes_below_the_table(tmp_path: Path, last: str, kept: bool) -> None:
    text = f"Ref,Name,Post Code\nK1,Hall,ME1 1AA\n\n{last}\n"
    raw = read_register(_write(tmp_path / "r.csv", text))
    assert raw.source_row.tolist() == [2, 4]  # nothing is dropped
    assert raw.note_rows == (() if kept else (4,))


def test_notes_without_blank_gap_are_rows(tmp_path: Path) -> None:
    raw = read_register(
        _write(tmp_path / "r.csv", "Ref,Name,Post Code\nK1,Hall,ME1 1AA\nNote: this one is an asset row,,\n")
    )
    assert len(raw.frame) == 2
    assert raw.note_rows == ()


def test_csv_quote_never_closed_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    rows = [
        "Title row",
        "Ref,Name,Postcode",
        "A1,Hall,ME14 1AA",
        'A2,"Civic Centre,ME14 1AB',
        "A3,Hub,ME14 1AD",
    ]
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(RegisterError) as err:
        read_register(path)
    assert str(err.value) == (
        'q.csv: row 4: a quote (") opened in this row is never closed, so everything after it would be '
        "read as one cell; close or remove that quote and run again"
    )


def test_csv_stray_quotes_read_leniently(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('Ref,Name\nA1,"Say "hi" there"\n')
    assert read_register(path).frame["Name"].tolist() == ['Say hi" there"']


# --- workbooks through python-calamine: xlsx, ods (xls: the real Kent register below) ---------


def _ods(path: Path, rows: list[list[object]]) -> Path:
    """A minimal OpenDocument spreadsheet: text, float and date cells; blank rows repeated."""
    import zipfile as zf
    from xml.sax.saxutils import escape

    def cell(v: object) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, dt.date):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                f"<text:p>{v.isoformat()}</text:p></table:table-cell>"
            )
        if isinstance(v, float | int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>"
            )
        text = escape(str(v))
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    body = "".join(
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        if row == ["<2 blank rows>"]
        else "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Stations">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zf.ZipFile(path, "w") as z:
        z.writestr(zf.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def test_ods_title_row_header_rows_dates_and_numbers_as_text(tmp_path: Path) -> None:
    path = _ods(
        tmp_path / "stations.ods",
        [
            ["Fire stations in England"],
            ["<2 blank rows>"],
            ["STATION_NAME", "STATION_POSTCODE", "STATION_EASTING", "STATION_NORTHING", "Opened", "Code"],
            ["Bryher", "TR23 0PR", 87878.0, 14962.5, dt.date(1975, 4, 1), "00123"],
            ["<2 blank rows>"],
            ["St Agnes", "TR22 0PL", 88139, 8226, None, "7"],
        ],
    )
    raw = read_register(path)
    assert raw.sheet == "Stations" and raw.header_row == 4
    assert raw.source_row.tolist() == [5, 8]
    assert raw.frame.to_dict("list") == {
        "STATION_NAME": ["Bryher", "St Agnes"],
        "STATION_POSTCODE": ["TR23 0PR", "TR22 0PL"],
        "STATION_EASTING": ["87878", "88139"],
        "STATION_NORTHING": ["14962.5", "8226"],
        "Opened": ["1975-04-01", None],
        "Code": ["00123", "7"],
    }


def _odd_workbook(path: Path) -> Path:
    """Data starting at column B, row 3, a merged heading over two columns, every kind of cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Land and Premises"
    ws["B1"] = "Avon Fire and Rescue Service: land and premises"
    merged = "Map reference\nEastings           Northings"
    header = ["Name of Premises", merged, None, "Opened", "When", "Ref"]
    for j, value in enumerate(header, start=2):
        ws.cell(row=3, column=j, value=value)
    ws.merge_cells("C3:D3")
    rows = [
        ["Bath Fire Station", 375405.0, 165595.0, dt.datetime(1975, 4, 1), dt.datetime(2020, 1, 1, 9), "07"],
        ["Control Centre", 371679.8, 170256.5, "01/04/1976", True, 12.0],
    ]
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row, start=2):
            ws.cell(row=i, column=j, value=value)
    wb.save(path)
    return path


def test_xlsx_cells_as_openpyxl_shows_them(tmp_path: Path) -> None:
    path = _odd_workbook(tmp_path / "avon.xlsx")
    raw = read_register(path)
    assert raw.header_row == 3 and raw.source_row.tolist() == [4, 5]
    assert list(raw.frame.columns) == [
        "Name of Premises", "Map reference Eastings Northings", "Column D", "Opened", "When", "Ref",
    ]  # fmt: skip
    assert raw.unnamed == ("Column D",)
    # whole floats lose ".0", dates at midnight are ISO dates, text stays as written
    assert raw.frame.to_numpy().tolist() == [
        ["Bath Fire Station", "375405", "165595", "1975-04-01", "2020-01-01 09:00:00", "07"],
        ["Control Centre", "371679.8", "170256.5", "01/04/1976", "TRUE", "12"],
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.csv", b"PK\x03\x04" + b"\x00" * 40, "r.csv: is not a text table but a zip archive"),
        ("r.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 40, "r.csv: is not a text table but an Excel 97-2003"),
        ("r.csv", bytes(range(256)) * 4, r"r.csv: is not a text table \(it holds binary data\)"),
        ("r.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "r.txt: is not a text table but a PNG picture"),
    ],
)
def test_binary_data_renamed_csv_is_named(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RegisterError, match=message):
        read_register(path)


def test_a_stray_nul_in_a_cell_is_still_text(tmp_path: Path) -> None:
    """Only data full of control characters is binary: one NUL (a database export's) is a cell's."""
    path = tmp_path / "r.csv"
    rows = b"".join(b"A%d,Depot,ME14 1AB\r\n" % i for i in range(2, 12))
    path.write_bytes(b"Ref,Name,Post Code\r\nA1,Note\x00,ME14 1AA\r\n" + rows)
    raw = read_register(path)
    assert raw.frame.to_numpy().tolist()[:2] == [["A1", "Note\x00", "ME14 1AA"], ["A2", "Depot", "ME14 1AB"]]
    assert len(raw.frame) == 11


def test_real_kent_xls_saved_as_xlsx_is_read() -> None:
    raw = read_register(_real("fire-stations-kent", "stations-kent.xlsx"))  # an Excel 97-2003 file inside
    assert len(raw.frame) == 58 and raw.header_row == 1
    assert raw.frame["Station number"].iloc[0] == "15" and raw.frame["Postcode"].iloc[0] == "TN25 7DJ"


def test_real_home_office_ods_is_read() -> None:
    raw = read_register(_real("fire-stations-homeoffice", "fire-stations-dataset.ods"))
    assert raw.sheet == "STATIONS" and len(raw.frame) == 1399
    assert raw.frame.iloc[0][["STATION_EASTING", "STATION_NORTHING"]].tolist() == ["87878", "14962"]


# --- headerless files --------------------------------------------------------------------------

HEADERLESS = (
    '"A81001","THE DENSHAM SURGERY","Y63","","TS18 1HU"\n'
    '"A81002","QUEENS PARK MEDICAL CENTRE","Y63","","TS18 2AW"\n'
)


def test_headerless_csv_rows_from_one_and_columns_by_letter(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "epraccur.csv", HEADERLESS), header_row="none")
    assert raw.headerless and raw.header_row is None
    assert raw.source_row.tolist() == [1, 2]  # row 1 is the first practice
    assert list(raw.frame.columns) == ["Column A", "Column B", "Column C", "Column D", "Column E"]  # D kept
    assert raw.frame["Column E"].tolist() == ["TS18 1HU", "TS18 2AW"]


def test_headerless_columns_named_by_letter_or_number(tmp_path: Path) -> None:
    raw = read_register(_write(tmp_path / "epraccur.csv", HEADERLESS), header_row=None)
    got = match_columns(raw, {"asset_id": "a", "name": "2", "postcode": "E", "address": ["D", "5"]})
    assert got == {
        "asset_id": "Column A",
        "name": "Column B",
        "postcode": "Column E",
        "address": ["Column D", "Column E"],
    }
    # no headings: nothing is guessed from them, but a column of postcodes is known by its values
    assert match_columns(raw, {}) == {"postcode": "Column E"}
    assert match_columns(raw, {"uprn": "A"}) == {"uprn": "Column A"}  # a way to place them is named
    with pytest.raises(RegisterError, match=r"column 'K' \(for postcode\) is not in the register\. It has"):
        match_columns(raw, {"postcode": "K"})
    with pytest.raises(RegisterError, match=r"by letter .* it has columns A to E"):
        match_columns(raw, {"postcode": "Postcode"})


def test_headerless_postcodes_need_nearly_every_value_to_be_one(tmp_path: Path) -> None:
    rows = [f'"P{i}","Surgery {i}","{"TS18 1HU" if i % 3 else "not known"}"' for i in range(30)]
    raw = read_register(_write(tmp_path / "mixed.csv", "\n".join(rows) + "\n"), header_row="none")
    assert match_columns(raw, {}) == {}  # a third of the cells are not postcodes: not taken
    assert match_columns(raw, {"postcode": "C"}) == {"postcode": "Column C"}


def test_headed_register_suggests_the_unnamed_column(tmp_path: Path) -> None:
    raw = read_register(_odd_workbook(tmp_path / "avon.xlsx"))
    with pytest.raises(RegisterError, match=r"Did you mean 'Column D' \(the column with no heading\)\?"):
        match_columns(raw, {"northing": "D"})


# --- coordinates: pairs in one column, easting and northing under one merged heading ---------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("51.89, -2.07", {"latitude": 51.89, "longitude": -2.07}),
        ("-2.07,51.89", {"latitude": 51.89, "longitude": -2.07}),  # the values say which is which
        ("(51.380777, -2.36194)", {"latitude": 51.380777, "longitude": -2.36194}),
        ("4-5 Chapel Court, Bath\n(51.380777, -2.36194)", {"latitude": 51.380777, "longitude": -2.36194}),
        ("POINT (-2.07 51.89)", {"latitude": 51.89, "longitude": -2.07}),
        ('{"type":"Point","coordinates":[-2.3785,51.3851]}', {"latitude": 51.3851, "longitude": -2.3785}),
        ("(395265, 222126)", {"easting": 395265.0, "northing": 222126.0}),
        ("435123,356789", {"easting": 435123.0, "northing": 356789.0}),
        ("POINT Z (395265.5 222126 12)", {"easting": 395265.5, "northing": 222126.0}),
        ("[395265; 222126]", {"easting": 395265.0, "northing": 222126.0}),
        ("48.85, 2.35", {"latitude": 48.85, "longitude": 2.35}),  # Paris: kept as given, geocoding says so
    ],
)
def test_coordinate_pair_text(text: str, expected: dict[str, float]) -> None:
    pairs = parse_pairs(pd.Series([text], dtype=object))
    got = {f: getattr(pairs, f).iloc[0] for f in ("easting", "northing", "latitude", "longitude")}
    assert {f: v for f, v in got.items() if not np.isnan(v)} == pytest.approx(expected)
    assert pairs.problems.iloc[0] is None


def test_bad_pair_text_is_a_problem_and_blank_is_not() -> None:
    pairs = parse_pairs(pd.Series(["see map", None, "-", "1,234,567"], dtype=object))
    assert pairs.problems.tolist()[1:3] == [None, None]
    assert pairs.problems.iloc[0] == (
        'coordinates "see map" are not a pair of numbers such as "51.89, -2.07" or "435123, 356789": not used'
    )
    assert pairs.problems.iloc[3].startswith('coordinates "1,234,567" are not a pair')
    assert pairs.easting.isna().all() and pairs.latitude.isna().all()


def _csv_register(tmp_path: Path, text: str) -> RawRegister:
    return read_register(_write(tmp_path / "r.csv", text))


@pytest.mark.parametrize(
    "heading", ["Site Co-ordinates (Geocode)", "Location", "Coordinates", "Grid Ref", "Location 1", "LatLong"]
)
def test_pair_column_found_by_heading_and_values(tmp_path: Path, heading: str) -> None:
    raw = _csv_register(tmp_path, f'Site,"{heading}"\nA,"436795,333276"\nB,"(51.38, -2.36)"\nC,\n')
    assert match_columns(raw, {}) == {"name": "Site", "coordinates": heading}


@pytest.mark.parametrize(
    "text",
    [
        'Site,Location\nA,"Mount Road, Bath"\nB,"12 High Street, Bath BA1 1AA"\n',  # addresses, not pairs
        'Site,Notes\nA,"436795,333276"\nB,"436795,333276"\n',  # pairs, but the heading says nothing
        'Site,Location\nA,"1, 2"\nB,"3, 4"\n',  # numbers, but no place in Great Britain
        'Site,Location,Easting,Northing\nA,"51.38, -2.36",436795,333276\n',  # has its own coordinates
    ],
)
def test_pair_column_not_taken_without_pairs_or_hint(tmp_path: Path, text: str) -> None:
    assert "coordinates" not in match_columns(_csv_register(tmp_path, text), {})


def test_pair_column_named_in_config_fills_only_rows_without_their_own(tmp_path: Path) -> None:
    raw = _csv_register(
        tmp_path,
        "Ref,Easting,Northing,Where\n"
        'A,,,"436795,333276"\n'
        'B,575800,156300,"436795,333276"\n'  # its own easting/northing win
        'C,,,"(51.38, -2.36)"\n'
        "D,,,somewhere\n",
    )
    columns = match_columns(raw, {"coordinates": "where"})
    assert columns["coordinates"] == "Where" and columns["easting"] == "Easting"
    reg = clean_register(raw, columns, partner="P", source_file="r.csv")
    a = reg.assets
    assert a["easting"].tolist()[:2] == [436795.0, 575800.0] and np.isnan(a["easting"].iloc[2])
    assert a[["latitude", "longitude"]].iloc[2].tolist() == [51.38, -2.36]
    assert reg.warnings[["source_row", "field", "value"]].values.tolist() == [[5, "coordinates", "somewhere"]]


def test_merged_easting_northing_heading(tmp_path: Path) -> None:
    raw = read_register(_odd_workbook(tmp_path / "avon.xlsx"))
    got = match_columns(raw, {})
    assert got["easting"] == "Map reference Eastings Northings" and got["northing"] == "Column D"


@pytest.mark.parametrize(
    ("heading", "values", "expected"),
    [
        ("Northings / Eastings", "165595,375405", ("Column C", "Northings / Eastings")),  # northing first
        ("Eastings Northings", "51.38,-2.36", None),  # not grid metres: not taken
        ("Eastings Northings", "375405,", None),  # nothing beside it
    ],
)
def test_merged_heading_checked_by_values(
    tmp_path: Path, heading: str, values: str, expected: tuple[str, str] | None
) -> None:
    raw = _csv_register(tmp_path, f"Site,{heading},\nA,{values}\nB,{values}\n")
    got = match_columns(raw, {})
    assert (got.get("easting"), got.get("northing")) == (expected or (None, None))


# --- headings of real registers ------------------------------------------------------------

REAL_HEADINGS = [
    ("OrganisationName", "name"),  # NHS Choices
    ("OrganisationCode", "asset_id"),
    ("OrganisationType", "use"),
    ("station_name", "name"),  # data.police.uk
    ("STATION_NAME", "name"),  # Home Office fire stations
    ("STATION_ADDRESS", "address"),
    ("STATION_POSTCODE", "postcode"),
    ("STATION_EASTING", "easting"),
    ("STATION_NORTHING", "northing"),
    ("LOCATION_POSTCODE", "postcode"),  # Post Office branches
    ("BRANCH_LATITUDE", "latitude"),
    ("BRANCH_LONGITUDE", "longitude"),
    ("LOCATION_NAME", "name"),
    ("HoldingType", "use"),  # Transparency Code
    ("Holding Type", "use"),
    ("Type of premises", "use"),  # Avon FRS
    ("Asset Type", "use"),  # Derbyshire FRS
    ("Asset Ownership", "tenure"),
    ("Gross Internal Area", "gia_m2"),
    ("URN", "asset_id"),  # DfE
    ("unique_reference_number", "asset_id"),
    ("EstablishmentName", "name"),
    ("SCHNAME", "name"),
    ("TypeOfEstablishment (name)", "use"),
    ("Library name", "name"),  # DCMS libraries
    ("Postal address", "address"),
    ("Station name", "name"),  # Kent FRS
    ("Station number", "asset_id"),
    ("SiteReference", "asset_id"),  # brownfield register
    ("Site ID", "asset_id"),
    ("Site Type", "use"),
    ("AssetCode", "asset_id"),
    ("Address1", "address"),
    ("City", "address"),
    ("Annual Cost", "running_cost_gbp"),
    ("Pupils", "occupancy"),
]


@pytest.mark.parametrize(("heading", "field"), REAL_HEADINGS)
def test_real_heading_matched_and_shown_by_check(tmp_path: Path, heading: str, field: str) -> None:
    placing = "UPRN" if field == "postcode" else "Postcode"  # something to place the assets by
    text = f'"{heading}",Notes,{placing}\nvalue,x,ME14 1AA\n'
    raw = _csv_register(tmp_path, text)
    assert match_columns(raw, {}).get(field) == heading
    config = tmp_path / "assetmap.yaml"
    config.write_text("title: t\npartners:\n  - {name: P, register: r.csv}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(config)])
    assert res.exit_code == 0, res.output
    assert f"  {field:<17} <- {heading}  (matched automatically)" in res.output


def test_address_parts_joined_in_register_order(tmp_path: Path) -> None:
    raw = _csv_register(
        tmp_path,
        "OrganisationName,Address1,Address2,Address3,City,County,Postcode\n"
        "North Somerset Community Hospital,North Somerset Community Hospital,"
        "Old Street,,Clevedon,Avon,BS21 6BS\n",
    )
    columns = match_columns(raw, {})
    assert columns["address"] == ["Address1", "Address2", "Address3", "City"]
    reg = clean_register(raw, columns, partner="P", source_file="r.csv")
    # the name repeated in Address1 is kept once per part; blanks skipped; the county is not an address line
    assert reg.assets["address"].iloc[0] == "North Somerset Community Hospital, Old Street, Clevedon"


def test_town_already_in_the_address_is_not_repeated(tmp_path: Path) -> None:
    raw = _csv_register(
        tmp_path, 'Address,Town,Postcode\n"1 High St, Ash",Ash,TN15 7BF\nBathwick Street,Bath,BA2 6NX\n'
    )
    reg = clean_register(raw, match_columns(raw, {}), partner="P", source_file="r.csv")
    assert reg.assets["address"].tolist() == ["1 High St, Ash", "Bathwick Street, Bath"]


@pytest.mark.parametrize(
    "heading",
    [
        "Map reference Eastings Northings",  # names both: not a northing by its last word
        "Previous Organisation Postcode",  # a long prefix: not this site's postcode
        "Postcode District",
    ],
)
def test_prefixed_headings_not_over_matched(tmp_path: Path, heading: str) -> None:
    raw = _csv_register(tmp_path, f'Site,"{heading}"\nA,B\n')
    assert match_columns(raw, {}) == {"name": "Site"}


# --- a file that is not a register stops the run ---------------------------------------------


def _notes_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Meeting", "Notes", "Owner"])
    ws.append(["Asset board, June", "Agreed to review the depots", "J Smith"])
    ws.append(["Asset board, September", "Depot review done", "J Smith"])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ("notes.xlsx", r"notes.xlsx: does not look like a register of assets: no column could be used"),
        ("renamed.csv", r"renamed.csv: is not a text table \(it holds binary data\)"),
        ("epraccur.csv", r"Its header \(row 1\) looks like data \(.TS18 1HU.\): if the file has no header"),
    ],
)
def test_not_a_register_stops_the_run_and_check_says_so(tmp_path: Path, register: str, message: str) -> None:
    _notes_workbook(tmp_path / "notes.xlsx")
    (tmp_path / "renamed.csv").write_bytes(bytes(range(256)) * 8)
    _write(tmp_path / "epraccur.csv", HEADERLESS)
    config = tmp_path / "assetmap.yaml"
    config.write_text(f"title: t\npartners:\n  - {{name: P, register: {register}}}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(config)])
    assert res.exit_code == 1
    assert re.search(message, res.output.replace("\n", " ")), res.output
    assert not (tmp_path / "out").exists()
    check = CliRunner().invoke(cli, ["check", str(config)])
    assert check.exit_code == 1


def test_check_marks_a_register_without_locations(tmp_path: Path) -> None:
    _notes_workbook(tmp_path / "notes.xlsx")
    config = tmp_path / "assetmap.yaml"
    config.write_text("title: t\npartners:\n  - {name: P, register: notes.xlsx}\n", encoding="utf-8")
    [found] = check_config(config)
    assert not found.can_place and found.unused == ("Meeting", "Notes", "Owner")


def test_bad_pair_text_never_loses_its_row(tmp_path: Path) -> None:
    from assetmap.config import parse_config
    from assetmap.estate import build_estate

    _write(
        tmp_path / "r.csv",
        "Ref,Post Code,Grid\n"
        'A,,"575800, 156300"\n'
        "B,ME14 1XQ,see map\n"  # placed by its postcode, the pair text warned about
        "C,,see map\n",  # nothing else to place it by: rejected with a reason
    )
    partner = {"name": "P", "register": "r.csv", "columns": {"coordinates": "Grid"}}
    estate = build_estate(parse_config({"title": "t", "partners": [partner]}, "t.yaml", tmp_path))
    placed = estate.assets.set_index("asset_id")
    assert placed.loc["A", "geocode_method"] == "coordinates"
    assert (placed.loc["A", "easting"], placed.loc["A", "northing"]) == (575800.0, 156300.0)
    assert placed.loc["B", "geocode_method"] == "postcode"
    assert estate.rejects["asset_id"].tolist() == ["C"]
    grid = estate.warnings[estate.warnings["field"] == "coordinates"]
    assert grid["asset_id"].tolist() == ["B", "C"]


def test_damaged_sheet_is_a_plain_message(tmp_path: Path) -> None:
    import zipfile as zf

    good = _workbook(tmp_path / "good.xlsx")
    broken = tmp_path / "kcc.xlsx"
    with zf.ZipFile(good) as src, zf.ZipFile(broken, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    message = r"kcc.xlsx: a sheet of the workbook cannot be read \(.+\); save it again"
    with pytest.raises(RegisterError, match=message):
        read_register(broken)
