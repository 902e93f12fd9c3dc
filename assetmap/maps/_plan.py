"""The plan's parts of the page data: opportunities (notes and arrows) and cluster figures.

Both are column-wise and numeric where possible; the page writes the words. Opportunities
that touch a sensitive site are dropped; cluster shapes are hulls of shown members only.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    return listed(arr, whole=decimals == 0)


def listed(arr: np.ndarray, *, whole: bool) -> list[float | int | None]:
    """Floats as a list, NaN as None and, with ``whole``, the others as Python ints: the same
    list as ``[None if v != v else int(v) for v in arr.tolist()]`` (or ``v``), made by numpy."""
    missing = np.isnan(arr)
    if not whole:
        out = arr.astype(object)
    elif np.abs(arr[~missing]).max(initial=0) < 2**62:
        out = np.where(missing, 0, arr).astype(np.int64).astype(object)
    else:  # beyond 64-bit integers: Python's own
        return [None if v != v else int(v) for v in arr.tolist()]
    out[missing] = None
    return out.tolist()


def _arrow(values: pd.Index) -> pa.Array:
    """Texts as one Arrow array of large text (no Python string made when Arrow already)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        text = pa.array(values.array)
    else:
        text = pa.array(pd.Series(np.asarray(values, dtype=object), dtype=object).astype("string"))
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    return text.cast(pa.large_string())


def _recoded(have: pd.Index, wanted: list[pd.Index], codes: list[np.ndarray]) -> list[np.ndarray]:
    """Each of ``codes`` (into its distinct texts in ``wanted``; -1: missing) as codes into
    ``have`` (distinct texts; -1: missing, -2: not there), ``have`` hashed once by Arrow for all."""
    texts = pa.concat_arrays([_arrow(level) for level in wanted])
    place = pc.index_in(texts, value_set=_arrow(have)).fill_null(-2).to_numpy(zero_copy_only=False)
    place = place.astype(np.int64)
    out, start = [], 0
    for level, code in zip(wanted, codes, strict=True):
        mine, start = place[start : start + len(level)], start + len(level)
        out.append(np.where(code >= 0, mine[np.maximum(code, 0)] if len(mine) else -2, -1).astype(np.int64))
    return out


def _lookup(index: pd.Series, *wanted: pd.MultiIndex) -> list[np.ndarray]:
    """The value in ``index`` (distinct ``(partner, asset_id)`` keys) of each key of each of
    ``wanted`` (-1: not there), as ``index.index.get_indexer(keys)`` with each key as one integer
    (a missing part, code -1, matches a missing part as pandas' own look-up does)."""
    if len(index) == 0:
        return [np.full(len(keys), -1, dtype=np.int64) for keys in wanted]
    have = index.index
    first, second = (
        _recoded(have.levels[i], [keys.levels[i] for keys in wanted],
                 [np.asarray(keys.codes[i], dtype=np.int64) for keys in wanted])
        for i in (0, 1)
    )  # fmt: skip
    width = np.int64(len(have.levels[1]) + 1)
    major, minor = (np.asarray(code, dtype=np.int64) + 1 for code in have.codes)
    known = pd.Index(major * width + minor)
    out = []
    for one, two in zip(first, second, strict=True):
        key = np.where((one >= -1) & (two >= -1), (one + 1) * width + two + 1, -1)
        found = known.get_indexer(key) if len(key) else np.zeros(0, dtype=np.int64)
        found[key < 0] = -1
        out.append(np.where(found >= 0, index.to_numpy()[np.maximum(found, 0)], -1).astype(np.int64))
    return out


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
    keep = np.asarray(keep, dtype=bool)
    o = o.loc[keep].reset_index(drop=True)
    o["_donor"], o["_into"] = _lookup(index, donor[keep], into[keep])
    n = len(o)
    action = pd.Index(ACTIONS).get_indexer(o["action"].astype(str))  # -1: another action
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


def _places(member: pd.DataFrame, ids: list[str]) -> np.ndarray:
    """Each member's cluster as its place in ``ids`` (-1: not there), each distinct id looked up once."""
    code, unique = pd.factorize(member["cluster_id"].astype(str))
    place = pd.Index(ids).get_indexer(pd.Index(unique)) if len(unique) else np.zeros(0, dtype=np.int64)
    return np.where(code >= 0, place[np.maximum(code, 0)] if len(place) else -1, -1).astype(np.int64)


def _joined_partners(at: np.ndarray, partner: pd.Series, n: int) -> list[str | None]:
    """Per cluster (``at``: each member's, 0 to ``n - 1``), its distinct partners sorted and
    joined with ``"; "`` (None: no member); partners numbered once, joined by Arrow."""
    code, unique = pd.factorize(partner.astype(str).fillna("nan"))
    names = np.asarray(unique, dtype=object)
    order = np.argsort(names, kind="stable")  # text order, as sorting the names themselves
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    pairs = np.unique(at * np.int64(max(len(names), 1)) + rank[code])
    cluster, which = pairs // max(len(names), 1), pairs % max(len(names), 1)
    count = np.bincount(cluster, minlength=n)
    offsets = pa.array(np.concatenate([[0], np.cumsum(count)]), type=pa.int64())
    texts = pa.array(names[order][which].tolist(), type=pa.large_string())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, texts), pa.scalar("; ", pa.large_string()))
    return [text if k else None for text, k in zip(joined.to_pylist(), count.tolist(), strict=True)]


def _shown_figures(member: pd.DataFrame, ids: list[str], which: np.ndarray) -> pd.DataFrame:
    """Assets, partners, running cost and floor area of each cluster's shown members (``which``:
    each member's place in ``ids``, :func:`_places`)."""
    keep = which >= 0
    at, n = which[keep], len(ids)

    def total(col: str) -> np.ndarray | float:
        if col not in member:
            return np.nan
        values = pd.Series(pd.to_numeric(member[col], errors="coerce").to_numpy()[keep])
        return values.groupby(at).sum(min_count=1).reindex(range(n)).to_numpy()

    count = np.bincount(at, minlength=n)
    shown = pd.DataFrame(
        {
            "assets": pd.Series(count, index=ids).where(count > 0),
            "partners": pd.Series(_joined_partners(at, member["partner"][keep], n), index=ids, dtype=object),
            "running_cost_gbp": total("running_cost_gbp"),
            "gia_m2": total("gia_m2"),
        },
        index=ids,
    )
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


def _rag(member: pd.DataFrame, ids: list[str], cluster: np.ndarray) -> list[list[int]] | None:
    """Red, amber, green and not rated counts per cluster, indexed as the assets' rating codes
    (None without ratings; ``cluster``: each member's place in ``ids``)."""
    if "rating" not in member:
        return None
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
    which = _places(member, ids)
    figures = _figures(frame, _shown_figures(member, ids, which), hidden, ids, config.map.sensitive)
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
        Clu.RAG: _rag(member, ids, which),
        Clu.SAVING: _nums(saving, n),
        Clu.HIDDEN: hidden.astype(int).tolist() if config.map.sensitive == "cluster_only" else None,
        Clu.CATEGORY_LABELS: [label for _, label, _ in CLUSTER_CATEGORIES],
    }
