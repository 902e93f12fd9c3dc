"""The national demo: England's fire and police stations, GP practices, hospitals and libraries.

Counts are computed here from the registers with pandas, independently of assetmap's
readers, and compared with what ``assetmap check`` and ``assetmap run`` report.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from support import DEMO, REALDATA, REPO, realdata

from assetmap.cli import cli
from assetmap.pipeline import run

NATIONAL = DEMO / "national"
REGISTERS = NATIONAL / "registers"
#: A full UK postcode once spaces are removed (the inward code never uses C I K M O V).
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}")


def _fire() -> pd.DataFrame:
    return pd.read_excel(REGISTERS / "fire-stations-dataset.ods", engine="calamine", dtype=str)


def _police() -> pd.DataFrame:
    return pd.read_csv(REGISTERS / "station.tsv", sep="\t", dtype=str, quoting=3)


def _hospitals() -> pd.DataFrame:
    return pd.read_csv(
        REGISTERS / "Hospital.csv", sep="\xac", encoding="latin1", dtype=str, engine="python", quoting=3
    )


def _gps() -> pd.DataFrame:
    return pd.read_csv(REGISTERS / "epraccur.csv", header=None, dtype=str)


def _libraries() -> pd.DataFrame:
    return pd.read_csv(REGISTERS / "libraries.csv", dtype=str)


def _has_postcode(*columns: pd.Series) -> pd.Series:
    """A full postcode in the cell (any spacing), or at the end of an address."""
    found = pd.Series(False, index=columns[0].index)
    for col in columns:
        text = col.fillna("").str.upper().str.replace(r"\s+", "", regex=True)
        found |= text.map(lambda t: bool(POSTCODE.search(t)))
    return found


def _police_station_key(frame: pd.DataFrame) -> pd.Series:
    name = frame["station_name"].fillna("").str.replace(r"[\W_]+", " ", regex=True).str.strip().str.lower()
    postcode = frame["postcode"].fillna("").str.replace(r"\s+", "", regex=True).str.upper()
    where = postcode.where(postcode != "", frame["latitude"].fillna("") + "," + frame["longitude"].fillna(""))
    return frame["force_id"].str.strip() + "|" + name + "|" + where


def test_check_reads_every_register_in_full() -> None:
    result = CliRunner().invoke(cli, ["check", str(NATIONAL / "assetmap.yaml")])
    assert result.exit_code == 0, result.output
    rows = dict(re.findall(r"^(\S[^:\n]*): \S+ \((\d+) rows", result.output, flags=re.M))
    expected = {
        "Fire and rescue services": len(_fire()),
        "Police forces": len(_police()),
        "GP practices": len(_gps()),
        "NHS hospitals": len(_hospitals()),
        "Public libraries": len(_libraries()),
    }
    assert {k: int(v) for k, v in rows.items()} == expected
    assert sum(expected.values()) == 12_351
    # epraccur.csv has no header row: its first line is a practice, not column names.
    assert _gps().iloc[0, 0] == "A81001"
    assert "asset_id          <- Column A" in result.output


@pytest.mark.slow
def test_run_of_blue_light_and_hospitals_places_what_the_files_allow(tmp_path: Path) -> None:
    config = yaml.safe_load((NATIONAL / "assetmap.yaml").read_text(encoding="utf-8"))
    keep = {"Fire and rescue services", "Police forces", "NHS hospitals"}
    config["partners"] = [p for p in config["partners"] if p["name"] in keep]
    for p in config["partners"]:
        p["register"] = str(NATIONAL / p["register"])
    config["map"] = {"pictures_top_clusters": 0}
    path = tmp_path / "assetmap.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run(path, tmp_path / "out")
    got = {p.name: (p.rows_read, p.placed, p.rejected) for p in result.estate.partners}

    fire = _fire()  # 25 West Sussex rows say "Not available here" instead of a location
    fire_ok = pd.to_numeric(fire["STATION_EASTING"], errors="coerce").notna() | _has_postcode(
        fire["STATION_POSTCODE"], fire["STATION_ADDRESS"]
    )
    police = _police()  # Lancashire gives neither coordinates nor postcodes
    police_ok = (police["latitude"].notna() & police["longitude"].notna()) | _has_postcode(
        police["postcode"], police["address"]
    )
    hospitals = _hospitals()
    hosp_ok = hospitals["Latitude"].notna() | _has_postcode(hospitals["Postcode"])
    expected = {
        "Fire and rescue services": (len(fire), int(fire_ok.sum()), int((~fire_ok).sum())),
        "Police forces": (len(police), int(police_ok.sum()), int((~police_ok).sum())),
        "NHS hospitals": (len(hospitals), int(hosp_ok.sum()), int((~hosp_ok).sum())),
    }
    assert got == expected
    assert expected["Fire and rescue services"][2] == 25
    # One row per police station: the neighbourhoods' repeats were removed by the script.
    assert not _police_station_key(police).duplicated().any()
    # No running costs anywhere: the plan has nothing to release and says none is known.
    summary = result.plan.summary
    assert summary["assets_without_running_cost"] == summary["assets"] == len(result.plan.assets)
    assert summary["moves"] == summary["vacant_disposals"] == 0
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["totals"]["placed"] == sum(v[1] for v in expected.values())


def test_the_script_makes_the_committed_registers_from_the_published_files(tmp_path: Path) -> None:
    realdata("police-stations-datapoliceuk", "station.tsv")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from make_national_demo import make
    finally:
        sys.path.remove(str(REPO / "scripts"))
    manifest = make(REALDATA, tmp_path)
    committed = json.loads((REGISTERS / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == committed
    for name in manifest:
        assert (tmp_path / name).read_bytes() == (REGISTERS / name).read_bytes(), name

    gp = pd.read_csv(REALDATA / "nhs-gp-practices-epraccur" / "epraccur.csv", header=None, dtype=str)
    active_gp = gp[2].str.startswith("Y") & (gp[12] == "A") & (gp[25] == "4")
    assert manifest["epraccur.csv"]["rows_kept"] == int(active_gp.sum()) == len(_gps())
    police = pd.read_csv(
        REALDATA / "police-stations-datapoliceuk" / "station.tsv", sep="\t", dtype=str, quoting=3
    )
    england = police[~police["force_id"].isin(["gwent", "dyfed-powys", "northern-ireland"])]
    assert manifest["station.tsv"]["rows_kept"] == _police_station_key(england).nunique() == len(_police())
    libraries = pd.read_csv(REALDATA / "libraries-england-2017" / "libraries.csv", dtype=str)
    assert (
        manifest["libraries.csv"]["rows_kept"] == int(libraries["closed"].isna().sum()) == len(_libraries())
    )
    hospitals = pd.read_csv(
        REALDATA / "nhs-hospitals-nhschoices" / "Hospital.csv",
        sep="\xac", encoding="latin1", dtype=str, engine="python", quoting=3,
    )  # fmt: skip
    assert manifest["Hospital.csv"]["rows_kept"] == int((hospitals["Sector"] == "NHS Sector").sum())
