"""Reading registers: formats, encodings, header detection and spreadsheet row numbers."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from shapely.geometry import Point, Polygon

from assetmap._errors import RegisterError
from assetmap.registers import RawRegister, read_register

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
