"""The ``assetmap`` command: a thin wrapper over :mod:`assetmap.pipeline`."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from . import __version__
from ._errors import AssetmapError
from .config import MOVED_M, UTILISATION_POINTS, compare_thresholds, load_config

if TYPE_CHECKING:  # the pipeline (pandas, geopandas, scikit-learn...) is imported by the command that runs it
    from .pipeline import RunResult


def _summary(result: RunResult, console: Console) -> None:
    estate = result.estate
    table = Table(title=result.config.title, title_justify="left")
    table.add_column("Partner", overflow="fold", min_width=12)
    table.add_column("Register", overflow="fold", min_width=12)
    for col in ("Rows", "Placed", "Rejected", "Warnings"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Placed by\ncoords/UPRN/postcode", justify="right", no_wrap=True)
    for p in estate.partners:
        by = p.by_method
        table.add_row(
            p.name, p.source_file, str(p.rows_read), str(p.placed),
            f"[red]{p.rejected}[/red]" if p.rejected else "0", str(p.warnings),
            f"{by['coordinates']}/{by['uprn']}/{by['postcode']}",
        )  # fmt: skip
    table.add_section()
    table.add_row(
        "Total", "", str(sum(p.rows_read for p in estate.partners)), str(len(estate.assets)),
        str(len(estate.rejects)), str(len(estate.warnings)), "",
    )  # fmt: skip
    console.print(table)
    console.print(f"Outputs in {result.out_dir}:")
    names = [p.name for p in result.outputs.values()]
    for name in names:
        if not name.startswith("cluster-"):
            console.print(f"  {name}")
    n_pictures = sum(name.startswith("cluster-") for name in names)
    if n_pictures:
        console.print(f"  cluster-*.png ({n_pictures} pictures: largest savings first, then most partners)")
    if len(estate.rejects):
        console.print(f"[yellow]{len(estate.rejects)} rows could not be placed: see rejects.csv[/yellow]")
    if result.database:
        _database_line(result.database, console.print)


def _database_line(database: dict[str, object], echo: Callable[[str], object]) -> None:
    """Say where the run went in the database (the address is shown with its password masked)."""
    rows = database.get("rows") or {}
    counts = ", ".join(f"{n} {t}" for t, n in rows.items()) if isinstance(rows, dict) else ""
    where = f"{database['database']} schema {database['schema']}"
    echo(f"Database: {where}, period {database['period']}: {counts}")


class _Bar:
    """One rich progress line per stage: a count where the stage can count its work, elapsed time always.

    Stages may overlap (the run writes some outputs in the background while it draws the
    map); a stage that cannot count its work is shown as done when the next stage starts.
    """

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        stage = "Reading the registers" if message.startswith("Reading ") else message
        if stage not in self.tasks:
            self._finish(only_uncounted=True)
            self.tasks[stage] = self.progress.add_task(message, total=total)
        task = self.tasks[stage]
        self.progress.update(task, description=message, completed=done or 0, total=total)
        if total is not None and done is not None and done >= total:
            self.progress.stop_task(task)

    def _finish(self, only_uncounted: bool = False) -> None:
        for task in self.progress.tasks:
            if task.finished or (only_uncounted and task.total is not None):
                continue
            total = task.total or 1
            self.progress.update(task.id, completed=total, total=total)
            self.progress.stop_task(task.id)

    def finish(self) -> None:
        """Show every stage as done."""
        self._finish()


@contextlib.contextmanager
def _progress(console: Console) -> Iterator[Callable[..., None] | None]:
    """A live progress display on a terminal; nothing when quiet or when output goes to a file."""
    if console.quiet or not console.is_terminal:
        yield None
        return
    # The display writes to its own copy of the terminal: the run points descriptors 1 and 2
    # at the null device while the solver runs, and the bar keeps moving meanwhile.
    try:
        own: IO[str] | None = os.fdopen(
            os.dup(console.file.fileno()), "w", encoding="utf-8", errors="replace"
        )
        display = Console(file=own, force_terminal=True, width=console.width)
    except (AttributeError, OSError, ValueError):  # not a real file (tests): write to it as it is
        own, display = None, console
    columns = (
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(),
    )  # fmt: skip
    try:
        with Progress(*columns, console=display, transient=False) as progress:
            bar = _Bar(progress)
            yield bar
            bar.finish()
    finally:
        if own is not None:
            own.close()


@contextlib.contextmanager
def _clean_exit(debug: bool = False) -> Iterator[None]:
    """Turn errors into a message and an exit code: 1 for bad input, 2 for a bug (no traceback)."""
    try:
        yield
    except AssetmapError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: say so plainly, hide the traceback unless asked
        if debug:
            traceback.print_exc()
        click.echo(
            f"Internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in assetmap; run again with --debug and report the output.",
            err=True,
        )
        sys.exit(2)


#: Every command takes ``--debug``: the internal-error message tells the user to run again with it.
debug_option = click.option("--debug", is_flag=True, help="Show a traceback on unexpected errors.")
quiet_option = click.option("--quiet", is_flag=True, help="Print nothing but errors.")


@click.group()
@click.version_option(__version__, prog_name="assetmap")
def cli() -> None:
    """Put a whole place's public estate on one map."""


@cli.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output directory (default: out/ beside CONFIG).",
)
@quiet_option
@debug_option
def run_command(config: Path, out_dir: Path | None, quiet: bool, debug: bool) -> None:
    """Combine the partners' registers named in CONFIG into one estate layer and map."""
    console = Console(quiet=quiet)
    if not console.is_terminal:  # logs of scheduled runs: wide enough for the table
        console.width = 110
    with _clean_exit(debug), _progress(console) as bar:
        from .pipeline import run

        result = run(config, out_dir, progress=bar)
    _summary(result, console)


@cli.command("check")
@click.argument("config", type=click.Path(path_type=Path))
@debug_option
def check_command(config: Path, debug: bool) -> None:
    """Read the registers named in CONFIG and show how their columns will be used; write nothing."""
    with _clean_exit(debug):
        from .check import check_config

        checks = check_config(config)
    problems = 0
    for c in checks:
        where = [f"{c.rows} rows"]
        if c.header_row:
            where.append(f"header on row {c.header_row}")
        if c.sheet:
            where.append(f"sheet {c.sheet!r}")
        if c.encoding:
            where.append(c.encoding)
        if c.has_geometry:
            where.append("geometry in the file")
        click.echo(f"{c.partner}: {c.register.name} ({', '.join(where)})")
        for field, column in c.columns.items():
            shown = ", ".join(column) if isinstance(column, list) else column
            auto = "  (matched automatically)" if field in c.auto_matched else ""
            click.echo(f"  {field:<17} <- {shown}{auto}")
        if c.unused:
            click.echo(f"  not used: {', '.join(c.unused)}")
        if not c.can_place:
            problems += 1
            click.echo("  Problem: no postcode, UPRN, coordinates or geometry: no asset can be placed")
    if problems:
        sys.exit(1)


def _exit_status(code: object) -> int:
    """The process's exit status for ``SystemExit(code)``, as the interpreter would give it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def main() -> None:
    """Console-script entry point.

    A finished command leaves without tearing the interpreter down: freeing every module and
    the run's tables object by object costs about a second after a 100,000-asset run, and
    nothing is left to do by then (outputs are written and closed). The exit handlers still
    run and the streams are flushed first; if a thread other than daemons is still running,
    the process exits the ordinary way, waiting for it.
    """
    try:
        cli.main()
    except SystemExit as exc:
        code: object = exc.code
    else:  # pragma: no cover - click's standalone mode always raises SystemExit
        code = 0
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others:
        sys.exit(code)
    atexit._run_exitfuncs()
    status = _exit_status(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


@cli.command("quarter")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--period", required=True, help="The quarter, such as 2026-Q3.")
@click.option(
    "--runs",
    "runs_dir",
    type=click.Path(path_type=Path),
    help="Runs directory (default: runs/ beside CONFIG).",
)
@click.option("--force", is_flag=True, help="Replace the period's run if there is one.")
@quiet_option
@debug_option
def quarter_command(
    config: Path, period: str, runs_dir: Path | None, force: bool, quiet: bool, debug: bool
) -> None:
    """Run CONFIG for a quarter into runs/PERIOD, compare with the last period, write the board report.

    The change report's thresholds are the config's compare: section (moved_m, utilisation_points).
    """
    from .quarter import run_quarter

    with _clean_exit(debug):
        res = run_quarter(config, period, runs_dir=runs_dir, force=force)
    if not quiet:
        click.echo(f"{res.period}: {res.run_dir}")
        if res.changes is not None:
            counts = ", ".join(
                f"{v} {k.replace('_', ' ')}" for k, v in res.changes.counts.items() if v and "_by_" not in k
            )
            click.echo(f"Changes since {res.changes.previous}: {counts or 'none'}")
        for path in res.outputs.values():
            click.echo(f"  {path.name}")
        if res.database:
            _database_line(res.database, click.echo)


@cli.command("compare")
@click.argument("previous", type=click.Path(path_type=Path))
@click.argument("current", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Where to write (default: CURRENT).")
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    help="Take the thresholds from this config's compare: section.",
)
@click.option(
    "--moved",
    "moved_m",
    type=float,
    help=f"Distance that counts as moved, in metres (default: the config's, else {MOVED_M:g}).",
)
@click.option(
    "--threshold",
    "utilisation_points",
    type=float,
    help=f"Utilisation change to report, in points (default: the config's, else {UTILISATION_POINTS:g}).",
)
@click.option(
    "--database",
    help="PREVIOUS and CURRENT are periods (2026-Q2, run, latest) in this PostGIS database "
    "(postgresql://user@host/db, ?schema=name if not assetmap); --out defaults to "
    "./changes-PREVIOUS-CURRENT.",
)
@debug_option
def compare_command(
    previous: Path,
    current: Path,
    out_dir: Path | None,
    config: Path | None,
    moved_m: float | None,
    utilisation_points: float | None,
    database: str | None,
    debug: bool,
) -> None:
    """Compare two run directories (or two periods in a database): write changes.csv and changes.xlsx."""
    from .compare import compare_runs, write_changes

    with _clean_exit(debug):
        base = load_config(config).compare if config is not None else None
        limits = compare_thresholds(base, moved_m=moved_m, utilisation_points=utilisation_points)
        runs: tuple[object, object] = (previous, current)
        if database:
            from .postgis import database_runs

            runs = database_runs(database, str(previous), str(current))
            out_dir = out_dir or Path(f"changes-{previous}-{current}")
        report = compare_runs(*runs, **limits.model_dump())
        paths = write_changes(report, out_dir or current)
    counts = ", ".join(
        f"{v} {k.replace('_', ' ')}" for k, v in report.counts.items() if v and "_by_" not in k
    )
    click.echo(f"Changes {report.previous} to {report.current}: {counts or 'none'}")
    for path in paths.values():
        click.echo(f"  {path}")
