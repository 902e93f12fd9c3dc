"""Shared pieces of the value cleaners: the result type and text helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Cell text meaning "nothing here": missing without a problem.
NONE_WORDS: Final[frozenset[str]] = frozenset(
    {"-", "--", "–", "—", "n/a", "na", "nil", "none", "null", "n.a."}
)

_STR = pd.StringDtype(na_value=float("nan"))
#: Characters that are whitespace to a person: Python's ``\s`` (``str.isspace``) and the
#: zero-width space and byte-order mark. Spelt out as the characters themselves, not as
#: ``\s`` or ``\u`` escapes, so that pandas runs the replacement in pyarrow's regular
#: expressions rather than in Python, value by value (tests/test_clean.py checks the set).
SPACE_CHARACTERS: Final[str] = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_SPACE_LIKE = "[" + SPACE_CHARACTERS + "]+"


@dataclass(frozen=True)
class Cleaned:
    """The result of a cleaner.

    Attributes
    ----------
    values : pandas.Series
        Clean values, same index as the input.
    problems : pandas.Series
        object dtype: a warning in plain words, or ``None`` where the value was fine or blank.
    """

    values: pd.Series
    problems: pd.Series


def is_arrow_text(s: pd.Series) -> bool:
    """Whether ``s`` is already the Arrow-backed, NaN-missing ``str`` dtype the cleaners work in."""
    return s.dtype == _STR and getattr(s.dtype, "storage", None) == "pyarrow"


def arrow_text(values: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """Arrow text (nulls for blanks) as the ``str`` Series the cleaners work in, without a copy."""
    return pd.Series(_STR.__from_arrow__(values), index=index, copy=False)


def cells_at(s: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The cells at positions ``rows`` as objects: ``str``, or ``None`` where missing (whatever the dtype)."""
    picked = s.iloc[rows]
    values = picked.to_numpy(dtype=object)
    if is_arrow_text(s):
        values[picked.isna().to_numpy()] = None
    return values


def matches(s: pd.Series, pattern: str) -> np.ndarray | None:
    """Where each cell's text matches ``pattern`` (Arrow's RE2; ASCII patterns only), False where
    missing; None when the cells are not all text."""
    if is_arrow_text(s):
        text = pa.array(s.array)
    else:
        values = s.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) not in {"string", "empty"}:
            return None
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    return pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)


#: Text that :func:`as_text` changes: whitespace other than a single space between words.
_NEEDS_SPACING = "[" + SPACE_CHARACTERS.replace(" ", "") + "]|  |^ | $"


def as_text(s: pd.Series) -> pd.Series:
    """Register text as a NaN-missing str Series: stripped, inner whitespace collapsed, blank -> NaN.

    Only the cells holding whitespace other than single spaces between words (found by one
    scan, about a tenth of the cost of replacing) are rewritten: the rest are their own text.
    """
    t = s if is_arrow_text(s) else s.astype(object).where(s.notna(), None).astype(_STR)
    text = pa.array(t.array)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    need = pc.fill_null(pc.match_substring_regex(text, _NEEDS_SPACING), False)
    if pc.any(need).as_py():
        some = pc.replace_substring_regex(pc.filter(text, need), _SPACE_LIKE, " ")
        text = pc.replace_with_mask(text, need, pc.utf8_trim(some, " "))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    return pd.Series(_STR.__from_arrow__(text), index=t.index, name=t.name, copy=False)


#: Text of printable ASCII only: on it RE2 (pyarrow) and Python's ``re`` agree on ``\\d``, ``\\s``,
#: ``\\w``, ``\\b``, case folding and ``$`` (no newline).
_PRINTABLE_ASCII = "^[ -~]*$"


def extract(t: pd.Series, pattern: str) -> pd.DataFrame:
    """``t.str.extract(pattern)``, in pyarrow for the rows where its regular expressions agree with Python's.

    For text from :func:`as_text` (whitespace already one space, no newline), with every
    group of ``pattern`` named and none able to match empty text (pyarrow gives a group that
    took no part in a match as empty text; here it is missing, as Python gives it). Rows of
    printable ASCII, nearly all of a register, are matched by pyarrow's RE2; the rest (a
    ``²``, a non-breaking hyphen, digits of another script) by Python's ``re``, as pandas does.

    Parameters
    ----------
    t : pandas.Series
        Text (the ``str`` dtype :func:`as_text` returns).
    pattern : str
        A regular expression with named groups.

    Returns
    -------
    pandas.DataFrame
        One ``str`` column per group, same index as ``t``; missing where the row did not match.
    """
    if not isinstance(t.dtype, pd.StringDtype) or t.dtype.storage != "pyarrow" or len(t) == 0:
        return t.str.extract(pattern)
    text = pa.array(t.array)
    found = pc.extract_regex(text, pattern)
    matched = found.is_valid()
    columns = {}
    for field in found.type:
        part = pc.struct_field(found, field.name)
        part = pc.if_else(pc.and_(matched, pc.not_equal(part, "")), part, pa.scalar(None, part.type))
        columns[field.name] = pd.Series(_STR.__from_arrow__(part), index=t.index)
    out = pd.DataFrame(columns, index=t.index)
    other = ~pc.fill_null(pc.match_substring_regex(text, _PRINTABLE_ASCII), True).to_numpy(
        zero_copy_only=False
    )
    if other.any():  # left to Python's re, value by value
        out.loc[other] = t[other].astype(object).str.extract(pattern).astype(_STR).to_numpy()
    return out


def to_object(t: pd.Series) -> pd.Series:
    """A string Series as object dtype with ``None`` for missing."""
    if is_arrow_text(t):  # one pass instead of two
        values = t.array.to_numpy(dtype=object, na_value=None)
        return pd.Series(values, index=t.index, name=t.name, dtype=object)
    return t.astype(object).where(t.notna(), None)


def quoted(value: object) -> str:
    """Original cell text for a message, in double quotes, whitespace collapsed."""
    text = " ".join(str(value).split())
    return f'"{text}"'


def problems_where(s: pd.Series, mask: pd.Series, message: Callable[[object], str] | str) -> pd.Series:
    """An object Series with ``message(original value)`` where ``mask`` is True, ``None`` elsewhere."""
    out = pd.Series(np.full(len(s), None, dtype=object), index=s.index, dtype=object)
    hit = mask.fillna(False).astype(bool).to_numpy()
    if hit.any():
        rows = hit.nonzero()[0]
        out.iloc[rows] = [message(v) if callable(message) else message for v in cells_at(s, rows)]
    return out


def set_problems(
    problems: pd.Series, mask: pd.Series, message: Callable[[object], str], source: pd.Series
) -> pd.Series:
    """Replace problems where ``mask`` is True with ``message(source value)``."""
    new = problems_where(source, mask, message)
    return new.where(mask.fillna(False).astype(bool), problems)
