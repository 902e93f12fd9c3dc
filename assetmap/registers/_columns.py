"""Match canonical fields to a register's columns: named in the config, else by alias."""

from __future__ import annotations

import difflib
import re

from .._errors import RegisterError
from ..schema import CANONICAL_FIELDS
from ._aliases import ALIASES, alias_key
from ._raw import RawRegister

_LOOSE = re.compile(r"[\s_]+")


def _loose(name: str) -> str:
    """Case-folded with BOM dropped and runs of whitespace/underscores/newlines as one space."""
    return _LOOSE.sub(" ", name.replace("\ufeff", "")).strip().casefold()


def _find(name: str, columns: list[str]) -> str | None:
    if name in columns:
        return name
    wanted = _loose(name)
    return next((c for c in columns if _loose(c) == wanted), None)


def _not_found(raw: RawRegister, name: str, field: str, columns: list[str]) -> RegisterError:
    msg = f"{raw.path.name}: column {name!r} (for {field}) is not in the register; its columns are: "
    msg += ", ".join(repr(c) for c in columns)
    by_key = {_loose(c): c for c in columns}
    close = difflib.get_close_matches(_loose(name), list(by_key), n=1, cutoff=0.6)
    if close:
        msg += f". Did you mean {by_key[close[0]]!r}?"
    return RegisterError(msg)


def match_columns(raw: RawRegister, named: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Map canonical fields to the register's column names.

    Parameters
    ----------
    raw : RawRegister
        The register as read.
    named : dict
        Fields the config names explicitly (``PartnerConfig.columns.named()``); ``address``
        may be a list of columns. Names match leniently (case, spaces, underscores, newlines, BOM).

    Returns
    -------
    dict
        Canonical field -> actual column name (or list of names for ``address``), named fields
        first, then fields found through the alias table in :mod:`assetmap.registers._aliases`.
        A column is used for one field only.

    Raises
    ------
    RegisterError
        If a named column is not in the register (with a close-match suggestion when there is one).
    """
    columns = [str(c) for c in raw.frame.columns]
    result: dict[str, str | list[str]] = {}
    used: set[str] = set()
    for field, wanted in named.items():
        if field not in CANONICAL_FIELDS:
            fields = ", ".join(CANONICAL_FIELDS)
            msg = f"{raw.path.name}: {field!r} is not a register field; fields are: {fields}"
            raise RegisterError(msg)
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        found: list[str] = []
        for name in names:
            col = _find(name, columns)
            if col is None:
                raise _not_found(raw, name, field, columns)
            found.append(col)
            used.add(col)
        result[field] = found[0] if isinstance(wanted, str) else found
    keys = {c: alias_key(c) for c in columns}
    for field in CANONICAL_FIELDS:
        if field in named:
            continue
        for alias in ALIASES.get(field, ()):
            hit = next((c for c in columns if c not in used and keys[c] == alias_key(alias)), None)
            if hit is not None:
                result[field] = hit
                used.add(hit)
                break
    return result
