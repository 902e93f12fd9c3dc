"""Test helpers shared by the test modules: paths, the real-data skip, the test database's helpers.

Imported by the test modules (``from support import DEMO``) and by ``conftest.py``, which holds the
fixtures; kept out of ``conftest.py`` so no test module imports from it (as geopandas keeps its
helpers in ``geopandas.testing``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
#: Real published registers beside the project (../shared/realdata), or where ASSETMAP_REALDATA says.
REALDATA = Path(os.environ.get("ASSETMAP_REALDATA", REPO.parent / "shared" / "realdata"))


def realdata(*parts: str) -> Path:
    """Path to a file in ../shared/realdata, skipping the test when it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


# --- A throwaway PostgreSQL/PostGIS server for the database tests -------------------------------

#: Passwords of the test server's users: distinctive, so a test can show they are nowhere in an output.
PG_ADMIN_PASSWORD = "Adm1n-Pw-7c1d9e"
PG_USER = "estate_writer"
PG_PASSWORD = "Wr1ter-Pw-3f8a2b"


def pg_bindir() -> Path | None:
    """Directory of initdb and pg_ctl: $PG_BINDIR, else Debian's newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    ) if Path("/usr/lib/postgresql").is_dir() else []
    return found[-1].parent if found else None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 (password login only)."""

    def __init__(self, bindir: Path, root: Path, port: int, run_as: str | None) -> None:
        self.bindir, self.root, self.port, self.run_as = bindir, root, port, run_as
        self.host = "127.0.0.1"
        self._count = 0

    def pg(self, *args: str) -> None:
        """Run a server program as the server's (non-root) user."""
        import subprocess

        cmd = [str(self.bindir / args[0]), *args[1:]]
        subprocess.run(cmd, check=True, user=self.run_as, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def url(self, dbname: str, *, user: str = PG_USER, password: str | None = PG_PASSWORD) -> str:
        """``postgresql://user:password@127.0.0.1:port/dbname`` (no password part when None)."""
        who = f"{user}:{password}" if password is not None else user
        return f"postgresql://{who}@{self.host}:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit connection as the superuser."""
        import psycopg

        url = self.url(dbname, user="postgres", password=PG_ADMIN_PASSWORD)
        return psycopg.connect(url, autocommit=True)

    def create_database(self, *, postgis: bool = True) -> str:
        """A new database owned by the test user (with PostGIS unless told not to); returns its name."""
        self._count += 1
        name = f"test_{self._count}"
        template = "template_postgis" if postgis else "template0"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {PG_USER} TEMPLATE {template}")
        return name


def load_table(url: str, table: str, frame: object, *, key: str | None = None) -> None:
    """Put a register (DataFrame, or GeoDataFrame with its CRS kept) into a new database table.

    ``key`` adds an integer primary key column numbered from 1, as a partner's table might have.
    Column types are those assetmap stores the same pandas types as.
    """
    import geopandas as gpd
    import psycopg
    import shapely
    from psycopg import sql

    from assetmap.postgis._write import column_values, pg_type

    schema, name = table.split(".")
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    attrs = [str(c) for c in frame.columns if c != geom]
    types = {c: pg_type(frame[c]) for c in attrs}
    defs = [sql.SQL("{} integer PRIMARY KEY").format(sql.Identifier(key))] if key else []
    defs += [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in attrs]
    data = [column_values(frame[c], types[c]) for c in attrs]
    if key:
        data.insert(0, list(range(1, len(frame) + 1)))
    placeholders = ["%s"] * len(data)
    if geom:
        srid = frame.crs.to_epsg() if frame.crs else 0
        defs.append(sql.SQL("geom geometry(Geometry, {})").format(sql.Literal(srid)))
        wkb = shapely.to_wkb(shapely.set_srid(frame.geometry.to_numpy(), srid), include_srid=True)
        data.append([None if g is None else bytes(g) for g in wkb])
        placeholders.append("ST_GeomFromEWKB(%s)")
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        create = sql.SQL("CREATE TABLE {} ({})")
        conn.execute(create.format(sql.Identifier(schema, name), sql.SQL(", ").join(defs)))
        insert = sql.SQL("INSERT INTO {} VALUES ({})").format(
            sql.Identifier(schema, name), sql.SQL(", ").join(sql.SQL(p) for p in placeholders)
        )
        conn.cursor().executemany(insert, list(zip(*data, strict=True)))
