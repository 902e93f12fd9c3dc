"""The GeoPackage written through Arrow reads back the same as one written feature by feature."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.outputs import write_layers
from assetmap.testing import synthetic_estate


def test_geopackage_through_arrow_round_trips_identically(tmp_path: Path) -> None:
    assets, clusters, _opps, _summary = synthetic_estate(300, seed=5, hostile=True)
    assets["lease_expiry"] = assets["lease_expiry"].astype("datetime64[ms]")
    assets.loc[3, "name"] = None
    assets.loc[4, "name"] = "Caf\u00e9 \u00a3 & <b>"
    layers = {"assets": assets, "clusters": clusters}
    fast, simple = tmp_path / "fast.gpkg", tmp_path / "simple.gpkg"
    write_layers(fast, layers)
    write_layers(simple, layers, use_arrow=False)
    for name, frame in layers.items():
        a = gpd.read_file(fast, layer=name)
        b = gpd.read_file(simple, layer=name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
        )
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()
        assert a.crs == b.crs == frame.crs
        assert len(a) == len(frame)
    back = gpd.read_file(fast, layer="assets")
    assert back.loc[4, "name"] == "Caf\u00e9 \u00a3 & <b>"
    assert pd.isna(back.loc[3, "name"])
    assert (back["asset_id"] == assets["asset_id"]).all()


def test_csv_defuses_formulas_in_text_and_mixed_columns(tmp_path: Path) -> None:
    from assetmap.outputs import defuse_formula, write_csv

    nasty = ["=1+1", "+44 1622", "-422", "+3.5%", "@SUM(A1)", "\tTAB", "plain", None, "-1 High St"]
    frame = pd.DataFrame(
        {
            "text": pd.array(nasty, dtype="string"),
            "str": pd.Series(nasty, dtype="str"),
            "mixed": pd.Series([*nasty[:-1], 5.5], dtype=object),
        }
    )
    path = tmp_path / "x.csv"
    write_csv(frame, path)
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    expected = ["" if v is None else defuse_formula(v) for v in nasty]
    assert back["text"].tolist() == expected
    assert back["str"].tolist() == expected
    assert back["mixed"].tolist() == [*expected[:-1], "5.5"]
    assert expected[0] == "'=1+1" and expected[2] == "-422" and expected[-1] == "'-1 High St"


def test_geopackage_same_bytes_twice_stamped_with_the_as_of_date(tmp_path: Path) -> None:
    """GDAL stamps each layer's last_change with the clock unless told: the run's date is used."""
    import sqlite3
    import time

    import pyogrio

    assets, clusters, _opps, _summary = synthetic_estate(200, seed=7)
    layers = {"assets": assets, "clusters": clusters}
    one, two = tmp_path / "one.gpkg", tmp_path / "two.gpkg"
    write_layers(one, layers, as_of="2026-09-30")
    time.sleep(1.1)  # the clock's seconds change between the two
    write_layers(two, layers, as_of="2026-09-30")
    assert one.read_bytes() == two.read_bytes()
    with sqlite3.connect(one) as con:
        stamps = dict(con.execute("select table_name, last_change from gpkg_contents"))
    assert stamps == dict.fromkeys(layers, "2026-09-30T00:00:00.000Z")
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # put back as it was


AWKWARD_TEXT = st.text(alphabet="=+-@\t\r\n 0123456789.,%\u0663a'", max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), AWKWARD_TEXT), max_size=30))
def test_csv_defusing_of_text_columns_is_the_per_value_rule(values: list[str | None]) -> None:
    """Text columns are defused with Arrow's kernels: the same as :func:`defuse_formula` value by value
    (Unicode digits, a newline ending a signed number, blanks)."""
    from assetmap.outputs import _defuse_column, defuse_formula

    for dtype in ("str", "string"):
        column = pd.Series(values, dtype=dtype)
        got = _defuse_column(column)
        want = [None if v is None else defuse_formula(v) for v in values]
        assert [None if pd.isna(v) else v for v in got] == want
        assert got.dtype == column.dtype
