"""Matching the assets of two runs one-to-one, each pair saying how it was matched and how sure.

Part of the change report (:mod:`assetmap.compare`). Registers change their schema between
years: ids are re-cased or given a new ending (``09/00012/Land`` becomes ``09/00012/LAND``,
``09/00002/Land and Building`` becomes ``09/00002/BLDG``), several parcels share one UPRN,
and a name column may disappear. The passes below, each on what the earlier ones left, are
built for that:

1. ``asset_id``: the same partner and asset id.
2. ``asset_id (normalised)``: the same partner and id once case, spaces, punctuation and
   leading zeros are set aside (``09/00012/Land`` and ``09/00012/LAND``).
3. ``asset_id stem``: the same partner and the same stable reference, the id up to its last
   number (``09/00002`` in ``09/00002/Land and Building`` and ``09/00002/BLDG``).
4. ``uprn``: the same UPRN, first within a partner, then across partners (a building handed
   over). When several assets share a UPRN (a car park's parcels), they are paired inside
   that group by location, then name or address similarity; the pair then says
   ``uprn+location`` or ``uprn+name``, or plain ``uprn`` (low confidence) when nothing told
   the group's assets apart.
5. ``location+name``: within ``within_m`` metres and a similar name (or address, for a
   register without names), paired so that as many assets as possible are matched, then
   the most similar names, then the nearest.

Whenever a key is shared by several assets on either side, the group is paired as a
one-to-one assignment (:func:`scipy.optimize.linear_sum_assignment`) on a cost that weighs
the ids most, then the partner, then the distance, then the name or address similarity
(which decides only between places within about a metre); so no asset is ever in two pairs,
and a group with one parcel fewer leaves exactly one parcel unmatched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .config import MOVED_M
from .registers._clean_base import NONE_WORDS

#: How a pair of assets was matched, in the order the passes run.
MATCH_METHODS: tuple[str, ...] = (
    "asset_id", "asset_id (normalised)", "asset_id stem", "uprn", "uprn+location", "uprn+name",
    "location+name",
)  # fmt: skip
#: How sure a match is, surest first.
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
#: Columns of the matches frame.
MATCH_COLUMNS: tuple[str, ...] = (
    "previous_index", "current_index", "matched_by", "confidence", "distance_m", "similarity",
)  # fmt: skip

_TOKEN = re.compile(r"[0-9]+|[^\W\d_]+")
_WORD = re.compile(r"[0-9]+|[^\W_]+")
# Group assignment cost: ids outweigh everything (W_ID), then staying with the same partner
# (W_PARTNER); the distance term W_LOC * d / (d + within_m) outweighs the name or address term
# W_SIM * (1 - similarity) except between places less than about a metre apart, where the name
# or address decides.
_W_ID, _W_PARTNER, _W_LOC, _W_SIM = 8.0, 2.0, 1.0, 0.02
# Groups larger than this (rows x columns) are paired without name similarity (cost only).
_MAX_SIMILARITY_CELLS = 250_000


def id_tokens(value: object) -> list[str]:
    """An asset id as comparable tokens: numbers without leading zeros, runs of letters lower-cased.

    Punctuation and spaces only separate tokens, and consecutive words join into one token,
    so ``09/00002/Land and Building``, ``09-2-LandAndBuilding`` and ``09 00002 land and
    building`` all give ``["9", "2", "landandbuilding"]``.
    """
    tokens: list[str] = []
    letters_last = False
    for tok in _TOKEN.findall(str(value or "").casefold()):
        if tok[0].isascii() and tok[0].isdigit():
            tokens.append(tok.lstrip("0") or "0")
            letters_last = False
        elif letters_last:
            tokens[-1] += tok
        else:
            tokens.append(tok)
            letters_last = True
    return tokens


def id_key(value: object) -> str:
    """The id with case, spaces, punctuation and leading zeros set aside ("" when it has none)."""
    return "|".join(id_tokens(value))


def _stem_of(tokens: list[str]) -> str:
    last = max((i for i, t in enumerate(tokens) if t[0].isdigit()), default=-1)
    return "|".join(tokens[: last + 1])


def id_stem(value: object) -> str:
    """The id's stable reference: its tokens up to the last number ("" when it has no number)."""
    return _stem_of(id_tokens(value))


def id_key_and_stem(value: object) -> tuple[str, str]:
    """:func:`id_key` and :func:`id_stem` of one id, tokenised once."""
    tokens = id_tokens(value)
    return "|".join(tokens), _stem_of(tokens)


def id_suffix(value: object) -> str:
    """What follows the id's last digit, without the punctuation around it (``Land and Building``)."""
    text = str(value or "")
    match = re.search(r"[0-9](?!.*[0-9])", text)
    rest = text[match.end() :] if match else ""
    return re.sub(r"^[\W_]+|[\W_]+$", "", rest)


def clean_text(series: pd.Series) -> pd.Series:
    """Register text stripped, with blanks and placeholders (``N/A``, ``-``, ``none``) as ""."""
    text = series.astype("string").str.strip().fillna("")
    return text.where(~text.str.casefold().isin(NONE_WORDS), "")


def norm_words(text: str) -> str:
    """Lower-case words and numbers joined by single spaces, for similarity."""
    return " ".join(_WORD.findall(text.casefold()))


def similarity(a: str, b: str) -> float:
    """Similarity 0-1 of two normalised texts; 0 when either is empty or their numbers differ.

    :class:`difflib.SequenceMatcher`'s ratio, except that two texts that both carry numbers
    (house numbers, unit numbers) are only similar when the numbers are the same: ``79
    Priors Road`` is not ``77 Priors Road``.
    """
    if not a or not b:
        return 0.0
    na, nb = re.findall(r"[0-9]+", a), re.findall(r"[0-9]+", b)
    if na and nb and sorted(na) != sorted(nb):
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class _Side:
    """One run's assets as arrays, by position."""

    index: pd.Index
    partner: np.ndarray
    raw_id: np.ndarray
    key: np.ndarray
    stem: np.ndarray
    uprn: np.ndarray
    xy: np.ndarray
    name: list[str]
    address: list[str]


def _column(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[col].astype("string").str.strip().fillna("")


def _side(frame: pd.DataFrame) -> _Side:
    raw = _column(frame, "asset_id")
    keys = [id_key_and_stem(v) for v in raw.tolist()]
    xy = np.column_stack(
        [pd.to_numeric(frame.get(c, pd.Series(np.nan, index=frame.index)), errors="coerce") for c in "xy"]
    ).astype(float)
    texts = {c: [norm_words(t) for t in clean_text(_column(frame, c)).tolist()] for c in ("name", "address")}
    return _Side(
        index=frame.index,
        partner=_column(frame, "partner").to_numpy(object),
        raw_id=raw.to_numpy(object),
        key=np.array([k for k, _ in keys], dtype=object),
        stem=np.array([st for _, st in keys], dtype=object),
        uprn=_column(frame, "uprn").str.lstrip("0").to_numpy(object),
        xy=xy.reshape(len(frame), 2),
        name=texts["name"],
        address=texts["address"],
    )


def _text_similarity(p: _Side, c: _Side, i: int, j: int) -> float:
    """Name against name and address against address (a register without names uses addresses)."""
    return max(similarity(p.name[i], c.name[j]), similarity(p.address[i], c.address[j]))


def _distances(p: _Side, c: _Side, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    d = np.hypot(*(p.xy[ii] - c.xy[jj]).T) if len(ii) else np.zeros(0)
    return np.asarray(d, dtype=float)


@dataclass(frozen=True)
class _Ctx:
    """What every pass needs: both sides, the thresholds."""

    p: _Side
    c: _Side
    within_m: float
    min_similarity: float


def _base_costs(ctx: _Ctx, ps: np.ndarray, cs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Id and distance cost, and distance, for pairing group rows ``ps`` with columns ``cs``."""
    p, c = ctx.p, ctx.c
    ii, jj = np.repeat(ps, len(cs)), np.tile(cs, len(ps))
    same_key = (p.key[ii] == c.key[jj]) & (p.key[ii] != "")
    same_stem = (p.stem[ii] == c.stem[jj]) & (p.stem[ii] != "")
    id_cost = np.where(same_key, 0.0, np.where(same_stem, 0.5, 1.0))
    other_partner = p.partner[ii] != c.partner[jj]  # a shared UPRN (one building) may hold several partners
    dist = _distances(p, c, ii, jj)
    loc_cost = np.where(np.isnan(dist), 1.0, dist / (dist + ctx.within_m))
    cost = _W_ID * id_cost + _W_PARTNER * other_partner + _W_LOC * loc_cost
    shape = (len(ps), len(cs))
    return cost.reshape(shape), dist.reshape(shape)


def _similarities(ctx: _Ctx, ps: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """Name or address similarity of every pairing in a group (zeros for an enormous group)."""
    if len(ps) * len(cs) > _MAX_SIMILARITY_CELLS:
        return np.zeros((len(ps), len(cs)))
    return np.array([[_text_similarity(ctx.p, ctx.c, i, j) for j in cs] for i in ps], dtype=float)


def _near_ties(base: np.ndarray) -> bool:
    """Whether some asset's two best pairings are too close for ids and distance to choose."""
    for m in (base, base.T):
        if m.shape[1] > 1:
            two = np.sort(m, axis=1)[:, :2]
            if (two[:, 1] - two[:, 0] < _W_SIM).any():
                return True
    return False


def _pairs_for_key(
    ctx: _Ctx, left_p: np.ndarray, left_c: np.ndarray, keys_p: np.ndarray, keys_c: np.ndarray, method: str
) -> list[tuple[int, int, str, bool]]:
    """Pair the unmatched assets that share a key, one-to-one; ``(i, j, method, in_group)`` each.

    A key held by one asset on each side pairs them; a key held by several on either side is
    paired by :func:`scipy.optimize.linear_sum_assignment` (:func:`_assign_group`).
    """
    kp, kc = keys_p[left_p], keys_c[left_c]
    codes, uniques = pd.factorize(np.concatenate([kp, kc]).astype(object))
    cp, cc = codes[: len(kp)], codes[len(kp) :]
    n = len(uniques)
    count_p, count_c = np.bincount(cp, minlength=n), np.bincount(cc, minlength=n)
    both = (count_p > 0) & (count_c > 0) & (np.asarray(uniques, dtype=object) != "")
    single = both & (count_p == 1) & (count_c == 1)
    at_p, at_c = np.full(n, -1), np.full(n, -1)
    at_p[cp[single[cp]]], at_c[cc[single[cc]]] = left_p[single[cp]], left_c[single[cc]]
    out = [(int(at_p[k]), int(at_c[k]), method, False) for k in np.flatnonzero(single)]
    multi = both & ~single
    if multi.any():
        groups_p, groups_c = _members(cp, left_p, multi), _members(cc, left_c, multi)
        for k in np.flatnonzero(multi):
            out += _assign_group(ctx, groups_p[k], groups_c[k], method)
    return out


def _members(codes: np.ndarray, positions: np.ndarray, wanted: np.ndarray) -> dict[int, np.ndarray]:
    """``{code: positions}`` for the wanted codes, positions in register order."""
    keep = wanted[codes]
    codes, positions = codes[keep], positions[keep]
    order = np.argsort(codes, kind="stable")
    codes, positions = codes[order], positions[order]
    cuts = np.flatnonzero(np.diff(codes)) + 1
    return {int(g[0]): p for g, p in zip(np.split(codes, cuts), np.split(positions, cuts), strict=True)}


def _assign_group(ctx: _Ctx, ps: np.ndarray, cs: np.ndarray, method: str) -> list[tuple[int, int, str, bool]]:
    """One-to-one pairs inside a group sharing a key; UPRN groups say what told the pair apart.

    Ids count most, then distance; the name or address decides only between pairings whose
    places are within about a metre of each other (or unknown).
    """
    base, dist = _base_costs(ctx, ps, cs)
    sim = _similarities(ctx, ps, cs) if _near_ties(base) else None
    rows, cols = linear_sum_assignment(base if sim is None else base + _W_SIM * (1.0 - sim))
    labels = [method] * len(rows)
    if method == "uprn":
        labels = [_by_location(ctx, r, k, dist) for r, k in zip(rows, cols, strict=True)]
        if sim is None and not all(labels):
            sim = _similarities(ctx, ps, cs)
        labels = [lab or _by_name(ctx, r, k, sim) for lab, r, k in zip(labels, rows, cols, strict=True)]  # type: ignore[arg-type]
    return [(int(ps[r]), int(cs[k]), lab, True) for r, k, lab in zip(rows, cols, labels, strict=True)]


def _others(m: np.ndarray, r: int, k: int) -> np.ndarray:
    """The values of row ``r`` and column ``k`` other than at ``(r, k)``."""
    row, col = np.ones(m.shape[1], bool), np.ones(m.shape[0], bool)
    row[k], col[r] = False, False
    return np.concatenate([m[r][row], m[:, k][col]])


def _by_location(ctx: _Ctx, r: int, k: int, dist: np.ndarray) -> str:
    """``uprn+location`` when the pair is within ``within_m`` and over a metre nearer than any other."""
    d = dist[r, k]
    return "uprn+location" if d <= ctx.within_m and not (_others(dist, r, k) <= d + 1.0).any() else ""


def _by_name(ctx: _Ctx, r: int, k: int, sim: np.ndarray | None) -> str:
    """``uprn+name`` when the name or address is similar and the most similar; else plain ``uprn``."""
    if sim is not None and sim[r, k] >= ctx.min_similarity and not (_others(sim, r, k) >= sim[r, k]).any():
        return "uprn+name"
    return "uprn"


def _location_pairs(ctx: _Ctx, left_p: np.ndarray, left_c: np.ndarray) -> list[tuple[int, int, str, bool]]:
    """Unmatched assets within ``within_m`` with a similar name or address, paired one-to-one.

    The candidate pairs fall into groups that share an asset; each group is paired as an
    assignment (:func:`_assign_nearby`) that matches as many assets as it can, then the most
    similar names, then the nearest places. Best-first pairing would leave an asset unmatched
    when its only candidate was taken by a neighbour that had another one.
    """
    p, c = ctx.p, ctx.c
    lp = left_p[~np.isnan(p.xy[left_p]).any(axis=1)]
    lc = left_c[~np.isnan(c.xy[left_c]).any(axis=1)]
    if not len(lp) or not len(lc):
        return []
    near = cKDTree(p.xy[lp]).query_ball_tree(cKDTree(c.xy[lc]), r=ctx.within_m)
    rows, cols, sims = [], [], []
    for a, bs in enumerate(near):
        for b in bs:
            sim = _text_similarity(p, c, int(lp[a]), int(lc[b]))
            if sim >= ctx.min_similarity:
                rows.append(a)
                cols.append(b)
                sims.append(round(sim, 6))
    if not rows:
        return []
    return _assign_nearby(ctx, lp, lc, np.array(rows), np.array(cols), np.array(sims))


def _assign_nearby(
    ctx: _Ctx, lp: np.ndarray, lc: np.ndarray, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray
) -> list[tuple[int, int, str, bool]]:
    """Pair each connected group of candidate pairs by :func:`scipy.optimize.linear_sum_assignment`.

    Every candidate pair is worth more than any number of better names could make up for
    (so the most pairs are made), then its similarity, then a sliver for nearness.
    """
    n_p, n_c = len(lp), len(lc)
    graph = coo_matrix((np.ones(len(rows)), (rows, n_p + cols)), shape=(n_p + n_c, n_p + n_c))
    _, labels = connected_components(graph, directed=False)
    dist = _distances(ctx.p, ctx.c, lp[rows], lc[cols])
    order = np.lexsort((cols, rows, labels[rows]))
    out: list[tuple[int, int, str, bool]] = []
    bounds = np.flatnonzero(np.diff(labels[rows][order])) + 1
    for edges in np.split(order, bounds):
        r_ids, r_at = np.unique(rows[edges], return_inverse=True)
        c_ids, c_at = np.unique(cols[edges], return_inverse=True)
        if len(r_ids) * len(c_ids) > _MAX_SIMILARITY_CELLS:
            out += _best_first(lp[rows[edges]], lc[cols[edges]], sims[edges], dist[edges])
            continue
        worth = np.zeros((len(r_ids), len(c_ids)))
        worth[r_at, c_at] = (len(edges) + 1.0) + sims[edges] - 1e-6 * dist[edges] / (ctx.within_m + 1.0)
        got_r, got_c = linear_sum_assignment(worth, maximize=True)
        for a, b in zip(got_r, got_c, strict=True):
            if worth[a, b] > 0:
                out.append((int(lp[r_ids[a]]), int(lc[c_ids[b]]), "location+name", False))
    return out


def _best_first(
    ii: np.ndarray, jj: np.ndarray, sims: np.ndarray, dist: np.ndarray
) -> list[tuple[int, int, str, bool]]:
    """Most similar, then nearest, first: for a group too large to assign as a whole."""
    used_p: set[int] = set()
    used_c: set[int] = set()
    out = []
    for k in np.lexsort((jj, ii, dist, -sims)):
        i, j = int(ii[k]), int(jj[k])
        if i not in used_p and j not in used_c:
            used_p.add(i)
            used_c.add(j)
            out.append((i, j, "location+name", False))
    return out


def _confidence(method: str, *, in_group: bool, same_uprn: bool, near: bool, similar: bool) -> str:
    """How sure a pair is, from how it was matched and what else agrees.

    An id, or a UPRN at the same place, is ``high``; a stable id reference or a UPRN whose
    place moved, a shared UPRN told apart by name far from where it was, and a location with a
    similar name are ``medium``; a shared UPRN that nothing told apart is ``low`` (the count is
    right, which parcel is which is a guess).
    """
    if method in ("asset_id", "asset_id (normalised)", "uprn+location"):
        return "high"
    if method == "asset_id stem":
        return "high" if same_uprn or near else "medium"
    if method == "uprn+name":
        return "high" if near else "medium"
    if method == "location+name":
        return "medium"
    if in_group:
        return "low"
    return "high" if near or similar else "medium"


def match_assets(
    previous: pd.DataFrame, current: pd.DataFrame, *, within_m: float = MOVED_M, min_similarity: float = 0.6
) -> pd.DataFrame:
    """Match assets of two runs one-to-one in five passes (see the module's docstring).

    Parameters
    ----------
    previous, current : DataFrame
        Assets with ``partner``, ``asset_id``, ``x`` and ``y``, and where they have them
        ``name``, ``address`` and ``uprn``.
    within_m : float
        Greatest distance for the location pass, and for a distance to count as "the same place".
    min_similarity : float
        Least name or address similarity (0-1, :func:`similarity`) for the location pass.

    Returns
    -------
    DataFrame
        :data:`MATCH_COLUMNS`: row labels of both sides, ``matched_by`` (:data:`MATCH_METHODS`),
        ``confidence`` (:data:`CONFIDENCE_LEVELS`), ``distance_m`` and the name or address
        ``similarity`` (blank for pairs matched by id, where it played no part); sorted by
        ``current_index``. Each row label appears at most once.
    """
    ctx = _Ctx(_side(previous), _side(current), float(within_m), float(min_similarity))
    p, c = ctx.p, ctx.c
    left_p, left_c = np.arange(len(p.index)), np.arange(len(c.index))
    exact_p = np.array([f"{a}\x1f{b}" if b else "" for a, b in zip(p.partner, p.raw_id, strict=True)], object)
    exact_c = np.array([f"{a}\x1f{b}" if b else "" for a, b in zip(c.partner, c.raw_id, strict=True)], object)
    passes = [
        ("asset_id", exact_p, exact_c),
        ("asset_id (normalised)", _with_partner(p, p.key), _with_partner(c, c.key)),
        ("asset_id stem", _with_partner(p, p.stem), _with_partner(c, c.stem)),
        ("uprn", _with_partner(p, p.uprn), _with_partner(c, c.uprn)),
        ("uprn", p.uprn, c.uprn),  # then across partners: a building handed to another partner
    ]
    pairs: list[tuple[int, int, str, bool]] = []
    for method, kp, kc in passes:
        found = _pairs_for_key(ctx, left_p, left_c, kp, kc, method)
        pairs += found
        left_p = np.setdiff1d(left_p, [f[0] for f in found])
        left_c = np.setdiff1d(left_c, [f[1] for f in found])
    pairs += _location_pairs(ctx, left_p, left_c)
    return _pairs_frame(ctx, pairs)


def _with_partner(side: _Side, keys: np.ndarray) -> np.ndarray:
    return np.array([f"{a}\x1f{k}" if k else "" for a, k in zip(side.partner, keys, strict=True)], object)


def _pairs_frame(ctx: _Ctx, pairs: list[tuple[int, int, str, bool]]) -> pd.DataFrame:
    p, c = ctx.p, ctx.c
    ii = np.array([f[0] for f in pairs], dtype=int)
    jj = np.array([f[1] for f in pairs], dtype=int)
    methods = [f[2] for f in pairs]
    dist = _distances(p, c, ii, jj)
    by_id = {"asset_id", "asset_id (normalised)"}
    sim = np.array(
        [
            np.nan if m in by_id else _text_similarity(p, c, i, j)
            for i, j, m in zip(ii, jj, methods, strict=True)
        ],
        dtype=float,
    )
    same_uprn = (p.uprn[ii] == c.uprn[jj]) & (p.uprn[ii] != "") if len(ii) else np.zeros(0, bool)
    near, similar = dist <= ctx.within_m, sim >= ctx.min_similarity
    confidence = [
        _confidence(f[2], in_group=f[3], same_uprn=bool(u), near=bool(n), similar=bool(s))
        for f, u, n, s in zip(pairs, same_uprn, near, similar, strict=True)
    ]
    out = pd.DataFrame(
        {
            "previous_index": p.index[ii] if len(ii) else pd.Index([], dtype=object),
            "current_index": c.index[jj] if len(jj) else pd.Index([], dtype=object),
            "matched_by": pd.Series(methods, dtype=object),
            "confidence": pd.Series(confidence, dtype=object),
            "distance_m": np.round(dist, 1),
            "similarity": np.round(sim, 3),
        }
    )
    return out.sort_values("current_index", kind="mergesort").reset_index(drop=True)


__all__ = [
    "CONFIDENCE_LEVELS", "MATCH_COLUMNS", "MATCH_METHODS", "clean_text", "id_key", "id_key_and_stem",
    "id_stem", "id_suffix", "id_tokens", "match_assets", "norm_words", "similarity",
]  # fmt: skip
