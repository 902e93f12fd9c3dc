"""Counting the place: the districts and wards the estate lies in, what it costs in each, and
what lies across the border.

With no config at all every placed asset gets its local authority district
(``district_code``, ``district_name``, ``district_source``) from the ONS Postcode Directory:
its own postcode's district when it was placed by postcode, else the nearest postcode's
(:func:`assign_districts`). ``areas:`` in the config names boundary files, one per level::

    areas:
      district: {file: boundaries/districts.geojson, code: LAD13CD, name: LAD13NM}
      ward: {file: boundaries/wards.geojson, code: WD13CD, name: WD13NM, population: POP}
      focus: E07000110          # optional: plan one district (code or name) and its border
      border_level: district    # optional: whose boundaries make a cluster cross-boundary

and each asset then gets ``<level>_code``/``<level>_name`` of the polygon it lies in
(:func:`assign_level`). :func:`summarise_areas` counts the estate per area (``areas.csv`` and
the ``areas`` layer), :func:`mark_cross_boundary` flags clusters and moves across a border,
and :func:`focus_estate` limits a run to one area and what lies within the clustering
radius of its border.

In a run (:mod:`assetmap.pipeline`): :func:`prepare_areas` after the estate is built and
before planning, :func:`finish_areas` after planning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .._fork import Forked
from ..config import AreasConfig, Config
from ..geocode import PostcodeLookup
from ..plan import PlanResult
from ..schema import BNG
from ._border import (
    ACROSS,
    FOCUS,
    Focus,
    border_summary,
    cluster_areas,
    find_focus,
    focus_estate,
    mark_cross_boundary,
    opportunity_positions,
    with_summary,
)
from ._boundaries import OUTSIDE, AreaLevel, assign_level, locate, read_level
from ._districts import assign_districts, district_table, postcode_points
from ._names import district_names, names_for
from ._summary import AREA_COLUMNS, area_csv, area_rows, summarise_areas, with_shapes

ONSPD_SOURCE = "ONS Postcode Directory"


@dataclass(frozen=True)
class AreaRun:
    """The areas of one run, between :func:`prepare_areas` and :func:`finish_areas`.

    Attributes
    ----------
    assets : GeoDataFrame
        The estate with its area columns; only the focus area and its border when
        ``areas.focus`` is set (then with ``area_role``).
    levels : dict
        ``district`` (always) and ``ward`` (when configured) :class:`AreaLevel`.
    border_level : str
        The level whose boundaries make a cluster or move cross-boundary.
    focus : Focus or None
        The focus area and its counts.
    notes : tuple of str
        What was assumed while reading boundary files, for ``run.json``.
    """

    assets: gpd.GeoDataFrame
    levels: dict[str, AreaLevel]
    border_level: str = "district"
    focus: Focus | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def districts_from_codes(assets: pd.DataFrame) -> AreaLevel:
    """The district level of a run with no district boundary file: the codes its assets carry."""
    given = assets["district_code"].dropna().unique() if "district_code" in assets else []
    codes = sorted({str(c) for c in given})
    frame = pd.DataFrame(
        {"code": codes, "name": pd.array(names_for(codes), dtype="string"), "population": np.nan}
    )
    areas = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(codes), crs=BNG), crs=BNG)
    return AreaLevel(level="district", areas=areas, source=ONSPD_SOURCE)


def read_levels(config: AreasConfig | None, *, base_dir: object) -> dict[str, AreaLevel]:
    """The levels the config gives boundary files for (none without ``areas:``)."""
    if config is None:
        return {}
    levels = {}
    for name in ("district", "ward"):
        level_cfg = getattr(config, name)
        if level_cfg is not None:
            levels[name] = read_level(level_cfg, level=name, base_dir=base_dir)  # type: ignore[arg-type]
    return levels


def assign_areas(
    assets: gpd.GeoDataFrame, *, levels: dict[str, AreaLevel], lookup: PostcodeLookup
) -> tuple[gpd.GeoDataFrame, dict[str, AreaLevel]]:
    """Give every asset its district (boundary file, else postcode directory) and ward.

    Returns
    -------
    assets : GeoDataFrame
        With ``district_code``, ``district_name``, ``district_source`` and
        ``ward_code``/``ward_name`` when wards are configured.
    levels : dict
        ``levels`` plus the district level from the postcode directory when none was given.
    """
    levels = dict(levels)
    if "district" in levels:
        assets = assign_level(assets, levels["district"])
    else:
        assets = assign_districts(assets, lookup)
        levels["district"] = districts_from_codes(assets)
    if "ward" in levels:
        assets = assign_level(assets, levels["ward"])
    return assets, levels


def prepare_areas(assets: gpd.GeoDataFrame, config: Config, *, postcodes: PostcodeLookup) -> AreaRun:
    """Read the boundary files, give every asset its areas and apply ``areas.focus``.

    Parameters
    ----------
    assets : GeoDataFrame
        The combined estate layer.
    config : Config
        ``areas`` (optional) and ``clustering.radius_m`` (how far across a focus border to look).
    postcodes : PostcodeLookup
        The run's postcode directory.

    Returns
    -------
    AreaRun
        Plan ``AreaRun.assets`` instead of the estate's assets.

    Raises
    ------
    BoundaryError
        A boundary file is missing, unreadable or lacks a named column.
    ConfigError
        ``areas.focus`` names no known district or ward.
    """
    cfg = config.areas or AreasConfig()
    levels = read_levels(cfg, base_dir=config.base_dir)
    notes = tuple(n for level in levels.values() for n in level.notes)
    assets, levels = assign_areas(assets, levels=levels, lookup=postcodes)
    focus = None
    if cfg.focus:
        assets, focus = focus_estate(
            assets, focus=cfg.focus, levels=levels, radius_m=config.clustering.radius_m, lookup=postcodes
        )
        if not levels["district"].has_polygons:
            levels["district"] = districts_from_codes(assets)
    return AreaRun(assets=assets, levels=levels, border_level=cfg.border_level, focus=focus, notes=notes)


#: Estates from this many assets are counted per area in a forked process while the border
#: is marked (:func:`finish_areas`'s ``parallel``): at 10^6 assets that saves about 1 s; at
#: 10^5 (0.3 CPU s in all) the process would cost about what it saves.
PARALLEL_FROM = 200_000


def finish_areas(
    plan: PlanResult, run: AreaRun, *, parallel: bool | None = None
) -> tuple[PlanResult, gpd.GeoDataFrame]:
    """Flag what crosses a border and count the estate per area, once the plan has run.

    Parameters
    ----------
    plan : PlanResult
        From :func:`assetmap.plan.plan_estate` on ``run.assets``.
    run : AreaRun
        From :func:`prepare_areas`.
    parallel : bool, optional
        Count the estate per area in a forked process (Linux) while the border is marked
        here: the same tables (tested). None: from :data:`PARALLEL_FROM` assets.

    Returns
    -------
    plan : PlanResult
        Clusters with ``cross_boundary`` and ``areas``; opportunities with ``from_area``,
        ``into_area`` and ``cross_boundary``; the summary with the cross-border figures
        (and the focus counts).
    areas : GeoDataFrame
        :func:`summarise_areas`: write it as ``areas.csv`` (:func:`area_csv`) and as the
        ``areas`` layer.
    """
    positions = opportunity_positions(plan.assets, plan.opportunities)
    focus = (run.focus.level, run.focus.code) if run.focus else None

    def count(_send: object = None) -> pd.DataFrame:
        return area_rows(
            plan.assets, plan.opportunities, run.levels, focus=focus, positions=positions  # type: ignore[attr-defined]
        )

    if parallel is None:
        parallel = len(plan.assets) >= PARALLEL_FROM
    beside = Forked(count, fork=parallel)
    try:
        clusters, opps = mark_cross_boundary(
            plan.assets,
            plan.clusters,
            plan.opportunities,
            level=run.border_level,  # type: ignore[attr-defined]
            positions=positions,
        )
    except BaseException:
        beside.stop()
        raise
    done = beside.receive(lambda _message: None)
    table = with_shapes(done.value if done is not None else count(), run.levels)  # type: ignore[arg-type]
    extra = border_summary(clusters, opps, run.border_level) | (run.focus.summary() if run.focus else {})
    return with_summary(plan, extra, clusters=clusters, opportunities=opps), table  # type: ignore[return-value]


def area_record(run: AreaRun) -> dict[str, object]:
    """What ``run.json`` says about the areas: each level's source, the notes and the focus."""
    counts = (
        pd.Series(run.assets["district_source"]).value_counts() if "district_source" in run.assets else {}
    )
    return {
        "levels": {name: level.source for name, level in run.levels.items()},
        "district_from": {str(k): int(v) for k, v in dict(counts).items()},
        "border_level": run.border_level,
        "notes": list(run.notes),
        "focus": run.focus.summary() if run.focus else None,
    }


__all__ = [
    "ACROSS",
    "AREA_COLUMNS",
    "FOCUS",
    "ONSPD_SOURCE",
    "OUTSIDE",
    "AreaLevel",
    "AreaRun",
    "Focus",
    "area_csv",
    "area_record",
    "assign_areas",
    "assign_districts",
    "assign_level",
    "border_summary",
    "cluster_areas",
    "district_names",
    "district_table",
    "districts_from_codes",
    "find_focus",
    "finish_areas",
    "focus_estate",
    "locate",
    "mark_cross_boundary",
    "names_for",
    "opportunity_positions",
    "postcode_points",
    "prepare_areas",
    "read_level",
    "read_levels",
    "summarise_areas",
]  # fmt: skip
