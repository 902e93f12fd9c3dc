"""The GeoPackage written through Arrow reads back the same as one written feature by feature."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.outputs import write_layers
from assetmap.testing import synthetic_estate


def test_geopackage_through_arrow_round_trips_identically(tmp_path: Path) -> None:
    assets, clusters, _opps, _summary = synthetic_estate(300, seed=5, hostile=True)
    assets["lease_expiry"] = assets["lease_expiry"].astype("datetime64[ms]")
    assets.loc[3, "name"] = None
    assets.loc[4, "name"] = "Caf\u00e9 \u00a3 & <b>"
    layers = {"assets": assets, "clusters": clusters}
    fast, simple = tmp_path / "fast.gpkg", tmp_path / "simple.gpkg"
    write_layers(fast, layers)
    write_layers(simple, layers, use_arrow=False)
    for name, frame in layers.items():
        a = gpd.read_file(fast, layer=name)
        b = gpd.read_file(simple, layer=name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
        )
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()
        assert a.crs == b.crs == frame.crs
        assert len(a) == len(frame)
    back = gpd.read_file(fast, layer="assets")
    assert back.loc[4, "name"] == "Caf\u00e9 \u00a3 & <b>"
    assert pd.isna(back.loc[3, "name"])
    assert (back["asset_id"] == assets["asset_id"]).all()


def test_csv_defuses_formulas_in_text_and_mixed_columns(tmp_path: Path) -> None:
    from assetmap.outputs import defuse_formula, write_csv

    nasty = ["=1+1", "+44 1622", "-422", "+3.5%", "@SUM(A1)", "\tTAB", "plain", None, "-1 High St"]
    frame = pd.DataFrame(
        {
            "text": pd.array(nasty, dtype="string"),
            "str": pd.Series(nasty, dtype="str"),
            "mixed": pd.Series([*nasty[:-1], 5.5], dtype=object),
        }
    )
    path = tmp_path / "x.csv"
    write_csv(frame, path)
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    expected = ["" if v is None else defuse_formula(v) for v in nasty]
    assert back["text"].tolist() == expected
    assert back["str"].tolist() == expected
    assert back["mixed"].tolist() == [*expected[:-1], "5.5"]
    assert expected[0] == "'=1+1" and expected[2] == "-422" and expected[-1] == "'-1 High St"


def test_geopackage_same_bytes_twice_stamped_with_the_as_of_date(tmp_path: Path) -> None:
    """GDAL stamps each layer's last_change with the clock unless told: the run's date is used."""
    import sqlite3
    import time

    import pyogrio

    assets, clusters, _opps, _summary = synthetic_estate(200, seed=7)
    layers = {"assets": assets, "clusters": clusters}
    one, two = tmp_path / "one.gpkg", tmp_path / "two.gpkg"
    write_layers(one, layers, as_of="2026-09-30")
    time.sleep(1.1)  # the clock's seconds change between the two
    write_layers(two, layers, as_of="2026-09-30")
    assert one.read_bytes() == two.read_bytes()
    with sqlite3.connect(one) as con:
        stamps = dict(con.execute("select table_name, last_change from gpkg_contents"))
    assert stamps == dict.fromkeys(layers, "2026-09-30T00:00:00.000Z")
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # put back as it was


def test_geopackage_without_journal_or_flush_is_the_same_file(tmp_path: Path) -> None:
    """The temporary GeoPackage is written without SQLite's journal and disk flushes: the file is
    byte for byte the one SQLite's defaults write, with its spatial index, and the settings are
    put back afterwards."""
    import sqlite3

    import pyogrio

    from assetmap import outputs

    assets, clusters, _opps, _summary = synthetic_estate(400, seed=11, hostile=True)
    layers = {"assets": assets, "clusters": clusters}
    fast, simple = tmp_path / "fast.gpkg", tmp_path / "simple.gpkg"
    write_layers(fast, layers, as_of="2026-09-30")
    staging, outputs._STAGING_SQLITE = outputs._STAGING_SQLITE, {}
    try:
        write_layers(simple, layers, as_of="2026-09-30")
    finally:
        outputs._STAGING_SQLITE = staging
    assert staging == {"OGR_SQLITE_JOURNAL": "OFF", "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    assert fast.read_bytes() == simple.read_bytes()
    with sqlite3.connect(fast) as con:
        indexed = {row[0] for row in con.execute("select table_name from gpkg_extensions")}
        assert con.execute("pragma integrity_check").fetchone() == ("ok",)
    assert set(layers) <= indexed  # rtree spatial index kept for GIS users
    assert all(pyogrio.get_gdal_config_option(key) is None for key in staging)
    assert sorted(tmp_path.iterdir()) == [fast, simple]  # no journal or temporary file left


AWKWARD_TEXT = st.text(alphabet="=+-@\t\r\n 0123456789.,%\u0663a'", max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), AWKWARD_TEXT), max_size=30))
def test_csv_defusing_of_text_columns_is_the_per_value_rule(values: list[str | None]) -> None:
    """Text columns are defused with Arrow's kernels: the same as :func:`defuse_formula` value by value
    (Unicode digits, a newline ending a signed number, blanks)."""
    from assetmap.outputs import _defuse_column, defuse_formula

    for dtype in ("str", "string"):
        column = pd.Series(values, dtype=dtype)
        got = _defuse_column(column)
        want = [None if v is None else defuse_formula(v) for v in values]
        assert [None if pd.isna(v) else v for v in got] == want
        assert got.dtype == column.dtype


FIELD_TEXT = st.text(alphabet='ab ,"\n\r\t=-1.%\u00e9\u0663', max_size=6)
FLOATS = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 0.5, 1e16, 1e-5, float("nan")]))
DATES = st.one_of(
    st.none(), st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1)),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 1, 1)).map(
        lambda d: dt.datetime(d.year, d.month, d.day)
    ),
)  # fmt: skip


@st.composite
def csv_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 40))

    def column(values: st.SearchStrategy) -> list:
        return draw(st.lists(values, min_size=n, max_size=n))

    return pd.DataFrame(
        {
            "text": pd.Series(column(st.one_of(st.none(), FIELD_TEXT)), dtype="str"),
            "string": pd.array(column(st.one_of(st.none(), FIELD_TEXT)), "string"),
            "money_gbp": pd.Series(column(FLOATS), dtype="float64"),
            "count": pd.Series(column(st.integers(-(2**62), 2**62)), dtype="int64"),
            "flag": pd.Series(column(st.booleans()), dtype=bool),
            "when": pd.Series(column(DATES), dtype="datetime64[ns]"),
        }
    )


@settings(max_examples=80, deadline=None)
@given(csv_frames(), st.integers(1, 7))
def test_fast_csv_is_byte_for_byte_pandas_to_csv(frame: pd.DataFrame, chunk: int) -> None:
    """The CSV built with Arrow's kernels is exactly pandas' ``to_csv``: quoting of commas, quotes
    and line breaks, numbers as numpy writes them (minus zero, infinity, blanks for NaN), and dates
    without their times in a chunk where every one is at midnight (chunks made small here)."""
    from assetmap import _csv

    cells = chunk * len(frame.columns)  # to_csv formats this many cells at a time (rows = chunk)
    want = frame.to_csv(index=False, lineterminator="\n", chunksize=chunk).encode("utf-8")
    original = _csv._PANDAS_CHUNK_CELLS
    try:
        _csv._PANDAS_CHUNK_CELLS = cells
        chunks = _csv.csv_chunks(frame)
        assert chunks is not None
        got = b"".join(chunks)
    finally:
        _csv._PANDAS_CHUNK_CELLS = original
    assert got == want


def test_csv_columns_quoted_in_every_field_some_or_none_are_to_csv_own() -> None:
    """A text column with fields to quote (reasons, with their commas) goes into its lines as
    quotes (or nothing) and text, not made into fields first: the bytes are still ``to_csv``'s."""
    from assetmap import _csv

    n = 3000
    reasons = [f'low use, {i} "people", x' if i % 3 else f"near,\n{i}" for i in range(n)]
    some = [f"a,{i}" if i % 5 == 0 else (None if i % 7 == 0 else f"b{i}") for i in range(n)]
    frame = pd.DataFrame({
        "reasons": pd.Series(reasons, dtype="str"),
        "some": pd.Series(some, dtype="str"),
        "none": pd.Series([f"plain {i}" for i in range(n)], dtype="str"),
        "cost_gbp": np.arange(n) * 1.5,
        "last, quoted": pd.Series([f'"{i}",' for i in range(n)], dtype="str"),
    })  # fmt: skip
    pieces = [len(_csv._field(frame[c], 100)) for c in ("reasons", "some", "none", "last, quoted")]
    assert pieces == [3, 3, 1, 3]  # some or every field quoted: given as pieces
    want = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert b"".join(_csv.csv_chunks(frame)) == want


def test_csv_of_kinds_left_to_pandas_is_pandas_own(tmp_path: Path) -> None:
    """Mixed objects, nullable integers and one-column tables go through to_csv itself."""
    import codecs

    from assetmap._csv import csv_chunks
    from assetmap.outputs import write_csv

    frames = {
        "mixed": pd.DataFrame({"a": pd.Series([1.5, "x", None], dtype=object), "b": ["p", "q", "r"]}),
        "nullable": pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": ["p", "q", "r"]}),
        "one column": pd.DataFrame({"a": ["", None, "x"]}),
    }
    for name, frame in frames.items():
        assert csv_chunks(frame) is None, name
        write_csv(frame, tmp_path / "x.csv")
        want = codecs.BOM_UTF8 + frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
        assert (tmp_path / "x.csv").read_bytes() == want, name


INT_KINDS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(INT_KINDS), st.lists(st.integers(), max_size=30))
def test_csv_integers_cast_by_arrow_are_numpy_own_text(kind: str, draws: list[int]) -> None:
    """Integers of every width, extremes included, are the digits numpy's ``astype(str)`` writes."""
    from assetmap import _csv

    info = np.iinfo(kind)
    numbers = np.array([info.min, info.max, 0] + [d % (int(info.max) - int(info.min) + 1) + int(info.min)
                                                  for d in draws], dtype=kind)  # fmt: skip
    assert _csv._numbers_text(numbers).to_pylist() == numbers.astype(str).tolist()
    frame = pd.DataFrame({"count": numbers, "other": numbers[::-1]})
    assert b"".join(_csv.csv_chunks(frame)) == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_csv_of_a_frame_with_nothing_to_defuse_is_the_frame_itself() -> None:
    """No copy of a frame whose text needs no defusing; one that does is copied, the original kept."""
    from assetmap.outputs import _defused

    plain = pd.DataFrame({"name": pd.Series(["a", "-422", None], dtype="str"), "n": [1, 2, 3]})
    assert _defused(plain) is plain
    risky = pd.DataFrame({"name": pd.Series(["a", "=1+1", None], dtype="str"), "n": [1, 2, 3]})
    safe = _defused(risky)
    assert safe["name"].tolist()[:2] == ["a", "'=1+1"] and risky["name"].tolist()[1] == "=1+1"
    assert safe["n"].tolist() == [1, 2, 3]


#: Text a spreadsheet or a CSV reader trips on: quotes, separators, line breaks, formula starts,
#: signed numbers, non-ASCII letters and digits, blanks.
TRICKY_TEXT = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet='=+-@\t\r\n ,"\'a1.%\u00e9\u0663\u4e2d\U0001f3e2', max_size=10),
    st.sampled_from(["-422", "+3.5%", "=SUM(A1)", "@cmd", '"quoted", text', "line\nbreak", "\u00a3242/m"]),
)


@st.composite
def tricky_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))

    def column(values: st.SearchStrategy) -> list:
        return draw(st.lists(values, min_size=n, max_size=n))

    midnight = draw(st.booleans())  # a date column all at midnight, or some with a time of day
    return pd.DataFrame({
        "name": pd.Series(column(TRICKY_TEXT), dtype="str"),
        "reasons": pd.Series(column(TRICKY_TEXT), dtype="str"),
        "partner": pd.array(column(TRICKY_TEXT), "string"),
        "cost_gbp": pd.Series(column(FLOATS), dtype="float64"),
        "rank": pd.Series(column(st.integers(-(2**40), 2**40)), dtype="int64"),
        "flag": pd.Series(column(st.booleans()), dtype=bool),
        "when": pd.Series(column(DATES.filter(lambda d: d is None or not midnight or d.time() == dt.time())),
                          dtype="datetime64[ns]"),
    })  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(tricky_frames(), st.integers(1, 5), st.sampled_from([0, 32]))
def test_written_csv_is_defused_to_csv_byte_for_byte(frame: pd.DataFrame, chunk: int, long: int) -> None:
    """The file :func:`write_csv` writes (Arrow's kernels, in blocks of rows) is the simple path's:
    each text defused value by value with :func:`defuse_formula`, then pandas' ``to_csv``; text
    scanned as bytes or (``long`` 0) searched field by field."""
    import tempfile

    from assetmap import _csv
    from assetmap.outputs import defuse_formula, write_csv

    text = [name for name in frame.columns if pd.api.types.is_string_dtype(frame[name])]
    simple = frame.assign(**{name: frame[name].map(defuse_formula) for name in text})
    want = simple.to_csv(index=False, lineterminator="\n", chunksize=chunk).encode("utf-8")
    original = _csv._PANDAS_CHUNK_CELLS, _csv.BLOCK_ROWS, _csv.LONG_FIELD_BYTES
    try:
        _csv._PANDAS_CHUNK_CELLS, _csv.BLOCK_ROWS = chunk * frame.shape[1], 2 * chunk
        _csv.LONG_FIELD_BYTES = long
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out.csv"
            write_csv(frame, path)
            got = path.read_bytes()
    finally:
        _csv._PANDAS_CHUNK_CELLS, _csv.BLOCK_ROWS, _csv.LONG_FIELD_BYTES = original
    assert got == b"\xef\xbb\xbf" + want
