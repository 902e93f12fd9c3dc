"""The map's work that does not wait for the plan, done while the plan is worked out.

A national page's search index (name, id and postcode of every asset shown, each split at
its last number) and the shown assets' latitudes and longitudes come from the estate's own
columns, which planning carries through unchanged. :func:`early_map` works them out from
the estate as it goes into the plan, in the estate's order; the run does that in a forked
process on the core that planning leaves idle (``assetmap.pipeline``) and hands the parts to
:func:`~assetmap.maps.write_map`, which uses them only when :meth:`EarlyMap.fits` the estate
it draws (the same rows, assets shown, positions, names, ids and postcodes), and otherwise
works them out itself. Either way the page is the same, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Config
from ._build import prepared, wgs84_points
from ._geometry import shown_mask
from ._payload import Col
from ._pyramid import SEARCH_COLUMNS
from ._texts import SplitText, split_parts

#: The search index's text columns (the partner is a number).
SEARCH_TEXTS = tuple(c for c in SEARCH_COLUMNS if c != Col.PARTNER)


@dataclass
class EarlyMap:
    """The parts of a national page worked out before the plan, for the assets shown, in the
    estate's order."""

    #: The estate's rows, and which of them are shown (:func:`~._geometry.shown_mask`).
    rows: int
    mask: np.ndarray
    #: WGS84 latitude and longitude of each asset shown.
    lat: np.ndarray
    lon: np.ndarray
    #: Name, id and postcode of each asset shown, split (:func:`~._texts.split_parts`).
    search: dict[str, SplitText]
    #: The estate these parts were made from: set by the receiver (not sent between processes),
    #: for :meth:`fits` to compare with the estate drawn.
    source: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def handed_over(self, order: np.ndarray) -> dict[str, SplitText]:
        """The search columns in ``order`` (positions of the assets shown); this object lets
        go of its own (at 1,000,000 assets, about 130 MB)."""
        search, self.search = self.search, {}
        return {column: parts.take(order) for column, parts in search.items()}

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "source": None}

    def fits(self, assets: gpd.GeoDataFrame, mask: np.ndarray) -> bool:
        """Whether these parts are those of ``assets`` (:func:`~._build.prepared`), whose
        assets shown are ``mask``: same rows shown, same positions and search columns as the
        estate they were made from."""
        source = self.source
        if source is None or len(assets) != self.rows or len(source) != self.rows:
            return False
        if not np.array_equal(mask, self.mask):
            return False
        if not _same_points(assets.geometry, source.geometry, mask):
            return False
        for column in SEARCH_TEXTS:
            if (column in assets) != (column in source):
                return False
            if column in assets and not _same_values(assets[column], source[column]):
                return False
        return True


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    """Same values and type (quick when the two hold the same objects, as planning leaves them)."""
    return a.dtype == b.dtype and a.reset_index(drop=True).equals(b.reset_index(drop=True))


def _same_points(a: gpd.GeoSeries, b: gpd.GeoSeries, mask: np.ndarray) -> bool:
    """The same coordinates for the assets shown (and the same CRS)."""
    if a.crs != b.crs:
        return False
    if a.array is b.array:
        return True
    rows = np.flatnonzero(mask)
    xy_a = shapely.get_coordinates(a.to_numpy()[rows])
    xy_b = shapely.get_coordinates(b.to_numpy()[rows])
    return xy_a.shape == xy_b.shape and bool(np.array_equal(xy_a, xy_b))


def early_map(assets: gpd.GeoDataFrame, config: Config) -> EarlyMap | None:
    """The parts of a national page that do not depend on the plan (None: not a national page).

    Parameters
    ----------
    assets : GeoDataFrame
        The estate as it goes into the plan (``area_run.assets``).
    config : Config
        ``map.pyramid_above`` says whether the page is a national one.

    Returns
    -------
    EarlyMap or None
        Its ``source`` is left unset: the receiver sets it to ``assets``.
    """
    assets = prepared(assets)
    mask = shown_mask(assets)
    rows = np.flatnonzero(mask)
    if not len(assets) or len(rows) <= config.map.pyramid_above:
        return None
    shown = assets.iloc[rows]
    lat, lon = wgs84_points(shown.geometry)
    empty = pd.Series(None, index=shown.index, dtype=object)
    search = {column: split_parts(shown.get(column, empty)) for column in SEARCH_TEXTS}
    return EarlyMap(len(assets), mask, lat, lon, search)


__all__ = ["EarlyMap", "early_map"]
