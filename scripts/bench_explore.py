"""Measure ``assetmap.explore()`` (the folium map) at several sizes: build, save, file size, load.

Usage::

    .venv/bin/python scripts/bench_explore.py [--sizes 1000 10000 50000] [--repeat 3]

For each size a seeded synthetic estate shaped like the plan's output
(``assetmap.testing``) is drawn with ``explore()`` and saved (``build_s`` is both
together, as a notebook user waits for them), then opened in headless Debian Chromium with
every request that is not ``file:`` or ``data:`` refused. ``ready_s`` is
``performance.now()`` once every marker is in folium's ``MarkerCluster`` and the first
clusters are drawn; ``popup_s`` is from asking for one asset until its popup is open
(zooming into its cluster included). ``explore()``'s ``max_assets`` limit is lifted here.
Prints a Markdown table for BENCHMARKS.md. Not a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assetmap
from assetmap.plan import PlanResult
from assetmap.testing import synthetic_estate

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
#: Resolves once the MarkerCluster holds every marker (chunked loading finished) and a frame is drawn.
READY = """(n) => new Promise((done) => {
  const check = () => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    const group = map && Object.values(map._layers).find((l) => l.zoomToShowLayer);
    if (group && group.getLayers().length >= n && document.querySelector('.marker-cluster, .am-marker')) {
      requestAnimationFrame(() => done(performance.now()));
    } else { setTimeout(check, 20); }
  };
  check();
})"""
POPUP = """(id) => new Promise((done) => {
  const t0 = performance.now();
  const map = Object.values(window).find((v) => v instanceof L.Map);
  const group = Object.values(map._layers).find((l) => l.zoomToShowLayer);
  const marker = group.getLayers().find((m) => m.feature.properties.v.includes(id));
  group.zoomToShowLayer(marker, () => { marker.openPopup(); done(performance.now() - t0); });
})"""


def _offline(route) -> None:
    """Refuse every request that is not the page itself or inlined data."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def _plan(n: int) -> PlanResult:
    assets, clusters, opps, summary = synthetic_estate(n, seed=7)
    return PlanResult(assets, clusters, opps, summary, moves=opps.iloc[:0], subproblems=opps.iloc[:0])


def bench(browser, n: int, repeat: int, tmp: Path) -> dict[str, object]:
    plan = _plan(n)
    shown = int((~plan.assets["sensitive"]).sum())
    path = tmp / f"explore-{n}.html"
    builds, loads, popups = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        assetmap.explore(plan, max_assets=n).save(str(path))
        builds.append(time.perf_counter() - t0)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.route("**/*", _offline)
        page.goto(path.as_uri(), wait_until="commit", timeout=600_000)
        page.set_default_timeout(600_000)
        loads.append(page.evaluate(READY, shown) / 1000)
        popups.append(page.evaluate(POPUP, str(plan.assets["asset_id"].iloc[n // 2])) / 1000)
        page.close()
        if errors:
            raise RuntimeError(f"page errors at {n}: {errors[:3]}")
    return {
        "assets": n,
        "size_mb": path.stat().st_size / 1e6,
        "build_s": statistics.median(builds),
        "ready_s": statistics.median(loads),
        "popup_s": statistics.median(popups),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in args.sizes:
            rows.append(bench(browser, n, args.repeat, Path(tmp)))
            print(rows[-1], file=sys.stderr, flush=True)
        version = browser.version
        browser.close()
    print(f"Python {platform.python_version()}, Chromium {version}, median of {args.repeat}\n")
    print("| assets | file MB | explore() + save s | open until clustered s | one popup s |")
    print("|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r['assets']:,}", f"{r['size_mb']:.1f}", f"{r['build_s']:.1f}", f"{r['ready_s']:.1f}"]
        print("| " + " | ".join([*cells, f"{r['popup_s']:.2f}"]) + " |")


if __name__ == "__main__":
    main()
