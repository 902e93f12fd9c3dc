"""Benchmark the workbook reader: python-calamine against openpyxl on a large register (not a test).

Usage::

    .venv/bin/python scripts/bench_readers.py                 # 100,000 rows
    .venv/bin/python scripts/bench_readers.py --rows 10000

Writes a seeded synthetic register (a merged title row, a blank row, then a header and
``--rows`` assets with identifiers stored as text, numbers, whole floats, dates, dates with a
time, blanks, a formula with its saved result and numbers-as-text), then reads every cell
into text (:func:`assetmap.registers._raw.cell_text`) both ways, each in a fresh subprocess
so its peak memory is its own, and checks the two give the same cells.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20260101


def write_register(path: Path, rows: int) -> None:
    """A seeded register of ``rows`` assets, written with openpyxl (write-only)."""
    import numpy as np
    import openpyxl
    from openpyxl.worksheet.cell_range import CellRange

    rng = np.random.default_rng(SEED)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Assets")
    ws.append(["Kent County Council: property terrier"])
    ws.merged_cells.add(CellRange("A1:D1"))  # the title merged across the first columns
    ws.append([])
    ws.append(["Asset Ref", "UPRN", "Name", "Post Code", "Easting", "Northing", "GIA (m2)",
               "Running Cost", "Utilisation %", "Lease Expiry", "Surveyed", "Count"])  # fmt: skip
    base = dt.datetime(2026, 1, 1)
    for i in range(rows):
        lease = base + dt.timedelta(days=int(rng.integers(0, 4000))) if i % 3 else None
        surveyed = base + dt.timedelta(minutes=int(rng.integers(0, 10**6)))
        ws.append([
            f"K{i:06d}", f"{10**11 + i:012d}" if i % 5 else None, f"Site {i}", f"ME{i % 20} {i % 9}AA",
            float(rng.integers(500_000, 620_000)), round(float(rng.uniform(100_000, 180_000)), 2),
            float(rng.integers(50, 5000)), round(float(rng.uniform(1e3, 1e6)), 2),
            round(float(rng.uniform(0, 1)), 3), lease, surveyed, str(i % 7) if i % 2 else i % 7,
        ])  # fmt: skip
    wb.save(path)


def read_openpyxl(path: Path) -> list[list[str | None]]:
    """The reader assetmap used before python-calamine (openpyxl, read-only, cached values)."""
    import openpyxl

    from assetmap.registers._raw import cell_text

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb["Assets"]
    ws.reset_dimensions()
    rows = [[cell_text(v) for v in values] for values in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def read_calamine(path: Path) -> list[list[str | None]]:
    """The reader assetmap uses now."""
    from assetmap.registers._tabular import _open_workbook, _sheet_rows

    wb = _open_workbook(path)
    rows = _sheet_rows(wb.get_sheet_by_name("Assets"))  # type: ignore[attr-defined]
    wb.close()  # type: ignore[attr-defined]
    return rows


def read_register_full(path: Path) -> list[list[str | None]]:
    """``read_register`` end to end (sheet choice, header detection, frame)."""
    from assetmap.registers import read_register

    raw = read_register(path)
    return raw.frame.to_numpy().tolist()


READERS = {"openpyxl": read_openpyxl, "calamine": read_calamine, "read_register": read_register_full}


def _trimmed(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Rows without their trailing blank cells (openpyxl gives ragged rows, calamine padded ones)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def _child(reader: str, path: Path, out: Path) -> None:
    import openpyxl  # noqa: F401  # imports are not part of the time
    import python_calamine  # noqa: F401

    import assetmap.registers  # noqa: F401

    t0 = time.perf_counter()
    rows = READERS[reader](path)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": rows}), encoding="utf-8")


def measure(reader: str, path: Path, tmp: Path) -> dict:
    """Run one reader in a fresh subprocess; its time, peak memory and cells."""
    out = tmp / f"{reader}.json"
    subprocess.run([sys.executable, __file__, "--child", reader, str(path), str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    """Write the register, read it both ways, print a Markdown table row per reader."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "register.xlsx"
        write_register(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        results = {name: measure(name, path, tmp) for name in READERS}
    old, new = _trimmed(results["openpyxl"]["rows"]), _trimmed(results["calamine"]["rows"])
    same = old == new
    print(f"{args.rows:,} rows x 12 columns, {size_mb:.1f} MB xlsx; same cells both ways: {same}")
    if not same:
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                print(f"  first difference on row {i + 1}: {a} != {b}")
                break
    print("| reader | rows | seconds | peak MB |\n|---|---|---|---|")
    for name, res in results.items():
        print(f"| {name} | {args.rows:,} | {res['seconds']:.2f} | {res['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
