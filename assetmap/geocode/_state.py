"""The state of one geocoding pass, shared by the cascade's steps."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


class Cascade:
    """State of one geocoding pass: filled step by step, best method first.

    ``x``/``y`` are British National Grid metres; ``notes`` say, per row, why each method
    that was tried did not place it (the reject reason is built from them); ``warn`` holds
    ``(row, field, value, warning)`` tuples for warnings.csv.
    """

    def __init__(self, index: pd.Index) -> None:
        n = len(index)
        self.index = index
        self.x = np.full(n, np.nan)
        self.y = np.full(n, np.nan)
        self.method = np.full(n, None, dtype=object)  # set only by :meth:`place`
        self._placed = np.zeros(n, dtype=bool)
        self.precision = np.full(n, np.nan)
        self.notes: dict[int, list[str]] = {}  # by position; only rows with something to say
        self.had_coords = np.zeros(n, dtype=bool)
        #: Placed from easting/northing columns read as British National Grid.
        self.grid_xy = np.zeros(n, dtype=bool)
        self.warn: list[tuple[object, str, str, str]] = []

    @property
    def unplaced(self) -> np.ndarray:
        """Rows no method has placed yet (``method`` still None): kept as a mask, not recomputed."""
        return ~self._placed

    def place(self, mask: np.ndarray, x: np.ndarray, y: np.ndarray, method: str, precision: object) -> None:
        take = mask & self.unplaced
        self.x[take] = x[take]
        self.y[take] = y[take]
        self.method[take] = method
        self._placed |= take
        self.precision[take] = np.broadcast_to(np.asarray(precision, dtype=float), take.shape)[take]

    def note(self, mask: np.ndarray, *parts: Part) -> None:
        """Add a note to each unplaced row in ``mask``: the ``parts`` joined (see :func:`texts`)."""
        rows = np.flatnonzero(mask & self.unplaced)
        for i, text in zip(rows, texts(rows, *parts), strict=True):
            self.notes.setdefault(int(i), []).append(text)

    def warning(self, mask: np.ndarray, fld: str, value: Part, *parts: Part) -> None:
        """Add a warning for each row in ``mask``: the value as given, and the ``parts`` joined."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        index = np.asarray(self.index, dtype=object)[rows]
        given, msgs = texts(rows, value), texts(rows, *parts)
        self.warn.extend((row, fld, v, m) for row, v, m in zip(index, given, msgs, strict=True))


#: A piece of a message: the same text for every row, a value per row (positional), or a
#: function giving the texts for the rows asked for (so nothing is formatted for other rows).
Part = str | pd.Series | np.ndarray | list | Callable[[np.ndarray], list[str]]


def texts(rows: np.ndarray, *parts: Part) -> list[str]:
    """The ``parts`` joined into one text for each of ``rows`` (positions), built for those rows only."""
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append([part] * len(rows))
        elif callable(part):
            pieces.append(part(rows))
        elif isinstance(part, pd.Series):
            pieces.append([str(v) for v in part.iloc[rows].to_numpy(dtype=object)])
        else:
            pieces.append([str(v) for v in np.asarray(part, dtype=object)[rows]])
    return ["".join(row) for row in zip(*pieces, strict=True)]


def fmt_pair(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> Callable[[np.ndarray], list[str]]:
    """``"(a, b)"`` per row, numbers in their shortest form (formatted only when asked for)."""
    av, bv = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return lambda rows: [f"({x:g}, {y:g})" for x, y in zip(av[rows], bv[rows], strict=True)]
