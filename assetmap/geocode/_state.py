"""The state of one geocoding pass, shared by the cascade's steps."""

from __future__ import annotations

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
        self.method = np.full(n, None, dtype=object)
        self.precision = np.full(n, np.nan)
        self.notes: list[list[str]] = [[] for _ in range(n)]
        self.had_coords = np.zeros(n, dtype=bool)
        #: Placed from easting/northing columns read as British National Grid.
        self.grid_xy = np.zeros(n, dtype=bool)
        self.warn: list[tuple[object, str, str, str]] = []

    @property
    def unplaced(self) -> np.ndarray:
        return pd.isna(self.method)

    def place(self, mask: np.ndarray, x: np.ndarray, y: np.ndarray, method: str, precision: object) -> None:
        take = mask & self.unplaced
        self.x[take] = x[take]
        self.y[take] = y[take]
        self.method[take] = method
        self.precision[take] = np.broadcast_to(np.asarray(precision, dtype=float), take.shape)[take]

    def note(self, mask: np.ndarray, texts: pd.Series | list[str] | str) -> None:
        rows = np.flatnonzero(mask & self.unplaced)
        if not len(rows):
            return
        if isinstance(texts, str):
            picked: list[object] = [texts] * len(rows)
        else:
            picked = list(np.asarray(texts, dtype=object)[rows])
        for i, text in zip(rows, picked, strict=True):
            self.notes[i].append(str(text))

    def warning(self, mask: np.ndarray, fld: str, values: pd.Series, text: pd.Series | str) -> None:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        given = values.to_numpy(dtype=object)[rows]
        msgs = [text] * len(rows) if isinstance(text, str) else text.to_numpy(dtype=object)[rows]
        index = np.asarray(self.index, dtype=object)[rows]
        self.warn.extend(
            (row, fld, str(value), str(msg)) for row, value, msg in zip(index, given, msgs, strict=True)
        )


def fmt_pair(a: pd.Series, b: pd.Series) -> pd.Series:
    """``"(a, b)"`` where both are given, numbers in their shortest form; ``""`` elsewhere."""
    out = pd.Series([""] * len(a), index=a.index, dtype=object)
    both = (a.notna() & b.notna()).to_numpy()
    if both.any():
        pair = "(" + a[both].map("{:g}".format) + ", " + b[both].map("{:g}".format) + ")"
        out[both] = pair.to_numpy(dtype=object)
    return out
