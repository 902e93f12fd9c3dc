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
from ._style import CLUSTER_CATEGORIES, RATINGS

ACTIONS: Final[tuple[str, ...]] = ("relocate", "dispose", "share")


def keys(frame: pd.DataFrame, partner: str, asset_id: str) -> list[tuple[str, str]]:
    """``(partner, asset_id)`` pairs as text, the key opportunities use to name assets."""
    if partner not in frame.columns or asset_id not in frame.columns:
        return [("", "")] * len(frame)
    return list(zip(frame[partner].astype(str), frame[asset_id].astype(str), strict=True))


def _nums(values: pd.Series | None, n: int, decimals: int = 0) -> list[float | int | None]:
    if values is None:
        return [None] * n
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float).round(decimals)
    if decimals == 0:
        return [None if v != v else int(v) for v in arr.tolist()]
    return [None if v != v else v for v in arr.tolist()]


def opportunities(
    opps: pd.DataFrame | None, index: dict[tuple[str, str], int], hidden: set[tuple[str, str]]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Opportunities that touch no hidden asset, and their page columns.

    Parameters
    ----------
    opps : DataFrame or None
        The plan's opportunities.
    index : dict
        ``(partner, asset_id)`` -> position of a shown asset.
    hidden : set
        ``(partner, asset_id)`` of assets not shown (sensitive sites).

    Returns
    -------
    kept : DataFrame
        The opportunities kept, with ``_donor`` and ``_into`` positions (-1 when not shown).
    columns : dict
        ``rank``, ``a`` (index into :data:`ACTIONS`, -1 other), ``d``, ``t`` (positions),
        ``people``, ``saving``, ``receipt``, ``spare`` and ``into`` (name of a receiver that
        is not on the map, by row).
    """
    empty = pd.DataFrame({"action": pd.Series(dtype=object), "_donor": [], "_into": []})
    if opps is None or len(opps) == 0 or "action" not in opps.columns:
        return empty, {}
    o = opps.reset_index(drop=True)
    donor, into = keys(o, "partner", "asset_id"), keys(o, "into_partner", "into_asset_id")
    keep = np.array(
        [d not in hidden and i not in hidden for d, i in zip(donor, into, strict=True)], dtype=bool
    )
    o = o.loc[keep].reset_index(drop=True)
    o["_donor"] = [index.get(k, -1) for k in keys(o, "partner", "asset_id")]
    o["_into"] = [index.get(k, -1) for k in keys(o, "into_partner", "into_asset_id")]
    n = len(o)
    action = o["action"].astype(str).map({a: i for i, a in enumerate(ACTIONS)}).fillna(-1).astype(int)
    into_text: dict[str, str] = {}
    if "into_asset_id" in o.columns:
        lost = o.index[(o["_into"] < 0) & o["into_asset_id"].notna()]
        name = o["into_name"] if "into_name" in o.columns else o["into_asset_id"]
        for i in lost:
            label = name[i] if pd.notna(name[i]) else o.at[i, "into_asset_id"]
            into_text[str(i)] = f"{label} ({o.at[i, 'into_partner']})"
    cols = {
        "rank": _nums(o.get("rank"), n) if "rank" in o.columns else list(range(1, n + 1)),
        "a": action.tolist(),
        "d": o["_donor"].astype(int).tolist(),
        "t": o["_into"].astype(int).tolist(),
        "people": _nums(o.get("people_moved"), n),
        "saving": _nums(o.get("annual_saving_gbp"), n),
        "receipt": _nums(o.get("capital_receipt_gbp"), n),
        "spare": _nums(o.get("spare_places"), n),
        "into": into_text,
    }
    return o, cols


def _delta(rings: list[list[int]]) -> list[list[int]]:
    out = []
    for ring in rings:
        arr = np.asarray(ring, dtype=np.int64)
        arr[2:] = np.diff(arr.reshape(-1, 2), axis=0).ravel()
        out.append(arr.tolist())
    return out


def clusters(
    frame: gpd.GeoDataFrame | None,
    vis: gpd.GeoDataFrame,
    all_assets: gpd.GeoDataFrame,
    opps: pd.DataFrame,
    config: Config,
    rings: Any,
) -> dict[str, Any]:
    """Cluster shapes and figures for the page, column-wise.

    With ``map.sensitive: cluster_only`` the plan's figures are shown (they count sensitive
    sites) with the number of sites not shown; with ``omit``, a cluster holding a sensitive
    site gets figures from its shown members only.

    Returns
    -------
    dict
        ``id``, ``cat`` (index into :data:`CLUSTER_CATEGORIES`), ``rings`` (per cluster,
        polygons of delta-encoded rings), ``assets``, ``partners``, ``cost``, ``gia``,
        ``util``, ``spare``, ``rag`` (red, amber, green counts), ``saving``, ``hidden``.
    """
    hulls = cluster_hulls(vis, config.clustering.hull_buffer_m)
    if not hulls:
        return {"id": []}
    ids = sorted(hulls)
    wgs = gpd.GeoSeries([hulls[c] for c in ids], crs=BNG).simplify(5).to_crs(WGS84)
    member = vis.loc[vis["cluster_id"].notna()]
    g = member.groupby(member["cluster_id"].astype(str), sort=True)
    by = member["cluster_id"].astype(str)

    def total(col: str) -> pd.Series | float:
        return (
            pd.to_numeric(member[col], errors="coerce").groupby(by).sum(min_count=1)
            if col in member
            else np.nan
        )

    shown = pd.DataFrame(
        {
            "assets": g.size(),
            "partners": g["partner"].agg(lambda s: "; ".join(sorted(set(s.astype(str))))),
            "running_cost_gbp": total("running_cost_gbp"),
            "gia_m2": total("gia_m2"),
        }
    ).reindex(ids)
    shown["utilisation"] = np.nan
    shown["spare_capacity"] = np.nan
    sens = all_assets["sensitive"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    hidden = (
        all_assets.loc[sens & all_assets["cluster_id"].notna().to_numpy(), "cluster_id"]
        .astype(str)
        .value_counts()
    ).reindex(ids, fill_value=0)
    prof = pd.DataFrame(index=ids)
    if frame is not None and len(frame) and "cluster_id" in frame.columns:
        prof = (
            pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
            .set_index(frame["cluster_id"].astype(str).to_numpy())
            .reindex(ids)
        )
    use_prof = prof.notna().any(axis=1) & ((config.map.sensitive == "cluster_only") | (hidden == 0))
    figures = shown.copy()
    for col in figures.columns:
        if col in prof.columns:
            figures[col] = prof[col].where(use_prof, shown[col])
    rag = (
        pd.crosstab(member["cluster_id"].astype(str), member["rating"].astype(str))
        if "rating" in member
        else None
    )
    rag = (rag if rag is not None else pd.DataFrame(index=ids)).reindex(
        index=ids,
        columns=list(RATINGS[:3]),
        fill_value=0,  # red, amber, green: the popups' three counts
    )
    cats = np.full(len(ids), 2, dtype=int)
    saving = pd.Series(np.nan, index=ids)
    if len(opps) and "cluster_id" in opps.columns:
        oc = opps.assign(_c=opps["cluster_id"].astype(str))
        moves = set(oc.loc[oc["action"].isin(["relocate", "dispose"]), "_c"])
        share = set(oc.loc[oc["action"] == "share", "_c"])
        cats = np.array([0 if c in moves else 1 if c in share else 2 for c in ids], dtype=int)
        if "annual_saving_gbp" in oc.columns:
            saving = (
                pd.to_numeric(oc["annual_saving_gbp"], errors="coerce")
                .groupby(oc["_c"])
                .sum(min_count=1)  # only unknown savings: not known, not £0
                .reindex(ids)
            )
    n = len(ids)
    show_hidden = config.map.sensitive == "cluster_only"
    return {
        "id": ids,
        "cat": cats.tolist(),
        "rings": [[_delta(poly) for poly in rings(geom)] for geom in wgs],
        "assets": _nums(figures["assets"], n),
        "partners": figures["partners"].astype(object).where(figures["partners"].notna(), None).tolist(),
        "cost": _nums(figures["running_cost_gbp"], n),
        "gia": _nums(figures["gia_m2"], n),
        "util": _nums(figures["utilisation"], n, 3),
        "spare": _nums(figures["spare_capacity"], n),
        "rag": rag.to_numpy(dtype=int).tolist() if "rating" in member else None,
        "saving": _nums(saving, n),
        "hidden": hidden.astype(int).tolist() if show_hidden else None,
        "catLabels": [label for _, label, _ in CLUSTER_CATEGORIES],
    }
