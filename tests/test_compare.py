"""The change report: matching passes, the demo's known changes, opportunities and savings."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from assetmap import pipeline
from assetmap.cli import cli
from assetmap.compare import CHANGE_COLUMNS, compare_runs, load_run, match_assets, write_changes

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "kent"


def make_run_dir(
    path: Path,
    assets: list[dict],
    *,
    opportunities: list[dict] | None = None,
    title: str = "Test place",
    extra: dict | None = None,
) -> Path:
    """A run directory as ``assetmap run`` leaves it: estate.gpkg, run.json (and opportunities.csv)."""
    path.mkdir(parents=True, exist_ok=True)
    rows = [
        {"partner": "Council", "asset_id": None, "name": None, "uprn": None, "use": "office", "gia_m2": 100.0,
         "running_cost_gbp": 10000.0, "utilisation": 0.5, "occupancy": None, "capacity": None,
         "sensitive": False, "geocode_method": "coordinates"} | a
        for a in assets
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    geom = [Point(x, y) for x, y in zip(frame.pop("x"), frame.pop("y"), strict=True)]
    gdf = gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:27700")
    for col in ("asset_id", "name", "uprn", "partner", "use", "geocode_method"):
        gdf[col] = gdf[col].astype("string")
    for col in ("occupancy", "capacity"):
        gdf[col] = gdf[col].astype(float)
    gdf.to_file(path / "estate.gpkg", layer="assets", driver="GPKG", engine="pyogrio")
    partners = []
    for name, g in frame.groupby("partner", sort=False):
        by = {"coordinates": len(g), "uprn": 0, "postcode": 0}
        counts = {"rows_read": len(g) + 1, "placed": len(g), "rejected": 1, "warnings": 0}
        partners.append({"name": name, **counts, "placed_by": by})
    totals = {"rows_read": len(frame) + len(partners), "placed": len(frame), "rejected": len(partners)}
    record = {"title": title, "partners": partners, "finished_at": "2026-09-30T09:00:00+00:00"}
    record |= {"totals": totals | {"warnings": 0}} | (extra or {})
    (path / "run.json").write_text(json.dumps(record), "utf-8")
    if opportunities is not None:
        pd.DataFrame(opportunities).to_csv(path / "opportunities.csv", index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The two demo quarters run with the real pipeline."""
    root = tmp_path_factory.mktemp("demo_runs")
    pipeline.run(DEMO / "q2" / "assetmap.yaml", root / "2026-Q2")
    pipeline.run(DEMO / "assetmap.yaml", root / "2026-Q3")
    return root / "2026-Q2", root / "2026-Q3"


def test_demo_change_report_finds_exactly_the_known_changes(demo_runs: tuple[Path, Path]) -> None:
    key = json.loads((DEMO / "q2" / "changes.json").read_text("utf-8"))
    report = compare_runs(*demo_runs)
    found = {
        (r.change, r.partner, None if pd.isna(r.asset_id) else r.asset_id,
         None if pd.isna(r.previous_asset_id) else r.previous_asset_id,
         None if pd.isna(r.matched_by) else r.matched_by)
        for r in report.changes.itertuples()
    }  # fmt: skip
    expected = {
        (c["change"], c["partner"], c["asset_id"], c["previous_asset_id"], c["matched_by"])
        for c in key["changes"]
    }
    # Ratings come from the plan, which weighs each asset against its neighbours, so changes nearby
    # may re-rate other assets too; the register changes themselves are exactly the key's five.
    rated = {f for f in found if f[0] == "rating_changed"}
    assert found - rated == expected
    assert len(report.changes) - len(rated) == len(key["changes"]) == 5
    if "rating" in load_run(demo_runs[1]).assets:
        assert ("rating_changed", "Kent County Council", "KCC0022", "KCC0022", "asset_id") in rated
    by = report.changes[report.changes["change"] != "rating_changed"].set_index("change")
    fell = next(c for c in key["changes"] if c["change"] == "utilisation_fell")
    assert by.loc["utilisation_fell", "previous_value"] == pytest.approx(fell["previous_utilisation"])
    assert by.loc["utilisation_fell", "value"] == pytest.approx(fell["utilisation"])
    assert by.loc["moved", "distance_m"] == pytest.approx(360.6, abs=0.2)
    renamed = next(c for c in key["changes"] if c["change"] == "renamed")
    assert by.loc["renamed", "previous_name"] == renamed["previous_name"]
    assert report.counts["matched_by_uprn"] == 1 and report.counts["matched_by_location+name"] == 0
    assert report.savings["estate_running_cost_change_gbp"] == -112240  # the office gone less nothing added
    if report.opportunities is not None:  # the run has a plan: the office gone was planned to be vacated
        done = report.opportunities[report.opportunities["status"] == "carried_out"]
        assert set(done["asset_id"]) == {"KCC0001"}
        assert report.savings["realised_running_cost_gbp"] == 161500
        assert report.savings["planned_saving_carried_out_gbp"] > 0


def test_demo_compare_cli_writes_csv_and_xlsx(demo_runs: tuple[Path, Path], tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["compare", *map(str, demo_runs), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert first.startswith("Changes 2026-Q2 to 2026-Q3: 1 added, 1 removed, 1 moved, 1 utilisation fell, ")
    assert "1 renamed" in first
    changes = pd.read_csv(tmp_path / "changes.csv", encoding="utf-8-sig", dtype=str)
    assert list(changes.columns) == list(CHANGE_COLUMNS)
    assert (changes["change"] != "rating_changed").sum() == 5
    wb = openpyxl.load_workbook(tmp_path / "changes.xlsx")
    assert wb.sheetnames[:2] == ["change summary", "changes"]


def test_compare_cli_missing_run_exits_1(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert res.exit_code == 1
    assert res.output == f"Error: {tmp_path / 'a'}: not a run directory (no estate.gpkg)\n"


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"partner": "P", "uprn": None, "name": "x"} | r for r in rows])


def test_match_passes_in_order_and_say_which() -> None:
    prev = _frame([
        {"asset_id": "A1", "name": "Civic Centre", "x": 0, "y": 0},
        {"asset_id": "OLD", "uprn": "000100", "name": "Old School", "x": 1000, "y": 0},
        {"asset_id": "L1", "name": "Riverside Library", "x": 2000, "y": 0},
        {"asset_id": "F1", "name": "Far Depot", "x": 3000, "y": 0},
        {"asset_id": "N1", "name": "Town Hall", "x": 4000, "y": 0},
    ])  # fmt: skip
    cur = _frame([
        {"asset_id": "A1", "name": "Civic Centre", "x": 500, "y": 0},
        {"asset_id": "NEW", "uprn": "100", "name": "New Academy", "x": 1000, "y": 0},
        {"asset_id": "L2", "name": "Riverside Library & Hub", "x": 2030, "y": 0},
        {"asset_id": "F2", "name": "Far Depot", "x": 3080, "y": 0},
        {"asset_id": "N2", "name": "Swimming Pool", "x": 4010, "y": 0},
    ])  # fmt: skip
    m = match_assets(prev, cur)
    got = {(prev.loc[r.previous_index, "asset_id"], cur.loc[r.current_index, "asset_id"], r.matched_by)
           for r in m.itertuples()}  # fmt: skip
    # UPRN matched despite zero padding; the library within 50 m with a similar name; the depot 80 m
    # away and the pool with another name stay unmatched; the civic centre matched by id although 500 m away.
    assert got == {("A1", "A1", "asset_id"), ("OLD", "NEW", "uprn"), ("L1", "L2", "location+name")}


def test_repeated_ids_are_paired_in_order_not_multiplied() -> None:
    prev = _frame([{"asset_id": "D", "x": 0, "y": 0}, {"asset_id": "D", "x": 10, "y": 0}])
    cur = _frame([{"asset_id": "D", "x": 0, "y": 0}])
    m = match_assets(prev, cur)
    assert list(zip(m["previous_index"], m["current_index"], strict=True)) == [(0, 0)]


def _opp(rank: int, action: str, asset: str, into: str = "", saving: float = 1000.0, **kw: object) -> dict:
    return {"rank": rank, "action": action, "asset_id": asset, "partner": "Council", "cluster_id": "C1",
            "into_asset_id": into, "into_partner": "Council" if into else "", "people_moved": 5,
            "annual_saving_gbp": saving, "capital_receipt_gbp": 50000.0, "rating": "red",
            "reasons": "low use"} | kw  # fmt: skip


def test_opportunities_new_continuing_dropped_carried_out_and_savings(tmp_path: Path) -> None:
    base = [
        {"asset_id": "R", "name": "Receiver", "x": 0, "y": 0, "rating": "green"},
        {
            "asset_id": "D1",
            "name": "Donor One",
            "x": 100,
            "y": 0,
            "running_cost_gbp": 40000.0,
            "rating": "red",
        },
        {"asset_id": "D2", "name": "Donor Two", "x": 200, "y": 0, "rating": "red"},
        {"asset_id": "D3", "name": "Donor Three", "x": 300, "y": 0, "rating": "amber"},
    ]
    prev = make_run_dir(tmp_path / "q2", base, opportunities=[
        _opp(1, "relocate", "D1", "R", 30000.0), _opp(2, "relocate", "D2", "R", 20000.0),
        _opp(3, "dispose", "D3", "", 5000.0),
    ], extra={"plan": {"released_running_cost_gbp": 55000.0, "capital_receipts_gbp": 150000.0}})  # fmt: skip
    now = [a for a in base if a["asset_id"] != "D1"]
    now[2] = now[2] | {"rating": "red"}
    cur = make_run_dir(tmp_path / "q3", now, opportunities=[
        _opp(1, "relocate", "D2", "R", 21000.0), _opp(2, "share", "R", "", 0.0),
    ])  # fmt: skip
    report = compare_runs(prev, cur)
    status = {(r.status, r.action, r.asset_id) for r in report.opportunities.itertuples()}
    assert status == {
        ("carried_out", "relocate", "D1"), ("continuing", "relocate", "D2"), ("dropped", "dispose", "D3"),
        ("new", "share", "R"),
    }  # fmt: skip
    s = report.savings
    assert s["planned_annual_saving_gbp"] == 55000
    assert s["opportunities_carried_out"] == 1 and s["buildings_released"] == 1
    assert s["planned_saving_carried_out_gbp"] == 30000
    assert s["realised_running_cost_gbp"] == 40000
    assert s["current_planned_annual_saving_gbp"] == 21000
    assert s["previous_plan_released_running_cost_gbp"] == 55000.0
    kinds = report.changes.set_index("change")
    assert kinds.loc["rating_changed", "asset_id"] == "D3"
    assert (kinds.loc["rating_changed", "previous_value"], kinds.loc["rating_changed", "value"]) == (
        "amber",
        "red",
    )
    assert kinds.loc["removed", "previous_asset_id"] == "D1"
    paths = write_changes(report, tmp_path / "out")
    assert (tmp_path / "out" / "opportunity_changes.csv") == paths["opportunity_changes"]
    assert openpyxl.load_workbook(paths["changes_xlsx"]).sheetnames == [
        "change summary",
        "changes",
        "opportunity changes",
    ]


def test_utilisation_threshold_and_formula_names_defused(tmp_path: Path) -> None:
    prev = make_run_dir(tmp_path / "a", [
        {"asset_id": "U1", "name": "=HYPERLINK(\"http://x\")", "x": 0, "y": 0, "utilisation": 0.80},
        {"asset_id": "U2", "name": "Small change", "x": 500, "y": 0, "utilisation": 0.80},
    ])  # fmt: skip
    cur = make_run_dir(tmp_path / "b", [
        {"asset_id": "U1", "name": "=HYPERLINK(\"http://x\")", "x": 0, "y": 0, "utilisation": 0.95},
        {"asset_id": "U2", "name": "Small change", "x": 500, "y": 0, "utilisation": 0.75},
    ])  # fmt: skip
    report = compare_runs(prev, cur)
    assert list(report.changes["change"]) == ["utilisation_rose"]
    assert report.changes.loc[0, "detail"] == "80% to 95% (+15 points)"
    assert compare_runs(prev, cur, utilisation_points=20).changes.empty
    write_changes(report, tmp_path / "out")
    text = (tmp_path / "out" / "changes.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text
    ws = openpyxl.load_workbook(tmp_path / "out" / "changes.xlsx")["changes"]
    names = [c for c in ws.iter_rows(values_only=False) for c in c if c.value == '=HYPERLINK("http://x")']
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)
    assert load_run(prev).label == "a"
