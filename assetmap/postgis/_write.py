"""Write a run's layers into PostGIS tables: one transaction, binary COPY, one period replaced.

Every table holds every period: ``period`` (``2026-Q3``, or ``run`` for a plain ``assetmap
run``) and ``fid`` (the row's place in the layer, from 1) come first, then the layer's
columns typed as in the GeoPackage, then ``geom`` (EPSG:27700, with a GiST index). Writing a
period deletes that period's rows and copies the new ones in, all in one transaction held
under an advisory lock on the schema: readers see the old period until the commit, a run
that fails or is killed leaves every table as it was, and two runs at once take turns.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import DatabaseError, PeriodError
from ._connect import connect, database_failure, psycopg_module
from ._source import DatabaseTarget

if TYPE_CHECKING:
    import psycopg

#: The period of a plain ``assetmap run`` (no ``--period``): replaced by every plain run.
PLAIN_RUN = "run"
#: Columns that identify a row within a period, per table (others: ``fid``).
KEYS: dict[str, tuple[str, ...]] = {
    "assets": ("partner", "source_row"),
    "clusters": ("cluster_id",),
    "opportunities": ("rank",),
}
#: The geometry type of each table's ``geom`` (others: any geometry).
GEOMETRY_TYPES: dict[str, str] = {"assets": "Point"}
RUNS_TABLE = "runs"
#: First key of the advisory lock taken while writing (the second is the schema's hash).
LOCK_CLASS = 0x61736D  # "asm"
#: PostgreSQL type -> the name psycopg's binary COPY is told (geometry travels as EWKB).
COPY_TYPES: dict[str, str] = {
    "text": "text",
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "double precision": "float8",
    "real": "float4",
    "boolean": "bool",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "geometry": "bytea",
}


def pg_type(series: pd.Series) -> str:
    """The PostgreSQL type a column of a layer is stored as (the GeoPackage's type for the same data)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer" if dtype.itemsize <= 4 and pd.api.types.is_signed_integer_dtype(dtype) else "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "real" if dtype.itemsize == 4 else "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamp with time zone"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp without time zone"
    values = series.dropna()
    if len(values) and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values):
        return "date"
    return "text"


def _whole(value: float, column: str) -> int:
    if not float(value).is_integer():
        raise DatabaseError(f"column {column!r} holds whole numbers in the database but this run has {value}")
    return int(value)


def column_values(series: pd.Series, pgtype: str) -> list[Any]:
    """A column's values as Python objects for COPY, with ``None`` for missing."""
    if pgtype == "geometry":
        geoms = shapely.set_srid(np.asarray(series, dtype=object), 27700)
        wkb = shapely.to_wkb(geoms, include_srid=True)
        return [None if g is None else bytes(g) for g in wkb]
    missing = pd.isna(series).to_numpy()
    if pgtype in {"double precision", "real"}:
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan).tolist()
    elif pgtype in {"bigint", "integer", "smallint"}:
        name = str(series.name)
        values = [None if gone else _whole(v, name) for v, gone in zip(series.tolist(), missing, strict=True)]
    elif pgtype == "boolean":
        values = [None if gone else bool(v) for v, gone in zip(series.tolist(), missing, strict=True)]
    elif pgtype.startswith("timestamp"):
        stamps = zip(series.tolist(), missing, strict=True)
        values = [None if gone else pd.Timestamp(v).to_pydatetime() for v, gone in stamps]
    elif pgtype == "date":
        days = zip(series.tolist(), missing, strict=True)
        values = [None if gone else pd.Timestamp(v).date() for v, gone in days]
    else:
        values = [v if isinstance(v, str) else str(v) for v in series.astype(object).tolist()]
    return [None if gone else v for v, gone in zip(values, missing, strict=True)]


def _sql() -> Any:
    return psycopg_module().sql


def _ident(*names: str) -> Any:
    return _sql().Identifier(*names)


def _columns(cur: psycopg.Cursor, schema: str, table: str) -> dict[str, str]:
    """The table's columns and types, in order (empty when there is no such table)."""
    cur.execute(
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p') "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, table),
    )
    return {name: kind for name, kind in cur.fetchall()}


def _layer_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The layer's columns and the types they are stored as (``geom`` for its geometry)."""
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = {str(c): pg_type(frame[c]) for c in frame.columns if c != geom}
    clash = {"period", "fid", "geom"} & set(out)
    if clash:  # the layers are assetmap's own: a clash is a bug, not user input
        raise RuntimeError(f"layer column(s) {sorted(clash)} clash with the database's own columns")
    if geom is not None:
        out["geom"] = "geometry"
    return out


def _create_table(cur: psycopg.Cursor, schema: str, table: str, columns: dict[str, str]) -> None:
    sql = _sql()
    defs = [sql.SQL("period text NOT NULL"), sql.SQL("fid integer NOT NULL")]
    for name, kind in columns.items():
        if kind == "geometry":
            shape = GEOMETRY_TYPES.get(table, "Geometry")
            defs.append(sql.SQL("geom geometry({}, 27700)").format(sql.SQL(shape)))
        else:
            defs.append(sql.SQL("{} {}").format(_ident(name), sql.SQL(kind)))
    keys = [_ident(k) for k in ("period", *KEYS.get(table, ("fid",)))]
    defs.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(keys)))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(_ident(schema, table), sql.SQL(", ").join(defs)))
    if "geom" in columns:
        index = _ident(f"{table}_geom_idx")
        cur.execute(sql.SQL("CREATE INDEX {} ON {} USING gist (geom)").format(index, _ident(schema, table)))


def _prepare_table(cur: psycopg.Cursor, schema: str, table: str, columns: dict[str, str]) -> dict[str, str]:
    """Create the table, or add the layer's new columns to it; return the stored types."""
    have = _columns(cur, schema, table)
    if not have:
        _create_table(cur, schema, table, columns)
        return _columns(cur, schema, table)
    for name, kind in columns.items():
        if name not in have:
            sql = _sql()
            kind_sql = sql.SQL("geometry(Geometry, 27700)" if kind == "geometry" else kind)
            alter = sql.SQL("ALTER TABLE {} ADD COLUMN {} {}")
            cur.execute(alter.format(_ident(schema, table), _ident(name), kind_sql))
        elif have[name] not in COPY_TYPES:
            kind = have[name]
            msg = f"column {name!r} of table {schema}.{table} is of type {kind}, which assetmap cannot write"
            raise DatabaseError(msg)
    return _columns(cur, schema, table)


def copy_layer(
    cur: psycopg.Cursor, schema: str, table: str, frame: pd.DataFrame, *, period: str
) -> int:
    """Replace one period's rows of a table with a layer's rows (binary COPY); return the rows written.

    Parameters
    ----------
    cur : psycopg.Cursor
        A cursor in the run's transaction.
    schema, table : str
        Where the layer goes; the table is created, or given the layer's new columns.
    frame : DataFrame or GeoDataFrame
        The layer; a GeoDataFrame's geometry becomes ``geom`` (EPSG:27700).
    period : str
        The period whose rows are replaced.
    """
    columns = _layer_columns(frame)
    stored = _prepare_table(cur, schema, table, columns)
    sql = _sql()
    cur.execute(sql.SQL("DELETE FROM {} WHERE period = %s").format(_ident(schema, table)), (period,))
    names = list(columns)
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    data = [[period] * len(frame), list(range(1, len(frame) + 1))]
    for name in names:
        series = frame[geom] if name == "geom" else frame[name]
        data.append(column_values(series, stored[name]))
    types = ["text", "int4", *(COPY_TYPES[stored[n]] for n in names)]
    target = sql.SQL(", ").join([_ident("period"), _ident("fid"), *(_ident(n) for n in names)])
    query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(_ident(schema, table), target)
    with cur.copy(query) as copy:
        copy.set_types(types)
        for row in zip(*data, strict=True):
            copy.write_row(row)
    return len(frame)


def _ensure_runs_table(cur: psycopg.Cursor, schema: str) -> None:
    sql = _sql()
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_ident(schema)))
    cur.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (period text PRIMARY KEY, title text, "
            "written_at timestamp with time zone NOT NULL DEFAULT now(), assetmap_version text, "
            "row_counts jsonb NOT NULL, record jsonb NOT NULL)"
        ).format(_ident(schema, RUNS_TABLE))
    )


def period_tables(cur: psycopg.Cursor, schema: str) -> list[str]:
    """assetmap's layer tables in a schema: those with ``period`` and ``fid`` columns."""
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relname <> %s "
        "AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid "
        "AND a.attname IN ('period', 'fid') AND NOT a.attisdropped) = 2 ORDER BY c.relname",
        (schema, RUNS_TABLE),
    )
    return [r[0] for r in cur.fetchall()]


def _view_columns(cur: psycopg.Cursor, schema: str, view: str) -> list[str] | None:
    cur.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
        "AND c.relkind = 'v' AND a.attnum > 0 ORDER BY a.attnum",
        (schema, view),
    )
    names = [r[0] for r in cur.fetchall()]
    return names or None


def _create_views(cur: psycopg.Cursor, schema: str, tables: Iterable[str]) -> None:
    """``<table>_latest`` for every table: the newest quarter, or the plain run when there is none.

    A view is (re)made only when it is missing or its table has gained columns, so a run
    never waits for the exclusive lock on a view that QGIS or another reader is using.
    """
    sql = _sql()
    latest = sql.SQL(
        "(SELECT r.period FROM {} r ORDER BY r.period = {}, r.period DESC LIMIT 1)"
    ).format(_ident(schema, RUNS_TABLE), sql.Literal(PLAIN_RUN))
    pick = sql.SQL("SELECT * FROM {} WHERE period = {}")
    views = {f"{t}_latest": (pick.format(_ident(schema, t), latest), t) for t in tables}
    if "assets" in tables:
        shared = sql.SQL("SELECT * FROM {} WHERE NOT sensitive").format(_ident(schema, "assets_latest"))
        views["assets_latest_shared"] = (shared, "assets")
    for view, (query, table) in views.items():
        if _view_columns(cur, schema, view) != list(_columns(cur, schema, table)):
            cur.execute(sql.SQL("CREATE OR REPLACE VIEW {} AS {}").format(_ident(schema, view), query))


def require_postgis(cur: psycopg.Cursor, target: DatabaseTarget) -> None:
    """Stop with a clear message when the database has no PostGIS extension."""
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    if cur.fetchone() is None:
        cur.execute("SELECT current_database()")
        name = cur.fetchone()[0]
        msg = (
            f"the database {target.display} has no PostGIS: ask its administrator to run "
            f"CREATE EXTENSION postgis; in database {name!r} (Debian: install postgresql-postgis first)"
        )
        raise DatabaseError(msg)


def stored_periods(cur: psycopg.Cursor, schema: str) -> list[str]:
    """Periods written into the schema, oldest first (``run`` last); empty when there are none."""
    cur.execute("SELECT to_regclass(%s)", (f'"{schema}"."{RUNS_TABLE}"',))
    if cur.fetchone()[0] is None:
        return []
    sql = _sql()
    cur.execute(
        sql.SQL("SELECT period FROM {} ORDER BY period = {}, period").format(
            _ident(schema, RUNS_TABLE), sql.Literal(PLAIN_RUN)
        )
    )
    return [r[0] for r in cur.fetchall()]


def _refuse_existing(cur: psycopg.Cursor, target: DatabaseTarget, period: str, replace: bool) -> None:
    if replace:
        return
    sql = _sql()
    cur.execute(
        sql.SQL("SELECT 1 FROM {} WHERE period = %s").format(_ident(target.schema, RUNS_TABLE)), (period,)
    )
    if cur.fetchone() is not None:
        msg = (
            f"period {period} is already in the database {target.display} (schema {target.schema}): "
            "use --force to replace it with a new run"
        )
        raise PeriodError(msg)


def _json(record: dict[str, object]) -> str:
    return json.dumps(record, sort_keys=True, default=str, allow_nan=False) if record else "{}"


def _record_json(record: dict[str, object]) -> str:
    try:
        return _json(record)
    except ValueError:  # NaN somewhere: JSON has no NaN, store null as run.json readers expect
        return json.dumps(_no_nan(record), sort_keys=True, default=str)


def _no_nan(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def write_run(
    target: DatabaseTarget,
    *,
    layers: dict[str, pd.DataFrame],
    record: dict[str, object],
    period: str | None = None,
    replace: bool = False,
) -> dict[str, int]:
    """Write a run's layers as one period, in one transaction.

    Parameters
    ----------
    target : DatabaseTarget
        The database and schema (created when missing).
    layers : dict of DataFrame
        Table name -> layer (``assets``, ``clusters``, ``opportunities``, ``areas``...).
    record : dict
        The run record (``run.json``), kept in the ``runs`` table.
    period : str, optional
        The quarter; None for a plain run (stored as ``run`` and replaced every time).
    replace : bool
        Replace the period when it is already there (``--force``); a plain run always does.

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    PeriodError
        If the period is there already and ``replace`` is false (nothing is changed).
    DatabaseError
        If the database cannot be reached, has no PostGIS, or refuses a statement.
    """
    pg = psycopg_module()
    name = period or PLAIN_RUN
    replace = replace or period is None
    try:
        with connect(target.conninfo) as conn, conn.cursor() as cur:
            require_postgis(cur, target)
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, target.schema))
            _ensure_runs_table(cur, target.schema)
            _refuse_existing(cur, target, name, replace)
            counts = {t: copy_layer(cur, target.schema, t, f, period=name) for t, f in layers.items()}
            sql = _sql()
            for stale in set(period_tables(cur, target.schema)) - set(layers):
                table = _ident(target.schema, stale)
                cur.execute(sql.SQL("DELETE FROM {} WHERE period = %s").format(table), (name,))
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (period, title, assetmap_version, row_counts, record, written_at) "
                    "VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, now()) ON CONFLICT (period) DO UPDATE SET "
                    "title = EXCLUDED.title, assetmap_version = EXCLUDED.assetmap_version, "
                    "row_counts = EXCLUDED.row_counts, record = EXCLUDED.record, written_at = now()"
                ).format(_ident(target.schema, RUNS_TABLE)),
                (
                    name, record.get("title"),
                    record.get("assetmap_version"),
                    _json(counts),
                    _record_json(record),
                ),
            )
            _create_views(cur, target.schema, period_tables(cur, target.schema))
    except pg.Error as exc:
        raise database_failure(exc, target.conninfo, doing=f"writing period {name}") from None
    return counts


def check_target(target: DatabaseTarget, *, period: str | None = None, replace: bool = True) -> None:
    """Before a run: the database answers, has PostGIS, and (unless replacing) lacks the period.

    Writes nothing; :func:`write_run` checks the period again under its lock.

    Raises
    ------
    DatabaseError
        If the database cannot be reached, refuses the credentials, or has no PostGIS.
    PeriodError
        If ``period`` is already there and ``replace`` is false.
    """
    pg = psycopg_module()
    try:
        with connect(target.conninfo, read_only=True) as conn, conn.cursor() as cur:
            require_postgis(cur, target)
            if period is not None and not replace and period in stored_periods(cur, target.schema):
                msg = f"{period} is already in the database {target.display}: use --force to replace it"
                raise PeriodError(msg)
    except pg.Error as exc:
        raise database_failure(exc, target.conninfo, doing="checking the database") from None


__all__ = [
    "COPY_TYPES", "KEYS", "PLAIN_RUN", "RUNS_TABLE", "check_target", "column_values", "copy_layer",
    "period_tables", "pg_type", "require_postgis", "stored_periods", "write_run",
]  # fmt: skip
