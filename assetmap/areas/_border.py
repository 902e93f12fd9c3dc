"""Across the border: clusters and moves that span areas, and planning one area with its neighbours.

A cluster whose assets lie in more than one area of the border level (districts by
default) is ``cross_boundary``, with ``areas`` naming them; a move from a building in one
area into a building in another says so (``from_area``, ``into_area``, ``cross_boundary``).
An asset outside every polygon of a boundary file counts as one more area ("outside the
district boundaries"): a cluster half in and half out of the place crosses its border too.

``areas.focus`` plans one area: its assets, plus the assets of other areas within the
clustering radius of its border (the facilities across the border that could be shared),
each marked by ``area_role``.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from scipy.spatial import cKDTree

from .._errors import ConfigError
from ..geocode import PostcodeLookup
from ..plan import PlanResult
from ..schema import BNG
from ._boundaries import OUTSIDE, AreaLevel
from ._districts import postcode_points

FOCUS = "focus"
ACROSS = "across the border"


def area_keys(assets: pd.DataFrame, level: str) -> np.ndarray:
    """Each asset's area code at ``level``, with :data:`OUTSIDE` where it has none."""
    col = f"{level}_code"
    if col not in assets.columns:
        return np.full(len(assets), OUTSIDE, dtype=object)
    codes = assets[col].astype(object)
    return codes.where(codes.notna(), OUTSIDE).to_numpy(dtype=object)


def area_labels(assets: pd.DataFrame, level: str) -> np.ndarray:
    """``Name (CODE)`` of each asset's area at ``level``; the code alone when it has no name.

    Each distinct (code, name) pair is written once (a national estate has a few hundred).
    """
    return _labels_of(assets, area_keys(assets, level), level)


def _labels_of(assets: pd.DataFrame, keys: np.ndarray, level: str) -> np.ndarray:
    """:func:`area_labels` from the assets' area keys at ``level``."""
    name_col = f"{level}_name"
    names = (
        assets[name_col].astype(object) if name_col in assets.columns else pd.Series(None, index=assets.index)
    )
    names = names.where(names.notna(), None).to_numpy(dtype=object)
    if not len(keys):
        return np.empty(0, dtype=object)
    key_code = pd.factorize(keys)[0]
    name_code, name_uniques = pd.factorize(names, use_na_sentinel=True)
    pair, first = np.unique(key_code * (len(name_uniques) + 1) + name_code + 1, return_index=True)
    inverse = np.searchsorted(pair, key_code * (len(name_uniques) + 1) + name_code + 1)
    text = [_label_text(keys[i], names[i], level) for i in first.tolist()]
    return np.array(text, dtype=object)[inverse]


def _label_text(code: object, name: object, level: str) -> str:
    """One area's label: ``Name (CODE)``, the code alone, or the outside row's words."""
    if code == OUTSIDE:
        return f"outside the {level} boundaries"
    return f"{name} ({code})" if name else str(code)


def _text_codes(parts: list[pd.Series]) -> list[np.ndarray]:
    """A number per distinct text across ``parts`` (each value as ``str`` writes it; every
    missing value one more number), one array per part, read in Arrow."""
    arrays = [pa.array(part.astype(str).array).cast(pa.large_string()) for part in parts]
    encoded = pa.chunked_array(arrays, type=pa.large_string()).combine_chunks()
    codes = pc.dictionary_encode(encoded, null_encoding="encode").indices.to_numpy(zero_copy_only=False)
    return np.split(codes.astype(np.int64), np.cumsum([len(a) for a in arrays])[:-1])


def _combine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One number per distinct (first, second) pair, numbered densely from 0."""
    if not len(first):
        return first
    return np.unique(first * (int(second.max()) + 1) + second, return_inverse=True)[1].ravel()


def _key_codes(frames: list[tuple[pd.DataFrame, str, str]]) -> list[np.ndarray]:
    """Partner, asset id and cluster of each frame's rows as one number per distinct key
    (cluster ``""`` where a frame has none), numbered alike across the frames."""

    def cluster(frame: pd.DataFrame) -> pd.Series:
        return frame["cluster_id"] if "cluster_id" in frame.columns else pd.Series("", index=frame.index)

    partner = np.concatenate(_text_codes([frame[p] for frame, p, _ in frames]))
    asset_id = np.concatenate(_text_codes([frame[a] for frame, _, a in frames]))
    clusters = np.concatenate(_text_codes([cluster(frame) for frame, _, _ in frames]))
    sizes = np.cumsum([len(frame) for frame, _, _ in frames])[:-1]
    return np.split(_combine(_combine(partner, asset_id), clusters), sizes)


def _first_positions(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position in ``keys`` of each wanted key's first occurrence; -1 where absent."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    unique, first = np.unique(keys, return_index=True)
    at = np.minimum(np.searchsorted(unique, wanted), len(unique) - 1)
    return np.where(unique[at] == wanted, first[at], -1).astype(np.int64)


def opportunity_positions(assets: pd.DataFrame, opps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``assets`` of each opportunity's asset and of the building it moves into.

    Assets are matched by partner, asset id and cluster as text (the receiver of a move is
    in the donor's cluster; a missing value matches a missing value); the first such asset,
    -1 where there is none (no receiver, or not in ``assets``). The keys are numbered in
    Arrow and matched as integers.
    """
    if opps is None or len(opps) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    frames = [(assets, "partner", "asset_id"), (opps, "partner", "asset_id")]
    if "into_asset_id" in opps.columns:
        frames.append((opps, "into_partner", "into_asset_id"))
    codes = _key_codes(frames)
    donor = _first_positions(codes[0], codes[1])
    if "into_asset_id" not in opps.columns:
        return donor, np.full(len(opps), -1, dtype=np.int64)
    into = np.where(opps["into_asset_id"].notna().to_numpy(), _first_positions(codes[0], codes[2]), -1)
    return donor, into.astype(np.int64)


def cluster_areas(assets: pd.DataFrame, level: str) -> pd.DataFrame:
    """Per cluster: ``cross_boundary`` (members in two or more areas) and ``areas`` (their names)."""
    return _cluster_areas(assets, area_keys(assets, level), area_labels(assets, level))


def _cluster_areas(assets: pd.DataFrame, keys: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """:func:`cluster_areas` from each asset's area key and label (one pass over the members).

    Each cluster's areas are its distinct keys (the first member's label for each), sorted
    by label and joined by ``"; "``; clusters come in id order.
    """
    member = assets["cluster_id"].notna().to_numpy() if "cluster_id" in assets.columns else np.zeros(0, bool)
    if not member.any():
        return pd.DataFrame({"cross_boundary": pd.Series(dtype=bool), "areas": pd.Series(dtype="string")})
    cluster, ids = pd.factorize(assets["cluster_id"][member].astype(str), sort=True)
    key = pd.factorize(keys[member])[0]
    label = labels[member]
    # The first member of each (cluster, area) pair, then the pairs by cluster and label.
    _, first = np.unique(cluster * (int(key.max()) + 1) + key, return_index=True)
    label_of, rank = np.unique(label[first].astype(str), return_inverse=True)
    order = np.lexsort((rank.ravel(), cluster[first]))
    words, owner = label_of[rank.ravel()[order]].tolist(), cluster[first][order]
    count = np.bincount(owner, minlength=len(ids))
    ends = np.cumsum(count).tolist()
    joined = ["; ".join(words[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    index = pd.Index(np.asarray(ids, dtype=object), name="cluster_id")
    return pd.DataFrame({"cross_boundary": count > 1, "areas": joined}, index=index)


def mark_cross_boundary(
    assets: pd.DataFrame,
    clusters: gpd.GeoDataFrame,
    opportunities: pd.DataFrame,
    *,
    level: str,
    positions: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Flag clusters and moves that cross a boundary of ``level``.

    Parameters
    ----------
    assets : DataFrame
        The planned assets with ``cluster_id`` and ``<level>_code``/``<level>_name``.
    clusters : GeoDataFrame
        The plan's clusters layer.
    opportunities : DataFrame
        The plan's opportunities.
    level : str
        ``district`` or ``ward``.
    positions : (ndarray, ndarray), optional
        :func:`opportunity_positions` of ``opportunities`` in ``assets``, when already found.

    Returns
    -------
    clusters : GeoDataFrame
        With ``cross_boundary`` (bool) and ``areas`` (``Name (CODE)`` joined by ``"; "``).
    opportunities : DataFrame
        With ``from_area``, ``into_area`` (moves only) and ``cross_boundary`` (a move
        between two areas).
    """
    keys = area_keys(assets, level)
    labels = _labels_of(assets, keys, level)
    per = _cluster_areas(assets, keys, labels)
    clusters = clusters.copy(deep=False)  # copy on write: the columns added never reach the plan's
    ids = clusters["cluster_id"].astype(str) if len(clusters) else pd.Series([], dtype=str)
    clusters["cross_boundary"] = per["cross_boundary"].reindex(ids).fillna(False).astype(bool).to_numpy()
    clusters["areas"] = pd.array(per["areas"].reindex(ids).to_numpy(dtype=object), dtype="string")
    opps = opportunities.copy(deep=False)
    donor, into = positions if positions is not None else opportunity_positions(assets, opps)

    def pick(arr: np.ndarray, pos: np.ndarray) -> np.ndarray:
        return np.where(pos >= 0, arr[np.maximum(pos, 0)] if len(arr) else None, None)

    opps["from_area"] = pd.array(pick(labels, donor), dtype="string")
    opps["into_area"] = pd.array(pick(labels, into), dtype="string")
    crossing = (donor >= 0) & (into >= 0) & (pick(keys, donor) != pick(keys, into))
    opps["cross_boundary"] = crossing.astype(bool)
    return clusters, opps


def border_summary(clusters: pd.DataFrame, opportunities: pd.DataFrame, level: str) -> dict[str, object]:
    """Figures for the plan's summary: clusters and moves across the border and what the moves save."""
    moves = (
        opportunities[opportunities["cross_boundary"].astype(bool)] if len(opportunities) else opportunities
    )
    return {
        "area_level": level,
        "cross_boundary_clusters": int(clusters["cross_boundary"].sum()) if len(clusters) else 0,
        "cross_boundary_moves": len(moves),
        "cross_boundary_saving_gbp": float(
            pd.to_numeric(moves.get("annual_saving_gbp"), errors="coerce").sum()
        )
        if len(moves)
        else 0.0,
    }


# ------------------------------------------------------------------------------- focus
@dataclass(frozen=True)
class Focus:
    """The area a run is limited to, and how many assets it kept and left out."""

    level: str
    code: str
    name: str | None
    focus_assets: int = 0
    across_border_assets: int = 0
    left_out_assets: int = 0

    def summary(self) -> dict[str, object]:
        """Figures for the plan's summary."""
        label = f"{self.name} ({self.code})" if self.name else self.code
        return {
            "focus_area": label,
            "focus_assets": self.focus_assets,
            "across_border_assets": self.across_border_assets,
            "left_out_assets": self.left_out_assets,
        }


def find_focus(focus: str, levels: dict[str, AreaLevel]) -> tuple[str, str, str | None]:
    """``(level, code, name)`` of the area ``areas.focus`` names, by code or name (any case).

    Raises
    ------
    ConfigError
        When no district or ward has that code or name; the message offers the nearest.
    """
    want = focus.strip().casefold()
    candidates: list[str] = []
    for level in ("district", "ward"):
        if level not in levels:
            continue
        areas = levels[level].areas
        for code, name in zip(areas["code"].astype(str), areas["name"].astype(object), strict=True):
            if want in (code.casefold(), str(name).casefold() if isinstance(name, str) else None):
                return level, code, name if isinstance(name, str) else None
            candidates += [code] + ([name] if isinstance(name, str) else [])
    near = difflib.get_close_matches(focus, candidates, n=3)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise ConfigError(f"areas.focus: no district or ward is coded or named {focus!r}{hint}")


def _near_border(
    points: gpd.GeoSeries, level: AreaLevel, code: str, radius_m: float, lookup: PostcodeLookup | None
) -> np.ndarray:
    """Which points lie within ``radius_m`` of the focus area (its polygon, else its postcodes)."""
    if level.has_polygons:
        geom = level.areas.loc[level.areas["code"] == code].geometry.iloc[0]
        shapely.prepare(geom)
        return np.asarray(shapely.dwithin(points.to_numpy(), geom, radius_m), dtype=bool)
    if lookup is None or len(points) == 0:
        return np.zeros(len(points), dtype=bool)
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    ok = np.isfinite(xy).all(axis=1)
    near = np.zeros(len(points), dtype=bool)
    if not ok.any():
        return near
    lo, hi = xy[ok].min(axis=0) - radius_m, xy[ok].max(axis=0) + radius_m
    table = postcode_points(lookup, (lo[0], lo[1], hi[0], hi[1]))
    table = table[table["district_code"] == code]
    if table.empty:
        return near
    dist, _ = cKDTree(table[["easting", "northing"]].to_numpy()).query(
        xy[ok], k=1, distance_upper_bound=radius_m
    )
    near[np.flatnonzero(ok)] = np.isfinite(dist)
    return near


def focus_estate(
    assets: gpd.GeoDataFrame,
    *,
    focus: str,
    levels: dict[str, AreaLevel],
    radius_m: float,
    lookup: PostcodeLookup | None = None,
) -> tuple[gpd.GeoDataFrame, Focus]:
    """Keep the focus area's assets and those of other areas within ``radius_m`` of its border.

    Parameters
    ----------
    assets : GeoDataFrame
        The estate with area columns (:func:`assetmap.areas.assign_areas`).
    focus : str
        A district or ward code or name (``areas.focus``).
    levels : dict
        The run's area levels.
    radius_m : float
        How far across the border to look (the clustering radius).
    lookup : PostcodeLookup, optional
        Used to find the border of a district with no boundary file (its postcodes).

    Returns
    -------
    assets : GeoDataFrame
        The kept assets with ``area_role``: ``focus`` or ``across the border``.
    focus : Focus
        The area and the counts kept and left out.
    """
    level, code, name = find_focus(focus, levels)
    keys = area_keys(assets, level)
    inside = keys == code
    points = (
        assets.geometry.to_crs(BNG)
        if assets.crs is not None and not assets.crs.equals(BNG)
        else assets.geometry
    )
    near = np.zeros(len(assets), dtype=bool)
    if (~inside).any():
        near[~inside] = _near_border(points[~inside], levels[level], code, radius_m, lookup)
    keep = inside | near
    out = assets.loc[keep].copy()
    out["area_role"] = pd.array(np.where(inside[keep], FOCUS, ACROSS).astype(object), dtype="string")
    info = Focus(level, code, name, int(inside.sum()), int(near.sum()), int((~keep).sum()))
    return out, info


def with_summary(plan: PlanResult, extra: dict[str, object], **changes: object) -> PlanResult:
    """A copy of a frozen plan result with figures added to its summary and fields replaced."""
    return dataclasses.replace(plan, summary={**plan.summary, **extra}, **changes)  # type: ignore[arg-type]
