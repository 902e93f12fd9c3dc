"""A run's outputs are one set: killed at any moment, out/ holds the previous run or the new one.

The runs here are real ``assetmap run`` processes killed with SIGKILL. To kill them at known
points the test sets ``ASSETMAP_TEST_PAUSE_AFTER`` (a test-only hook in ``pipeline.py``: the
run says "paused after <point>" on stderr and sleeps there).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assetmap._errors import OutputError
from assetmap._io import clean_staging, make_staging, swap_in
from assetmap.pipeline import run

REGISTER = (
    "Ref,Name,Postcode,Easting,Northing,GIA,Running Cost,Utilisation\n"
    "A1,Civic Centre,ME14 1AA,575800,156300,2400,310000,85%\n"
    "A2,Library,ME14 1AB,575900,156350,800,120000,40%\n"
    "A3,Office,ME14 1AD,575950,156300,1200,150000,30%\n"
    "A4,Depot,ZZ99 9ZZ,,,100,5000,50%\n"
)
POLICE = REGISTER.splitlines()[0] + "\nP1,Station,ME14 1AE,575850,156250,900,99000,90%\n"
CONFIG = """\
title: Staging test
as_of: 2026-09-30
partners:
  - {name: Council, kind: council, register: council.csv,
     columns: {asset_id: Ref, name: Name, postcode: Postcode, easting: Easting, northing: Northing,
               gia_m2: GIA, running_cost_gbp: Running Cost, utilisation: Utilisation}}
  - {name: Police, kind: police, register: police.csv,
     columns: {asset_id: Ref, name: Name, postcode: Postcode, easting: Easting, northing: Northing,
               gia_m2: GIA, running_cost_gbp: Running Cost, utilisation: Utilisation}}
"""
POINTS = ("estate", "board_pack", "pictures", "before_swap")


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with its SHA-256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def start(config: Path, out: Path, pause: str | None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("ASSETMAP_TEST_PAUSE_AFTER", None)
    if pause:
        env["ASSETMAP_TEST_PAUSE_AFTER"] = pause
    cmd = [sys.executable, "-m", "assetmap", "run", str(config), "--out", str(out), "--quiet"]
    return subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)


def wait_for_pause(proc: subprocess.Popen[str], point: str) -> None:
    deadline = time.monotonic() + 300
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.strip() == f"assetmap: paused after {point}":
            return
        if not line and proc.poll() is not None:
            pytest.fail(f"run ended before pausing after {point}: exit {proc.returncode}")
    pytest.fail(f"run never paused after {point}")


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "place").mkdir()
    (tmp_path / "place" / "council.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "place" / "police.csv").write_text(POLICE, encoding="utf-8")
    config = tmp_path / "place" / "assetmap.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


@pytest.mark.slow
def test_killed_run_leaves_the_previous_set(place: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "out"  # --out anywhere: staging goes beside it
    run(place, out)
    previous = fingerprint(out)
    assert {"run.json", "estate.gpkg", "board_pack.xlsx", "map.html", "map.png"} <= set(previous)
    # The registers change, so the next run's set differs from the previous one in every table.
    (place.parent / "council.csv").write_text(REGISTER.replace("310000", "320000"), encoding="utf-8")

    for point in POINTS:
        proc = start(place, out, pause=point)
        try:
            wait_for_pause(proc, point)
            staging = [p.name for p in out.parent.iterdir() if p.name.startswith(".out.staging-")]
            assert len(staging) == 1, staging  # the new set is being written beside out/
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.stderr is not None
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        assert fingerprint(out) == previous, point

    proc = start(place, out, pause=None)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    new = fingerprint(out)
    assert set(new) == set(previous)
    assert all(new[name] != previous[name] for name in ("estate.gpkg", "board_pack.xlsx", "run.json"))
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert sorted(record["outputs"]) == sorted(set(new) - {"run.json"} | {"run.json"})
    # The staging folders the killed runs left were cleaned up by this run.
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


@pytest.mark.slow
def test_killed_after_a_delay_leaves_one_whole_set(place: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(place, out)
    previous = fingerprint(out)
    (place.parent / "council.csv").write_text(REGISTER.replace("310000", "330000"), encoding="utf-8")
    for delay in (0.5, 2.0, 4.0, 6.0, 9.0):
        proc = start(place, out, pause=None)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        now = fingerprint(out)
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert set(now) == set(record["outputs"]) | {"run.json"}, delay  # complete
        if now != previous:  # the new set arrived whole: its run.json names the changed register
            council = next(p for p in record["partners"] if p["name"] == "Council")
            text = (place.parent / "council.csv").read_bytes()
            assert council["sha256"] == hashlib.sha256(text).hexdigest()


def test_output_folder_with_other_files_is_refused(place: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "my notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"my notes\.txt"):
        run(place, out)
    assert [p.name for p in out.iterdir()] == ["my notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "place"]


def test_swap_replaces_the_whole_folder_and_repairs_an_interrupted_one(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.csv").write_text("old", encoding="utf-8")
    staging = make_staging(target)
    assert staging.parent == tmp_path and staging.name.startswith(".out.staging-")
    (staging / "new.csv").write_text("new", encoding="utf-8")
    swap_in(staging, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in target.iterdir()] == ["new.csv"]

    # A run killed between the two renames of the fallback swap (a system that cannot
    # exchange two folders at once) left the previous set aside and no out/: put it back.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    os.replace(target, tmp_path / f".out.replaced-{pid}")
    left = tmp_path / f".out.staging-{pid}-x"
    left.mkdir()
    mine = tmp_path / f".out.staging-{os.getpid()}-y"  # a run still under way: left alone
    mine.mkdir()
    clean_staging(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "out"]
    assert [p.name for p in target.iterdir()] == ["new.csv"]


@pytest.mark.slow
def test_killed_while_a_forked_writer_works_leaves_the_previous_set_and_no_process(
    place: Path, tmp_path: Path
) -> None:
    """A national estate's writers and pictures work in forked processes: a run killed while the
    writers' process is part way through leaves out/ as it was, and that process dies with it."""
    from assetmap._fork import CAN_FORK

    if not CAN_FORK:
        pytest.skip("not Linux: the writers always run in the run's process")
    out = tmp_path / "out"
    run(place, out)
    previous = fingerprint(out)
    (place.parent / "council.csv").write_text(REGISTER.replace("310000", "340000"), encoding="utf-8")
    national = (
        "import sys; from assetmap import pipeline; from assetmap.cli import main; "
        "pipeline.WRITERS_PROCESS_ABOVE = pipeline.PICTURES_PROCESS_ABOVE = 0; "
        f"sys.argv = ['assetmap', 'run', {str(place)!r}, '--out', {str(out)!r}, '--quiet']; main()"
    )
    env = dict(os.environ, ASSETMAP_TEST_PAUSE_AFTER="estate")
    cmd = [sys.executable, "-c", national]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        wait_for_pause(proc, "estate")  # said by the writers' process, which sleeps there
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "the writers were not in a process of their own"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)  # died with the run
    assert fingerprint(out) == previous
