"""Reading a register column by column gives exactly what the simple, row-by-row way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap._errors import RegisterError
from assetmap.registers import read_register
from assetmap.registers._arrow_csv import PY_SPACE, quotes_are_plain, read_plain
from assetmap.registers._raw import (
    _header_index,
    _note_rows,
    build_frame,
    cell_text,
    clean_heading,
    column_letter,
    unique_names,
)
from assetmap.registers._tabular import _records, sniff_delimiter

PATH = Path("r.csv")


def row_by_row(
    rows: list[list[str | None]], header_row: int | str | None
) -> tuple[pd.DataFrame, list[int], tuple]:
    """The frame as the reader built it before, one row at a time (cells already ``str`` or ``None``)."""
    if not any(any(c is not None for c in r) for r in rows):
        raise RegisterError("empty")
    h = -1 if header_row is None else _header_index(PATH, rows, header_row)
    headings = [] if h < 0 else [clean_heading(c) for c in rows[h]]
    body = [(i, list(r)) for i, r in enumerate(rows) if i > h and any(c is not None for c in r)]
    width = max([len(headings), *(len(r) for _, r in body)])
    named = sum(bool(x) for x in headings) if h >= 0 else width
    notes = _note_rows(body, named)
    if not body or len(notes) == len(body):
        raise RegisterError("no data rows")
    headings += [""] * (width - len(headings))
    data = [r + [None] * (width - len(r)) if len(r) < width else r for _, r in body]
    frame = pd.DataFrame(data, columns=range(width), dtype=object)
    filled = frame.notna().any(axis=0).to_numpy()
    keep = [j for j in range(width) if h < 0 or headings[j] or filled[j]]
    names = unique_names([headings[j] or f"Column {column_letter(j)}" for j in keep])
    frame = frame[keep].set_axis(names, axis=1)
    return frame, [i + 1 for i, _ in body], notes


CELL = st.one_of(
    st.sampled_from(
        ["", " ", "\t", "\u00a0", "\u2007 ", "\u200b", "Ref", "Name", "Post Code", "GIA", "x", "1"]
    ),
    st.sampled_from(
        ["Note: figures are unaudited", "Source: the property system, exported yearly", "£1,200"]
    ),
    st.text(max_size=6),
)
ROWS = st.lists(st.lists(CELL, max_size=7), min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, header=st.sampled_from(["auto", None, 1, 2, 3]), text=st.booleans())
def test_columns_equal_rows(rows: list[list[str]], header: int | str | None, text: bool) -> None:
    """CSV text cells (``text=True``) and cells already read (``None`` for blanks) both."""
    cells = [[cell_text(c) for c in r] for r in rows]
    given_rows = rows if text else cells
    try:
        want = row_by_row(cells, header)
    except RegisterError:
        with pytest.raises(RegisterError):
            build_frame(PATH, given_rows, header, text=text)
        return
    got = build_frame(PATH, given_rows, header, text=text)
    pd.testing.assert_frame_equal(got.frame, want[0])
    assert got.source_row.tolist() == want[1]
    assert got.notes == want[2]
    assert all(type(v) is str or v is None for v in got.frame.to_numpy().ravel())


def test_a_long_register_with_notes_below_and_a_ragged_row() -> None:
    rows = [["Title of the terrier"], [], ["Ref", "Name", "GIA"]]
    rows += [[f"A{i}", f"Building {i}", str(i)] for i in range(5000)]
    rows += [["A5000", "Short"], [" ", "", "\t"], [], ["Note: figures are unaudited and subject to change"]]
    got = build_frame(PATH, rows, "auto", text=True)
    want = row_by_row([[cell_text(c) for c in r] for r in rows], "auto")
    pd.testing.assert_frame_equal(got.frame, want[0])
    assert got.source_row.tolist() == want[1] and got.notes == want[2] == (5007,)
    assert got.frame.iloc[5000].tolist() == ["A5000", "Short", None]
    assert np.array_equal(got.source_row[:2], [4, 5])


# -- the Arrow CSV reader: the same table as csv gives, or nothing ------------------------------------

#: What cells of a plain register hold: text with every kind of mess a quoted cell can carry.
CSV_CELL = st.one_of(
    st.sampled_from(
        ["", " ", "\t", "\u00a0", "\u2007 ", "\u200b", "\x1c", "\x85", "Ref", "A0001", "£1,200", "5,5",
         'say "hi"', '"', '""', "a\nb", "a\r\nb", "a\rb", "x\x00y", " padded ", "Café", "Note: figures"]
    ),
    st.text(alphabet=st.sampled_from('ab1 ,;"\n\r\t£\u00a0\x00'), max_size=6),
)  # fmt: skip


def _quote(cell: str, delim: str, force: bool) -> str:
    if force or any(ch in cell for ch in (delim, '"', "\r", "\n")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A register as text: optional title rows, a header, 31 to 60 rows of messy but well-quoted
    cells, and now and then a fault csv and Arrow may read differently (a stray or unclosed quote,
    a ragged row, a blank or whitespace line, notes below)."""
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(2, 5))
    ends = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    titles = st.sampled_from(["Terrier", "Exported 30/09/2026", ""])
    lines = [draw(titles) for _ in range(draw(st.integers(0, 3)))]
    lines.append(delim.join(["Ref", "Name", "Post Code", "GIA", "Use"][:width]))
    for _ in range(draw(st.integers(31, 60))):
        cells = [draw(CSV_CELL) for _ in range(width)]
        lines.append(delim.join(_quote(c, delim, draw(st.booleans())) for c in cells))
    faults = ["stray", "closed early", "unclosed", "ragged", "blank", "space", "notes"]
    fault = draw(st.sampled_from(["none"] * 4 + faults))
    at = draw(st.integers(len(lines) - 30, len(lines) - 1))
    if fault == "stray":
        lines[at] = 'ab"c' + delim + lines[at]
    elif fault == "closed early":
        lines[at] = '"ab"c' + delim + lines[at]
    elif fault == "unclosed":
        lines[at] = '"never closed' + delim + lines[at]
    elif fault == "ragged":
        lines[at] = lines[at] + delim + "extra"
    elif fault in ("blank", "space"):
        lines.insert(at, "" if fault == "blank" else " ")
    elif fault == "notes":
        lines += ["", "Source: the property system, exported yearly"]
    return ends.join(lines) + draw(st.sampled_from(["", ends])), delim


def _slow(text: str, delim: str, header: int | str | None) -> object:
    """What the csv reader gives (the table, or the error it raises)."""
    try:
        return build_frame(PATH, _records(PATH, text, delim), header, text=True)
    except RegisterError as exc:
        return exc


def _assert_same_table(fast: object, slow: object) -> None:
    """The Arrow reader's register (its frame made only when asked for) is the csv reader's."""
    raw = fast.register(PATH)
    assert raw.n_rows == len(slow.frame) and raw.column_names == list(slow.frame.columns)
    for name in raw.column_names:  # one column, without the frame being made
        pd.testing.assert_series_equal(raw.cells(name), slow.frame[name])
    assert type(raw.__dict__["_frame"]).__name__ == "DeferredFrame"
    pd.testing.assert_frame_equal(raw.frame, slow.frame)
    assert fast.source_row.tolist() == slow.source_row.tolist()
    assert (fast.header_row, fast.notes, fast.unnamed) == (slow.header_row, slow.notes, slow.unnamed)
    assert list(fast.text) == raw.column_names
    for name, values in fast.text.items():  # the Arrow text holds the frame's very cells
        assert values.to_pylist() == raw.frame[name].tolist()


@settings(max_examples=400, deadline=None)
@given(case=csv_texts(), header=st.sampled_from(["auto", "auto", None, 1, 2, 4]))
def test_arrow_reader_gives_the_csv_readers_table_or_none(
    case: tuple[str, str], header: int | str | None
) -> None:
    """Whenever Arrow's reader answers, its table is csv's, cell for cell, with the same row
    numbers, header, notes and unnamed columns; where it cannot be sure it answers nothing."""
    text, delim = case
    assert sniff_delimiter(text) in (delim, ",", ";", "\t", "|")
    fast = read_plain(PATH, text, delim, header, min_chars=0)
    slow = _slow(text, delim, header)
    if fast is None:
        return
    assert not isinstance(slow, RegisterError), f"csv says {slow}, Arrow read it"
    _assert_same_table(fast, slow)


def test_arrow_reader_answers_for_a_plain_register_and_keeps_its_mess() -> None:
    """The fast path is taken on a register with title rows, quoted amounts, embedded newlines,
    stray NULs, blank cells and Unicode spaces, and gives csv's table."""
    rows = ["Council terrier", "Exported 30/09/2026", "", "Ref,Name,Cost,Note"]
    rows += [f'A{i},"Building {i}, Annex","£{i},000",' + ('"two\r\nlines"' if i % 7 == 0 else "x\x00y")
             for i in range(200)]  # fmt: skip
    rows += ["A200,\u00a0, ,\u2007", ",,,", "A201,Last,£1,", "", ",,,"]
    text = "\r\n".join(rows) + "\r\n"
    fast = read_plain(PATH, text, ",", "auto", min_chars=0)
    assert fast is not None
    _assert_same_table(fast, _slow(text, ",", "auto"))
    assert fast.header_row == 4 and fast.source_row[0] == 5 and fast.source_row[-1] == 207
    frame = fast.register(PATH).frame
    assert frame.loc[0, "Note"] == "two\r\nlines" and frame.loc[200, "Name"] is None


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        ('a,b\n"x",y\n', True),
        ('a,"b ""q"" c"\n', True),
        ('"",""\n', True),
        ('a,"multi\nline"\n', True),
        ('"a"', True),
        ('ab"c,d\n', False),  # a quote inside an unquoted cell
        ('"ab"c,d\n', False),  # closed before the cell ends
        ('a,"never closed\n', False),
        ('a, "b"\n', False),  # a space before the quote: the quote is inside the cell
        ('a,"b"""\n', True),
        ('a,"b""""c",d', True),
    ],
)
def test_quotes_are_plain(body: str, plain: bool) -> None:
    assert quotes_are_plain(np.frombuffer(body.encode(), dtype=np.uint8), ord(",")) is plain


def test_python_whitespace_is_what_a_csv_blank_cell_may_hold() -> None:
    assert set(PY_SPACE) == {chr(i) for i in range(0x110000) if chr(i).isspace()}


def test_blank_text_is_what_str_strip_leaves_empty() -> None:
    """Arrow's whitespace test agrees with ``str.isspace`` on every code point: a cell of any one
    character, of it twice, padded or empty, is blank exactly when ``str.strip`` leaves nothing."""
    import pyarrow as pa

    from assetmap.registers._arrow_csv import blank_text

    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    cells = [*chars, *(c * 2 for c in chars), *(f" {c} " for c in chars), "", " ", None]
    got = blank_text(pa.array(cells, pa.large_string())).to_pylist()
    assert got == [None if c is None else not c.strip() for c in cells]


def test_read_register_takes_the_arrow_path_for_a_large_csv(tmp_path: Path) -> None:
    """A register over the size threshold is read with Arrow (``RawRegister.text`` set), giving
    what the csv reader gives; cp1252 text and a title row included."""
    import assetmap.registers._tabular as tabular

    lines = ["Terrier of the estate", "", "Ref;Name;Cost;Post Code"]
    lines += [f'A{i};"Café {i}; annex";"£{i:,}";ME14 1AA' for i in range(40_000)]
    path = tmp_path / "big.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    fast = read_register(path)
    assert fast.text is not None and fast.encoding == "cp1252"
    original = tabular.read_plain
    try:
        tabular.read_plain = lambda *args, **kwargs: None
        slow = read_register(path)
    finally:
        tabular.read_plain = original
    assert slow.text is None
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.source_row.tolist() == slow.source_row.tolist() and fast.source_row[0] == 4
    assert fast.frame.loc[1, "Cost"] == "£1"


# -- vector registers: whole columns at once, as cell by cell --------------------------------------
@pytest.mark.parametrize(
    ("suffix", "fields"),
    [
        (".gpkg", ("Ref", "Name", "GIA", "Count", "Sensitive")),
        (".gpkg", ("Ref", "Name", "GIA")),  # text and reals only: read through Arrow
        (".geojson", ("Ref", "Name", "GIA", "Count", "Sensitive")),
    ],
)
def test_vector_cells_equal_cell_by_cell(tmp_path: Path, suffix: str, fields: tuple[str, ...]) -> None:
    """Each attribute of a vector register (text with blanks and Unicode spaces, whole and
    fractional floats, huge and missing ones, integers, yes/no) reads as the cell-by-cell
    conversion of what geopandas reads gives it, and the points are where they were."""
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    from assetmap.registers._vector import read_vector

    n = 400
    text = ["Ref 1", "", " ", "\u00a0", "Caf\u00e9", None, " padded ", "x\ty", "\u2007\u2003", "0"]
    floats = [12.0, 12.5, float("nan"), -0.0, 1e15, 123456789012345.0, 1 / 3, -7.25, 2.0**60, 0.1]
    frame = pd.DataFrame({
        "Ref": [f"A{i}" for i in range(n)],
        "Name": [text[i % len(text)] for i in range(n)],
        "GIA": [floats[i % len(floats)] for i in range(n)],
        "Count": np.arange(n, dtype=np.int64) * 1_000_003,
        "Sensitive": [i % 3 == 0 for i in range(n)],
    })  # fmt: skip
    triangle = Polygon([(0, 0), (10, 0), (10, 10)])
    geoms = [Point(400000 + i, 300000 + i) if i % 9 else triangle for i in range(n)]
    geoms[5] = None
    gdf = gpd.GeoDataFrame(frame[list(fields)], geometry=geoms, crs="EPSG:27700")
    path = tmp_path / f"estate{suffix}"
    gdf.to_file(path)
    raw = read_vector(path, layer=None)
    back = gpd.read_file(path)
    for col in fields:
        want = [cell_text(v) for v in back[col].tolist()]
        assert raw.frame[col].tolist() == want, col
        assert all(type(v) is str or v is None for v in raw.frame[col]), col
    assert raw.geometry.iloc[1].equals(Point(400001, 300001)) and raw.geometry.iloc[5] is None
    assert raw.geometry.iloc[0].geom_type == "Point"


def test_every_real_csv_register_reads_the_same_through_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each published CSV in ../shared/realdata, read with Arrow wherever it can be (whatever its
    size), gives the table, row numbers, encoding and errors the csv reader gives."""
    import os

    import assetmap.registers._tabular as tabular

    default = Path(__file__).resolve().parents[2] / "shared" / "realdata"
    root = Path(os.environ.get("ASSETMAP_REALDATA", default))
    found = root.rglob("*") if root.is_dir() else ()
    files = sorted(p for p in found if p.suffix.lower() in (".csv", ".txt"))
    if not files:
        pytest.skip(f"real registers not found at {root}")
    arrow_read = tabular.read_plain
    taken = 0
    for path in files:
        got: list[object] = []
        for reader in (lambda *args: arrow_read(*args, min_chars=0), lambda *args: None):
            monkeypatch.setattr(tabular, "read_plain", reader)
            try:
                got.append(read_register(path))
            except RegisterError as exc:
                got.append(str(exc))
        fast, slow = got
        if isinstance(slow, str):
            assert fast == slow, path
            continue
        taken += fast.text is not None
        pd.testing.assert_frame_equal(fast.frame, slow.frame, obj=str(path))
        assert fast.source_row.tolist() == slow.source_row.tolist(), path
        assert (fast.header_row, fast.encoding, fast.note_rows, fast.unnamed) == (
            slow.header_row, slow.encoding, slow.note_rows, slow.unnamed,
        ), path  # fmt: skip
    assert taken >= len(files) // 2  # most of them are plain enough for Arrow


def _clean_both_ways(raw: object, path: Path) -> tuple[object, object]:
    """A vector register cleaned from its Arrow text, and from its object frame alone."""
    import dataclasses

    from assetmap.registers import clean_register, match_columns

    assert raw.text is not None and list(raw.text) == raw.column_names
    frame = raw.frame  # the object frame, built from the Arrow text
    assert all(type(v) is str or v is None for col in frame for v in frame[col])
    cells = dataclasses.replace(raw, text=None, frame=frame)
    columns = match_columns(raw, {})
    fast = clean_register(raw, columns, partner="P", source_file=path.name)
    simple = clean_register(cells, columns, partner="P", source_file=path.name)
    return fast, simple


def test_a_vector_register_cleans_from_arrow_text_as_from_its_cells(tmp_path: Path) -> None:
    """A GeoPackage register is kept as Arrow text (no object per cell): cleaning it gives the
    assets and every warning (row, column, value as written) that cleaning its cells gives,
    and rows with no value and no geometry are left out, as before."""
    import geopandas as gpd
    from shapely.geometry import Point

    from assetmap.registers._vector import read_vector

    n = 600
    postcodes = ["ME14 1AA", "me141aa", "not a postcode", None, " ", "SW1A 1AA", "ZZ99 9ZZ"]
    uses = ["lots", "85%", "0.4", None, "-3", "", "200", "1"]
    frame = pd.DataFrame({
        "Ref": [f"A{i % 500}" if i % 13 else None for i in range(n)],
        "Name": [f"Site {i % 40}" if i % 7 else " " for i in range(n)],
        "Post Code": [postcodes[i % len(postcodes)] for i in range(n)],
        "Utilisation": [uses[i % len(uses)] for i in range(n)],
        "GIA (sq m)": [float(i % 9) * 10.5 if i % 5 else np.nan for i in range(n)],
        "Annual Running Cost": [float(i) if i % 4 else -1.0 for i in range(n)],
        "Lease Expiry": ["31/03/2030" if i % 3 else "soon" for i in range(n)],
    })  # fmt: skip
    blank_row = 17
    frame.loc[blank_row] = None
    geoms = [Point(400000 + i, 300000 + i) if i % 11 else None for i in range(n)]
    geoms[blank_row] = None
    path = tmp_path / "estate.gpkg"
    gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:27700").to_file(path)
    raw = read_vector(path, layer=None)
    assert raw.n_rows == n - 1 and blank_row + 1 not in raw.source_row.tolist()
    fast, simple = _clean_both_ways(raw, path)
    pd.testing.assert_frame_equal(fast.assets, simple.assets)
    pd.testing.assert_frame_equal(fast.warnings, simple.warnings)
    assert {"postcode", "utilisation", "lease_expiry"} <= set(fast.warnings["field"])


@pytest.mark.parametrize("name", ["gm_hospitals.geojson", "gm_fire_stations.geojson"])
def test_real_vector_registers_clean_from_arrow_text_as_from_their_cells(name: str) -> None:
    """The published GeoJSON registers in ../shared/realdata clean the same either way."""
    import os

    from assetmap.registers._vector import read_vector

    default = Path(__file__).resolve().parents[2] / "shared" / "realdata"
    path = Path(os.environ.get("ASSETMAP_REALDATA", default)) / "trafford-gm-public-services" / name
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    raw = read_vector(path, layer=None)
    fast, simple = _clean_both_ways(raw, path)
    pd.testing.assert_frame_equal(fast.assets, simple.assets)
    pd.testing.assert_frame_equal(fast.warnings, simple.warnings)
    assert len(fast.assets) == raw.n_rows > 10
