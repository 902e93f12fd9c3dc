"""Shared fixtures (the helpers they use, and test modules import, are in ``support.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import PG_ADMIN_PASSWORD, PG_PASSWORD, PG_USER, PostgresServer, free_port, pg_bindir


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL with PostGIS for the session (skipped where it is not installed)."""
    import shutil
    import subprocess
    import tempfile

    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'assetmap[postgis]')")
    bindir = pg_bindir()
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
    server = PostgresServer(bindir, root, free_port(), run_as)
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
