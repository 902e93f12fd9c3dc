"""The first estate map: one toggleable Folium layer per partner.

Every value from a register is escaped before it reaches the page, including the
characters that would end a JavaScript template literal (folium puts popup and tooltip
HTML inside backtick strings). Sensitive assets are never drawn.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Final

import folium
import geopandas as gpd
import pandas as pd

from ._io import atomic_path
from .schema import WGS84

#: Marker colour per partner kind.
KIND_COLOURS: Final[dict[str, str]] = {
    "council": "#1f77b4",
    "nhs": "#005eb8",
    "police": "#14213d",
    "fire": "#d62728",
    "education": "#2ca02c",
    "central_government": "#9467bd",
    "other": "#7f7f7f",
}

_POPUP_FIELDS: Final = (
    ("asset_id", "Asset id"),
    ("use", "Use"),
    ("postcode", "Postcode"),
    ("tenure", "Tenure"),
    ("gia_m2", "Floor area (m²)"),
    ("running_cost_gbp", "Running cost (£/yr)"),
    ("utilisation", "Utilisation"),
    ("geocode_method", "Placed by"),
)


def escape_text(value: object) -> str:
    """Escape a register value for HTML inside a JavaScript template literal."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _fmt(name: str, value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if name == "utilisation":
        return f"{float(value):.0%}"  # type: ignore[arg-type]
    if name in ("gia_m2", "running_cost_gbp"):
        return f"{float(value):,.0f}"  # type: ignore[arg-type]
    return str(value)


def popup_html(row: pd.Series) -> str:
    """The popup of one asset: its facts and where it came from, every value escaped."""
    lines = [f"<b>{escape_text(row.get('name') or row.get('asset_id'))}</b>"]
    lines.append(f"<i>{escape_text(row['partner'])}</i>")
    for field, label in _POPUP_FIELDS:
        text = _fmt(field, row.get(field))
        if text:
            lines.append(f"{label}: {escape_text(text)}")
    lines.append(f"Source: {escape_text(row['source_file'])}, row {int(row['source_row'])}")
    return "<br>".join(lines)


def build_map(assets: gpd.GeoDataFrame, *, title: str) -> folium.Map:
    """Build a Folium map with one layer per partner (sensitive assets left out).

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        The combined estate layer (any CRS; drawn in WGS84).
    title : str
        Shown in the page title.

    Returns
    -------
    folium.Map
    """
    shown = assets.loc[~assets["sensitive"].astype(bool)].to_crs(WGS84)
    if len(shown):
        minx, miny, maxx, maxy = shown.total_bounds
        centre = [(miny + maxy) / 2, (minx + maxx) / 2]
    else:
        centre, (minx, miny, maxx, maxy) = [52.5, -1.5], (-6.0, 50.0, 2.0, 56.0)
    fmap = folium.Map(location=centre, zoom_start=10, tiles="OpenStreetMap", control_scale=True)
    fmap.get_root().header.add_child(folium.Element(f"<title>{escape_text(title)}</title>"))
    for partner, group in shown.groupby("partner", sort=False):
        kind = str(group["partner_kind"].iloc[0])
        layer = folium.FeatureGroup(name=escape_text(f"{partner} ({len(group)})"), show=True)
        colour = KIND_COLOURS.get(kind, KIND_COLOURS["other"])
        for _, row in group.iterrows():
            folium.CircleMarker(
                location=[row.geometry.y, row.geometry.x],
                radius=6,
                color=colour,
                weight=1,
                fill=True,
                fill_opacity=0.8,
                popup=folium.Popup(popup_html(row), max_width=320),
                tooltip=folium.Tooltip(escape_text(row.get("name") or row.get("asset_id"))),
            ).add_to(layer)
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def write_map(assets: gpd.GeoDataFrame, path: Path, *, title: str) -> None:
    """Write the partner map to ``path`` atomically."""
    html_text = build_map(assets, title=title).get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
