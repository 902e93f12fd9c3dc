"""Quarterly runs: one directory per period, never overwritten by accident, and ``runs/latest``.

``run_quarter(config, "2026-Q3")`` runs the whole job into a staging directory inside
``runs/`` (beside the config unless told otherwise), compares it with the newest earlier
period found there (``changes.csv``, ``changes.xlsx``), writes the board report
(``report.html``, ``report.pdf``) and ``quarter.json``, and only then renames the staging
directory to ``runs/2026-Q3`` and points ``runs/latest`` at the newest period. A run that
fails at any point removes its staging directory and leaves every earlier period and
``runs/latest`` as they were. An existing period is replaced only with ``force=True``, and
then only once the new run has succeeded.

``runs/latest`` is a relative symbolic link; where the file system refuses symbolic links
the newest period's name is written to ``runs/LATEST`` instead. :func:`latest_run` reads
either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pipeline
from . import report as board_report
from ._errors import PeriodError
from ._io import clean_staging, make_staging, swap_in, write_text
from .areas import area_csv
from .boardpack import write_board_pack
from .compare import ChangeReport, change_sheets, compare_runs, write_changes
from .config import CompareConfig, Config, compare_thresholds, config_yaml, load_config
from .outputs import write_json

_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")
LATEST_LINK = "latest"
LATEST_FILE = "LATEST"
#: The settings a period built from a config given in Python ran with (every path absolute).
SETTINGS_FILE = "run_config.yaml"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting quarter, such as ``2026-Q3``; periods sort in time order."""

    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def end(self) -> dt.date:
        """The last day of the quarter: the date a quarterly run's figures are "as at"."""
        if self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Period:
        """The quarter before this one."""
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)


def parse_period(text: str) -> Period:
    """Read a period written as ``YYYY-Qn`` (``2026-Q3``).

    Raises
    ------
    PeriodError
        If ``text`` is not a year from 2000 to 2099, a dash and ``Q1`` to ``Q4``.
    """
    match = _PERIOD.match(str(text).strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2099:
        raise PeriodError(f"period {text!r} is not like 2026-Q3 (a year, a dash, then Q1, Q2, Q3 or Q4)")
    return Period(int(match.group(1)), int(match.group(2)))


def list_periods(runs_dir: str | Path) -> list[Period]:
    """The periods with a finished run (a ``run.json``) in ``runs_dir``, oldest first."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        if _PERIOD.match(child.name) and not child.is_symlink() and (child / "run.json").is_file():
            found.append(parse_period(child.name))
    return sorted(found)


def previous_run(runs_dir: str | Path, period: str | Period) -> Path | None:
    """The newest finished period before ``period`` in ``runs_dir`` (gaps are skipped), or None."""
    this = period if isinstance(period, Period) else parse_period(period)
    earlier = [p for p in list_periods(runs_dir) if p < this]
    return Path(runs_dir) / str(earlier[-1]) if earlier else None


def latest_run(runs_dir: str | Path) -> Path | None:
    """Where ``runs/latest`` (or ``runs/LATEST``) points, or None when neither exists."""
    root = Path(runs_dir)
    link = root / LATEST_LINK
    if link.is_symlink():
        return root / os.readlink(link)
    if (root / LATEST_FILE).is_file():
        name = (root / LATEST_FILE).read_text("utf-8").strip()
        return root / name if _PERIOD.match(name) else None
    return None


def update_latest(runs_dir: str | Path) -> Path | None:
    """Point ``runs/latest`` at the newest finished period; return it (None if there is none).

    The link is replaced atomically (a new link beside it, then ``os.replace``). Where symbolic
    links cannot be made, ``runs/LATEST`` holds the period's name.
    """
    root = Path(runs_dir)
    periods = list_periods(root)
    if not periods:
        return None
    name = str(periods[-1])
    link = root / LATEST_LINK
    tmp = root / f".{LATEST_LINK}.{os.getpid()}"
    try:
        if link.exists() and not link.is_symlink():
            raise OSError(f"{link} is not a symbolic link")
        tmp.unlink(missing_ok=True)
        os.symlink(name, tmp, target_is_directory=True)
        os.replace(tmp, link)
        (root / LATEST_FILE).unlink(missing_ok=True)
    except (OSError, NotImplementedError):
        tmp.unlink(missing_ok=True)
        write_text(root / LATEST_FILE, name + "\n")
    return root / name


@dataclass
class QuarterResult:
    """What :func:`run_quarter` produced."""

    period: Period
    run_dir: Path
    previous_dir: Path | None
    run: Any
    changes: ChangeReport | None
    outputs: dict[str, Path] = field(default_factory=dict)
    #: What was written to the PostGIS database (``output.postgis``), if anything.
    database: dict[str, object] | None = None


def run_quarter(
    config: str | Path | Config,
    period: str | Period,
    *,
    runs_dir: str | Path | None = None,
    force: bool = False,
    runner: Callable[[Path | Config, Path], Any] | None = None,
    moved_m: float | None = None,
    utilisation_points: float | None = None,
) -> QuarterResult:
    """Run one period into ``runs/<period>``, compare it with the last one and write the board report.

    Parameters
    ----------
    config : str, Path or Config
        The YAML config, or a config loaded or built in Python (its ``base_dir`` stands for
        the file's folder; its settings are kept as ``run_config.yaml`` in the period's folder).
    period : str or Period
        The quarter, ``YYYY-Qn``.
    runs_dir : str or Path, optional
        Directory of period runs; default ``runs/`` beside the config.
    force : bool
        Replace the period's run if there is one (only once the new run has succeeded).
    runner : callable, optional
        ``runner(config, out_dir)`` doing the run (``config`` is the file's path, or the
        Config when there is no file); default :func:`assetmap.pipeline.run` with the figures
        as at the quarter's last day (unless the config sets ``as_of``).
    moved_m, utilisation_points : float, optional
        Change report thresholds (see :func:`assetmap.compare.compare_runs`); default the
        config's ``compare:`` section.

    Returns
    -------
    QuarterResult

    Raises
    ------
    PeriodError
        If the period is malformed, or already run and ``force`` is not given.
    AssetmapError
        For problems with the config or registers (nothing is changed in ``runs/``).
    """
    this = period if isinstance(period, Period) else parse_period(period)
    if isinstance(config, Config):
        cfg, config_path = config, None
    else:
        config_path = Path(config).resolve()
        cfg = load_config(config_path)  # a config error is reported before anything is written
    thresholds = compare_thresholds(cfg.compare, moved_m=moved_m, utilisation_points=utilisation_points)
    root = Path(runs_dir).resolve() if runs_dir is not None else Path(cfg.base_dir).resolve() / "runs"
    target = root / str(this)
    if (target.exists() or target.is_symlink()) and not force:
        raise PeriodError(f"{target} already exists: use --force to replace it with a new run")
    if cfg.output.postgis:  # the database answers and lacks the period (checked again when written)
        from .postgis import check_target, output_target

        check_target(output_target(cfg.output), period=str(this), replace=force)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PeriodError(f"cannot create the runs directory {root}: {exc.strerror}") from exc
    with _period_lock(root, this):
        run = _Run(cfg, config_path, runner, thresholds)
        return _run_locked(run, this, root, target, force)


@dataclass(frozen=True)
class _Run:
    """What a period is run from: the config (and its file, if any), how, and the change thresholds."""

    config: Config
    path: Path | None
    runner: Callable[[Path | Config, Path], Any] | None
    thresholds: CompareConfig

    def __call__(self, staging: Path, period: Period) -> Any:
        source = self.path if self.path is not None else self.config
        if self.runner is not None:
            return self.runner(source, staging)
        return pipeline.run(source, staging, as_of=period.end, stage=False, publish=False)

    def record(self) -> dict[str, object]:
        """What ``quarter.json`` says of the config: its file, or the settings file kept beside it."""
        if self.path is not None:
            return {"config": str(self.path)}
        return {"config": None, "config_settings": SETTINGS_FILE}


@contextlib.contextmanager
def _period_lock(root: Path, period: Period) -> Iterator[None]:
    """Refuse a second run of the same period while one is under way (a lock file in ``runs/``)."""
    lock = root / f".{period}.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        msg = (
            f"another run of {period} is under way ({lock} exists); "
            "if none is running, delete that file and try again"
        )
        raise PeriodError(msg) from None
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _run_locked(run: _Run, this: Period, root: Path, target: Path, force: bool = False) -> QuarterResult:
    previous = previous_run(root, this)
    clean_staging(target)  # folders left by a killed run of this period
    staging = make_staging(target)
    try:
        result = run(staging, this)
        if run.path is None:  # built in Python: keep the settings it ran with
            header = f"The settings assetmap ran {this} with (a config given in Python)."
            write_text(staging / SETTINGS_FILE, config_yaml(run.config, header=header))
        record = {"period": str(this), "previous_period": previous.name if previous is not None else None}
        record |= run.record() | run.thresholds.model_dump()
        write_text(staging / "quarter.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
        changes = None
        outputs: dict[str, Path] = {}
        if previous is not None:
            changes = compare_runs(previous, staging, **run.thresholds.model_dump())
        outputs |= board_report.write_report(staging, previous_dir=previous, changes=changes)
        if changes is not None:
            outputs |= _write_change_outputs(result, changes, staging, previous)
        database = _publish(result, staging, this, force)
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    update_latest(root)
    outputs = {k: target / p.name for k, p in outputs.items()}
    return QuarterResult(this, target, previous, result, changes, outputs, database)


def _write_change_outputs(
    result: Any, changes: ChangeReport, staging: Path, previous: Path
) -> dict[str, Path]:
    """``changes.csv``/``changes.xlsx``, and the change sheets added to the run's board pack."""
    extra = {"data quality": board_report.quality_table(staging, previous)}
    outputs = write_changes(changes, staging, extra_sheets=extra)
    if isinstance(result, pipeline.RunResult):  # the board pack gains the change sheets
        areas = {"areas": area_csv(result.areas)} if result.areas is not None else {}
        write_board_pack(
            staging / "board_pack.xlsx",
            result.plan,
            result.estate.rejects,
            title=result.config.title,
            extra_sheets=areas | change_sheets(changes) | extra,
        )
    return outputs


def _publish(result: Any, staging: Path, period: Period, force: bool) -> dict[str, object] | None:
    """Write the period into the config's PostGIS database (one transaction), once its files are done."""
    if not isinstance(result, pipeline.RunResult) or not result.config.output.postgis:
        return None
    from .postgis import publish_run

    record = json.loads((staging / "run.json").read_text("utf-8"))
    database = publish_run(
        result.config.output,
        estate=staging / "estate.gpkg",
        opportunities=result.plan.opportunities,
        record=record,
        period=str(period),
        replace=force,
    )
    write_json(staging / "run.json", record | {"database": database})  # as a plain run's says
    return database


__all__ = [
    "LATEST_FILE", "LATEST_LINK", "SETTINGS_FILE", "Period", "QuarterResult", "latest_run", "list_periods",
    "parse_period", "previous_run", "run_quarter", "update_latest",
]  # fmt: skip
