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
4. ``uprn``: the same UPRN. When several assets share a UPRN (a car park's parcels), they are
   paired inside that group by location, then name or address similarity; the pair then says
   ``uprn+location`` or ``uprn+name``, or plain ``uprn`` (low confidence) when nothing told
   the group's assets apart.
5. ``location+name``: within ``within_m`` metres and a similar name (or address, for a
   register without names).

Whenever a key is shared by several assets on either side, the group is paired as a
one-to-one assignment (:func:`scipy.optimize.linear_sum_assignment`) on a cost that weighs
the ids most, then the distance, then the name or address similarity; so no asset is ever in
two pairs, and a group with one parcel fewer leaves exactly one parcel unmatched.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

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
# Group assignment cost: ids count most, then distance, then name or address similarity.
_W_ID, _W_LOC, _W_SIM = 4.0, 2.0, 1.0
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


def id_stem(value: object) -> str:
    """The id's stable reference: its tokens up to the last number ("" when it has no number)."""
    tokens = id_tokens(value)
    last = max((i for i, t in enumerate(tokens) if t[0].isdigit()), default=-1)
    return "|".join(tokens[: last + 1])


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
    xy = np.column_stack(
        [pd.to_numeric(frame.get(c, pd.Series(np.nan, index=frame.index)), errors="coerce") for c in "xy"]
    ).astype(float)
    texts = {c: [norm_words(t) for t in clean_text(_column(frame, c))] for c in ("name", "address")}
    return _Side(
        index=frame.index,
        partner=_column(frame, "partner").to_numpy(object),
        raw_id=raw.to_numpy(object),
        key=np.array([id_key(v) for v in raw], dtype=object),
        stem=np.array([id_stem(v) for v in raw], dtype=object),
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


def _group_costs(ctx: _Ctx, ps: np.ndarray, cs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost, distance and similarity matrices for pairing group rows ``ps`` with columns ``cs``."""
    p, c = ctx.p, ctx.c
    ii, jj = np.repeat(ps, len(cs)), np.tile(cs, len(ps))
    same_key = (p.key[ii] == c.key[jj]) & (p.key[ii] != "")
    same_stem = (p.stem[ii] == c.stem[jj]) & (p.stem[ii] != "")
    id_cost = np.where(same_key, 0.0, np.where(same_stem, 0.5, 1.0))
    dist = _distances(p, c, ii, jj)
    loc_cost = np.where(np.isnan(dist), 1.0, dist / (dist + ctx.within_m))
    if len(ii) <= _MAX_SIMILARITY_CELLS:
        sim = np.array([_text_similarity(p, c, i, j) for i, j in zip(ii, jj, strict=True)], dtype=float)
    else:
        sim = np.zeros(len(ii))
    cost = _W_ID * id_cost + _W_LOC * loc_cost + _W_SIM * (1.0 - sim)
    shape = (len(ps), len(cs))
    return cost.reshape(shape), dist.reshape(shape), sim.reshape(shape)


def _pairs_for_key(
    ctx: _Ctx, left_p: np.ndarray, left_c: np.ndarray, keys_p: np.ndarray, keys_c: np.ndarray, method: str
) -> list[tuple[int, int, str, bool]]:
    """Pair the unmatched assets that share a key, one-to-one; ``(i, j, method, in_group)`` each.

    A key held by one asset on each side pairs them; a key held by several on either side is
    paired by :func:`scipy.optimize.linear_sum_assignment` on :func:`_group_costs`.
    """
    fp = pd.DataFrame({"k": keys_p[left_p], "i": left_p})
    fc = pd.DataFrame({"k": keys_c[left_c], "j": left_c})
    fp, fc = fp[fp["k"] != ""], fc[fc["k"] != ""]
    both = set(fp["k"]).intersection(fc["k"])
    fp, fc = fp[fp["k"].isin(both)], fc[fc["k"].isin(both)]
    np_, nc = fp.groupby("k")["i"].transform("size"), fc.groupby("k")["j"].transform("size")
    single = fp[np_ == 1].merge(fc[nc == 1], on="k")
    out = [(int(i), int(j), method, False) for i, j in zip(single["i"], single["j"], strict=True)]
    multi = sorted(set(fp.loc[np_ > 1, "k"]) | set(fc.loc[nc > 1, "k"]))
    gp, gc = fp.groupby("k")["i"], fc.groupby("k")["j"]
    for k in multi:
        ps, cs = gp.get_group(k).to_numpy(), gc.get_group(k).to_numpy()
        out += _assign_group(ctx, ps, cs, method)
    return out


def _assign_group(ctx: _Ctx, ps: np.ndarray, cs: np.ndarray, method: str) -> list[tuple[int, int, str, bool]]:
    """One-to-one pairs inside a group sharing a key; UPRN groups say what told the pair apart."""
    cost, dist, sim = _group_costs(ctx, ps, cs)
    rows, cols = linear_sum_assignment(cost)
    out = []
    for r, k in zip(rows, cols, strict=True):
        label = method
        if method == "uprn":
            tie = np.isclose(cost[r], cost[r, k]).sum() > 1 or np.isclose(cost[:, k], cost[r, k]).sum() > 1
            if tie:
                label = "uprn"
            elif dist[r, k] <= ctx.within_m:
                label = "uprn+location"
            elif sim[r, k] >= ctx.min_similarity:
                label = "uprn+name"
        out.append((int(ps[r]), int(cs[k]), label, True))
    return out


def _location_pairs(ctx: _Ctx, left_p: np.ndarray, left_c: np.ndarray) -> list[tuple[int, int, str, bool]]:
    """Unmatched assets within ``within_m`` with a similar name or address; best similarity first."""
    p, c = ctx.p, ctx.c
    lp = left_p[~np.isnan(p.xy[left_p]).any(axis=1)]
    lc = left_c[~np.isnan(c.xy[left_c]).any(axis=1)]
    if not len(lp) or not len(lc):
        return []
    near = cKDTree(p.xy[lp]).query_ball_tree(cKDTree(c.xy[lc]), r=ctx.within_m)
    cands = []
    for a, bs in enumerate(near):
        for b in bs:
            i, j = int(lp[a]), int(lc[b])
            sim = _text_similarity(p, c, i, j)
            if sim >= ctx.min_similarity:
                cands.append((-round(sim, 6), float(np.hypot(*(p.xy[i] - c.xy[j]))), i, j))
    used_p: set[int] = set()
    used_c: set[int] = set()
    out = []
    for _, _, i, j in sorted(cands):
        if i not in used_p and j not in used_c:
            used_p.add(i)
            used_c.add(j)
            out.append((i, j, "location+name", False))
    return out


def _confidence(method: str, *, in_group: bool, same_uprn: bool, near: bool, similar: bool) -> str:
    """How sure a pair is, from how it was matched and what else agrees.

    An id or a UPRN paired with the same place is ``high``; a stable id reference or a UPRN
    whose place moved, a shared UPRN told apart by name alone, and a location with a similar
    name are ``medium``; a shared UPRN that nothing told apart is ``low`` (the count is right,
    which parcel is which is a guess).
    """
    if method in ("asset_id", "asset_id (normalised)", "uprn+location"):
        return "high"
    if method == "asset_id stem":
        return "high" if same_uprn or near else "medium"
    if method in ("uprn+name", "location+name"):
        return "medium"
    if in_group:
        return "low"
    return "high" if near or similar else "medium"


def match_assets(
    previous: pd.DataFrame, current: pd.DataFrame, *, within_m: float = 50.0, min_similarity: float = 0.6
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
        ``similarity``; sorted by ``current_index``. Each row label appears at most once.
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
        ("uprn", p.uprn, c.uprn),
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
    sim = np.array([_text_similarity(p, c, i, j) for i, j in zip(ii, jj, strict=True)], dtype=float)
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
    "CONFIDENCE_LEVELS", "MATCH_COLUMNS", "MATCH_METHODS", "clean_text", "id_key", "id_stem", "id_suffix",
    "id_tokens", "match_assets", "norm_words", "similarity",
]  # fmt: skip
