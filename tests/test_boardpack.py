"""The board pack XLSX: sheets, formats, formula-injection safety, atomic and deterministic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from assetmap.boardpack import write_board_pack
from assetmap.plan import PlanResult, plan_estate
from assetmap.schema import REJECT_COLUMNS
from assetmap.testing import make_config, office
from assetmap.testing import make_estate as estate

NASTY = ['=HYPERLINK("http://evil","click")', "+44 1622 000000", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture
def result() -> PlanResult:
    assets = estate(
        office(
            asset_id="=1+1",
            name=NASTY[0],
            partner="Council",
            occupancy=30.0,
            utilisation=0.3,
            tenure="freehold",
            book_value_gbp=1_250_000.0,
            address="-1 High St",
        ),
        office(
            x=150,
            asset_id="@A1",
            name=NASTY[1],
            partner="Police",
            occupancy=50.0,
            utilisation=0.5,
            lease_expiry=pd.Timestamp("2027-03-31"),
        ),
        office(
            x=300,
            name="Refuge",
            partner="Council",
            sensitive=True,
            occupancy=5.0,
            utilisation=0.5,
            address="1 Secret Road",
            postcode="ME14 1AA",
        ),
    )
    return plan_estate(assets, make_config(), as_of=dt.date(2026, 1, 1))


def rejects() -> pd.DataFrame:
    return pd.DataFrame(
        [["NHS", "nhs.csv", 7, "+1", "=cmd|' /C calc'!A0"], ["NHS", "nhs.csv", 8, "X", "no location"]],
        columns=list(REJECT_COLUMNS),
    )


def header(ws: object) -> list[object]:
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def test_sheets_and_layout(tmp_path: Path, result: PlanResult) -> None:
    path = tmp_path / "board_pack.xlsx"
    write_board_pack(path, result, rejects(), title="Kent estate, Q3")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "clusters", "opportunities", "assets", "rejects"]
    assert wb["summary"]["A1"].value == "Kent estate, Q3"
    for name in ("clusters", "opportunities", "assets", "rejects"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert wb["summary"].freeze_panes == "A4"
    opp = wb["opportunities"]
    cols = header(opp)
    assert cols[:4] == ["rank", "action", "asset_id", "partner"]
    row = {c: cell for c, cell in zip(cols, next(opp.iter_rows(min_row=2, max_row=2)), strict=True)}
    assert row["action"].value == "relocate"
    assert row["annual_saving_gbp"].value == pytest.approx(170_000)
    assert "£" in row["annual_saving_gbp"].number_format
    assert "£" in row["capital_receipt_gbp"].number_format
    assert row["into_utilisation_after"].number_format.endswith("%")
    assert "geometry" not in header(wb["clusters"])
    # Summary figures in pounds.
    labels = {r[0].value: r[1] for r in wb["summary"].iter_rows(min_row=4) if r[0].value}
    released = labels["Running cost released a year"]
    assert released.value == pytest.approx(170_000) and "£" in released.number_format
    assert labels["Pilots' reference figure"].value == pytest.approx(0.1)


def test_formula_text_stays_text(tmp_path: Path, result: PlanResult) -> None:
    path = tmp_path / "bp.xlsx"
    write_board_pack(path, result, rejects(), title="=cmd|' /C calc'!A0")
    wb = openpyxl.load_workbook(path)
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    seen.append(cell.value)
    for text in ["=1+1", "@A1", "-1 High St", "+1", "=cmd|' /C calc'!A0", NASTY[0], NASTY[1]]:
        assert text in seen
    # Nothing at all is stored as a formula.
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_sensitive_location_withheld(tmp_path: Path, result: PlanResult) -> None:
    path = tmp_path / "bp.xlsx"
    write_board_pack(path, result, rejects(), title="T")
    ws = openpyxl.load_workbook(path)["assets"]
    cols = header(ws)
    rows = [dict(zip(cols, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    refuge = next(r for r in rows if r["name"] == "Refuge")
    for col in ("address", "postcode", "easting", "northing"):
        assert refuge[col] == "withheld"
    assert "1 Secret Road" not in str(rows)
    assert refuge["rating"] != "red"


def test_deterministic_and_atomic(tmp_path: Path, result: PlanResult) -> None:
    one, two = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_board_pack(one, result, rejects(), title="T")
    write_board_pack(two, result, rejects(), title="T")
    assert one.read_bytes() == two.read_bytes()
    # Replacing an existing file leaves no temporary files behind.
    write_board_pack(one, result, rejects(), title="T")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]
    props = openpyxl.load_workbook(one).properties
    assert props.created == props.modified


def test_failed_write_keeps_old_file(
    tmp_path: Path, result: PlanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assetmap._xlsx as xlsx

    # Fails while the final file is being written (zip rejects a timestamp before 1980).
    monkeypatch.setattr(xlsx, "_ZIP_TIME", (1970, 1, 1, 0, 0, 0))
    path = tmp_path / "bp.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="1980"):
        write_board_pack(path, result, rejects(), title="T")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["bp.xlsx"]


def test_very_large_estates_leave_the_assets_sheet_to_the_geopackage(
    tmp_path: Path, result: PlanResult
) -> None:
    path = tmp_path / "bp.xlsx"
    write_board_pack(path, result, rejects(), title="T", max_asset_rows=2)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["summary", "clusters", "opportunities", "rejects"]
    notes = [r[2].value for r in wb["summary"].iter_rows(min_row=4) if r[0].value == "Note"]
    assert notes == [
        "The assets table (3 rows) is not in this workbook: it is in estate.gpkg, layer assets "
        "(open it in QGIS, or in Excel through Get Data)"
    ]
    write_board_pack(path, result, rejects(), title="T", max_asset_rows=3)
    assert "assets" in openpyxl.load_workbook(path).sheetnames


def test_an_assets_table_past_excels_limit_continues_and_is_noted(
    tmp_path: Path, result: PlanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assetmap._xlsx as xlsx
    import assetmap.boardpack as boardpack

    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    monkeypatch.setattr(boardpack, "MAX_ROWS", 2)
    path = tmp_path / "bp.xlsx"
    write_board_pack(path, result, rejects(), title="T")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:5] == ["summary", "clusters", "opportunities", "assets", "assets 2"]
    names = [r[1] for ws in (wb["assets"], wb["assets 2"]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 3
    notes = [r[2].value for r in wb["summary"].iter_rows(min_row=4) if r[0].value == "Note"]
    assert any("'assets 2'" in n and "estate.gpkg" in n for n in notes)


def test_partly_known_running_cost_says_how_many_it_covers(tmp_path: Path) -> None:
    assets = estate(
        office(occupancy=30.0, utilisation=0.3, running_cost_gbp=1_250_000.0),
        office(x=150, partner="Police", occupancy=50.0, utilisation=0.5, running_cost_gbp=float("nan")),
        office(x=300, partner="NHS", running_cost_gbp=None, gia_m2=None, capacity=None),
    )
    res = plan_estate(assets, make_config(), as_of=dt.date(2026, 1, 1))
    path = tmp_path / "pack.xlsx"
    write_board_pack(path, res, rejects(), title="T")
    ws = openpyxl.load_workbook(path)["summary"]
    rows = {r[0]: (r[1], r[2]) for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    value, note = rows["Estate running cost a year"]
    assert value == pytest.approx(1_250_000)
    assert note.endswith("running cost known for 1 of 3")
    assert rows["Not rated"][0] == 1
    assert rows["Rated green (retain)"][1] == "1 asset(s) not rated (no running cost or utilisation known)"
