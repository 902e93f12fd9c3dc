"""Finding each asset's district in Arrow, and the cross-border figures in numpy, give what the
simple, object-by-object ways give."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.areas import (
    OUTSIDE,
    assign_districts,
    cluster_areas,
    mark_cross_boundary,
    opportunity_positions,
)
from assetmap.areas._border import area_keys, area_labels
from assetmap.areas._districts import _by_nearest, _by_postcode, _xy
from assetmap.areas._names import names_for
from assetmap.areas._summary import _cluster_counts
from assetmap.geocode import PostcodeLookup
from assetmap.schema import BNG


def _simple(assets: gpd.GeoDataFrame, lookup: PostcodeLookup) -> gpd.GeoDataFrame:
    """The districts as the areas step first found them: object arrays, row by row where need be."""
    n = len(assets)
    keys = assets["postcode"].astype("string").str.upper().str.replace(" ", "", regex=False).fillna("")
    keys = keys.astype(str).reset_index(drop=True)
    method = assets["geocode_method"].astype("string").fillna("").to_numpy()
    by_postcode = (method == "postcode") & (keys != "").to_numpy()
    if "district_code" in assets.columns:
        given_codes = assets["district_code"].astype("string").to_numpy(dtype=object, na_value=None)
        codes = np.where(by_postcode, given_codes, None).astype(object)
    else:
        codes = _by_postcode(lookup, keys, by_postcode)
    source = np.where(pd.notna(codes), "postcode", "unknown").astype(object)
    xy = _xy(assets)
    rest = pd.isna(codes) & np.isfinite(xy).all(axis=1)
    near = _by_nearest(lookup, xy, rest)
    found = rest & pd.notna(near)
    codes[found] = near[found]
    source[found] = "nearest postcode"
    out = assets.copy()
    out["district_code"] = pd.array(codes, dtype="string")
    out["district_name"] = pd.array(names_for(codes), dtype="string")
    out["district_source"] = pd.array(source, dtype="string")
    assert len(out) == n
    return out


@pytest.fixture(scope="module")
def onspd() -> PostcodeLookup:
    return PostcodeLookup()


ROW = st.tuples(
    st.sampled_from(["postcode", "coordinates", "uprn", None]),
    st.sampled_from(["ME14 1AA", "WR1 2EY", "  ", "", None, "ZZ99 9ZZ", "me14 1aa"]),
    st.sampled_from(["E07000110", "E07000237", None, "S12000036"]),
    st.sampled_from([(575794.0, 156256.0), (384999.0, 254789.0), (np.nan, np.nan), (325000.0, 673000.0)]),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=25), with_codes=st.booleans())
def test_districts_equal_the_simple_way(rows: list[tuple], with_codes: bool, onspd: PostcodeLookup) -> None:
    methods, postcodes, codes, points = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "postcode": pd.Series(postcodes, dtype=object),
            "geocode_method": pd.Series(methods, dtype=object),
            "district_code": pd.array(codes, dtype="string"),
        },
        index=np.arange(len(rows)) * 2 + 7,
    )
    if not with_codes:
        frame = frame.drop(columns="district_code")
    geometry = gpd.points_from_xy([p[0] for p in points], [p[1] for p in points])
    assets = gpd.GeoDataFrame(frame, geometry=geometry, crs=BNG)
    got, want = assign_districts(assets, onspd), _simple(assets, onspd)
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry"))
    )
    assert list(got.columns) == list(want.columns)


def _positions_one_by_one(assets: pd.DataFrame, opps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The dictionary-per-asset way opportunity_positions was written before (the reference)."""

    def keys(frame: pd.DataFrame, partner: str, asset_id: str) -> list[tuple[str, str, str]]:
        cluster = frame["cluster_id"].astype(str)
        return list(zip(frame[partner].astype(str), frame[asset_id].astype(str), cluster, strict=True))

    index: dict[tuple[str, str, str], int] = {}
    for i, key in enumerate(keys(assets, "partner", "asset_id")):
        index.setdefault(key, i)
    donor = np.array([index.get(k, -1) for k in keys(opps, "partner", "asset_id")], dtype=np.int64)
    into_keys = keys(opps.assign(_p=opps["into_partner"], _a=opps["into_asset_id"]), "_p", "_a")
    has = opps["into_asset_id"].notna().to_numpy()
    into = [index.get(k, -1) if h else -1 for k, h in zip(into_keys, has, strict=True)]
    return donor, np.array(into, dtype=np.int64)


def test_opportunity_positions_match_the_one_by_one_lookup() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 20))
        assets = pd.DataFrame({
            "partner": rng.choice(["A", "B", None], n), "asset_id": rng.choice(["1", "2", "3", None, 2], n),
            "cluster_id": rng.choice(["C1", "C2", None], n),
        })  # fmt: skip
        opps = pd.DataFrame({
            "partner": rng.choice(["A", "B", None], m), "asset_id": rng.choice(["1", "2", "9", None], m),
            "cluster_id": rng.choice(["C1", "C2", None], m), "into_partner": rng.choice(["A", "B", None], m),
            "into_asset_id": rng.choice(["1", "2", None], m),
        })  # fmt: skip
        if rng.random() < 0.5:  # as a run gives them: Arrow-backed text with missing values
            assets, opps = assets.astype("str"), opps.astype("str")
        want_donor, want_into = _positions_one_by_one(assets, opps)
        got_donor, got_into = opportunity_positions(assets, opps)
        np.testing.assert_array_equal(got_donor, want_donor)
        np.testing.assert_array_equal(got_into, want_into)


# --- Cross-border figures: the grouped, numpy way against the per-asset and per-group way ----------

AREA_ROW = st.tuples(
    st.sampled_from(["C001", "C002", "C003", "C010", None]),
    st.sampled_from(["E07000110", "E07000237", "W06000015", None]),
    st.sampled_from(["Maidstone", "Worcester", "", None]),
)


def _area_frame(rows: list[tuple]) -> pd.DataFrame:
    cluster, code, name = zip(*rows, strict=True)
    return pd.DataFrame({
        "cluster_id": pd.array(cluster, dtype="string"), "district_code": pd.array(code, dtype="string"),
        "district_name": pd.array(name, dtype="string"),
    })  # fmt: skip


def _labels_one_by_one(assets: pd.DataFrame) -> np.ndarray:
    """area_labels as first written: one f-string per asset."""
    keys = area_keys(assets, "district")
    names = assets["district_name"].astype(object)
    names = names.where(names.notna(), None).to_numpy(dtype=object)
    out = np.empty(len(keys), dtype=object)
    for i, (code, name) in enumerate(zip(keys, names, strict=True)):
        named = f"{name} ({code})" if name else str(code)
        out[i] = "outside the district boundaries" if code == OUTSIDE else named
    return out


def _cluster_areas_by_group(assets: pd.DataFrame) -> pd.DataFrame:
    """cluster_areas as first written: pandas groupby with a Python join per cluster."""
    m = assets.loc[assets["cluster_id"].notna().to_numpy()]
    work = pd.DataFrame({
        "cluster_id": m["cluster_id"].astype(str).to_numpy(), "key": area_keys(m, "district"),
        "label": _labels_one_by_one(m),
    })  # fmt: skip
    g = work.drop_duplicates(["cluster_id", "key"]).sort_values(["cluster_id", "label"]).groupby("cluster_id")
    out = pd.DataFrame({"area_count": g.size(), "areas": g["label"].agg("; ".join)})
    out["cross_boundary"] = out["area_count"] > 1
    return out[["cross_boundary", "areas"]]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(AREA_ROW, min_size=1, max_size=30))
def test_area_labels_and_cluster_areas_equal_the_simple_way(rows: list[tuple]) -> None:
    assets = _area_frame(rows)
    np.testing.assert_array_equal(area_labels(assets, "district"), _labels_one_by_one(assets))
    got = cluster_areas(assets, "district")
    if not assets["cluster_id"].notna().any():
        assert got.empty
        return
    pd.testing.assert_frame_equal(got, _cluster_areas_by_group(assets), check_dtype=False)


def _cluster_counts_by_group(keys: np.ndarray, cluster: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The per-area cluster counts as first written: nunique, and a Python set per area."""
    m = cluster.notna().to_numpy()
    per_cluster = pd.Series(keys[m]).groupby(cluster[m].to_numpy()).nunique()
    cross = set(per_cluster[per_cluster > 1].index)
    g = pd.DataFrame({"key": keys, "cluster": cluster.to_numpy()}).groupby("key", sort=False)["cluster"]
    return g.nunique(), g.agg(lambda s: len(set(s.dropna()) & cross))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(AREA_ROW, min_size=1, max_size=30))
def test_area_cluster_counts_equal_the_per_group_way(rows: list[tuple]) -> None:
    assets = _area_frame(rows)
    keys = area_keys(assets, "district")
    cluster = assets["cluster_id"].astype(object).where(assets["cluster_id"].notna(), None)
    got = _cluster_counts(keys, cluster)
    want = _cluster_counts_by_group(keys, cluster)
    for g, w in zip(got, want, strict=True):
        g = g.reindex(w.index).fillna(0).astype(np.int64)  # areas without clusters: 0 once finished
        np.testing.assert_array_equal(g.to_numpy(), w.to_numpy().astype(np.int64))


def test_marking_cross_border_leaves_the_plan_frames_untouched() -> None:
    assets = _area_frame(
        [("C001", "E07000110", "Maidstone"), ("C001", "E07000237", "Worcester"), (None, None, None)]
    )
    assets["partner"], assets["asset_id"] = ["A", "B", "A"], ["1", "2", "3"]
    clusters = gpd.GeoDataFrame({"cluster_id": pd.array(["C001"], dtype="string")}, geometry=[None], crs=BNG)
    opps = pd.DataFrame({
        "partner": ["A"], "asset_id": ["1"], "cluster_id": ["C001"], "into_partner": ["B"],
        "into_asset_id": ["2"], "annual_saving_gbp": [100.0],
    })  # fmt: skip
    before_clusters, before_opps = clusters.copy(), opps.copy()
    marked, moves = mark_cross_boundary(assets, clusters, opps, level="district")
    assert marked["cross_boundary"].tolist() == [True]
    assert moves["cross_boundary"].tolist() == [True]
    assert moves["from_area"].tolist() == ["Maidstone (E07000110)"]
    pd.testing.assert_frame_equal(clusters, before_clusters)
    pd.testing.assert_frame_equal(opps, before_opps)
