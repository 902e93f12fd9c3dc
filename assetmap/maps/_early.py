"""The map's work that does not wait for the plan, done while the plan is worked out.

Some of the page comes from the estate's own columns alone, which planning carries through
unchanged: the shown assets' latitudes and longitudes, the place's outline, the register's
text columns as codes into their distinct values, and a national page's search index (name,
id and postcode of every asset shown, each split at its last number). :func:`early_map` works
them out from the estate as it goes into the plan, in the estate's order; the run does that
in a forked process on the core that planning leaves idle (``assetmap.pipeline``) and hands
the parts to :func:`~assetmap.maps.write_map`, which uses them only when :meth:`EarlyMap.fits`
the estate it draws (the same rows, assets shown, positions and columns), and otherwise works
them out itself. A national page puts its assets in an order of its own (by chunk): the parts
are put in that order there (:meth:`EarlyMap.texts`, :meth:`EarlyMap.handed_over`). Either way
the page is the same, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..config import Config
from ._build import _to_wgs84, prepared, wgs84_points
from ._geometry import place_outline, shown_mask
from ._payload import POPUP_FIELDS, Col, coded_text, text_codes
from ._pyramid import SEARCH_COLUMNS
from ._texts import SplitText, split_parts

#: The search index's text columns (the partner is a number).
SEARCH_TEXTS = tuple(c for c in SEARCH_COLUMNS if c != Col.PARTNER)
#: The page's text columns that come from the register (the plan's cluster and action do not).
REGISTER_TEXTS = (
    *(col for col, _, fmt in POPUP_FIELDS if fmt in ("text", "date") and col not in ("cluster_id", "action")),
    Col.SOURCE_FILE, Col.METHOD, Col.NAME,
)  # fmt: skip


@dataclass
class EarlyMap:
    """The parts of a page worked out before the plan, for the assets shown, in the estate's order."""

    #: The estate's rows, and which of them are shown (:func:`~._geometry.shown_mask`).
    rows: int
    mask: np.ndarray
    #: WGS84 latitude and longitude of each asset shown.
    lat: np.ndarray
    lon: np.ndarray
    #: The place's outline (WGS84) when worked out here (``outlined``).
    outline: BaseGeometry | None
    outlined: bool
    #: Text columns as codes into their distinct values (:func:`~._payload.text_codes`), for
    #: those whose values repeat (the page stores them so); other columns are encoded by the page.
    codes: dict[str, tuple[np.ndarray, list[str]]]
    #: A national page's name, id and postcode of each asset shown, split (:func:`~._texts.split_parts`).
    search: dict[str, SplitText]
    #: The estate these parts were made from: set by the receiver (not sent between processes),
    #: for :meth:`fits` to compare with the estate drawn.
    source: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "source": None}

    def fits(self, assets: gpd.GeoDataFrame, mask: np.ndarray) -> bool:
        """Whether these parts are those of ``assets`` (:func:`~._build.prepared`), whose
        assets shown are ``mask``: same rows shown, same positions and columns as the
        estate they were made from."""
        source = self.source
        if source is None or len(assets) != self.rows or len(source) != self.rows:
            return False
        if not np.array_equal(mask, self.mask):
            return False
        if not _same_points(assets.geometry, source.geometry, mask):
            return False
        for column in {*self.codes, *self.search, *REGISTER_TEXTS}:
            if (column in assets) != (column in source):
                return False
            if column in assets and not _same_values(assets[column], source[column]):
                return False
        return True

    def texts(self, order: np.ndarray | None, *, arrays: bool) -> dict[str, Any]:
        """The text columns encoded as :func:`~._payload.encode_text` encodes the shown assets in
        ``order`` (positions among them; None: the estate's order); this object lets go of its
        own codes."""
        codes, self.codes = self.codes, {}
        return {
            column: coded_text(*_in_order(values.astype(np.int64), distinct, order), arrays=arrays)
            for column, (values, distinct) in codes.items()
        }

    def handed_over(self, order: np.ndarray) -> dict[str, SplitText]:
        """The search columns in ``order`` (positions of the assets shown); this object lets
        go of its own (at 1,000,000 assets, about 130 MB)."""
        search, self.search = self.search, {}
        return {column: parts.take(order) for column, parts in search.items()}


def _in_order(
    codes: np.ndarray, distinct: list[str], order: np.ndarray | None
) -> tuple[np.ndarray, list[str]]:
    """:func:`~._payload.text_codes` of the values in ``order``, from those of the values as they
    were: the same codes, numbered again in the order the values first appear."""
    if order is None:
        return codes, distinct
    codes = codes[order]
    if not distinct:
        return codes, distinct
    known = codes >= 0
    seen = pd.unique(codes)  # old codes, first seen first (a hash table: no sort of the assets)
    seen = seen[seen >= 0]
    new = np.full(len(distinct), -1, dtype=np.int64)
    new[seen] = np.arange(len(seen))
    return np.where(known, new[np.maximum(codes, 0)], -1), [distinct[c] for c in seen.tolist()]


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


def _codes(shown: gpd.GeoDataFrame, columns: tuple[str, ...]) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Each of ``columns`` present as codes and distinct values, where the values repeat (fewer
    distinct values than half the assets: few to send between processes)."""
    out = {}
    for column in columns:
        if column in shown:
            codes, distinct = text_codes(shown[column])
            if len(distinct) <= max(1, len(codes) // 2):
                out[column] = (codes.astype(np.int32), distinct)  # fewer than 2**31 assets
    return out


def early_map(assets: gpd.GeoDataFrame, config: Config) -> EarlyMap | None:
    """The parts of the page that do not depend on the plan (None: no asset shown).

    Parameters
    ----------
    assets : GeoDataFrame
        The estate as it goes into the plan (``area_run.assets``).
    config : Config
        ``map.pyramid_above`` says whether the page is a national one, ``map.outline`` gives the
        outline.

    Returns
    -------
    EarlyMap or None
        Its ``source`` is left unset: the receiver sets it to ``assets``.
    """
    assets = prepared(assets)
    mask = shown_mask(assets)
    rows = np.flatnonzero(mask)
    if not len(rows):
        return None
    shown = assets.iloc[rows]
    lat, lon = wgs84_points(shown.geometry)
    national = len(rows) > config.map.pyramid_above
    outlined = not national or config.map.outline is not None
    outline = _to_wgs84(place_outline(shown, config)) if outlined else None
    texts = tuple(c for c in REGISTER_TEXTS if not (national and c in SEARCH_TEXTS))
    search = {}
    if national:
        empty = pd.Series(None, index=shown.index, dtype=object)
        search = {column: split_parts(shown.get(column, empty)) for column in SEARCH_TEXTS}
    return EarlyMap(len(assets), mask, lat, lon, outline, outlined, _codes(shown, texts), search)


__all__ = ["EarlyMap", "early_map"]
