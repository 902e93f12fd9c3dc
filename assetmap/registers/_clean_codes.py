"""Cleaners for codes and dates: postcode, UPRN, tenure, condition, yes/no and lease dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._clean_base import (
    NONE_WORDS,
    Cleaned,
    as_text,
    cells_at,
    extract,
    matches,
    problems_where,
    quoted,
    to_object,
)

#: Text people put in a postcode cell when there is no postcode.
POSTCODE_PLACEHOLDERS = frozenset(
    {"TBC", "TBA", "N/A", "NA", "WITHHELD", "UNKNOWN", "-", "NONE", "NIL", "NOTKNOWN", "?", "XXX", "N.A."}
)
_POSTCODE = r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2}|GIR0AA)$"
_PARTIAL = r"^[A-Z]{1,2}[0-9][A-Z0-9]?(?:[0-9])?$"
#: Something shaped like a full postcode inside free text, loose enough to let through the
#: O/0 mix-ups :func:`clean_postcode` fixes (``P019 8AD``); checked by it afterwards.
_POSTCODE_IN_TEXT = r"(?i)\b([A-Z0][A-Z0]?[0-9][A-Z0-9]?\s*[0-9O][A-Z0]{2})\b"
#: ...the last such thing in the text (a greedy start runs past the earlier ones).
_LAST_POSTCODE_IN_TEXT = r"(?is)^.*" + _POSTCODE_IN_TEXT[4:]

#: Government estate condition grades (A good, B satisfactory, C poor, D bad) as words.
CONDITION_WORDS = {"good": "A", "satisfactory": "B", "fair": "B", "poor": "C", "bad": "D"}

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d-%m-%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y/%m/%d",
)
#: A UPRN's digits (an Excel float's ``.0`` after them), and an Excel day number.
UPRN = r"^(?P<digits>\d+)(?:\.0*)?$"
SERIAL = r"^(?P<number>\d+(?:\.\d+)?)$"
#: Excel day numbers accepted as dates (1954-10-03 to 2119-01-10).
EXCEL_SERIAL_RANGE = (20000, 80000)


#: A postcode written as it is printed (``ME14 1AA``): cleaning gives it back as it is, with no problem.
_PRINTED = r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$"


def _printed(s: pd.Series) -> np.ndarray | None:
    """Where each cell is a postcode written as printed (None when the cells are not all text)."""
    return matches(s, _PRINTED)


def clean_postcode(s: pd.Series) -> Cleaned:
    """Normalise UK postcodes to ``"ME14 1AA"`` (outward code, space, inward code).

    Cells already written so (nearly all of a register's) are kept as they are; the others
    are cleaned by :func:`clean_every_postcode`, whose docstring says how.
    """
    printed = _printed(s)
    if printed is None or not printed.any():
        return clean_every_postcode(s)
    values = np.full(len(s), None, dtype=object)
    problems = np.full(len(s), None, dtype=object)
    values[printed] = cells_at(s, np.flatnonzero(printed))
    rest = np.flatnonzero(~printed)
    if len(rest):
        part = clean_every_postcode(s.iloc[rest])
        values[rest] = part.values.to_numpy(dtype=object)
        problems[rest] = part.problems.to_numpy(dtype=object)
    return Cleaned(
        pd.Series(values, index=s.index, dtype=object, name=s.name),
        pd.Series(problems, index=s.index, dtype=object),
    )


def clean_every_postcode(s: pd.Series) -> Cleaned:
    """Normalise UK postcodes to ``"ME14 1AA"`` (outward code, space, inward code), cell by cell.

    Case and every kind of whitespace (spaces, newlines, non-breaking spaces) are ignored.
    Placeholders (``TBC``, ``N/A``, ``Withheld``, ``Unknown``, ``-``, ``none``), partial
    postcodes (``M31``) and anything not shaped like a UK postcode become ``None`` with a problem.
    Geocoding compares postcodes with the space removed.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Cleaned
        ``values`` object dtype (``str`` or ``None``).
    """
    t = as_text(s)
    key = t.str.upper().str.replace(" ", "", regex=False)  # as_text made every space-like one " "
    blank = t.isna()
    placeholder = key.isin(POSTCODE_PLACEHOLDERS) | key.str.fullmatch(r"[-.?*]+").fillna(False)
    valid = key.str.fullmatch(_POSTCODE).fillna(False)
    # Zero typed for the letter O (or O for zero) where the pattern allows only one: "P019 8AD".
    fixed = _o_for_zero(key)
    typo = ~valid & ~placeholder & fixed.str.fullmatch(_POSTCODE).fillna(False)
    key = key.where(~typo, fixed)
    valid = valid | typo
    partial = ~valid & key.str.fullmatch(_PARTIAL).fillna(False)
    value = (key.str[:-3] + " " + key.str[-3:]).where(valid)
    problems = problems_where(
        s, ~blank & ~valid & ~placeholder & ~partial, lambda x: f"postcode {quoted(x)} is not a UK postcode"
    )
    problems = problems.where(
        ~placeholder, problems_where(s, placeholder, lambda x: f"postcode {quoted(x)} is a placeholder")
    )
    partial_msg = problems_where(s, partial, lambda x: f"postcode {quoted(x)} is only a partial postcode")
    problems = problems.where(~partial, partial_msg)
    problems = problems.astype(object)
    for i in np.flatnonzero(typo.to_numpy(dtype=bool)):
        problems.iloc[i] = f'postcode {quoted(t.iloc[i])} read as "{value.iloc[i]}" (O and 0 mixed up)'
    return Cleaned(to_object(value), problems)


def postcode_in_text(s: pd.Series) -> Cleaned:
    """The last full UK postcode written in each text, such as an address.

    ``"Parkside, Cambridge CB1 1JG"`` -> ``"CB1 1JG"``. Candidates are found with a vectorised
    regular expression and checked by :func:`clean_postcode`, so the same O/0 mix-ups are
    fixed (``"Chichester P019 8AD"`` -> ``"PO19 8AD"``) and anything that is not a full
    postcode (``"Cambridge CB1"``) is ignored. An ordinal in lower case (``"Unit E1 2nd
    floor"``) is never read as a postcode. Only texts whose last candidate is not a postcode
    are searched a second time, for an earlier one.

    Parameters
    ----------
    s : pandas.Series
        Free text.

    Returns
    -------
    Cleaned
        ``values`` object dtype (``str`` or ``None``); ``problems`` says how a mixed-up
        postcode was read, else ``None``.
    """
    values = np.full(len(s), None, dtype=object)
    problems = np.full(len(s), None, dtype=object)
    text = s.reset_index(drop=True)
    text = text[text.notna().to_numpy()].astype(str)
    if len(text):
        last = _checked_postcodes(text.str.extract(_LAST_POSTCODE_IN_TEXT, expand=False).dropna())
        rows = last.values.index.to_numpy(dtype=np.int64)
        values[rows] = last.values.to_numpy(dtype=object)
        problems[rows] = last.problems.to_numpy(dtype=object)
        retry = text.index.isin(rows[last.values.isna().to_numpy()])
        if retry.any():
            every = _checked_postcodes(text[retry].str.extractall(_POSTCODE_IN_TEXT)[0])
            found = every.values.notna().to_numpy()
            rows = every.values.index.get_level_values(0).to_numpy(dtype=np.int64)[found]
            keep = ~pd.Index(rows).duplicated(keep="last")
            values[rows[keep]] = every.values.to_numpy(dtype=object)[found][keep]
            problems[rows[keep]] = every.problems.to_numpy(dtype=object)[found][keep]
    return Cleaned(
        pd.Series(values, index=s.index, dtype=object), pd.Series(problems, index=s.index, dtype=object)
    )


def _checked_postcodes(candidates: pd.Series) -> Cleaned:
    """Candidates read by :func:`clean_postcode`; ordinals (``2nd``) and non-postcodes -> ``None``."""
    ordinal = candidates.str.contains(r"[0-9](?:st|nd|rd|th)$", regex=True).to_numpy(dtype=bool)
    cleaned = clean_postcode(candidates.where(~ordinal))
    return Cleaned(cleaned.values, cleaned.problems.where(cleaned.values.notna(), None))


def _o_for_zero(key: pd.Series) -> pd.Series:
    """Swap 0/O where a UK postcode allows only a letter (area, last two) or a digit (sector)."""
    area = key.str[:2].str.replace("0", "O", regex=False)
    sector = key.str[-3:-2].str.replace("O", "0", regex=False)
    unit = key.str[-2:].str.replace("0", "O", regex=False)
    return area + key.str[2:-3] + sector + unit


def clean_uprn(s: pd.Series) -> Cleaned:
    """Normalise UPRNs to digit text without leading zeros (1 to 12 digits).

    ``"000100012345678"`` -> ``"100012345678"``; ``"12345.0"`` (an Excel float) -> ``"12345"``.
    Scientific notation (``1.00023E+11``) means Excel rounded the number: ``None`` with a problem.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Cleaned
        ``values`` object dtype (``str`` or ``None``).
    """
    t = as_text(s).str.replace(" ", "", regex=False)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    digits = extract(t, UPRN)["digits"].str.lstrip("0")
    ok = digits.str.len().between(1, 12).fillna(False) & ~blank
    sci = t.str.fullmatch(r"(?i)\d+(?:\.\d+)?e\+?\d+").fillna(False) & ~blank
    bad = ~blank & ~ok & ~sci
    problems = problems_where(s, bad, lambda x: f"UPRN {quoted(x)} is not a UPRN (1 to 12 digits)")
    sci_msg = problems_where(
        s, sci, lambda x: f"UPRN {quoted(x)} was rounded by Excel (scientific notation); enter it as text"
    )
    return Cleaned(to_object(digits.where(ok)), problems.where(~sci, sci_msg))


def clean_tenure(s: pd.Series) -> Cleaned:
    """Normalise tenure to ``freehold``, ``leasehold`` or ``other``; blank -> ``None``.

    The first tenure word wins: ``Freehold``, ``FH`` -> freehold; ``Long Leasehold``,
    ``Leasehold - 25 yrs``, ``LH``, ``Leased`` -> leasehold; anything else (``licence``) -> other.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Cleaned
        ``values`` object dtype; never any problems.
    """
    t = as_text(s).str.lower()
    word = t.str.extract(r"\b(freehold|f/h|fh|leasehold|leased|lease|l/h|lh)\b")[0]
    value = word.map(lambda w: "freehold" if w in {"freehold", "f/h", "fh"} else "leasehold")
    value = value.where(word.notna(), "other").where(t.notna())
    return Cleaned(to_object(value), problems_where(s, pd.Series(False, index=s.index), ""))


def clean_condition(s: pd.Series) -> Cleaned:
    """Condition grade A-D: ``"B"``, ``"b"``, ``"Condition B"``, ``"C - poor"``; the words good,
    satisfactory, poor, bad map to A, B, C, D. Anything else -> ``None`` with a problem.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Cleaned
        ``values`` object dtype (``"A"`` to ``"D"`` or ``None``).
    """
    t = as_text(s).str.lower()
    blank = t.isna() | t.isin(NONE_WORDS)
    letter = t.str.extract(r"^(?:condition\s*(?:grade|rating)?\s*[:\-]?\s*)?([abcd])(?![a-z])")[0].str.upper()
    word = t.str.extract(rf"^({'|'.join(CONDITION_WORDS)})\b")[0].map(CONDITION_WORDS)
    value = letter.where(letter.notna(), word).where(~blank)
    bad = ~blank & value.isna()
    problems = problems_where(s, bad, lambda x: f"condition {quoted(x)} is not a grade A, B, C or D")
    return Cleaned(to_object(value), problems)


def clean_bool(s: pd.Series, *, label: str = "sensitive") -> Cleaned:
    """Parse yes/no: yes, y, true, 1, x (ticked) / no, n, false, 0; blank -> False.

    Anything else is treated as **True** with a problem: a location that might be sensitive
    (a refuge, a secure site) must never be published by mistake.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    label : str, default "sensitive"
        For messages.

    Returns
    -------
    Cleaned
        ``values`` bool.
    """
    t = as_text(s).str.lower().str.rstrip(".")
    yes = t.isin({"yes", "y", "true", "t", "1", "x", "✓", "✔", "restricted", "sensitive"})
    no = t.isna() | t.isin({"no", "n", "false", "f", "0", *NONE_WORDS})
    unknown = ~yes & ~no
    msg = f"is not yes or no; treated as {label} (yes) to be safe"
    problems = problems_where(s, unknown, lambda x: f"{quoted(x)} {msg}")
    return Cleaned((yes | unknown).astype(bool), problems)


def clean_date(s: pd.Series, *, label: str = "date") -> Cleaned:
    """Parse UK dates, day first: ``31/03/2027``, ``31-03-27``, ``2027-03-31``, ``31 Mar 2027``,
    or an Excel day number (20000 to 80000, e.g. ``46477``). Times are dropped.

    Parameters
    ----------
    s : pandas.Series
        Register text.
    label : str, default "date"
        For messages (``"lease expiry"``).

    Returns
    -------
    Cleaned
        ``values`` datetime64[ns] (dates at midnight, NaT when missing).
    """
    t = as_text(s)
    blank = t.isna() | t.str.lower().isin(NONE_WORDS)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    serial = pd.to_numeric(extract(t, SERIAL)["number"], errors="coerce")
    lo, hi = EXCEL_SERIAL_RANGE
    is_serial = serial.between(lo, hi)
    excel = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial.where(is_serial).floordiv(1), unit="D")
    out = out.where(~is_serial, excel.astype("datetime64[ns]"))
    for fmt in _DATE_FORMATS:
        todo = out.isna() & ~blank
        if not todo.any():
            break
        parsed = pd.to_datetime(t.where(todo), format=fmt, errors="coerce")
        out = out.where(parsed.isna(), parsed.astype("datetime64[ns]"))
    out = out.dt.normalize().astype("datetime64[ns]")
    bad = ~blank & out.isna()
    problems = problems_where(s, bad, lambda x: f"{quoted(x)} is not a {label} (use day/month/year)")
    return Cleaned(out, problems)
