"""The ``assetmap`` command: exit codes and the exact messages a user sees."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assetmap.cli import _clean_exit, cli, debug_option
from assetmap.testing import make_run_dir

REGISTER = "Ref,Name,Postcode\nA1,Civic Centre,ME14 1AA\nA2,Nowhere,ZZ99 9ZZ\n"


def make_place(root: Path, config: str) -> Path:
    (root / "registers").mkdir(exist_ok=True)
    (root / "registers" / "council.csv").write_text(REGISTER, encoding="utf-8")
    path = root / "assetmap.yaml"
    path.write_text(config, encoding="utf-8")
    return path


GOOD = """\
title: CLI place
partners:
  - name: Council
    kind: council
    register: registers/council.csv
    columns: {asset_id: Ref, name: Name, postcode: Postcode}
"""


def test_run_prints_summary_and_writes_outputs(tmp_path: Path) -> None:
    config = make_place(tmp_path, GOOD)
    res = CliRunner().invoke(cli, ["run", str(config), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "CLI place" in res.output
    assert "Council" in res.output
    assert "1 rows could not be placed: see rejects.csv" in res.output
    assert (tmp_path / "o" / "estate.gpkg").is_file()


def test_unknown_config_key_exits_1_with_message(tmp_path: Path) -> None:
    config = make_place(tmp_path, GOOD.replace("kind: council", "kind: council\n    colour: red"))
    res = CliRunner().invoke(cli, ["run", str(config)])
    assert res.exit_code == 1
    assert res.output == (
        f"Error: {config}: the config is not valid:\n"
        "  partners[0] (Council).colour: unknown key (check the spelling)\n"
    )
    assert "Traceback" not in res.output


def test_missing_config_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 1
    assert res.output == f"Error: config file {str(tmp_path / 'nope.yaml')!r} not found\n"


def test_missing_register_names_the_file(tmp_path: Path) -> None:
    config = make_place(tmp_path, GOOD.replace("council.csv", "missing.csv"))
    res = CliRunner().invoke(cli, ["run", str(config)])
    assert res.exit_code == 1
    assert res.output.startswith("Error: ")
    assert "missing.csv" in res.output
    assert "Traceback" not in res.output


def test_misnamed_column_names_file_and_column(tmp_path: Path) -> None:
    config = make_place(tmp_path, GOOD.replace("postcode: Postcode", "postcode: Post Code"))
    res = CliRunner().invoke(cli, ["run", str(config)])
    assert res.exit_code == 1
    assert "council.csv" in res.output
    assert "'Post Code'" in res.output
    assert "Postcode" in res.output  # the suggestion / the columns it has


def test_check_shows_column_use_and_writes_nothing(tmp_path: Path) -> None:
    config = make_place(
        tmp_path, GOOD.replace("columns: {asset_id: Ref, name: Name, postcode: Postcode}", "")
    )
    res = CliRunner().invoke(cli, ["check", str(config)])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [
        "Council: council.csv (2 rows, header on row 1, utf-8)",
        "  asset_id          <- Ref  (matched automatically)",
        "  name              <- Name  (matched automatically)",
        "  postcode          <- Postcode  (matched automatically)",
    ]
    assert not (tmp_path / "out").exists()


def test_check_flags_a_register_that_cannot_place_anything(tmp_path: Path) -> None:
    # the postcode column is the only way to place these assets: named as the use, nothing can
    config = make_place(tmp_path, GOOD.replace("postcode: Postcode", "use: Postcode"))
    res = CliRunner().invoke(cli, ["check", str(config)])
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == (
        "  Problem: no postcode, UPRN, coordinates or geometry: no asset can be placed"
    )


def test_check_accepts_an_address_that_writes_the_postcode(tmp_path: Path) -> None:
    config = make_place(tmp_path, GOOD.replace("postcode: Postcode", "address: Postcode"))
    res = CliRunner().invoke(cli, ["check", str(config)])
    assert res.exit_code == 0, res.output
    assert "no asset can be placed" not in res.output


def test_progress_bar_counts_each_stage_and_is_silent_off_a_terminal() -> None:
    import io

    from rich.console import Console

    from assetmap.cli import _progress

    quiet = Console(file=io.StringIO(), quiet=True, force_terminal=True)
    with _progress(quiet) as bar:
        assert bar is None
    piped = Console(file=io.StringIO())  # a log file, not a terminal
    with _progress(piped) as bar:
        assert bar is None
    screen = io.StringIO()
    with _progress(Console(file=screen, force_terminal=True, width=120)) as bar:
        assert bar is not None
        bar("Reading Council: council.csv", 0, 2)
        bar("Reading Police: police.csv", 1, 2)
        bar("Reading the registers", 2, 2)
        bar("Clustering and planning 7 assets", None, None)
        bar("Writing estate.gpkg, the CSVs and board_pack.xlsx", 0, 5)
        bar("Drawing map.html", None, None)  # starts while files are still being written
        bar("Writing estate.gpkg, the CSVs and board_pack.xlsx", 3, 5)
        tasks = {t.description: t for t in bar.progress.tasks}
        reading = tasks["Reading the registers"]  # one line for all registers, named as it goes
        assert (reading.completed, reading.total, reading.finished) == (2, 2, True)
        assert tasks["Clustering and planning 7 assets"].finished  # done once the next stage began
        writing = tasks["Writing estate.gpkg, the CSVs and board_pack.xlsx"]
        assert (writing.completed, writing.total, writing.finished) == (3, 5, False)
    assert all(t.finished for t in bar.progress.tasks)
    text = screen.getvalue()
    assert "Reading the registers" in text and "5/5" in text and "2/2" in text


# ---- every command takes --debug, as the internal-error message says ----


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_takes_debug(command: str) -> None:
    res = CliRunner().invoke(cli, [command, "--help"])
    assert res.exit_code == 0, res.output
    assert re.search(r"^  --debug +Show a traceback on unexpected errors\.$", res.output, re.M), res.output


def test_internal_error_says_to_run_again_with_debug_which_shows_the_traceback() -> None:
    @click.command()
    @debug_option
    def broken(debug: bool) -> None:
        with _clean_exit(debug):
            {}["missing"]

    res = CliRunner().invoke(broken, [])
    assert res.exit_code == 2
    assert res.output == (
        "Internal error: KeyError: 'missing'\n"
        "This is a bug in assetmap; run again with --debug and report the output.\n"
    )
    res = CliRunner().invoke(broken, ["--debug"])
    assert res.exit_code == 2
    assert res.output.startswith("Traceback (most recent call last):\n")
    assert '{}["missing"]' in res.output and res.output.endswith("report the output.\n")


@pytest.mark.parametrize("command", ["check", "quarter", "run"])
def test_debug_leaves_input_errors_plain(command: str, tmp_path: Path) -> None:
    period = ["--period", "2026-Q3"] if command == "quarter" else []
    res = CliRunner().invoke(cli, [command, str(tmp_path / "nope.yaml"), *period, "--debug"])
    assert res.exit_code == 1
    assert res.output == f"Error: config file {str(tmp_path / 'nope.yaml')!r} not found\n"


# ---- assetmap compare: thresholds from the options, the config, or the defaults ----


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    before = [
        {"asset_id": "A1", "name": "Civic Centre", "x": 575000, "y": 155000, "utilisation": 0.50},
        {"asset_id": "A2", "name": "Library", "x": 576000, "y": 155000},
    ]
    after = [before[0] | {"x": 575060, "utilisation": 0.58}, before[1]]  # 60 m away, 8 points more
    return make_run_dir(tmp_path / "2026-Q2", before), make_run_dir(tmp_path / "2026-Q3", after)


@pytest.mark.parametrize(
    ("options", "first_line"),
    [
        ([], "Changes 2026-Q2 to 2026-Q3: 1 moved, 2 continuing"),
        (["--moved", "100"], "Changes 2026-Q2 to 2026-Q3: 2 continuing"),
        (["--threshold", "5"], "Changes 2026-Q2 to 2026-Q3: 1 moved, 1 utilisation rose, 2 continuing"),
        (["--config", "{config}"], "Changes 2026-Q2 to 2026-Q3: 1 utilisation rose, 2 continuing"),
        (["--config", "{config}", "--moved", "30"],
         "Changes 2026-Q2 to 2026-Q3: 1 moved, 1 utilisation rose, 2 continuing"),
    ],
)  # fmt: skip
def test_compare_thresholds(
    two_runs: tuple[Path, Path], tmp_path: Path, options: list[str], first_line: str
) -> None:
    config = make_place(tmp_path, GOOD + "compare: {moved_m: 100, utilisation_points: 5}\n")
    args = [o.format(config=config) for o in options]
    res = CliRunner().invoke(cli, ["compare", *map(str, two_runs), "--out", str(tmp_path / "c"), *args])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == first_line


def test_compare_refuses_a_threshold_out_of_range(two_runs: tuple[Path, Path]) -> None:
    res = CliRunner().invoke(cli, ["compare", *map(str, two_runs), "--moved", "0"])
    assert res.exit_code == 1
    assert res.output == "Error: compare thresholds: moved_m: Input should be greater than 0\n"


@pytest.mark.parametrize(("text", "why"), [
    ('{"title": "cut off', "the run record is damaged (not valid JSON at line 1, column 11: "
                           "Unterminated string starting at)"),
    ("[1, 2]", "not a run record (a JSON object as assetmap run writes)"),
])  # fmt: skip
def test_compare_names_a_damaged_run_record(two_runs: tuple[Path, Path], text: str, why: str) -> None:
    (two_runs[0] / "run.json").write_text(text, encoding="utf-8")
    for debug in ([], ["--debug"]):
        res = CliRunner().invoke(cli, ["compare", *map(str, two_runs), *debug])
        assert res.exit_code == 1
        assert res.output == f"Error: {two_runs[0] / 'run.json'}: {why}\n"



def test_start_up_imports_only_what_a_command_needs() -> None:
    """``import assetmap`` and the command line load no data library until a command needs it;
    a run's pipeline leaves matplotlib (pictures), folium (explore) and openpyxl to where they are used."""
    import subprocess
    import sys

    probe = (
        "import sys, importlib\n"
        "def loaded(*names): return sorted(n for n in names if n in sys.modules)\n"
        "import assetmap\n"
        "print(loaded('pandas', 'geopandas', 'numpy', 'pydantic'))\n"
        "assert assetmap.__version__ and assetmap.AssetmapError\n"
        "import assetmap.cli, assetmap.pipeline\n"
        "print(loaded('matplotlib', 'folium', 'branca', 'sklearn', 'openpyxl', 'assetmap.api'))\n"
        "print(assetmap.run.__module__, 'run' in dir(assetmap))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "[]", "assetmap.api True"]


def test_command_line_leaves_after_exit_handlers_with_streams_flushed(tmp_path: Path) -> None:
    """The console entry point skips the interpreter's teardown but not what a finished command is
    owed: exit handlers run, piped output arrives whole, and the exit status is the command's."""
    import subprocess
    import sys

    config = make_place(tmp_path, GOOD)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran', flush=False))\n"
        "from assetmap.cli import main\n"
        "sys.argv = ['assetmap'] + sys.argv[1:]\n"
        "main()\n"
    )

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)

    done = command("run", str(config), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Outputs in" in done.stdout and done.stdout.rstrip().endswith("handler ran")
    assert (tmp_path / "out" / "run.json").is_file()
    version = command("--version")
    assert (version.returncode, version.stdout) == (0, "assetmap, version 0.1.0\nhandler ran\n")
    missing = command("run", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert missing.stdout == "handler ran\n"
    unknown = command("bogus")
    assert unknown.returncode == 2 and "No such command 'bogus'" in unknown.stderr


def test_exit_status_is_the_interpreters() -> None:
    """SystemExit's code becomes the status the interpreter itself would give."""
    from assetmap.cli import _exit_status

    assert [_exit_status(code) for code in (None, 0, 1, 2, True, 256 + 3)] == [0, 0, 1, 2, 1, 3]
