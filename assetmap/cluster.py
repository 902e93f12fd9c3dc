"""Proximity clusters of the combined estate, people estimates and the cluster profile.

Clusters are found in metres on British National Grid (EPSG:27700):

* ``dbscan`` (default): scikit-learn ``DBSCAN`` with ``eps = clustering.radius_m`` and
  ``min_samples = clustering.min_assets``. Assets stacked on one coordinate (many assets
  at one postcode centroid) are collapsed to one point carrying their count as
  ``sample_weight``, so memory grows with distinct locations, not with the stack.
* ``hdbscan``: the ``hdbscan`` package (measured about ten times faster than
  scikit-learn's ``HDBSCAN`` at 10^5 points, see BENCHMARKS.md; scikit-learn's is used if
  the package is missing, without the epsilon) with ``min_cluster_size = min_samples =
  min_assets`` and ``cluster_selection_epsilon = radius_m``. It needs the ``hdbscan``
  package in the install requirements.

In both, an asset with no other asset within ``radius_m`` is never in a cluster, and a
cluster always has at least ``min_assets`` assets. Clusters are numbered ``C001``,
``C002``, ... by total running cost (largest first), ties by the position of their first
asset, so the same estate always gives the same numbers.

People: where a register gives no capacity it is estimated from floor area as
``gia_m2 / density`` (``clustering.m2_per_person``, default 10 m² GIA per workplace, or a
``clustering.use_densities`` entry matching the asset's use); where it gives no occupancy
but a utilisation, occupancy is ``utilisation * capacity``. Every estimate is flagged.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .config import ClusteringConfig

#: Columns :func:`estimate_people` adds.
PEOPLE_COLUMNS = (
    "plan_capacity",
    "plan_occupancy",
    "plan_utilisation",
    "capacity_estimated",
    "occupancy_estimated",
    "utilisation_estimated",
    "density_m2_per_person",
    "utilisation_band",
)

#: Columns of the ``clusters`` layer, in order (geometry last).
CLUSTER_COLUMNS = (
    "cluster_id",
    "assets",
    "partners",
    "partner_count",
    "cross_partner",
    "gia_m2",
    "running_cost_gbp",
    "cost_per_m2_gbp",
    "utilisation",
    "occupancy",
    "capacity",
    "spare_capacity",
    "utilisation_band",
    "occupancy_estimated",
    "capacity_estimated",
    "utilisation_unknown",
    "sensitive_assets",
)


def _require(assets: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(assets, gpd.GeoDataFrame):
        msg = f"expected a GeoDataFrame of assets, got {type(assets).__name__}"
        raise TypeError(msg)
    missing = [c for c in columns if c not in assets.columns]
    if missing:
        msg = f"the estate layer lacks the column(s) {', '.join(missing)}"
        raise ValueError(msg)
    if len(assets) and assets.crs is not None and not assets.crs.is_projected:
        msg = f"the estate layer must be in metres (EPSG:27700), got {assets.crs.to_string()}"
        raise ValueError(msg)


def asset_xy(assets: gpd.GeoDataFrame) -> np.ndarray:
    """Point coordinates as an (n, 2) array, NaN where the geometry is missing or empty."""
    geom = assets.geometry.values
    xy = np.full((len(assets), 2), np.nan)
    ok = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    if ok.any():
        xy[ok] = shapely.get_coordinates(shapely.centroid(geom[ok]))
    return xy


def _labels_dbscan(xy: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    from sklearn.cluster import DBSCAN

    uniq, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(eps=config.radius_m, min_samples=config.min_assets)
    labels = model.fit(uniq, sample_weight=counts).labels_
    return labels[inverse.ravel()]


def _labels_hdbscan(xy: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    try:
        import hdbscan

        model = hdbscan.HDBSCAN(
            min_cluster_size=config.min_assets,
            min_samples=config.min_assets,
            cluster_selection_epsilon=float(config.radius_m),
            core_dist_n_jobs=1,
        )
    except ImportError:  # pragma: no cover - depends on the environment
        from sklearn.cluster import HDBSCAN

        # No selection epsilon here: scikit-learn 1.9 fails with one (TypeError in
        # epsilon_search); lone assets are still unlabelled by _drop_lone.
        model = HDBSCAN(min_cluster_size=config.min_assets, min_samples=config.min_assets, copy=True)
    if len(xy) < 2:
        return np.full(len(xy), -1)
    return np.asarray(model.fit(xy).labels_)


def _drop_lone(xy: np.ndarray, labels: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    """Unlabel assets with no other asset of their cluster within the radius; drop small clusters."""
    labels = labels.copy()
    member = np.flatnonzero(labels >= 0)
    if len(member):
        tree = cKDTree(xy[member])
        dist, idx = tree.query(xy[member], k=2, distance_upper_bound=config.radius_m)
        # Only an asset with no other asset at all within the radius is unlabelled (HDBSCAN
        # can attach such outliers; for DBSCAN this never happens).
        labels[member[~np.isfinite(dist[:, 1])]] = -1
        del idx
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    small = ids[counts < config.min_assets]
    if len(small):
        labels[np.isin(labels, small)] = -1
    return labels


def cluster_assets(assets: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Group assets that stand within walking distance of each other.

    Parameters
    ----------
    assets : GeoDataFrame
        The combined estate layer (EPSG:27700 points) with at least ``partner`` and
        ``running_cost_gbp``.
    config : ClusteringConfig
        ``radius_m``, ``min_assets`` and ``method``.

    Returns
    -------
    GeoDataFrame
        A copy with ``cluster_id`` (string ``C001``..., ``<NA>`` for an asset standing
        alone or without a location) and ``cluster_partners`` (number of distinct partners
        in the asset's cluster, 0 when alone).
    """
    _require(assets, ("partner", "running_cost_gbp"))
    out = assets.copy()
    n = len(out)
    xy = asset_xy(out)
    ok = np.isfinite(xy).all(axis=1)
    labels = np.full(n, -1, dtype=np.int64)
    if ok.sum() >= config.min_assets:
        found = (
            _labels_dbscan(xy[ok], config) if config.method == "dbscan" else _labels_hdbscan(xy[ok], config)
        )
        labels[ok] = _drop_lone(xy[ok], np.asarray(found, dtype=np.int64), config)

    cluster_id = pd.Series(pd.NA, index=out.index, dtype="string")
    partners = np.zeros(n, dtype=np.int64)
    member = labels >= 0
    if member.any():
        frame = pd.DataFrame(
            {
                "label": labels[member],
                "cost": np.nan_to_num(
                    pd.to_numeric(out["running_cost_gbp"], errors="coerce").to_numpy()[member]
                ),
                "pos": np.flatnonzero(member),
                "partner": out["partner"].astype("string").to_numpy()[member],
            }
        )
        totals = frame.groupby("label", sort=True).agg(
            cost=("cost", "sum"),
            first=("pos", "min"),
            partners=("partner", "nunique"),
        )
        totals = totals.sort_values(["cost", "first"], ascending=[False, True], kind="mergesort")
        width = max(3, len(str(len(totals))))
        names = {lab: f"C{i:0{width}d}" for i, lab in enumerate(totals.index, start=1)}
        ids = np.array([names[lab] for lab in labels[member]], dtype=object)
        cluster_id.iloc[np.flatnonzero(member)] = ids
        partners[member] = totals["partners"].reindex(labels[member]).to_numpy()
    out["cluster_id"] = cluster_id
    out["cluster_partners"] = partners
    return out


def _density(use: pd.Series, config: ClusteringConfig) -> np.ndarray:
    density = np.full(len(use), float(config.m2_per_person))
    if config.use_densities:
        text = use.astype("string").str.lower().fillna("")
        done = np.zeros(len(use), dtype=bool)
        for key in sorted(config.use_densities, key=lambda k: (-len(k), k)):
            pattern = r"\b" + re.escape(key.lower().strip()) + r"(?:s|es)?\b"
            hit = text.str.contains(pattern, regex=True).to_numpy(dtype=bool) & ~done
            density[hit] = float(config.use_densities[key])
            done |= hit
    return density


def band(utilisation: pd.Series | np.ndarray, config: ClusteringConfig) -> np.ndarray:
    """Utilisation band: ``low``, ``medium``, ``high`` or ``unknown`` (see ``ClusteringConfig``)."""
    u = np.asarray(utilisation, dtype=float)
    return np.where(
        np.isnan(u),
        "unknown",
        np.where(u < config.band_low, "low", np.where(u >= config.band_high, "high", "medium")),
    ).astype(object)


def estimate_people(assets: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Add the people figures the plan works with, estimating and flagging what is missing.

    Parameters
    ----------
    assets : GeoDataFrame
        The estate layer (``gia_m2``, ``occupancy``, ``capacity``, ``utilisation``, ``use``).
    config : ClusteringConfig
        ``m2_per_person`` and ``use_densities`` (m² GIA per person), bands.

    Returns
    -------
    GeoDataFrame
        A copy with ``plan_capacity`` (register capacity, else ``gia_m2 / density``),
        ``plan_occupancy`` (register occupancy, else ``utilisation * plan_capacity``),
        ``plan_utilisation`` (register utilisation, else ``plan_occupancy / plan_capacity``),
        the flags ``capacity_estimated``, ``occupancy_estimated``,
        ``utilisation_estimated``, ``density_m2_per_person`` (the density assumed, NaN where
        none was) and ``utilisation_band``. Register columns are left as they were.
    """
    _require(assets, ("gia_m2", "occupancy", "capacity", "utilisation", "use"))
    out = assets.copy()
    gia = pd.to_numeric(out["gia_m2"], errors="coerce").to_numpy(dtype=float)
    cap = pd.to_numeric(out["capacity"], errors="coerce").to_numpy(dtype=float).copy()
    occ = pd.to_numeric(out["occupancy"], errors="coerce").to_numpy(dtype=float).copy()
    util = pd.to_numeric(out["utilisation"], errors="coerce").to_numpy(dtype=float).copy()
    density = _density(out["use"], config)

    cap_est = np.isnan(cap) & (gia > 0)
    cap[cap_est] = gia[cap_est] / density[cap_est]
    cap[cap <= 0] = np.nan
    occ_est = np.isnan(occ) & ~np.isnan(util) & ~np.isnan(cap)
    occ[occ_est] = util[occ_est] * cap[occ_est]
    util_est = np.isnan(util) & ~np.isnan(occ) & ~np.isnan(cap)
    util[util_est] = occ[util_est] / cap[util_est]

    out["plan_capacity"] = cap
    out["plan_occupancy"] = occ
    out["plan_utilisation"] = util
    out["capacity_estimated"] = cap_est
    out["occupancy_estimated"] = occ_est
    out["utilisation_estimated"] = util_est & cap_est
    out["density_m2_per_person"] = np.where(cap_est, density, np.nan)
    out["utilisation_band"] = band(util, config)
    return out


def profile_clusters(assets_with_clusters: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Describe each cluster: the ``clusters`` layer.

    Parameters
    ----------
    assets_with_clusters : GeoDataFrame
        Output of :func:`cluster_assets` (people columns are estimated here if absent).
    config : ClusteringConfig
        ``hull_buffer_m``, densities and bands.

    Returns
    -------
    GeoDataFrame
        One row per cluster in ``cluster_id`` order with :data:`CLUSTER_COLUMNS`:
        ``assets`` (count), ``partners`` (names joined by ``"; "``), ``partner_count``,
        ``cross_partner``, ``gia_m2`` and ``running_cost_gbp`` (sums of known values),
        ``cost_per_m2_gbp`` (over assets with both), ``utilisation`` (total occupancy over
        total capacity of assets with both), ``occupancy``, ``capacity``,
        ``spare_capacity`` (capacity minus occupancy over those assets),
        ``utilisation_band``, counts of estimated occupancy and capacity, of unknown
        utilisation and of sensitive assets. The geometry is the convex hull of the
        members, buffered by ``hull_buffer_m``; sensitive assets are left out of the hull
        so it never marks them, and a cluster of only sensitive assets has no geometry.
    """
    df = assets_with_clusters
    _require(df, ("cluster_id", "partner", "gia_m2", "running_cost_gbp", "sensitive"))
    if "plan_capacity" not in df.columns:
        df = estimate_people(df, config)
    crs = df.crs
    member = df["cluster_id"].notna().to_numpy()
    if not member.any():
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CLUSTER_COLUMNS})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    m = df.loc[member]
    occ = m["plan_occupancy"].to_numpy(dtype=float)
    cap = m["plan_capacity"].to_numpy(dtype=float)
    both = ~np.isnan(occ) & ~np.isnan(cap)
    gia = pd.to_numeric(m["gia_m2"], errors="coerce").to_numpy(dtype=float)
    cost = pd.to_numeric(m["running_cost_gbp"], errors="coerce").to_numpy(dtype=float)
    costed = ~np.isnan(gia) & ~np.isnan(cost) & (gia > 0)
    sensitive = m["sensitive"].fillna(False).to_numpy(dtype=bool)
    work = pd.DataFrame(
        {
            "cluster_id": m["cluster_id"].astype(str).to_numpy(),
            "partner": m["partner"].astype(str).to_numpy(),
            "gia": gia,
            "cost": cost,
            "cgia": np.where(costed, gia, 0.0),
            "ccost": np.where(costed, cost, 0.0),
            "occ": np.where(both, occ, 0.0),
            "cap": np.where(both, cap, 0.0),
            "occ_est": m["occupancy_estimated"].to_numpy(dtype=bool),
            "cap_est": m["capacity_estimated"].to_numpy(dtype=bool),
            "unknown": np.isnan(m["plan_utilisation"].to_numpy(dtype=float)),
            "sensitive": sensitive,
        }
    )
    g = work.groupby("cluster_id", sort=True)
    prof = pd.DataFrame(
        {
            "assets": g.size(),
            "partners": g["partner"].agg(lambda s: "; ".join(sorted(set(s)))),
            "partner_count": g["partner"].nunique(),
            "gia_m2": g["gia"].sum(min_count=1),
            "running_cost_gbp": g["cost"].sum(min_count=1),
            "cgia": g["cgia"].sum(),
            "ccost": g["ccost"].sum(),
            "occupancy": g["occ"].sum(),
            "capacity": g["cap"].sum(),
            "occupancy_estimated": g["occ_est"].sum(),
            "capacity_estimated": g["cap_est"].sum(),
            "utilisation_unknown": g["unknown"].sum(),
            "sensitive_assets": g["sensitive"].sum(),
        }
    )
    prof["cross_partner"] = prof["partner_count"] >= 2
    prof["cost_per_m2_gbp"] = np.where(
        prof["cgia"] > 0, prof["ccost"] / prof["cgia"].where(prof["cgia"] > 0), np.nan
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        prof["utilisation"] = np.where(prof["capacity"] > 0, prof["occupancy"] / prof["capacity"], np.nan)
    prof["spare_capacity"] = prof["capacity"] - prof["occupancy"]
    prof["utilisation_band"] = band(prof["utilisation"].to_numpy(), config)
    prof = prof.reset_index()

    # Polygons: buffered convex hull of the non-sensitive members.
    xy = asset_xy(m)
    keep = ~sensitive & np.isfinite(xy).all(axis=1)
    codes = pd.Categorical(work["cluster_id"], categories=prof["cluster_id"]).codes
    geoms = np.full(len(prof), None, dtype=object)
    if keep.any():
        order = np.argsort(codes[keep], kind="stable")
        present, dense = np.unique(codes[keep][order], return_inverse=True)
        pts = shapely.multipoints(xy[keep][order], indices=dense.ravel())
        hulls = shapely.convex_hull(pts)
        geoms[present] = shapely.buffer(hulls, config.hull_buffer_m) if config.hull_buffer_m > 0 else hulls
    counts_int = ["assets", "partner_count", "occupancy_estimated", "capacity_estimated"]
    counts_int += ["utilisation_unknown", "sensitive_assets"]
    prof[counts_int] = prof[counts_int].astype("int64")
    prof = prof[list(CLUSTER_COLUMNS)]
    return gpd.GeoDataFrame(prof, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


__all__ = [
    "CLUSTER_COLUMNS",
    "PEOPLE_COLUMNS",
    "asset_xy",
    "cluster_assets",
    "estimate_people",
    "profile_clusters",
]
