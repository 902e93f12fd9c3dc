"""The national page's compact text forms (maps/_texts.py) give back exactly the text they were made
from: the reasons as templates with numbers, the search columns split at their last number, and
numbers stored without their shared trailing zeros. (The page's own reading of them is tested in
Chromium by tests/test_browser_map.py.)"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.maps._pyramid import Ints, pack, unpack
from assetmap.maps._texts import (
    chunk_phrases,
    join_phrase,
    join_texts,
    reasons_chunk,
    split_phrase,
    split_texts,
    template_reasons,
)

#: Text rich in what the splitting must get right: digits, commas, zeros, marks, other scripts.
_ALPHABET = st.sampled_from(list("0123456789,,, 0.£%-abAB;\x00\x01\n\r٣é"))
_TEXT = st.text(_ALPHABET, max_size=40) | st.text(max_size=20)
_PHRASES = [
    "low utilisation (42%, below 50%)",
    "freehold, book value £4,285,000",
    "room for its 12 people at Building 007 (NHS Property), 1,234 m away",
    "lease ends 3 Aug 2027 (within 12 months)",
    "12,345,678,901,234,567 and 1,5 and 4,2850 and 99999999999999999",
    "condition C (poor)",
]


@given(_TEXT)
@settings(max_examples=400, deadline=None)
def test_a_phrase_is_its_template_and_numbers(text: str) -> None:
    template, numbers = split_phrase(text)
    assert join_phrase(template, numbers) == text
    assert len(template[0]) == len(numbers) == len(template) - 2
    assert all(0 <= n < 10**15 for n in numbers)


def test_phrases_share_a_template_when_only_their_numbers_differ() -> None:
    first, numbers = split_phrase("freehold, book value £4,285,000")
    second, _ = split_phrase("freehold, book value £12,000")
    assert first == second == ("g", "freehold, book value £", "") and numbers == [4285000]
    assert split_phrase("Building 007") == (("ppp", "Building ", "", "", ""), [0, 0, 7])  # written back as is


def _round_trip(reasons: list[str | None], names: list[str], bounds: list[int], *, shared: bool) -> list[str]:
    """Each asset's reasons, templated, cut into chunks, packed and unpacked and read back."""
    templated = template_reasons(pd.Series(reasons, dtype=object), names)
    out = []
    for start, stop in itertools.pairwise(bounds):
        column = unpack(pack(reasons_chunk(templated, start, stop, shared=shared)))
        out += ["; ".join(phrases) for phrases in chunk_phrases(column, templated.templates)]
    return out


_REASONS = st.lists(_TEXT | st.sampled_from(_PHRASES), max_size=4).map("; ".join) | st.none()


@given(st.lists(_REASONS, max_size=30), st.booleans())
@settings(max_examples=150, deadline=None)
def test_reasons_read_back_from_chunks_as_written(reasons: list[str | None], shared: bool) -> None:
    n = len(reasons)
    bounds = sorted({0, n, n // 3, n // 2})
    want = []
    for text in reasons:  # the county page's rule: phrases stripped, empty ones dropped
        phrases = [p.strip() for p in (text or "").split("; ")]
        want.append("; ".join(p for p in phrases if p))
    assert _round_trip(reasons, [], bounds, shared=shared) == want
    # Arrow's split of all phrases at once is the one of each phrase on its own.
    templated = template_reasons(pd.Series(reasons, dtype=object), [])
    phrases = [p for text in want for p in (text.split("; ") if text else [])]
    for k, phrase in enumerate(phrases):
        template, numbers = split_phrase(phrase)
        assert tuple(templated.templates[templated.template[k]]) == template
        assert templated.numbers[k, : templated.slots[k]].tolist() == numbers


def test_reasons_name_no_sensitive_site() -> None:
    reasons = ["room for its 3 people at Secret Depot 9 (Police), 40 m away", "condition C (poor)"]
    back = _round_trip(reasons, ["Secret Depot 9"], [0, 1, 2], shared=True)
    assert back == ["room for its 3 people at a sensitive site (Police), 40 m away", "condition C (poor)"]


@given(st.lists(_TEXT | st.none() | st.sampled_from(["A0000123", "HG1 9ES", "0", "00", "Building 3"]),
                max_size=30))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_search_columns_read_back_as_written(values: list[str | None]) -> None:
    column = unpack(pack(split_texts(pd.Series(values, dtype=object))))
    stripped = pd.Series(values, dtype="string").str.strip().fillna("")  # as a county page strips text
    want = [re.sub(r"[\r\n]+", " ", v) for v in stripped]  # and one space per run of line breaks
    assert join_texts(column) == want


def test_search_columns_split_at_the_last_number() -> None:
    column = split_texts(pd.Series(["A0000123", "HG1 9ES", "Oak House", None]))
    assert column["h"] == "A\nHG1 \nOak House\n" and column["t"] == "\nES\n\n"
    assert column["n"].values.tolist()[:2] == [123, 9]
    assert column["n"].missing.tolist() == [False, False, True, True]
    assert column["w"].values.tolist() == [7, 0, 0, 0]


# (values times 10**(zeros + scale) stay below 2**53, where a float still holds every whole number)
@given(st.lists(st.integers(-(10**7), 10**7) | st.none(), min_size=1, max_size=20), st.integers(0, 5),
       st.integers(0, 3))  # fmt: skip
@settings(max_examples=200, deadline=None)
def test_numbers_lose_shared_trailing_zeros_and_read_back(
    values: list[int | None], zeros: int, scale: int
) -> None:
    numbers = np.array([np.nan if v is None else v * 10**zeros for v in values], dtype=float) / 10**scale
    back = unpack(pack({"x": Ints.of(numbers, scale=scale)}))["x"]
    assert back == [None if v is None else v * 10**zeros / 10**scale for v in values]
