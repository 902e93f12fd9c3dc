"""The board report: ``report.html`` (one self-contained page) and ``report.pdf`` (the same content).

Content: headline figures (this period, last period, change), the plan's summary when the
run has one, the change report since the last period (assets added, removed, moved,
utilisation and ratings changed, renamed; opportunities new, continuing, dropped and
carried out; savings realised against planned), the top opportunities, charts drawn with
matplotlib (utilisation by partner, running cost per m² by use, savings by cluster,
ratings by partner, changes by kind), the map picture (``map.png``) with a link to
``map.html``, and data quality per partner with its change since last period.

Everything is read from the run directories' files, so the report works whichever of the
plan and map outputs a run has. The PDF is drawn with matplotlib's ``PdfPages`` (bundled
DejaVu fonts; no system fonts or browser). Neither file carries a timestamp.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._io import write_text
from ..compare import ChangeReport, compare_runs, load_run
from ._content import ReportContent, build_content
from ._html import render
from ._pdf import write_pdf
from ._quality import QUALITY_COLUMNS, data_quality, quality_changes


def write_report(
    run_dir: str | Path,
    *,
    previous_dir: str | Path | None = None,
    changes: ChangeReport | None = None,
    pdf: bool = True,
) -> dict[str, Path]:
    """Write ``report.html`` (and ``report.pdf``) into a run directory.

    Parameters
    ----------
    run_dir : str or Path
        The run to report on.
    previous_dir : str or Path, optional
        The run to compare with (the last period).
    changes : ChangeReport, optional
        The change report, if already worked out; computed from ``previous_dir`` otherwise.
    pdf : bool
        Also write ``report.pdf``.

    Returns
    -------
    dict
        ``report_html`` and ``report_pdf`` paths.
    """
    run_dir = Path(run_dir)
    current = load_run(run_dir)
    previous = load_run(previous_dir) if previous_dir is not None else None
    if changes is None and previous_dir is not None:
        changes = compare_runs(previous_dir, run_dir)
    content = build_content(current, previous, changes, run_dir=run_dir)
    out = {"report_html": run_dir / "report.html"}
    write_text(out["report_html"], render(content))
    if pdf:
        out["report_pdf"] = run_dir / "report.pdf"
        write_pdf(content, out["report_pdf"])
    return out


def quality_table(run_dir: str | Path, previous_dir: str | Path | None = None) -> pd.DataFrame:
    """The data-quality table per partner (numbers), with changes since ``previous_dir`` if given."""
    current = data_quality(load_run(run_dir))
    previous = data_quality(load_run(previous_dir)) if previous_dir is not None else None
    return quality_changes(current, previous)


__all__ = [
    "QUALITY_COLUMNS", "ReportContent", "build_content", "data_quality", "quality_changes", "quality_table",
    "write_report",
]  # fmt: skip
