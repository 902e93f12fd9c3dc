"""A national estate's page: a zoom pyramid for the far views, records in chunks for the near ones.

Above ``map.pyramid_above`` assets the page no longer carries every record in its main
document (at 1,000,000 assets that would be about 190 MB). Instead:

* **far zooms** (country, region) draw cells counted here: for each zoom level below
  ``detail``, the assets in each 64-pixel square of the screen, by partner and rating (so
  the filters still count exactly), with the square's centre of mass and extent;
* **near zooms** (from ``detail``, chosen so that a screenful holds at most about
  :data:`WINDOW_MAX` assets) draw the assets themselves, from **chunks**: the records of
  the assets in one square of a quadtree (at most :data:`MAX_CHUNK` assets each, unless
  one cluster is bigger), with their clusters' shapes and their opportunities. A cluster,
  and any two assets joined by a planned move, always share a chunk;
* a **search index** (name, id, postcode and partner of every asset shown) lets search
  find any asset before its chunk is read.

Chunks, the search index and the tables of repeated text are JSON compressed with raw
DEFLATE and written, as bytes (:func:`pack`), into ``<script type="application/x-assetmap">``
elements of the same file; the page inflates one (``DecompressionStream``) only when the
view or a search needs it. The file stays one offline document, opened from ``file://``.
To hold bytes the national page is windows-1252 (every byte a character) and everything
else in it is ASCII. Cluster shapes are not stored: the page draws each cluster's hull,
buffered as ``clustering.hull_buffer_m``, from its members' positions.

Sensitive sites are left out before any of this is counted, exactly as on the county page.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import numpy as np
import pandas as pd
from isal import isal_zlib
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._payload import DECIMALS, Col, Enc
from ._style import use_category

#: Most assets in a chunk (a cluster is never split, so one big cluster can exceed it); an
#: estate of fewer than 50 * MAX_CHUNK assets has chunks of a fiftieth of it, at least MIN_CHUNK.
MAX_CHUNK: Final = 4_000
MIN_CHUNK: Final = 100
#: Most assets a screenful may hold at the zoom from which records are drawn.
WINDOW_MAX: Final = 100_000
#: Side of a far-zoom cell in screen pixels at its level.
CELL_PX: Final = 64
#: Far levels start here (the map's smallest zoom).
MIN_LEVEL: Final = 3
#: Closest level the records can wait for, and the deepest quadtree level for chunks.
MAX_DETAIL: Final = 13
MAX_TILE_ZOOM: Final = 18
#: Positions of chunk boxes and far cells are integers at this many pixels per zoom-0 pixel.
FINE: Final = 2**16
#: The ``id`` of the page elements holding the compressed blocks.
CHUNK_ID: Final = "amc-{}"
SEARCH_ID: Final = "am-search-index"
TABLES_ID: Final = "am-tables"
#: Columns whose distinct values go once into the shared tables rather than into each chunk.
SHARED_MAX: Final = 20_000


class Pyr:
    """Keys of ``pyramid`` (the document's key for a national estate)."""

    DETAIL: Final = "detail"  # zoom from which records are drawn
    CELL_PX: Final = "cellPx"
    FINE: Final = "fine"
    LEVELS: Final = "levels"  # far levels: {"first": zoom, "count": n, "id": element id pattern}
    CHUNKS: Final = "chunks"  # {"start": [...], "box": [[x0, y0, x1, y1] fine pixels], "id": "amc-{}"}
    TABLES: Final = "tables"  # element id of the shared distinct values
    SEARCH: Final = "search"  # element id of the search index
    CLUSTERS: Final = "clusters"  # number of clusters
    MOVES: Final = "moves"  # number of planned moves drawn
    RATING_COUNTS: Final = "ratingCounts"
    USES: Final = "uses"  # use categories present
    TOP: Final = "top"  # the top opportunities (Opp keys, estate numbers) and "who": {k: words}
    CROSSING: Final = "crossing"  # clusters across a boundary: id, areas, chunk, row
    HULL_BUFFER: Final = "hullBuffer"  # metres: the page draws each cluster's buffered hull itself


class Lvl:
    """Keys of one far level: per cell, its square, count, centre and extent, and its counts
    by partner and rating (``combo`` = partner * 4 + rating, the rating a row of the ratings
    table, 3 for not rated) as ``[combo, count, ...]``."""

    ZOOM: Final = "z"
    COL: Final = "ix"
    ROW: Final = "iy"
    COUNT: Final = "n"
    X: Final = "x"
    Y: Final = "y"
    BOX: Final = "box"  # flat [x0, y0, x1, y1, ...]
    COMBOS: Final = "combos"  # every cell's [combo, count, ...] one after the other
    COMBO_COUNT: Final = "m"  # per cell, how many combinations it has
    SINGLE: Final = "single"  # cells of one asset: {"cell", "k", "u"}


def mercator(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixels at zoom 0 (Leaflet's ``EPSG3857.latLngToPoint(latlng, 0)``)."""
    lat = np.clip(np.asarray(lat, dtype=float), -85.0511287798, 85.0511287798)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * 256.0
    y = (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)) * 256.0
    return x, y


#: Bytes a page cannot hold as they are in a ``<script>`` element's text, and the escape
#: byte: each is written as ``=`` and the byte XOR 0x40 (NUL would become U+FFFD, a CR a LF,
#: and ``<`` could end the element).
_ESCAPE: Final = {b"=": b"=}", b"\x00": b"=@", b"\r": b"=M", b"<": b"=|"}
#: Key of a reference to an array of integers stored after a block's JSON.
INTS: Final = "@"


@dataclass
class Ints:
    """Integers stored in binary after a block's JSON rather than as JSON numbers.

    Each value (its difference from the previous one with ``delta``) is zigzag-encoded
    (0, -1, 1, -2... -> 0, 1, 2, 3...), plus one where missing values are allowed (0 being
    missing), and written as planes of bytes, as many as the largest needs (1, 2, 4 or 8; more
    than 4 only when ``wide``, which asks the page for numbers that may not fit 32 bits): all
    lowest bytes, then all second bytes..., which DEFLATE packs much better than decimal text.
    ``scale`` is the
    number of decimals (the page divides by 10**scale; below zero, it multiplies by 10**-scale,
    see :meth:`reduced`); ``text`` asks the page for strings
    (ids such as UPRNs written in digits).
    """

    values: np.ndarray
    delta: bool = False
    scale: int = 0
    missing: np.ndarray | None = None
    wide: bool = False
    text: bool = False

    @classmethod
    def of(cls, values: Any, *, scale: int = 0, delta: bool = False) -> Ints | list[Any]:
        """Numbers (NaN or None missing) as :class:`Ints`, or as a list when they do not fit."""
        try:
            arr = np.asarray(values, dtype=float) * 10**scale  # None becomes NaN
        except (TypeError, ValueError):
            arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
            arr = arr * 10**scale
        missing = ~np.isfinite(arr)
        whole = np.rint(np.where(missing, 0, arr))
        if delta and missing.any():
            delta = False
        ints = cls(whole.astype(np.int64), delta, scale, missing if missing.any() else None)
        if len(whole) and (
            np.abs(whole).max() >= 2**30 or (delta and np.abs(np.diff(whole)).max(initial=0) >= 2**30)
        ):
            return [
                None if m else v / 10**scale if scale else int(v) for v, m in zip(whole, missing, strict=True)
            ]
        return ints

    @classmethod
    def of_digits(cls, values: list[Any]) -> Ints | None:
        """Text that is all whole numbers in digits (no leading zero, below 2**50), else None."""
        series = pd.Series(values, dtype="string")
        known = series.notna().to_numpy()
        if not known.any() or not series[known].str.fullmatch(r"0|[1-9][0-9]{0,14}").all():
            return None
        numbers = pd.to_numeric(series, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        if numbers.max(initial=0) >= 2**50:
            return None
        return cls(numbers, missing=None if known.all() else ~known, wide=True, text=True)

    def part(self, start: int, stop: int) -> Ints:
        """Rows ``start`` to ``stop``."""
        return self.take(slice(start, stop))

    def take(self, rows: Any) -> Ints:
        """The given rows."""
        missing = None if self.missing is None else self.missing[rows]
        return Ints(self.values[rows], self.delta, self.scale, missing, self.wide, self.text)

    def reduced(self) -> Ints:
        """The same numbers with trailing zeros shared by all of them taken off (``scale``
        lowered, below zero for whole tens, hundreds...): costs round to hundreds pack smaller."""
        if self.delta or self.text or not len(self.values):
            return self
        values, scale = self.values, self.scale
        while scale > -9 and values.any() and not (values % 10).any():
            values, scale = values // 10, scale - 1
        return self if scale == self.scale else Ints(values, False, scale, self.missing, self.wide, False)

    def planes(self) -> tuple[bytes, int]:
        """The binary form (see the class), and how many planes of bytes it has."""
        v = np.diff(self.values, prepend=0) if self.delta else self.values
        z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
        if self.missing is not None:
            z = np.where(self.missing, np.uint64(0), z + np.uint64(1))
        top = int(z.max(initial=0))
        width = next(w for w in (1, 2, 4, 8) if top < 256**w or w == 8)
        if width > 4 and not self.wide:
            raise ValueError("integers beyond 32 bits in a column not marked wide")
        planes = z.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :width].T
        return np.ascontiguousarray(planes).tobytes(), width

    def ref(self, offset: int, width: int) -> list[int]:
        """Where and how the page finds these integers (``width``: planes of bytes)."""
        flags = [int(self.delta), self.scale, int(self.missing is not None), width, int(self.text)]
        return [offset, len(self.values), *flags]


def _with_refs(obj: Any, arrays: list[bytes], offset: list[int]) -> Any:
    """``obj`` with each :class:`Ints` (in a dict) replaced by a reference to its bytes."""
    if isinstance(obj, Ints):
        obj = obj.reduced()
        data, width = obj.planes()
        ref = {INTS: obj.ref(offset[0], width)}
        arrays.append(data)
        offset[0] += len(data)
        return ref
    if isinstance(obj, dict):
        return {key: _with_refs(value, arrays, offset) for key, value in obj.items()}
    return obj


def pack(obj: Any) -> bytes:
    """One compressed block: its JSON's length (4 bytes), its JSON, its integers (:class:`Ints`),
    all DEFLATE-compressed, then the four unsafe bytes escaped.

    The national page is windows-1252, a one-byte encoding in which every byte is a
    character, so the block costs about 1.02 bytes per compressed byte (base64 would cost
    1.33); the page maps the characters back to bytes before inflating them.
    """
    arrays: list[bytes] = []
    text = json.dumps(
        _with_refs(obj, arrays, [0]), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    encoded = text.encode("utf-8")
    # ISA-L's raw DEFLATE (any inflater reads it): at 1,000,000 assets about ten times less CPU
    # than zlib's level 5 for a page about 5% bigger (libdeflate: 2.3 times less, 5% smaller).
    data = isal_zlib.compress(struct.pack("<I", len(encoded)) + encoded + b"".join(arrays), 1, -15)
    for raw, escaped in _ESCAPE.items():  # "=" first, so no escape is escaped again
        data = data.replace(raw, escaped)
    return data


def _read_ints(data: bytes, ref: list[int]) -> list[Any]:
    offset, count, delta, scale, nullable, width, text = ref
    planes = np.frombuffer(data, dtype=np.uint8, count=width * count, offset=offset).reshape(width, count)
    full = np.zeros((count, 8), dtype=np.uint8)
    full[:, :width] = planes.T
    z = full.view("<u8").ravel()
    missing = z == 0 if nullable else np.zeros(count, dtype=bool)
    z = (z - np.uint64(1) if nullable else z).astype(np.int64)
    v = (z >> 1) ^ -(z & 1)
    if delta:
        v = np.cumsum(v)
    if scale < 0:
        v, scale = v * 10**-scale, 0
    values = [x / 10**scale if scale else (str(x) if text else int(x)) for x in v.tolist()]
    return [None if m else x for x, m in zip(values, missing.tolist(), strict=True)]


def unpack(data: bytes) -> Any:
    """The object in a block written by :func:`pack`, integers as lists (for tests and tools)."""
    raw = zlib.decompress(re.sub(rb"=(.)", lambda m: bytes([m.group(1)[0] ^ 0x40]), data, flags=re.S), -15)
    size = struct.unpack("<I", raw[:4])[0]
    body = raw[4 + size :]

    def resolve(obj: Any) -> Any:
        if isinstance(obj, dict) and set(obj) == {INTS}:
            return _read_ints(body, obj[INTS])
        if isinstance(obj, dict):
            return {key: resolve(value) for key, value in obj.items()}
        return obj

    return resolve(json.loads(raw[4 : 4 + size]))


def groups(cluster: pd.Series, donors: np.ndarray, receivers: np.ndarray) -> np.ndarray:
    """A group per asset that must share a chunk: its cluster, joined through planned moves."""
    n = len(cluster)
    codes, _ = pd.factorize(cluster.astype(object).where(cluster.notna(), None), use_na_sentinel=True)
    own = np.arange(n) + (codes.max() + 1 if len(codes) and codes.max() >= 0 else 0)
    node = np.where(codes >= 0, codes, own)
    both = (donors >= 0) & (receivers >= 0)
    a, b = node[donors[both]], node[receivers[both]]
    size = int(node.max()) + 1 if n else 0
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    return label[node] if n else node


def detail_zoom(x: np.ndarray, y: np.ndarray) -> int:
    """The zoom from which records are drawn.

    The smallest zoom at which a screenful (about 5 by 3 tiles) holds at most
    :data:`WINDOW_MAX` assets, and at least three zooms closer than the view of the whole
    estate (so the far levels always show it from afar), at most :data:`MAX_DETAIL`.
    """
    if len(x) == 0:
        return MIN_LEVEL + 3
    width, height = max(x.max() - x.min(), 1e-9), max(y.max() - y.min(), 1e-9)
    whole = int(np.floor(np.log2(min(1000 / width, 700 / height))))
    for zoom in range(max(MIN_LEVEL + 3, whole + 3), MAX_DETAIL):
        tx, ty = np.floor(x * 2**zoom / 256).astype(np.int64), np.floor(y * 2**zoom / 256).astype(np.int64)
        tx, ty = tx - tx.min(), ty - ty.min()
        counts = np.zeros((tx.max() + 6, ty.max() + 4), dtype=np.int64)
        np.add.at(counts, (tx + 5, ty + 3), 1)
        sums = counts.cumsum(0).cumsum(1)
        window = sums[5:, 3:] - sums[:-5, 3:] - sums[5:, :-3] + sums[:-5, :-3]
        if window.max() <= WINDOW_MAX:
            return zoom
    return MAX_DETAIL


@dataclass
class Layout:
    """Where each shown asset goes: the page's order of assets and the chunks."""

    #: Position (row of the shown assets) of the asset numbered k on the page.
    order: np.ndarray
    #: First asset number of each chunk, and one past the last.
    bounds: np.ndarray
    #: Each chunk's box, [x0, y0, x1, y1] in fine pixels.
    boxes: np.ndarray


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Interleaved bits of 20-bit integers: a key that keeps neighbours near in order."""

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64) & np.uint64(0xFFFFF)
        out = np.zeros_like(v)
        for bit in range(20):
            out |= ((v >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        return out

    return spread(x) | (spread(y) << np.uint64(1))


def layout(x: np.ndarray, y: np.ndarray, group: np.ndarray) -> Layout:
    """Chunks by quadtree of the groups' centres, at most :data:`MAX_CHUNK` assets each (fewer
    in a smaller estate)."""
    n = len(x)
    if n == 0:
        return Layout(
            np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros((0, 4), dtype=np.int64)
        )
    most = min(MAX_CHUNK, max(MIN_CHUNK, n // 50))
    size = np.bincount(group)
    ax = (np.bincount(group, weights=x) / np.maximum(size, 1))[group]
    ay = (np.bincount(group, weights=y) / np.maximum(size, 1))[group]
    chunk = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    for zoom in range(MAX_TILE_ZOOM + 1):
        tx = np.floor(ax[todo] * 2**zoom / 256).astype(np.int64)
        ty = np.floor(ay[todo] * 2**zoom / 256).astype(np.int64)
        key = (np.int64(zoom) << 48) | (tx << 24) | ty
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        done = (counts[inverse] <= most) | (zoom == MAX_TILE_ZOOM)
        chunk[todo[done]] = key[done]
        todo = todo[~done]
        if len(todo) == 0:
            break
    codes, _ = pd.factorize(chunk, sort=True)
    fine_x, fine_y = np.floor(x * FINE).astype(np.int64), np.floor(y * FINE).astype(np.int64)
    order = np.lexsort((_morton(fine_x >> 8, fine_y >> 8), codes))
    counts = np.bincount(codes)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    frame = pd.DataFrame({"c": codes, "x": fine_x, "y": fine_y}).groupby("c")
    boxes = np.column_stack([frame["x"].min(), frame["y"].min(), frame["x"].max(), frame["y"].max()])
    return Layout(order, bounds, boxes)


class _Grid(NamedTuple):
    """One far level's cells: each asset's cell, and per cell its column, row and box (in
    quarter pixels), and its ``(cell, combination, count)`` triples in cell order."""

    cell: np.ndarray
    col: np.ndarray
    row: np.ndarray
    box: np.ndarray
    pair_cell: np.ndarray
    pair_combo: np.ndarray
    pair_count: np.ndarray


def _grid(x: np.ndarray, y: np.ndarray, combo: np.ndarray, scale: int) -> _Grid:
    """The cells of the level at ``scale``, from the assets."""
    ix = np.floor(x * scale / CELL_PX).astype(np.int64)
    iy = np.floor(y * scale / CELL_PX).astype(np.int64)
    _, first, cell = np.unique(ix * (1 << 24) + iy, return_index=True, return_inverse=True)
    boxes = pd.DataFrame({"c": cell, "x": np.floor(x * scale * 4), "y": np.floor(y * scale * 4)}).groupby("c")
    box = np.column_stack([boxes["x"].min(), boxes["y"].min(), boxes["x"].max(), boxes["y"].max()])
    pairs, counts = np.unique(cell * np.int64(1 << 20) + combo, return_counts=True)
    return _Grid(cell, ix[first], iy[first], box.astype(np.int64), pairs >> 20, pairs & ((1 << 20) - 1),
                 counts.astype(np.int64))  # fmt: skip


def _coarser(fine: _Grid) -> _Grid:
    """The cells of the level above, from those of ``fine`` (a level's cell holds four of the
    next one's: its column, row and box in quarter pixels are theirs halved, rounded down)."""
    col, row = fine.col >> 1, fine.row >> 1
    _, first, up = np.unique(col * (1 << 24) + row, return_index=True, return_inverse=True)
    edges = pd.DataFrame(fine.box >> 1, columns=["x0", "y0", "x1", "y1"]).groupby(up)
    box = np.column_stack([edges["x0"].min(), edges["y0"].min(), edges["x1"].max(), edges["y1"].max()])
    pairs, which = np.unique(up[fine.pair_cell] * np.int64(1 << 20) + fine.pair_combo, return_inverse=True)
    counts = np.bincount(which, weights=fine.pair_count).astype(np.int64)  # counts: exact as floats
    return _Grid(up[fine.cell], col[first], row[first], box.astype(np.int64), pairs >> 20,
                 pairs & ((1 << 20) - 1), counts)  # fmt: skip


def far_levels(
    x: np.ndarray, y: np.ndarray, combo: np.ndarray, use: np.ndarray, detail: int
) -> list[dict[str, Any]]:
    """For each zoom level below ``detail``: the assets in each 64-pixel cell of the screen.

    Centres and boxes are integers in pixels at level + 2 (a quarter pixel). The closest
    level is worked out from the assets, each one above from the cells of the one below
    (the same figures as :func:`far_levels_simple`, without sorting the assets again).
    """
    levels = []
    grid = None
    for zoom in range(detail - 1, MIN_LEVEL - 1, -1):
        scale = 2**zoom
        grid = _grid(x, y, combo, scale) if grid is None else _coarser(grid)
        count = np.bincount(grid.cell, minlength=len(grid.col))
        fx, fy = x * scale * 4, y * scale * 4
        levels.append(
            {
                Lvl.ZOOM: zoom,
                Lvl.COL: Ints.of(grid.col, delta=True),
                Lvl.ROW: Ints.of(grid.row),
                Lvl.COUNT: Ints.of(count),
                Lvl.X: Ints.of(np.rint(np.bincount(grid.cell, weights=fx) / count)),
                Lvl.Y: Ints.of(np.rint(np.bincount(grid.cell, weights=fy) / count)),
                Lvl.BOX: Ints.of(grid.box.ravel()),
                Lvl.COMBOS: Ints.of(np.column_stack([grid.pair_combo, grid.pair_count]).ravel()),
                Lvl.COMBO_COUNT: Ints.of(np.bincount(grid.pair_cell, minlength=len(count))),
                Lvl.SINGLE: _singles(grid.cell, count, use),
            }
        )
    return levels[::-1]


def far_levels_simple(
    x: np.ndarray, y: np.ndarray, combo: np.ndarray, use: np.ndarray, detail: int
) -> list[dict[str, Any]]:
    """:func:`far_levels`, each level worked out from the assets (one sort of them per level)."""
    levels = []
    for zoom in range(MIN_LEVEL, detail):
        scale = 2**zoom
        ix = np.floor(x * scale / CELL_PX).astype(np.int64)
        iy = np.floor(y * scale / CELL_PX).astype(np.int64)
        _, first, cell = np.unique(ix * (1 << 24) + iy, return_index=True, return_inverse=True)
        count = np.bincount(cell)
        fx, fy = x * scale * 4, y * scale * 4
        boxes = pd.DataFrame({"c": cell, "x": np.floor(fx), "y": np.floor(fy)}).groupby("c")
        box = np.column_stack([boxes["x"].min(), boxes["y"].min(), boxes["x"].max(), boxes["y"].max()])
        combos, per_cell = _combos(cell, combo, len(count))
        levels.append(
            {
                Lvl.ZOOM: zoom,
                Lvl.COL: Ints.of(ix[first], delta=True),
                Lvl.ROW: Ints.of(iy[first]),
                Lvl.COUNT: Ints.of(count),
                Lvl.X: Ints.of(np.rint(np.bincount(cell, weights=fx) / count)),
                Lvl.Y: Ints.of(np.rint(np.bincount(cell, weights=fy) / count)),
                Lvl.BOX: Ints.of(box.astype(np.int64).ravel()),
                Lvl.COMBOS: Ints.of(combos),
                Lvl.COMBO_COUNT: Ints.of(per_cell),
                Lvl.SINGLE: _singles(cell, count, use),
            }
        )
    return levels


def _combos(cell: np.ndarray, combo: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """All cells' ``[combo, count, combo, count, ...]`` one after the other, and how many
    combinations each cell has."""
    pairs, counts = np.unique(cell * np.int64(1 << 20) + combo, return_counts=True)
    owner, which = pairs >> 20, pairs & ((1 << 20) - 1)
    return np.column_stack([which, counts]).ravel(), np.bincount(owner, minlength=cells)


def _singles(cell: np.ndarray, count: np.ndarray, use: np.ndarray) -> dict[str, Any]:
    """Cells holding one asset: the cell, the asset's number and its use (for its marker)."""
    k = np.flatnonzero(count[cell] == 1)
    return {"cell": Ints.of(cell[k]), "k": Ints.of(k), "u": Ints.of(use[k])}


#: Columns carried by the search index rather than by the chunks.
SEARCH_COLUMNS: Final = (Col.NAME, "asset_id", "postcode", Col.PARTNER)


def split_columns(cols: dict[str, Any], shown: pd.DataFrame) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chunks' columns made ready for slicing, and the shared tables of distinct values.

    Numbers and codes become :class:`Ints` (positions as differences); columns with few
    distinct values keep their codes and put the values once in the shared tables; name, id,
    postcode and partner are left to the search index, and the reasons to the caller (as
    templates, :mod:`assetmap.maps._texts`).
    """
    shared: dict[str, Any] = {}
    ready: dict[str, Any] = {}
    use = cols.get("use")
    if isinstance(use, dict) and len(use[Enc.DISTINCT]) <= SHARED_MAX:
        # The page finds each asset's use category from its use (the last entry: no use given).
        shared[Col.USE] = use_category(pd.Series([*use[Enc.DISTINCT], None], dtype=object)).tolist()
    for name, scale in DECIMALS.items():
        if name in shown:  # numbers straight from the register's column
            numbers = pd.to_numeric(shown[name], errors="coerce").to_numpy(dtype=float)
            ready[name] = Ints.of(numbers, scale=scale)
    for name, column in cols.items():
        if name in SEARCH_COLUMNS or name in DECIMALS or (name == Col.USE and Col.USE in shared):
            continue
        if name == Col.CLUSTER:  # each chunk numbers its assets' clusters by its own table
            ready[name] = _plain_values(column)
        elif name in (Col.LAT, Col.LON):
            ready[name] = Ints.of(column, delta=True)
        elif name in (Col.USE, Col.RATING):
            ready[name] = Ints.of(column)
        elif name == Col.REASONS:
            continue  # as templates (``_texts``): the caller cuts them into chunks
        elif isinstance(column, dict) and Enc.DISTINCT in column and len(column[Enc.DISTINCT]) <= SHARED_MAX:
            shared[name] = column[Enc.DISTINCT]
            ready[name] = {Enc.CODES: Ints.of(column[Enc.CODES])}
        elif isinstance(column, dict) and Enc.DISTINCT in column:
            distinct, codes = column[Enc.DISTINCT], np.asarray(column[Enc.CODES]).tolist()
            values = [None if c < 0 else distinct[c] for c in codes]
            ready[name] = Ints.of_digits(values) or values
        else:
            ready[name] = Ints.of_digits(column) or column
    return ready, shared


def _plain_values(column: Any) -> list[Any]:
    if isinstance(column, dict) and Enc.DISTINCT in column:
        distinct = column[Enc.DISTINCT]
        return [None if c < 0 else distinct[c] for c in np.asarray(column[Enc.CODES]).tolist()]
    return list(column)


def slice_columns(ready: dict[str, Any], start: int, stop: int) -> dict[str, Any]:
    """One chunk's columns."""
    out: dict[str, Any] = {}
    for name, column in ready.items():
        if isinstance(column, Ints):
            out[name] = column.part(start, stop)
        elif isinstance(column, dict) and isinstance(column[Enc.CODES], Ints):
            out[name] = {Enc.CODES: column[Enc.CODES].part(start, stop)}
        elif isinstance(column, dict):
            out[name] = {Enc.CODES: column[Enc.CODES][start:stop]}
        else:
            out[name] = column[start:stop]
    return out


__all__ = [
    "CHUNK_ID", "MAX_CHUNK", "SEARCH_COLUMNS", "SEARCH_ID", "SHARED_MAX", "TABLES_ID", "Layout", "Lvl", "Pyr",
    "detail_zoom", "far_levels", "groups", "layout", "mercator", "pack", "slice_columns", "split_columns",
    "unpack",
]  # fmt: skip
