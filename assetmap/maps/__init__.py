"""The board map: one self-contained, offline HTML file.

The page is written from a small template (``assetmap/data/map.html``) with Leaflet inlined
from the ``xstatic`` package and the page's own script (``assetmap/data/map/*.js``), so it
opens with no network; an offline base map of Great Britain (``_base``) is drawn whenever
there are no tiles. Up to ``map.pyramid_above`` assets shown, all assets go in as one compact
JSON document (``_payload`` writes its format down, ``_build`` builds it); the browser groups
them, builds a popup only when one is opened, and searches them by name, id or postcode.
Above it, the page is a national one (``_pyramid``, ``_national``): counts per screen square
for the far zooms, and the records in compressed chunks of the same file, read when the view
comes close. Measured against folium's one-object-per-marker output, this is what keeps
100,000 and 1,000,000 assets usable (see BENCHMARKS.md).

Sensitive sites (``sensitive`` true) never reach the page: with ``map.sensitive: omit``
(default) they are left out entirely, and cluster figures are those of the assets shown;
with ``cluster_only`` they are counted in their cluster's figures but have no marker, no
name, and no part in any shape. In both, moves and opportunities touching them are left
out, and their names are replaced in other assets' reasons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .._io import atomic_path
from ..areas import AreaRun
from ..config import Config, MapConfig
from ._build import build_payload
from ._early import EarlyMap, early_map
from ._escape import escape_text, json_for_script
from ._geometry import shown_mask
from ._national import national_payload
from ._page import render_national, render_page
from ._style import KIND_COLOURS


def _config(config: Config | None, title: str | None) -> Config:
    if config is not None:
        return config
    return Config.model_validate(
        {"title": title or "Estate map", "partners": [{"name": "-", "register": "-"}], "map": MapConfig()}
    )


def build_map(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    config: Config | None = None,
    title: str | None = None,
    areas: AreaRun | None = None,
) -> str:
    """Build the HTML page of the board map.

    Parameters
    ----------
    assets : GeoDataFrame
        The estate layer (EPSG:27700 points, ``schema.ASSET_COLUMNS``), with the plan's
        ``cluster_id``, ``rating``, ``score``, ``reasons`` and ``action`` when it has run.
    clusters : GeoDataFrame, optional
        The plan's clusters layer (figures shown in cluster popups).
    opportunities : DataFrame, optional
        The plan's ranked opportunities (moves drawn as arrows, notes in popups).
    summary : dict, optional
        The plan's summary figures (summary panel).
    config : Config, optional
        The run's config (``title``, ``map``, ``clustering.hull_buffer_m``).
    title : str, optional
        Page title when no config is given.
    areas : AreaRun, optional
        The run's areas: a choropleth per level with a boundary file, and the clusters
        that cross a border drawn distinctly.

    Returns
    -------
    str
        The self-contained HTML document. Above ``map.pyramid_above`` assets shown it is a
        national page (:mod:`assetmap.maps._pyramid`): windows-1252, holding compressed
        blocks as bytes, returned here with each byte as one character (its bytes are
        ``text.encode("latin-1")``, as :func:`write_map` writes them).
    """
    return _page_bytes(
        assets, clusters=clusters, opportunities=opportunities, summary=summary, config=config, title=title,
        areas=areas,
    ).decode("latin-1" if _is_national(assets, _config(config, title)) else "utf-8")  # fmt: skip


def _is_national(assets: gpd.GeoDataFrame, config: Config) -> bool:
    return bool(len(assets)) and int(shown_mask(assets).sum()) > config.map.pyramid_above


def _page_bytes(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None,
    opportunities: pd.DataFrame | None,
    summary: dict[str, Any] | None,
    config: Config | None,
    title: str | None,
    areas: AreaRun | None,
    early: EarlyMap | None = None,
) -> bytes:
    """The page's bytes: a county page (UTF-8), or a national one above ``map.pyramid_above``."""
    cfg = _config(config, title)
    parts = {"clusters": clusters, "opportunities": opportunities, "summary": summary, "areas": areas}
    if _is_national(assets, cfg):
        return render_national(national_payload(assets, **parts, config=cfg, early=early))
    return render_page(build_payload(assets, **parts, config=cfg, early=early)).encode("utf-8")


def write_map(
    path: Path | str,
    *,
    assets: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    config: Config | None = None,
    title: str | None = None,
    areas: AreaRun | None = None,
    early: EarlyMap | None = None,
) -> Path:
    """Write the board map to ``path`` atomically.

    Parameters
    ----------
    path : Path or str
        Where ``map.html`` goes.
    assets, clusters, opportunities, summary, config, title, areas
        As for :func:`build_map`.
    early : EarlyMap, optional
        The page's parts worked out before the plan (:func:`early_map`, run while the plan is
        worked out); used only where they fit ``assets``, else worked out here.

    Returns
    -------
    Path
        ``path``.
    """
    data = _page_bytes(
        assets, clusters=clusters, opportunities=opportunities, summary=summary, config=config, title=title,
        areas=areas, early=early,
    )  # fmt: skip
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


__all__ = [
    "KIND_COLOURS", "EarlyMap", "build_map", "early_map", "escape_text", "json_for_script", "write_map",
]  # fmt: skip
