"""Helpers for testing code built on assetmap, and for assetmap's own tests.

Like :mod:`numpy.testing` or :mod:`geopandas.testing`, nothing in assetmap imports this
module: it gives small estates with known answers, run folders as ``assetmap run`` leaves
them, a synthetic estate of any size for maps and benchmarks, and text that would run as
markup or code if anything on its way to a page forgot to escape it.

>>> from assetmap.testing import make_estate, office
>>> assets = make_estate(office(x=0), office(x=150, partner="Kent Police"))
>>> len(assets), assets.crs.to_epsg(), float(assets.geometry.x.iloc[1] - assets.geometry.x.iloc[0])
(2, 27700, 150.0)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Config
from ..schema import ASSET_COLUMNS, BNG
from ._synthetic import HOSTILE, PARTNERS, national_estate, synthetic_estate

#: Where :func:`make_estate` puts ``x=0, y=0``: Maidstone, in British National Grid metres.
ORIGIN: Final[tuple[float, float]] = (575_000.0, 155_000.0)

#: JavaScript to run before a page's own: any ``alert``/``confirm``/``prompt`` sets ``window.__ran``.
ALERT_TRAP: Final[str] = """
window.__ran = false;
window.alert = function () { window.__ran = true; };
window.confirm = window.prompt = window.alert;
"""

_NUMBERS = ("gia_m2", "running_cost_gbp", "utilisation", "occupancy", "capacity", "book_value_gbp")


def make_estate(*rows: dict[str, object]) -> gpd.GeoDataFrame:
    """An estate layer (``schema.ASSET_COLUMNS``, EPSG:27700 points) from short dicts.

    Parameters
    ----------
    *rows : dict
        One per asset: any asset column, plus ``x`` and ``y`` in metres from :data:`ORIGIN`.
        Each asset is otherwise ``A1``, ``A2``..., ``Building 1``..., an office of the
        ``Council`` (leasehold, condition B) placed by coordinates, with no figures.

    Returns
    -------
    GeoDataFrame
        As :func:`assetmap.read_registers` gives ``Estate.assets``.
    """
    records = []
    for i, row in enumerate(rows):
        given = dict(row)
        x, y = ORIGIN[0] + float(given.pop("x", 0.0)), ORIGIN[1] + float(given.pop("y", 0.0))
        record: dict[str, object] = dict.fromkeys(ASSET_COLUMNS)
        record |= dict.fromkeys(_NUMBERS, np.nan)
        record |= {
            "asset_id": f"A{i + 1}", "name": f"Building {i + 1}", "partner": "Council",
            "partner_kind": "council", "use": "Office", "tenure": "leasehold", "condition": "B",
            "easting": x, "northing": y, "lease_expiry": pd.NaT, "sensitive": False,
            "source_file": "test.csv", "source_row": i + 2, "geocode_method": "coordinates",
            "geocode_precision_m": 1.0,
        }  # fmt: skip
        records.append(record | given)
    frame = pd.DataFrame.from_records(records, columns=list(ASSET_COLUMNS))
    frame = frame.astype(dict.fromkeys(_NUMBERS, "float64"))
    frame["lease_expiry"] = pd.to_datetime(frame["lease_expiry"])
    frame["sensitive"] = frame["sensitive"].astype(bool)
    points = shapely.points(frame["easting"].to_numpy(float), frame["northing"].to_numpy(float))
    return gpd.GeoDataFrame(frame, geometry=points, crs=BNG)


def office(**columns: object) -> dict[str, object]:
    """A row for :func:`make_estate`: a 1,000 m² office for 100 people costing £200,000 a year.

    >>> office(x=150, utilisation=0.3)["running_cost_gbp"]
    200000.0
    """
    base: dict[str, object] = {"gia_m2": 1000.0, "capacity": 100.0, "running_cost_gbp": 200_000.0}
    return base | {"condition": "B"} | columns


def make_config(*, title: str = "Test", partners: tuple[str, ...] = ("Council",), **sections: Any) -> Config:
    """A checked Config for tests that need no register on disk.

    Parameters
    ----------
    title : str
        The config's title.
    partners : tuple of str
        Partner names (each with a register ``<name>.csv`` that is never read).
    **sections
        Config sections as dicts (``plan={"optimiser": "greedy"}``, ``map={"offline": False}``).

    Returns
    -------
    Config

    >>> make_config(clustering={"radius_m": 600}).clustering.radius_m
    600.0
    """
    listed = [{"name": name, "register": f"{name}.csv"} for name in partners]
    return Config.model_validate({"title": title, "partners": listed, **sections})


def make_run_dir(
    path: Path,
    assets: list[dict[str, Any]],
    *,
    opportunities: list[dict[str, Any]] | None = None,
    title: str = "Test place",
    extra: dict[str, Any] | None = None,
    columns_used: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A run folder as ``assetmap run`` leaves it: ``estate.gpkg``, ``run.json`` (and ``opportunities.csv``).

    Parameters
    ----------
    path : Path
        The folder (created).
    assets : list of dict
        One per asset: ``x``, ``y`` (EPSG:27700) and any asset column; each is otherwise an
        office of the ``Council`` of 100 m² costing £10,000 a year, half used.
    opportunities : list of dict, optional
        Rows of ``opportunities.csv``.
    title : str
        The run's title in ``run.json``.
    extra : dict, optional
        More keys for ``run.json``.
    columns_used : dict, optional
        ``{partner: {field: register column}}``, recorded in ``run.json`` as the pipeline
        records it; without it ``run.json`` says nothing of the registers' columns.

    Returns
    -------
    Path
        ``path``, ready for :func:`assetmap.compare_runs`.
    """
    path.mkdir(parents=True, exist_ok=True)
    base = {"partner": "Council", "asset_id": None, "name": None, "uprn": None, "use": "office",
            "gia_m2": 100.0, "running_cost_gbp": 10000.0, "utilisation": 0.5, "occupancy": None,
            "capacity": None, "sensitive": False, "geocode_method": "coordinates"}  # fmt: skip
    frame = pd.DataFrame([base | a for a in assets])
    points = shapely.points(frame.pop("x").to_numpy(float), frame.pop("y").to_numpy(float))
    layer = gpd.GeoDataFrame(frame, geometry=points, crs=BNG)
    for col in ("asset_id", "name", "uprn", "partner", "use", "geocode_method", "address"):
        if col in layer:
            layer[col] = layer[col].astype("string")
    layer = layer.astype({"occupancy": float, "capacity": float})
    layer.to_file(path / "estate.gpkg", layer="assets", driver="GPKG", engine="pyogrio")
    partners = []
    for name, group in frame.groupby("partner", sort=False):
        counts = {"rows_read": len(group) + 1, "placed": len(group), "rejected": 1, "warnings": 0}
        used = {"columns_used": columns_used[name]} if columns_used and name in columns_used else {}
        by = {"coordinates": len(group), "uprn": 0, "postcode": 0}
        partners.append({"name": name, **counts, "placed_by": by} | used)
    totals = {"rows_read": len(frame) + len(partners), "placed": len(frame), "rejected": len(partners)}
    record = {"title": title, "partners": partners, "finished_at": "2026-09-30T09:00:00+00:00"}
    record |= {"totals": totals | {"warnings": 0}} | (extra or {})
    (path / "run.json").write_text(json.dumps(record), "utf-8")
    if opportunities is not None:
        pd.DataFrame(opportunities).to_csv(path / "opportunities.csv", index=False, encoding="utf-8-sig")
    return path


__all__ = [
    "ALERT_TRAP", "HOSTILE", "ORIGIN", "PARTNERS", "make_config", "make_estate", "make_run_dir",
    "national_estate", "office", "synthetic_estate",
]  # fmt: skip
