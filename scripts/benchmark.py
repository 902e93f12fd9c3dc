"""Benchmark ``assetmap run`` end to end on synthetic national registers (not a test).

Usage::

    .venv/bin/python scripts/benchmark.py                          # 10,000 and 100,000 assets
    .venv/bin/python scripts/benchmark.py --sizes 10000,100000,1000000   # 1,000,000 is opt-in (minutes)
    .venv/bin/python scripts/benchmark.py --writers 100000         # the spreadsheet and GeoPackage writers

For each size the registers are written to disk (``scripts/national_registers.py``: six
partners, cp1252 CSVs with ``£`` and title rows, a GeoPackage, easting/northing for some,
latitude/longitude for one, every asset at a random real GB postcode, 1% unplaceable; kept
in ``--work`` and reused), then ``assetmap run`` runs on them as a subprocess. Reported:
wall time and peak memory of the whole process (``os.wait4``), and per stage the seconds
and the process's peak memory when the stage ended, from ``run.json`` (``timings_s`` and
``peak_rss_mb``). The floor, measured in the same session in its own subprocess, is the
least work any tool must do: read the registers with pyarrow (and the GeoPackage with
pyogrio's Arrow reader), load the postcode table and join every postcode against it in one
vectorised join, run one DBSCAN (400 m, two assets), and write the run's own GeoPackage
layers and CSVs again with nothing but pyogrio's Arrow writer and pyarrow's CSV writer. Each
stage is shown as a ratio to its floor: read and clean against the read, geocode against the
table load and join, clustering and planning against DBSCAN, the GeoPackage and the CSVs
against writing them bare, the whole run against the whole floor. The map, the pictures and
the board pack have no floor here (no other tool writes the same thing).

The machine is described at the top of the output (cores, memory, Python, packages), and
the tables are Markdown, ready for ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))

from national_registers import PARTNERS, write_national  # noqa: E402

PACKAGES = ("pandas", "numpy", "pyarrow", "geopandas", "pyogrio", "shapely", "scikit-learn", "scipy",
            "matplotlib", "openpyxl", "xlsxwriter", "rustpy-xlsxwriter")  # fmt: skip
#: Stage in run.json -> the floor step it is compared with.
FLOOR_OF = {"read_clean": "read", "geocode": "postcodes", "plan": "dbscan", "write_gpkg": "gpkg",
            "write_csv": "csv", "total": "total"}
STAGES = ("read_clean", "geocode", "combine", "areas", "plan", "map_early", "write", "write_gpkg",
          "write_csv", "write_board_pack", "map", "pictures", "total")  # fmt: skip
#: CPU seconds in run.json (``cpu_s``) shown against a stage: reading to combining is one figure.
CPU_OF = {"read_clean": "estate", "pictures": "pictures_process", "map_early": "map_early_process"}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One paragraph: cores, memory, Python and the key packages' versions."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return (
        f"Machine: {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}; {', '.join(versions)}. Load average at start: {load}."
    )


# -- the floor -------------------------------------------------------------------------------------
def floor(folder: Path) -> dict[str, float]:
    """Time the least work: read every register, one postcode join, one DBSCAN (in this process)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import pyogrio
    from sklearn.cluster import DBSCAN

    from assetmap.geocode import PostcodeLookup

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    tables = []
    for p in PARTNERS:
        path = folder / "registers" / p.file
        if p.style == "gpkg":
            _meta, table = pyogrio.read_arrow(path, layer="estate", columns=["Post Code"])
        else:
            skip = 3 if p.style.startswith("cp1252") else 0  # the title rows
            enc = "cp1252" if p.style.startswith("cp1252") else "utf-8"
            table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows=skip, encoding=enc))
        tables.append(table.select(["Post Code"]))
    postcodes = pa.concat_tables(tables)["Post Code"]
    out["read"] = time.perf_counter() - t0
    out["read_peak_mb"] = _peak_mb()

    lookup = PostcodeLookup()
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for letter in letters:  # the decoded directory is cached as Parquet by the run before
        if not lookup._cache_file(letter).exists():
            lookup._table(letter)
    t0 = time.perf_counter()
    # a letter with no districts has null-typed text columns: promote them to text
    directory = pa.concat_tables(
        [pq.read_table(lookup._cache_file(c)) for c in letters], promote_options="permissive"
    )
    directory = directory.cast(pa.schema([f.with_type(pa.large_string()) if f.name == "key" else f
                                          for f in directory.schema]))  # fmt: skip
    keys = pc.replace_substring(pc.utf8_upper(postcodes), " ", "").cast(pa.large_string())
    if len(keys) * 10 < directory.num_rows:  # hash the registers' postcodes, probe the directory
        joined = directory.join(pa.table({"key": keys}), "key", join_type="inner")
    else:  # hash the directory once, probe it with every postcode
        at = pc.index_in(keys, value_set=directory["key"])
        joined = directory.take(pc.drop_null(at))
    xy = np.column_stack([joined["easting"].to_numpy(), joined["northing"].to_numpy()])
    xy = xy[np.isfinite(xy).all(axis=1)]
    out["postcodes"] = time.perf_counter() - t0
    out["postcodes_peak_mb"] = _peak_mb()
    out["directory_rows"] = directory.num_rows

    t0 = time.perf_counter()
    DBSCAN(eps=400, min_samples=2).fit(xy)
    out["dbscan"] = time.perf_counter() - t0
    out["dbscan_peak_mb"] = _peak_mb()
    out |= write_floor(folder / "out")
    out["total"] = out["read"] + out["postcodes"] + out["dbscan"] + out["gpkg"] + out["csv"]
    return out


def write_floor(out_dir: Path) -> dict[str, float]:
    """Time writing the run's own tables with nothing but pyogrio's and pyarrow's writers.

    The layers of the run's ``estate.gpkg`` and its CSVs are read back as Arrow tables (not
    timed) and written again (timed): the least any tool writing the same content must do.
    """
    import tempfile

    import pyarrow.csv as pacsv
    import pyogrio

    out: dict[str, float] = {}
    gpkg = out_dir / "estate.gpkg"
    layers = [(name, pyogrio.read_arrow(gpkg, layer=name)) for name, _kind in pyogrio.list_layers(gpkg)]
    csvs = [pacsv.read_csv(path) for path in sorted(out_dir.glob("*.csv")) if path.stat().st_size > 0]
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        t0 = time.perf_counter()
        for name, (meta, table) in layers:
            pyogrio.write_arrow(
                table, Path(tmp) / "floor.gpkg", layer=name, driver="GPKG", append=name != layers[0][0],
                geometry_name=meta["geometry_name"] or None, crs=meta["crs"],
                geometry_type=meta["geometry_type"] if meta["geometry_name"] else None,
            )  # fmt: skip
        out["gpkg"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i, table in enumerate(csvs):
            pacsv.write_csv(table, Path(tmp) / f"floor-{i}.csv")
        out["csv"] = time.perf_counter() - t0
    return out


# -- running assetmap ------------------------------------------------------------------------------
def run_child(cmd: list[str], cwd: Path) -> tuple[float, float, int, str, float]:
    """Run ``cmd``; return wall seconds, its peak memory in MB, its exit code, its stderr and its
    CPU seconds (user and system, with those of the processes it waited for)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode, err, cpu


def bench_size(n: int, work: Path, with_floor: bool) -> dict[str, object]:
    folder = work / f"national-{n}"
    t0 = time.perf_counter()
    # Made in a process of its own: Linux keeps a process's peak memory across fork and exec,
    # so the registers' generation (the whole postcode table) would count as the run's peak.
    cmd = [sys.executable, str(Path(__file__).resolve()), "--make", str(folder), str(n)]
    config = Path(
        subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )
    generated = time.perf_counter() - t0
    print(
        f"{n:,} assets: registers ready in {generated:.0f} s; running assetmap", file=sys.stderr, flush=True
    )
    out = folder / "out"
    cmd = [sys.executable, "-m", "assetmap", "run", str(config), "--out", str(out), "--quiet"]
    load = os.getloadavg()[0]
    wall, peak, code, err, cpu = run_child(cmd, ROOT)
    if code:
        raise SystemExit(f"assetmap run failed on {n:,} assets (exit {code}):\n{err}")
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    load = f"{load:.1f} to {os.getloadavg()[0]:.1f}"
    row: dict[str, object] = {
        "n": n,
        "wall": wall,
        "peak_mb": peak,
        "record": record,
        "cpu": cpu,
        "load": load,
    }
    if with_floor:
        print(f"{n:,} assets: measuring the floor", file=sys.stderr, flush=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--floor-of", str(folder)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit(f"floor failed:\n{proc.stderr}")
        row["floor"] = json.loads(proc.stdout.strip().splitlines()[-1])
    return row


def table(row: dict[str, object]) -> str:
    """Markdown: one line per stage with seconds, peak MB, floor and ratio."""
    record = row["record"]
    timings, peaks = record["timings_s"], record.get("peak_rss_mb", {})
    fl = row.get("floor") or {}
    totals = record["totals"]
    lines = [
        f"### {row['n']:,} assets ({totals['placed']:,} placed, {totals['rejected']:,} rejected; "
        f"{record['plan'].get('clusters', '?')} clusters)",
        "",
        f"`assetmap run` as a subprocess: **{row['wall']:.1f} s** wall, **{row['cpu']:.1f} s** CPU, "
        f"**{row['peak_mb']:,.0f} MB** peak (imports and start-up included; `total` below is inside the "
        f"run); load average {row['load']} while it ran.",
        "",
        "| stage | seconds | CPU seconds | peak MB at stage end | floor seconds | x floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    cpu = record.get("cpu_s", {})
    for stage in STAGES:
        if stage not in timings:
            continue
        step = FLOOR_OF.get(stage)
        f_s = fl.get(step) if step else None
        ratio = f"{timings[stage] / f_s:.1f}" if f_s else ""
        f_text = f"{f_s:.2f}" if f_s else ""
        peak = peaks.get(stage) or peaks.get(CPU_OF.get(stage, ""))
        peak_text = f"{peak:,.0f}" if peak else ""
        spent = cpu.get(CPU_OF.get(stage, stage), cpu.get(stage))
        cpu_text = (
            ""
            if spent is None
            else f"{spent:.2f}" + (" (reading to combining)" if stage == "read_clean" else "")
        )
        lines.append(f"| {stage} | {timings[stage]:.2f} | {cpu_text} | {peak_text} | {f_text} | {ratio} |")
    if fl:
        lines += [
            "",
            f"Floor: read {fl['read']:.2f} s, postcode table ({fl['directory_rows']:,} rows) and join "
            f"{fl['postcodes']:.2f} s, DBSCAN {fl['dbscan']:.2f} s (peak {fl['dbscan_peak_mb']:,.0f} MB); "
            f"the run's GeoPackage layers written again by pyogrio's Arrow writer {fl.get('gpkg', 0):.2f} s, "
            f"its CSVs by pyarrow {fl.get('csv', 0):.2f} s.",
        ]
    return "\n".join(lines)


# -- the writers -----------------------------------------------------------------------------------
def bench_writers(n: int, work: Path) -> str:
    """Time the board pack and GeoPackage writers on one estate (this process; each once)."""
    import datetime as dt

    from assetmap import _xlsx
    from assetmap.boardpack import _assets_sheet, write_board_pack
    from assetmap.config import load_config
    from assetmap.estate import build_estate
    from assetmap.outputs import write_layers
    from assetmap.plan import plan_estate

    config = write_national(work / f"national-{n}", n)
    cfg = load_config(config)
    estate = build_estate(cfg)
    plan = plan_estate(estate.assets, cfg, as_of=dt.date(2026, 9, 30))
    folder = work / f"writers-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    assets = _assets_sheet(plan.assets)
    rows = [f"Writers on {n:,} assets (assets sheet {assets.shape[0]:,} x {assets.shape[1]} cells):", "",
            "| writer | seconds | MB on disk |", "|---|---:|---:|"]  # fmt: skip

    def timed(label: str, path: Path, write: object) -> None:
        t0 = time.perf_counter()
        write()  # type: ignore[operator]
        rows.append(f"| {label} | {time.perf_counter() - t0:.1f} | {path.stat().st_size / 1e6:.1f} |")
        print(rows[-1], file=sys.stderr, flush=True)

    timed("board pack, assetmap (Arrow string kernels)", folder / "bp.xlsx",
          lambda: write_board_pack(folder / "bp.xlsx", plan, estate.rejects, title="x"))  # fmt: skip
    timed("assets sheet only, assetmap", folder / "a.xlsx",
          lambda: _xlsx.write_sheets(folder / "a.xlsx", {"assets": assets}))  # fmt: skip
    timed("assets sheet only, openpyxl write-only cells", folder / "o.xlsx",
          lambda: _openpyxl_sheet(folder / "o.xlsx", assets))  # fmt: skip
    try:
        timed("assets sheet only, XlsxWriter constant_memory", folder / "x.xlsx",
              lambda: _xlsxwriter_sheet(folder / "x.xlsx", assets))  # fmt: skip
    except ImportError:
        rows.append("| XlsxWriter | not installed | |")
    try:
        timed("assets sheet only, rustpy-xlsxwriter (Arrow; no per-cell types)", folder / "r.xlsx",
              lambda: _rustpy_sheet(folder / "r.xlsx", assets))  # fmt: skip
    except ImportError:
        rows.append("| rustpy-xlsxwriter | not installed | |")
    layers = {"assets": plan.assets, "clusters": plan.clusters}
    for arrow in (True, False):
        path = folder / f"estate-{arrow}.gpkg"
        path.unlink(missing_ok=True)
        timed(
            f"estate.gpkg, pyogrio use_arrow={arrow}",
            path,
            lambda p=path, a=arrow: write_layers(p, layers, use_arrow=a),
        )
    return "\n".join(rows)


def _openpyxl_sheet(path: Path, frame: object) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from assetmap._xlsx import clean_value, number_format

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("assets")
    formats = [number_format(str(c)) for c in frame.columns]
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for value, fmt in zip(row, formats, strict=True):
            cell = WriteOnlyCell(ws, value=clean_value(value))
            if fmt and isinstance(cell.value, float):
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)
    wb.save(path)


def _xlsxwriter_sheet(path: Path, frame: object) -> None:
    import xlsxwriter

    from assetmap._xlsx import clean_value, number_format

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("assets")
    formats = [
        wb.add_format({"num_format": f}) if f else None for f in map(number_format, map(str, frame.columns))
    ]
    for c, name in enumerate(frame.columns):
        ws.write_string(0, c, str(name))
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for c, value in enumerate(row):
            value = clean_value(value)
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, formats[c])
            elif value is not None:
                ws.write(r, c, value)
    wb.close()


def _rustpy_sheet(path: Path, frame: object) -> None:
    import pandas as pd
    import pyarrow as pa
    from rustpy_xlsxwriter import write_worksheet

    typed = frame.copy()
    for col in typed.columns:  # Arrow needs one type per column: mixed columns become text
        if typed[col].dtype == object:
            typed[col] = (
                typed[col].map(lambda v: None if v is None or v is pd.NA else str(v)).astype("string")
            )
    write_worksheet(pa.Table.from_pandas(typed, preserve_index=False), str(path), sheet_name="assets",
                    freeze_row=1, autofilter=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated sizes (default 10000,100000)"
    )
    work = Path(os.environ.get("TMPDIR", "/tmp")) / "assetmap-benchmark"
    parser.add_argument(
        "--work", type=Path, default=work, help="folder for the registers and outputs (reused)"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the floor measurement")
    parser.add_argument(
        "--writers", type=int, metavar="N", help="time the spreadsheet and GeoPackage writers"
    )
    parser.add_argument("--floor-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=2, metavar=("FOLDER", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        print(write_national(Path(args.make[0]), int(args.make[1])))
        return
    if args.floor_of:
        print(json.dumps(floor(args.floor_of)))
        return
    print(machine())
    print()
    if args.writers:
        print(bench_writers(args.writers, args.work))
        return
    for n in (int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()):
        row = bench_size(n, args.work, with_floor=not args.no_floor)
        print(table(row))
        print(flush=True)


if __name__ == "__main__":
    main()
