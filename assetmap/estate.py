"""The combined estate layer: every partner's placed assets in one EPSG:27700 frame.

Nothing is lost here: each non-blank register row ends up exactly once, either as a point
in ``assets`` or as a line in ``rejects`` with a reason in plain words.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .config import Config, PartnerConfig
from .geocode import GeocodeResult, PostcodeLookup, UprnLookup, geocode
from .geocode._coords import bng_to_wgs84
from .postgis import DatabaseSource, register_digest
from .registers import CleanRegister, RawRegister, load_partner
from .schema import ASSET_COLUMNS, BNG, CANONICAL_FIELDS, REJECT_COLUMNS, WARNING_COLUMNS


@dataclass(frozen=True)
class PartnerSummary:
    """What happened to one partner's register."""

    name: str
    kind: str
    source_file: str
    sha256: str
    rows_read: int
    placed: int
    rejected: int
    warnings: int
    by_method: dict[str, int]
    columns_used: dict[str, str | list[str]]
    reader: dict[str, object]


@dataclass
class Estate:
    """The combined layer plus everything that could not be used as given."""

    assets: gpd.GeoDataFrame
    rejects: pd.DataFrame
    warnings: pd.DataFrame
    partners: list[PartnerSummary]
    timings: dict[str, float] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _register_sha256(partner: PartnerConfig, raw: RawRegister) -> str:
    """SHA-256 of the register file, or of the rows read from a database table or query."""
    if isinstance(partner.register_file, DatabaseSource):
        return register_digest(raw)
    return _sha256(partner.register_file)


def _source_file(path: Path | DatabaseSource, base_dir: Path) -> str:
    if isinstance(path, DatabaseSource):
        return path.label  # the database address with its password masked, and the table
    try:
        return path.resolve().relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return path.name


def _duplicate_id_warnings(assets: pd.DataFrame) -> pd.DataFrame:
    ids = assets["asset_id"]
    dup = (ids.notna() & ids.duplicated(keep=False)).to_numpy()  # every row of an id seen more than once
    counts = ids[dup].map(ids[dup].value_counts())
    out = assets.loc[dup, ["partner", "source_file", "source_row", "asset_id"]].copy()
    out["field"] = "asset_id"
    out["value"] = out["asset_id"]
    out["warning"] = "asset id appears " + counts.astype(int).astype(str) + " times in this register"
    return out


def _duplicate_place_warnings(rows: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Rows without an id that repeat an earlier row's name at its postcode (or its point).

    Registers with no id column list one building on several rows (data.police.uk gives one
    row per neighbourhood a station serves). Each repeat is warned about, naming the first
    row and how many there are; every row is kept, as given.

    Parameters
    ----------
    rows : DataFrame
        The register's rows with ``asset_id``, ``name``, ``postcode`` (the one used to
        place the row), ``partner``, ``source_file`` and ``source_row``.
    x, y : ndarray
        Where each row was placed (NaN: not placed).

    Returns
    -------
    DataFrame
        :data:`schema.WARNING_COLUMNS`, one row per repeat.
    """
    blank = (rows["asset_id"].astype("string").str.strip().fillna("") == "").to_numpy()
    if not blank.any():  # every row has an id: nothing to compare (most registers)
        return pd.DataFrame(columns=list(WARNING_COLUMNS))
    rows, x, y = rows.loc[blank], x[blank], y[blank]
    name = rows["name"].astype("string").str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()
    pcd = rows["postcode"].astype("string").str.upper().str.replace(" ", "", regex=False)
    point = pd.Series(np.char.add(np.char.add(np.round(x).astype(str), ","), np.round(y).astype(str)))
    where = pcd.where(pcd.notna() & (pcd != ""), point.where(np.isfinite(x) & np.isfinite(y)).to_numpy())
    use = (name.notna() & (name != "") & where.notna()).to_numpy()
    if not use.any():
        return pd.DataFrame(columns=list(WARNING_COLUMNS))
    key = pd.DataFrame({"name": name[use].to_numpy(), "where": where[use].to_numpy()})
    row = rows["source_row"].to_numpy()[use]
    group = key.groupby(["name", "where"], sort=False).ngroup().to_numpy()
    first = pd.Series(row).groupby(group).transform("min").to_numpy()
    size = np.bincount(group)[group]
    repeat = row != first
    out = rows.loc[use].loc[repeat, ["partner", "source_file", "source_row", "asset_id", "name"]]
    by = np.where(pcd[use].notna().to_numpy() & (pcd[use] != "").to_numpy(), "postcode", "location")[repeat]
    out = out.assign(field="name", value=out["name"].astype(str))
    out["warning"] = [
        f"same name and {how} as row {f} ({n} rows in all, none with an id): likely one building "
        "listed more than once; every row is kept as given"
        for how, f, n in zip(by.tolist(), first[repeat].tolist(), size[repeat].tolist(), strict=True)
    ]
    return out[list(WARNING_COLUMNS)]


def _read_and_geocode(
    partner: PartnerConfig,
    *,
    base_dir: Path,
    postcodes: PostcodeLookup,
    uprns: UprnLookup | None,
    timings: dict[str, float],
) -> tuple[RawRegister, CleanRegister, pd.DataFrame, GeocodeResult]:
    """Read and clean the register, then place its rows (seconds added to ``timings``)."""
    t0 = time.perf_counter()
    raw, clean = load_partner(partner, base_dir=base_dir)
    t1 = time.perf_counter()
    rows, result = _geocode_loaded(partner, raw, clean, postcodes=postcodes, uprns=uprns)
    timings["read_clean"] = timings.get("read_clean", 0.0) + (t1 - t0)
    timings["geocode"] = timings.get("geocode", 0.0) + (time.perf_counter() - t1)
    return raw, clean, rows, result


def _geocode_loaded(
    partner: PartnerConfig,
    raw: RawRegister,
    clean: CleanRegister,
    *,
    postcodes: PostcodeLookup,
    uprns: UprnLookup | None,
) -> tuple[pd.DataFrame, GeocodeResult]:
    """Place a cleaned register's rows: its rows (index 0..n-1) and where each went."""
    rows = clean.assets.reset_index(drop=True)
    postcode_col = clean.columns_used.get("postcode")
    raw_pcd = raw.cells(postcode_col) if isinstance(postcode_col, str) else None
    pcd_warn = clean.warnings.loc[clean.warnings["field"] == "postcode"].drop_duplicates("source_row")
    pcd_problems = rows["source_row"].map(pcd_warn.set_index("source_row")["warning"])
    result = geocode(
        rows,
        postcodes=postcodes,
        uprns=uprns,
        crs=partner.crs,
        raw_postcodes=raw_pcd,
        postcode_problems=pcd_problems,
    )
    return rows, result


def _reject_reasons(raw: RawRegister, rows: pd.DataFrame, result: GeocodeResult) -> pd.Series:
    """Why each row could not be placed (NA where it was); notes below a table are never assets."""
    reasons = result.placed["reject_reason"].copy()
    if raw.note_rows:  # notes below the table are kept and reported, never silently dropped
        note = rows["source_row"].isin(raw.note_rows).to_numpy()
        text = raw.cells(raw.column_names[0]).astype(str).str.slice(0, 60).to_numpy()
        reasons[note] = ['looks like a note below the table ("' + t + '"), not an asset' for t in text[note]]
    return reasons


def _placed_rows(
    rows: pd.DataFrame, result: GeocodeResult, placed_mask: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The placed rows with :data:`schema.ASSET_COLUMNS` and the postcode's district, and where
    each was placed (British National Grid x and y), before any point is made.

    ``district_code`` is the local authority district of the postcode used (ONSPD ``laua``;
    None without one), as the geocoder found it: the areas step and the partitioned run
    take it from here rather than looking the postcode up again.
    """
    frame = rows[list(ASSET_COLUMNS)].loc[placed_mask].reset_index(drop=True)  # only the kept columns copied
    district = result.placed.loc[placed_mask, "district_code"].to_numpy()
    frame["district_code"] = pd.array(district, dtype="string")
    x = result.placed["x"].to_numpy(dtype=float)[placed_mask]
    y = result.placed["y"].to_numpy(dtype=float)[placed_mask]
    return frame, x, y


def place_partner(
    partner: PartnerConfig,
    *,
    base_dir: Path,
    postcodes: PostcodeLookup,
    uprns: UprnLookup | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, PartnerSummary]:
    """Read, clean and geocode one partner's register.

    Parameters
    ----------
    partner : PartnerConfig
        The partner, with its register path already resolved.
    base_dir : Path
        The config's directory; ``source_file`` is given relative to it.
    postcodes, uprns
        Lookups for the geocoding cascade.
    timings : dict, optional
        Seconds per stage are added to it (``read_clean``, ``geocode``).

    Returns
    -------
    assets, rejects, warnings, summary
        ``assets`` has :data:`schema.ASSET_COLUMNS` and ``district_code`` (the postcode's
        district, from the geocoder).
    """
    timings = {} if timings is None else timings
    raw, clean, rows, result = _read_and_geocode(
        partner, base_dir=base_dir, postcodes=postcodes, uprns=uprns, timings=timings
    )
    (assets, x, y), rejects, warnings, summary = _assemble(partner, base_dir, raw, clean, rows, result)
    # no copy (geopandas copies a plain frame it is given by default): ``assets`` is its own
    layer = gpd.GeoDataFrame(assets, geometry=gpd.points_from_xy(x, y), crs=BNG, copy=False)
    return layer, rejects, warnings, summary


_Rows = tuple[pd.DataFrame, np.ndarray, np.ndarray]  # placed rows, and their x and y (:func:`_placed_rows`)
_Assembled = tuple[_Rows, pd.DataFrame, pd.DataFrame, PartnerSummary]  # what :func:`_assemble` gives


def _assemble(
    partner: PartnerConfig,
    base_dir: Path,
    raw: RawRegister,
    clean: CleanRegister,
    rows: pd.DataFrame,
    result: GeocodeResult,
) -> tuple[_Rows, pd.DataFrame, pd.DataFrame, PartnerSummary]:
    """One placed register's assets (:func:`_placed_rows`: no points made yet), rejects, warnings
    and summary (see :func:`place_partner`)."""
    source_file = _source_file(partner.register_file, base_dir)
    rows = rows.assign(
        partner=partner.name,
        partner_kind=partner.kind,
        source_file=source_file,
        source_row=rows["source_row"].astype("int64"),
        # the register's postcode, else the address's: kept as objects (as the layer has them),
        # not turned into Arrow text here and back again
        postcode=pd.array(result.placed["postcode"].to_numpy(dtype=object), dtype=object),
        geocode_method=result.placed["geocode_method"].array,  # text already: taken as it is
        geocode_precision_m=result.placed["geocode_precision_m"].to_numpy(dtype=float),
    )
    reasons = _reject_reasons(raw, rows, result)
    placed_mask = reasons.isna().to_numpy()
    placed = _placed_rows(rows, result, placed_mask)
    assets = placed[0]
    rejects = rows.loc[~placed_mask, ["partner", "source_file", "source_row", "asset_id"]].copy()
    rejects["reason"] = reasons[~placed_mask].to_numpy()
    warnings = _warnings(partner, source_file, clean, rows, result)
    if len(assets) + len(rejects) != raw.n_rows:  # internal invariant, not user input
        msg = f"{source_file}: {raw.n_rows} rows read but {len(assets)} placed + {len(rejects)} rejected"
        raise RuntimeError(msg)
    summary = _summary(partner, source_file, raw, clean, assets, rejects, warnings)
    return placed, rejects[list(REJECT_COLUMNS)].reset_index(drop=True), warnings, summary


def _warnings(
    partner: PartnerConfig, source_file: str, clean: CleanRegister, rows: pd.DataFrame, result: GeocodeResult
) -> pd.DataFrame:
    """Every warning about the register's rows, in row order: cleaning, placing, repeats."""
    geo_warn = result.warnings.merge(
        rows[["partner", "source_file", "source_row", "asset_id"]], left_on="row", right_index=True
    )
    x = result.placed["x"].to_numpy(dtype=float)
    y = result.placed["y"].to_numpy(dtype=float)
    parts = [
        clean.warnings.assign(partner=partner.name, source_file=source_file),
        geo_warn,
        _duplicate_id_warnings(rows),
        _duplicate_place_warnings(rows, x, y),
    ]
    found = [p.reindex(columns=list(WARNING_COLUMNS)) for p in parts if len(p)]
    if not found:
        return parts[0].reindex(columns=list(WARNING_COLUMNS)).iloc[:0]
    warnings = pd.concat(found, ignore_index=True)
    return warnings.sort_values(["source_row", "field"], kind="stable").reset_index(drop=True)


def _summary(
    partner: PartnerConfig,
    source_file: str,
    raw: RawRegister,
    clean: CleanRegister,
    assets: pd.DataFrame,
    rejects: pd.DataFrame,
    warnings: pd.DataFrame,
) -> PartnerSummary:
    """What happened to the partner's register, for the console and ``run.json``."""
    methods = assets["geocode_method"].value_counts()
    return PartnerSummary(
        name=partner.name,
        kind=partner.kind,
        source_file=source_file,
        sha256=_register_sha256(partner, raw),
        rows_read=raw.n_rows,
        placed=len(assets),
        rejected=len(rejects),
        warnings=len(warnings),
        by_method={m: int(methods.get(m, 0)) for m in ("coordinates", "uprn", "postcode")},
        columns_used=dict(clean.columns_used),
        reader={"header_row": raw.header_row, "encoding": raw.encoding, "sheet": raw.sheet},
    )


def _typed(assets: pd.DataFrame, xy: tuple[np.ndarray, np.ndarray] | None = None) -> gpd.GeoDataFrame:
    """Give the combined layer stable column types whatever each register held.

    ``assets`` is a layer of points, or (with ``xy``, where each row was placed) rows whose
    points are made here, once for the whole estate.
    """
    out = assets.copy(deep=False)  # every change below replaces a whole column (copy on write)
    lonlat = None
    if xy is not None:
        points, lonlat = _points_and_wgs84(*xy)
        # No copy: geopandas copies a plain frame it is given by default, here the whole estate's
        # table (about a second at 1,000,000 assets), and ``out`` is already this function's own.
        out = gpd.GeoDataFrame(out, geometry=points, crs=BNG, copy=False)
    numeric = [
        "easting", "northing", "latitude", "longitude", "gia_m2", "running_cost_gbp", "utilisation",
        "occupancy", "capacity", "book_value_gbp", "geocode_precision_m",
    ]  # fmt: skip
    for name in numeric:
        if out[name].dtype != np.float64:  # as cleaning gives them, numbers already: no copy made
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
    out["lease_expiry"] = pd.to_datetime(out["lease_expiry"], errors="coerce")
    out["sensitive"] = out["sensitive"].fillna(False).astype(bool)
    out["source_row"] = out["source_row"].astype("int64")
    if "district_code" in out.columns:
        out["district_code"] = out["district_code"].astype("string")
    # easting/northing/latitude/longitude describe where the asset was placed (the values
    # as given, when corrected, are in warnings.csv).
    if len(out):
        points = out.geometry.array
        x, y = xy if xy is not None else (shapely.get_x(points), shapely.get_y(points))
        out["easting"] = np.round(x, 2)
        out["northing"] = np.round(y, 2)
        # what ``geometry.to_crs(WGS84)`` gives, without making points
        lon, lat = lonlat if lonlat is not None else _to_wgs84(x, y)
        out["latitude"] = np.round(lat, 6)
        out["longitude"] = np.round(lon, 6)
    for name in set(CANONICAL_FIELDS) - set(numeric) - {"lease_expiry", "sensitive"}:
        out[name] = _none_for_missing(out[name])
    return out


#: Points transformed to WGS84 on :data:`READERS` threads at once above this many (PROJ works
#: outside the interpreter's lock, and each point is transformed on its own).
_SPLIT_TRANSFORM_ABOVE: Final = 200_000


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`bng_to_wgs84`, in :data:`READERS` slices side by side for a large estate."""
    if len(x) <= _SPLIT_TRANSFORM_ABOVE:
        return bng_to_wgs84(x, y)
    bounds = np.linspace(0, len(x), READERS + 1).astype(int)
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds.tolist())]
    parts = _each(lambda part: bng_to_wgs84(x[part], y[part]), slices)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _points_and_wgs84(
    x: np.ndarray, y: np.ndarray
) -> tuple[gpd.array.GeometryArray, tuple[np.ndarray, np.ndarray]]:
    """The points at ``x``, ``y`` (British National Grid), as :func:`geopandas.points_from_xy`
    makes them, and their longitude and latitude (:func:`bng_to_wgs84`).

    For a large estate both are made in :data:`READERS` slices side by side (GEOS and PROJ
    work outside the interpreter's lock): the points of one slice while another's are
    transformed, instead of every point first and the transform after.
    """
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if len(x) <= _SPLIT_TRANSFORM_ABOVE:
        return gpd.points_from_xy(x, y), bng_to_wgs84(x, y)
    bounds = np.linspace(0, len(x), READERS + 1).astype(int)
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds.tolist())]
    work = [(True, part) for part in slices] + [(False, part) for part in slices]

    def run(item: tuple[bool, slice]) -> object:
        make_points, part = item
        return shapely.points(x[part], y[part]) if make_points else bng_to_wgs84(x[part], y[part])

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        done = list(pool.map(run, work))
    points, lonlat = done[: len(slices)], done[len(slices) :]
    lon = np.concatenate([p[0] for p in lonlat])
    lat = np.concatenate([p[1] for p in lonlat])
    return gpd.array.GeometryArray(np.concatenate(points)), (lon, lat)


def _none_for_missing(column: pd.Series) -> pd.Series:
    """The column as objects with ``None`` where missing (a text column from cleaning already is)."""
    if column.dtype == object:
        values = column.to_numpy()
        try:
            nan = values != values  # only NaN differs from itself; None and text do not
        except TypeError:  # pd.NA, whose truth is ambiguous
            nan = None
        if isinstance(nan, np.ndarray) and nan.dtype == bool and not nan.any():
            return column
    return column.astype(object).where(column.notna(), None)


#: Registers read (and placed) at once: two, as a 2-core machine has; Arrow, regular
#: expressions and GEOS work outside the interpreter's lock, so two registers go nearly
#: twice as fast as one.
READERS: Final = 2

_T = TypeVar("_T")
_Loaded = tuple[RawRegister, CleanRegister]
_R = TypeVar("_R")


def _each(work: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    """``work`` on every item, :data:`READERS` at a time, the results in the items' order.

    The first item (in order) whose work failed raises its error, as a loop would.
    """
    if len(items) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(READERS, len(items))) as pool:
        return list(pool.map(work, items))


def build_estate(
    config: Config,
    *,
    postcodes: PostcodeLookup | None = None,
    uprns: UprnLookup | None = None,
    progress: Callable[[str], None] | None = None,
) -> Estate:
    """Combine every partner's register into one estate layer.

    Parameters
    ----------
    config : Config
        The validated run configuration.
    postcodes : PostcodeLookup, optional
        Defaults to the ONSPD named in the config, or the packaged directory.
    uprns : UprnLookup, optional
        Defaults to the config's ``uprn_lookup`` when it names one.
    progress : callable, optional
        Called with a short message as each register is started.

    Returns
    -------
    Estate
        ``assets`` is a GeoDataFrame of points in EPSG:27700 with :data:`schema.ASSET_COLUMNS`.
    """
    postcodes = postcodes or PostcodeLookup(config.postcodes)
    if uprns is None and config.uprn_lookup is not None:
        uprns = UprnLookup(config.uprn_lookup)
    timings: dict[str, float] = {}
    placed = _place_all(config, postcodes=postcodes, uprns=uprns, progress=progress, timings=timings)
    parts, rejects, warnings, summaries = (list(x) for x in zip(*placed, strict=True))
    t0 = time.perf_counter()
    # One table and one array of points for the whole estate (not one per register, concatenated).
    xy = (np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]))
    assets = _typed(pd.concat([p[0] for p in parts], ignore_index=True), xy)
    estate = Estate(
        assets=assets,
        rejects=pd.concat(rejects, ignore_index=True),
        warnings=pd.concat(warnings, ignore_index=True),
        partners=summaries,
        timings=timings,
    )
    timings["combine"] += time.perf_counter() - t0
    return estate


def _place_all(
    config: Config,
    *,
    postcodes: PostcodeLookup,
    uprns: UprnLookup | None,
    progress: Callable[[str], None] | None,
    timings: dict[str, float],
) -> list[_Assembled]:
    """:func:`place_partner` for every partner, in the config's order: every register read and
    cleaned (:data:`READERS` at a time), then every one placed, then each one's layer, rejects,
    warnings and summary made. The seconds of each phase go in ``timings`` (``read_clean``,
    ``geocode``, ``combine``)."""
    partners, base_dir = list(config.partners), config.base_dir

    def read(partner: PartnerConfig) -> tuple[RawRegister, CleanRegister]:
        if progress is not None:
            progress(f"Reading {partner.name}: {partner.register_file.name}")
        return load_partner(partner, base_dir=base_dir)

    def place(item: tuple[PartnerConfig, _Loaded]) -> tuple[pd.DataFrame, GeocodeResult]:
        partner, (raw, clean) = item
        return _geocode_loaded(partner, raw, clean, postcodes=postcodes, uprns=uprns)

    t0 = time.perf_counter()
    loaded = _each(read, partners)
    t1 = time.perf_counter()
    placed = _each(place, list(zip(partners, loaded, strict=True)))
    t2 = time.perf_counter()

    def assemble(item: tuple[PartnerConfig, _Loaded, tuple[pd.DataFrame, GeocodeResult]]) -> _Assembled:
        partner, (raw, clean), (rows, result) = item
        return _assemble(partner, base_dir, raw, clean, rows, result)

    # each register's rows taken and warnings gathered :data:`READERS` at a time (Arrow's takes,
    # NumPy and the register's SHA-256 work outside the interpreter's lock), in the config's order
    out = _each(assemble, list(zip(partners, loaded, placed, strict=True)))
    timings.update(read_clean=t1 - t0, geocode=t2 - t1, combine=time.perf_counter() - t2)
    return out


__all__ = ["Estate", "PartnerSummary", "build_estate", "place_partner"]
