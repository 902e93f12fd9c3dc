"""The board report: self-contained escaped HTML, the PDF's pages and text, data quality."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure

from assetmap.compare import compare_runs, load_run
from assetmap.report import quality_table, write_report
from assetmap.report._content import build_content
from assetmap.report._pdf import build_pages
from assetmap.testing import HOSTILE, make_run_dir

SCRIPT = '</td><script>alert("x")</script>'


def pdf_text(data: bytes) -> str:
    """The text drawn on an uncompressed matplotlib PDF's pages (kerning removed)."""
    chunks = re.findall(rb"\[(.*?)\]\s*TJ", data, flags=re.S)
    return "".join(b"".join(re.findall(rb"\(((?:\\.|[^\\)])*)\)", c)).decode("latin-1") for c in chunks)


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    prev = make_run_dir(tmp_path / "2026-Q2", [
        {"asset_id": "H1", "name": HOSTILE[0], "x": 575000, "y": 155000, "utilisation": 0.9},
        {"asset_id": "G1", "name": "Gone Office", "x": 575100, "y": 155000, "gia_m2": None},
        {"asset_id": "S1", "name": "Stack A", "x": 576000, "y": 155000},
    ], opportunities=[
        {"rank": 1, "action": "relocate", "asset_id": "G1", "partner": "Council", "cluster_id": "C1",
         "into_asset_id": "H1", "into_partner": "Council", "annual_saving_gbp": 8000.0,
         "capital_receipt_gbp": 1.0},
    ])  # fmt: skip
    cur = make_run_dir(tmp_path / "2026-Q3", [
        {"asset_id": "H1", "name": HOSTILE[0], "x": 575000, "y": 155000, "utilisation": 0.5,
         "rating": "amber"},
        {"asset_id": "S1", "name": "Stack A", "x": 576000, "y": 155000, "rating": "green"},
        {"asset_id": "S2", "name": SCRIPT, "x": 576000, "y": 155000, "partner": "Police", "rating": "red"},
    ], opportunities=[
        {"rank": 1, "action": "relocate", "asset_id": "S2", "partner": "Police", "cluster_id": "C2",
         "into_asset_id": "S1", "into_partner": "Council", "annual_saving_gbp": 12345.0,
         "capital_receipt_gbp": 0.0, "rating": "red", "name": SCRIPT},
    ], extra={"plan": {"released_running_cost_gbp": 12345.0, "capital_receipts_gbp": 0.0,
                       "share_of_running_cost": 0.41, "share_offers": 37}})  # fmt: skip
    return prev, cur


def test_html_is_self_contained_and_escapes_register_values(runs: tuple[Path, Path]) -> None:
    prev, cur = runs
    buf = io.BytesIO()
    Figure(figsize=(2, 1)).savefig(buf, format="png")
    (cur / "map.png").write_bytes(buf.getvalue())
    (cur / "map.html").write_text("<html></html>", "utf-8")
    out = write_report(cur, previous_dir=prev)
    html = out["report_html"].read_text("utf-8")
    assert HOSTILE[0] not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in html
    srcs = re.findall(r'src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert base64.b64encode(buf.getvalue()).decode() in html  # the map picture embedded
    assert '<a href="map.html">' in html
    assert "http://" not in html and "https://" not in html
    expected = ["What changed since 2026-Q2", "utilisation fell", "90% to 50% (-40 points)", "carried out"]
    expected += ["Savings realised against planned", "£12,345", "41%", "Data quality by partner"]
    expected += ['Buildings with places to share</td><td class="n">37<']
    for text in expected:
        assert text in html, text


def test_pdf_pages_and_text(runs: tuple[Path, Path]) -> None:
    prev, cur = runs
    report = compare_runs(prev, cur)
    content = build_content(load_run(cur), load_run(prev), report, run_dir=cur)
    titles = [name for name, _ in build_pages(content)]
    assert titles == [
        "Headline figures", "What changed since 2026-Q2", "Changes to assets",
        "Opportunities since last period", "Top opportunities", "Utilisation by partner",
        "Running cost per m² by use", "Savings by cluster", "Ratings by partner",
        "Changes since the last period", "Data quality by partner",
    ]  # fmt: skip
    with matplotlib.rc_context({"pdf.compression": 0}):
        out = write_report(cur, previous_dir=prev)
    data = out["report_pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == len(titles)
    text = pdf_text(data)
    for needle in ("Test place", "Changes to assets", "utilisation fell", "Data quality by partner", "G1"):
        assert needle in text, needle
    assert b"CreationDate" not in data
    with matplotlib.rc_context({"pdf.compression": 0}):
        again = write_report(cur, previous_dir=prev)["report_pdf"].read_bytes()
    assert again == data


def test_first_period_report_without_plan_or_previous(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "2026-Q1", [{"asset_id": "A", "name": "Only", "x": 0, "y": 0}])
    out = write_report(run)
    html = out["report_html"].read_text("utf-8")
    assert "no earlier period to compare with" in html and "What changed" not in html
    assert "map.html" not in html
    assert out["report_pdf"].stat().st_size > 1000


def test_data_quality_per_partner_with_change(runs: tuple[Path, Path]) -> None:
    prev, cur = runs
    q = quality_table(cur, prev).set_index("partner")
    assert q.loc["Council", "placed"] == 2 and q.loc["Council", "placed_change"] == -1
    assert q.loc["Council", "missing_floor_area_change"] == -1
    assert q.loc["Council", "stacked"] == 1 and q.loc["Police", "stacked"] == 1  # S1 and S2 share a point
    assert q.loc["Council", "placed_by_coordinates"] == 1.0
    assert q.loc["Police", "rows_read"] == 2 and pd.isna(q.loc["Police", "rows_read_change"])  # new partner


def test_cost_by_use_chart_leaves_sensitive_sites_out() -> None:
    from assetmap.report._charts import cost_per_m2_by_use

    assets = pd.DataFrame(
        {
            "running_cost_gbp": [100.0, 200.0, 300.0],
            "gia_m2": [10.0, 10.0, 10.0],
            "use": ["Office", "Refuge", "Library"],
            "sensitive": [False, True, False],
        }
    )
    fig = cost_per_m2_by_use(assets)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["office", "library"]


def test_headline_says_how_many_assets_a_partly_known_figure_covers(tmp_path: Path) -> None:
    from assetmap.compare import RunData
    from assetmap.report._content import headline

    assets = pd.DataFrame(
        {
            "partner": ["A", "A", "B", "B"],
            "running_cost_gbp": [1_000_000.0, 200_000.0, None, None],
            "gia_m2": [None, None, None, None],
            "utilisation": [None, None, None, None],
            "sensitive": [False] * 4,
        }
    )
    table = headline(RunData(tmp_path, "now", assets, None, {}), None).set_index("figure")["this period"]
    assert table["Estate running cost a year"] == "£1,200,000 (running cost known for 2 of 4)"
    assert table["Floor area (m²)"] == "not known"
    assert table["Utilisation (weighted by floor area)"] == "not known"
    assert table["Assets placed"] == "4"


@pytest.mark.parametrize("moved_m", [50.0, 120.0])
def test_report_states_the_distance_it_matched_within(runs: tuple[Path, Path], moved_m: float) -> None:
    prev, cur = runs
    changes = compare_runs(prev, cur, moved_m=moved_m)
    html = write_report(cur, previous_dir=prev, changes=changes, pdf=False)["report_html"].read_text("utf-8")
    assert f"then by location (within {moved_m:.0f} m)" in html
