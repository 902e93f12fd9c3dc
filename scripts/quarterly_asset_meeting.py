"""What a team schedules before each quarterly asset meeting.

Runs the place's config for the current quarter into ``runs/<period>`` beside the config,
compares it with the last period in ``runs/``, writes the board report (``report.html``,
``report.pdf``) and the change sheets, and points ``runs/latest`` at the new run. A failed
run changes nothing in ``runs/``; an existing period is kept unless ``--force`` is given.

Schedule it (cron, in the last month of each quarter, a week or two before the board)::

    # m h dom mon      dow  command
    0 6 15 3,6,9,12 *  cd /srv/assetmap && .venv/bin/python scripts/quarterly_asset_meeting.py \
        data/place/assetmap.yaml >> runs.log 2>&1

Exit codes: 0 done (or the period already run), 1 a problem with the config, registers or
period (the message says which), 2 a bug.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from assetmap._errors import AssetmapError
from assetmap.quarter import Period, parse_period, run_quarter


def current_period(today: dt.date | None = None) -> Period:
    """The calendar quarter containing ``today`` (default: today)."""
    day = today or dt.date.today()
    return Period(day.year, (day.month - 1) // 3 + 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the quarter; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path, help="the place's assetmap.yaml")
    ap.add_argument("--period", help="quarter such as 2026-Q3 (default: the current calendar quarter)")
    ap.add_argument("--runs", type=Path, help="runs directory (default: runs/ beside the config)")
    ap.add_argument("--force", action="store_true", help="replace the period's run if there is one")
    args = ap.parse_args(argv)
    try:
        period = parse_period(args.period) if args.period else current_period()
        runs = args.runs or args.config.resolve().parent / "runs"
        if (runs / str(period) / "run.json").is_file() and not args.force:
            print(f"{period} already run: {runs / str(period)} (use --force to run it again)")
            return 0
        res = run_quarter(args.config, period, runs_dir=runs, force=args.force)
    except AssetmapError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so plainly
        print(f"Internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"{res.period}: {res.run_dir}")
    if res.changes is not None:
        print(f"Compared with {res.changes.previous}: see changes.csv and report.html")
    for path in res.outputs.values():
        print(f"  {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
