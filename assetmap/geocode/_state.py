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
        for i in np.flatnonzero(mask & self.unplaced):
            if isinstance(texts, str):
                self.notes[i].append(texts)
            else:
                self.notes[i].append(texts[i] if isinstance(texts, list) else str(texts.iloc[i]))

    def warning(self, mask: np.ndarray, fld: str, values: pd.Series, text: pd.Series | str) -> None:
        for i in np.flatnonzero(mask):
            msg = text if isinstance(text, str) else str(text.iloc[i])
            self.warn.append((self.index[i], fld, str(values.iloc[i]), msg))


def fmt_pair(a: pd.Series, b: pd.Series) -> pd.Series:
    """``"(a, b)"`` per row, numbers in their shortest form."""
    return "(" + a.map("{:g}".format) + ", " + b.map("{:g}".format) + ")"
