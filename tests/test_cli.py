"""The ``assetmap`` command: exit codes and the exact messages a user sees."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from assetmap.cli import cli

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
