"""The change report: matching passes, the demo's known changes, opportunities and savings."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DEMO

from assetmap import pipeline
from assetmap._compare_match import id_key, id_stem, id_suffix, norm_words, similarity
from assetmap.cli import cli
from assetmap.compare import (
    CHANGE_COLUMNS,
    CONFIDENCE_LEVELS,
    MATCH_METHODS,
    asset_changes,
    compare_runs,
    load_run,
    match_assets,
    write_changes,
)
from assetmap.testing import make_run_dir

KENT = DEMO / "kent"


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The two demo quarters run with the real pipeline."""
    root = tmp_path_factory.mktemp("demo_runs")
    pipeline.run(KENT / "q2" / "assetmap.yaml", root / "2026-Q2")
    pipeline.run(KENT / "assetmap.yaml", root / "2026-Q3")
    return root / "2026-Q2", root / "2026-Q3"


@pytest.mark.slow
def test_demo_change_report_finds_exactly_the_known_changes(demo_runs: tuple[Path, Path]) -> None:
    key = json.loads((KENT / "q2" / "changes.json").read_text("utf-8"))
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


@pytest.mark.slow
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


def test_location_pass_matches_every_asset_it_can_not_best_first() -> None:
    # The centre's closest name is the new "Riverside Store", but the depot store can only be
    # that one: pairing best first would leave the depot store unmatched (closed and new).
    prev = _frame([
        {"asset_id": "P1", "name": "Riverside Centre", "x": 0, "y": 0},
        {"asset_id": "P2", "name": "Depot Store", "x": 20, "y": 0},
    ])  # fmt: skip
    cur = _frame([
        {"asset_id": "C1", "name": "Riverside Store", "x": 10, "y": 0},
        {"asset_id": "C2", "name": "Riverside Centre Annexe", "x": 5, "y": 0},
    ])  # fmt: skip
    sim = {(a, b): similarity(norm_words(a), norm_words(b)) for a in prev["name"] for b in cur["name"]}
    assert (
        sim[("Riverside Centre", "Riverside Store")]
        > sim[("Riverside Centre", "Riverside Centre Annexe")]
        >= 0.6
    )
    assert sim[("Depot Store", "Riverside Centre Annexe")] < 0.6 <= sim[("Depot Store", "Riverside Store")]
    m = match_assets(prev, cur)
    got = {
        (prev.loc[r.previous_index, "asset_id"], cur.loc[r.current_index, "asset_id"]) for r in m.itertuples()
    }
    assert got == {("P1", "C2"), ("P2", "C1")}
    assert set(m["matched_by"]) == {"location+name"}


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


def _pairs(prev: pd.DataFrame, cur: pd.DataFrame, m: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """``(previous id, current id, matched_by, confidence)`` for each match."""
    return {
        (
            prev.loc[r.previous_index, "asset_id"],
            cur.loc[r.current_index, "asset_id"],
            r.matched_by,
            r.confidence,
        )
        for r in m.itertuples()
    }


def test_recased_and_repunctuated_ids_are_the_same_asset_and_not_a_change() -> None:
    prev = _frame([
        {"asset_id": "09/00012/Land", "x": 0, "y": 0},
        {"asset_id": "KCC-0007", "x": 1000, "y": 0},
        {"asset_id": "09/00021/Land", "x": 2000, "y": 0},
    ])  # fmt: skip
    cur = _frame([
        {"asset_id": "09/00012/LAND", "x": 0, "y": 0},
        {"asset_id": "kcc 7", "x": 1000, "y": 0},
        {"asset_id": "09/00012/Land ", "x": 3000, "y": 0},  # another asset now carries the old id's look
    ])  # fmt: skip
    m = match_assets(prev.iloc[:2], cur.iloc[:2])
    assert _pairs(prev, cur, m) == {
        ("09/00012/Land", "09/00012/LAND", "asset_id (normalised)", "high"),
        ("KCC-0007", "kcc 7", "asset_id (normalised)", "high"),
    }
    assert asset_changes(prev.iloc[:2], cur.iloc[:2], m).empty  # re-casing is not a re-identification
    # Normalising never joins different numbers: 09/00021 is not 09/00012.
    m = match_assets(prev.iloc[2:], cur.iloc[2:])
    assert m.empty


def test_resuffixed_ids_match_by_their_stem_and_say_how_sure() -> None:
    prev = _frame([
        {"asset_id": "09/00002/Land and Building", "uprn": "100", "x": 0, "y": 0},
        {"asset_id": "09/00003/Land", "uprn": "200", "x": 1000, "y": 0},
        {"asset_id": "09/00677/SITE", "x": 5000, "y": 0},
        {"asset_id": "09/00677/STRUC", "x": 5400, "y": 0},
    ])  # fmt: skip
    cur = _frame([
        {"asset_id": "09/00002/BLDG", "uprn": "0100", "x": 0, "y": 0},
        {"asset_id": "09/00003/SITE", "uprn": "999", "x": 1500, "y": 0},  # moved 500 m, another UPRN
        {"asset_id": "09/00677/LAND", "x": 5402, "y": 0},
    ])  # fmt: skip
    m = match_assets(prev, cur)
    assert _pairs(prev, cur, m) == {
        ("09/00002/Land and Building", "09/00002/BLDG", "asset_id stem", "high"),
        ("09/00003/Land", "09/00003/SITE", "asset_id stem", "medium"),  # only the reference agrees
        ("09/00677/STRUC", "09/00677/LAND", "asset_id stem", "high"),  # of two with that stem, the one there
    }
    changes = asset_changes(prev, cur, m)
    assert set(zip(changes["change"], changes["previous_asset_id"], strict=True)) == {
        ("moved", "09/00003/Land"), ("removed", "09/00677/SITE"),
    }  # fmt: skip
    moved = changes[changes["change"] == "moved"].iloc[0]
    assert (moved["matched_by"], moved["confidence"], moved["distance_m"]) == (
        "asset_id stem",
        "medium",
        500.0,
    )


def test_id_keys_and_stems() -> None:
    assert id_key("09/00002/Land and Building") == id_key(" 9-2-LandAndBuilding ") == "9|2|landandbuilding"
    assert id_stem("09/00002/Land and Building") == id_stem("09/00002/BLDG") == "9|2"
    assert id_stem("KCC0022") == "kcc|22" and id_stem("Depot") == "" and id_key(None) == ""
    assert id_suffix("09/00002/Land and Building") == "Land and Building" and id_suffix("KCC0022") == ""


def _car_park(names: list[str | None], xs: list[float]) -> pd.DataFrame:
    ids = [f"09/0{69 + i:04d}/Land" for i in range(len(xs))]
    return _frame([{"asset_id": a, "uprn": "10012809547", "name": n, "x": x, "y": 0}
                   for a, n, x in zip(ids, names, xs, strict=True)])  # fmt: skip


def _new_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """The same parcels under a new id scheme, UPRN zero-padded, and no names."""
    out = frame.copy()
    out["asset_id"] = [f"23/{i:05d}/LAND" for i in range(1, len(out) + 1)]
    out["uprn"] = "0" + out["uprn"]
    return out


def test_shared_uprn_group_of_three_parcels_one_removed_paired_by_location() -> None:
    prev = _car_park(["North section", "Middle section", "South section"], [0, 120, 240])
    cur = _new_ids(prev.iloc[[0, 2]]).assign(name=None, x=[2.0, 241.0])
    m = match_assets(prev, cur)
    assert _pairs(prev, cur, m) == {
        ("09/00069/Land", "23/00001/LAND", "uprn+location", "high"),
        ("09/00071/Land", "23/00002/LAND", "uprn+location", "high"),
    }
    changes = asset_changes(prev, cur, m)
    assert list(changes["change"]) == ["removed", "reidentified", "reidentified"]
    assert changes.loc[0, "previous_asset_id"] == "09/00070/Land"  # the middle parcel is the one gone
    assert not changes["detail"].fillna("").str.contains("name").any()  # no "renamed to nothing"


def test_shared_uprn_group_at_one_point_is_told_apart_by_name_or_said_to_be_a_guess() -> None:
    prev = _car_park(["North section", "Middle section", "South section"], [0, 0, 0])
    cur = _new_ids(prev.iloc[[2, 0]]).assign(name=["South section car park", "North section car park"])
    m = match_assets(prev, cur)
    assert _pairs(prev, cur, m) == {
        ("09/00071/Land", "23/00001/LAND", "uprn+name", "high"),
        ("09/00069/Land", "23/00002/LAND", "uprn+name", "high"),
    }
    same = _car_park([None, None, None], [0, 0, 0])
    m = match_assets(same, _new_ids(same.iloc[:2]))
    assert len(m) == 2 and set(m["matched_by"]) == {"uprn"} and set(m["confidence"]) == {"low"}


def test_a_register_without_names_uses_addresses_and_reports_the_column_once(tmp_path: Path) -> None:
    used = {"Council": {"asset_id": "AssetCode", "name": "PropertyName", "address": "StreetName"}}
    prev = make_run_dir(tmp_path / "2021", [
        {"asset_id": "A1", "name": "Town Hall", "address": "1 High Street", "x": 0, "y": 0},
        {"asset_id": "A2", "name": "Depot", "address": "Mill Lane", "x": 1000, "y": 0},
        {"asset_id": "A3", "name": "Kiosk", "address": "4 Market Place", "x": 2000, "y": 0},
        {"asset_id": "A4", "name": "N/A", "address": "7 Bridge Street", "x": 3000, "y": 0},
    ], columns_used=used)  # fmt: skip
    cur = make_run_dir(
        tmp_path / "2023",
        [
            {"asset_id": "A1", "address": "1 High Street Cheltenham", "x": 0, "y": 0},
            {"asset_id": "A2", "address": "Mill Lane Depot", "x": 1000, "y": 0},
            {"asset_id": "Z9", "address": "4, Market Place", "x": 2010, "y": 0},  # new id, same address
            {
                "asset_id": "A4",
                "name": "Bridge Street Offices",
                "address": "7 Bridge Street",
                "x": 3000,
                "y": 0,
            },
            {"asset_id": "B1", "address": "12 New Road", "x": 4000, "y": 0},
        ],
        columns_used={"Council": {"asset_id": "AssetCode", "address": "Site Address", "use": "Holding Type"}},
    )
    report = compare_runs(prev, cur)
    assert report.counts["renamed"] == 0 and report.counts["continuing"] == 4
    ch = report.changes.set_index("change")
    assert ch.loc["added", "name"] == "12 New Road"  # the address stands in for the missing name
    assert (ch.loc["reidentified", "matched_by"], ch.loc["reidentified", "previous_asset_id"]) == (
        "location+name", "A3",
    )  # fmt: skip
    cols = report.columns.set_index("field")
    assert cols.loc["name", ["change", "previous_column", "basis"]].tolist() == [
        "disappeared", "PropertyName", "run.json columns_used",
    ]  # fmt: skip
    assert cols.loc["use", ["change", "column"]].tolist() == ["appeared", "Holding Type"]
    assert report.notes[0] == (
        "Council: the 2023 register has no name column (2021 had it: PropertyName); this field is not "
        "compared, so no asset is reported as changed in it."
    )
    paths = write_changes(report, tmp_path / "out")
    summary = pd.read_excel(
        paths["changes_xlsx"], sheet_name="change summary", header=None, engine="openpyxl"
    )
    notes = summary[summary.eq("register change").any(axis=1)]
    assert len(notes) == 2 and notes.iloc[0].str.contains("no name column").any()


def test_presence_falls_back_to_values_without_a_run_record(tmp_path: Path) -> None:
    prev = make_run_dir(tmp_path / "a", [{"asset_id": "A1", "name": "Town Hall", "x": 0, "y": 0}])
    cur = make_run_dir(tmp_path / "b", [{"asset_id": "A1", "name": None, "x": 0, "y": 0}])
    report = compare_runs(prev, cur)
    assert report.changes.empty
    assert report.columns[["field", "change", "basis"]].values.tolist() == [
        ["name", "disappeared", "empty in every row"]
    ]
    # A name blanked for one asset while the column is still there is not a rename either.
    hall, depot = {"asset_id": "A1", "x": 0, "y": 0}, {"asset_id": "A2", "x": 500, "y": 0}
    prev = make_run_dir(tmp_path / "c", [hall | {"name": "Hall"}, depot | {"name": "Depot"}])
    cur = make_run_dir(tmp_path / "d", [hall | {"name": ""}, depot | {"name": "Works Depot"}])
    report = compare_runs(prev, cur)
    assert report.columns.empty
    assert report.changes[["change", "asset_id"]].values.tolist() == [["renamed", "A2"]]


_POOL_IDS = ["09/00001/Land", "09/00001/LAND", "09/00001/BLDG", "09/00002/Land", "9-2-land", "X1", None]


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    n_prev=st.integers(min_value=0, max_value=9),
    n_cur=st.integers(min_value=0, max_value=9),
)
def test_every_asset_is_in_at_most_one_pair_and_every_pair_is_explained(
    data: st.DataObject, n_prev: int, n_cur: int
) -> None:
    def rows(n: int) -> pd.DataFrame:
        row = st.fixed_dictionaries({
            "asset_id": st.sampled_from(_POOL_IDS), "uprn": st.sampled_from([None, "1", "01", "2"]),
            "name": st.sampled_from([None, "Car Park", "Car Park North", "N/A", "Bus Station"]),
            "address": st.sampled_from([None, "1 High St", "2 High St"]),
            "x": st.sampled_from([0.0, 10.0, 30.0, 200.0]), "y": st.just(0.0),
            "partner": st.sampled_from(["P", "Q"]),
        })  # fmt: skip
        return pd.DataFrame(data.draw(st.lists(row, min_size=n, max_size=n)), columns=list(_ROW_KEYS))

    prev, cur = rows(n_prev), rows(n_cur)
    m = match_assets(prev, cur)
    assert m["previous_index"].is_unique and m["current_index"].is_unique
    assert set(m["matched_by"]) <= set(MATCH_METHODS) and set(m["confidence"]) <= set(CONFIDENCE_LEVELS)
    changes = asset_changes(prev, cur, m)
    assert (changes["change"] == "removed").sum() == len(prev) - len(m)
    assert (changes["change"] == "added").sum() == len(cur) - len(m)
    assert not changes["detail"].fillna("").str.contains(r"to $|to None|to nan", regex=True).any()


_ROW_KEYS = ("asset_id", "uprn", "name", "address", "x", "y", "partner")


def test_utilisation_derived_from_occupancy_counts_as_present_and_is_compared(tmp_path: Path) -> None:
    site = {"asset_id": "H1", "name": "Hub", "x": 0, "y": 0}
    used = {"Council": {"asset_id": "Ref", "utilisation": "Use %"}}
    prev = make_run_dir(tmp_path / "a", [site | {"utilisation": 0.9}], columns_used=used)
    used = {"Council": {"asset_id": "Ref", "occupancy": "Staff", "capacity": "Desks"}}
    cur = make_run_dir(tmp_path / "b", [site | {"utilisation": 0.5}], columns_used=used)
    report = compare_runs(prev, cur)
    assert set(report.columns["field"]) == {"occupancy", "capacity"}
    assert list(report.changes["change"]) == ["utilisation_fell"]
    # Where one register has no utilisation at all, none is compared.
    used = {"Council": {"asset_id": "Ref"}}
    cur = make_run_dir(tmp_path / "c", [site | {"utilisation": 0.5}], columns_used=used)
    report = compare_runs(prev, cur)
    assert report.changes.empty and "utilisation" in set(report.columns["field"])


def test_a_uprn_shared_by_two_partners_keeps_each_partners_asset_with_its_partner() -> None:
    prev = _frame([
        {"partner": "Council", "asset_id": "X1", "uprn": "555", "name": None, "x": 0, "y": 0},
        {"partner": "NHS", "asset_id": "Y1", "uprn": "555", "name": None, "x": 0, "y": 0},
    ])  # fmt: skip
    for order in ([0, 1], [1, 0]):  # whichever comes first in the register
        p = prev.iloc[order].reset_index(drop=True)
        cur = _frame([{"partner": "NHS", "asset_id": "Y2", "uprn": "555", "name": None, "x": 0, "y": 0}])
        m = match_assets(p, cur)
        assert _pairs(p, cur, m) == {("Y1", "Y2", "uprn", "high")}  # the only NHS asset there
