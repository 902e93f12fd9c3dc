"""Value cleaners: turn a register column of text into typed values plus a plain-words problem per row.

Every cleaner takes a :class:`pandas.Series` of ``str``/``None`` and returns a :class:`Cleaned`
with ``values`` (same index) and ``problems`` (a message an estates officer understands, or
``None``). A bad value becomes missing and gets a problem; a cleaner never raises on data.
Blank cells and "nothing here" words (``-``, ``n/a``, ``nil``, ``none``) are missing with no problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._clean_base import (
    NONE_WORDS,
    Cleaned,
    as_text,
    extract,
    is_arrow_text,
    matches,
    problems_where,
    quoted,
    set_problems,
    to_object,
)
from ._clean_codes import (
    clean_bool,
    clean_condition,
    clean_date,
    clean_postcode,
    clean_tenure,
    clean_uprn,
    postcode_in_text,
)

__all__ = [
    "Cleaned",
    "clean_bool",
    "clean_condition",
    "clean_coord",
    "clean_date",
    "clean_fraction",
    "clean_money",
    "clean_number",
    "clean_postcode",
    "clean_tenure",
    "clean_text",
    "clean_uprn",
    "derive_utilisation",
    "postcode_in_text",
]

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_MULT = {"": 1.0, "k": 1e3, "m": 1e6, "bn": 1e9}
_UNITS = r"(?i:\s*(?:m2|m²|sq\.?\s*m(?:etres|eters)?|sqm|square\s+met(?:re|er)s|fte|people|desks?|%)\.?)?"
#: The shapes of amounts, quantities, fractions and coordinates (every group named; see ``extract``).
MONEY = rf"^(?P<open>\()?(?P<sign>[-+])?(?P<num>{_NUM})(?P<mult>(?i:k|m|bn))?(?P<close>\))?$"
NUMBER = rf"^(?P<sign>[-−+])?\s*(?P<num>{_NUM}){_UNITS}$"
FRACTION = rf"^(?P<sign>[-−+])?\s*(?P<num>{_NUM})\s*(?P<pct>%|(?i:percent|pc))?$"
COORD = rf"^(?P<sign>[-+])?\s*(?P<num>{_NUM})$"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:.10g}"


def _float(parts: pd.Series) -> pd.Series:
    """Numbers matched by a shape's ``num`` group (commas between thousands), as float64.

    Arrow's parser (correctly rounded, as Python's and pandas' are) reads a column of ASCII
    digits at once; a column holding anything else (a digit of another script, which Python's
    ``re`` matches as ``\\d``) is read by ``pd.to_numeric``, as before.
    """
    text = parts.str.replace(",", "", regex=False)
    if is_arrow_text(text):
        arrow = pa.array(text.array)
        try:
            values = pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return pd.Series(values, index=parts.index, name=parts.name, dtype="float64", copy=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def clean_text(s: pd.Series) -> Cleaned:
    """Strip text and collapse inner whitespace and newlines to single spaces; blank -> ``None``.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Cleaned
        ``values`` object dtype (``str`` or ``None``); never any problems.
    """
    return Cleaned(to_object(as_text(s)), problems_where(s, pd.Series(False, index=s.index), ""))


def clean_money(s: pd.Series, *, allow_negative: bool = True, label: str = "amount") -> Cleaned:
    """Parse pounds: ``£12,345``, ``12345.00``, ``(1,200)`` and ``-1,200`` (negative), ``£1.2m``, ``£250k``.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    allow_negative : bool, default True
        If False a negative amount is missing with a problem (e.g. a negative book value).
    label : str, default "amount"
        What the amount is, for messages (``"book value"``).

    Returns
    -------
    Cleaned
        ``values`` float64 pounds.
    """
    t = as_text(s)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    # as_text left one kind of whitespace, the space: so no \s (which pandas runs in Python)
    u = t.str.replace(r" +|£|(?i:gbp)", "", regex=True).str.replace("−", "-", regex=False)
    m = extract(u, MONEY)
    paren = m["open"].notna() & m["close"].notna()
    ok = m["num"].notna() & (m["open"].isna() == m["close"].isna()) & ~(paren & m["sign"].notna())
    mult = m["mult"].fillna("").str.lower().map(_MULT).astype("float64")
    value = _float(m["num"]) * mult
    value = value.where(~(paren | (m["sign"] == "-")), -value).where(ok & ~blank)
    bad = ~blank & ~ok
    problems = problems_where(s, bad, lambda x: f"{quoted(x)} is not an amount of money")
    if not allow_negative:
        neg = value < 0
        problems = set_problems(problems, neg, lambda x: f"negative {label} {quoted(x)} ignored", s)
        value = value.where(~neg)
    return Cleaned(value.astype("float64"), problems)


def clean_number(s: pd.Series, *, label: str = "value", allow_zero: bool = True) -> Cleaned:
    """Parse a non-negative quantity: ``1,234``, ``1234.5``, ``1234 m2``, ``1,234 sq m``, ``12 FTE``.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    label : str, default "value"
        What the number is, for messages (``"floor area"``).
    allow_zero : bool, default True
        If False, 0 is missing with a problem (``"floor area 0 is not a real area"``).

    Returns
    -------
    Cleaned
        ``values`` float64; negative or unreadable values are NaN with a problem.
    """
    t = as_text(s)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    m = extract(t, NUMBER)
    ok = m["num"].notna() & ~blank
    value = _float(m["num"])
    value = value.where(m["sign"].isna() | (m["sign"] == "+"), -value).where(ok)
    problems = problems_where(s, ~blank & ~ok, lambda x: f"{label} {quoted(x)} is not a number")
    neg = value < 0
    problems = set_problems(problems, neg, lambda v: f"negative {label} {_fmt(v)} ignored", value)
    value = value.where(~neg)
    if not allow_zero:
        zero = value == 0
        noun = label.split()[-1]
        problems = problems.where(~zero, f"{label} 0 is not a real {noun}")
        value = value.where(~zero)
    return Cleaned(value.astype("float64"), problems)


def clean_fraction(s: pd.Series, *, label: str = "utilisation") -> Cleaned:
    """Parse a utilisation as a fraction: ``0.85``, ``85``, ``85%``, ``85.0 %`` -> 0.85.

    A value with ``%`` is a percent; a bare number over 1.5 is a percent; a bare number up to
    1.5 is a fraction (``1`` means 100%). Over 150% or negative -> NaN with a problem.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    label : str, default "utilisation"
        For messages.

    Returns
    -------
    Cleaned
        ``values`` float64 fractions.
    """
    t = as_text(s)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    m = extract(t, FRACTION)
    ok = m["num"].notna() & ~blank
    num = _float(m["num"])
    num = num.where(m["sign"].isna() | (m["sign"] == "+"), -num)
    percent = m["pct"].notna() | (num > 1.5)
    value = num.where(~percent, num / 100).where(ok)
    problems = problems_where(
        s, ~blank & ~ok, lambda x: f"{quoted(x)} is not a {label} (a percent or fraction)"
    )
    neg = value < 0
    problems = set_problems(problems, neg, lambda x: f"negative {label} {quoted(x)} ignored", s)
    over = value > 1.5
    problems = set_problems(
        problems, over, lambda v: f"{label} {_fmt(round(v * 100, 6))}% is over 150%: ignored", value
    )
    value = value.where(~neg & ~over)
    return Cleaned(value.astype("float64"), problems)


def derive_utilisation(occupancy: pd.Series, capacity: pd.Series) -> pd.Series:
    """Occupancy / capacity where both are present and capacity is above 0, else NaN.

    Parameters
    ----------
    occupancy, capacity : pandas.Series
        Clean float values (people, desks or workstations), same index.

    Returns
    -------
    pandas.Series
        float64 fractions.
    """
    occ = occupancy.astype("float64")
    cap = capacity.astype("float64")
    return (occ / cap.where(cap > 0)).astype("float64")


#: A coordinate written plainly (``-0.5219``, ``551234.0``): an optional minus, digits, decimals.
_PLAIN_COORD = r"^-?[0-9]+(?:\.[0-9]+)?$"


def clean_coord(s: pd.Series, *, label: str = "coordinate") -> Cleaned:
    """Parse a coordinate: ``551234``, ``551,234``, ``51.2785``, ``-0.5219``; no range checks here.

    Cells written plainly (nearly all of an export's) are read at once, as the full reading
    (:func:`clean_every_coord`) reads them; the others by it.
    """
    plain = matches(s, _PLAIN_COORD)
    if plain is None or not plain.any():
        return clean_every_coord(s, label=label)
    values = np.full(len(s), np.nan)
    problems = np.full(len(s), None, dtype=object)
    rows = np.flatnonzero(plain)
    text = as_text(s.iloc[rows])  # plain text is its own clean text
    number = _float(text.str.lstrip("-")).to_numpy()
    values[rows] = np.where(text.str.startswith("-").to_numpy(dtype=bool), -number, number)
    rest = np.flatnonzero(~plain)
    if len(rest):
        part = clean_every_coord(s.iloc[rest], label=label)
        values[rest] = part.values.to_numpy(dtype="float64")
        problems[rest] = part.problems.to_numpy(dtype=object)
    values = pd.Series(values, index=s.index, dtype="float64", name="num")  # named as the full reading's
    return Cleaned(values, pd.Series(problems, index=s.index, dtype=object))


def clean_every_coord(s: pd.Series, *, label: str = "coordinate") -> Cleaned:
    """Parse a coordinate: ``551234``, ``551,234``, ``51.2785``, ``-0.5219``; no range checks here.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    label : str, default "coordinate"
        For messages (``"easting"``).

    Returns
    -------
    Cleaned
        ``values`` float64.
    """
    t = as_text(s).str.replace("−", "-", regex=False)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    m = extract(t, COORD)
    ok = m["num"].notna() & ~blank
    value = _float(m["num"])
    value = value.where(m["sign"] != "-", -value).where(ok)
    # exported floats sometimes arrive in scientific notation ("-9.95E-3")
    other = ~ok & ~blank
    if other.any():  # (nothing to read otherwise: every cell is a plain number or blank)
        sci = pd.to_numeric(t.where(other), errors="coerce")
        sci = sci.where(np.isfinite(sci))
        value = value.fillna(sci)
        ok = ok | sci.notna()
    problems = problems_where(s, ~blank & ~ok, lambda x: f"{label} {quoted(x)} is not a number")
    return Cleaned(value.astype("float64"), problems)
