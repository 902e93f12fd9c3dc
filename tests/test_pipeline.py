"""``assetmap run`` end to end on a small, deliberately broken estate."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from assetmap._fork import CAN_FORK
from assetmap.pipeline import RunResult, run
from assetmap.schema import ASSET_COLUMNS, REJECT_COLUMNS, WARNING_COLUMNS
from assetmap.testing import HOSTILE

# A council export as it really arrives: cp1252, title rows, a blank row, £ amounts.
COUNCIL_CSV = (
    "Borough Council Property Terrier\r\n"
    "Exported 01/09/2026\r\n"
    "Ref,Property Name,Post Code,Easting,Northing,GIA (sq m),Annual Running Cost,Utilisation %\r\n"
    'A1,Civic Centre,ME14 1AA,575800,156300,"2,400","£310,000",85%\r\n'
    "A2,Old Depot,zz99 9zz,,,-50,(1200),40\r\n"
    ",,,,,,,\r\n"
    "A3,Library,me141ab,,,800,£12x,0.5\r\n"
    "A4,Store,TBC,,,100,,\r\n"
    f'A5,{HOSTILE[0]},ME14 1AD,,,300,"£1,000",180%\r\n'
    'A6,=HYPERLINK("http://evil"),ME14 1AE,,,120,,\r\n'
)

POLICE_CSV = (
    "Station,Name,Lat,Lon,Sensitive\n"
    "P1,Maidstone Police Station,51.2785,0.5219,No\n"
    "P2,Swapped Station,0.5219,51.2785,no\n"
    "P3,Custody Suite,51.2790,0.5230,Yes\n"
    "P4,Paris Office,48.8566,2.3522,No\n"
)

CONFIG = """\
title: Test place
partners:
  - name: Borough Council
    kind: council
    register: registers/council.csv
    columns:
      asset_id: Ref
      name: Property Name
      postcode: Post Code
      easting: Easting
      northing: Northing
      gia_m2: GIA (sq m)
      running_cost_gbp: Annual Running Cost
      utilisation: Utilisation %
  - name: County Police
    kind: police
    register: registers/police.csv
    columns:
      asset_id: Station
      name: Name
      latitude: Lat
      longitude: Lon
      sensitive: Sensitive
"""


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("place")
    (root / "registers").mkdir()
    (root / "registers" / "council.csv").write_bytes(COUNCIL_CSV.encode("cp1252"))
    (root / "registers" / "police.csv").write_text(POLICE_CSV, encoding="utf-8")
    (root / "assetmap.yaml").write_text(CONFIG, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def result(place: Path) -> RunResult:
    return run(place / "assetmap.yaml")


def test_outputs_written_beside_config(result, place: Path) -> None:
    out = place / "out"
    for name in ("estate.gpkg", "rejects.csv", "warnings.csv", "run.json", "map.html"):
        assert (out / name).is_file(), name
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_assets_layer_typed_in_bng(result, place: Path) -> None:
    assets = gpd.read_file(place / "out" / "estate.gpkg", layer="assets")
    assert assets.crs.to_epsg() == 27700
    assert list(assets.columns[: len(ASSET_COLUMNS)]) == list(ASSET_COLUMNS)
    assert {"cluster_id", "rating", "reasons"} <= set(assets.columns)
    civic = assets.loc[assets["asset_id"] == "A1"].iloc[0]
    assert civic["gia_m2"] == 2400.0
    assert civic["running_cost_gbp"] == 310000.0
    assert civic["utilisation"] == pytest.approx(0.85)
    assert (civic.geometry.x, civic.geometry.y) == (575800.0, 156300.0)
    assert civic["source_row"] == 4  # header on spreadsheet row 3
    assert civic["geocode_method"] == "coordinates"
    assert civic["partner"] == "Borough Council" and civic["partner_kind"] == "council"
    library = assets.loc[assets["asset_id"] == "A3"].iloc[0]
    assert library["source_row"] == 7  # the blank row 6 still counts
    assert library["postcode"] == "ME14 1AB"
    assert library["geocode_method"] == "postcode"
    assert library["utilisation"] == pytest.approx(0.5)


def test_nothing_is_lost(result, place: Path) -> None:
    assets = gpd.read_file(place / "out" / "estate.gpkg", layer="assets")
    rejects = pd.read_csv(place / "out" / "rejects.csv", dtype=str)
    seen = sorted(
        [(p, int(r)) for p, r in zip(assets["partner"], assets["source_row"], strict=True)]
        + [(p, int(r)) for p, r in zip(rejects["partner"], rejects["source_row"], strict=True)]
    )
    expected = [("Borough Council", r) for r in (4, 5, 7, 8, 9, 10)] + [
        ("County Police", r) for r in (2, 3, 4, 5)
    ]
    assert seen == sorted(expected)


def test_rejects_say_why_in_words(result, place: Path) -> None:
    rejects = pd.read_csv(place / "out" / "rejects.csv", dtype=str, keep_default_na=False)
    assert list(rejects.columns) == list(REJECT_COLUMNS)
    reasons = dict(zip(rejects["asset_id"], rejects["reason"], strict=True))
    assert reasons == {
        "A2": 'postcode "ZZ99 9ZZ" not found and no coordinates',
        "A4": 'postcode "TBC" is a placeholder and no coordinates',
        "P4": "latitude/longitude (48.8566, 2.3522) are outside Great Britain and no postcode",
    }


def test_bad_values_warned_and_row_kept(result, place: Path) -> None:
    warnings = pd.read_csv(place / "out" / "warnings.csv", dtype=str, keep_default_na=False)
    assert list(warnings.columns) == list(WARNING_COLUMNS)
    got = {(w.asset_id, w.field) for w in warnings.itertuples()}
    assert {
        ("A2", "gia_m2"),
        ("A3", "running_cost_gbp"),
        ("A5", "utilisation"),
        ("P2", "latitude/longitude"),
    } <= got
    assets = result.estate.assets.set_index("asset_id")
    assert pd.isna(assets.loc["A5", "utilisation"])  # 180% dropped, asset kept
    assert pd.isna(assets.loc["A3", "running_cost_gbp"])


def test_formula_text_is_defused_in_csv(result, place: Path) -> None:
    warnings = (place / "out" / "warnings.csv").read_text(encoding="utf-8-sig")
    assert "=HYPERLINK" not in warnings.replace("'=HYPERLINK", "")


def test_run_json_records_inputs_counts_and_timings(result, place: Path) -> None:
    record = json.loads((place / "out" / "run.json").read_text())
    assert record["config"] == str((place / "assetmap.yaml").resolve())
    council = next(p for p in record["partners"] if p["name"] == "Borough Council")
    assert (council["rows_read"], council["placed"], council["rejected"]) == (6, 4, 2)
    assert council["reader"]["encoding"].lower().replace("-", "") in ("cp1252", "windows1252")
    assert len(record["inputs"]["registers/council.csv"]) == 64
    assert record["totals"] == {
        "rows_read": 10,
        "placed": 7,
        "rejected": 3,
        "warnings": record["totals"]["warnings"],
    }
    assert {"read_clean", "geocode", "plan", "write", "map", "total"} <= set(record["timings_s"])
    assert record["packages"]["geopandas"]


def test_map_escapes_names_and_hides_sensitive_sites(result, place: Path) -> None:
    page = (place / "out" / "map.html").read_text(encoding="utf-8")
    assert HOSTILE[0] not in page
    assert "Custody Suite" not in page
    assert "51.279" not in page  # the custody suite's latitude
    assert "Maidstone Police Station" in page


def test_second_run_gives_same_figures(result, place: Path, tmp_path: Path) -> None:
    again = run(place / "assetmap.yaml", tmp_path / "again")
    first = result.estate.assets.drop(columns="geometry")
    second = again.estate.assets.drop(columns="geometry")
    pd.testing.assert_frame_equal(first, second)
    assert (place / "out" / "rejects.csv").read_bytes() == (tmp_path / "again" / "rejects.csv").read_bytes()


def test_progress_reports_each_register_and_stage(place: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, int | None, int | None]] = []
    run(place / "assetmap.yaml", tmp_path / "p", progress=lambda *args: seen.append(args))
    assert seen[:2] == [
        ("Reading Borough Council: council.csv", 0, 2),
        ("Reading County Police: police.csv", 1, 2),
    ]
    assert ("Clustering and planning 7 assets", None, None) in seen
    writing = [(d, t) for m, d, t in seen if m.startswith("Writing")]
    assert sorted(writing) == [(i, 6) for i in range(7)]  # estate.gpkg, four CSVs, board pack
    assert ("Reading the registers", 2, 2) in seen
    assert ("Drawing map.html", None, None) in seen
    pictures = [(d, t) for m, d, t in seen if m == "Drawing map.png and the cluster pictures"]
    assert pictures[0] == (0, None) and pictures[-1][0] == pictures[-1][1] >= 1


def test_pictures_drawn_in_their_own_process_are_the_same(
    result, place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national estate's pictures are drawn in a forked process: the same files, byte for byte."""
    from assetmap import pipeline

    if not CAN_FORK:
        pytest.skip("not Linux: the pictures are always drawn in the run's process")
    monkeypatch.setattr(pipeline, "PICTURES_PROCESS_ABOVE", 0)
    seen: list[tuple[str, int | None, int | None]] = []
    forked = run(place / "assetmap.yaml", tmp_path / "forked", progress=lambda *args: seen.append(args))
    pictures = sorted(p.name for p in (place / "out").glob("*.png"))
    assert pictures[0] == "cluster-01-C001.png" and "map.png" in pictures
    assert sorted(p.name for p in (tmp_path / "forked").glob("*.png")) == pictures
    for name in pictures:
        assert (tmp_path / "forked" / name).read_bytes() == (place / "out" / name).read_bytes(), name
    record = json.loads((tmp_path / "forked" / "run.json").read_text())
    assert record["cpu_s"]["pictures_process"] > 0  # measured in the process that drew them
    assert "pictures_process" not in json.loads((place / "out" / "run.json").read_text())["cpu_s"]
    assert record["timings_s"]["pictures"] > 0
    assert forked.outputs["map.png"] == tmp_path / "forked" / "map.png"
    drawn = [(d, t) for m, d, t in seen if m == "Drawing map.png and the cluster pictures"]
    assert drawn[0] == (0, None) and drawn[-1] == (len(pictures), len(pictures))


def test_a_failure_in_the_pictures_process_is_the_runs_error(
    place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error raised while drawing in the forked process stops the run with that error, and the
    output folder is not made (the staging folder is removed)."""
    from assetmap import pipeline
    from assetmap._errors import OutputError

    if not CAN_FORK:
        pytest.skip("not Linux: the pictures are always drawn in the run's process")

    def fail(*_args: object, **_kwargs: object) -> list[Path]:
        raise OutputError("map.png cannot be written: the disk is full")

    monkeypatch.setattr(pipeline, "PICTURES_PROCESS_ABOVE", 0)
    monkeypatch.setattr(pipeline, "write_pictures", fail)  # inherited by the forked process
    with pytest.raises(OutputError, match="the disk is full"):
        run(place / "assetmap.yaml", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging folder left


def test_pictures_are_drawn_in_the_run_if_their_process_dies(
    result, place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pictures process that dies (killed, out of memory) half way through a file: the run
    draws them itself, and the half-written file is not left among the outputs."""
    import os

    from assetmap import pipeline

    if not CAN_FORK:
        pytest.skip("not Linux: the pictures are always drawn in the run's process")
    run_pid, draw = os.getpid(), pipeline.write_pictures

    def dies_when_forked(folder: Path, **kwargs: object) -> list[Path]:
        if os.getpid() != run_pid:
            (Path(folder) / ".map.half.png").write_bytes(b"\x89PNG")
            os._exit(9)
        return draw(folder, **kwargs)

    monkeypatch.setattr(pipeline, "PICTURES_PROCESS_ABOVE", 0)
    monkeypatch.setattr(pipeline, "write_pictures", dies_when_forked)
    run(place / "assetmap.yaml", tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").glob("*.png")) + [
        p.name for p in (tmp_path / "out").glob(".*")
    ]
    assert names == sorted(p.name for p in (place / "out").glob("*.png"))
    assert (tmp_path / "out" / "map.png").read_bytes() == (place / "out" / "map.png").read_bytes()


def test_solver_output_never_reaches_the_terminal(place: Path, tmp_path: Path, capfd) -> None:
    """HiGHS writes from C++ to file descriptors 1 and 2: the plan stage keeps them off the terminal."""
    import numpy as np
    from scipy.optimize import Bounds, milp

    from assetmap.pipeline import _silenced

    def solve() -> None:
        milp(np.array([-1.0]), integrality=np.array([1]), bounds=Bounds(0, 3), options={"disp": True})

    solve()  # the control: HiGHS with its display on prints at the descriptor level
    out, err = capfd.readouterr()
    assert "HiGHS" in out + err
    with _silenced():
        solve()
    assert capfd.readouterr() == ("", "")
    run(place / "assetmap.yaml", tmp_path / "quiet")
    out, err = capfd.readouterr()
    assert "HiGHS" not in out + err
    assert "Presolv" not in out + err


def test_repeated_rows_without_ids_are_warned_about_and_kept(tmp_path: Path) -> None:
    from assetmap.config import load_config
    from assetmap.estate import place_partner
    from assetmap.geocode import PostcodeLookup

    (tmp_path / "stations.csv").write_text(
        "Station name,Postcode,Lat,Lon\n"
        "Maidstone Police Station,ME14 1AA,,\n"
        "Maidstone police station, ,51.2785,0.5219\n"  # no postcode: its point is another place
        "MAIDSTONE POLICE STATION,,51.2785,0.5219\n"  # the same point as the row above
        "Maidstone Police Station,me141aa,,\n"  # the same name and postcode as row 2
        "Other Station,ME14 1AA,,\n",  # another name at the postcode
        encoding="utf-8",
    )
    (tmp_path / "ids.csv").write_text(
        "Ref,Name,Postcode\nA1,Car park,ME14 1AA\nA2,Car park,ME14 1AA\n", encoding="utf-8"
    )
    (tmp_path / "assetmap.yaml").write_text(
        "partners:\n  - {name: Police, register: stations.csv}\n  - {name: Council, register: ids.csv}\n",
        encoding="utf-8",
    )
    cfg = load_config(tmp_path / "assetmap.yaml")
    lookup = PostcodeLookup()
    assets, rejects, warnings, _ = place_partner(cfg.partners[0], base_dir=tmp_path, postcodes=lookup)
    assert len(assets) + len(rejects) == 5
    repeats = warnings[warnings["warning"].str.contains("likely one building", na=False)]
    assert repeats["source_row"].tolist() == [4, 5]
    assert repeats["warning"].tolist() == [
        "same name and location as row 3 (2 rows in all, none with an id): likely one building "
        "listed more than once; every row is kept as given",
        "same name and postcode as row 2 (2 rows in all, none with an id): likely one building "
        "listed more than once; every row is kept as given",
    ]
    # Rows with ids are different assets by the register's own word: no such warning.
    _, _, warnings, _ = place_partner(cfg.partners[1], base_dir=tmp_path, postcodes=lookup)
    assert not warnings["warning"].str.contains("likely one building", na=False).any()


TABLES = ("estate.gpkg", "rejects.csv", "warnings.csv", "opportunities.csv", "areas.csv", "board_pack.xlsx")


def test_table_writers_in_their_own_process_give_the_same_bytes(
    result, place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national estate's GeoPackage, CSVs and board pack are written in a forked process: the
    same files, byte for byte, as the threads of the run's process write for a small one."""
    from assetmap import pipeline

    if not CAN_FORK:
        pytest.skip("not Linux: the writers always run in the run's process")
    monkeypatch.setattr(pipeline, "WRITERS_PROCESS_ABOVE", 0)
    seen: list[tuple[str, int | None, int | None]] = []
    run(place / "assetmap.yaml", tmp_path / "forked", progress=lambda *args: seen.append(args))
    for name in TABLES:
        assert (tmp_path / "forked" / name).read_bytes() == (place / "out" / name).read_bytes(), name
    record = json.loads((tmp_path / "forked" / "run.json").read_text())
    here = json.loads((place / "out" / "run.json").read_text())
    assert record["cpu_s"]["writers_process"] > 0 and "writers_process" not in here["cpu_s"]
    assert {"write_csv", "write_gpkg", "write_board_pack"} <= set(record["timings_s"])
    assert record["cpu_s"]["write"] >= record["cpu_s"]["writers_process"]
    writing = [(d, t) for m, d, t in seen if m.startswith("Writing")]
    assert sorted(writing) == [(i, 6) for i in range(7)]
    assert sorted(p.name for p in (tmp_path / "forked").iterdir()) == sorted(
        p.name for p in (place / "out").iterdir()
    )


def test_a_failure_in_the_writers_process_is_the_runs_error(
    place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assetmap import pipeline
    from assetmap._errors import OutputError

    if not CAN_FORK:
        pytest.skip("not Linux: the writers always run in the run's process")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OutputError("board_pack.xlsx cannot be written: the disk is full")

    monkeypatch.setattr(pipeline, "WRITERS_PROCESS_ABOVE", 0)
    monkeypatch.setattr(pipeline, "write_board_pack", fail)  # inherited by the forked process
    with pytest.raises(OutputError, match="the disk is full"):
        run(place / "assetmap.yaml", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging folder left


def test_the_run_writes_what_a_dead_writers_process_left(
    result, place: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writers' process killed half way through the GeoPackage: the run writes it and the
    board pack itself, and the half-written file is not left among the outputs."""
    import os

    from assetmap import pipeline

    if not CAN_FORK:
        pytest.skip("not Linux: the writers always run in the run's process")
    run_pid, write = os.getpid(), pipeline.write_layers

    def dies_when_forked(path: Path, layers: dict, **kwargs: object) -> None:
        if os.getpid() != run_pid:
            (Path(path).parent / ".estate.half.gpkg").write_bytes(b"SQLite format 3\x00")
            os._exit(9)
        write(path, layers, **kwargs)

    monkeypatch.setattr(pipeline, "WRITERS_PROCESS_ABOVE", 0)
    monkeypatch.setattr(pipeline, "write_layers", dies_when_forked)
    run(place / "assetmap.yaml", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in (place / "out").iterdir()
    )
    for name in TABLES:
        assert (tmp_path / "out" / name).read_bytes() == (place / "out" / name).read_bytes(), name
