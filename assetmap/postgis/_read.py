"""Read from PostGIS: a stored period's layers (typed as the GeoPackage reads), and registers."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import CompareError, RegisterError
from ..registers._raw import RawRegister, cell_text, clean_heading, unique_names
from ..registers._vector import points_27700
from ..schema import BNG
from ._connect import connect, database_failure, psycopg_module
from ._source import DatabaseSource, DatabaseTarget, scrub
from ._write import RUNS_TABLE, _columns, _ident, _sql, stored_periods

if TYPE_CHECKING:
    import psycopg

    from ..compare import RunData


def _series(values: list[Any], pgtype: str) -> pd.Series:
    """A column read back, with the dtype pyogrio gives the same GeoPackage field."""
    if pgtype in {"double precision", "real"}:
        return pd.Series(np.array([np.nan if v is None else v for v in values], dtype=float))
    has_none = any(v is None for v in values)
    if pgtype in {"bigint", "integer", "smallint"}:
        if has_none:
            return pd.Series(np.array([np.nan if v is None else v for v in values], dtype=float))
        return pd.Series(np.array(values, dtype="int64" if pgtype == "bigint" else "int32"))
    if pgtype == "boolean":
        return pd.Series(values, dtype=object if has_none else bool)
    if pgtype.startswith("timestamp"):
        return pd.to_datetime(pd.Series(values, dtype=object)).dt.as_unit("ms")
    if pgtype == "text":
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object)


def _read_layer(cur: psycopg.Cursor, schema: str, table: str, period: str) -> pd.DataFrame:
    stored = _columns(cur, schema, table)
    names = [n for n in stored if n not in {"period", "fid"}]
    sql = _sql()
    picks = [
        sql.SQL("ST_AsBinary(geom)") if stored[n] == "geometry" else _ident(n) for n in names
    ]
    cur.execute(
        sql.SQL("SELECT {} FROM {} WHERE period = %s ORDER BY fid").format(
            sql.SQL(", ").join(picks), _ident(schema, table)
        ),
        (period,),
    )
    rows = cur.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    data: dict[str, pd.Series] = {}
    geometry = None
    for name, values in zip(names, columns, strict=True):
        if stored[name] == "geometry":
            wkb = [None if v is None else bytes(v) for v in values]
            geometry = gpd.GeoSeries(shapely.from_wkb(np.array(wkb, dtype=object)), crs=BNG)
        else:
            data[name] = _series(list(values), stored[name])
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=geometry.rename("geometry"), crs=BNG)


def read_layer(target: DatabaseTarget, table: str, period: str) -> pd.DataFrame:
    """One period of one table, typed as :func:`pyogrio.read_dataframe` reads the GeoPackage layer.

    Parameters
    ----------
    target : DatabaseTarget
    table : str
        ``assets``, ``clusters``, ``opportunities``...
    period : str
        ``2026-Q3``, or ``run`` for a plain run.

    Returns
    -------
    DataFrame or GeoDataFrame
        In the layer's order; geometry (if any) as ``geometry`` in EPSG:27700.
    """
    pg = psycopg_module()
    try:
        with connect(target.conninfo, read_only=True) as conn, conn.cursor() as cur:
            return _read_layer(cur, target.schema, table, period)
    except pg.Error as exc:
        raise database_failure(exc, target.conninfo, doing=f"reading {table} of {period}") from None


def _pick_period(cur: psycopg.Cursor, target: DatabaseTarget, period: str) -> str:
    periods = stored_periods(cur, target.schema)
    if not periods:
        raise CompareError(f"{target.display} has no assetmap periods in schema {target.schema!r}")
    if period == "latest":
        quarters = [p for p in periods if p != "run"]
        return (quarters or periods)[-1]
    if period not in periods:
        raise CompareError(f"{target.display}: there is no period {period!r}; it has {', '.join(periods)}")
    return period


def load_period(target: DatabaseTarget, period: str) -> RunData:
    """A stored period as the :class:`~assetmap.compare.RunData` ``compare.load_run`` gives for its folder.

    Parameters
    ----------
    target : DatabaseTarget
    period : str
        ``2026-Q3``, ``run`` (the plain run) or ``latest``.

    Raises
    ------
    CompareError
        If the schema has no such period.
    DatabaseError
        If the database cannot be read.
    """
    from ..compare import RunData, assets_with_xy, read_opportunities
    from ..outputs import csv_text

    pg = psycopg_module()
    try:
        with connect(target.conninfo, read_only=True) as conn, conn.cursor() as cur:
            name = _pick_period(cur, target, period)
            assets = _read_layer(cur, target.schema, "assets", name)
            opps = None
            if _columns(cur, target.schema, "opportunities"):
                frame = _read_layer(cur, target.schema, "opportunities", name)
                opps = read_opportunities(io.StringIO(csv_text(frame)))
            runs = _ident(target.schema, RUNS_TABLE)
            cur.execute(_sql().SQL("SELECT record FROM {} WHERE period = %s").format(runs), (name,))
            record = cur.fetchone()[0]
    except pg.Error as exc:
        raise database_failure(exc, target.conninfo, doing=f"reading period {period}") from None
    assets = assets_with_xy(assets)
    return RunData(path=Path(name), label=name, assets=assets, opportunities=opps, record=record)


def _quoted(part: str) -> str:
    part = part.strip()
    return part if re.match(r"^[a-z_][a-z0-9_$]*$", part) else '"' + part.replace('"', '""') + '"'


def _table_regclass(cur: psycopg.Cursor, source: DatabaseSource) -> int:
    """The table's oid, or a RegisterError listing the tables that are there."""
    qualified = ".".join(_quoted(p) for p in (source.table or "").split("."))
    cur.execute("SELECT to_regclass(%s)::oid", (qualified,))
    oid = cur.fetchone()[0]
    if oid is not None:
        return oid
    cur.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 30"
    )
    there = [r[0] for r in cur.fetchall()]
    listing = f"; the tables and views you can see are: {', '.join(there)}" if there else ""
    msg = f"{source.label}: there is no table or view {source.table!r}{listing}"
    raise RegisterError(msg)


def _integer_key(cur: psycopg.Cursor, oid: int) -> str | None:
    """The table's primary key column when it is a single whole-number column."""
    cur.execute(
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisprimary",
        (oid,),
    )
    keys = cur.fetchall()
    if len(keys) == 1 and keys[0][1] in {"smallint", "integer", "bigint"}:
        return keys[0][0]
    return None


def _spatial_types(cur: psycopg.Cursor) -> dict[int, str]:
    cur.execute("SELECT to_regtype('geometry')::oid, to_regtype('geography')::oid")
    geometry, geography = cur.fetchone()
    return {oid: kind for oid, kind in ((geometry, "geometry"), (geography, "geography")) if oid}


def _source_rows(cur: psycopg.Cursor, source: DatabaseSource) -> tuple[Any, str | None]:
    """The FROM clause for the register and the key column giving ``source_row`` (if any)."""
    sql = _sql()
    if source.query:
        return sql.SQL("({}) AS register").format(sql.SQL(source.query)), None
    oid = _table_regclass(cur, source)
    cur.execute("SELECT %s::regclass::text", (oid,))  # the name as PostgreSQL quotes it
    return sql.SQL(cur.fetchone()[0]), _integer_key(cur, oid)


def _fetch(
    cur: psycopg.Cursor, source: DatabaseSource
) -> tuple[list[str], list[tuple], str | None, int | None]:
    """Column names, rows, the key column and the index of the geometry column of a register."""
    sql = _sql()
    from_sql, key = _source_rows(cur, source)
    cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(from_sql))
    described = [(d.name, d.type_code) for d in cur.description]
    spatial = _spatial_types(cur)
    picks, geom_index = [], None
    for i, (name, oid) in enumerate(described):
        kind = spatial.get(oid)
        col = _ident(name)
        if kind and geom_index is None:
            geom_index = i
            picks.append(sql.SQL("ST_AsEWKB({}::geometry)").format(col))
        elif kind:
            picks.append(sql.SQL("ST_AsText({})").format(col))
        else:
            picks.append(col)
    order = sql.SQL(" ORDER BY {}").format(_ident(key)) if key else sql.SQL("")
    cur.execute(sql.SQL("SELECT {} FROM {}{}").format(sql.SQL(", ").join(picks), from_sql, order))
    names = [name for name, _ in described]
    return names, cur.fetchall(), key, geom_index


def _geometry(values: list[Any]) -> gpd.GeoSeries:
    """EWKB values (any SRID, or none) as representative points in EPSG:27700."""
    geoms = shapely.from_wkb(np.array([None if v is None else bytes(v) for v in values], dtype=object))
    srids = shapely.get_srid(geoms)
    out = gpd.GeoSeries([None] * len(values), crs=BNG)
    present = ~shapely.is_missing(geoms)
    for srid in sorted(set(srids[present].tolist())):
        pick = present & (srids == srid)
        part = gpd.GeoSeries(geoms[pick], crs=f"EPSG:{srid}" if srid else None)
        out[np.flatnonzero(pick)] = points_27700(part).to_numpy()
    return out


def _raw_register(
    source: DatabaseSource, names: list[str], rows: list[tuple], key: str | None, geom_index: int | None
) -> RawRegister:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    attrs = [i for i in range(len(names)) if i != geom_index]
    headings = unique_names([clean_heading(names[i]) or f"Field {i + 1}" for i in attrs])
    data = {h: [cell_text(v) for v in columns[i]] for h, i in zip(headings, attrs, strict=True)}
    frame = pd.DataFrame(data, columns=headings, dtype=object, index=pd.RangeIndex(len(rows)))
    geometry = _geometry(list(columns[geom_index])) if geom_index is not None else None
    if key is not None:
        source_row = np.array(columns[names.index(key)], dtype=np.int64)
    else:
        source_row = np.arange(1, len(rows) + 1, dtype=np.int64)
    keep = frame.notna().any(axis=1).to_numpy()
    if geometry is not None:
        keep = keep | geometry.notna().to_numpy()
        geometry = geometry[keep].reset_index(drop=True)
    return RawRegister(Path(source.name), frame[keep].reset_index(drop=True), source_row[keep], geometry)


def read_table_register(source: DatabaseSource) -> RawRegister:
    """Read a partner's register from a table, view or query as the file readers read a file.

    Every cell becomes text as a person would see it (``12``, ``2027-03-31``, ``TRUE``); the
    first geometry column becomes representative points in EPSG:27700 (as for a GeoPackage);
    ``source_row`` is the table's primary key when that is one whole-number column, else the
    row's number (from 1) in the order the database returns them. Rows with no value at all
    are skipped, as blank rows of a file are.

    Raises
    ------
    RegisterError
        If the table does not exist, the query fails, or there are no rows.
    DatabaseError
        If the database cannot be reached or refuses the credentials.
    """
    pg = psycopg_module()
    try:
        with connect(source.conninfo, read_only=True) as conn, conn.cursor() as cur:
            names, rows, key, geom_index = _fetch(cur, source)
    except pg.errors.InsufficientPrivilege as exc:
        raise database_failure(exc, source.conninfo, doing=f"reading {source.name}") from None
    except pg.Error as exc:
        what = "the query" if source.query else f"table {source.table!r}"
        reason = scrub(" ".join(str(exc).split()), source.conninfo)
        raise RegisterError(f"{source.label}: {what} cannot be read: {reason}") from None
    raw = _raw_register(source, names, rows, key, geom_index)
    if raw.frame.empty:
        raise RegisterError(f"{source.label}: the register has no rows")
    return raw


__all__ = ["load_period", "read_layer", "read_table_register"]
