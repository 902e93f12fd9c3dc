"""Shared fixtures and assertion helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
#: Real published registers beside the project (../shared/realdata), or where ASSETMAP_REALDATA says.
REALDATA = Path(os.environ.get("ASSETMAP_REALDATA", REPO.parent / "shared" / "realdata"))


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep lookup caches out of the user's home during tests (one cache per session)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ASSETMAP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


#: The Chromium the browser tests drive (Debian's; Playwright's own download is never used).
CHROMIUM = os.environ.get("ASSETMAP_CHROMIUM", "/usr/bin/chromium")
_CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium through Playwright, one for the session (skipped, saying why, where missing)."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=_CHROMIUM_ARGS)
        yield launched
        launched.close()


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


def _pg_bindir() -> Path | None:
    """Directory of initdb and pg_ctl: $PG_BINDIR, else Debian's newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    ) if Path("/usr/lib/postgresql").is_dir() else []
    return found[-1].parent if found else None


def _free_port() -> int:
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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL with PostGIS for the session (skipped where it is not installed)."""
    import shutil
    import subprocess
    import tempfile

    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'assetmap[postgis]')")
    bindir = _pg_bindir()
    if bindir is None or not (bindir / "initdb").is_file() or not (bindir / "pg_config").is_file():
        pytest.skip("PostgreSQL is not installed (make test installs postgresql with apt)")
    share = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    if share.returncode != 0 or not (Path(share.stdout.strip()) / "extension" / "postgis.control").is_file():
        pytest.skip("PostGIS is not installed (make test installs postgresql-postgis with apt)")
    run_as = "nobody" if os.geteuid() == 0 else None  # initdb refuses to run as root
    root = Path(tempfile.mkdtemp(prefix="assetmap-pg-"))
    if run_as:
        shutil.chown(root, user=run_as)
    (root / "pw").write_text(PG_ADMIN_PASSWORD + "\n")
    if run_as:
        shutil.chown(root / "pw", user=run_as)
    server = PostgresServer(bindir, root, _free_port(), run_as)
    server.pg("initdb", "-D", str(root / "data"), "-U", "postgres", f"--pwfile={root / 'pw'}",
              "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    options = (
        f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    server.pg("pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-o", options, "-w", "start")
    try:
        with server.admin() as conn:
            conn.execute(f"CREATE ROLE {PG_USER} LOGIN PASSWORD '{PG_PASSWORD}'")
            conn.execute("CREATE DATABASE template_postgis")
        with server.admin("template_postgis") as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield server
    finally:
        server.pg("pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgis_db(postgres_server: PostgresServer) -> str:
    """URL (with the test user's password) of a fresh database with PostGIS."""
    return postgres_server.url(postgres_server.create_database())


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
