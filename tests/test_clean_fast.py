"""The fast paths of cleaning give exactly what the simple, value-by-value cleaners give."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.registers._assemble import clean_distinct, cleaner_for
from assetmap.registers._clean_base import SPACE_CHARACTERS, as_text
from assetmap.schema import FIELDS

#: What register cells hold, field by field, with the mess (and the odd Unicode) they come with.
SAMPLES = [
    "", " ", "-", "n/a", "None", "NIL", "ME14 1AA", "me141aa", " ME14\n1AA ", "P019 8AD", "ZZ99 9ZZ", "TBC",
    "M31", "GIR 0AA", "575794", "575,794", "156256.0", "-0.5219", "−1.25", "-9.95E-3", "1e400", "inf", "nan",
    "£12,345", "£1.2m", "£250k", "(1,200)", "-1,200", "12,34", "£ 1 200", "GBP 5", "£12,3OO", "0", "-5",
    "85%", "85.0 %", "0.85", "1", "180%", "85 percent", "1,234 sq m", "12 FTE", "1234 m²", "99 desks",
    "31/03/2027", "31-03-27", "2027-03-31", "31 Mar 2027", "46477", "46477.5", "31/02/2027",
    "2027-03-31 00:00:00",
    "A", "b", "Condition B", "C - poor", "good", "Poor condition", "E", "freehold", "FH", "Long Leasehold",
    "l/h", "licence", "Yes", "y", "x", "✓", "no", "maybe", "000100012345678", "12345.0", "1.00023E+11",
    "=1+1", "@SUM(A1)", "Café & Library £ Hub", "٣٤", "１２", "12\u00a0345", "\u200b12", "\ufeff£5",
]  # fmt: skip
#: Cells drawn from a small pool repeat, as register values do; arbitrary text does not.
CELL = st.one_of(
    st.sampled_from(SAMPLES),
    st.none(),
    st.text(alphabet=st.sampled_from("0123456789.,-+£%() kmKMbnEe/\u00a0\u2007\n"), max_size=10),
    st.text(max_size=8),
)
COLUMN = st.lists(CELL, min_size=2, max_size=60)


def _same(got: pd.Series, want: pd.Series) -> None:
    pd.testing.assert_series_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_names=False)


@settings(max_examples=60, deadline=None)
@given(cells=COLUMN, field=st.sampled_from(sorted(FIELDS)))
def test_distinct_cleaning_equals_the_cleaner_on_every_row(cells: list[str | None], field: str) -> None:
    """Cleaning each distinct value once gives what the cleaner gives on the whole column, and
    what it gives on each value alone."""
    text = pd.Series(cells + cells[::2], dtype=object)  # every other value twice
    cleaner = cleaner_for(field)
    fast, whole = clean_distinct(cleaner, text), cleaner(text)
    _same(fast.values, whole.values)
    _same(fast.problems, whole.problems)
    assert fast.values.index.equals(text.index) and fast.problems.index.equals(text.index)
    for i in range(0, len(text), 7):  # and value by value
        one = cleaner(text.iloc[i : i + 1])
        _same(fast.values.iloc[i : i + 1], one.values)
        assert fast.problems.iloc[i] == one.problems.iloc[0]


def test_distinct_cleaning_on_every_sample_and_every_field() -> None:
    text = pd.Series(SAMPLES * 3 + [None], dtype=object)
    for field in FIELDS:
        cleaner = cleaner_for(field)
        fast, whole = clean_distinct(cleaner, text), cleaner(text)
        _same(fast.values, whole.values)
        _same(fast.problems, whole.problems)


def test_distinct_cleaning_leaves_columns_that_are_not_text_to_the_cleaner() -> None:
    """``1``, ``1.0`` and ``True`` hash alike, so a column holding them is cleaned as it is."""
    text = pd.Series(["1", 1, 1.0, True, None, "1"], dtype=object)
    for field in ("asset_id", "gia_m2", "sensitive"):
        cleaner = cleaner_for(field)
        _same(clean_distinct(cleaner, text).values, cleaner(text).values)


def test_space_characters_are_pythons_whitespace_and_the_invisible_ones() -> None:
    every = (chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    spaces = {ch for ch in every if re.match(r"\s", ch)}
    assert set(SPACE_CHARACTERS) == spaces | {"\u200b", "\ufeff"}


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.text(alphabet=st.sampled_from(SPACE_CHARACTERS + "aé1"))), max_size=20
    )
)
def test_as_text_in_pyarrow_equals_pythons_regular_expression(cells: list[str | None]) -> None:
    pattern = re.compile(r"[\s\u200b\ufeff]+")
    want = [
        None if v is None or not pattern.sub(" ", v).strip(" ") else pattern.sub(" ", v).strip(" ")
        for v in cells
    ]
    got = as_text(pd.Series(cells, dtype=object))
    assert [None if pd.isna(v) else v for v in got] == want


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.text(alphabet=st.sampled_from(" \t\u00a0\u200bab\u00e9"), max_size=6)),
        max_size=25,
    ),
    arrow=st.booleans(),
)
def test_as_text_rewriting_only_spaced_cells_equals_rewriting_every_cell(
    cells: list[str | None], arrow: bool
) -> None:
    """``as_text`` rewrites only the cells with whitespace to collapse or strip: the same text,
    blanks, index and name as replacing and stripping every cell."""
    from assetmap.registers._clean_base import _SPACE_LIKE, _STR, arrow_text

    index = pd.RangeIndex(len(cells)) * 3 + 7
    objects = pd.Series(cells, dtype=object, index=index, name="col")
    given_as = arrow_text(pa.array(cells, type=pa.large_string()), index=index) if arrow else objects
    given_as.name = "col"
    every = objects.where(objects.notna(), None).astype(_STR)
    every = every.str.replace(_SPACE_LIKE, " ", regex=True).str.strip(" ")
    want = every.where(every != "")
    got = as_text(given_as)
    pd.testing.assert_series_equal(got, want)


#: Text as ``as_text`` leaves it, drawn towards what the shapes match, with the odd non-ASCII.
SHAPED = st.text(
    alphabet=st.sampled_from("0123456789.,-−+£%() kKmMbnBNEe/:xtfpesqrc²٣\u00e9"), min_size=0, max_size=14
)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), SHAPED, st.sampled_from(SAMPLES)), min_size=1, max_size=30))
def test_extract_in_pyarrow_equals_pandas_in_python(cells: list[str | None]) -> None:
    """pyarrow's RE2 matches each cleaner's shape exactly as Python's ``re`` does (the rows it takes)."""
    from assetmap.registers._clean_base import extract
    from assetmap.registers._clean_codes import SERIAL, UPRN
    from assetmap.registers.clean import COORD, FRACTION, MONEY, NUMBER

    text = as_text(pd.Series(cells, dtype=object))
    for pattern in (MONEY, NUMBER, FRACTION, COORD, UPRN, SERIAL):
        want = text.astype(object).str.extract(pattern).astype(text.dtype)
        pd.testing.assert_frame_equal(extract(text, pattern), want)


def _blank_to_none(cells: list[str | None]) -> list[str | None]:
    """A CSV reader's cells: blank or whitespace-only text is None."""
    return [None if v is None or not v or v.isspace() else v for v in cells]


@settings(max_examples=120, deadline=None)
@given(cells=COLUMN, field=st.sampled_from(sorted(FIELDS)), repeat=st.integers(1, 40))
def test_cleaning_arrow_text_equals_cleaning_the_cells(
    cells: list[str | None], field: str, repeat: int
) -> None:
    """A column given as Arrow text (a large CSV read with Arrow) cleans to exactly what its
    cells as objects clean to: values, problems, and the problems' wording of each value."""
    from assetmap.registers._clean_base import arrow_text

    column = _blank_to_none(cells * repeat)  # many repeats: the distinct path; few: the whole column
    objects = pd.Series(column, dtype=object)
    arrow = arrow_text(pa.array(column, type=pa.large_string()))
    cleaner = cleaner_for(field)
    fast, want = clean_distinct(cleaner, arrow), clean_distinct(cleaner, objects)
    _same(fast.values, want.values)
    _same(fast.problems, want.problems)


def test_clean_register_from_arrow_text_equals_from_the_frame() -> None:
    """A whole register cleaned from its Arrow text gives the assets and warnings (values as
    written, row numbers) that cleaning its object cells gives."""
    from pathlib import Path

    import numpy as np

    from assetmap.registers import RawRegister, clean_register
    from assetmap.schema import CANONICAL_FIELDS

    n = 3000
    columns = {f: [SAMPLES[(i * (k + 3)) % len(SAMPLES)] for i in range(n)] for k, f in enumerate(FIELDS)}
    columns = {f: _blank_to_none(v) for f, v in columns.items()}
    columns["asset_id"] = [f"A{i}" if i % 11 else None for i in range(n)]
    frame = pd.DataFrame(columns, dtype=object)
    text = {f: pa.array(v, type=pa.large_string()) for f, v in columns.items()}
    source_row = np.arange(5, n + 5, dtype=np.int64)
    plain = RawRegister(Path("r.csv"), frame, source_row, None, 4, "utf-8", None)
    arrowed = RawRegister(Path("r.csv"), frame, source_row, None, 4, "utf-8", None, text=text)
    named = {f: f for f in FIELDS if f in CANONICAL_FIELDS}
    want = clean_register(plain, named, partner="P", source_file="r.csv")
    got = clean_register(arrowed, named, partner="P", source_file="r.csv")
    pd.testing.assert_frame_equal(got.assets, want.assets)
    pd.testing.assert_frame_equal(got.warnings, want.warnings)
    assert len(want.warnings) > 100


POSTCODE_CELLS = st.one_of(
    st.sampled_from(
        ["ME14 1AA", "ME14  1AA", "me14 1aa", "ME141AA", " ME14 1AA", "ME14 1AA\n", "ME14\u00a01AA",
         "P019 8AD", "PO19 8AD", "GIR 0AA", "M1 1AE", "W1A 0AX", "EC1A 1BB", "ZZ99 9ZZ", "ME14 1AI", "M31",
         "TBC", "-", "", " ", "SW1A 1AA ", "B33 8TH", "CR2 6XH", "DN55 1PT", "ME14 1AA2", "AA9A 9AA",
         "A9 9AA",
         "1AB 2CD"]
    ),
    st.none(),
    st.text(alphabet=st.sampled_from("ABDEGHMPSWZ019 \n"), max_size=9),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(POSTCODE_CELLS, max_size=40), arrow=st.booleans())
def test_postcodes_written_as_printed_are_kept_as_cleaning_every_cell_would(
    cells: list[str | None], arrow: bool
) -> None:
    """A postcode already written as printed is kept as it is; the whole column cleans to what
    cleaning every cell gives (values, problems, index)."""
    from assetmap.registers._clean_base import arrow_text
    from assetmap.registers._clean_codes import clean_every_postcode, clean_postcode

    column = _blank_to_none(cells)
    index = pd.RangeIndex(len(column)) * 3 + 5
    s = arrow_text(pa.array(column, type=pa.large_string()), index=index) if arrow else pd.Series(
        column, dtype=object, index=index
    )
    got, want = clean_postcode(s), clean_every_postcode(s)
    pd.testing.assert_series_equal(got.values, want.values, check_names=False)
    pd.testing.assert_series_equal(got.problems, want.problems, check_names=False)


@settings(max_examples=60, deadline=None)
@given(cells=COLUMN)
def test_to_object_gives_str_or_none_as_the_two_pass_way(cells: list[str | None]) -> None:
    from assetmap.registers._clean_base import to_object

    text = as_text(pd.Series(cells, dtype=object, index=pd.RangeIndex(len(cells)) * 2, name="x"))
    got = to_object(text)
    pd.testing.assert_series_equal(got, text.astype(object).where(text.notna(), None))
    assert all(type(v) is str or v is None for v in got)


COORD_CELLS = st.one_of(
    st.sampled_from(
        ["575794", "575794.0", "-0.5219", "-0", "0", "007", "51.2785", "551,234", "−1.25", "+3", " 12", "1e3",
         "-9.95E-3", "n/a", "-", "", "1.", ".5", "--1", "12 ", "1.2.3", "٣٤", "123456789012345678"]
    ),
    st.none(),
    st.text(alphabet=st.sampled_from("0123456789.-,"), max_size=12),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(COORD_CELLS, max_size=40), arrow=st.booleans())
def test_plain_coordinates_read_at_once_as_the_full_reading_reads_them(
    cells: list[str | None], arrow: bool
) -> None:
    from assetmap.registers._clean_base import arrow_text
    from assetmap.registers.clean import clean_coord, clean_every_coord

    column = _blank_to_none(cells)
    index = pd.RangeIndex(len(column)) * 3 + 5
    s = arrow_text(pa.array(column, type=pa.large_string()), index=index) if arrow else pd.Series(
        column, dtype=object, index=index
    )
    got, want = clean_coord(s, label="easting"), clean_every_coord(s, label="easting")
    pd.testing.assert_series_equal(got.values, want.values)
    pd.testing.assert_series_equal(got.problems, want.problems)
    assert np.array_equal(np.signbit(got.values.to_numpy()), np.signbit(want.values.to_numpy()))


#: What a shape's ``num`` group holds: digits, thousands commas, a decimal point; long ones too.
NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,40})(?:\.[0-9]{1,30})?\Z"),
    st.from_regex(r"\A\.[0-9]{1,20}\Z"),
    st.sampled_from(["9" * 309, "1" + "0" * 400, "0." + "0" * 400 + "1", "9007199254740993", "0", "00012"]),
)


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.one_of(st.none(), NUMBER_TEXT), max_size=30),
    other=st.sampled_from([None, "\u0663", "1\u0663"]),
)
def test_numbers_parsed_by_arrow_equal_pandas_to_numeric(cells: list[str | None], other: str | None) -> None:
    """The ``num`` groups are read by Arrow's parser: the same floats as ``pd.to_numeric``
    (a column with a digit of another script is left to it)."""
    from assetmap.registers._clean_base import arrow_text
    from assetmap.registers.clean import _float

    column = cells if other is None else [*cells, other]
    text = arrow_text(pa.array(column, type=pa.large_string()), index=pd.RangeIndex(len(column)) + 2)
    text.name = "num"
    want = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("float64")
    pd.testing.assert_series_equal(_float(text), want)
    assert np.array_equal(np.signbit(_float(text).to_numpy()), np.signbit(want.to_numpy()))
