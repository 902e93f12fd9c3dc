"""A real register with no running cost, floor area or utilisation, run with the smallest config.

National station and surgery lists carry none of the figures a plan is costed from: every
output must say "not known" (and JSON ``null``), rate nothing green, and propose no saving.
Skips when ../shared/realdata is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support import realdata

from assetmap.pipeline import RunResult, run
from assetmap.report import write_report


def _no_nan(text: str) -> None:
    raise ValueError(f"run.json holds {text}, which is not JSON")


@pytest.fixture(scope="module")
def kent_fire(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    register = realdata("fire-stations-kent", "stations-kent.xlsx")
    root = tmp_path_factory.mktemp("kentfire")
    config = root / "assetmap.yaml"
    config.write_text(
        f"partners:\n  - {{name: Kent Fire and Rescue, register: '{register}'}}\n", encoding="utf-8"
    )
    return run(config, root / "out"), root / "out"


def test_run_json_is_strict_json_with_null_for_unknown(kent_fire: tuple[RunResult, Path]) -> None:
    result, out = kent_fire
    assert len(result.plan.assets) > 40
    record = json.loads((out / "run.json").read_text("utf-8"), parse_constant=_no_nan)
    summary = record["plan"]["summary"] if "summary" in record["plan"] else record["plan"]
    assert summary["estate_running_cost_gbp"] is None
    assert summary["released_running_cost_gbp"] is None
    assert summary["share_of_running_cost"] is None
    assert summary["assets_with_running_cost"] == 0
    assert summary["rated_green"] == 0 and summary["rated_unrated"] == len(result.plan.assets)


def test_nothing_rated_green_and_no_saving_proposed(kent_fire: tuple[RunResult, Path]) -> None:
    result, out = kent_fire
    assert set(result.plan.assets["rating"]) == {"unrated"}
    opps = pd.read_csv(out / "opportunities.csv", encoding="utf-8-sig")
    assert pd.to_numeric(opps["annual_saving_gbp"], errors="coerce").fillna(0).eq(0).all()
    areas = pd.read_csv(out / "areas.csv", encoding="utf-8-sig")
    placed = areas[areas["assets"] > 0]
    assert len(placed) >= 5
    assert (placed["unrated"] == placed["assets"]).all() and (placed["green"] == 0).all()
    for col in ("running_cost_gbp", "utilisation", "occupancy", "capacity", "annual_saving_gbp"):
        assert placed[col].isna().all(), col
    assert (placed["assets_with_running_cost"] == 0).all()


def test_board_pack_report_and_map_say_not_known(kent_fire: tuple[RunResult, Path]) -> None:
    _, out = kent_fire
    ws = openpyxl.load_workbook(out / "board_pack.xlsx")["summary"]
    rows = {r[0]: (r[1], r[2]) for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["Estate running cost a year"][0] == "not known"
    assert rows["Running cost released a year"][0] == "not known"
    assert rows["Released as a share of estate running cost"][0] == "not known"
    assert "no register gives a running cost" in rows["Estate running cost a year"][1]
    assert rows["Rated green (retain)"][0] == 0 and rows["Not rated"][0] > 40
    write_report(out, pdf=False)
    html = (out / "report.html").read_text("utf-8")
    assert "Estate running cost a year</td><td class=\"n\">not known<" in html
    assert "£0" not in html
    page = (out / "map.html").read_text("utf-8")
    assert "not known (no running cost in the registers)" in page
    assert "Grey: not rated (no running cost or utilisation known)" in page
