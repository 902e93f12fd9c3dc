"""The plan's parts of the page data: opportunities (notes and arrows) and cluster figures.

Both are column-wise and numeric where possible; the page writes the words. Opportunities
that touch a sensitive site are dropped; cluster shapes are hulls of shown members only.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Config
from ..schema import BNG, WGS84
from ._geometry import cluster_hulls
from ._payload import Clu, Grid, Opp
from ._style import CLUSTER_CATEGORIES, RATINGS, rating_index

ACTIONS: Final[tuple[str, ...]] = ("relocate", "dispose", "share")


def keys(frame: pd.DataFrame, partner: str, asset_id: str) -> pd.MultiIndex:
    """``(partner, asset_id)`` pairs as text, the key opportunities use to name assets."""
    if partner not in frame.columns or asset_id not in frame.columns:
        blank = np.full(len(frame), "", dtype=object)
        return pd.MultiIndex.from_arrays([blank, blank])
    levels, codes = [], []
    for name in (partner, asset_id):  # each column numbered once (no Python string per asset)
        code, unique = pd.factorize(frame[name].astype(str))
        levels.append(pd.Index(unique))
        codes.append(code)
    return pd.MultiIndex(levels=levels, codes=codes, verify_integrity=False)


def positions(shown: pd.MultiIndex) -> pd.Series:
    """Key -> position among the shown assets (the last one where a key repeats)."""
    index = pd.Series(np.arange(len(shown)), index=shown)
    return index[~index.index.duplicated(keep="last")]


def _nums(values: pd.Series | None, n: int, decimals: int = 0) -> list[float | int | None]:
    if values is None:
        return [None] * n
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float).round(decimals)
    arr[~np.isfinite(arr)] = np.nan  # a ratio over nothing (no capacity) is not known
    if decimals == 0:
        return [None if v != v else int(v) for v in arr.tolist()]
    return [None if v != v else v for v in arr.tolist()]


def _lookup(index: pd.Series, wanted: pd.MultiIndex) -> np.ndarray:
    if len(index) == 0 or len(wanted) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    found = index.index.get_indexer(wanted)
    return np.where(found >= 0, index.to_numpy()[found], -1).astype(np.int64)


def opportunities(
    opps: pd.DataFrame | None, index: pd.Series, hidden: pd.MultiIndex
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Opportunities that touch no hidden asset, and their page columns.

    Parameters
    ----------
    opps : DataFrame or None
        The plan's opportunities.
    index : Series
        ``(partner, asset_id)`` -> position of a shown asset (:func:`positions`).
    hidden : MultiIndex
        ``(partner, asset_id)`` of assets not shown (sensitive sites).

    Returns
    -------
    kept : DataFrame
        The opportunities kept, with ``_donor`` and ``_into`` positions (-1 when not shown).
    columns : dict
        :class:`~assetmap.maps._payload.Opp` keys: rank, action (index into :data:`ACTIONS`,
        -1 other), donor and receiver positions, people, saving, receipt, spare places, and
        the name of each receiver that is not on the map (by row).
    """
    empty = pd.DataFrame({"action": pd.Series(dtype=object), "_donor": [], "_into": []})
    if opps is None or len(opps) == 0 or "action" not in opps.columns:
        return empty, {}
    o = opps.reset_index(drop=True)
    donor, into = keys(o, "partner", "asset_id"), keys(o, "into_partner", "into_asset_id")
    keep = ~(donor.isin(hidden) | into.isin(hidden)) if len(hidden) else np.ones(len(o), dtype=bool)
    o = o.loc[np.asarray(keep)].reset_index(drop=True)
    o["_donor"] = _lookup(index, keys(o, "partner", "asset_id"))
    o["_into"] = _lookup(index, keys(o, "into_partner", "into_asset_id"))
    n = len(o)
    action = o["action"].astype(str).map({a: i for i, a in enumerate(ACTIONS)}).fillna(-1).astype(int)
    cols = {
        Opp.RANK: _nums(o.get("rank"), n) if "rank" in o.columns else list(range(1, n + 1)),
        Opp.ACTION: action.tolist(),
        Opp.DONOR: o["_donor"].astype(int).tolist(),
        Opp.RECEIVER: o["_into"].astype(int).tolist(),
        Opp.PEOPLE: _nums(o.get("people_moved"), n),
        Opp.SAVING: _nums(o.get("annual_saving_gbp"), n),
        Opp.RECEIPT: _nums(o.get("capital_receipt_gbp"), n),
        Opp.SPARE: _nums(o.get("spare_places"), n),
        Opp.INTO: _receivers_off_the_map(o),
    }
    return o, cols


def _receivers_off_the_map(o: pd.DataFrame) -> dict[str, str]:
    """Row -> ``name (partner)`` of each receiver that is not on the map."""
    into_text: dict[str, str] = {}
    if "into_asset_id" in o.columns:
        lost = o.index[(o["_into"] < 0) & o["into_asset_id"].notna()]
        name = o["into_name"] if "into_name" in o.columns else o["into_asset_id"]
        for i in lost:
            label = name[i] if pd.notna(name[i]) else o.at[i, "into_asset_id"]
            into_text[str(i)] = f"{label} ({o.at[i, 'into_partner']})"
    return into_text


def _joined_partners(by: pd.Series, partner: pd.Series) -> pd.Series:
    """Per cluster, its distinct partners sorted and joined with ``"; "``."""
    pairs = pd.DataFrame({"c": by.to_numpy(dtype=object), "p": partner.astype(str).to_numpy(dtype=object)})
    pairs = pairs.drop_duplicates().sort_values(["c", "p"], kind="mergesort")
    clusters = pairs["c"].to_numpy(dtype=object)
    names = pairs["p"].to_numpy(dtype=object).tolist()
    if not names:
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, clusters[1:] != clusters[:-1]])
    ends = np.r_[starts[1:], len(names)]
    joined = ["; ".join(names[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return pd.Series(joined, index=clusters[starts], dtype=object)


def _shown_figures(member: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Assets, partners, running cost and floor area of each cluster's shown members."""
    by = member["cluster_id"].astype(str)

    def total(col: str) -> pd.Series | float:
        if col not in member:
            return np.nan
        return pd.to_numeric(member[col], errors="coerce").groupby(by).sum(min_count=1)

    shown = pd.DataFrame(
        {
            "assets": by.value_counts(),
            "partners": _joined_partners(by, member["partner"]),
            "running_cost_gbp": total("running_cost_gbp"),
            "gia_m2": total("gia_m2"),
        }
    ).reindex(ids)
    shown["utilisation"] = np.nan
    shown["spare_capacity"] = np.nan
    return shown


def _hidden_counts(all_assets: gpd.GeoDataFrame, ids: list[str]) -> pd.Series:
    """Sensitive sites per cluster."""
    sens = all_assets["sensitive"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    inside = sens & all_assets["cluster_id"].notna().to_numpy()
    counts = all_assets.loc[inside, "cluster_id"].astype(str).value_counts()
    return counts.reindex(ids, fill_value=0)


def _figures(
    frame: gpd.GeoDataFrame | None, shown: pd.DataFrame, hidden: pd.Series, ids: list[str], sensitive: str
) -> pd.DataFrame:
    """The plan's cluster figures where they may be shown, else those of the shown members.

    With ``cluster_only`` the plan's figures (which count sensitive sites) are shown; with
    ``omit`` only for clusters without a sensitive site.
    """
    prof = pd.DataFrame(index=ids)
    if frame is not None and len(frame) and "cluster_id" in frame.columns:
        prof = (
            pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            .set_index(frame["cluster_id"].astype(str).to_numpy())
            .reindex(ids)
        )
    use_prof = prof.notna().any(axis=1) & ((sensitive == "cluster_only") | (hidden == 0))
    figures = shown.copy()
    for col in figures.columns:
        if col in prof.columns:
            figures[col] = prof[col].where(use_prof, shown[col])
    return figures


def _rag(member: pd.DataFrame, ids: list[str]) -> list[list[int]] | None:
    """Red, amber, green and not rated counts per cluster, indexed as the assets' rating codes
    (None without ratings)."""
    if "rating" not in member:
        return None
    cluster = pd.Index(ids).get_indexer(member["cluster_id"].astype(str).to_numpy(dtype=object))
    rating = rating_index(member["rating"])
    ok = cluster >= 0
    counts = np.bincount(cluster[ok] * len(RATINGS) + rating[ok], minlength=len(ids) * len(RATINGS))
    return counts.reshape(len(ids), len(RATINGS)).tolist()


def _categories(opps: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray, pd.Series]:
    """Each cluster's category (moves, share, none) and the plan's savings in it."""
    cats = np.full(len(ids), 2, dtype=int)
    saving = pd.Series(np.nan, index=ids)
    if len(opps) and "cluster_id" in opps.columns:
        cluster = opps["cluster_id"].astype(str)
        action = opps["action"].astype(str)
        moves = set(cluster[action.isin(["relocate", "dispose"])].to_numpy(dtype=object).tolist())
        share = set(cluster[action == "share"].to_numpy(dtype=object).tolist())
        cats = np.array([0 if c in moves else 1 if c in share else 2 for c in ids], dtype=int)
        if "annual_saving_gbp" in opps.columns:
            money = pd.to_numeric(opps["annual_saving_gbp"], errors="coerce")
            saving = money.groupby(cluster).sum(min_count=1).reindex(ids)  # only unknown: not £0
    return cats, saving


def _rings(hulls: dict[str, Any], ids: list[str], grid: Grid) -> list[Any]:
    """The clusters' hulls (simplified to 5 m) as the page's polygons."""
    wgs = gpd.GeoSeries([hulls[c] for c in ids], crs=BNG).simplify(5).to_crs(WGS84)
    return grid.polygons(wgs.to_numpy())


def clusters(
    frame: gpd.GeoDataFrame | None,
    vis: gpd.GeoDataFrame,
    all_assets: gpd.GeoDataFrame,
    opps: pd.DataFrame,
    config: Config,
    grid: Grid,
    shapes: bool = True,
) -> dict[str, Any]:
    """Cluster shapes and figures for the page, column-wise.

    With ``map.sensitive: cluster_only`` the plan's figures are shown (they count sensitive
    sites) with the number of sites not shown; with ``omit``, a cluster holding a sensitive
    site gets figures from its shown members only.

    ``shapes=False`` (a national page, which draws each hull itself) leaves the shapes out.

    Returns
    -------
    dict
        :class:`~assetmap.maps._payload.Clu` keys: id, category (index into
        :data:`CLUSTER_CATEGORIES`), polygons of delta-encoded rings, assets, partners, cost,
        floor area, utilisation, spare places, red/amber/green counts, saving, hidden sites.
    """
    needed = [c for c in ("cluster_id", "partner", "running_cost_gbp", "gia_m2", "rating") if c in vis]
    member = vis.loc[vis["cluster_id"].notna().to_numpy(), needed]  # not a copy of every column
    hulls = cluster_hulls(vis, config.clustering.hull_buffer_m) if shapes else {}
    ids = sorted(hulls) if shapes else sorted(set(member["cluster_id"].astype(str).tolist()))
    if not ids:
        return {Clu.ID: []}
    hidden = _hidden_counts(all_assets, ids)
    figures = _figures(frame, _shown_figures(member, ids), hidden, ids, config.map.sensitive)
    cats, saving = _categories(opps, ids)
    n = len(ids)
    return {
        Clu.ID: ids,
        Clu.CATEGORY: cats.tolist(),
        Clu.RINGS: _rings(hulls, ids, grid) if shapes else None,
        Clu.ASSETS: _nums(figures["assets"], n),
        Clu.PARTNERS: figures["partners"].astype(object).where(figures["partners"].notna(), None).tolist(),
        Clu.COST: _nums(figures["running_cost_gbp"], n),
        Clu.GIA: _nums(figures["gia_m2"], n),
        Clu.UTILISATION: _nums(figures["utilisation"], n, 3),
        Clu.SPARE: _nums(figures["spare_capacity"], n),
        Clu.RAG: _rag(member, ids),
        Clu.SAVING: _nums(saving, n),
        Clu.HIDDEN: hidden.astype(int).tolist() if config.map.sensitive == "cluster_only" else None,
        Clu.CATEGORY_LABELS: [label for _, label, _ in CLUSTER_CATEGORIES],
    }
