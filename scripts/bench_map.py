"""Measure the board map at several sizes: build time, file size and time until interactive.

Usage::

    .venv/bin/python scripts/bench_map.py [--sizes 1000 10000 100000] [--repeat 3] [--folium 10000]
    .venv/bin/python scripts/bench_map.py --sizes --national 100000 1000000 --repeat 1
    .venv/bin/python scripts/bench_map.py --sizes --national 100000 200000 --pyramid-above 10000000

``--sizes``: county estates (``assetmap.testing.synthetic_estate``: towns of Kent, every field
filled). ``--national``: national estates (``assetmap.testing.national_estate``: each asset at a
random real postcode of Great Britain, with the gaps and rounding of ``scripts/bench_plan.py``).
Each page is written as ``assetmap run`` writes it, so above ``map.pyramid_above`` (100,000 by
default; ``--pyramid-above`` changes it) it is a national page: counts per cell far out,
records read from compressed chunks of the same file close in.

"Interactive" is the page's own ready mark: the first view drawn and every control working
(``window.assetmap.ready``), read as ``performance.now()`` since navigation started (so it
includes reading the file), in headless Debian Chromium with all network requests refused.
The search time is from typing an asset id in the search box until its popup is open (on a
national page: its search index read first, if it was not yet, and its chunk). ``--folium N``
also times folium's ``MarkerCluster`` with one popup per marker and ``FastMarkerCluster`` at N
assets for comparison. Prints a Markdown table for BENCHMARKS.md.

``--page MAP.html ...`` instead times pages already written (such as the one ``assetmap run``
writes at 1,000,000 assets): their size and what it is made of (a national page's record
chunks, search index, far levels, shared tables and main document), time until interactive,
and search to popup for the first, middle and last asset of its search index.

``--screenshot CONFIG`` instead runs ``assetmap run`` on CONFIG (into a temporary folder),
writes its map with the plan's clusters, opportunities and summary, and saves a screenshot of
it in headless Chromium to ``maps/demo-map.png`` (the README picture).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assetmap.config import Config
from assetmap.maps import write_map
from assetmap.testing import national_estate, synthetic_estate

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _open(browser, path: Path, ready: str, timeout_ms: float = 120_000, size=(1280, 800)) -> tuple:
    """Open ``path`` in a fresh page; wait for the ``ready`` selector; console errors."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri(), wait_until="commit")
    page.wait_for_selector(ready, state="attached", timeout=timeout_ms)
    ms = page.evaluate("performance.now()")
    return ms, errors, page


def _search_ms(page, asset_id: str) -> float:
    t0 = time.perf_counter()
    page.fill("#am-search", asset_id)
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup .am-popup", timeout=60_000)
    return (time.perf_counter() - t0) * 1000


def bench_assetmap(
    browser, n: int, repeat: int, tmp: Path, *, national: bool = False, pyramid_above: int | None = None
) -> dict[str, object]:
    """Build, open and search the map of a synthetic estate of ``n`` assets."""
    t0 = time.perf_counter()
    assets, clusters, opps, summary = national_estate(n, seed=7) if national else synthetic_estate(n, seed=7)
    made = time.perf_counter() - t0
    options = {} if pyramid_above is None else {"pyramid_above": pyramid_above}
    cfg = Config.model_validate(
        {"title": f"Benchmark {n:,}", "partners": [{"name": "x", "register": "x"}], "map": options}
    )
    path = tmp / f"map-{n}.html"
    builds, loads, searches = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        write_map(path, assets=assets, clusters=clusters, opportunities=opps, summary=summary, config=cfg)
        builds.append(time.perf_counter() - t0)
        _, errors, page = _open(browser, path, "html[data-ready=true]")
        loads.append(page.evaluate("window.assetmap.readyMs"))
        shown = assets.loc[~assets["sensitive"].astype(bool), "asset_id"]
        searches.append(_search_ms(page, str(shown.iloc[len(shown) // 2])))
        pyramid = page.evaluate("!!window.assetmap.grid.farCells")
        page.close()
        if errors:
            raise RuntimeError(f"console errors at {n}: {errors[:3]}")
    return {
        "renderer": ("national page (pyramid + chunks)" if pyramid else "county page (every record)")
        + (", national estate" if national else ", county estate"),
        "assets": n,
        "clusters": len(clusters),
        "moves": int((opps["action"] == "relocate").sum()) if len(opps) else 0,
        "size_mb": path.stat().st_size / 1e6,
        "build_s": statistics.median(builds),
        "ready_s": statistics.median(loads) / 1000,
        "search_s": statistics.median(searches) / 1000,
        "estate_s": made,
    }


#: A national page's compressed block, by element id (a pattern), and its text.
BLOCK = rb'<script type="application/x-assetmap" id="%s">(.*?)</script>'


def page_parts(path: Path) -> dict[str, int]:
    """Bytes of each kind of part of a page: a national page's blocks by kind, and its document."""
    import re

    data = path.read_bytes()
    parts = {"document": len(re.search(rb'id="assetmap-data">(.*?)</script>', data, re.S).group(1))}
    for match in re.finditer(BLOCK % rb"([^\"]+)", data, re.S):
        kind = {"amc": "record chunks", "am-level": "far levels", "am-search-index": "search index",
                "am-tables": "shared tables"}[re.sub(rb"-[0-9]+$", b"", match.group(1)).decode()]  # fmt: skip
        parts[kind] = parts.get(kind, 0) + len(match.group(2))
    parts["page and scripts"] = len(data) - sum(parts.values())
    parts["total"] = len(data)
    return parts


def _page_ids(path: Path) -> list[str]:
    """The first, middle and last asset id of a page (its search index, or its columns)."""
    import json
    import re

    from assetmap.maps._pyramid import unpack
    from assetmap.maps._texts import join_texts

    data = path.read_bytes()
    block = re.search(BLOCK % rb"am-search-index", data, re.S)
    if block:
        column = unpack(block.group(1))["asset_id"]
        ids = column.split("\n") if isinstance(column, str) else join_texts(column)  # pages before the split
    else:
        cols = json.loads(re.search(rb'id="assetmap-data">(.*?)</script>', data, re.S).group(1))["cols"]
        column = cols["asset_id"]
        ids = [column["d"][c] for c in column["i"]] if isinstance(column, dict) else column
    return [ids[0], ids[len(ids) // 2], ids[-1]]


def bench_page(browser, path: Path, repeat: int) -> dict[str, object]:
    """Open a page already written, ``repeat`` times: time until interactive, search to popup."""
    loads, searches = [], []
    ids = _page_ids(path)
    for _ in range(repeat):
        _, errors, page = _open(browser, path, "html[data-ready=true]")
        loads.append(page.evaluate("window.assetmap.readyMs"))
        for asset_id in ids:
            searches.append(_search_ms(page, asset_id))
            page.click(".leaflet-popup-close-button")
            page.wait_for_selector(".leaflet-popup", state="detached", timeout=10_000)  # it fades out first
        page.close()
        if errors:
            raise RuntimeError(f"console errors in {path}: {errors[:3]}")
    return {"path": path, "parts": page_parts(path), "ready_s": statistics.median(loads) / 1000,
            "search_s": statistics.median(searches) / 1000, "search_max_s": max(searches) / 1000}  # fmt: skip


def bench_folium(browser, n: int, tmp: Path) -> list[dict[str, object]]:
    import folium
    from folium.plugins import FastMarkerCluster, MarkerCluster

    assets = synthetic_estate(n, seed=7)[0].to_crs("EPSG:4326")
    lat, lon = assets.geometry.y.to_numpy(), assets.geometry.x.to_numpy()
    out = []
    for label in ("folium MarkerCluster + popups", "folium FastMarkerCluster (no popups)"):
        t0 = time.perf_counter()
        fmap = folium.Map(location=[lat.mean(), lon.mean()], zoom_start=9, tiles=None)
        if label.startswith("folium MarkerCluster"):
            mc = MarkerCluster().add_to(fmap)
            for y, x, name in zip(lat, lon, assets["name"], strict=True):
                folium.Marker([y, x], popup=folium.Popup(str(name))).add_to(mc)
        else:
            FastMarkerCluster(list(zip(lat.tolist(), lon.tolist(), strict=True))).add_to(fmap)
        path = tmp / f"folium-{n}-{len(out)}.html"
        fmap.save(str(path))
        build = time.perf_counter() - t0
        # folium loads its libraries from CDNs, which are blocked here; measured without them
        # the page cannot render, so the load figure is only given when it became ready.
        out.append({"renderer": label, "assets": n, "size_mb": path.stat().st_size / 1e6, "build_s": build})
    return out


def screenshot(config: Path, out: Path) -> None:
    """Run the pipeline on ``config`` and save a picture of its map in ``out``."""
    from playwright.sync_api import sync_playwright

    from assetmap.pipeline import run

    with tempfile.TemporaryDirectory() as tmpdir:
        result = run(config, Path(tmpdir))
        plan = result.plan
        html = write_map(
            Path(tmpdir) / "demo-map.html",
            assets=plan.assets,
            clusters=plan.clusters,
            opportunities=plan.opportunities,
            summary=plan.summary,
            config=result.config,
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            _, errors, page = _open(browser, html, "html[data-ready=true]", size=(1440, 900))
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "demo-map.png"))
            browser.close()
    if errors:
        raise RuntimeError(f"console errors: {errors}")
    print(f"wrote {out / 'demo-map.png'}")


def pages(paths: list[Path], repeat: int) -> None:
    """``--page``: time pages already written and print a Markdown table."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        version = browser.version
        rows = [bench_page(browser, path, repeat) for path in paths]
        browser.close()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Chromium {version} (headless), median of {repeat} opens (search: 3 assets each); "
          f"load average at the end {load}.\n")  # fmt: skip
    print("| Page | Size | of which | Interactive | Search to popup (median, slowest) |")
    print("|---|---:|---|---:|---:|")
    for r in rows:
        parts = r["parts"]
        made = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
                         if k != "total")  # fmt: skip
        print(f"| {r['path']} | {parts['total'] / 1e6:.2f} MB | {made} | {r['ready_s']:.2f} s "
              f"| {r['search_s']:.2f} s, {r['search_max_s']:.2f} s |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--national", type=int, nargs="*", default=[], help="national estates of these sizes")
    parser.add_argument("--pyramid-above", type=int, help="map.pyramid_above for these pages")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folium", type=int, default=0, help="also build folium maps of this many assets")
    parser.add_argument("--screenshot", type=Path, help="config to run and picture into maps/demo-map.png")
    parser.add_argument("--page", type=Path, nargs="*", default=[], help="time pages already written")
    args = parser.parse_args()
    if args.screenshot:
        screenshot(args.screenshot, Path(__file__).resolve().parents[1] / "maps")
        return
    if args.page:
        pages(args.page, args.repeat)
        return
    from playwright.sync_api import sync_playwright

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmpdir, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        version = browser.version
        for n in args.sizes:
            rows.append(
                bench_assetmap(browser, n, args.repeat, Path(tmpdir), pyramid_above=args.pyramid_above)
            )
            print(rows[-1], file=sys.stderr)
        for n in args.national:
            rows.append(
                bench_assetmap(
                    browser, n, args.repeat, Path(tmpdir), national=True, pyramid_above=args.pyramid_above
                )
            )
            print(rows[-1], file=sys.stderr)
        if args.folium:
            rows.extend(bench_folium(browser, args.folium, Path(tmpdir)))
        browser.close()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
          f"Chromium {version} (headless), median of {args.repeat} runs; "
          f"load average at the end {load}.\n")  # fmt: skip
    print(
        "| Renderer | Assets | File size | Build (Python) | Interactive in Chromium | Search to open popup |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        ready = f"{r['ready_s']:.2f} s" if "ready_s" in r else "n/a"
        search = f"{r['search_s']:.2f} s" if "search_s" in r else "n/a"
        print(
            f"| {r['renderer']} | {r['assets']:,} | {r['size_mb']:.1f} MB | {r['build_s']:.1f} s "
            f"| {ready} | {search} |"
        )


if __name__ == "__main__":
    main()
