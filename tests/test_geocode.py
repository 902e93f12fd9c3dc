"""The geocoding cascade: coordinates, UPRN, postcode; swapped and foreign coordinates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
        'postcode "JE1 0BD" has no grid reference in the ONSPD and no coordinates'
    )


def test_lookup_table_is_cached(onspd: PostcodeLookup, monkeypatch: pytest.MonkeyPatch) -> None:
    onspd.lookup(pd.Series(["ME14 1AA"]))

    def boom(self: PostcodeLookup, letter: str) -> pd.DataFrame:
        raise AssertionError("decoded the packaged directory again")

    monkeypatch.setattr(PostcodeLookup, "_load_packaged_letter", boom)
    again = PostcodeLookup().lookup(pd.Series(["ME14 1AA"]))
    assert tuple(again.loc[0, ["easting", "northing"]]) == ME14_1AA


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
