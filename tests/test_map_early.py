"""A national page's parts worked out before the plan (``maps._early``) give the same page."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap._fork import CAN_FORK
from assetmap.config import Config
from assetmap.maps import early_map, write_map
from assetmap.maps._build import prepared
from assetmap.maps._early import _in_order
from assetmap.maps._geometry import shown_mask
from assetmap.maps._payload import coded_text, encode_text, text_codes
from assetmap.maps._pyramid import pack
from assetmap.maps._texts import split_parts, split_texts, template_reasons
from assetmap.pipeline import run
from assetmap.schema import BNG
from assetmap.testing import national_estate

TEXTS = st.one_of(
    st.none(),
    st.text(alphabet="AB z0179,\n\r-é", max_size=12),
    st.from_regex(r"[A-Z]{1,2}[0-9]{1,7}( [0-9][A-Z]{2})?", fullmatch=True),
)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(TEXTS, max_size=40), seed=st.integers(0, 2**16))
def test_texts_split_then_put_in_another_order_are_those_split_in_that_order(
    values: list[str | None], seed: int
) -> None:
    order = np.random.default_rng(seed).permutation(len(values))
    series = pd.Series(values, dtype=object)
    early = split_parts(series).take(order).column()
    assert pack(early) == pack(split_texts(series.iloc[order].reset_index(drop=True)))


def _config(pyramid_above: int) -> Config:
    return Config.model_validate(
        {"title": "National test", "partners": [{"name": "x", "register": "x"}],
         "map": {"pyramid_above": pyramid_above}}
    )  # fmt: skip


@pytest.fixture(scope="module")
def national() -> tuple[object, ...]:
    """2,500 assets around twelve towns (2% sensitive), names and ids that repeat and hold numbers."""
    assets, clusters, opps, summary = national_estate(2500, seed=5, sensitive_share=0.02, places="towns")
    assets.loc[assets.index[::7], "name"] = None
    assets.loc[assets.index[1::9], "name"] = "Unit 007\nrear, 12 High St"
    return assets, clusters, opps, summary


def _page(path: Path, national: tuple[object, ...], **kwargs: object) -> bytes:
    assets, clusters, opps, summary = national
    write_map(path, assets=assets, clusters=clusters, opportunities=opps, summary=summary,
              config=_config(1000), **kwargs)  # fmt: skip
    return path.read_bytes()


def test_a_national_page_from_parts_worked_out_early_is_the_same_page(
    tmp_path: Path, national: tuple[object, ...]
) -> None:
    assets = national[0]
    early = pickle.loads(pickle.dumps(early_map(assets, _config(1000))))  # as sent between processes
    assert early is not None and early.source is None and early.search
    early.source = assets
    drawn = prepared(assets)
    assert early.fits(drawn, shown_mask(drawn))
    assert _page(tmp_path / "early.html", national, early=early) == _page(tmp_path / "map.html", national)
    assert early.search == {} and early.codes == {}  # handed over to the page, not kept
    again = _page(tmp_path / "again.html", national, early=early)  # what is left is still the same page
    assert again == (tmp_path / "map.html").read_bytes()


def test_parts_of_another_estate_are_not_used(tmp_path: Path, national: tuple[object, ...]) -> None:
    """Parts made from an estate whose names, points or sensitive sites then changed do not fit:
    the page is worked out from the estate drawn."""
    assets = national[0]
    changes = {
        "name": lambda frame: frame.assign(name=frame["name"].where(frame.index != 10, "Renamed 99")),
        "point": lambda frame: frame.set_geometry(
            gpd.points_from_xy(frame.geometry.x + np.where(frame.index == 20, 5.0, 0.0), frame.geometry.y),
            crs=BNG,
        ),
        "sensitive": lambda frame: frame.assign(sensitive=frame["sensitive"] | (frame.index == 30)),
    }
    for what, change in changes.items():
        early = early_map(assets, _config(1000))
        early.source = assets
        changed = (change(assets), *national[1:])
        drawn = prepared(changed[0])
        assert not early.fits(drawn, shown_mask(drawn)), what
        page = _page(tmp_path / f"{what}.html", changed, early=early)
        assert page == _page(tmp_path / "plain.html", changed)


def test_a_county_page_from_parts_worked_out_early_is_the_same_page(
    tmp_path: Path, national: tuple[object, ...]
) -> None:
    assets, clusters, opps, summary = national
    cfg = _config(len(assets))
    early = pickle.loads(pickle.dumps(early_map(assets, cfg)))
    early.source = assets
    assert early.outlined and not early.search and {"use", "geocode_method"} <= set(early.codes)
    pages = []
    for name, parts in (("early", early), ("plain", None)):
        write_map(tmp_path / name, assets=assets, clusters=clusters, opportunities=opps, summary=summary,
                  config=cfg, early=parts)  # fmt: skip
        pages.append((tmp_path / name).read_bytes())
    assert pages[0] == pages[1] and b'"n":' in pages[0]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.sampled_from(["a", " a ", "b", "", None, "c\n", "2024-01-05"]), max_size=40),
       seed=st.integers(0, 2**16), arrays=st.booleans())  # fmt: skip
def test_codes_put_in_another_order_are_those_of_the_values_in_that_order(
    values: list[str | None], seed: int, arrays: bool
) -> None:
    order = np.random.default_rng(seed).permutation(len(values))
    series = pd.Series(values, dtype=object)
    codes, distinct = text_codes(series)
    moved = coded_text(*_in_order(codes.astype(np.int64), distinct, order), arrays=arrays)
    expected = encode_text(series.iloc[order].reset_index(drop=True), arrays=arrays)
    if isinstance(expected, dict) and arrays:
        assert moved["d"] == expected["d"] and np.array_equal(moved["i"], expected["i"])
    else:
        assert moved == expected


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register of 400 assets around towns, drawn as a national page (``pyramid_above: 100``)."""
    root = tmp_path_factory.mktemp("towns")
    assets = national_estate(400, seed=8, places="towns")[0]
    frame = pd.DataFrame({
        "Ref": assets["asset_id"], "Name": assets["name"], "Use": assets["use"],
        "Easting": assets.geometry.x.round(1), "Northing": assets.geometry.y.round(1),
        "GIA": assets["gia_m2"], "Cost": assets["running_cost_gbp"], "Utilisation": assets["utilisation"],
    })  # fmt: skip
    frame.to_csv(root / "estate.csv", index=False)
    (root / "assetmap.yaml").write_text(
        "title: Towns\nmap: {pyramid_above: 100}\n"
        "partners:\n  - name: Towns estate\n    register: estate.csv\n"
        "    columns: {asset_id: Ref, name: Name, use: Use, easting: Easting, northing: Northing,\n"
        "              gia_m2: GIA, running_cost_gbp: Cost, utilisation: Utilisation}\n",
        encoding="utf-8",
    )
    return root


def test_a_run_works_out_its_national_page_while_planning(
    towns: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's early process hands its parts to the map (same page as when that process dies,
    and the map works them out itself), and its CPU seconds are recorded."""
    from assetmap import pipeline

    if not CAN_FORK:
        pytest.skip("not Linux: the map's parts are always worked out in the run's process")
    monkeypatch.setattr(pipeline, "MAP_EARLY_ABOVE", 0)
    run(towns / "assetmap.yaml", tmp_path / "early")
    record = json.loads((tmp_path / "early" / "run.json").read_text())
    assert record["cpu_s"]["map_early_process"] > 0 and record["timings_s"]["map_early"] > 0
    assert b'type="application/x-assetmap"' in (tmp_path / "early" / "map.html").read_bytes()

    run_pid, work = os.getpid(), pipeline.early_map

    def dies_when_forked(*args: object, **kwargs: object) -> object:
        if os.getpid() != run_pid:
            os._exit(9)
        return work(*args, **kwargs)

    monkeypatch.setattr(pipeline, "early_map", dies_when_forked)
    run(towns / "assetmap.yaml", tmp_path / "died")
    record = json.loads((tmp_path / "died" / "run.json").read_text())
    assert "map_early_process" not in record["cpu_s"]
    assert (tmp_path / "died" / "map.html").read_bytes() == (tmp_path / "early" / "map.html").read_bytes()
    assert sorted(p.name for p in (tmp_path / "died").iterdir()) == sorted(
        p.name for p in (tmp_path / "early").iterdir()
    )


_PHRASES = st.sampled_from([
    "low utilisation (42%, below 50%)", "freehold, book value £4,285,000", "condition C (poor)",
    "room for its 12 people at Secret Depot 9 (Police), 1,234 m away", "Building 007", " ", "",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(reasons=st.lists(st.none() | st.lists(_PHRASES, max_size=4).map("; ".join), max_size=30),
       names=st.sampled_from([[], ["Secret Depot 9"], ["Depot 9 (Police), 1"]]),
       seed=st.integers(0, 2**16))  # fmt: skip
def test_reasons_templated_then_put_in_another_order_are_those_templated_in_that_order(
    reasons: list[str | None], names: list[str], seed: int
) -> None:
    order = np.random.default_rng(seed).permutation(len(reasons))
    series = pd.Series(reasons, dtype=object)
    moved = template_reasons(series, names).take(order)
    expected = template_reasons(series.iloc[order].reset_index(drop=True), names)
    assert moved.templates == expected.templates
    for part in ("count", "template", "numbers", "slots", "offsets"):
        assert np.array_equal(getattr(moved, part), getattr(expected, part)), part
