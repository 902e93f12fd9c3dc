"""Copy the national demo's registers from the real published files, filtered (not a test).

Usage::

    python scripts/make_national_demo.py                       # from ../shared/realdata
    python scripts/make_national_demo.py --realdata DIR --out data/demo/national/registers

The national demo (``data/demo/national/``) runs assetmap on five real open registers of
England's public buildings. This script makes its ``registers/`` folder from the files as
published, so the filtering is written down and repeatable rather than done by hand:

* fire stations (Home Office, ``fire-stations-dataset.ods``): copied unchanged (every row is
  a fire station in England);
* police stations (data.police.uk ``station.tsv``): forces in England only (Gwent and
  Dyfed-Powys are Welsh, the Police Service of Northern Ireland is not England); and one
  row per station: the file lists a station once for every neighbourhood it serves, so
  rows of the same force with the same station name (ignoring case, spaces and trailing
  punctuation) and the same postcode, or the same position where the postcode is blank,
  are one building. The first row is kept; the others are listed in
  ``police-repeats.csv`` with the row they repeat;
* GP practices (NHS ODS ``epraccur.csv``, no header row): England (National Grouping
  ``Y..``; ``W..`` is Wales), status ``A`` (active) and prescribing setting ``4`` (a GP
  practice, not a walk-in centre, prison or hospice);
* hospitals (NHS Choices ``Hospital.csv``): ``Sector`` "NHS Sector" (independent hospitals
  are not public buildings);
* libraries (DCMS / Libraries Hacked ``libraries.csv``): open libraries (``closed`` blank;
  ``XL``, ``XLR``, ``XLT`` mark closed ones).

Kept rows are copied byte for byte (the encodings, delimiters, quoting and line endings of
the published files are kept, so the demo still shows assetmap reading registers as they
come). ``manifest.json`` records each source's SHA-256, the rows read, kept and dropped
by each rule.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "demo" / "national" / "registers"
REALDATA = ROOT.parent / "shared" / "realdata"

#: Forces in station.tsv that are not in England.
NOT_ENGLAND_FORCES = frozenset({"gwent", "dyfed-powys", "north-wales", "south-wales", "northern-ireland"})
CLOSED_LIBRARY = frozenset({"XL", "XLR", "XLT"})

Row = list[str]
#: A rule: (name, test). A row is dropped by the first rule whose test says True.
Rule = tuple[str, Callable[[Row], bool]]


@dataclass(frozen=True)
class Source:
    """One published file and how to keep its rows."""

    src: str
    dest: str
    encoding: str
    delimiter: str
    quoting: int
    header: bool
    rules: tuple[Rule, ...] = ()


def _records(text: str, source: Source) -> Iterator[tuple[Row, str]]:
    """Each CSV record with its exact text (a quoted value may span lines)."""
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(lines), delimiter=source.delimiter, quoting=source.quoting)
    start = 0
    for row in reader:
        end = reader.line_num
        yield row, "".join(lines[start:end])
        start = end


def _name_key(name: str) -> str:
    return re.sub(r"[\W_]+", " ", name).strip().casefold()


def _postcode_key(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode).upper()


def police_station_key(row: Row) -> tuple[str, str, str]:
    """Which building a station.tsv row is: force, station name, postcode (else position)."""
    force, _nbhd, name, lat, lon, postcode = (row + [""] * 7)[:6]
    where = _postcode_key(postcode) or f"{lat.strip()},{lon.strip()}"
    return force.strip(), _name_key(name), where


def _col(index: int) -> Callable[[Row], str]:
    return lambda row: row[index].strip() if index < len(row) else ""


def sources() -> tuple[Source, ...]:
    """The demo's registers: where each comes from and which rows it keeps."""
    gp_group, gp_status, gp_setting = _col(2), _col(12), _col(25)
    return (
        Source("fire-stations-homeoffice/fire-stations-dataset.ods", "fire-stations-dataset.ods",
               "", "", 0, True),
        Source(
            "police-stations-datapoliceuk/station.tsv", "station.tsv", "utf-8", "\t", csv.QUOTE_NONE, True,
            (("force not in England", lambda r: _col(0)(r) in NOT_ENGLAND_FORCES),),
        ),
        Source(
            "nhs-gp-practices-epraccur/epraccur.csv", "epraccur.csv", "utf-8", ",", csv.QUOTE_MINIMAL, False,
            (
                ("not in England (National Grouping W..)", lambda r: not gp_group(r).startswith("Y")),
                ("not active (status C, D or P)", lambda r: gp_status(r) != "A"),
                ("not a GP practice (prescribing setting not 4)", lambda r: gp_setting(r) != "4"),
            ),
        ),
        Source(
            "nhs-hospitals-nhschoices/Hospital.csv", "Hospital.csv", "latin-1", "\xac", csv.QUOTE_NONE, True,
            (("independent sector", lambda r: _col(4)(r) != "NHS Sector"),),
        ),
        Source(
            "libraries-england-2017/libraries.csv", "libraries.csv", "utf-8", ",", csv.QUOTE_MINIMAL, True,
            (("closed (XL, XLR or XLT)", lambda r: _col(10)(r) in CLOSED_LIBRARY),),
        ),
    )  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _filter(source: Source, text: str) -> tuple[str, dict[str, int], list[dict[str, object]]]:
    """Kept text, counts by rule, and the police repeats (file row numbers, 1-based)."""
    records = list(_records(text, source))
    header = records[:1] if source.header else []
    counts: dict[str, int] = {"rows_read": 0}
    kept: list[str] = [raw for _row, raw in header]
    seen: dict[tuple[str, str, str], int] = {}
    repeats: list[dict[str, object]] = []
    line_no = 1 if source.header else 0
    for row, raw in records[len(header) :]:
        line_no += 1
        if not any(v.strip() for v in row):
            continue
        counts["rows_read"] += 1
        dropped = next((name for name, test in source.rules if test(row)), None)
        if dropped is None and source.dest == "station.tsv":
            key = police_station_key(row)
            if key in seen:
                dropped = "the same station listed again for another neighbourhood"
                repeats.append({"row": line_no, "repeats_row": seen[key], "force": key[0], "station": row[2]})
            else:
                seen[key] = line_no
        if dropped is not None:
            counts[dropped] = counts.get(dropped, 0) + 1
            continue
        kept.append(raw)
    counts["rows_kept"] = counts["rows_read"] - sum(v for k, v in counts.items() if k != "rows_read")
    return "".join(kept), counts, repeats


def make(realdata: Path, out: Path) -> dict[str, object]:
    """Write the filtered registers and ``manifest.json`` into ``out``; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {}
    for source in sources():
        src = realdata / source.src
        if not src.exists():
            raise SystemExit(f"{src} not found: pass --realdata, the folder holding the published files")
        dest = out / source.dest
        entry: dict[str, object] = {"source": source.src, "source_sha256": _sha256(src)}
        if not source.encoding:  # a workbook: copied as it is
            shutil.copyfile(src, dest)
            entry["filter"] = "none: copied unchanged"
        else:
            text = src.read_bytes().decode(source.encoding)
            kept, counts, repeats = _filter(source, text)
            dest.write_bytes(kept.encode(source.encoding))
            entry.update(counts)
            if repeats:
                with open(out / "police-repeats.csv", "w", encoding="utf-8", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=["row", "repeats_row", "force", "station"])
                    writer.writeheader()
                    writer.writerows(repeats)
        entry["sha256"] = _sha256(dest)
        manifest[source.dest] = entry
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


BLUE_LIGHT = ("fire", "police")
HEALTH = "nhs"
LIBRARY = "Public libraries"


def towns(out: Path) -> pd.DataFrame:
    """Clusters of a run with fire, police, health (GP or hospital) and library buildings.

    One row per cluster of ``out/estate.gpkg``: its id, number of assets, counts by partner,
    and the library's and fire station's names and postcode (which say the town).
    """
    import geopandas as gpd

    assets = gpd.read_file(out / "estate.gpkg", layer="assets", engine="pyogrio")
    member = assets[assets["cluster_id"].notna()]
    rows = []
    for cid, g in member.groupby("cluster_id", sort=True):
        kinds = set(g["partner_kind"])
        if not (set(BLUE_LIGHT) <= kinds and HEALTH in kinds and LIBRARY in set(g["partner"])):
            continue
        lib = g[g["partner"] == LIBRARY].iloc[0]
        fire = g[g["partner_kind"] == "fire"].iloc[0]
        counts = g["partner"].value_counts().sort_index().to_dict()
        rows.append(
            {"cluster_id": cid, "assets": len(g), **counts, "library": lib["name"],
             "fire_station": fire["name"], "postcode": lib["postcode"]}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    if not len(table):
        return table
    partners = sorted(set(table.columns) - {"cluster_id", "assets", "library", "fire_station", "postcode"})
    table[partners] = table[partners].fillna(0).astype(int)
    table = table[["cluster_id", "assets", *partners, "library", "fire_station", "postcode"]]
    return table.sort_values(["assets", "cluster_id"], ascending=[False, True])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="folder of the published files")
    parser.add_argument("--out", type=Path, default=OUT, help="where the demo's registers go")
    parser.add_argument(
        "--towns", type=Path, metavar="RUN_OUT", help="list the towns of a run's clusters instead"
    )
    args = parser.parse_args()
    if args.towns:
        table = towns(args.towns)
        print(f"{len(table)} clusters with fire, police, health and library buildings within a walk")
        print(table.to_csv(index=False), end="")
        return
    manifest = make(args.realdata, args.out)
    for name, entry in manifest.items():
        counts = {k: v for k, v in entry.items() if isinstance(v, int)}
        print(f"{name}: {counts or entry.get('filter')}", file=sys.stderr)


if __name__ == "__main__":
    main()
