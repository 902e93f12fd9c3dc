"""Shared pieces of the value cleaners: the result type and text helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pandas as pd

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


def as_text(s: pd.Series) -> pd.Series:
    """Register text as a NaN-missing str Series: stripped, inner whitespace collapsed, blank -> NaN."""
    t = s.astype(object).where(s.notna(), None).astype(_STR)
    t = t.str.replace(_SPACE_LIKE, " ", regex=True).str.strip(" ")
    return t.where(t != "")


def to_object(t: pd.Series) -> pd.Series:
    """A string Series as object dtype with ``None`` for missing."""
    return t.astype(object).where(t.notna(), None)


def quoted(value: object) -> str:
    """Original cell text for a message, in double quotes, whitespace collapsed."""
    text = " ".join(str(value).split())
    return f'"{text}"'


def problems_where(s: pd.Series, mask: pd.Series, message: Callable[[object], str] | str) -> pd.Series:
    """An object Series with ``message(original value)`` where ``mask`` is True, ``None`` elsewhere."""
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    hit = mask.fillna(False).astype(bool).to_numpy()
    if hit.any():
        values = s.to_numpy(dtype=object)[hit]
        out.iloc[hit.nonzero()[0]] = [message(v) if callable(message) else message for v in values]
    return out


def set_problems(
    problems: pd.Series, mask: pd.Series, message: Callable[[object], str], source: pd.Series
) -> pd.Series:
    """Replace problems where ``mask`` is True with ``message(source value)``."""
    new = problems_where(source, mask, message)
    return new.where(mask.fillna(False).astype(bool), problems)
