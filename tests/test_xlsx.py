"""The fast spreadsheet writer gives the same cells as the simple openpyxl writer it replaced."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

import assetmap._xlsx as xlsx
from assetmap.boardpack import _assets_sheet
from assetmap.testing import synthetic_estate

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def reference_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """The simple writer: one openpyxl cell per value (what assetmap used before)."""
    wb = openpyxl.Workbook(write_only=True)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name[:31])
        ws.freeze_panes = "A2"
        formats = [xlsx.number_format(str(c)) for c in frame.columns]
        header = []
        for col in frame.columns:
            cell = WriteOnlyCell(ws, value=str(col))
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for value, fmt in zip(row, formats, strict=True):
                value = xlsx.clean_value(value)
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                    cell.quotePrefix = value.startswith(FORMULA_START)
                elif isinstance(value, (dt.datetime, dt.date)):
                    cell.number_format = xlsx.DATE
                elif fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell.number_format = fmt
                cells.append(cell)
            ws.append(cells)
    wb.save(path)


def read_cells(path: Path, *, cr_as_lf: bool = False) -> dict[str, list[list[tuple[object, ...]]]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                value = c.value
                if isinstance(value, float) and value.is_integer():
                    value = int(value)  # "3" and "3.0" are the same number
                if cr_as_lf and isinstance(value, str):
                    value = value.replace("\r", "\n")  # openpyxl's writer loses a carriage return
                quoted = bool(c.quotePrefix) if isinstance(value, str) else None
                fmt = c.number_format if value is not None and not isinstance(value, (str, bool)) else None
                cells.append((value, c.data_type if value is not None else None, fmt, quoted))
            while cells and cells[-1][0] is None:
                cells.pop()
            rows.append(cells)
        out[ws.title] = rows
    return out


def awkward_frame() -> pd.DataFrame:
    n = 6
    return pd.DataFrame(
        {
            "asset_id": ["=1+1", "@A1", "-1 High St", "+44 1622", "\tTAB", "\rCR"],
            "name": [
                '=HYPERLINK("http://evil")',
                "Caf\u00e9 & <b>Library</b> \u00a3",
                "  padded  ",
                None,
                "bell\x07here",
                "x" * 40_000,
            ],
            "running_cost_gbp": [1_250_000.0, np.nan, np.inf, -3.5, 0.0, 1e20],
            "cost_per_m2_gbp": [12.345, 1.0, np.nan, 2.0, 3.0, 4.0],
            "utilisation": [0.5, 1.2, np.nan, 0.0, 0.333333, 1.0],
            "people": np.arange(n, dtype="int64"),
            "maybe": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
            "flag": [True, False, True, False, True, False],
            "nullable_flag": pd.array([True, None, False, None, True, False], dtype="boolean"),
            "lease_expiry": pd.to_datetime(
                ["2027-03-31", None, "2030-01-01", None, "1999-12-31", "2026-09-30"]
            ),
            "stamp": pd.to_datetime(["2026-01-01 12:30"] * n).tz_localize("Europe/London"),
            "mixed": pd.Series([1.5, "withheld", 3, None, dt.date(2027, 1, 2), True], dtype=object),
            "cluster_id": pd.array(["C1", None, "C2", "C3", None, "=C4"], dtype="string"),
            "empty": pd.Series([None] * n, dtype=object),
        }
    )


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    assets, clusters, opps, _summary = synthetic_estate(300, seed=3, hostile=True, sensitive=3)
    return {
        "awkward": awkward_frame(),
        "assets": _assets_sheet(assets),
        "clusters": pd.DataFrame(clusters.drop(columns="geometry")),
        "opportunities": opps,
        "no rows": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
    }


def test_same_cells_as_the_simple_writer(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    fast, simple = tmp_path / "fast.xlsx", tmp_path / "simple.xlsx"
    xlsx.write_sheets(fast, tables, title="T")
    reference_workbook(simple, tables)
    got, want = read_cells(fast, cr_as_lf=True), read_cells(simple)
    assert list(got) == list(want)
    for name in want:
        assert len(got[name]) == len(want[name]), name
        for r, (a, b) in enumerate(zip(got[name], want[name], strict=True), start=1):
            assert len(a) == len(b), (name, r)
            for x, y in zip(a, b, strict=True):
                if isinstance(x[0], float) and isinstance(y[0], float):  # openpyxl rounds to 16 digits
                    assert math.isclose(x[0], y[0], rel_tol=1e-15) and x[1:] == y[1:], (name, r, x, y)
                else:
                    assert x == y, (name, r)
    # The awkward values really were awkward: text kept as text, money formatted, long text cut.
    awkward = {row[0][0]: row for row in read_cells(fast)["awkward"][1:]}
    assert awkward["=1+1"][1] == ('=HYPERLINK("http://evil")', "s", None, True)
    assert awkward["@A1"][1][3] is False  # plain text: no quote prefix
    assert awkward["=1+1"][0] == ("=1+1", "s", None, True)
    assert awkward["=1+1"][2][2] == xlsx.MONEY
    assert len(awkward["\rCR"][1][0]) == 32_767
    assert awkward["\tTAB"][1][0] == "bellhere"


def test_rows_joined_from_column_pieces_equal_rows_of_whole_cells(tables: dict[str, pd.DataFrame]) -> None:
    """A column with no blank cell goes into its rows as pieces (joined once, with the row): the
    same bytes as making every column's cells first, then joining them into rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieced = 0
    for name, frame in tables.items():
        formats = [xlsx.number_format(str(c)) for c in frame.columns]
        got = b"".join(bytes(block) for block in xlsx._row_blocks(frame, formats))
        letters = [xlsx.column_letter(i) for i in range(frame.shape[1])]
        rows = pc.cast(pa.array(np.arange(2, 2 + len(frame))), pa.string())
        pieces = [xlsx._column_cells(frame.iloc[:, j], (f'<c r="{letters[j]}', rows), formats[j])
                  for j in range(len(letters))]  # fmt: skip
        pieced += sum(len(p) > 1 for p in pieces)  # columns given as pieces, not cells
        cells = [xlsx._cells(p, len(frame)) for p in pieces]
        lines = [f'<row r="{i + 2}">{"".join(c[i].as_py() for c in cells)}</row>' for i in range(len(frame))]
        want = "".join(lines).encode()
        assert got == want, name
    assert pieced > 10


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), st.text(alphabet=" =+-@\t\r\n&<>\x01ab\u00e9\ufffe", max_size=6)),
        min_size=1, max_size=12,
    ),
    repeat=st.integers(1, 400),
)
def test_repeated_text_made_a_distinct_value_at_a_time_equals_cell_by_cell(
    texts: list[str | None], repeat: int
) -> None:
    """A text column whose values repeat is made into cells once per distinct value, then taken
    for each row: the same cells as making every row's (blanks, quote prefix, escapes, padding)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array((texts * repeat)[: max(len(texts) * repeat, 1)], pa.string())
    rows = pc.cast(pa.array(np.arange(2, 2 + len(values))), pa.string())
    refs = ('<c r="B', rows)
    got = xlsx._cells(xlsx._texts(values, refs), len(values))
    whole = xlsx._join(*refs, *xlsx._text_tails(values))
    assert got.equals(pc.fill_null(whole, "")), (texts, repeat)


def test_layout_and_text_never_formula(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    path = tmp_path / "fast.xlsx"
    xlsx.write_sheets(path, tables, title="T")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{xlsx.column_letter(ws.max_column - 1)}{max(ws.max_row, 2)}"
        assert all(c.font.b for c in next(ws.iter_rows(max_row=1)))
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    assert wb.properties.title == "T" and wb.properties.creator == "assetmap"


def test_a_second_reader_agrees(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """calamine (Rust, strict) reads the same sheets and values: the file is well formed."""
    calamine = pytest.importorskip("python_calamine")
    path = tmp_path / "fast.xlsx"
    xlsx.write_sheets(path, tables, title="T")
    book = calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == list(tables)
    rows = book.get_sheet_by_name("opportunities").to_python()
    frame = tables["opportunities"]
    assert rows[0] == list(frame.columns)
    assert len(rows) == len(frame) + 1
    saving = rows[1][list(frame.columns).index("annual_saving_gbp")]
    assert math.isclose(saving, frame["annual_saving_gbp"].iloc[0])


_CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["=1+1", " padded ", "A&E <b>", "\r", "\x07", "-422", "@x", "\t", "\u00a3"]
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.none() | _CELL_TEXT, max_size=25))
def test_text_held_by_arrow_gives_the_bytes_of_text_held_as_objects(
    tmp_path_factory: pytest.TempPathFactory, values: list[str | None]
) -> None:
    """The fast path for Arrow-backed text (``str``, ``string[pyarrow]``) writes what object text writes."""
    folder = tmp_path_factory.mktemp("arrow-text")
    frames = {
        kind: pd.DataFrame({"name": pd.Series(values, dtype=kind), "n": np.arange(len(values), dtype=float)})
        for kind in ("object", "str", "string[pyarrow]")
    }
    written = {}
    for kind, frame in frames.items():
        path = folder / f"{kind.replace('[', '_').replace(']', '')}.xlsx"
        xlsx.write_sheets(path, {"t": frame}, title="T")
        written[kind] = path.read_bytes()
    assert written["str"] == written["object"]
    assert written["string[pyarrow]"] == written["object"]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.none() | _CELL_TEXT | st.text("ab &<>\r\x01\x0b\ufffe", max_size=8), max_size=25))
def test_text_cells_read_back_as_written(
    tmp_path_factory: pytest.TempPathFactory, values: list[str | None]
) -> None:
    """Escaping and removal touch only the values that need them: every cell reads back as its text."""
    path = tmp_path_factory.mktemp("text") / "t.xlsx"
    frame = pd.DataFrame({"name": pd.Series(values, dtype="str"), "n": np.arange(len(values), dtype=float)})
    xlsx.write_sheets(path, {"t": frame}, title="T")
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(min_row=2, max_col=1, values_only=True))
    assert [row[0] for row in rows] == [xlsx.clean_value(v) for v in values]


_MIXED = (
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text("ab=1 &", max_size=4)
    | st.floats(allow_nan=False, allow_infinity=False, width=32) | st.floats(width=32).map(np.float64)
    | st.dates(dt.date(1990, 1, 1), dt.date(2060, 1, 1)) | st.just(np.bool_(True))
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_MIXED, min_size=1, max_size=20))
def test_mixed_columns_keep_each_value_kind(
    tmp_path_factory: pytest.TempPathFactory, values: list[object]
) -> None:
    """A column of mixed Python values (the board pack's withheld coordinates): each cell keeps its kind."""
    path = tmp_path_factory.mktemp("mixed") / "t.xlsx"
    frame = pd.DataFrame({"v": pd.Series([*values, "text"], dtype=object), "n": np.arange(len(values) + 1.0)})
    xlsx.write_sheets(path, {"t": frame}, title="T")
    got = [row[0] for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(min_row=2, max_col=1)]
    for cell, value in zip(got, [*values, "text"], strict=True):
        want = xlsx.clean_value(value)
        if isinstance(want, dt.date):
            assert cell.value.date() == (want.date() if isinstance(want, dt.datetime) else want)
        elif isinstance(want, float) and not isinstance(want, bool):
            assert cell.data_type == "n" and math.isclose(cell.value, want, rel_tol=1e-15, abs_tol=1e-300)
        else:
            assert cell.value == want and type(cell.value) is type(want), (value, cell.value)


def test_same_bytes_twice(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    one, two = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    xlsx.write_sheets(one, tables)
    xlsx.write_sheets(two, tables)
    assert one.read_bytes() == two.read_bytes()


def test_long_table_continues_on_more_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    monkeypatch.setattr(xlsx, "BLOCK_ROWS", 3)
    frame = pd.DataFrame({"asset_id": [f"A{i}" for i in range(10)], "running_cost_gbp": np.arange(10.0)})
    path = tmp_path / "long.xlsx"
    xlsx.write_sheets(path, {"assets": frame})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["assets", "assets 2", "assets 3"]
    ids = [r[0] for ws in wb.worksheets for r in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == list(frame["asset_id"])
    assert [ws.max_row for ws in wb.worksheets] == [5, 5, 3]
    assert all(ws["A1"].value == "asset_id" for ws in wb.worksheets)


def test_libreoffice_opens_it_and_runs_nothing(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """A real spreadsheet program reads every sheet and shows formula-like text as text."""
    import csv
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    path = tmp_path / "pack.xlsx"
    xlsx.write_sheets(path, {"awkward": tables["awkward"], "opportunities": tables["opportunities"]})
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    cmd = [soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", filt,
           "--outdir", str(tmp_path), str(path)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    with open(tmp_path / "pack-awkward.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(tables["awkward"].columns)
    assert [r[0] for r in rows[1:5]] == ["=1+1", "@A1", "-1 High St", "+44 1622"]
    assert rows[1][1] == '=HYPERLINK("http://evil")'  # shown as typed, never evaluated
    assert rows[2][1] == "Caf\u00e9 & <b>Library</b> \u00a3" and rows[3][1] == "  padded  "
    with open(tmp_path / "pack-opportunities.csv", encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == len(tables["opportunities"]) + 1


def test_members_are_packed_by_isa_l_and_read_back_whole(
    tmp_path: Path, tables: dict[str, pd.DataFrame]
) -> None:
    """Each member is ISA-L's raw deflate of its XML (fast), and zlib itself inflates it, CRC checked."""
    import zipfile
    import zlib

    from isal import isal_zlib

    path = tmp_path / "fast.xlsx"
    xlsx.write_sheets(path, tables, title="T")
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # every member's CRC and size match its data
        info = zf.getinfo("xl/styles.xml")
        xml = zf.read(info)
        with path.open("rb") as fh:  # the raw member: past its local header (30 bytes, name, extra)
            fh.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(fh.read(4), "<u2")
            fh.seek(info.header_offset + 30 + int(name_len) + int(extra_len))
            raw = fh.read(info.compress_size)
    packer = isal_zlib.compressobj(xlsx._LEVEL, isal_zlib.DEFLATED, -15)
    assert raw == packer.compress(xml) + packer.flush()
    assert zlib.decompress(raw, -15) == xml
