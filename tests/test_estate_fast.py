"""The combined estate's faster steps give what the simple ones gave."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.estate import _duplicate_id_warnings
from assetmap.schema import BNG


def _simple_duplicate_ids(assets: pd.DataFrame) -> pd.DataFrame:
    """Every row's id counted over the whole register, as the estate first did it."""
    ids = assets["asset_id"]
    counts = ids.map(ids.value_counts())
    dup = ids.notna() & (counts > 1)
    out = assets.loc[dup, ["partner", "source_file", "source_row", "asset_id"]].copy()
    out["field"] = "asset_id"
    out["value"] = out["asset_id"]
    out["warning"] = "asset id appears " + counts[dup].astype(int).astype(str) + " times in this register"
    return out


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(st.one_of(st.none(), st.sampled_from(["A1", "A2", "a1", "A1 ", "", "0"])), max_size=40))
def test_duplicate_id_warnings_equal_counting_every_row(ids: list[str | None]) -> None:
    assets = pd.DataFrame(
        {
            "partner": "P",
            "source_file": "r.csv",
            "source_row": np.arange(2, len(ids) + 2, dtype=np.int64),
            "asset_id": pd.Series(ids, dtype=object),
        }
    )
    got, want = _duplicate_id_warnings(assets), _simple_duplicate_ids(assets)
    pd.testing.assert_frame_equal(got, want)
    if ids.count("A1") > 1:
        assert f"asset id appears {ids.count('A1')} times in this register" in set(got["warning"])


def test_text_columns_hold_none_for_every_kind_of_missing() -> None:
    """The estate's text columns hold ``None`` where missing, whatever missing came as."""
    from assetmap.estate import _none_for_missing

    cases = [
        pd.Series(["a", None, "b"], dtype=object),
        pd.Series(["a", np.nan, None], dtype=object),
        pd.Series(["a", pd.NA, "b"], dtype=object),
        pd.Series(["a", None], dtype="string"),
        pd.Series([np.nan, np.nan]),
        pd.Series([1, None, "x"], dtype=object),
    ]
    for column in cases:
        want = column.astype(object).where(column.notna(), None)
        got = _none_for_missing(column)
        pd.testing.assert_series_equal(got, want)
        assert [v is None for v in got] == column.isna().tolist()


def _register(path: object, rows: int, start: int) -> None:
    lines = ["Ref,Name,Post Code,Easting,Northing"]
    for i in range(start, start + rows):
        where = "575800,156300" if i % 3 == 0 else ","
        lines.append(f"R{i},Building {i},{'ME14 1AA' if i % 5 else 'TBC'},{where}")
    lines.append(f"R{start},Repeat,WR1 2EY,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _config(tmp_path: object, names: list[str]) -> object:
    from assetmap.config import load_config

    partners = "\n".join(f"- name: P{i}\n  kind: council\n  register: {n}" for i, n in enumerate(names))
    (tmp_path / "assetmap.yaml").write_text(f"title: t\nas_of: '2026-09-30'\npartners:\n{partners}\n")
    return load_config(tmp_path / "assetmap.yaml")


def test_registers_read_two_at_a_time_give_what_one_at_a_time_gives(tmp_path: object) -> None:
    """The estate built with its registers read and placed two at a time is the estate of the
    registers placed one after another, in the config's order."""
    import assetmap.estate as estate_module
    from assetmap.estate import _typed, build_estate, place_partner
    from assetmap.geocode import PostcodeLookup

    names = [f"r{i}.csv" for i in range(4)]
    for i, name in enumerate(names):
        _register(tmp_path / name, 40 + 10 * i, 100 * i)
    config = _config(tmp_path, names)
    lookup = PostcodeLookup()
    estate = build_estate(config, postcodes=lookup)
    assert estate_module.READERS == 2
    one_by_one = [place_partner(p, base_dir=config.base_dir, postcodes=lookup) for p in config.partners]
    parts = [pd.concat([part[k] for part in one_by_one], ignore_index=True) for k in range(3)]
    assets = _typed(gpd.GeoDataFrame(parts[0], geometry="geometry", crs=BNG))
    pd.testing.assert_frame_equal(estate.assets, assets)
    pd.testing.assert_frame_equal(estate.rejects, parts[1])
    pd.testing.assert_frame_equal(estate.warnings, parts[2])
    assert len(estate.warnings) and len(estate.rejects)
    assert estate.partners == [s for _, _, _, s in one_by_one]
    assert set(estate.timings) == {"read_clean", "geocode", "combine"}


def test_the_first_broken_register_in_the_config_is_the_one_reported(tmp_path: object) -> None:
    from assetmap._errors import RegisterError
    from assetmap.estate import build_estate

    _register(tmp_path / "good.csv", 30, 0)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.csv").write_bytes(b"PK\x03\x04" + bytes(200))
    config = _config(tmp_path, ["good.csv", "empty.csv", "binary.csv", "good.csv"])
    with pytest.raises(RegisterError, match=r"empty\.csv"):
        build_estate(config)


def test_planning_shares_the_estate_columns_and_leaves_the_estate_as_it_was() -> None:
    """Clustering and the people figures add columns to a shallow copy (copy on write): the plan's
    assets hold the estate's own register columns, not a second copy of them (a national estate's
    table is most of a gigabyte), and the estate's table is left exactly as it was."""
    from assetmap.cluster import cluster_assets, estimate_people
    from assetmap.testing import make_config, make_estate, office

    estate = make_estate(
        office(x=0, utilisation=0.3), office(x=150, occupancy=20.0), office(x=5_000, capacity=None),
        office(x=5_100, gia_m2=None, partner="Police"),
    )  # fmt: skip
    before = estate.copy()
    cfg = make_config()
    planned = estimate_people(cluster_assets(estate, cfg.clustering), cfg.clustering)
    for column in ("easting", "northing", "gia_m2", "capacity", "occupancy", "utilisation", "source_row"):
        assert np.shares_memory(planned[column].to_numpy(), estate[column].to_numpy()), column
    assert np.shares_memory(np.asarray(planned.geometry.array), np.asarray(estate.geometry.array))
    pd.testing.assert_frame_equal(pd.DataFrame(estate), pd.DataFrame(before))
    assert planned["plan_capacity"].notna().sum() >= 3
    assert planned["cluster_id"].notna().sum() == 4


def test_typing_the_combined_layer_leaves_its_input_as_it_was() -> None:
    """``_typed`` works on a shallow copy (copy on write): the layer it is given is unchanged, and
    what it gives is what it gives for a deep copy of that layer."""
    from assetmap.estate import _typed
    from assetmap.testing import make_estate, office

    estate = make_estate(
        office(x=0, utilisation=0.3, sensitive=None), office(x=150, name=np.nan, gia_m2="12"),
        office(x=5_000, lease_expiry="2027-03-31", uprn=None),
    )  # fmt: skip
    before = estate.copy()
    got = _typed(estate)
    pd.testing.assert_frame_equal(pd.DataFrame(estate), pd.DataFrame(before))
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(_typed(before.copy())))
    assert got["gia_m2"].dtype == "float64" and got.loc[1, "gia_m2"] == 12.0
    rows = pd.DataFrame(before.drop(columns="geometry"))  # as ``build_estate`` gives it: rows, and x and y
    kept = rows.copy()
    made = _typed(rows, (before.geometry.x.to_numpy(), before.geometry.y.to_numpy()))
    pd.testing.assert_frame_equal(rows, kept)
    pd.testing.assert_frame_equal(pd.DataFrame(made), pd.DataFrame(got))
    assert made.crs == got.crs
    assert got.loc[1, "name"] is None and not got["sensitive"].any()


def _combined_one_register_at_a_time(config_path: object) -> gpd.GeoDataFrame:
    """The estate as the partitioned run makes it: each register's layer of points, concatenated."""
    from assetmap.config import load_config
    from assetmap.estate import place_partner
    from assetmap.geocode import PostcodeLookup, UprnLookup
    from assetmap.partition import PlacedPart, combine

    cfg = load_config(config_path)
    lookup = PostcodeLookup(cfg.postcodes)
    uprns = UprnLookup(cfg.uprn_lookup) if cfg.uprn_lookup is not None else None
    parts = [
        PlacedPart(*place_partner(p, base_dir=cfg.base_dir, postcodes=lookup, uprns=uprns), {})
        for p in cfg.partners
    ]
    return combine(parts).assets


@pytest.mark.parametrize("place", ["kent", "worcestershire", "real"])
def test_estate_points_made_once_equal_each_register_layer_concatenated(place: str, tmp_path: object) -> None:
    """``build_estate`` makes the whole estate's points at once; the layer is the one made by
    concatenating each register's layer of points (the demo registers, and real ones)."""
    from support import DEMO, realdata

    from assetmap.config import load_config
    from assetmap.estate import build_estate

    if place == "real":
        files = [
            realdata("cheltenham-land-assets", "local_authority_land_and_assets_2021.csv"),
            realdata("trafford-land-assets", "trafford_land_and_building_assets.csv"),
            realdata("fire-land-assets-avon-derbyshire", "stations-derbyshire.xlsx"),
            realdata("banes-public-services", "BANES_Important_Buildings_Centroids.csv"),
        ]
        config = tmp_path / "assetmap.yaml"  # type: ignore[operator]
        listed = "".join(f"  - {{name: P{i}, kind: council, register: '{f}'}}\n" for i, f in enumerate(files))
        config.write_text(f"title: Real\npartners:\n{listed}", encoding="utf-8")
    else:
        config = DEMO / place / "assetmap.yaml"
    got = build_estate(load_config(config)).assets
    want = _combined_one_register_at_a_time(config)
    assert len(got) > 50
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(want))
    assert got.crs == want.crs and list(got.columns) == list(want.columns)


def test_points_transformed_in_slices_side_by_side_equal_those_transformed_at_once() -> None:
    """A large estate's WGS84 positions, worked out on two threads, are those worked out in one go."""
    from assetmap.estate import _SPLIT_TRANSFORM_ABOVE, _to_wgs84
    from assetmap.geocode._coords import bng_to_wgs84

    rng = np.random.default_rng(7)
    n = _SPLIT_TRANSFORM_ABOVE + 12_345
    x, y = rng.uniform(80_000, 650_000, n), rng.uniform(5_000, 1_200_000, n)
    x[::1000] = np.nan
    got, want = _to_wgs84(x, y), bng_to_wgs84(x, y)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_points_made_in_slices_beside_their_transform_equal_those_made_at_once() -> None:
    """A large estate's points and WGS84 positions, made slice by slice on two threads, are the
    points ``geopandas.points_from_xy`` makes and the positions transformed in one go."""
    import shapely

    from assetmap.estate import _SPLIT_TRANSFORM_ABOVE, _points_and_wgs84
    from assetmap.geocode._coords import bng_to_wgs84

    rng = np.random.default_rng(11)
    for n in (1_000, _SPLIT_TRANSFORM_ABOVE + 4_321):
        x, y = rng.uniform(80_000, 650_000, n), rng.uniform(5_000, 1_200_000, n)
        x[::997] = np.nan
        points, (lon, lat) = _points_and_wgs84(x, y)
        want = gpd.points_from_xy(x, y)
        assert type(points) is type(want) and len(points) == n and points.crs is None
        np.testing.assert_array_equal(shapely.to_wkb(np.asarray(points)), shapely.to_wkb(np.asarray(want)))
        want_lon, want_lat = bng_to_wgs84(x, y)
        np.testing.assert_array_equal(lon, want_lon)
        np.testing.assert_array_equal(lat, want_lat)
