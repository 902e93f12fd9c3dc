"""``assetmap run`` on real published registers, when ../shared/realdata is present.

Nothing here is copied into the repository: the tests skip when the files are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Transformer
from support import realdata

from assetmap.cli import cli
from assetmap.config import load_config
from assetmap.estate import place_partner
from assetmap.geocode import PostcodeLookup
from assetmap.pipeline import RunResult, run
from assetmap.registers import read_register


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, dict[str, Path]]:
    cheltenham = realdata("cheltenham-land-assets", "local_authority_land_and_assets_2021.csv")
    trafford = realdata("trafford-land-assets", "trafford_land_and_building_assets.csv")
    derbyshire = realdata("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx")
    root = tmp_path_factory.mktemp("real")
    config = root / "assetmap.yaml"
    config.write_text(
        "title: Real registers\n"
        "partners:\n"
        f"  - {{name: Cheltenham Borough Council, kind: council, register: '{cheltenham}'}}\n"
        f"  - {{name: Trafford Council, kind: council, register: '{trafford}'}}\n"
        f"  - {{name: Derbyshire Fire and Rescue, kind: fire, register: '{derbyshire}'}}\n",
        encoding="utf-8",
    )
    files = {"Cheltenham Borough Council": cheltenham, "Trafford Council": trafford,
             "Derbyshire Fire and Rescue": derbyshire}  # fmt: skip
    return run(config, root / "out"), files


def test_every_real_row_placed_or_rejected_once(real_run: tuple) -> None:
    result, files = real_run
    estate = result.estate
    cols = ["partner", "source_row"]
    keys = pd.concat([estate.assets[cols], estate.rejects[cols]], ignore_index=True)
    assert not keys.duplicated().any()
    for partner, path in files.items():
        assert (keys["partner"] == partner).sum() == len(read_register(Path(path)).frame)


def test_real_registers_mostly_placed_with_reasons_for_the_rest(real_run: tuple) -> None:
    result, _ = real_run
    summary = {p.name: p for p in result.estate.partners}
    cheltenham = summary["Cheltenham Borough Council"]
    assert cheltenham.placed >= 0.99 * cheltenham.rows_read  # BNG GeoX/GeoY
    trafford = summary["Trafford Council"]
    assert trafford.by_method["coordinates"] > 300  # WGS84 in GeoX/GeoY, recognised as degrees
    reasons = result.estate.rejects["reason"]
    assert reasons.str.len().gt(15).all()
    assert reasons.str.contains("partial postcode").any()  # Trafford's "M41"-style postcodes
    assert (result.estate.assets.geometry.x.between(0, 700_000)).all()


# --- each real register with the smallest config a user would write --------------------------
#
# Every register is run as `name, kind, register` (plus `header_row: none` and letter columns
# for epraccur, as its PDF describes), and where each asset was placed is compared with an
# independent reading of the same file: openpyxl or pandas reading the coordinate cells, or
# the postcode cell, directly.

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

#: key -> (folder, file, kind, extra partner YAML)
REAL = {
    "avon": ("fire-land-assets-avon-derbyshire", "stations-avon.xlsx", "fire", ""),
    "derbyshire": ("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx", "fire", ""),
    "home_office": ("fire-stations-homeoffice", "fire-stations-dataset.ods", "fire", ""),
    "kent_fire": ("fire-stations-kent", "stations-kent.xlsx", "fire", ""),
    "epraccur": (
        "nhs-gp-practices-epraccur", "epraccur.csv", "nhs",
        "    header_row: none\n    columns: {asset_id: A, name: B, address: [E, F, G, H, I], postcode: J}\n",
    ),
    "cheltenham_2021": ("cheltenham-land-assets", "local_authority_land_and_assets_2021.csv", "council", ""),
    "cheltenham_2023": ("cheltenham-land-assets", "local_authority_land_and_assets_2023.csv", "council", ""),
    "trafford": ("trafford-land-assets", "trafford_land_and_building_assets.csv", "council", ""),
    "hospitals": ("nhs-hospitals-nhschoices", "Hospital.csv", "nhs", ""),
    "libraries": ("libraries-england-2017", "libraries.csv", "council", ""),
    "police": ("police-stations-datapoliceuk", "station.tsv", "police", ""),
    "banes_gps": ("banes-public-services", "GP_Surgeries_in_Bath_and_North_East_Somerset.csv", "nhs", ""),
    "banes_toilets": ("banes-public-services", "BANES_Public_Toilets.csv", "council", ""),
    "banes_post_offices": ("banes-public-services", "Post_Office_Branches.csv", "other", ""),
}  # fmt: skip


@pytest.fixture(scope="module")
def onspd() -> PostcodeLookup:
    return PostcodeLookup()


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory, onspd: PostcodeLookup) -> Callable[[str], tuple]:
    """Place one real register as `assetmap run` would, from a minimal YAML config; cached."""
    done: dict[str, tuple] = {}

    def place(key: str) -> tuple:
        if key not in done:
            folder, name, kind, extra = REAL[key]
            path = realdata(folder, name)
            root = tmp_path_factory.mktemp(key)
            config = root / "assetmap.yaml"
            partner = f"  - name: {key}\n    kind: {kind}\n    register: '{path}'\n{extra}"
            config.write_text(f"title: {key}\npartners:\n{partner}", encoding="utf-8")
            cfg = load_config(config)
            done[key] = (*place_partner(cfg.partners[0], base_dir=root, postcodes=onspd), path)
        return done[key]

    return place


def _at(assets: gpd.GeoDataFrame, expected: pd.DataFrame, method: str = "coordinates") -> None:
    """Every row of ``expected`` (source_row, x, y) is placed by ``method`` within 1 m of (x, y)."""
    got = pd.DataFrame(
        {"source_row": assets["source_row"], "gx": assets.geometry.x, "gy": assets.geometry.y,
         "method": assets["geocode_method"]}
    )  # fmt: skip
    both = expected.merge(got, on="source_row", how="left")
    assert both["gx"].notna().all(), both.loc[both["gx"].isna(), "source_row"].tolist()[:10]
    assert (both["method"] == method).all()
    dist = np.hypot(both["gx"] - both["x"], both["gy"] - both["y"])
    assert dist.max() < 1.0, both.loc[dist.idxmax()].to_dict()


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def test_avon_easting_northing_under_one_merged_heading(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("avon")
    ws = openpyxl.load_workbook(path, data_only=True)["Land and Premises"]
    # columns J and K, under "Map reference Eastings Northings" merged over both
    rows = [(r[0].row, r[9].value, r[10].value) for r in ws.iter_rows(min_row=2) if r[9].value is not None]
    expected = pd.DataFrame(rows, columns=["source_row", "x", "y"])
    assert len(expected) == summary.rows_read == 28
    assert summary.by_method["coordinates"] == 28 and len(rejects) == 0  # was 28 by postcode
    assert summary.columns_used["northing"] == "Column K"
    _at(assets, expected.astype(float).astype({"source_row": int}))


def test_derbyshire_coordinates_in_one_text_cell(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("derbyshire")
    ws = openpyxl.load_workbook(path, data_only=True)["Sheet1"]
    rows = [
        (c.row, *map(float, str(c.value).split(",")))
        for c in ws["H"][2:]
        if c.value is not None  # column H: "Site Co-ordinates (Geocode)", "440715,354526"
    ]
    expected = pd.DataFrame(rows, columns=["source_row", "x", "y"])
    assert summary.rows_read == 56 and len(expected) == 56 and len(rejects) == 0
    assert summary.columns_used["coordinates"] == "Site Co-ordinates (Geocode)"
    _at(assets, expected)


def test_home_office_ods(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("home_office")
    frame = pd.read_excel(path, engine="calamine", dtype=str)  # pandas' own reading of the ODS
    east, north = _numbers(frame["STATION_EASTING"]), _numbers(frame["STATION_NORTHING"])
    given = east.notna() & north.notna()
    expected = pd.DataFrame({"source_row": frame.index[given] + 2, "x": east[given], "y": north[given]})
    assert summary.rows_read == len(frame) == 1399
    assert summary.by_method["coordinates"] == int(given.sum()) == 1374
    # the 25 West Sussex rows say "Not available here, but please see https://..." instead
    assert sorted(rejects["source_row"]) == sorted(frame.index[~given] + 2) and len(rejects) == 25
    _at(assets, expected)


def test_kent_fire_xls_saved_as_xlsx(placed: Callable[[str], tuple], onspd: PostcodeLookup) -> None:
    assets, rejects, _, summary, path = placed("kent_fire")
    frame = pd.read_excel(path, engine="calamine", dtype=str)
    hit = onspd.lookup(frame["Postcode"].str.strip())
    found = hit["found"].to_numpy() & hit["easting"].notna().to_numpy()
    expected = pd.DataFrame(
        {"source_row": frame.index[found] + 2, "x": hit["easting"][found], "y": hit["northing"][found]}
    )
    assert summary.rows_read == 58 and summary.placed == 56 and len(rejects) == 2  # "Withheld", TN12 8DF
    assert summary.columns_used["asset_id"] == "Station number"
    _at(assets, expected, method="postcode")


def test_epraccur_headerless_by_column_letters(placed: Callable[[str], tuple], onspd: PostcodeLookup) -> None:
    assets, rejects, _, summary, path = placed("epraccur")
    frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    assert summary.rows_read == len(frame) == 14357  # row 1 is the first practice, not a header
    hit = onspd.lookup(frame[9].replace("", None))
    found = hit["found"].to_numpy() & hit["easting"].notna().to_numpy()
    expected = pd.DataFrame(
        {"source_row": frame.index[found] + 1, "x": hit["easting"][found], "y": hit["northing"][found]}
    )
    assert summary.placed == int(found.sum()) == 14154 and len(rejects) == 203
    _at(assets, expected, method="postcode")
    ids = assets.set_index("source_row")["asset_id"]
    assert ids[1] == frame.loc[0, 0] == "A81001" and ids[len(frame)] == frame.loc[len(frame) - 1, 0]


@pytest.mark.parametrize(
    ("key", "rows", "rejected"), [("cheltenham_2021", 498, 1), ("cheltenham_2023", 459, 0)]
)
def test_cheltenham_geox_geoy(placed: Callable[[str], tuple], key: str, rows: int, rejected: int) -> None:
    assets, rejects, _, summary, path = placed(key)
    frame = pd.read_csv(path, dtype=str, encoding="latin-1")
    x, y = _numbers(frame["GeoX"]), _numbers(frame["GeoY"])
    given = x.notna() & y.notna()
    expected = pd.DataFrame({"source_row": frame.index[given] + 2, "x": x[given], "y": y[given]})
    assert summary.rows_read == rows and len(rejects) == rejected
    assert summary.columns_used["use"] in ("HoldingType", "Holding Type")
    _at(assets, expected)


def _degrees_expected(frame: pd.DataFrame, lon: str, lat: str, first_row: int = 2) -> pd.DataFrame:
    lo, la = _numbers(frame[lon]), _numbers(frame[lat])
    given = lo.notna() & la.notna()
    swapped = given & (lo.abs() > 45)  # a row typed latitude first (Trafford's Davyhulme Youth Centre)
    lo, la = lo.where(~swapped, la), la.where(~swapped, lo)
    x, y = _TO_BNG.transform(lo[given].to_numpy(), la[given].to_numpy())
    return pd.DataFrame({"source_row": frame.index[given] + first_row, "x": x, "y": y})


def test_trafford_wgs84_in_geox_geoy(placed: Callable[[str], tuple]) -> None:
    assets, _, _, summary, path = placed("trafford")
    frame = pd.read_csv(path, dtype=str)
    expected = _degrees_expected(frame, "GeoX", "GeoY")
    assert summary.rows_read == 608 and summary.by_method["coordinates"] == len(expected) == 373
    assert summary.columns_used["address"] == ["StreetNumber", "StreetName", "PostTown"]
    _at(assets, expected)


def test_nhs_hospitals_not_sign_latin1(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("hospitals")
    frame = pd.read_csv(path, sep="\xac", encoding="latin-1", dtype=str, engine="python", quoting=3)
    expected = _degrees_expected(frame, "Longitude", "Latitude")
    assert summary.rows_read == len(frame) == 1234 and len(expected) == 1233 and len(rejects) == 1
    assert summary.columns_used["name"] == "OrganisationName"
    assert summary.columns_used["asset_id"] == "OrganisationCode"
    _at(assets, expected)
    names = assets.set_index("source_row")["name"]
    assert names[2] == frame.loc[0, "OrganisationName"]


def test_libraries_lat_lng(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("libraries")
    frame = pd.read_csv(path, dtype=str)
    expected = _degrees_expected(frame, "lng", "lat")
    assert summary.rows_read == len(frame) == 3238 == len(expected) and len(rejects) == 0
    _at(assets, expected)


def test_police_stations_tsv(placed: Callable[[str], tuple]) -> None:
    assets, rejects, _, summary, path = placed("police")
    frame = pd.read_csv(path, sep="\t", dtype=str, quoting=3)
    expected = _degrees_expected(frame, "longitude", "latitude")
    assert summary.rows_read == len(frame) == 2248
    assert summary.columns_used["name"] == "station_name"
    assert summary.placed + len(rejects) == 2248
    # rows without coordinates are placed by postcode (or, one day, a postcode in the address):
    # only the coordinate rows are this reader's to get right
    assert summary.by_method["coordinates"] == len(expected) == 1284
    _at(assets, expected)


def test_banes_pairs_in_location_text(placed: Callable[[str], tuple]) -> None:
    assets, _, _, summary, path = placed("banes_gps")
    frame = pd.read_csv(path, dtype=str)
    pair = frame["Location 1"].str.extract(r"\(([-\d.]+), ([-\d.]+)\)")  # "(51.376368, -2.373933)"
    expected = _degrees_expected(pd.DataFrame({"lon": pair[1], "lat": pair[0]}), "lon", "lat")
    assert summary.columns_used["coordinates"] == "Location 1"
    assert summary.by_method["coordinates"] == len(expected) == 31  # was 31 by postcode
    _at(assets, expected)


def test_lga_open_data_schema_names_and_uses(placed: Callable[[str], tuple]) -> None:
    # The LGA's open-data schema (public toilets): the name is "LocationText", the use
    # "ServiceTypeLabel"; a minimal config left every toilet nameless.
    assets, _, _, summary, path = placed("banes_toilets")
    frame = pd.read_csv(path, dtype=str)
    assert summary.columns_used["name"] == "LocationText"
    assert summary.columns_used["use"] == "ServiceTypeLabel"
    got = assets.sort_values("source_row")["name"].tolist()
    assert got == frame["LocationText"].str.strip().tolist()
    assert assets["uprn"].notna().all()


def test_null_address_parts_are_left_out(placed: Callable[[str], tuple]) -> None:
    # Post Office branches write "NULL" in empty address lines: "23 Corston, NULL, NULL, Bath".
    assets, _, _, _, path = placed("banes_post_offices")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (frame["LOCATION_ADDRESS_LINE_2"] == "NULL").any()
    assert not assets["address"].str.contains("NULL", case=False).any()
    first = assets.sort_values("source_row").iloc[0]
    lines = [frame.loc[0, f"LOCATION_ADDRESS_LINE_{k}"] for k in range(1, 6)]
    assert first["address"] == ", ".join(v for v in lines if v != "NULL")


def test_check_shows_what_minimal_configs_map(tmp_path: Path) -> None:
    avon = realdata("fire-land-assets-avon-derbyshire", "stations-avon.xlsx")
    derbyshire = realdata("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx")
    config = tmp_path / "assetmap.yaml"
    config.write_text(
        f"title: t\npartners:\n  - {{name: Avon, register: '{avon}'}}\n"
        f"  - {{name: Derbyshire, register: '{derbyshire}'}}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["check", str(config)])
    assert res.exit_code == 0
    for line in (
        "  easting           <- Map reference Eastings Northings  (matched automatically)",
        "  northing          <- Column K  (matched automatically)",
        "  use               <- Type of premises  (matched automatically)",
        "  address           <- Street Name, Local area, Post Town  (matched automatically)",
        "  coordinates       <- Site Co-ordinates (Geocode)  (matched automatically)",
        "  tenure            <- Asset Ownership  (matched automatically)",
    ):
        assert line in res.output


def _key(text: pd.Series) -> pd.Series:
    return text.str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()


def test_police_stations_on_many_rows_are_warned_about_and_kept(placed: Callable[[str], tuple]) -> None:
    assets, rejects, warnings, _, path = placed("police")
    frame = pd.read_csv(path, sep="\t", dtype=str, quoting=3)
    assert len(assets) + len(rejects) == len(frame)  # nothing dropped
    repeats = warnings[warnings["warning"].str.contains("likely one building listed more than once")]
    # An independent count from the file: rows repeating an earlier row's name and postcode.
    name, pcd = _key(frame["station_name"]), frame["postcode"].str.upper().str.replace(" ", "")
    both = name.notna() & pcd.notna()
    groups = pd.DataFrame({"n": name[both], "p": pcd[both]}).groupby(["n", "p"]).size()
    assert int((groups - 1).sum()) == 1565
    # Postcodes taken from addresses and names with trailing commas add a few more.
    assert 1565 <= len(repeats) <= 1650
    assert repeats["source_file"].eq("station.tsv").all() and repeats["field"].eq("name").all()
    # Each names the first row of its group, which has the same name (and so never itself).
    first = repeats["warning"].str.extract(r"as row (\d+) \((\d+) rows in all")
    rows = frame.assign(source_row=np.arange(2, len(frame) + 2)).set_index("source_row")
    named = _key(rows.loc[first[0].astype(int), "station_name"]).to_numpy()
    assert (named == _key(repeats["value"]).to_numpy()).all()
    assert (first[0].astype(int).to_numpy() < repeats["source_row"].to_numpy()).all()
    luton = repeats[_key(repeats["value"]).eq("luton police station").to_numpy()]
    assert len(luton) == int(first.loc[luton.index, 1].iloc[0]) - 1 > 10


def test_placed_assets_keep_the_geocoders_district_and_areas_give_the_same_answers(
    placed: Callable[[str], tuple], onspd: PostcodeLookup
) -> None:
    from assetmap.areas import assign_districts
    from assetmap.partition import asset_districts

    assets, *_ = placed("police")
    looked_up = onspd.lookup(assets["postcode"].astype("string"))["district_code"]
    assert (assets["district_code"].fillna("-").to_numpy() == looked_up.fillna("-").to_numpy()).all()
    assert assets["district_code"].notna().sum() > 1900
    kept = assign_districts(assets, onspd)
    again = assign_districts(assets.drop(columns="district_code"), onspd)
    for col in ("district_code", "district_name", "district_source"):
        assert kept[col].fillna("-").tolist() == again[col].fillna("-").tolist()
    given = asset_districts(assets, onspd, postcode_district=assets["district_code"])
    assert given.tolist() == asset_districts(assets, onspd).tolist()
