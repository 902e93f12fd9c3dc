"""Reading a register column by column gives exactly what the simple, row-by-row way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap._errors import RegisterError
from assetmap.registers._raw import (
    _header_index,
    _note_rows,
    build_frame,
    cell_text,
    clean_heading,
    column_letter,
    unique_names,
)

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
