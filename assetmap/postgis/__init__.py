"""The shared estate database: PostGIS as well as files.

``output.postgis`` in the config writes each run's layers (``assets``, ``clusters``,
``opportunities``, and any other layer of ``estate.gpkg`` such as ``areas``) into tables of
one schema, one period at a time (:func:`publish_run`); a partner's ``register:`` may be a
table, view or query (:func:`read_table_register`); and two stored periods can be compared
(:func:`load_period`). psycopg 3 is imported only when a database is used, so everything
else works without the ``postgis`` extra.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pyogrio

from .._errors import CompareError
from ._connect import connect, psycopg_module
from ._read import load_period, read_layer, read_table_register
from ._source import (
    DatabaseSource,
    DatabaseTarget,
    is_database_url,
    mask_password,
    parse_source,
    parse_target,
    register_source,
)
from ._write import PLAIN_RUN, check_target, copy_layer, stored_periods, write_run

if TYPE_CHECKING:
    import pandas as pd

    from ..compare import RunData
    from ..config import OutputConfig
    from ..registers import RawRegister


def output_target(output: OutputConfig) -> DatabaseTarget:
    """The database a config's ``output:`` writes to (``output.postgis`` must be set)."""
    if not output.postgis:
        raise ValueError("output.postgis is not set")
    return parse_target(output.postgis, schema=output.db_schema)


def publish_run(
    output: OutputConfig,
    *,
    estate: Path,
    opportunities: pd.DataFrame | None,
    record: dict[str, object],
    period: str | None = None,
    replace: bool = False,
) -> dict[str, object]:
    """Write a finished run into the config's database, as one period, in one transaction.

    Parameters
    ----------
    output : OutputConfig
        The config's ``output:`` (``postgis`` and ``schema``).
    estate : Path
        The run's ``estate.gpkg``: every layer in it is written, typed as it is stored there.
    opportunities : DataFrame, optional
        The plan's opportunities (``opportunities.csv``'s rows, typed).
    record : dict
        The run record (``run.json``).
    period : str, optional
        The quarter (``2026-Q3``); None for a plain run (period ``run``, replaced each time).
    replace : bool
        Replace the period if it is already there (``--force``).

    Returns
    -------
    dict
        What was written, for ``run.json``: the database (password masked), schema, period,
        rows per table and seconds taken.
    """
    t0 = time.perf_counter()
    target = output_target(output)
    names = [str(name) for name in pyogrio.list_layers(estate)[:, 0]]
    layers: dict[str, pd.DataFrame] = {  # through Arrow: the same frames, 7x faster
        name: pyogrio.read_dataframe(estate, layer=name, use_arrow=True) for name in names
    }
    if opportunities is not None:
        layers["opportunities"] = opportunities
    rows = write_run(target, layers=layers, record=record, period=period, replace=replace)
    return {
        "database": target.display,
        "schema": target.schema,
        "period": period or PLAIN_RUN,
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def database_runs(database: str, *periods: str) -> list[RunData]:
    """Load periods from a database given as text (``compare --database``), as compare's RunData.

    Raises
    ------
    CompareError
        If the address is not a database or a period is not there.
    """
    try:
        target = parse_target(database)
    except ValueError as exc:
        raise CompareError(f"--database: {exc}") from None
    return [load_period(target, p) for p in periods]


def register_digest(raw: RawRegister) -> str:
    """SHA-256 of a register read from a database: its cells, row numbers and geometry as read."""
    digest = hashlib.sha256()
    digest.update(raw.frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    digest.update(raw.source_row.astype("<i8").tobytes())
    if raw.geometry is not None:
        for geom in raw.geometry:
            digest.update(b"-" if geom is None else geom.wkb)
    return digest.hexdigest()


__all__ = [
    "PLAIN_RUN",
    "DatabaseSource",
    "DatabaseTarget",
    "check_target",
    "connect",
    "copy_layer",
    "database_runs",
    "is_database_url",
    "load_period",
    "mask_password",
    "output_target",
    "parse_source",
    "parse_target",
    "psycopg_module",
    "publish_run",
    "read_layer",
    "read_table_register",
    "register_digest",
    "register_source",
    "stored_periods",
    "write_run",
]  # fmt: skip
