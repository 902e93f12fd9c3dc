"""The demo data generator: deterministic, valid configs, registers that match the answer key."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

import openpyxl
import pyogrio
import pytest
from support import DEMO, REPO

from assetmap.config import load_config

PLACES = ("kent", "worcestershire")
BYTE_STABLE = (".csv", ".xlsx", ".geojson")


def _script():
    spec = importlib.util.spec_from_file_location("make_demo_data", REPO / "scripts" / "make_demo_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert _script().main(["--out", str(out)]) == 0
    return out


def _count_rows(path: Path, entry: dict) -> int:
    """Data rows below the header with at least three non-blank cells (so not blank or notes rows)."""
    fmt = entry["format"]
    if fmt in {"gpkg", "shp", "geojson"}:
        return pyogrio.read_info(path)["features"]
    if fmt == "csv":
        with path.open(encoding=entry["encoding"], newline="") as f:
            rows = list(csv.reader(f))
    else:
        wb = openpyxl.load_workbook(path, read_only=True)
        sheet = wb[entry.get("sheet") or wb.sheetnames[0]]
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    body = rows[entry["header_row"] :]
    return sum(1 for r in body if sum(1 for v in r if str(v).strip()) >= 3)


@pytest.mark.parametrize("place", PLACES)
def test_regeneration_is_byte_identical(regenerated: Path, place: str) -> None:
    committed = sorted(p for p in (DEMO / place / "registers").rglob("*") if p.suffix in BYTE_STABLE)
    assert committed
    for path in committed:
        rel = path.relative_to(DEMO)
        assert (regenerated / rel).read_bytes() == path.read_bytes(), f"{rel} differs when regenerated"
    for name in ("assetmap.yaml", "expected.json"):
        assert (regenerated / place / name).read_text("utf-8") == (DEMO / place / name).read_text("utf-8")


@pytest.mark.parametrize("place", PLACES)
def test_config_loads_and_registers_exist(place: str) -> None:
    cfg = load_config(DEMO / place / "assetmap.yaml")
    assert len(cfg.partners) >= 5
    for partner in cfg.partners:
        assert partner.register_file.is_file(), partner.register_file
    assert cfg.uprn_lookup is not None and cfg.uprn_lookup.is_file()


@pytest.mark.parametrize("place", PLACES)
def test_row_counts_match_expected(place: str) -> None:
    expected = json.loads((DEMO / place / "expected.json").read_text("utf-8"))
    cfg = load_config(DEMO / place / "assetmap.yaml")
    sheets = {p.name: p.sheet for p in cfg.partners}
    assert [e["name"] for e in expected["partners"]] == [p.name for p in cfg.partners]
    for entry in expected["partners"]:
        entry = {**entry, "sheet": sheets[entry["name"]]}
        assert _count_rows(DEMO / place / entry["register"], entry) == entry["rows"], entry["name"]
        assert set(entry["rejects"]) <= {m["asset_id"] for m in entry["messy"]}
    assert expected["total_rows"] == sum(e["rows"] for e in expected["partners"])
    assert 250 <= expected["total_rows"] <= 400


@pytest.mark.parametrize("place", PLACES)
def test_one_hostile_name_per_place(place: str) -> None:
    expected = json.loads((DEMO / place / "expected.json").read_text("utf-8"))
    hostile = [m for e in expected["partners"] for m in e["messy"] if "hostile" in m["issue"]]
    assert len(hostile) == 1


def test_previous_quarter_regenerates_and_differs_only_where_the_key_says(regenerated: Path) -> None:
    q2 = DEMO / "kent" / "q2"
    for path in sorted(q2.rglob("*")):
        if path.suffix in (*BYTE_STABLE, ".yaml", ".json"):
            rel = path.relative_to(DEMO)
            assert (regenerated / rel).read_bytes() == path.read_bytes(), f"{rel} differs when regenerated"
    key = json.loads((q2 / "changes.json").read_text("utf-8"))
    kinds = sorted(c["change"] for c in key["changes"])
    assert kinds == ["added", "moved", "removed", "renamed", "utilisation_fell"]
    q3 = DEMO / "kent" / "registers"
    regs = sorted((q2 / "registers").iterdir())
    same = [p.name for p in regs if p.read_bytes() == (q3 / p.name).read_bytes()]
    unchanged = ["kent_medway_nhs_estate.gpkg", "kent_police_estate.geojson", "mbc_assets.xlsx"]
    unchanged.append("uprn_lookup.csv")
    assert same == unchanged
    assert load_config(q2 / "assetmap.yaml").title == "Kent public estate, Q2 2026"
