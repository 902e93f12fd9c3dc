"""Saying what is not known: figures over partly known values, in words people read.

Registers often carry no running cost, floor area or utilisation (the national fire,
police, NHS and library lists carry none). A sum over the values that are known is
shown with how many assets it covers, and a figure with no known value at all reads
"not known", never £0.
"""

from __future__ import annotations

import math

#: What an output says for a figure no register gives.
NOT_KNOWN = "not known"

#: The rating of an asset whose utilisation and running cost per m² are both unknown.
UNRATED = "unrated"
#: Why such an asset is not rated (its reasons start with this).
UNRATED_REASON = "not rated: no running cost or utilisation known"


def is_known(value: object) -> bool:
    """True for a finite number (False for None, NaN, infinities and text).

    Examples
    --------
    >>> is_known(0.0), is_known(float("nan")), is_known(None)
    (True, False, False)
    """
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def money_text(value: object) -> str:
    """Pounds for people: ``£12,345``, ``£1.2m``, or :data:`NOT_KNOWN`.

    Examples
    --------
    >>> money_text(1_234_567.0), money_text(950.0), money_text(None)
    ('£1.2m', '£950', 'not known')
    """
    if not is_known(value):
        return NOT_KNOWN
    x = float(value)  # type: ignore[arg-type]
    sign, x = ("-" if x < 0 else ""), abs(x)
    return f"{sign}£{x / 1_000_000:,.1f}m" if x >= 1_000_000 else f"{sign}£{x:,.0f}"


def coverage(known: object, of: object, what: str = "running cost") -> str:
    """``running cost known for 40 of 120`` (empty when every asset has it, or no count is given).

    Examples
    --------
    >>> coverage(40, 120)
    'running cost known for 40 of 120'
    >>> coverage(120, 120)
    ''
    """
    if not (is_known(known) and is_known(of)):
        return ""
    k, n = int(float(known)), int(float(of))  # type: ignore[arg-type]
    return "" if k >= n else f"{what} known for {k:,} of {n:,}"


def known_money(value: object, known: object, of: object, what: str = "running cost") -> str:
    """A sum of money over partly known values, with how many assets it covers.

    Parameters
    ----------
    value : float or None
        The sum over known values (None or NaN: none is known).
    known, of : int
        How many assets have the value, of how many.
    what : str
        The value, in words.

    Returns
    -------
    str
        ``£1.2m``, ``£1.2m (running cost known for 40 of 120)``, or
        ``not known (no running cost in the registers)``.

    Examples
    --------
    >>> known_money(1_234_567.0, 40, 120)
    '£1.2m (running cost known for 40 of 120)'
    >>> known_money(None, 0, 120)
    'not known (no running cost in the registers)'
    """
    if not is_known(value) or (is_known(known) and float(known) == 0):  # type: ignore[arg-type]
        return f"{NOT_KNOWN} (no {what} in the registers)"
    note = coverage(known, of, what)
    return money_text(value) + (f" ({note})" if note else "")


__all__ = ["NOT_KNOWN", "UNRATED", "UNRATED_REASON", "coverage", "is_known", "known_money", "money_text"]
