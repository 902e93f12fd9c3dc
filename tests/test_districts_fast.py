"""Finding each asset's district: the faster steps give what the simple ones gave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial import cKDTree

from assetmap.areas._districts import nearest_points, spatial_order

_COORD = st.floats(0, 700_000, allow_nan=False).map(lambda v: round(v, -2))  # rounded: many ties


@settings(max_examples=150, deadline=None)
@given(
    postcodes=arrays(np.float64, st.tuples(st.integers(1, 60), st.just(2)), elements=_COORD),
    assets=arrays(np.float64, st.tuples(st.integers(0, 80), st.just(2)), elements=_COORD),
)
def test_nearest_points_asked_in_spatial_order_equal_those_asked_in_register_order(
    postcodes: np.ndarray, assets: np.ndarray
) -> None:
    """The same nearest postcode for every asset, ties (points at the same distance) included."""
    tree = cKDTree(postcodes, balanced_tree=False, compact_nodes=False)
    want = tree.query(assets, k=1)[1] if len(assets) else np.empty(0, dtype=np.intp)
    np.testing.assert_array_equal(nearest_points(tree, assets), want)


def test_spatial_order_puts_neighbours_together() -> None:
    """Every row once; the points of a group of neighbours come one after another."""
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 600_000, size=(50, 2))
    xy = (np.repeat(centres, 20, axis=0) + rng.uniform(0, 400, size=(1_000, 2)))[rng.permutation(1_000)]
    order = spatial_order(xy)
    assert sorted(order.tolist()) == list(range(1_000))
    jumps = np.count_nonzero(np.hypot(*np.diff(xy[order], axis=0).T) > 1_000)
    assert jumps < 250  # a few per group of 20 at most (in the order given: about 980)
    assert np.count_nonzero(np.hypot(*np.diff(xy, axis=0).T) > 1_000) > 900


def _nearest_districts_simply(lookup: object, xy: np.ndarray) -> list[object]:
    """Each point's nearest postcode's district, from :func:`postcode_points` in the points' box
    (plus the margin) and one search tree, queried in the order given."""
    from assetmap.areas._districts import _MARGIN_M, postcode_points

    lo, hi = xy.min(axis=0) - _MARGIN_M, xy.max(axis=0) + _MARGIN_M
    table = postcode_points(lookup, (lo[0], lo[1], hi[0], hi[1]))
    tree = cKDTree(table[["easting", "northing"]].to_numpy(), balanced_tree=False, compact_nodes=False)
    return table["district_code"].astype(object).to_numpy()[tree.query(xy, k=1)[1]].tolist()


@pytest.mark.parametrize(
    ("box", "n"),
    [((560_000, 140_000, 600_000, 170_000), 400), ((100_000, 10_000, 650_000, 1_200_000), 3_000),
     ((150_000, 500_000, 350_000, 560_000), 300)],
)  # fmt: skip
def test_nearest_postcode_districts_equal_those_found_simply(box: tuple[int, ...], n: int) -> None:
    """Around Maidstone, over the whole of Great Britain and across the Irish Sea (Northern
    Ireland's postcodes come from the Irish Grid), with unplaced rows among them."""
    from assetmap.areas._districts import _by_nearest
    from assetmap.geocode import PostcodeLookup

    lookup = PostcodeLookup()
    rng = np.random.default_rng(n)
    xy = np.column_stack((rng.uniform(box[0], box[2], n), rng.uniform(box[1], box[3], n)))
    xy[::7] = np.nan
    use = np.isfinite(xy).all(axis=1)
    got = _by_nearest(lookup, xy, use)
    assert got[~use].tolist() == [None] * int((~use).sum())
    assert got[use].tolist() == _nearest_districts_simply(lookup, xy[use])
    assert len(set(got[use].tolist())) > 3
