"""UPRN lookup from an OS Open UPRN style CSV (``UPRN, X_COORDINATE, Y_COORDINATE``)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import pandas as pd

from .._cache import cache_dir
from .._errors import LookupFileError
from .._io import atomic_path

_ID: Final = ("uprn",)
_X: Final = ("x", "x_coordinate", "easting")
_Y: Final = ("y", "y_coordinate", "northing")


def uprn_key(uprns: pd.Series) -> pd.Series:
    """Normalise UPRNs to a join key: digits with leading zeros removed."""
    text = uprns.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return text.str.lstrip("0")


class UprnLookup:
    """UPRN -> British National Grid point.

    Parameters
    ----------
    source : Path
        CSV with columns ``uprn``, ``x``, ``y`` (OS Open UPRN's ``UPRN``, ``X_COORDINATE``,
        ``Y_COORDINATE`` also work). Decoded once and cached as Parquet.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self._table: pd.DataFrame | None = None

    @property
    def description(self) -> str:
        """Where the lookup comes from, for ``run.json``."""
        return str(self.source)

    def _read(self) -> pd.DataFrame:
        if not self.source.exists():
            msg = f"UPRN lookup file {str(self.source)!r} not found (config key 'uprn_lookup')"
            raise LookupFileError(msg)
        stat = self.source.stat()
        ident = f"{self.source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        cache = cache_dir() / "uprn" / (hashlib.sha256(ident.encode()).hexdigest()[:16] + ".parquet")
        if cache.exists():
            return pd.read_parquet(cache)
        try:
            header = pd.read_csv(self.source, nrows=0, encoding="utf-8-sig")
            lower = {c.strip().lower(): c for c in header.columns}
            picked = []
            for cands, what in ((_ID, "uprn"), (_X, "x"), (_Y, "y")):
                col = next((lower[c] for c in cands if c in lower), None)
                if col is None:
                    msg = (
                        f"UPRN lookup file {str(self.source)!r} has no {what!r} column; "
                        f"it needs columns uprn, x, y (found {list(header.columns)})"
                    )
                    raise LookupFileError(msg)
                picked.append(col)
            raw = pd.read_csv(
                self.source, usecols=picked, dtype=str, encoding="utf-8-sig", keep_default_na=False
            )
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            msg = f"UPRN lookup file {str(self.source)!r} cannot be read: {exc}"
            raise LookupFileError(msg) from None
        table = pd.DataFrame(
            {
                "key": uprn_key(raw[picked[0]]).astype(str),
                "easting": pd.to_numeric(raw[picked[1]], errors="coerce"),
                "northing": pd.to_numeric(raw[picked[2]], errors="coerce"),
            }
        ).drop_duplicates("key")
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp:
            table.to_parquet(tmp, index=False)
        return table

    def lookup(self, uprns: pd.Series) -> pd.DataFrame:
        """Vectorised lookup; returns ``found``, ``easting``, ``northing`` indexed like ``uprns``."""
        if self._table is None:
            self._table = self._read()
        left = pd.DataFrame({"key": uprn_key(uprns).fillna("").astype(str).to_numpy()})
        merged = left.merge(self._table.assign(found=True), on="key", how="left", sort=False)
        return pd.DataFrame(
            {
                "found": merged["found"].fillna(False).astype(bool).to_numpy(),
                "easting": merged["easting"].to_numpy(dtype="float64"),
                "northing": merged["northing"].to_numpy(dtype="float64"),
            },
            index=uprns.index,
        )
