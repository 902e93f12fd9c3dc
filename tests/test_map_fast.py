"""The map's fast paths give the same answers as the simple ones they replaced (issue 9).

Each is checked against the plain way on random estates (hypothesis), including the awkward
cases: missing clusters, areas and names, clusters absent from the map, one area only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.areas import cluster_areas
from assetmap.maps._areas import cluster_area_names
from assetmap.maps._payload import Enc, encode_phrases, encode_text, scrub, text_codes, text_codes_simple
from assetmap.maps._plan import _lookup, _places, _shown_figures, keys, listed, positions
from assetmap.maps._pyramid import Lvl, far_levels, far_levels_simple, mercator, pack

_CLUSTERS = st.sampled_from([None, "C1", "C2", "C10", "C3"])
_CODES = st.sampled_from([None, "E01", "E02", "W01", "S9"])
_NAMES = st.sampled_from([None, "", "Bath", "Ávon", "Zed; Two", "bath"])


@given(st.lists(st.tuples(_CLUSTERS, _CODES, _NAMES), max_size=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_clusters_across_a_border_as_the_areas_module_finds_them(
    rows: list[tuple[str | None, str | None, str | None]], with_names: bool
) -> None:
    vis = pd.DataFrame(rows, columns=["cluster_id", "district_code", "district_name"], dtype=object)
    if not with_names:
        vis = vis.drop(columns="district_name")
    ids = ["C1", "C10", "C2", "C3", "C9"]  # the map's clusters: C9 has no member here
    cross, areas = cluster_area_names(vis, "district", ids)
    per = cluster_areas(vis, "district").reindex(ids)
    assert cross.tolist() == per["cross_boundary"].fillna(False).astype(bool).tolist()
    assert areas == [None if pd.isna(a) else str(a) for a in per["areas"]]
    assert cross.dtype == np.bool_


def _phrases_one_by_one(values: pd.Series, names: list[str]) -> dict[str, list[object]]:
    """The county page's reasons as they were encoded before Arrow: each distinct reason split
    and each phrase numbered in Python."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    clean = scrub(pd.Series(uniques.astype(object), dtype=object), names)
    table: dict[str, int] = {}
    per_unique = []
    for text in clean.tolist():
        phrases = (p.strip() for p in str(text).split("; "))
        per_unique.append([table.setdefault(p, len(table)) for p in phrases if p])
    return {Enc.DISTINCT: list(table), Enc.CODES: [per_unique[c] if c >= 0 else [] for c in codes.tolist()]}


_PIECES = st.text(st.sampled_from(list("ab 1;\t\n\x1c\u2003é")), max_size=8) | st.sampled_from(
    ["Site 7", "Site"]
)
_REASONS = st.lists(_PIECES, max_size=4).map("; ".join) | st.none()
#: Sensitive names: none; names found phrase by phrase; names with ";" or an outer space (whole reasons).
_NAME_SETS = [[], ["Site 7"], ["Site 7", "Site", "b 1"], ["Site 7", "Site", "a;b"], [" Site", "1 "]]


@given(st.lists(_REASONS, max_size=30), st.sampled_from(_NAME_SETS))
@settings(max_examples=300, deadline=None)
def test_reasons_encoded_in_arrow_as_one_by_one(reasons: list[str | None], names: list[str]) -> None:
    values = pd.Series(reasons, dtype=object)
    assert encode_phrases(values, names) == _phrases_one_by_one(values, names)
    assert encode_phrases(values.astype("string"), names) == _phrases_one_by_one(values, names)


_IDS = st.one_of(
    st.none(), st.sampled_from(["A1", "A2", "a1", "", "nan", "None"]), st.integers(0, 3), st.just(np.nan)
)


def _plain_keys(frame: pd.DataFrame, partner: str, asset_id: str) -> pd.MultiIndex:
    """The keys as they were made before: every value as a Python string."""
    texts = [frame[c].astype(str).to_numpy(dtype=object) for c in (partner, asset_id)]
    return pd.MultiIndex.from_arrays(texts)


@given(st.lists(st.tuples(_IDS, _IDS), min_size=1, max_size=30), st.booleans())
@settings(max_examples=300, deadline=None)
def test_asset_keys_numbered_once_find_what_the_text_keys_find(
    pairs: list[tuple[object, object]], arrow_text: bool
) -> None:
    frame = pd.DataFrame(pairs, columns=["partner", "asset_id"], dtype=object)
    if arrow_text:
        frame["partner"] = frame["partner"].astype(str)
    wanted = frame.iloc[::-1].reset_index(drop=True)
    fast, plain = keys(frame, "partner", "asset_id"), _plain_keys(frame, "partner", "asset_id")
    assert fast.equals(plain)
    (found,) = _lookup(positions(fast), keys(wanted, "partner", "asset_id"))
    assert found.tolist() == _found_by_text(positions(plain), _plain_keys(wanted, "partner", "asset_id"))
    half = frame.iloc[::2]
    kept = fast.isin(keys(half, "partner", "asset_id"))
    assert kept.tolist() == plain.isin(_plain_keys(half, "partner", "asset_id")).tolist()


def _found_by_text(index: pd.Series, wanted: pd.MultiIndex) -> list[int]:
    """Each key's value in ``index`` found by pandas' own look-up of the text keys (-1: none)."""
    if len(index) == 0:
        return [-1] * len(wanted)
    found = index.index.get_indexer(wanted)
    return np.where(found >= 0, index.to_numpy()[found], -1).tolist()


@given(
    st.lists(st.tuples(_IDS, _IDS), max_size=30),
    st.lists(st.tuples(_IDS, _IDS), max_size=30),
    st.lists(st.tuples(_IDS, _IDS), max_size=30),
    st.lists(st.booleans(), min_size=30, max_size=30),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_opportunity_keys_looked_up_as_integers_find_what_pandas_finds(
    shown: list[tuple[object, object]],
    donors: list[tuple[object, object]],
    receivers: list[tuple[object, object]],
    keep: list[bool],
    arrow_text: bool,
) -> None:
    columns = ["partner", "asset_id"]
    frames = [pd.DataFrame(rows, columns=columns, dtype=object) for rows in (shown, donors, receivers)]
    if arrow_text:
        frames = [frame.astype(str) for frame in frames]
    index = positions(keys(frames[0], *columns))
    # Sliced keys keep levels no key uses, as opportunities' kept rows do.
    wanted = [keys(frame, *columns)[np.asarray(keep[: len(frame)], dtype=bool)] for frame in frames[1:]]
    found = _lookup(index, *wanted)
    assert [one.tolist() for one in found] == [_found_by_text(index, keys) for keys in wanted]
    assert all(one.dtype == np.int64 for one in found)


def _figures_by_text(member: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Each cluster's shown figures grouped by the cluster ids as text (the way before)."""
    by = member["cluster_id"].astype(str)
    partner = member["partner"].astype(str).to_numpy(dtype=object)
    pairs = pd.DataFrame({"c": by.to_numpy(dtype=object), "p": partner})
    pairs = pairs.drop_duplicates().sort_values(["c", "p"], kind="mergesort")
    partners = pairs.groupby("c", sort=False)["p"].agg("; ".join)
    total = {
        c: pd.to_numeric(member[c], errors="coerce").groupby(by).sum(min_count=1)
        for c in ("running_cost_gbp", "gia_m2")
    }
    shown = pd.DataFrame({"assets": by.value_counts(), "partners": partners, **total}).reindex(ids)
    return shown.assign(utilisation=np.nan, spare_capacity=np.nan)


_MEMBERS = st.tuples(
    st.sampled_from(["C1", "C2", "C10", "C7"]),
    st.sampled_from(["NHS", "Police", "council", "Ávon", "Z; Y"]),
    st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False), st.sampled_from([0.1, 0.2, 0.3])),
    st.one_of(st.none(), st.integers(0, 5000)),
)


@given(st.lists(_MEMBERS, max_size=40))
@settings(max_examples=300, deadline=None)
def test_cluster_figures_numbered_once_are_those_grouped_by_text(rows: list[tuple[object, ...]]) -> None:
    member = pd.DataFrame(rows, columns=["cluster_id", "partner", "running_cost_gbp", "gia_m2"])
    member = member.astype({"cluster_id": "string", "partner": "str"})
    ids = ["C1", "C10", "C2", "C3"]  # C7's members are not on the map; C3 has none here
    fast, plain = _shown_figures(member, ids, _places(member, ids)), _figures_by_text(member, ids)
    for frame in (fast, plain):  # a cluster with no member: no partners, however missing is written
        frame["partners"] = frame["partners"].astype(object).where(frame["partners"].notna(), None)
    pd.testing.assert_frame_equal(fast, plain, check_dtype=False)


_TEXTS = st.sampled_from([None, np.nan, "", " ", "Bath", " Bath ", "bath", "Ávon", "12", "\tLeeds\n"])
_DAYS = st.one_of(st.none(), st.dates(min_value=pd.Timestamp("1900-01-01").date(),
                                      max_value=pd.Timestamp("2100-12-31").date()))  # fmt: skip


@given(st.lists(_TEXTS, max_size=40), st.sampled_from([object, "string"]))
@settings(max_examples=300, deadline=None)
def test_text_grouped_before_formatting_gives_the_codes_of_every_value_formatted(
    values: list[object], dtype: object
) -> None:
    series = pd.Series(values, dtype=dtype)
    codes, distinct = text_codes(series)
    simple_codes, simple_distinct = text_codes_simple(series)
    assert distinct == simple_distinct
    assert codes.tolist() == simple_codes.tolist()
    assert codes.dtype == simple_codes.dtype
    assert all(type(v) is str for v in distinct)  # written as JSON strings
    # as a page column: the same list or table the plain strip-and-group gives
    stripped = series.astype("string").str.strip()
    stripped = stripped.where(stripped != "")
    encoded = encode_text(series)
    if isinstance(encoded, list):
        assert encoded == stripped.astype(object).where(stripped.notna(), None).tolist()
    else:
        assert [None if c < 0 else encoded[Enc.DISTINCT][c] for c in encoded[Enc.CODES]] == (
            stripped.astype(object).where(stripped.notna(), None).tolist()
        )


@given(st.lists(_DAYS, max_size=40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_dates_formatted_once_each_give_the_codes_of_every_date_formatted(
    days: list[object], zoned: bool
) -> None:
    series = pd.Series(pd.to_datetime(pd.Series(days, dtype=object)), dtype="datetime64[ns]")
    if zoned:
        series = series.dt.tz_localize("Europe/London", ambiguous="NaT", nonexistent="NaT")
    codes, distinct = text_codes(series)
    simple_codes, simple_distinct = text_codes_simple(series)
    assert distinct == simple_distinct
    assert codes.tolist() == simple_codes.tolist()
    assert encode_text(series, arrays=False) == encode_text(series.dt.strftime("%Y-%m-%d").astype(object))


_PLACES = st.lists(
    st.tuples(
        st.one_of(st.floats(49.9, 60.9), st.sampled_from([51.5, 51.500001, 53.48])),
        st.one_of(st.floats(-8.2, 1.8), st.sampled_from([-0.12, -0.120001, -2.24])),
        st.integers(0, 11),
        st.integers(0, 6),
    ),
    min_size=1,
    max_size=60,
)


@given(_PLACES, st.integers(3, 13))
@settings(max_examples=200, deadline=None)
def test_far_levels_from_the_level_below_are_those_from_the_assets(
    places: list[tuple[float, float, int, int]], detail: int
) -> None:
    lat, lon, combo, use = (np.asarray(v) for v in zip(*places, strict=True))
    x, y = mercator(lat.astype(float), lon.astype(float))
    combo, use = combo.astype(np.int64), use.astype(np.int64)
    fast = far_levels(x, y, combo, use, detail)
    simple = far_levels_simple(x, y, combo, use, detail)
    assert [level[Lvl.ZOOM] for level in fast] == list(range(3, detail))
    assert [pack(level) for level in fast] == [pack(level) for level in simple]


@given(
    st.lists(st.one_of(st.floats(allow_infinity=False), st.integers(-(2**70), 2**70).map(float),
                       st.sampled_from([0.0, -0.0, 1e18, 2.0**62, -(2.0**63)])), max_size=30),
    st.booleans(),
)  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_numbers_listed_by_numpy_are_those_listed_one_by_one(values: list[float], whole: bool) -> None:
    arr = np.asarray(values, dtype=float)
    fast = listed(arr, whole=whole)
    simple = [None if v != v else (int(v) if whole else v) for v in arr.tolist()]
    assert fast == simple
    assert [type(v) for v in fast] == [type(v) for v in simple]
