"""What the estate costs in each area: ``areas.csv`` and the ``areas`` layer of ``estate.gpkg``.

One row per area of each level (every area of a boundary file, with or without assets),
and an ``outside`` row for assets outside every area when there are any, so that the rows
of one level add up to the estate's totals: assets, floor area, running cost, people,
red/amber/green/unrated counts, opportunities and the savings and receipts they release.

A figure no asset of an area gives is blank (not known), never 0: running cost and floor
area, people and utilisation, and the annual saving where no asset's running cost is known.
``assets_with_running_cost`` says how many assets the running cost covers.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from .._known import UNRATED
from ..schema import BNG
from ._border import ACROSS, FOCUS, area_keys, opportunity_positions
from ._boundaries import OUTSIDE, AreaLevel

#: Columns of ``areas.csv``, in order.
AREA_COLUMNS: Final = (
    "level", "code", "name", "role", "assets", "partners", "gia_m2", "running_cost_gbp",
    "assets_with_running_cost", "cost_per_m2_gbp", "population", "running_cost_per_head_gbp",
    "utilisation", "occupancy", "capacity", "spare_places", "red", "amber", "green", "unrated",
    "sensitive_assets", "clusters", "cross_boundary_clusters", "opportunities", "annual_saving_gbp",
    "capital_receipt_gbp", "moves_out_across_border", "moves_in_across_border",
)  # fmt: skip
_COUNTS: Final = (
    "assets", "partners", "assets_with_running_cost", "red", "amber", "green", "unrated",
    "sensitive_assets", "clusters", "cross_boundary_clusters", "opportunities",
    "moves_out_across_border", "moves_in_across_border",
)  # fmt: skip

_ROUNDING: Final = {
    "gia_m2": 0, "running_cost_gbp": 0, "cost_per_m2_gbp": 2, "running_cost_per_head_gbp": 2,
    "utilisation": 3, "occupancy": 1, "capacity": 1, "spare_places": 1, "annual_saving_gbp": 0,
    "capital_receipt_gbp": 0,
}  # fmt: skip


def _num(frame: pd.DataFrame, *names: str) -> np.ndarray:
    for name in names:
        if name in frame.columns:
            return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return np.full(len(frame), np.nan)


def _asset_work(assets: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
    gia, cost = _num(assets, "gia_m2"), _num(assets, "running_cost_gbp")
    occ, cap = _num(assets, "plan_occupancy", "occupancy"), _num(assets, "plan_capacity", "capacity")
    both = ~np.isnan(occ) & ~np.isnan(cap)
    costed = ~np.isnan(gia) & ~np.isnan(cost) & (gia > 0)
    rating = (
        assets["rating"].astype(str).to_numpy() if "rating" in assets.columns else np.full(len(assets), "")
    )
    sensitive = (
        assets["sensitive"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "sensitive" in assets.columns
        else np.zeros(len(assets), dtype=bool)
    )
    return pd.DataFrame(
        {
            "key": keys,
            "partner": _codes(assets, "partner", as_text=True),
            "gia": gia,
            "cost": cost,
            "cgia": np.where(costed, gia, 0.0),
            "ccost": np.where(costed, cost, 0.0),
            "costed": ~np.isnan(cost),
            "occ": np.where(both, occ, 0.0),
            "cap": np.where(both, cap, 0.0),
            "both": both,
            "red": rating == "red",
            "amber": rating == "amber",
            "green": rating == "green",
            "unrated": rating == UNRATED,
            "sensitive": sensitive,
            "cluster": _codes(assets, "cluster_id"),
        }
    )


def _codes(assets: pd.DataFrame, col: str, *, as_text: bool = False) -> np.ndarray:
    """A number per distinct value of ``col`` (as ``str`` writes it with ``as_text``), NaN
    where missing: counted per area like the values, without making a Python object of each."""
    if col not in assets.columns:
        return np.zeros(len(assets)) if as_text else np.full(len(assets), np.nan)
    values = assets[col].astype(str) if as_text else assets[col]
    codes = pd.factorize(values, use_na_sentinel=True)[0].astype(float)
    codes[codes < 0] = np.nan
    return codes


def _opportunity_work(
    opps: pd.DataFrame | None, keys: np.ndarray, positions: tuple[np.ndarray, np.ndarray]
) -> pd.DataFrame:
    if opps is None or len(opps) == 0:
        return pd.DataFrame({"key": [], "saving": [], "receipt": [], "out": [], "into_key": []})
    donor, into = positions
    dkey = np.where(donor >= 0, keys[np.maximum(donor, 0)], OUTSIDE)
    ikey = np.where(into >= 0, keys[np.maximum(into, 0)], None)
    crossing = (into >= 0) & (dkey != ikey)
    return pd.DataFrame(
        {
            "key": dkey,
            "saving": _num(opps, "annual_saving_gbp"),
            "receipt": _num(opps, "capital_receipt_gbp"),
            "out": crossing,
            "into_key": np.where(crossing, ikey, None),
        }
    )


def _cluster_counts(keys: np.ndarray, cluster: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per area key: its distinct clusters, and those of them with members in another area too."""
    member = cluster.notna().to_numpy()
    key_code, key_uniques = pd.factorize(keys[member])
    cluster_code = pd.factorize(cluster.to_numpy()[member])[0]
    k = len(key_uniques)
    pairs = np.unique(cluster_code.astype(np.int64) * max(k, 1) + key_code)
    pair_cluster, pair_key = pairs // max(k, 1), pairs % max(k, 1)
    crossing = np.bincount(pair_cluster)[pair_cluster] > 1 if len(pairs) else np.zeros(0, dtype=bool)
    index = pd.Index(np.asarray(key_uniques, dtype=object))
    return (
        pd.Series(np.bincount(pair_key, minlength=k), index=index),
        pd.Series(np.bincount(pair_key[crossing], minlength=k), index=index),
    )


def _figures(work: pd.DataFrame, owork: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
    g = work.groupby("key", sort=False)
    out = pd.DataFrame(
        {
            "assets": g.size(),
            "partners": g["partner"].nunique(),
            "gia_m2": g["gia"].sum(min_count=1),
            "running_cost_gbp": g["cost"].sum(min_count=1),
            "assets_with_running_cost": g["costed"].sum(),
            "cgia": g["cgia"].sum(),
            "ccost": g["ccost"].sum(),
            "occupancy": g["occ"].sum(),
            "capacity": g["cap"].sum(),
            "people_known": g["both"].sum(),
            "red": g["red"].sum(),
            "amber": g["amber"].sum(),
            "green": g["green"].sum(),
            "unrated": g["unrated"].sum(),
            "sensitive_assets": g["sensitive"].sum(),
        }
    )
    out["clusters"], out["cross_boundary_clusters"] = _cluster_counts(keys, work["cluster"])
    og = owork.groupby("key", sort=False)
    out["opportunities"] = og.size()
    out["annual_saving_gbp"] = og["saving"].sum()  # of the known savings
    out["capital_receipt_gbp"] = og["receipt"].sum(min_count=1)
    out["moves_out_across_border"] = og["out"].sum()
    out["moves_in_across_border"] = owork.loc[owork["out"].astype(bool)].groupby("into_key").size()
    return out


def _level_rows(
    assets: pd.DataFrame,
    opps: pd.DataFrame | None,
    level: AreaLevel,
    positions: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame:
    keys = area_keys(assets, level.level)
    work = _asset_work(assets, keys)
    fig = _figures(work, _opportunity_work(opps, keys, positions), keys)
    areas = level.areas
    index = list(areas["code"].astype(str))
    index += sorted(set(fig.index) - set(index) - {OUTSIDE}) + ([OUTSIDE] if OUTSIDE in fig.index else [])
    fig = fig.reindex(index)
    name_col = f"{level.level}_name"
    names: dict[str, str] = {}
    if name_col in assets.columns:
        named = assets[name_col].notna().to_numpy()
        key_code, key_uniques = pd.factorize(keys[named])
        _, first = np.unique(key_code, return_index=True)  # each area's first asset with a name
        own = assets[name_col].iloc[np.flatnonzero(named)[first]].to_numpy(dtype=object).tolist()
        codes = np.asarray(key_uniques, dtype=object)[key_code[first]].tolist()
        names = dict(zip(codes, own, strict=True))
    names |= {
        c: n for c, n in zip(areas["code"].astype(str), areas["name"], strict=True) if isinstance(n, str)
    }
    fig["name"] = pd.Series([names.get(c) for c in index], index=index, dtype=object)
    if OUTSIDE in index:
        fig.at[OUTSIDE, "name"] = f"Outside every {level.level} in {level.source.rsplit('/', 1)[-1]}"
    pop = dict(zip(areas["code"].astype(str), areas["population"].astype(float), strict=True))
    fig["population"] = [pop.get(c, np.nan) for c in index]
    return fig


def _finish(fig: pd.DataFrame, level: str) -> pd.DataFrame:
    for col in _COUNTS:
        fig[col] = fig[col].fillna(0).astype(np.int64) if col in fig else 0
    # No running cost known in an area: its saving is not known either (blank, not £0), nor
    # its receipts unless a building released there has a value.
    costed = fig["assets_with_running_cost"] > 0
    fig["annual_saving_gbp"] = fig["annual_saving_gbp"].fillna(0.0).where(costed)
    receipt = fig["capital_receipt_gbp"]  # NaN: no receipt valued in the area
    fig["capital_receipt_gbp"] = receipt.where(receipt.notna(), np.where(costed, 0.0, np.nan))
    known = fig["people_known"].fillna(0) > 0
    for col in ("occupancy", "capacity"):
        fig[col] = fig[col].where(known)
    for col in ("cgia", "ccost"):
        fig[col] = fig[col].where(fig["assets"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fig["cost_per_m2_gbp"] = np.where(fig["cgia"] > 0, fig["ccost"] / fig["cgia"], np.nan)
        fig["utilisation"] = np.where(fig["capacity"] > 0, fig["occupancy"] / fig["capacity"], np.nan)
        fig["running_cost_per_head_gbp"] = np.where(
            fig["population"] > 0, fig["running_cost_gbp"] / fig["population"], np.nan
        )
    fig["spare_places"] = fig["capacity"] - fig["occupancy"]
    fig["level"] = level
    fig["code"] = fig.index.astype(str)
    fig["role"] = None
    return fig.reset_index(drop=True)


def _roles(table: pd.DataFrame, assets: pd.DataFrame, focus: tuple[str, str] | None) -> None:
    if focus is None or "area_role" not in assets.columns:
        return
    level, code = focus
    mine = table["level"] == level
    table.loc[mine & (table["code"] == code), "role"] = FOCUS
    table.loc[mine & (table["code"] != code) & (table["assets"] > 0), "role"] = ACROSS


def summarise_areas(
    assets: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    levels: dict[str, AreaLevel],
    *,
    focus: tuple[str, str] | None = None,
    positions: tuple[np.ndarray, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """One row per area of each level with what the estate holds and costs there.

    Parameters
    ----------
    assets : DataFrame
        The assets with ``<level>_code``/``<level>_name`` columns (and the plan's columns
        when it has run: people, rating, clusters).
    opportunities : DataFrame, optional
        The plan's opportunities; each is counted in the area of its building.
    levels : dict
        ``district`` (always) and ``ward`` (when configured) :class:`AreaLevel`.
    focus : (level, code), optional
        The focus area, so rows say ``role``: ``focus`` or ``across the border``.
    positions : (ndarray, ndarray), optional
        :func:`~assetmap.areas.opportunity_positions` of ``opportunities`` in ``assets``,
        when already found.

    Returns
    -------
    GeoDataFrame
        :data:`AREA_COLUMNS` and the area's polygon (EPSG:27700; None without a boundary
        file and for the ``outside`` row). Money in pounds, utilisation as a fraction
        (occupancy over capacity of the assets with both), ``spare_places`` is capacity
        minus occupancy. Sums over the rows of one level equal the estate's totals.
    """
    return with_shapes(area_rows(assets, opportunities, levels, focus=focus, positions=positions), levels)


def area_rows(
    assets: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    levels: dict[str, AreaLevel],
    *,
    focus: tuple[str, str] | None = None,
    positions: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """:func:`summarise_areas` without the polygons (:func:`with_shapes` adds them): small
    to send between processes."""
    frames = []
    if positions is None and opportunities is not None and len(opportunities):
        positions = opportunity_positions(assets, opportunities)
    for name in ("district", "ward"):
        if name in levels:
            frames.append(_finish(_level_rows(assets, opportunities, levels[name], positions), name))  # type: ignore[arg-type]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(AREA_COLUMNS))
    table = table[list(AREA_COLUMNS)]
    _roles(table, assets, focus)
    table["name"] = table["name"].astype("string")
    table["role"] = table["role"].astype("string")
    return table


def with_shapes(table: pd.DataFrame, levels: dict[str, AreaLevel]) -> gpd.GeoDataFrame:
    """The :func:`area_rows` table with each area's polygon (None where it has none)."""
    shapes = {
        name: dict(zip(level.areas["code"].astype(str), level.areas.geometry, strict=True))
        for name, level in levels.items()
    }
    geoms = [shapes.get(lv, {}).get(c) for lv, c in zip(table["level"], table["code"], strict=True)]
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=BNG), crs=BNG)


def area_csv(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """``areas.csv`` as written: no geometry, money to the pound, utilisation to 0.1 point."""
    out = pd.DataFrame(areas.drop(columns=[areas.geometry.name]))
    for col, places in _ROUNDING.items():
        out[col] = pd.to_numeric(out[col], errors="coerce").round(places)
    if out["role"].isna().all():
        out = out.drop(columns="role")
    return out
