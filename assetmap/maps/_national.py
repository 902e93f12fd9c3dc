"""The page data of a national estate: the county document's tables, a zoom pyramid and chunks.

The steps of :func:`assetmap.maps._build.build_payload`, with the shown assets first put in
the order of their chunks (:func:`assetmap.maps._pyramid.layout`); then, instead of every
asset's columns, the document holds the far-zoom cells and the chunks' index, and the
records go into compressed blocks beside it (``blocks``: element id -> text, written by the
page writer as their own elements). See :mod:`assetmap.maps._pyramid` for the design.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..areas import AreaRun
from ..config import Config
from ._build import Parts, document, page_parts, prepared, rating_codes, split_estate, wgs84_points
from ._early import EarlyMap
from ._geometry import shown_mask
from ._payload import DECIMALS, Border, Clu, Col, Doc, Enc, Opp
from ._plan import keys, positions
from ._plan import opportunities as plan_opportunities
from ._pyramid import (
    CELL_PX,
    CHUNK_ID,
    FINE,
    MIN_LEVEL,
    SEARCH_COLUMNS,
    SEARCH_ID,
    SHARED_MAX,
    TABLES_ID,
    Ints,
    Layout,
    Lvl,
    Pyr,
    detail_zoom,
    far_levels,
    groups,
    layout,
    mercator,
    pack,
    slice_columns,
    split_columns,
)
from ._style import RATINGS
from ._texts import SplitText, Templated, reasons_chunk, split_texts, template_reasons

#: Planned moves shown in the panel of top opportunities.
TOP: int = 10
#: Numeric columns of the opportunities and clusters tables, stored as integers in chunks.
_OPPORTUNITY_NUMBERS = (
    Opp.RANK,
    Opp.ACTION,
    Opp.DONOR,
    Opp.RECEIVER,
    Opp.PEOPLE,
    Opp.SAVING,
    Opp.RECEIPT,
    Opp.SPARE,
)
_CLUSTER_NUMBERS = {Clu.CATEGORY: 0, Clu.ASSETS: 0, Clu.COST: 0, Clu.GIA: 0, Clu.UTILISATION: 3, Clu.SPARE: 0,
                    Clu.SAVING: 0}  # fmt: skip
#: Columns of the plan's estate layer that no part of the page reads (its working figures and
#: the coordinates as numbers): not carried into the page's order of the assets.
_UNUSED = (
    "latitude", "longitude", "capacity_estimated", "occupancy_estimated", "utilisation_estimated",
    "density_m2_per_person", "utilisation_band", "cost_per_m2_gbp", "people_out", "people_in", "spare_after",
    "cluster_partners", "district_source",
)  # fmt: skip
#: Element ids of the far levels' blocks.
LEVEL_ID = "am-level-{}"


def _chunk_rows(chunk_of: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The chunk of each row: that of its first asset, else of its second (-1: neither shown)."""
    out = np.full(len(first), -1, dtype=np.int64)
    out[first >= 0] = chunk_of[first[first >= 0]]
    use_second = (first < 0) & (second >= 0)
    out[use_second] = chunk_of[second[use_second]]
    return out


def _take(table: dict[str, Any], rows: np.ndarray, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Rows of a column-wise table (lists, nested tables; None stays None)."""
    out: dict[str, Any] = {}
    picks = np.asarray(rows, dtype=np.int64).tolist()  # Python ints: indexing a list by numpy ints is slow
    for key, value in table.items():
        if key in skip:
            continue
        if isinstance(value, list):
            out[key] = list(map(value.__getitem__, picks))
        elif isinstance(value, dict):
            out[key] = _take(value, rows)
        else:
            out[key] = value
    return out


def _opportunity_chunks(
    cols: dict[str, Any], chunk_of: np.ndarray, bounds: np.ndarray
) -> list[dict[str, Any]]:
    """Each chunk's opportunities, with its assets numbered from the chunk's first."""
    if not cols:
        return [{} for _ in range(len(bounds) - 1)]
    donor, receiver = np.asarray(cols[Opp.DONOR]), np.asarray(cols[Opp.RECEIVER])
    owner = _chunk_rows(chunk_of, donor, receiver)
    order = np.argsort(owner, kind="stable")  # each chunk's rows in order, one after the other
    first = np.searchsorted(owner[order], np.arange(len(bounds)))
    out = []
    for chunk in range(len(bounds) - 1):
        rows = order[first[chunk] : first[chunk + 1]]
        table = _take(cols, rows, skip=(Opp.INTO,))
        start = int(bounds[chunk])
        table[Opp.DONOR] = np.where(donor[rows] >= 0, donor[rows] - start, -1)
        table[Opp.RECEIVER] = np.where(receiver[rows] >= 0, receiver[rows] - start, -1)
        for key in _OPPORTUNITY_NUMBERS:
            table[key] = Ints.of(table[key])
        into = cols.get(Opp.INTO, {})
        table[Opp.INTO] = (
            {str(j): into[str(i)] for j, i in enumerate(rows.tolist()) if str(i) in into} if into else {}
        )
        out.append(table)
    return out


def _cluster_chunks(
    parts: Parts, chunk_of: np.ndarray, chunks: int
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Each chunk's clusters (a cluster lies in one chunk), and each cluster's chunk."""
    ids = parts.clusters.get(Clu.ID, [])
    where = np.full(len(ids), -1, dtype=np.int64)
    if ids:
        member = parts.estate.shown["cluster_id"]
        found = member.notna().to_numpy()
        first = pd.Series(chunk_of[found]).groupby(member[found].astype(str).to_numpy()).first()
        where = first.reindex(ids).fillna(-1).astype(np.int64).to_numpy()
    tables = []
    order = np.argsort(where, kind="stable")
    first = np.searchsorted(where[order], np.arange(chunks + 1))
    for chunk in range(chunks):
        rows = order[first[chunk] : first[chunk + 1]]
        table = _take(parts.clusters, rows, skip=(Clu.CATEGORY_LABELS, Clu.RINGS))
        for key, scale in _CLUSTER_NUMBERS.items():
            if key in table:
                table[key] = Ints.of(table[key], scale=scale)
        tables.append(table)
    return tables, where


def _cluster_codes(cols: dict[str, Any], clusters: dict[str, Any]) -> dict[str, Any]:
    """A chunk's cluster ids as positions in its own clusters table (the page looks them up)."""
    values = cols.get(Col.CLUSTER)
    if values is None:
        return cols
    position = {cid: i for i, cid in enumerate(clusters.get(Clu.ID, []))}
    if any(v is not None and v not in position for v in values):
        return cols  # a cluster without a shape here: keep the ids as text
    cols[Col.CLUSTER] = {Enc.CODES: Ints.of([-1 if v is None else position[v] for v in values])}
    return cols


def _top(parts: Parts) -> dict[str, Any]:
    """The top opportunities (estate numbers) with the words for the assets they name."""
    cols = parts.opportunity_columns
    if not cols:
        return {}
    donor = np.asarray(cols[Opp.DONOR])
    rank = np.asarray([1e9 if r is None else r for r in cols[Opp.RANK]], dtype=float)
    rows = [i for i in np.argsort(rank, kind="stable").tolist() if donor[i] >= 0][:TOP]
    table = _take(cols, np.asarray(rows, dtype=np.int64), skip=(Opp.INTO,))
    into = cols.get(Opp.INTO, {})
    table[Opp.INTO] = {str(j): into[str(i)] for j, i in enumerate(rows) if str(i) in into}
    shown = parts.estate.shown
    names = shown.get("name", pd.Series(None, index=shown.index, dtype=object))
    ids = shown.get("asset_id", pd.Series(None, index=shown.index, dtype=object))
    partner = shown.get("partner", pd.Series("Unknown", index=shown.index))
    who = {}
    for k in set(table[Opp.DONOR]) | set(table[Opp.RECEIVER]):
        if k >= 0:
            label = (
                names.iat[k]
                if pd.notna(names.iat[k])
                else ids.iat[k]
                if pd.notna(ids.iat[k])
                else f"Asset {k + 1}"
            )
            who[str(k)] = f"{label} ({partner.iat[k]})"
    return {**table, "who": who}


def _crossing(parts: Parts, where: np.ndarray) -> dict[str, list[Any]]:
    """Clusters across a boundary: id, areas, chunk and row within the chunk's clusters."""
    border = parts.clusters.get(Clu.BORDER)
    if not border:
        return {"id": [], "areas": [], "chunk": [], "row": []}
    cross = np.flatnonzero(np.asarray(border[Border.CROSS], dtype=bool))
    row_in_chunk = pd.Series(np.arange(len(where))).groupby(where).cumcount().to_numpy()
    ids = parts.clusters[Clu.ID]
    return {
        "id": [ids[i] for i in cross],
        "areas": [border[Border.AREAS][i] for i in cross],
        "chunk": where[cross].tolist(),
        "row": row_in_chunk[cross].tolist(),
    }


def _search_index(parts: Parts, partner: np.ndarray, early: dict[str, SplitText] | None) -> dict[str, Any]:
    """Name, id and postcode of every asset shown (in page order), and its partner.

    Each text column is split at its last number (:func:`~assetmap.maps._texts.split_texts`);
    the page joins it again into one string, the values separated by line feeds (line breaks
    inside a value become spaces), which it searches with ``indexOf``. ``early``: the columns
    already split, in page order (:mod:`~assetmap.maps._early`).
    """
    shown = parts.estate.shown
    empty = pd.Series(None, index=shown.index, dtype=object)
    index: dict[str, Any] = {
        column: None
        if column == Col.PARTNER
        else early.pop(column).column()  # each let go once joined
        if early and column in early
        else split_texts(shown.get(column, empty))
        for column in SEARCH_COLUMNS
    }
    return index | {Col.PARTNER: Ints(partner.astype(np.int64))}


def _reasons(
    assets: pd.DataFrame, rows: np.ndarray, order: np.ndarray, hidden_names: list[str]
) -> Templated | None:
    """The reasons of the assets at ``rows`` as templates, put in ``order`` (positions among
    those rows) as templates rather than as text (:meth:`~assetmap.maps._texts.Templated.take`)."""
    if Col.REASONS not in assets:
        return None
    return template_reasons(assets[Col.REASONS].iloc[rows], hidden_names).take(order)


def _pyramid(
    parts: Parts,
    lay: Layout,
    chunk_of: np.ndarray,
    hull_buffer: float,
    reasons: Templated | None,
    early: dict[str, SplitText] | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The pyramid's index for the document, and the compressed blocks (``reasons``: the assets'
    reasons in page order; ``early``: the search index's columns already split, in page order)."""
    estate = parts.estate
    x, y = mercator(estate.lat, estate.lon)
    partner = np.asarray(parts.columns[Col.PARTNER], dtype=np.int64)
    rating = rating_codes(estate.shown)
    use = np.asarray(parts.columns[Col.USE], dtype=np.int64)
    detail = detail_zoom(x, y)
    chunks = len(lay.bounds) - 1
    ready, shared = split_columns(parts.columns, estate.shown)
    share_templates = reasons is None or len(reasons.templates) <= SHARED_MAX
    if reasons is not None and share_templates:
        shared[Col.REASONS] = reasons.templates
    opportunity_tables = _opportunity_chunks(parts.opportunity_columns, chunk_of, lay.bounds)
    cluster_tables, where = _cluster_chunks(parts, chunk_of, chunks)
    levels = far_levels(x, y, partner * 4 + rating, use, detail)
    index = _search_index(parts, partner, early)

    def chunk(c: int) -> bytes:
        start, stop = int(lay.bounds[c]), int(lay.bounds[c + 1])
        columns = _cluster_codes(slice_columns(ready, start, stop), cluster_tables[c])
        if reasons is not None:
            columns[Col.REASONS] = reasons_chunk(reasons, start, stop, shared=share_templates)
        return pack(
            {Doc.COLUMNS: columns, Doc.OPPORTUNITIES: opportunity_tables[c], Doc.CLUSTERS: cluster_tables[c]}
        )

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # ISA-L lets go of the GIL
        search = pool.submit(pack, index)  # the biggest block: started first
        blocks = {TABLES_ID: pack(shared)}
        blocks |= {LEVEL_ID.format(level[Lvl.ZOOM]): pack(level) for level in levels}
        blocks |= {CHUNK_ID.format(c): data for c, data in enumerate(pool.map(chunk, range(chunks)))}
        blocks[SEARCH_ID] = search.result()
    action = np.asarray(parts.opportunity_columns.get(Opp.ACTION, []))
    donor = np.asarray(parts.opportunity_columns.get(Opp.DONOR, []))
    receiver = np.asarray(parts.opportunity_columns.get(Opp.RECEIVER, []))
    index = {
        Pyr.DETAIL: detail,
        Pyr.CELL_PX: CELL_PX,
        Pyr.FINE: FINE,
        Pyr.LEVELS: {"first": MIN_LEVEL, "count": len(levels), "id": LEVEL_ID},
        Pyr.CHUNKS: {"start": lay.bounds[:-1].tolist(), "box": lay.boxes.tolist(), "id": CHUNK_ID},
        Pyr.TABLES: TABLES_ID,
        Pyr.SEARCH: SEARCH_ID,
        Pyr.CLUSTERS: len(parts.clusters.get(Clu.ID, [])),
        Pyr.MOVES: int(((action == 0) & (donor >= 0) & (receiver >= 0)).sum()),
        Pyr.RATING_COUNTS: {str(r): int((rating == r).sum()) for r in range(len(RATINGS))},
        Pyr.USES: np.unique(use).tolist(),
        Pyr.TOP: _top(parts),
        Pyr.CROSSING: _crossing(parts, where),
        Pyr.HULL_BUFFER: max(float(hull_buffer), 1.0),
    }
    return index, blocks


def _renumbered(
    kept: pd.DataFrame, cols: dict[str, Any], order: np.ndarray
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Opportunities naming the shown assets by their place in ``order`` instead."""
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))

    def moved(values: Any) -> np.ndarray:
        values = np.asarray(values, dtype=np.int64)
        return np.where(values >= 0, place[np.maximum(values, 0)], -1)

    kept = kept.assign(_donor=moved(kept["_donor"]), _into=moved(kept["_into"]))
    if cols:
        cols = {
            **cols,
            Opp.DONOR: moved(cols[Opp.DONOR]).tolist(),
            Opp.RECEIVER: moved(cols[Opp.RECEIVER]).tolist(),
        }
    return kept, cols


def _planned_layout(
    assets: gpd.GeoDataFrame,
    mask: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    opportunities: pd.DataFrame | None,
) -> tuple[pd.DataFrame, dict[str, Any], Layout]:
    """The opportunities kept (numbered among the shown assets) and the chunks' layout.

    Its own function so that the keys of every asset (a few hundred MB at 1,000,000 assets)
    are let go before the page's columns are built.
    """
    named = pd.DataFrame(assets[[c for c in ("partner", "asset_id", "cluster_id") if c in assets]])
    shown = named.iloc[np.flatnonzero(mask)]
    index = positions(keys(shown, "partner", "asset_id"))
    kept, opp_cols = plan_opportunities(opportunities, index, keys(named.loc[~mask], "partner", "asset_id"))
    del index
    cluster = shown.get("cluster_id", pd.Series(None, index=shown.index, dtype=object))
    x, y = mercator(lat, lon)
    lay = layout(x, y, groups(cluster, kept["_donor"].to_numpy(np.int64), kept["_into"].to_numpy(np.int64)))
    return kept, opp_cols, lay


def national_payload(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None,
    opportunities: pd.DataFrame | None,
    summary: dict[str, Any] | None,
    config: Config,
    areas: AreaRun | None = None,
    early: EarlyMap | None = None,
) -> dict[str, Any]:
    """The page data of a national estate (same parameters as :func:`~assetmap.maps._build.build_payload`).

    ``early``: the parts worked out before the plan (:mod:`~assetmap.maps._early`), used when
    they fit ``assets``.

    Returns
    -------
    dict
        The document, with ``pyramid`` in place of the assets' columns, and ``blocks``
        (element id -> compressed text) for the page writer.
    """
    assets = prepared(assets)
    mask = shown_mask(assets)
    rows = np.flatnonzero(mask)
    if early is not None and not early.fits(assets, mask):
        early = None
    lat, lon = (early.lat, early.lon) if early is not None else wgs84_points(assets.geometry.iloc[rows])
    kept, opp_cols, lay = _planned_layout(assets, mask, lat, lon, opportunities)
    parts = page_parts(
        split_estate(assets.drop(columns=[*_UNUSED, Col.REASONS], errors="ignore"), rows[lay.order],
                     points=(lat[lay.order], lon[lay.order])),
        clusters=clusters, opportunities=opportunities,
        summary=summary, config=config, areas=areas, planned=_renumbered(kept, opp_cols, lay.order),
        shapes=False, leave=(*SEARCH_COLUMNS, *DECIMALS, Col.REASONS), outline=bool(config.map.outline),
        arrays=True, early=early, order=lay.order,
    )  # fmt: skip
    chunk_of = np.repeat(np.arange(len(lay.bounds) - 1), np.diff(lay.bounds))
    search = None if early is None else early.handed_over(lay.order)
    reasons = _reasons(assets, rows, lay.order, parts.estate.hidden_names)
    pyramid, blocks = _pyramid(parts, lay, chunk_of, config.clustering.hull_buffer_m, reasons, search)
    doc = document(parts, config)
    for key in (Doc.COLUMNS, Doc.OPPORTUNITIES, Doc.CLUSTERS):
        doc.pop(key)
    return {**doc, Doc.PYRAMID: pyramid, Doc.BLOCKS: blocks}
