"""Quarterly runs: one directory per period, no accidental overwrite, safe failure, runs/latest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from support import DEMO

from assetmap import pipeline, quarter
from assetmap import report as board_report
from assetmap._errors import PeriodError
from assetmap.cli import cli
from assetmap.compare import load_run
from assetmap.quarter import Period, latest_run, list_periods, parse_period, previous_run, run_quarter
from assetmap.testing import make_run_dir

CONFIG = "title: Test place\npartners:\n  - {name: Council, kind: council, register: r.csv}\n"
Q2_ASSETS = [
    {"asset_id": "A1", "name": "Civic Centre", "x": 575000, "y": 155000, "utilisation": 0.9},
    {"asset_id": "A2", "name": "Old Depot", "x": 576000, "y": 155000, "utilisation": 0.3},
]
Q3_ASSETS = [
    Q2_ASSETS[0] | {"utilisation": 0.6},
    {"asset_id": "A3", "name": "New Hub", "x": 577000, "y": 155000},
]


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A config file (the fake runner does not read it beyond validation)."""
    (tmp_path / "r.csv").write_text("Ref,Name,Postcode\nA1,Civic Centre,ME14 1AA\n", "utf-8")
    cfg = tmp_path / "assetmap.yaml"
    cfg.write_text(CONFIG, "utf-8")
    return cfg


def fake_runner(assets: list[dict], fail: bool = False):
    def run(config: Path, out_dir: Path, **_: object) -> str:
        make_run_dir(Path(out_dir), assets)
        if fail:
            raise RuntimeError("disk full half-way")
        return "ok"

    return run


def test_parse_period() -> None:
    assert parse_period("2026-Q3") == Period(2026, 3)
    assert parse_period("2026-q1").previous() == Period(2025, 4)
    assert str(Period(2026, 2)) == "2026-Q2"
    with pytest.raises(PeriodError) as err:
        parse_period("2026Q5")
    assert str(err.value) == "period '2026Q5' is not like 2026-Q3 (a year, a dash, then Q1, Q2, Q3 or Q4)"


def test_two_quarters_compare_and_latest(place: Path) -> None:
    runs = place.parent / "runs"
    first = run_quarter(place, "2026-Q2", runner=fake_runner(Q2_ASSETS))
    assert first.run_dir == runs / "2026-Q2" and first.previous_dir is None and first.changes is None
    assert latest_run(runs) == runs / "2026-Q2"
    assert (runs / "latest").is_symlink() and os.readlink(runs / "latest") == "2026-Q2"
    second = run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    assert second.previous_dir == runs / "2026-Q2"
    assert latest_run(runs) == runs / "2026-Q3"
    assert list_periods(runs) == [Period(2026, 2), Period(2026, 3)]
    changes = pd.read_csv(runs / "2026-Q3" / "changes.csv", encoding="utf-8-sig")
    assert sorted(changes["change"]) == ["added", "removed", "utilisation_fell"]
    assert json.loads((runs / "2026-Q3" / "quarter.json").read_text("utf-8")) == {
        "config": str(place.resolve()), "moved_m": 50.0, "period": "2026-Q3", "previous_period": "2026-Q2",
        "utilisation_points": 10.0,
    }  # fmt: skip
    for name in ("report.html", "report.pdf", "changes.xlsx", "estate.gpkg"):
        assert (runs / "2026-Q3" / name).is_file(), name
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]  # no staging left behind
    # Re-running an older period keeps latest on the newest.
    run_quarter(place, "2026-Q2", runner=fake_runner(Q2_ASSETS), force=True)
    assert latest_run(runs) == runs / "2026-Q3"
    assert previous_run(runs, "2027-Q1") == runs / "2026-Q3"


def test_same_period_needs_force_and_gives_identical_figures(place: Path) -> None:
    runs = place.parent / "runs"
    run_quarter(place, "2026-Q2", runner=fake_runner(Q2_ASSETS))
    run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    before = {n: (runs / "2026-Q3" / n).read_bytes() for n in ("changes.csv", "report.html", "report.pdf")}
    with pytest.raises(PeriodError) as err:
        run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    assert str(err.value) == f"{runs / '2026-Q3'} already exists: use --force to replace it with a new run"
    run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS), force=True)
    after = {n: (runs / "2026-Q3" / n).read_bytes() for n in before}
    assert after == before


@pytest.mark.parametrize("where", ["run", "report"])
def test_failed_run_leaves_previous_period_and_latest_untouched(
    place: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    runs = place.parent / "runs"
    run_quarter(place, "2026-Q2", runner=fake_runner(Q2_ASSETS))
    run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    snapshot = {p.relative_to(runs): p.read_bytes() for p in runs.rglob("*") if p.is_file()}
    link = os.readlink(runs / "latest")
    if where == "report":

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("matplotlib fell over")

        monkeypatch.setattr(board_report, "write_report", broken)
    runner = fake_runner(Q2_ASSETS, fail=(where == "run"))
    for period, force in (("2026-Q4", False), ("2026-Q3", True)):
        with pytest.raises(RuntimeError):
            run_quarter(place, period, runner=runner, force=force)
        assert {p.relative_to(runs): p.read_bytes() for p in runs.rglob("*") if p.is_file()} == snapshot
        assert os.readlink(runs / "latest") == link
        assert sorted(p.name for p in runs.iterdir()) == ["2026-Q2", "2026-Q3", "latest"]


def test_latest_file_where_symlinks_fail(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(*args: object, **kwargs: object) -> None:
        raise OSError("symbolic links not permitted")

    monkeypatch.setattr(quarter.os, "symlink", no_symlinks)
    run_quarter(place, "2026-Q2", runner=fake_runner(Q2_ASSETS))
    runs = place.parent / "runs"
    assert (runs / "LATEST").read_text("utf-8") == "2026-Q2\n"
    assert latest_run(runs) == runs / "2026-Q2"


def test_cli_quarter_messages(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "run", fake_runner(Q2_ASSETS))
    res = CliRunner().invoke(cli, ["quarter", str(place), "--period", "2026-Q2"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == f"2026-Q2: {place.parent.resolve() / 'runs' / '2026-Q2'}"
    res = CliRunner().invoke(cli, ["quarter", str(place), "--period", "2026-Q2"])
    assert res.exit_code == 1
    target = place.parent.resolve() / "runs" / "2026-Q2"
    assert res.output == f"Error: {target} already exists: use --force to replace it with a new run\n"
    res = CliRunner().invoke(cli, ["quarter", str(place), "--period", "Q3 2026"])
    assert res.exit_code == 1
    assert (
        res.output == "Error: period 'Q3 2026' is not like 2026-Q3 (a year, a dash, then Q1, Q2, Q3 or Q4)\n"
    )


@pytest.mark.slow
def test_demo_two_quarters_with_the_real_pipeline(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    run_quarter(DEMO / "kent" / "q2" / "assetmap.yaml", "2026-Q2", runs_dir=runs)
    q3 = run_quarter(DEMO / "kent" / "assetmap.yaml", "2026-Q3", runs_dir=runs)
    assert q3.changes is not None
    assert (q3.changes.changes["change"] != "rating_changed").sum() == 5
    pack = openpyxl.load_workbook(runs / "2026-Q3" / "board_pack.xlsx", read_only=True)
    assert pack.sheetnames == [
        "summary", "clusters", "opportunities", "assets", "rejects", "areas", "change summary", "changes",
        "opportunity changes", "data quality",
    ]  # fmt: skip
    first = {n: (runs / "2026-Q3" / n).read_bytes() for n in ("changes.csv", "report.html", "changes.xlsx")}
    assets = load_run(runs / "2026-Q3").assets
    run_quarter(DEMO / "kent" / "assetmap.yaml", "2026-Q3", runs_dir=runs, force=True)
    assert {n: (runs / "2026-Q3" / n).read_bytes() for n in first} == first
    pd.testing.assert_frame_equal(load_run(runs / "2026-Q3").assets, assets)
    assert latest_run(runs) == runs / "2026-Q3"


def test_second_run_of_a_period_under_way_is_refused(place: Path) -> None:
    runs = place.parent / "runs"
    runs.mkdir()
    lock = runs / ".2026-Q3.lock"
    lock.write_text("123\n")
    with pytest.raises(PeriodError) as err:
        run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    assert str(err.value) == (
        f"another run of 2026-Q3 is under way ({lock} exists); "
        "if none is running, delete that file and try again"
    )
    assert not (runs / "2026-Q3").exists()
    lock.unlink()
    run_quarter(place, "2026-Q3", runner=fake_runner(Q3_ASSETS))
    assert (runs / "2026-Q3" / "run.json").is_file()
    assert not lock.exists()  # released after the run
