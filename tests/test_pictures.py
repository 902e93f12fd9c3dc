"""Pictures for board papers: map.png and the top clusters, deterministic, no sensitive site drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from assetmap.config import Config
from assetmap.pictures import write_pictures
from assetmap.testing import make_config, synthetic_estate

PNG = b"\x89PNG\r\n\x1a\n"


def config(**map_options: object) -> Config:
    return make_config(title="Costs $5 <b>", map=map_options)


@pytest.fixture(scope="module")
def estate():
    assets, clusters, opps, _summary = synthetic_estate(400, seed=4, hostile=True, sensitive=2)
    assets.loc[7, "name"] = "Costs $5 and $6 \\ ^{x}"
    return assets, clusters, opps


def test_writes_map_and_top_clusters(tmp_path: Path, estate) -> None:
    assets, clusters, opps = estate
    paths = write_pictures(tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=config())
    assert paths[0] == tmp_path / "map.png"
    assert len(paths) == 11
    assert [p.name[:11] for p in paths[1:3]] == ["cluster-01-", "cluster-02-"]
    for path in paths:
        assert path.read_bytes()[:8] == PNG


def test_same_input_same_bytes(tmp_path: Path, estate) -> None:
    assets, clusters, opps = estate
    cfg = config(pictures_top_clusters=2)
    first = write_pictures(tmp_path / "a", assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    second = write_pictures(tmp_path / "b", assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_sensitive_position_changes_nothing(tmp_path: Path, estate) -> None:
    assets, clusters, opps = estate
    moved = assets.copy()
    last = moved.index[-1]
    geom = moved.geometry.copy()
    geom[last] = shapely.Point(geom[last].x + 3000, geom[last].y - 2000)
    moved = moved.set_geometry(geom)
    cfg = config(pictures_top_clusters=1)
    a = write_pictures(tmp_path / "a", assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    b = write_pictures(tmp_path / "b", assets=moved, clusters=clusters, opportunities=opps, config=cfg)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_without_plan(tmp_path: Path) -> None:
    assets = synthetic_estate(50, seed=1)[0].drop(
        columns=["cluster_id", "rating", "score", "reasons", "action"]
    )
    assert write_pictures(tmp_path, assets=assets, config=config()) == [tmp_path / "map.png"]


def test_only_the_clusters_given_get_pictures(tmp_path: Path, estate) -> None:
    assets, clusters, opps = estate
    cfg = config()
    every = write_pictures(tmp_path / "a", assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    chosen = [p.stem.split("-", 2)[2] for p in every[1:4]]  # the first three by saving; keep two
    picked = clusters[clusters["cluster_id"].isin(chosen[1:])]
    some = write_pictures(tmp_path / "b", assets=assets, clusters=picked, opportunities=opps, config=cfg)
    assert [p.name for p in some] == ["map.png", f"cluster-01-{chosen[1]}.png", f"cluster-02-{chosen[2]}.png"]


def test_a_cluster_picture_drawn_on_the_reused_figure_is_the_one_drawn_alone(tmp_path: Path, estate) -> None:
    """The cluster pictures share one figure, cleared between pictures: each is byte for byte the
    picture drawn first, on a figure of its own (nothing of the clusters before it is left)."""
    assets, clusters, opps = estate
    cfg = config()
    every = write_pictures(tmp_path / "all", assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    assert len(every) == 11
    for later in (every[2], every[3], every[-1]):
        cid = later.stem.split("-", 2)[2]
        one = clusters[clusters["cluster_id"] == cid]
        alone = write_pictures(tmp_path / cid, assets=assets, clusters=one, opportunities=opps, config=cfg)
        assert alone[1].name == f"cluster-01-{cid}.png"
        assert alone[1].read_bytes() == later.read_bytes(), cid


def test_pictures_from_an_earlier_run_are_removed(tmp_path: Path, estate) -> None:
    assets, clusters, opps = estate
    write_pictures(tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=config())
    (tmp_path / "notes.png").write_bytes(PNG)  # not ours: left alone
    again = write_pictures(
        tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=config(pictures_top_clusters=1)
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([p.name for p in again] + ["notes.png"])
    assert len(again) == 2


def test_clusters_drawn_as_one_collection_one_shape_each(estate) -> None:
    """One collection holds every cluster shape: a path per opportunity category, a ring in it per
    polygon of each cluster's hull (never an artist per shape)."""
    from matplotlib.figure import Figure
    from matplotlib.path import Path as DrawnPath

    from assetmap.maps._geometry import cluster_hulls
    from assetmap.pictures import _draw, _points

    assets = estate[0]
    shown = assets.loc[~assets["sensitive"]]
    hulls = cluster_hulls(shown, 50)
    assert len(hulls) > 10
    ax = Figure().add_subplot()
    cats = {cid: k % 2 for k, cid in enumerate(sorted(hulls))}
    box = (500_000, 100_000, 650_000, 200_000)
    _draw(ax, _points(shown), hulls, cats, np.empty((0, 4)), size=10, box=box)
    polygons = sum(len(getattr(h, "geoms", [h])) for h in hulls.values())
    assert len(ax.collections) == 2  # the shapes, then the assets (one scatter)
    paths = ax.collections[0].get_paths()
    assert len(paths) == 2 and sum(int((p.codes == DrawnPath.MOVETO).sum()) for p in paths) == polygons
    assert len(ax.collections[1].get_offsets()) == len(shown)


def _share(pixels: np.ndarray, colour: str) -> float:
    """The share of pixels of one colour."""
    from matplotlib.colors import to_rgb

    return float((np.abs(pixels - np.array(to_rgb(colour))).max(axis=1) < 1.5 / 255).mean())


def test_pictures_draw_the_base_map_under_the_assets(tmp_path: Path, estate) -> None:
    """Land, sea and district names from the offline base map: a reader sees where the place is."""
    import matplotlib.image
    from matplotlib.figure import Figure

    from assetmap.pictures import _base_map

    assets, clusters, opps = estate
    paths = write_pictures(
        tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=config(pictures_top_clusters=1)
    )
    for path in paths:  # land (inland Kent), inside the outline and out, and the small map's sea
        pixels = matplotlib.image.imread(path)[..., :3].reshape(-1, 3)
        assert _share(pixels, "#f5f3ee") > 0.2 and _share(pixels, "#dfe6ec") > 0.001, path.name
    fig = Figure()
    ax = fig.add_subplot()
    _base_map(ax, (560_000, 130_000, 600_000, 170_000))  # around Maidstone, 40 km across
    names = {text.get_text() for text in ax.texts}
    assert "Maidstone" in names and "Glasgow City" not in names  # only what is in view
    assert len(ax.collections) == 3  # land, borders, coast: one collection each
    assert len(fig.axes) == 2  # and the small map of Great Britain, with where the view is
    close = Figure().add_subplot()
    _base_map(close, (575_500, 155_300, 576_500, 156_300))  # 1 km: no whole district, its name said
    assert [text.get_text() for text in close.texts] == ["Maidstone"]


@pytest.mark.parametrize("pyramid_above", [1000, 100_000])  # a national page, or a county page of it
def test_a_national_estate_is_drawn_on_the_country_without_a_hull(tmp_path: Path, pyramid_above: int) -> None:
    import matplotlib.image

    from assetmap.testing import national_estate

    assets, clusters, opps, _ = national_estate(3000, seed=2)
    cfg = config(pyramid_above=pyramid_above, pictures_top_clusters=1)
    paths = write_pictures(tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=cfg)
    pixels = matplotlib.image.imread(paths[0])[..., :3].reshape(-1, 3)
    assert _share(pixels, "#f5f3ee") > 0.02 and _share(pixels, "#dfe6ec") > 0.1  # Great Britain and its sea
    assert _share(pixels, "#4a5560") < 0.0005  # no dashed hull around the country


def test_pictures_are_not_blank(tmp_path: Path, estate) -> None:
    import matplotlib.image

    assets, clusters, opps = estate
    paths = write_pictures(
        tmp_path, assets=assets, clusters=clusters, opportunities=opps, config=config(pictures_top_clusters=1)
    )
    for path in paths:
        pixels = matplotlib.image.imread(path)[..., :3].reshape(-1, 3)
        colours = np.unique((pixels * 255).astype(np.uint8), axis=0)
        assert len(colours) > 50, path.name  # shapes, points, text: far more than a blank page
        # the cluster fill colours (alpha 0.35 over the background) are on the page
        assert (np.abs(pixels - pixels.mean(axis=0)).sum(axis=1) > 0.2).mean() > 0.001


def test_clusters_without_costs_are_pictured_most_partners_first() -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from assetmap.pictures import _rank

    # No running cost or saving anywhere: C1 (one partner, 3 assets), C2 (three partners), C3 (two).
    rows = [("C1", "A"), ("C1", "A"), ("C1", "A"), ("C2", "A"), ("C2", "B"), ("C2", "C"), ("C3", "A"),
            ("C3", "B"), ("C3", "B")]  # fmt: skip
    shown = gpd.GeoDataFrame(
        {"cluster_id": [c for c, _ in rows], "partner": [p for _, p in rows], "running_cost_gbp": np.nan},
        geometry=[Point(i, i) for i in range(len(rows))],
        crs="EPSG:27700",
    )
    opps = pd.DataFrame({"cluster_id": pd.Series(dtype=str), "annual_saving_gbp": pd.Series(dtype=float)})
    assert _rank(None, opps, shown, ["C1", "C2", "C3"]) == ["C2", "C3", "C1"]


def test_moves_are_found_whatever_the_columns_types() -> None:
    """Relocations are matched to the shown assets whether ids are text, objects or all missing."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from assetmap.pictures import _moves

    first = pd.DataFrame({"partner": ["P", "P"], "asset_id": ["1", "2"]}, dtype="str")
    second = pd.DataFrame({"partner": ["Q"], "asset_id": ["1"]}, dtype="str")
    shown = gpd.GeoDataFrame(
        pd.concat([first, second], ignore_index=True),  # partners' registers put together: Arrow in chunks
        geometry=[Point(0, 0), Point(10, 0), Point(0, 10)],
        crs="EPSG:27700",
    )
    opps = pd.DataFrame(
        {
            "action": ["relocate", "relocate", "dispose", "relocate"],
            "partner": pd.Series(["P", "Q", "P", "P"], dtype=object),
            "asset_id": pd.Series(["1", "1", "2", "2"], dtype=object),
            "into_partner": pd.Series(["Q", "P", None, None], dtype=object),
            "into_asset_id": pd.Series(["1", "2", None, None], dtype=object),
        }
    )
    assert _moves(opps, shown).tolist() == [[0, 0, 0, 10], [0, 10, 10, 0]]
    none = opps.assign(into_partner=None, into_asset_id=None)  # no receiver anywhere
    assert _moves(none, shown).shape == (0, 4)
    typed = opps.astype({c: "string" for c in ("partner", "asset_id", "into_partner", "into_asset_id")})
    assert _moves(typed, shown.astype({"asset_id": object})).tolist() == [[0, 0, 0, 10], [0, 10, 10, 0]]
    numbers = opps.assign(asset_id=pd.Series([1, 1, 2, 2], dtype=object),  # ids read as numbers
                          into_asset_id=pd.Series([1, 2, None, None], dtype=object))  # fmt: skip
    assert _moves(numbers, shown).tolist() == [[0, 0, 0, 10], [0, 10, 10, 0]]
    disposals = typed.loc[typed["action"] == "dispose"]  # no relocation at all (the run of a small place)
    assert _moves(disposals, shown).shape == (0, 4)


def test_rings_turned_as_shapely_turns_them() -> None:
    """The cluster shapes' rings are turned counter-clockwise from their signed areas: the same
    coordinates as ``shapely.orient_polygons`` gives, whichever way each ring turned."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from assetmap.pictures import _counter_clockwise

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.floats(0, 700_000), st.floats(0, 1_200_000), st.floats(1, 500),
                              st.integers(3, 12), st.booleans()), min_size=1, max_size=30))  # fmt: skip
    def check(shapes: list[tuple[float, float, float, int, bool]]) -> None:
        geoms = []
        for x, y, size, corners, backwards in shapes:
            turn = np.linspace(0, 2 * np.pi, corners, endpoint=False) * (-1 if backwards else 1)
            geoms.append(shapely.Polygon(np.column_stack([x + size * np.cos(turn), y + size * np.sin(turn)])))
        geoms = np.asarray(geoms + [shapely.buffer(shapely.Point(x, y), r) for x, y, r, _c, _b in shapes])
        xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(geoms), return_index=True)
        first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
        expected = shapely.get_coordinates(shapely.get_exterior_ring(shapely.orient_polygons(geoms)))
        assert np.array_equal(_counter_clockwise(xy, first), expected)

    check()


def test_hulls_from_the_corner_candidates_are_the_hulls_of_every_asset() -> None:
    """Assets that cannot be corners of their cluster's hull are left out before the hulls are
    made: the shapes are the same, coordinate for coordinate (clusters of one place, of a line,
    of repeated points, and assets of no cluster included)."""
    import geopandas as gpd
    import pandas as pd
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from assetmap.maps._geometry import cluster_hulls
    from assetmap.pictures import _hull_candidates, _points

    spot = st.tuples(st.sampled_from(["A", "B", "C", None]), st.integers(-50, 50), st.integers(-50, 50))

    @settings(max_examples=80, deadline=None)
    @given(st.lists(spot, min_size=64, max_size=300), st.sampled_from([1.0, 7.5, 1000.0]))
    def check(spots: list[tuple[str | None, int, int]], scale: float) -> None:
        shown = gpd.GeoDataFrame(
            {"cluster_id": pd.Series([s[0] for s in spots], dtype=object)},
            geometry=shapely.points([(400_000 + s[1] * scale, 300_000 + s[2] * scale) for s in spots]),
            crs="EPSG:27700",
        )
        every = cluster_hulls(shown, 50)
        some = cluster_hulls(shown.iloc[_hull_candidates(shown, _points(shown))], 50)
        assert list(some) == list(every)
        for cid, hull in every.items():
            assert np.array_equal(shapely.get_coordinates(some[cid]), shapely.get_coordinates(hull)), cid

    check()


def test_clusters_ranked_by_codes_as_by_their_names() -> None:
    """The ranking groups assets by cluster codes, hashed once: the same order as grouping by
    the clusters' names as text (ids of mixed types, missing costs and partners included)."""
    import geopandas as gpd
    import pandas as pd
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from assetmap.pictures import _rank

    def by_names(shown: gpd.GeoDataFrame, ids: list[str]) -> list[str]:  # the simple way
        member = shown.loc[shown["cluster_id"].notna()]
        by = member["cluster_id"].astype(str)
        cost = pd.to_numeric(member["running_cost_gbp"], errors="coerce").groupby(by).sum()
        partners = member["partner"].groupby(by).nunique().reindex(ids).fillna(0)
        assets = by.value_counts().reindex(ids).fillna(0)
        order = pd.DataFrame({"saving": 0.0, "cost": cost.reindex(ids).fillna(0.0), "partners": partners,
                              "assets": assets, "id": ids}, index=ids)  # fmt: skip
        keys, down = ["saving", "cost", "partners", "assets", "id"], [False, False, False, False, True]
        return order.sort_values(keys, ascending=down, kind="mergesort").index.tolist()

    ids_ = st.sampled_from([1, "1", "C2", "C10", None, 3.0])
    row = st.tuples(ids_, st.sampled_from([None, 0.5, 10.0, 1e6]), st.sampled_from(["P", "Q", None]))

    @settings(max_examples=80, deadline=None)
    @given(st.lists(row, min_size=1, max_size=40))
    def check(rows: list[tuple[object, float | None, str | None]]) -> None:
        shown = gpd.GeoDataFrame(
            {"cluster_id": pd.Series([r[0] for r in rows], dtype=object),
             "running_cost_gbp": pd.Series([r[1] for r in rows], dtype=object),
             "partner": pd.Series([r[2] for r in rows], dtype=object)},
            geometry=shapely.points([(i, i) for i in range(len(rows))]), crs="EPSG:27700",
        )  # fmt: skip
        ids = sorted(shown["cluster_id"].dropna().astype(str).unique())
        assert _rank(None, None, shown, ids) == by_names(shown, ids)

    check()


def _same_shapes(one, other) -> None:
    """Two :class:`BaseShapes` hold the same numbers, bit for bit, of the same types."""

    def same(a: np.ndarray, b: np.ndarray) -> None:
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()

    assert one.attribution == other.attribution and one.names == other.names
    for name in ("land_boxes", "labels", "boxes"):
        same(getattr(one, name), getattr(other, name))
    assert len(one.land) == len(other.land)
    for a, b in zip(one.land, other.land, strict=True):
        same(a, b)
    for band, again in zip(one.bands, other.bands, strict=True):
        for name in ("arc_boxes", "coast", "ring_boxes", "ring_district"):
            same(getattr(band, name), getattr(again, name))
        for name in ("arcs", "rings"):
            for a, b in zip(getattr(band, name), getattr(again, name), strict=True):
                same(a, b)
            assert len(getattr(band, name)) == len(getattr(again, name))


def test_base_map_read_from_the_cache_is_the_one_decoded(tmp_path: Path, monkeypatch) -> None:
    from assetmap.maps import _base

    monkeypatch.setenv("ASSETMAP_CACHE_DIR", str(tmp_path))
    fresh = _base._decode(_base._text())
    _base.base_shapes.cache_clear()
    try:
        first = _base.base_shapes()  # decoded, and kept
        kept = list((tmp_path / "base").glob("gb_base-*.npz"))
        assert len(kept) == 1
        _base.base_shapes.cache_clear()
        again = _base.base_shapes()  # read back
        assert again is not first
        _same_shapes(fresh, first)
        _same_shapes(fresh, again)
        kept[0].write_bytes(b"not a cache")  # a damaged cache: decoded afresh, kept anew
        _base.base_shapes.cache_clear()
        _same_shapes(fresh, _base.base_shapes())
        _base.base_shapes.cache_clear()
        _same_shapes(fresh, _base.base_shapes())
        assert kept[0].read_bytes()[:2] == b"PK"
    finally:
        _base.base_shapes.cache_clear()


def test_pictures_from_the_cached_base_map_are_the_decoded_ones(tmp_path: Path, monkeypatch, estate) -> None:
    from assetmap.maps import _base

    assets, clusters, opps = estate
    monkeypatch.setenv("ASSETMAP_CACHE_DIR", str(tmp_path / "cache"))
    drawn = {}
    try:
        for run in ("decoded", "cached"):
            _base.base_shapes.cache_clear()
            paths = write_pictures(tmp_path / run, assets=assets, clusters=clusters, opportunities=opps,
                                   config=config(pictures_top_clusters=2))  # fmt: skip
            drawn[run] = [p.read_bytes() for p in paths]
    finally:
        _base.base_shapes.cache_clear()
    assert drawn["decoded"] == drawn["cached"]
