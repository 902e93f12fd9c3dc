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
#: Characters that are whitespace to a person but not all to regular expressions.
_SPACE_LIKE = r"[\s\u00a0\u200b\u2007\u202f\ufeff]+"


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
    t = t.str.replace(_SPACE_LIKE, " ", regex=True).str.strip()
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
