"""Run every real register with the smallest config a user would write; print what each gives.

Usage::

    .venv/bin/python scripts/survey_realdata.py [REALDATA] [--mapping]

For every CSV, TSV, XLSX, XLS and ODS file under ``REALDATA`` (default ``../shared/realdata``
or ``$ASSETMAP_REALDATA``), a config naming only the file (plus ``header_row: none`` and
letter columns for NHS ODS ``epraccur.csv``, as its PDF describes) is read, matched and
geocoded as ``assetmap run`` would, and one Markdown table row is printed: rows, placed by
coordinates and by postcode, rejected, or the message that stopped it. ``--mapping`` also
prints which column fed which field. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assetmap._errors import AssetmapError  # noqa: E402
from assetmap.config import parse_config  # noqa: E402
from assetmap.estate import place_partner  # noqa: E402
from assetmap.geocode import PostcodeLookup  # noqa: E402

SUFFIXES = {".csv", ".tsv", ".xlsx", ".xls", ".ods"}
#: What a user has to add for a file that cannot be read as it comes.
EXTRA = {
    "epraccur.csv": {
        "header_row": "none",
        "columns": {"asset_id": "A", "name": "B", "address": ["E", "F", "G", "H", "I"], "postcode": "J"},
    },
}


def survey(realdata: Path, *, mapping: bool) -> None:
    """Print one Markdown table row per register."""
    postcodes = PostcodeLookup()
    print("| register | rows | by coordinates | by postcode | rejected |\n|---|---|---|---|---|")
    for path in sorted(p for p in realdata.rglob("*") if p.suffix.lower() in SUFFIXES):
        name = path.relative_to(realdata).as_posix()
        partner = {"name": "P", "register": str(path), **EXTRA.get(path.name, {})}
        try:
            cfg = parse_config({"title": name, "partners": [partner]}, name, realdata)
            _, rejects, _, summary = place_partner(cfg.partners[0], base_dir=realdata, postcodes=postcodes)
        except AssetmapError as exc:
            print(f"| {name} | stopped: {str(exc).split(': ', 1)[1][:90]}... | | | |")
            continue
        by = summary.by_method
        print(f"| {name} | {summary.rows_read} | {by['coordinates']} | {by['postcode']} | {len(rejects)} |")
        if mapping:
            for field, column in summary.columns_used.items():
                print(f"|   {field} <- {column} | | | | |")


def main() -> None:
    """Parse the arguments and survey."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("ASSETMAP_REALDATA", ROOT.parent / "shared" / "realdata")
    parser.add_argument("realdata", nargs="?", type=Path, default=Path(default))
    parser.add_argument("--mapping", action="store_true", help="also print which column fed which field")
    args = parser.parse_args()
    survey(args.realdata, mapping=args.mapping)


if __name__ == "__main__":
    main()
