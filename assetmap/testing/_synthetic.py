"""Synthetic estates shaped like the pipeline's output, for the maps' tests and the benchmarks.

:func:`synthetic_estate` makes ``assets`` (``schema.ASSET_COLUMNS`` plus the plan's
``cluster_id``, ``rating``, ``score``, ``reasons``, ``action``), ``clusters``,
``opportunities`` and ``summary`` with the same columns and types the plan stage gives,
deterministically from a seed. Positions are towns scattered over Kent (EPSG:27700), with
some assets stacked on one postcode centroid as real registers have them.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..maps._geometry import cluster_hulls
from ..schema import BNG

#: Register text that does harm if it reaches a page unescaped: markup with a handler, a
#: break out of ``<script>``, a JavaScript template literal, and Jinja (which folium renders a
#: second time, so it would run Python on the analyst's machine).
HOSTILE: Final[tuple[str, ...]] = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "{{ 7*7 }} {% if true %}Jinja ran{% endif %} {# hidden #}",
)
PARTNERS = (
    ("Kent County Council", "council"),
    ("Maidstone Borough Council", "council"),
    ("Kent and Medway NHS", "nhs"),
    ("Kent Police", "police"),
    ("Kent Fire and Rescue", "fire"),
    ("DWP", "central_government"),
    ("Kent Academies Trust", "education"),
    ("Housing Association", "other"),
)
USES = (
    "Office", "Library", "Health centre", "Police station", "Fire station", "Primary school",
    "Depot", "Community centre", "Leisure centre", "Care home", "Car park", "Jobcentre",
)  # fmt: skip
STREETS = (
    "High Street",
    "Station Road",
    "London Road",
    "Church Lane",
    "Mill Way",
    "King Street",
    "Park Road",
)
TOWNS = ("Maidstone", "Ashford", "Canterbury", "Dover", "Folkestone", "Tonbridge", "Sevenoaks", "Dartford")


def synthetic_estate(
    n: int, *, seed: int = 1, hostile: bool = False, sensitive: int = 2, stacked: int = 4
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
    """A made-up estate with plan results.

    Parameters
    ----------
    n : int
        Number of assets.
    seed : int
        Random seed; the same seed gives the same estate.
    hostile : bool
        Give the first two assets names that are HTML/script injections (``HOSTILE[:2]``).
    sensitive : int
        How many assets (the last ones) are sensitive sites.
    stacked : int
        How many assets share one position (a postcode centroid) with asset 0.

    Returns
    -------
    assets, clusters, opportunities, summary
    """
    rng = np.random.default_rng(seed)
    towns = rng.uniform([545_000, 135_000], [620_000, 175_000], size=(max(3, n // 400 + 3), 2))
    town = rng.integers(0, len(towns), n)
    xy = towns[town] + rng.normal(0, 900, size=(n, 2))
    xy[1 : 1 + min(stacked, max(n - 1, 0))] = xy[0]
    p = rng.integers(0, len(PARTNERS), n)
    u = rng.integers(0, len(USES), n)
    ids = np.array([f"A{i:06d}" for i in range(n)], dtype=object)
    names = np.array(
        [f"{TOWNS[t % len(TOWNS)]} {USES[k]} {i}" for i, (t, k) in enumerate(zip(town, u, strict=True))],
        dtype=object,
    )
    if hostile and n >= 2:
        names[0], names[1] = HOSTILE[:2]
    streets = rng.integers(0, len(STREETS), n)
    numbers = rng.integers(1, 200, n)
    address = [
        f"{a} {STREETS[s]}, {TOWNS[t % len(TOWNS)]}" for a, s, t in zip(numbers, streets, town, strict=True)
    ]
    postcode = [
        f"ME{(i // 50) % 20 + 1} {i % 9 + 1}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}" for i in range(n)
    ]
    util = rng.uniform(0.1, 1.2, n).round(3)
    gia = rng.uniform(100, 5000, n).round(0)
    cost = (gia * rng.uniform(60, 250, n)).round(0)
    tenure = np.where(rng.random(n) < 0.7, "freehold", "leasehold")
    lease = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    assets = pd.DataFrame(
        {
            "asset_id": ids,
            "name": names,
            "address": address,
            "postcode": postcode,
            "uprn": [f"{100000000000 + i * 7919}" for i in range(n)],
            "use": np.array(USES, dtype=object)[u],
            "tenure": tenure,
            "condition": np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, n)],
            "gia_m2": gia,
            "running_cost_gbp": cost,
            "utilisation": util,
            "occupancy": (gia / 10 * util).round(0),
            "capacity": (gia / 10).round(0),
            "book_value_gbp": (gia * 1500).round(0),
            "easting": xy[:, 0].round(0),
            "northing": xy[:, 1].round(0),
            "latitude": np.nan,
            "longitude": np.nan,
            "lease_expiry": lease.where(tenure == "leasehold"),
            "sensitive": np.arange(n) >= n - sensitive,
            "partner": np.array([PARTNERS[i][0] for i in p], dtype=object),
            "partner_kind": np.array([PARTNERS[i][1] for i in p], dtype=object),
            "source_file": np.array([f"registers/{PARTNERS[i][0].lower().replace(' ', '_')}.csv" for i in p]),
            "source_row": np.arange(n) + 2,
            "geocode_method": np.where(rng.random(n) < 0.8, "coordinates", "postcode"),
            "geocode_precision_m": np.where(rng.random(n) < 0.8, 1.0, 100.0),
        }
    )
    cell = pd.Series([f"{int(x // 800)}_{int(y // 800)}" for x, y in xy])
    sizes = cell.map(cell.value_counts())
    codes = pd.factorize(cell.where(sizes >= 2), sort=True)[0]
    assets["cluster_id"] = pd.Series([f"C{c + 1:04d}" if c >= 0 else None for c in codes], dtype=object)
    score = (100 * (1.2 - util) / 1.1).round(1)
    assets["score"] = score
    assets["rating"] = np.where(score >= 60, "red", np.where(score >= 35, "amber", "green"))
    assets["reasons"] = [
        f"low utilisation ({v:.0%}, below 50%); condition {c}" if v < 0.5 else f"well used ({v:.0%})"
        for v, c in zip(util, assets["condition"], strict=True)
    ]
    assets["action"] = np.where(assets["rating"] == "red", "relocate", "retain")
    gdf = gpd.GeoDataFrame(assets, geometry=shapely.points(xy), crs=BNG)
    return gdf, _clusters(gdf), _opportunities(gdf), _summary(gdf)


def _opportunities(assets: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = []
    clustered = assets.loc[assets["cluster_id"].notna()]
    for cid, g in clustered.groupby("cluster_id", sort=True):
        donors = g.loc[g["rating"] == "red"]
        receivers = g.loc[g["rating"] == "green"]
        for (_, d), (_, r) in zip(donors.iterrows(), receivers.iterrows(), strict=False):
            rows.append(
                {"action": "relocate", "asset_id": d["asset_id"], "partner": d["partner"], "name": d["name"],
                 "cluster_id": cid, "into_asset_id": r["asset_id"], "into_partner": r["partner"],
                 "into_name": r["name"], "people_moved": float(d["occupancy"]),
                 "annual_saving_gbp": float(d["running_cost_gbp"]) * 0.85,
                 "capital_receipt_gbp": float(d["book_value_gbp"]) if d["tenure"] == "freehold" else 0.0,
                 "rating": "red", "reasons": d["reasons"]}
            )  # fmt: skip
        if len(donors) == 0 and len(receivers):
            r = receivers.iloc[0]
            rows.append(
                {"action": "share", "asset_id": r["asset_id"], "partner": r["partner"], "name": r["name"],
                 "cluster_id": cid, "spare_places": 12.0, "annual_saving_gbp": 0.0,
                 "capital_receipt_gbp": 0.0,
                 "rating": "amber", "reasons": r["reasons"]}
            )  # fmt: skip
    opps = pd.DataFrame(rows)
    if len(opps):
        opps = opps.sort_values("annual_saving_gbp", ascending=False, kind="mergesort").reset_index(drop=True)
        opps.insert(0, "rank", np.arange(1, len(opps) + 1))
    return opps


def _clusters(assets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    member = assets.loc[assets["cluster_id"].notna()]
    g = member.groupby("cluster_id", sort=True)
    frame = pd.DataFrame(
        {
            "assets": g.size(),
            "partner_count": g["partner"].nunique(),
            "partners": g["partner"].agg(lambda s: "; ".join(sorted(set(s)))),
            "running_cost_gbp": g["running_cost_gbp"].sum(),
            "gia_m2": g["gia_m2"].sum(),
            "utilisation": g["occupancy"].sum() / g["capacity"].sum(),
            "spare_capacity": g["capacity"].sum() - g["occupancy"].sum(),
            "sensitive_assets": g["sensitive"].sum(),
        }
    ).reset_index()
    hulls = cluster_hulls(assets.loc[~assets["sensitive"]], 50)
    geoms = [hulls.get(c) for c in frame["cluster_id"]]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=BNG), crs=BNG)


def _summary(assets: gpd.GeoDataFrame) -> dict[str, Any]:
    cost = float(assets["running_cost_gbp"].sum())
    released = float(assets.loc[assets["rating"] == "red", "running_cost_gbp"].sum() * 0.85)
    return {
        "assets": len(assets),
        "partners": int(assets["partner"].nunique()),
        "running_cost_gbp": cost,
        "released_running_cost_gbp": released,
        "capital_receipts_gbp": float(assets.loc[assets["rating"] == "red", "book_value_gbp"].sum()),
        "share_of_running_cost": released / cost if cost else float("nan"),
    }


NATIONAL_PARTNERS = (
    ("County and district councils", "council"),
    ("Unitary councils", "council"),
    ("NHS trusts", "nhs"),
    ("GP practices", "nhs"),
    ("Police forces", "police"),
    ("Fire and rescue services", "fire"),
    ("Department for Work and Pensions", "central_government"),
    ("HM Courts and Tribunals", "central_government"),
    ("Academy trusts", "education"),
    ("Further education colleges", "education"),
    ("Housing associations", "other"),
    ("Ministry of Defence", "central_government"),
)


def _gb_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random real postcodes of Great Britain (ONSPD) and a point within 40 m of each."""
    from ..geocode import PostcodeLookup

    lookup = PostcodeLookup()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    table = pd.concat([lookup._table(letter) for letter in letters], ignore_index=True)
    area = table["key"].astype(str).str.extract(r"^([A-Z]+)", expand=False)
    table = table.loc[table["easting"].notna() & ~area.isin(["BT", "IM", "JE", "GY"])].reset_index(drop=True)
    pick = rng.integers(0, len(table), n)
    key = table["key"].astype(str).to_numpy(dtype=object)[pick]
    postcode = np.array([f"{k[:-3]} {k[-3:]}" for k in key], dtype=object)
    xy = table[["easting", "northing"]].to_numpy(dtype=float)[pick] + rng.uniform(-40, 40, size=(n, 2))
    return postcode, np.round(xy)


#: Town centres of Great Britain (British National Grid, metres) for ``places="towns"``.
GB_TOWNS = (
    ("London", 530_000, 180_000), ("Birmingham", 407_000, 287_000), ("Manchester", 384_000, 398_000),
    ("Leeds", 430_000, 433_000), ("Glasgow", 259_000, 665_000), ("Edinburgh", 325_000, 673_000),
    ("Cardiff", 318_000, 176_000), ("Bristol", 359_000, 173_000), ("Newcastle", 424_000, 564_000),
    ("Norwich", 623_000, 308_000), ("Plymouth", 248_000, 55_000), ("Inverness", 266_000, 845_000),
)  # fmt: skip


def _town_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points scattered (3 km) around the towns of :data:`GB_TOWNS`, and made-up postcodes."""
    town = rng.integers(0, len(GB_TOWNS), n)
    centre = np.array([[x, y] for _, x, y in GB_TOWNS], dtype=float)[town]
    xy = np.round(centre + rng.normal(0, 3_000, size=(n, 2)))
    postcode = np.array(
        [f"{GB_TOWNS[t][0][:2].upper()}{i % 20 + 1} {i % 9 + 1}AB" for i, t in enumerate(town)]
    )
    return postcode.astype(object), xy


def national_estate(
    n: int, *, seed: int = 1, sensitive_share: float = 0.01, places: str = "postcodes"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
    """A made-up national estate with plan results, quickly, at any size up to millions.

    Each asset sits within 40 m of a random real postcode of Great Britain (the packaged ONS
    Postcode Directory), so density follows where people live. Figures are drawn as
    ``scripts/bench_plan.py`` draws them, with its gaps (capacity, occupancy, utilisation, book
    value and running cost missing for some) and rounding (costs to £100, values to £1,000).
    Clusters are the 400 m squares of British National Grid holding two assets or more; in
    each, red assets move into green ones in turn (the plan's relocations stay within a
    cluster, as the planner's do).

    Parameters
    ----------
    n : int
        Number of assets.
    seed : int
        Random seed; the same seed gives the same estate.
    sensitive_share : float
        Share of assets (chosen at random) that are sensitive sites.
    places : {"postcodes", "towns"}
        ``towns``: around twelve towns of Great Britain instead (no postcode directory
        needed: quick, for tests).

    Returns
    -------
    assets, clusters, opportunities, summary
        As :func:`synthetic_estate`.
    """
    rng = np.random.default_rng(seed)
    postcode, xy = _gb_points(n, rng) if places == "postcodes" else _town_points(n, rng)
    assets = _national_register(rng, postcode, xy, sensitive_share)
    _national_plan(assets, xy)
    gdf = gpd.GeoDataFrame(assets, geometry=shapely.points(xy), crs=BNG)
    return gdf, _clusters(gdf), _national_opportunities(gdf), _summary(gdf)


def _national_register(
    rng: np.random.Generator, postcode: np.ndarray, xy: np.ndarray, sensitive_share: float
) -> pd.DataFrame:
    """The register columns of :func:`national_estate` (figures as ``scripts/bench_plan.py`` draws them)."""
    n = len(xy)
    p = rng.integers(0, len(NATIONAL_PARTNERS), n)
    u = rng.integers(0, len(USES), n)
    gia = np.round(rng.lognormal(6.5, 0.8, n))
    capacity = np.round(gia / rng.uniform(8, 14, n))
    util = np.round(rng.beta(2.2, 1.6, n), 2)
    tenure = np.where(rng.random(n) < 0.65, "freehold", "leasehold")
    lease = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(-200, 3650, n), unit="D")

    def gaps(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(n) < share, np.nan, values)

    uses = np.array(USES, dtype=object)[u]
    number = np.arange(n)
    district = np.array([pc.split(" ")[0] for pc in postcode], dtype=object)
    assets = pd.DataFrame(
        {
            "asset_id": np.char.add("N", np.char.zfill(number.astype(str), 7)).astype(object),
            "name": uses + " " + district + " " + number.astype(str).astype(object),
            "address": (rng.integers(1, 200, n).astype(str).astype(object) + " "
                        + np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]),
            "postcode": postcode,
            "uprn": (100_000_000_000 + number * 7919).astype(str).astype(object),
            "use": uses,
            "tenure": tenure,
            "condition": np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, n)],
            "gia_m2": gia,
            "running_cost_gbp": gaps(np.round(gia * rng.uniform(80, 250, n), -2), 0.05),
            "utilisation": gaps(util, 0.2),
            "occupancy": gaps(np.round(util * capacity), 0.5),
            "capacity": gaps(capacity, 0.4),
            "book_value_gbp": gaps(np.round(gia * rng.uniform(500, 3000, n), -3), 0.3),
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "latitude": np.nan,
            "longitude": np.nan,
            "lease_expiry": lease.where(tenure == "leasehold"),
            "sensitive": rng.random(n) < sensitive_share,
            "partner": np.array([name for name, _ in NATIONAL_PARTNERS], dtype=object)[p],
            "partner_kind": np.array([kind for _, kind in NATIONAL_PARTNERS], dtype=object)[p],
            "source_file": np.array([f"registers/partner_{i:02d}.csv" for i in range(len(NATIONAL_PARTNERS))],
                                    dtype=object)[p],
            "source_row": number + 2,
            "geocode_method": np.where(rng.random(n) < 0.3, "coordinates", "postcode"),
            "geocode_precision_m": np.where(rng.random(n) < 0.3, 1.0, 100.0),
        }
    )  # fmt: skip
    return assets


def _national_plan(assets: pd.DataFrame, xy: np.ndarray) -> None:
    """Cluster ids (400 m squares with two assets or more), scores, ratings, reasons, actions."""
    cell = (xy[:, 0] // 400).astype(np.int64) * 10_000 + (xy[:, 1] // 400).astype(np.int64)
    codes, _ = pd.factorize(cell, sort=True)
    sizes = np.bincount(codes)
    clustered = sizes[codes] >= 2
    number = pd.factorize(np.where(clustered, codes, -1), sort=True)[0]
    number = number - (number[~clustered].max() + 1 if (~clustered).any() else 0)
    ids = np.char.add("C", np.char.zfill((number + 1).astype(str), 6)).astype(object)
    assets["cluster_id"] = pd.Series(np.where(clustered, ids, None), dtype=object)
    util = assets["utilisation"].to_numpy()
    known = ~np.isnan(util)
    score = np.where(known, (100 * (1.2 - np.nan_to_num(util)) / 1.1).round(1), 50.0)
    assets["score"] = score
    assets["rating"] = np.where(score >= 60, "red", np.where(score >= 35, "amber", "green"))
    pct = np.round(np.nan_to_num(util) * 100).astype(int).astype(str).astype(object)
    condition = assets["condition"].to_numpy(dtype=object)
    low = "low utilisation (" + pct + "%, below 50%); condition " + condition
    reasons = np.where(util < 0.5, low, "well used (" + pct + "%)")
    assets["reasons"] = np.where(known, reasons, "utilisation not known; condition " + condition)
    assets["action"] = np.where(assets["rating"] == "red", "relocate", "retain")


def _national_opportunities(assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """In each cluster the k-th red asset moves into the k-th green one; a cluster with greens
    and no red offers its first green's spare space."""
    frame = pd.DataFrame(assets.drop(columns="geometry"))
    member = frame.loc[frame["cluster_id"].notna()]
    red = member.loc[member["rating"] == "red"].assign(_k=lambda d: d.groupby("cluster_id").cumcount())
    green = member.loc[member["rating"] == "green"].assign(_k=lambda d: d.groupby("cluster_id").cumcount())
    pairs = red.merge(green, on=["cluster_id", "_k"], suffixes=("", "_into"))
    moves = pd.DataFrame(
        {
            "action": "relocate", "asset_id": pairs["asset_id"], "partner": pairs["partner"],
            "name": pairs["name"], "cluster_id": pairs["cluster_id"], "into_asset_id": pairs["asset_id_into"],
            "into_partner": pairs["partner_into"], "into_name": pairs["name_into"],
            "people_moved": pairs["occupancy"].astype(float),
            "annual_saving_gbp": pairs["running_cost_gbp"].astype(float) * 0.85,
            "capital_receipt_gbp": np.where(pairs["tenure"] == "freehold", pairs["book_value_gbp"], 0.0),
            "rating": "red", "reasons": pairs["reasons"],
        }
    )  # fmt: skip
    no_red = ~green["cluster_id"].isin(red["cluster_id"])
    first = green.loc[no_red & (green["_k"] == 0)]
    share = pd.DataFrame(
        {
            "action": "share", "asset_id": first["asset_id"], "partner": first["partner"],
            "name": first["name"], "cluster_id": first["cluster_id"], "spare_places": 12.0,
            "annual_saving_gbp": 0.0, "capital_receipt_gbp": 0.0, "rating": "amber",
            "reasons": first["reasons"],
        }
    )  # fmt: skip
    opps = pd.concat([moves, share], ignore_index=True)
    opps = opps.sort_values("annual_saving_gbp", ascending=False, kind="mergesort").reset_index(drop=True)
    opps.insert(0, "rank", np.arange(1, len(opps) + 1))
    return opps
