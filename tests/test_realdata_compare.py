"""The change report on a real council's two years: Cheltenham's 2021 and 2023 registers.

Between the two years the council's register changed its schema: asset codes were re-cased
and re-suffixed (``09/00012/Land`` became ``09/00012/LAND``, ``09/00002/Land and Building``
became ``09/00002/BLDG``), several parcels share one UPRN, and the name column went. The
quarterly run must count as continuing what an estates officer reconciling the two files by
hand would, and must not report names "changed to nothing".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support import realdata

from assetmap.compare import load_run
from assetmap.quarter import QuarterResult, run_quarter

pytestmark = pytest.mark.slow  # the whole pipeline on real registers

PARTNER = "Cheltenham Borough Council"
FILES = {
    "2021-Q1": "local_authority_land_and_assets_2021.csv",
    "2023-Q1": "local_authority_land_and_assets_2023.csv",
}


@pytest.fixture(scope="module")
def quarters(tmp_path_factory: pytest.TempPathFactory) -> tuple[QuarterResult, dict[str, pd.DataFrame]]:
    """Both years run as quarters with the smallest config a user would write.

    Partner name, kind and register; plus ``title``, which the config schema requires.
    """
    root = tmp_path_factory.mktemp("cheltenham")
    registers = {}
    result = None
    for period, name in FILES.items():
        src = realdata("cheltenham-land-assets", name)
        folder = root / period
        folder.mkdir()
        shutil.copy(src, folder / name)
        config = (
            f"title: Cheltenham Borough Council land and assets\n"
            f"partners:\n  - name: {PARTNER}\n    kind: council\n    register: {name}\n"
        )
        (folder / "assetmap.yaml").write_text(config, "utf-8")
        result = run_quarter(folder / "assetmap.yaml", period, runs_dir=root / "runs")
        registers[period] = _register(src)
    assert result is not None and result.changes is not None
    return result, registers


def _register(path: Path) -> pd.DataFrame:
    """A register as an estates officer reads it: every non-empty row, codes and UPRNs as written."""
    frame = pd.read_csv(path, encoding="latin1", dtype=str).dropna(how="all").reset_index(drop=True)
    x, y = (pd.to_numeric(frame[c], errors="coerce") for c in ("GeoX", "GeoY"))
    frame["has_coordinates"] = x.notna() & y.notna()
    # The council's reference is the code's first two parts ("09/00012"); the last part is a type.
    frame["reference"] = frame["AssetCode"].str.upper().str.split("/").str[:2].str.join("/")
    frame["uprn_number"] = pd.to_numeric(frame["UPRN"], errors="coerce").astype("Int64")
    return frame


def _pair_in_order(old: pd.DataFrame, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows of ``old`` and ``new`` sharing ``key``, each used once (the n-th with the n-th)."""
    old = old.assign(_n=old.groupby(key).cumcount()).reset_index(names="_old")
    new = new.assign(_n=new.groupby(key).cumcount()).reset_index(names="_new")
    return old.merge(new, on=[key, "_n"])[["_old", "_new"]]


def _reconcile(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, int]:
    """Reconcile two registers by hand: the same reference is the same asset; of the rest, the same UPRN."""
    by_reference = _pair_in_order(old, new, "reference")
    rest_old = old.drop(index=by_reference["_old"])
    rest_new = new.drop(index=by_reference["_new"])
    by_uprn = _pair_in_order(rest_old, rest_new, "uprn_number")
    continuing = len(by_reference) + len(by_uprn)
    return {
        "continuing": continuing,
        "removed": len(old) - continuing,
        "added": len(new) - continuing,
        "by_reference": len(by_reference),
    }


def test_rows_without_coordinates_are_the_rejects(quarters: tuple[QuarterResult, dict]) -> None:
    """The comparison is of placed assets: the rows the run could not place are in rejects.csv."""
    result, registers = quarters
    for period, frame in registers.items():
        rejects = pd.read_csv(
            result.run_dir.parent / period / "rejects.csv",
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
        )
        assert sorted(rejects["asset_id"]) == sorted(frame.loc[~frame["has_coordinates"], "AssetCode"])
    assert len(registers["2021-Q1"]) == 498 and len(registers["2023-Q1"]) == 459


def test_continuing_added_and_removed_match_a_reconciliation_by_hand(
    quarters: tuple[QuarterResult, dict],
) -> None:
    result, registers = quarters
    report = result.changes
    old, new = (registers[p][registers[p]["has_coordinates"]].reset_index(drop=True) for p in FILES)
    truth = _reconcile(old, new)
    assert truth["continuing"] > 350  # the reconciliation itself is sane: most assets are still there
    got = {k: report.counts[k] for k in ("continuing", "removed", "added")}
    assert got == {k: truth[k] for k in ("continuing", "removed", "added")}
    # The same pairs, not only the same counts: as many pairs share the council's reference as by
    # hand, and every other pair shares a UPRN.
    m = report.matches
    assert m["previous_index"].is_unique and m["current_index"].is_unique
    prev, cur = load_run(result.previous_dir).assets, load_run(result.run_dir).assets
    p = prev.loc[m["previous_index"]].reset_index(drop=True)
    c = cur.loc[m["current_index"]].reset_index(drop=True)
    reference = lambda s: s.str.upper().str.split("/").str[:2].str.join("/")  # noqa: E731
    same_reference = reference(p["asset_id"]) == reference(c["asset_id"])
    assert int(same_reference.sum()) == truth["by_reference"]
    assert (p["uprn"].str.lstrip("0") == c["uprn"].str.lstrip("0"))[~same_reference].all()


def test_the_issues_car_parks_and_bus_station_are_not_removed(quarters: tuple[QuarterResult, dict]) -> None:
    report = quarters[0].changes
    removed = set(report.changes.loc[report.changes["change"] == "removed", "previous_asset_id"])
    car_parks = {"09/00012/Land", "09/00071/Land"}  # two parcels of one car park, one UPRN
    bus_station = {"09/00072/Land", "10/00070/Land and Building"}  # two parcels, one UPRN
    assert not (car_parks | bus_station | {"09/00002/Land and Building"}) & removed
    assert (
        report.counts["matched_by_asset_id (normalised)"] > 100
        and report.counts["matched_by_asset_id stem"] > 100
    )


def test_a_name_column_that_went_is_said_once_not_as_hundreds_of_renames(
    quarters: tuple[QuarterResult, dict],
) -> None:
    result = quarters[0]
    report = result.changes
    renamed = report.changes[report.changes["change"] == "renamed"]
    assert renamed.empty
    assert not report.changes["detail"].fillna("").str.contains(r"^name ", regex=True).any()
    went = report.columns[
        (report.columns["partner"] == PARTNER) & (report.columns["change"] == "disappeared")
    ]
    assert dict(zip(went["field"], went["previous_column"], strict=True)) == {
        "name": "PropertyName",
        "postcode": "PostCode",
    }
    assert set(went["basis"]) == {"run.json columns_used"}
    note = next(n for n in report.notes if "has no name or postcode columns" in n)
    html = (result.run_dir / "report.html").read_text("utf-8")
    assert html.count("has no name or postcode columns") == 1  # said once, at the top
    assert html.index("has no name or postcode columns") < html.index("Headline figures")
    assert '<td>renamed</td><td class="n">0</td>' in html and "<tr><td>renamed</td><td>Chelt" not in html
    summary = openpyxl.load_workbook(result.run_dir / "changes.xlsx")["change summary"]
    rows = [tuple(r) for r in summary.iter_rows(values_only=True)]
    assert ("register change", note) in rows
    # Assets without a name are shown by their address, as the 2023 register writes it.
    added = report.changes[report.changes["change"] == "added"]
    site = quarters[1]["2023-Q1"].set_index("AssetCode")["Site Address"].map(lambda v: " ".join(v.split()))
    assert len(added) > 50
    assert [" ".join(n.split()) for n in added["name"]] == list(site.loc[added["asset_id"]])
