"""The shared estate database: runs written to PostGIS, registers read from it, periods compared.

Every test here uses a real PostgreSQL server with PostGIS (the session fixture in conftest.py
starts a throwaway one); they are skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from support import DEMO, PG_ADMIN_PASSWORD, PG_PASSWORD, PG_USER, REPO, PostgresServer, load_table

from assetmap._errors import PeriodError
from assetmap.cli import cli
from assetmap.compare import compare_runs, load_run
from assetmap.config import load_config
from assetmap.estate import place_partner
from assetmap.geocode import PostcodeLookup
from assetmap.postgis import load_period, parse_target, read_layer, write_run
from assetmap.quarter import run_quarter
from assetmap.registers import read_register

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'assetmap[postgis]')")
KENT = DEMO / "kent"


def _copy_kent(dest: Path) -> Path:
    """A copy of the Kent demo (configs and registers, no outputs) to run against a database."""
    shutil.copytree(KENT, dest, ignore=shutil.ignore_patterns("out", "runs"))
    return dest


def _estate(n: int, *, seed: int) -> dict[str, pd.DataFrame]:
    """Layers shaped like a run's: assets (every column type), clusters and opportunities."""
    rng = np.random.default_rng(seed)
    x, y = 560_000 + rng.random(n) * 50_000, 140_000 + rng.random(n) * 40_000
    lease = pd.to_datetime("2027-03-31") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    assets = gpd.GeoDataFrame(
        {
            "asset_id": [f"A{seed}-{i}" for i in range(n)],
            "name": pd.array([None if i % 7 == 0 else f"Site {i} £ 'é'" for i in range(n)], dtype="str"),
            "utilisation": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "lease_expiry": pd.Series(lease).where(rng.random(n) < 0.5).astype("datetime64[ms]"),
            "sensitive": rng.random(n) < 0.05,
            "partner": pd.array([f"Partner {i % 3}" for i in range(n)], dtype="str"),
            "source_row": np.arange(2, n + 2, dtype=np.int64),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:27700",
    )
    hulls = [shapely.Point(x[i], y[i]).buffer(50) for i in range(min(n, 5))]
    clusters = gpd.GeoDataFrame(
        {"cluster_id": pd.array([f"C{i:03d}" for i in range(len(hulls))], dtype="str"), "assets": 2},
        geometry=hulls,
        crs="EPSG:27700",
    )
    opps = pd.DataFrame({"rank": np.arange(1, 4, dtype=np.int64), "annual_saving_gbp": [3.5, 2.0, np.nan]})
    return {"assets": assets, "clusters": clusters, "opportunities": opps}


def _snapshot(url: str) -> dict[str, str]:
    """An md5 of every row of every table in the assetmap schema (the runs table without timestamps)."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'assetmap' "
                "AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        out = {}
        for table in tables:
            cols = "period, row_counts, record" if table == "runs" else "*"
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM (SELECT {cols} FROM assetmap.{table}) t"
            ).fetchone()
            out[table] = f"{row[0]}:{row[1]}"
    return out


def _periods(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT period FROM assetmap.runs ORDER BY period")]


def _assert_layer_equal(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same columns, types, values and (byte for byte) geometries."""
    if isinstance(expected, gpd.GeoDataFrame):
        assert list(expected.geometry.to_wkb()) == list(got.geometry.to_wkb())
        expected = pd.DataFrame(expected.drop(columns="geometry"))
        got = pd.DataFrame(got.drop(columns="geometry"))
    pd.testing.assert_frame_equal(expected, got)


# --- A plain run from the command line, with one register in the database ------------------------


@pytest.fixture(scope="module")
def plain_run(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """``assetmap run`` of the Kent demo with ``output.postgis`` added (passwords in the URLs).

    The NHS register is read from a table of the same database (its URL also carries the password).
    """
    url = postgres_server.url(postgres_server.create_database())
    place = _copy_kent(tmp_path_factory.mktemp("plain") / "kent")
    nhs = gpd.read_file(place / "registers" / "kent_medway_nhs_estate.gpkg", layer="estate")
    load_table(url, "registers.nhs_estate", nhs, key="id")
    cfg = place / "assetmap.yaml"
    text = cfg.read_text("utf-8")
    old = "register: registers/kent_medway_nhs_estate.gpkg\n  layer: estate\n"
    assert old in text
    text = text.replace(old, f"register: {url}?table=registers.nhs_estate\n")
    cfg.write_text(text + f"output: {{postgis: '{url}'}}\n", "utf-8")
    command = [sys.executable, "-m", "assetmap", "run", str(cfg)]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return {"url": url, "out": place / "out", "output": proc.stdout + proc.stderr, "nhs_rows": len(nhs)}


@pytest.mark.slow
def test_plain_run_round_trips_the_geopackage(plain_run: dict[str, object]) -> None:
    url, out = str(plain_run["url"]), Path(plain_run["out"])
    target = parse_target(url)
    for layer in ("assets", "clusters"):
        in_file = pyogrio.read_dataframe(out / "estate.gpkg", layer=layer)
        _assert_layer_equal(in_file, read_layer(target, layer, "run"))
    # the same RunData as the folder gives, opportunities and record included
    files, stored = load_run(out), load_period(target, "run")
    pd.testing.assert_frame_equal(files.assets, stored.assets)
    pd.testing.assert_frame_equal(files.opportunities, stored.opportunities)
    assert {k: v for k, v in files.record.items() if k != "database"} == stored.record
    assert files.record["database"]["rows"]["assets"] == len(files.assets) > 200
    # the NHS rows came from the table: numbered by its key, nothing lost
    nhs = next(p for p in files.record["partners"] if p["name"] == "Kent & Medway NHS")
    assert nhs["rows_read"] == plain_run["nhs_rows"] == nhs["placed"] + nhs["rejected"]
    with psycopg.connect(url) as conn:
        kinds = dict(conn.execute("SELECT f_table_name, type || ':' || srid FROM geometry_columns"))
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname='assetmap'")}
        latest = conn.execute("SELECT count(*) FROM assetmap.assets_latest").fetchone()[0]
    assert kinds["assets"] == "POINT:27700" and kinds["assets_latest"] == "POINT:27700"
    assert kinds["clusters"].endswith(":27700")
    assert {"assets_geom_idx", "clusters_geom_idx", "assets_pkey"} <= indexes
    assert latest == len(files.assets)
    assert "Database: postgresql://estate_writer:***@" in str(plain_run["output"])


def _texts_in(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes, and for spreadsheets every member of the zip."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found[str(path)] = path.read_bytes()
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as zf:
                    found |= {f"{path}:{n}": zf.read(n) for n in zf.namelist()}
    return found


@pytest.mark.slow
def test_credentials_are_in_no_output(plain_run: dict[str, object]) -> None:
    secrets = (PG_PASSWORD, PG_ADMIN_PASSWORD)
    files = _texts_in(Path(plain_run["out"]))
    assert len(files) > 10
    for name, data in files.items():
        for secret in secrets:
            assert secret.encode() not in data, name
    assert not any(s in str(plain_run["output"]) for s in secrets)
    with psycopg.connect(str(plain_run["url"])) as conn:
        stored = conn.execute(
            "SELECT (SELECT string_agg(record::text, '') FROM assetmap.runs) || "
            "(SELECT string_agg(DISTINCT source_file, '|') FROM assetmap.assets)"
        ).fetchone()[0]
    assert not any(s in stored for s in secrets)
    assert f"postgresql://{PG_USER}:***@" in stored  # the table's register is named, password masked


# --- Quarterly runs and the comparison across the database ------------------------------------------


@pytest.fixture(scope="module")
def quarters(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """Kent's 2026-Q2 and 2026-Q3 quarterly runs, each written to the files and to one database."""
    url = postgres_server.url(postgres_server.create_database())
    place = _copy_kent(tmp_path_factory.mktemp("quarters") / "kent")
    for cfg in (place / "q2" / "assetmap.yaml", place / "assetmap.yaml"):
        cfg.write_text(cfg.read_text("utf-8") + f"output: {{postgis: '{url}', schema: assetmap}}\n", "utf-8")
    runs = place / "runs"
    run_quarter(place / "q2" / "assetmap.yaml", "2026-Q2", runs_dir=runs)
    q3 = run_quarter(place / "assetmap.yaml", "2026-Q3", runs_dir=runs)
    return {"url": url, "place": place, "runs": runs, "q3": q3}


@pytest.mark.slow
def test_compare_two_periods_in_the_database(quarters: dict[str, object], tmp_path: Path) -> None:
    url, runs = str(quarters["url"]), Path(quarters["runs"])
    assert _periods(url) == ["2026-Q2", "2026-Q3"]
    target = parse_target(url)
    from_files = compare_runs(runs / "2026-Q2", runs / "2026-Q3")
    from_db = compare_runs(load_period(target, "2026-Q2"), load_period(target, "latest"))
    assert (from_db.previous, from_db.current) == ("2026-Q2", "2026-Q3")
    pd.testing.assert_frame_equal(from_files.changes, from_db.changes)
    pd.testing.assert_frame_equal(from_files.opportunities, from_db.opportunities)
    assert from_files.counts == from_db.counts and from_files.savings == from_db.savings
    assert from_db.counts["added"] >= 1 and from_db.counts["removed"] >= 1  # the demo's known changes
    result = CliRunner().invoke(
        cli, ["compare", "--database", url, "2026-Q2", "2026-Q3", "--out", str(tmp_path / "cmp")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cmp" / "changes.csv").read_bytes() == (runs / "2026-Q3" / "changes.csv").read_bytes()
    assert PG_PASSWORD not in result.output


@pytest.mark.slow
def test_latest_view_shows_the_newest_quarter(quarters: dict[str, object]) -> None:
    url, q3 = str(quarters["url"]), quarters["q3"]
    with psycopg.connect(url) as conn:
        latest = conn.execute("SELECT DISTINCT period FROM assetmap.assets_latest").fetchall()
        count = conn.execute("SELECT count(*) FROM assetmap.assets_latest").fetchone()[0]
        shared = "SELECT count(*) FROM assetmap.assets_latest_shared WHERE sensitive"
        hidden = conn.execute(shared).fetchone()[0]
    assert latest == [("2026-Q3",)]
    assert count == len(q3.run.plan.assets)
    assert hidden == 0
    assert q3.database["period"] == "2026-Q3"
    assert load_run(q3.run_dir).record["database"] == q3.database


@pytest.mark.slow
def test_a_period_in_the_database_is_not_replaced_without_force(
    quarters: dict[str, object], tmp_path: Path
) -> None:
    url, place = str(quarters["url"]), Path(quarters["place"])
    before = _snapshot(url)
    with pytest.raises(PeriodError, match=r"2026-Q3 is already in the database .*--force"):
        run_quarter(place / "assetmap.yaml", "2026-Q3", runs_dir=tmp_path / "other-runs")
    assert _snapshot(url) == before
    assert not (tmp_path / "other-runs").exists()  # refused before the run started


# --- Periods: re-runs, concurrent runs, a run killed half-way ----------------------------------------


def test_a_period_rerun_replaces_that_period_only(postgis_db: str) -> None:
    target = parse_target(postgis_db)
    write_run(target, layers=_estate(50, seed=1), record={"title": "Q2"}, period="2026-Q2")
    write_run(target, layers=_estate(60, seed=2), record={"title": "Q3"}, period="2026-Q3")
    before = _snapshot(postgis_db)
    with pytest.raises(PeriodError, match="use --force"):
        write_run(target, layers=_estate(70, seed=3), record={}, period="2026-Q2")
    assert _snapshot(postgis_db) == before
    q3 = read_layer(target, "assets", "2026-Q3")
    new = _estate(40, seed=3)
    counts = write_run(target, layers=new, record={"title": "Q2 again"}, period="2026-Q2", replace=True)
    assert counts == {"assets": 40, "clusters": 5, "opportunities": 3}
    _assert_layer_equal(new["assets"], read_layer(target, "assets", "2026-Q2"))
    _assert_layer_equal(new["opportunities"], read_layer(target, "opportunities", "2026-Q2"))
    _assert_layer_equal(q3, read_layer(target, "assets", "2026-Q3"))
    assert _periods(postgis_db) == ["2026-Q2", "2026-Q3"]


def test_plain_runs_replace_their_own_period(postgis_db: str) -> None:
    target = parse_target(postgis_db)
    write_run(target, layers=_estate(30, seed=1), record={})
    write_run(target, layers=_estate(20, seed=2), record={})  # no --force needed: a plain run is replaced
    assert len(read_layer(target, "assets", "run")) == 20
    with psycopg.connect(postgis_db) as conn:
        assert conn.execute("SELECT DISTINCT period FROM assetmap.assets_latest").fetchall() == [("run",)]
        write_run(target, layers=_estate(10, seed=3), record={}, period="2026-Q1")
        assert conn.execute("SELECT DISTINCT period FROM assetmap.assets_latest").fetchall() == [("2026-Q1",)]
    assert _periods(postgis_db) == ["2026-Q1", "run"]


def test_two_periods_written_at_once_lose_nothing(postgis_db: str) -> None:
    target = parse_target(postgis_db)
    layers = {"2026-Q1": _estate(20_000, seed=1), "2026-Q2": _estate(15_000, seed=2)}
    errors: list[BaseException] = []

    def write(period: str) -> None:
        try:
            write_run(target, layers=layers[period], record={"title": period}, period=period)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in layers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    for period, estate in layers.items():
        _assert_layer_equal(estate["assets"], read_layer(target, "assets", period))
    assert _periods(postgis_db) == ["2026-Q1", "2026-Q2"]


_KILLED_WRITER = """
import geopandas as gpd, numpy as np, pandas as pd
from assetmap.postgis import parse_target, write_run
n = 400_000
rng = np.random.default_rng(5)
assets = gpd.GeoDataFrame(
    {"partner": pd.array(["P"] * n, dtype="str"), "source_row": np.arange(n, dtype=np.int64),
     "name": pd.array([f"Site {i}" for i in range(n)], dtype="str"), "utilisation": rng.random(n),
     "sensitive": np.zeros(n, dtype=bool)},
    geometry=gpd.points_from_xy(560000 + rng.random(n), 140000 + rng.random(n)), crs="EPSG:27700")
write_run(parse_target(URL), layers={"assets": assets}, record={}, period="2026-Q1", replace=True)
"""


def test_a_run_killed_half_way_leaves_the_tables_as_they_were(
    postgres_server: PostgresServer, postgis_db: str
) -> None:
    target = parse_target(postgis_db)
    write_run(target, layers=_estate(100, seed=1), record={"title": "Q1"}, period="2026-Q1")
    before = _snapshot(postgis_db)
    script = textwrap.dedent(_KILLED_WRITER).replace("URL", repr(postgis_db))
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 300
        with postgres_server.admin() as conn:
            while not conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'assetmap' "
                "AND state = 'active' AND query LIKE 'COPY %'"
            ).fetchone()[0]:
                assert proc.poll() is None, "the writer ended before it was seen copying"
                assert time.monotonic() < deadline, "the writer never started copying"
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # mid-COPY, after it deleted the period's old rows
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _snapshot(postgis_db) == before
    write_run(target, layers=_estate(10, seed=2), record={}, period="2026-Q2")  # the lock is free again
    assert _periods(postgis_db) == ["2026-Q1", "2026-Q2"]


# --- Registers read from a table, a view or a query -----------------------------------------------


def _partner(place: Path, name: str, **update: object) -> tuple[object, Path]:
    cfg = load_config(place / "assetmap.yaml")
    partner = next(p for p in cfg.partners if p.name == name)
    return partner.model_copy(update=update), cfg.base_dir


def _placed(partner: object, base_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    placed = place_partner(partner, base_dir=base_dir, postcodes=PostcodeLookup(None))
    assets, rejects = placed[0], placed[1]
    return pd.DataFrame(assets), rejects


def test_a_register_from_a_table_reads_as_the_file_does(postgis_db: str, tmp_path: Path) -> None:
    from assetmap.postgis import parse_source

    place = _copy_kent(tmp_path / "kent")
    gpkg = place / "registers" / "kent_medway_nhs_estate.gpkg"
    load_table(postgis_db, "registers.nhs", gpd.read_file(gpkg, layer="estate").to_crs("EPSG:4326"), key="id")
    file_raw = read_register(gpkg, layer="estate")
    table = parse_source(f"{postgis_db}?table=registers.nhs").with_query(None)
    table_raw = read_register(table)
    pd.testing.assert_frame_equal(file_raw.frame, table_raw.frame.drop(columns="id"))
    assert list(table_raw.source_row) == list(file_raw.source_row)  # the integer key
    distance = file_raw.geometry.distance(table_raw.geometry)  # stored in degrees, read back in metres
    assert distance.max() < 0.01
    file_partner, base = _partner(place, "Kent & Medway NHS")
    db_partner = file_partner.model_copy(update={"register_file": table})
    (a_file, r_file), (a_db, r_db) = _placed(file_partner, base), _placed(db_partner, base)
    assert len(a_db) + len(r_db) == len(table_raw.frame) == len(a_file) + len(r_file)
    assert set(a_db["source_file"]) == {table.label} and PG_PASSWORD not in table.label
    cols = ["asset_id", "name", "postcode", "use", "gia_m2", "utilisation", "geocode_method", "source_row"]
    pd.testing.assert_frame_equal(a_file[cols], a_db[cols])


def test_a_register_from_a_query_of_text_columns(postgis_db: str, tmp_path: Path) -> None:
    from assetmap.postgis import parse_source

    place = _copy_kent(tmp_path / "kent")
    csv = place / "registers" / "kcc_property_terrier.csv"
    file_raw = read_register(csv)
    load_table(postgis_db, "registers.kcc", file_raw.frame)  # headings with spaces, every cell text
    select = 'SELECT * FROM registers.kcc WHERE "Property Ref" IS NOT NULL;'
    query = parse_source(postgis_db).with_query(select)
    table_raw = read_register(query)
    expected = file_raw.frame[file_raw.frame["Property Ref"].notna()].reset_index(drop=True)
    pd.testing.assert_frame_equal(expected, table_raw.frame)
    assert list(table_raw.source_row) == list(range(1, len(expected) + 1))  # row numbers: no key
    file_partner, base = _partner(place, "Kent County Council")
    db_partner = file_partner.model_copy(update={"register_file": query})
    (a_file, _), (a_db, r_db) = _placed(file_partner, base), _placed(db_partner, base)
    assert len(a_db) + len(r_db) == len(expected)
    cols = ["asset_id", "name", "postcode", "running_cost_gbp", "utilisation", "lease_expiry", "geometry"]
    pd.testing.assert_frame_equal(
        a_file[a_file["asset_id"].isin(a_db["asset_id"])][cols].reset_index(drop=True), a_db[cols]
    )


def test_check_shows_a_table_register(postgis_db: str, tmp_path: Path) -> None:
    place = _copy_kent(tmp_path / "kent")
    load_table(postgis_db, "registers.kfrs", read_register(place / "registers" / "kfrs_sites.csv").frame)
    cfg = place / "assetmap.yaml"
    table = f"register: {postgis_db}?table=registers.kfrs"
    text = cfg.read_text("utf-8").replace("register: registers/kfrs_sites.csv", table)
    cfg.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["check", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "registers.kfrs (" in result.output and PG_PASSWORD not in result.output


# --- Credentials from the environment, and clear errors ---------------------------------------------


def test_service_name_and_pgpassword_from_the_environment(
    postgres_server: PostgresServer, postgis_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbname = postgis_db.rsplit("/", 1)[1]
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[estate]\nhost={postgres_server.host}\nport={postgres_server.port}\ndbname={dbname}\nuser={PG_USER}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
    target = parse_target("estate")
    write_run(target, layers=_estate(5, seed=1), record={}, period="2026-Q4")
    assert target.display == "service=estate"
    assert len(read_layer(target, "assets", "2026-Q4")) == 5


def _tiny_config(tmp_path: Path, *, register: str | None = None, output: str | None = None) -> Path:
    """The Kent fire service's register alone (or a database register), optionally with an output database."""
    place = tmp_path / "tiny"
    (place / "registers").mkdir(parents=True)
    shutil.copy(KENT / "registers" / "kfrs_sites.csv", place / "registers")
    register = register or "registers/kfrs_sites.csv"
    lines = ["title: Tiny", "partners:", "- name: Fire", f"  register: {register}"]
    if output:
        lines.append(f"output: {{postgis: '{output}'}}")
    (place / "assetmap.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return place / "assetmap.yaml"


def _run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_clear_errors_for_the_database(
    postgres_server: PostgresServer, postgis_db: str, tmp_path: Path
) -> None:
    wrong = "Wr0ng-Pw-91e3"
    closed = f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{_closed_port()}/estate"
    bad_password = postgis_db.replace(PG_PASSWORD, wrong)
    no_postgis = postgres_server.url(postgres_server.create_database(postgis=False))
    cases = {
        closed: "the database server is not answering",
        bad_password: f"the server refused the password for user '{PG_USER}'",
        no_postgis: "has no PostGIS: ask its administrator to run CREATE EXTENSION postgis",
    }
    for i, (url, expected) in enumerate(cases.items()):
        code, output = _run_cli("run", str(_tiny_config(tmp_path / str(i), output=url)))
        assert code == 1, output
        assert expected in output
        assert "Traceback" not in output and PG_PASSWORD not in output and wrong not in output
        assert f"{PG_USER}:***@" in output
    missing = f"{postgis_db}?table=registers.nope"
    code, output = _run_cli("run", str(_tiny_config(tmp_path / "m", register=missing)))
    assert code == 1 and "there is no table or view 'registers.nope'" in output
    assert "Traceback" not in output and PG_PASSWORD not in output
    code, output = _run_cli("compare", "--database", postgis_db, "2026-Q1", "2026-Q2")
    assert code == 1 and "has no assetmap periods" in output and PG_PASSWORD not in output


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


# --- Addresses: parsed, and shown without their password -------------------------------------------


def test_addresses_are_shown_without_their_password(tmp_path: Path) -> None:
    from assetmap._errors import ConfigError
    from assetmap.postgis import mask_password, parse_source

    secret = "S3cr%40t-pw"  # percent-encoded @ in a URL
    url = f"postgresql://gis:{secret}@db.example:5433/estate?sslmode=require&password=Other-pw"
    shown = mask_password(url)
    assert shown == "postgresql://gis:***@db.example:5433/estate?sslmode=require&password=***"
    assert mask_password("host=db password='a b c' user=gis") == "host=db password=*** user=gis"
    source = parse_source(f"postgresql://gis:{secret}@db/estate?table=property.sites&sslmode=require")
    assert source.table == "property.sites" and "table=" not in source.conninfo
    assert source.label == "postgresql://gis:***@db/estate?sslmode=require&table=property.sites"
    assert parse_target("estate").conninfo == "service=estate"
    assert parse_target("postgresql://gis@db/estate?schema=board").schema == "board"
    with pytest.raises(ValueError, match="must not name a table"):
        parse_target("postgresql://gis@db/estate?table=x")
    cfg = tmp_path / "assetmap.yaml"
    cfg.write_text(
        "title: t\npartners:\n- name: A\n"
        f"  register: postgresql://gis:{secret}@db/estate\n"  # no table and no query
        f"output: {{postgis: 'postgresql://gis:{secret}@db/estate', schema: Bad-Name}}\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    message = str(caught.value)
    assert "needs the table: add ?table=schema.name" in message and "schema 'Bad-Name'" in message
    assert secret not in message and "S3cr@t" not in message and "gis:***@db" in message
