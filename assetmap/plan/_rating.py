"""Disposal and shared-use rating: a score, red/amber/green, reasons in words, an action.

Score
-----
``score = 100 * sum(weight_k * factor_k) / sum(weight_k)`` over six factors between 0 and 1
(weights in ``plan.rating``; defaults in brackets):

* utilisation (35): ``(well_used - utilisation) / well_used`` clipped to 0..1, so an empty
  building scores 1 and one at ``plan.well_used`` (0.85) or above scores 0;
* cost (15): running cost per m² against the estate median: 0 at or below the median,
  rising to 1 at ``cost_ratio_full`` (2) times it;
* condition (15): A 0, B 1/3, C 2/3, D 1;
* lease (10): 1 for a leasehold whose lease ends within ``lease_months`` (24) of the as-of
  date (or has ended);
* freehold (10): 1 for a freehold with a capital value (book value, or floor area when
  ``plan.capital_value_per_m2_gbp`` is set);
* receiver (15): 1 when a building of any partner within the cluster radius has room
  (below the target ceiling) for all its people.

A factor that is not known (utilisation, running cost per m², condition) is left out: the
score is the weighted mean of the known factors, so an unknown is never taken as the best value.

Rating: red (candidate for disposal) at ``red_from`` (60) or more, amber (candidate for
shared use) at ``amber_from`` (35) or more, else green. An asset whose utilisation and
running cost per m² are both unknown (national registers of stations, surgeries and
libraries carry neither) is ``unrated``, with no score: the two factors that say whether
a building is worth keeping are missing, so it is not called green. Then, in this order: a building the
plan vacates, or one that is vacant, is red; a building that receives people is amber
(shared use); a well-used building (utilisation at or above ``plan.well_used``) and a
sensitive site are never red (red becomes amber, with the reason given).

Action: ``relocate`` (the plan moves its people out), ``dispose`` (vacant, not sensitive,
not well used), ``receive`` (takes people in), ``share`` (in a cluster of two or more
partners with at least ``plan.min_share_places`` places left below the ceiling after the
plan), ``review`` (rated red with no move possible), else ``retain``.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.spatial import cKDTree

from .._known import UNRATED, UNRATED_REASON
from ..config import PlanConfig
from ._colocate import Candidates

_CONDITION = {"A": 0.0, "B": 1 / 3, "C": 2 / 3, "D": 1.0}
_CONDITION_WORD = {"C": "poor", "D": "bad"}


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def _label(name: object, asset_id: object) -> str:
    text = "" if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)) else str(name)
    return text.strip() or str(asset_id)


def _money(x: float) -> str:
    return f"£{x:,.0f}"


#: Specs shown as whole numbers: ``format`` rounds the float (times 100 for ``%``) half to
#: even, exactly as ``np.rint`` does, so the values can be rounded before they are counted.
_WHOLE = {".0f": ("", 1.0), ",.0f": ("", 1.0), ".0%": ("%", 100.0)}


class _Texts(NamedTuple):
    """Texts for the masked assets, as distinct texts and each asset's code into them."""

    table: list[str]
    codes: np.ndarray


def _fmt_texts(values: np.ndarray, spec: str) -> _Texts:
    """``format(v, spec)`` of each float as distinct texts and codes (each text formatted once).

    For the whole-number specs the values are rounded first (``format`` gives the same text
    for a value and its rounding), so a million utilisations make a hundred texts, not a
    million. Minus zero, which counts as zero, is written as ``format`` writes it.
    """
    values = np.asarray(values, dtype=float)
    if not len(values):
        return _Texts([], np.array([], dtype=np.int64))
    suffix, scale = _WHOLE.get(spec, ("", 0.0))
    if scale:
        # A value too large to scale becomes infinite, as format()'s own "%" makes it ("inf%").
        with np.errstate(over="ignore"):
            values = np.rint(values * scale)
    inner = spec.replace("%", "f") if scale else spec
    uniq, inverse = np.unique(values + 0.0, return_inverse=True)  # + 0.0: minus zero as zero
    table = [format(v, inner) + suffix for v in uniq.tolist()]
    codes = inverse.ravel().astype(np.int64)
    minus_zero = (values == 0) & np.signbit(values)
    if minus_zero.any():
        codes[minus_zero] = len(table)
        table.append(format(-0.0, inner) + suffix)
    return _Texts(table, codes)


def _fmt(values: np.ndarray, spec: str) -> np.ndarray:
    """``format(v, spec)`` of each float, each distinct text formatted once (object array)."""
    texts = _fmt_texts(values, spec)
    return np.array([*texts.table, ""], dtype=object)[texts.codes]


def _codes(values: np.ndarray) -> _Texts:
    """Texts of an object array of strings as distinct texts and codes."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    return _Texts([str(u) for u in uniq], codes.astype(np.int64))


def _join(*parts: str | _Texts) -> _Texts:
    """Concatenate texts element-wise: constants and per-asset texts, each combination built once."""
    table, codes = [""], None
    for part in parts:
        if isinstance(part, str):
            table = [t + part for t in table]
            continue
        width = len(part.table)
        key = part.codes if codes is None else codes * max(width, 1) + part.codes
        uniq, inverse = np.unique(key, return_inverse=True)
        left, right = (uniq // max(width, 1)).tolist(), (uniq % max(width, 1)).tolist()
        table = [table[0 if codes is None else a] + part.table[b] for a, b in zip(left, right, strict=True)]
        codes = inverse.ravel().astype(np.int64)
    if codes is None:
        raise ValueError("_join needs at least one per-asset part")
    return _Texts(table, codes)


def lowered(values: pd.Series) -> np.ndarray:
    """``values.astype("string").str.lower().fillna("")`` as an object array, each distinct text
    lowered once (a column that is not all text, whose 1, 1.0 and True would count as one
    value, is lowered value by value)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    if not all(type(u) is str for u in uniq):
        return values.astype("string").str.lower().fillna("").to_numpy(dtype=object)
    texts = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype("string").str.lower().fillna("")
    return np.array([*texts.tolist(), ""], dtype=object)[codes]


def _dates(values: np.ndarray, spec: str) -> np.ndarray:
    """``strftime(spec)`` of each datetime64, each distinct date formatted once (object array)."""
    if not len(values):
        return np.array([], dtype=object)
    uniq, inverse = np.unique(values, return_inverse=True)
    return pd.DatetimeIndex(uniq).strftime(spec).to_numpy(dtype=object)[inverse.ravel()]


class _Reasons:
    """Reasons in words, one text per asset, phrases joined by ``"; "`` in the order added.

    Each phrase is kept as codes into a pool of distinct texts (a constant phrase is one
    text; a phrase with numbers is its distinct texts), and the texts are made once at the
    end, in Arrow: the codes sorted by asset (stably, so each asset's phrases keep their
    order) are taken from the pool into one list per asset, and ``binary_join`` joins each.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.pool: list[str] = []

    def add(self, mask: np.ndarray, phrase: str | _Texts | np.ndarray) -> None:
        """Append ``phrase`` where ``mask``: one text, or one per masked asset in position order."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        if isinstance(phrase, str):
            phrase = _Texts([phrase], np.zeros(len(idx), dtype=np.int64))
        elif not isinstance(phrase, _Texts):
            phrase = _codes(phrase)
        self.rows.append(idx.astype(np.int32))
        self.codes.append((phrase.codes + len(self.pool)).astype(np.int32))
        self.pool.extend(phrase.table)

    def copy(self) -> _Reasons:
        """A copy to add more phrases to (the arrays and texts added so far are shared)."""
        other = _Reasons(self.n)
        other.rows, other.codes, other.pool = list(self.rows), list(self.codes), list(self.pool)
        return other

    def text(self) -> pd.api.extensions.ExtensionArray:
        """The joined reasons (a pandas string array; empty where no phrase applies)."""
        if not self.rows:
            return pd.array([""] * self.n, dtype="str")
        rows = np.concatenate(self.rows)
        order = np.argsort(rows, kind="stable")
        offsets = np.r_[0, np.cumsum(np.bincount(rows, minlength=self.n))].astype(np.int64)
        values = pa.array(self.pool, type=pa.string()).take(pa.array(np.concatenate(self.codes)[order]))
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), values)
        return pd.array(pc.binary_join(lists, "; "), dtype="str")


def _labels_of(df: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
    """``name (partner)`` of the assets at positions ``idx`` (the asset id when unnamed)."""
    text = df["name"].iloc[idx].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    empty = np.flatnonzero(text == "")
    if len(empty):
        ids = df["asset_id"].to_numpy(dtype=object)[idx[empty]]
        text[empty] = [str(a) for a in ids.tolist()]
    return text + " (" + df["partner"].iloc[idx].astype(str).to_numpy(dtype=object) + ")"


def _room_for_all(cand: Candidates, occ: np.ndarray, split: bool) -> tuple[np.ndarray, ...]:
    """Whether a receiver within the radius has room for all of each asset's people.

    Returns the flag per asset, the nearest receiver that takes them whole (-1: none) and
    its distance (the edges are in donor, then nearness order).
    """
    n = len(occ)
    room = np.zeros(n, dtype=bool)
    nearest = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    if len(cand.edges):
        d, r = cand.edges[:, 0], cand.edges[:, 1]
        fits = np.flatnonzero(cand.spare[r] >= occ[d] - 1e-9)
        donors, first = np.unique(d[fits], return_index=True)
        room[donors] = True
        nearest[donors] = r[fits][first]
        dist[donors] = cand.distance[fits][first]
        if split:
            total = pd.Series(cand.spare[r]).groupby(d).sum()
            room[total.index.to_numpy()] |= total.to_numpy() >= occ[total.index.to_numpy()] - 1e-9
    return room, nearest, dist


def _crowded(df: pd.DataFrame, xy: np.ndarray | None, radius_m: float) -> np.ndarray:
    """Assets outside every cluster with another located asset within the radius.

    The search tree holds only the located assets near one outside every cluster (see
    :func:`_near_cells`), which changes no answer: the others are farther than the radius.
    """
    out = np.zeros(len(df), dtype=bool)
    if xy is None:
        return out
    located = np.isfinite(xy).all(axis=1)
    alone = np.flatnonzero(df["cluster_id"].isna().to_numpy() & located)
    if len(alone) and located.sum() > 1:
        points = xy[located]
        points = points[_near_cells(points, xy[alone], radius_m)]
        dist, _ = cKDTree(points).query(xy[alone], k=2, distance_upper_bound=radius_m, workers=-1)
        out[alone] = np.isfinite(dist[:, 1])
    return out


#: Most grid cells :func:`_near_cells` lays out (a boolean each); beyond, every point is kept.
_MOST_CELLS = 50_000_000


def _near_cells(points: np.ndarray, centres: np.ndarray, radius_m: float) -> np.ndarray:
    """Which ``points`` lie within two grid cells (of side ``radius_m``) of a centre's cell.

    Every point within ``radius_m`` of a centre does (its cell is at most one away, two with
    float rounding), so a search among the kept points finds the same neighbours. All are
    kept when the grid would be too large.
    """
    keep = np.ones(len(points), dtype=bool)
    if not radius_m > 0:
        return keep
    low = points.min(axis=0)
    cells = np.floor((points - low) / radius_m).astype(np.int64)
    size = cells.max(axis=0) + 1
    if float(size[0]) * float(size[1]) > _MOST_CELLS:
        return keep
    near = np.zeros((int(size[0]) + 4, int(size[1]) + 4), dtype=bool)
    at = np.floor((centres - low) / radius_m).astype(np.int64) + 2
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            near[at[:, 0] + dx, at[:, 1] + dy] = True
    return near[cells[:, 0] + 2, cells[:, 1] + 2]


class Facts(NamedTuple):
    """What the rating knows before the moves are chosen (:func:`rate_facts`).

    ``values``: the factors the moves' reasons and the result read; ``rating``: the rating
    from the score (numbers into ``_RATINGS``); ``reasons``: the reasons stating facts and
    place.
    """

    values: dict[str, np.ndarray]
    rating: np.ndarray
    reasons: _Reasons
    #: The opportunities' texts of every asset (:func:`assetmap.plan._savings.asset_texts`), when made.
    texts: dict[str, object] | None = None


#: Factors kept in :class:`Facts` (the rest are read only by the fact and place reasons).
_KEPT = ("cpm", "score", "well_used", "sensitive", "occ", "util")


def rate_facts(
    df: pd.DataFrame,
    cand: Candidates,
    as_of: dt.date,
    config: PlanConfig,
    radius_m: float,
    *,
    xy: np.ndarray | None = None,
    diameter_m: float | None = None,
) -> Facts:
    """The score, first rating and the reasons that do not depend on the moves.

    Parameters are those of :func:`rate` (less the moves). Pure: it reads ``df`` and
    ``cand`` only, so it can run beside the solver (in a forked process) and give
    :func:`rate` the same facts it would find itself.
    """
    f = _factors(df, cand, as_of, config)
    reasons = _Reasons(len(df))
    _fact_reasons(reasons, df, f, as_of, config)
    _place_reasons(reasons, df, f, radius_m, _crowded(df, xy, radius_m), diameter_m)
    return Facts({k: f[k] for k in _KEPT}, _first_rating(f, config), reasons)


def rate(
    df: pd.DataFrame,
    cand: Candidates,
    moves: pd.DataFrame,
    as_of: dt.date,
    config: PlanConfig,
    radius_m: float,
    *,
    xy: np.ndarray | None = None,
    diameter_m: float | None = None,
    facts: Facts | None = None,
) -> pd.DataFrame:
    """Score, rate and give reasons and an action for every asset (:func:`rate_later` with
    the reasons' texts joined).

    Parameters
    ----------
    df : DataFrame
        Assets with cluster and ``plan_*`` people columns, in the plan's row order.
    cand : Candidates
        Donors, receivers and pairs from the co-location step.
    moves : DataFrame
        The chosen moves (positions into ``df``).
    as_of : date
        The date leases are measured from.
    config : PlanConfig
        Weights, thresholds and the plan's limits.
    radius_m : float
        The cluster radius, for the reasons.
    xy : ndarray, optional
        Asset coordinates (n, 2): an asset outside every cluster with another asset
        within the radius is then told why, rather than that it stands alone.
    diameter_m : float, optional
        The cluster width bound (``clustering.max_diameter_m``), for that reason.
    facts : Facts, optional
        :func:`rate_facts` of the same arguments, made already (found here when not given).

    Returns
    -------
    DataFrame
        Same index as ``df`` with ``cost_per_m2_gbp``, ``score``, ``rating``, ``reasons``,
        ``action``, ``people_in``, ``people_out`` and ``spare_after``.
    """
    frame, reasons = rate_later(
        df, cand, moves, as_of, config, radius_m, xy=xy, diameter_m=diameter_m, facts=facts
    )
    frame["reasons"] = reasons.text()
    return frame


def rate_later(
    df: pd.DataFrame,
    cand: Candidates,
    moves: pd.DataFrame,
    as_of: dt.date,
    config: PlanConfig,
    radius_m: float,
    *,
    xy: np.ndarray | None = None,
    diameter_m: float | None = None,
    facts: Facts | None = None,
) -> tuple[pd.DataFrame, _Reasons]:
    """:func:`rate` with the ``reasons`` column left empty (None) and the reasons to join
    (``_Reasons.text``, mostly Arrow work that lets other threads run) returned beside."""
    n = len(df)
    if facts is None:
        facts = rate_facts(df, cand, as_of, config, radius_m, xy=xy, diameter_m=diameter_m)
    # A copy of the reasons: the facts are left as given (they may be used again).
    f, rating, reasons = facts.values, np.array(_RATINGS, dtype=object)[facts.rating], facts.reasons.copy()
    flows = _flows(cand, moves, n)
    action = _plan_reasons(reasons, df, f, rating, moves, flows, config)
    return pd.DataFrame(
        {
            "cost_per_m2_gbp": f["cpm"],
            "score": f["score"],
            "rating": rating,
            "reasons": None,
            "action": action,
            "people_out": flows["out"],
            "people_in": flows["in"],
            "spare_after": flows["spare_after"],
        },
        index=df.index,
    ), reasons


#: The ratings, as :func:`_first_rating` numbers them.
_RATINGS = ("red", "amber", "green", UNRATED)


def _first_rating(f: dict[str, np.ndarray], config: PlanConfig) -> np.ndarray:
    """Red, amber or green from the score; ``unrated`` where utilisation and cost per m² are
    unknown: as numbers into :data:`_RATINGS` (small to send between processes)."""
    rc, score = config.rating, f["score"]
    rating = np.where(score >= rc.red_from, 0, np.where(score >= rc.amber_from, 1, 2))
    return np.where(f["unrated"], 3, rating).astype(np.int8)


def _flows(cand: Candidates, moves: pd.DataFrame, n: int) -> dict[str, np.ndarray]:
    """People moved out of and into each asset, and the spare places a receiver has left."""
    donor, receiver = moves["donor"].to_numpy(dtype=np.int64), moves["receiver"].to_numpy(dtype=np.int64)
    people = moves["people"].to_numpy(dtype=float)
    people_out = np.bincount(donor, weights=people, minlength=n).astype(float)
    people_in = np.bincount(receiver, weights=people, minlength=n).astype(float)
    spare_after = np.where(cand.spare > 0, cand.spare - people_in, 0.0)
    spare_after[people_out > 0] = 0.0
    return {"out": people_out, "in": people_in, "spare_after": spare_after}


def _factors(df: pd.DataFrame, cand: Candidates, as_of: dt.date, config: PlanConfig) -> dict[str, np.ndarray]:
    """The six score factors, the score, and the values the reasons quote."""
    rc = config.rating
    util = df["plan_utilisation"].to_numpy(dtype=float)
    occ = df["plan_occupancy"].to_numpy(dtype=float)
    gia, cost, book = _num(df, "gia_m2"), _num(df, "running_cost_gbp"), _num(df, "book_value_gbp")
    tenure = lowered(df["tenure"])
    cond = df["condition"].astype("string").str.upper().fillna("")
    expiry = pd.to_datetime(df["lease_expiry"], errors="coerce")
    horizon = pd.Timestamp(as_of) + pd.DateOffset(months=rc.lease_months)
    with np.errstate(invalid="ignore", divide="ignore"):
        cpm = np.where((gia > 0) & ~np.isnan(cost), cost / gia, np.nan)
    median = float(np.nanmedian(cpm)) if np.isfinite(cpm).any() else np.nan
    f_util = np.nan_to_num(np.clip((config.well_used - util) / config.well_used, 0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = cpm / median if median and median > 0 else np.full(len(df), np.nan)
    f_cost = np.nan_to_num(np.clip((ratio - 1) / (rc.cost_ratio_full - 1), 0, 1))
    f_cond = cond.map(_CONDITION).fillna(0.0).to_numpy(dtype=float)
    lease_ends = (tenure == "leasehold") & expiry.notna().to_numpy() & (expiry <= horizon).to_numpy()
    per_m2 = config.capital_value_per_m2_gbp
    valued = (book > 0) | ((gia > 0) & (per_m2 is not None and per_m2 > 0))
    f_free = (tenure == "freehold") & valued
    room, nearest, near_dist = _room_for_all(cand, cand.occupancy, config.split_donors)
    weights = np.array(
        [
            rc.weight_utilisation,
            rc.weight_cost,
            rc.weight_condition,
            rc.weight_lease,
            rc.weight_freehold,
            rc.weight_receiver,
        ]
    )
    factors = np.column_stack([f_util, f_cost, f_cond, lease_ends, f_free, room]).astype(float)
    # An unknown utilisation, running cost per m² or condition is left out of the score (the known
    # factors' weights are rescaled), never counted as the best value.
    known = np.column_stack(
        [~np.isnan(util), ~np.isnan(ratio), cond.isin(list(_CONDITION)).to_numpy(), *([np.ones(len(df))] * 3)]
    ).astype(float)
    weight_known = known @ weights
    return {
        "util": util,
        "occ": occ,
        "book": book,
        "cpm": cpm,
        "median": np.array([median]),
        "ratio": ratio,
        "costly": f_cost > 0,
        "cond": cond.to_numpy(dtype=object),
        "expiry": expiry.to_numpy(),
        "lease_ends": lease_ends,
        "freehold": f_free,
        "room": room,
        "nearest": nearest,
        "near_dist": near_dist,
        "cost_known": ~np.isnan(cost),
        "unrated": np.isnan(util) & np.isnan(cpm),
        "score": np.where(
            np.isnan(util) & np.isnan(cpm),
            np.nan,
            np.round(100 * (factors * known) @ weights / np.where(weight_known > 0, weight_known, 1), 1),
        ),
        "well_used": np.nan_to_num(util, nan=-1) >= config.well_used,
        "sensitive": df["sensitive"].fillna(False).to_numpy(dtype=bool),
    }


def _fact_reasons(
    reasons: _Reasons, df: pd.DataFrame, f: dict[str, np.ndarray], as_of: dt.date, config: PlanConfig
) -> None:
    """Reasons stating facts: utilisation, running cost, condition, lease, freehold value."""
    rc = config.rating
    util, well = f["util"], f["well_used"]
    est = _Texts(["", " (estimated)"], df["utilisation_estimated"].to_numpy(dtype=bool).astype(np.int64))
    unknown, unrated, cost_known = np.isnan(util), f["unrated"], f["cost_known"]
    low = ~unknown & ~well & (np.nan_to_num(util) < rc.low_utilisation)
    reasons.add(unrated & ~cost_known, UNRATED_REASON)
    reasons.add(
        unrated & cost_known,
        "not rated: no utilisation known, and no floor area to set the running cost against",
    )
    reasons.add(unknown & ~unrated, "utilisation unknown")
    reasons.add(~cost_known & ~unrated, "running cost unknown")
    reasons.add(
        well,
        _join(
            "well used (",
            _fmt_texts(util[well], ".0%"),
            _Texts(est.table, est.codes[well]),
            f", at or above {config.well_used:.0%}): not for disposal",
        ),
    )
    reasons.add(
        low,
        _join(
            "low utilisation (",
            _fmt_texts(util[low], ".0%"),
            _Texts(est.table, est.codes[low]),
            f", below {rc.low_utilisation:.0%})",
        ),
    )
    c = f["costly"]
    reasons.add(
        c,
        _join(
            "high running cost £",
            _fmt_texts(f["cpm"][c], ",.0f"),
            "/m² (",
            _fmt_texts(f["ratio"][c], ".1f"),
            f"x the estate median {_money(float(f['median'][0]))}/m²)",
        ),
    )
    for grade, word in _CONDITION_WORD.items():
        reasons.add(f["cond"] == grade, f"condition {grade} ({word})")
    ends = f["lease_ends"]
    when = f["expiry"][ends]
    verb = _Texts(["ends", "ended"], (when < np.datetime64(pd.Timestamp(as_of))).astype(np.int64))
    reasons.add(
        ends,
        _join("lease ", verb, " ", _codes(_dates(when, "%d %b %Y")), f" (within {rc.lease_months} months)"),
    )
    with_book = f["freehold"] & (f["book"] > 0)
    reasons.add(with_book, _join("freehold, book value £", _fmt_texts(f["book"][with_book], ",.0f")))
    per_m2 = config.capital_value_per_m2_gbp or 0
    reasons.add(
        f["freehold"] & ~with_book, f"freehold, no book value (capital value taken at {_money(per_m2)}/m²)"
    )


def _place_reasons(
    reasons: _Reasons,
    df: pd.DataFrame,
    f: dict[str, np.ndarray],
    radius_m: float,
    crowded: np.ndarray,
    diameter_m: float | None,
) -> None:
    """Reasons about the place: room nearby, standing alone, sensitive site."""
    room = f["room"] & (f["nearest"] >= 0)
    est = df["occupancy_estimated"].to_numpy(dtype=bool)[room].astype(np.int64)
    near, near_codes = np.unique(f["nearest"][room], return_inverse=True)
    reasons.add(
        room,
        _join(
            "room for its ",
            _fmt_texts(f["occ"][room], ".0f"),
            " people",
            _Texts(["", " (estimated)"], est),
            " at ",
            _Texts(_labels_of(df, near).tolist(), near_codes.ravel().astype(np.int64)),
            ", ",
            _fmt_texts(f["near_dist"][room], ".0f"),
            " m away",
        ),
    )
    alone = df["cluster_id"].isna().to_numpy()
    reasons.add(alone & ~crowded, f"stands alone: no other public building within {radius_m:.0f} m")
    wide = f", or their cluster is already {diameter_m:,.0f} m across" if diameter_m else ""
    reasons.add(
        alone & crowded,
        f"not in a cluster although other public buildings stand within {radius_m:.0f} m: "
        f"too few of them to make one{wide}",
    )
    reasons.add(f["sensitive"], "sensitive site: kept out of moves and disposal; review in confidence")


def _plan_reasons(
    reasons: _Reasons,
    df: pd.DataFrame,
    f: dict[str, np.ndarray],
    rating: np.ndarray,
    moves: pd.DataFrame,
    flows: dict[str, np.ndarray],
    config: PlanConfig,
) -> np.ndarray:
    """The plan's overrides of the rating, their reasons, and each asset's action."""
    n = len(df)
    out, into, spare_after = flows["out"], flows["in"], flows["spare_after"]
    well, sensitive, occ, util = f["well_used"], f["sensitive"], f["occ"], f["util"]
    donor = out > 0
    vacant = ((occ == 0) | (util == 0)) & ~well & ~sensitive & ~donor
    receiver = (into > 0) & ~donor & ~vacant
    action = np.full(n, "retain", dtype=object)
    reasons.add(
        donor,
        _join(
            "plan: moves ",
            _fmt_texts(out[donor], ".0f"),
            " people into ",
            _Texts(_targets(df, moves, n)[donor].tolist(), np.arange(int(donor.sum()), dtype=np.int64)),
        ),
    )
    rating[donor], action[donor] = "red", "relocate"
    reasons.add(vacant, "vacant: no occupants recorded")
    rating[vacant], action[vacant] = "red", "dispose"
    reasons.add(receiver, _join("plan: receives ", _fmt_texts(into[receiver], ".0f"), " people (shared use)"))
    rating[receiver], action[receiver] = "amber", "receive"
    demote = (rating == "red") & (well | sensitive)
    rating[demote] = "amber"
    reasons.add(
        demote,
        _join(
            "rated amber, not red: ", _Texts(["sensitive site", "well used"], well[demote].astype(np.int64))
        ),
    )
    cluster_partners = df["cluster_partners"].to_numpy() if "cluster_partners" in df else np.zeros(n)
    retain = action == "retain"
    share = (
        retain & (cluster_partners >= 2) & ~sensitive & (spare_after >= max(config.min_share_places, 1e-9))
    )
    reasons.add(
        share,
        _join(
            _fmt_texts(spare_after[share], ".0f"),
            f" spare places below the {config.target_ceiling:.0%} ceiling",
        ),
    )
    action[share] = "share"
    action[retain & ~share & (rating == "red")] = "review"
    return action


def _targets(df: pd.DataFrame, moves: pd.DataFrame, n: int) -> np.ndarray:
    """For each donor, its receivers as ``name (partner)``, joined by ``", "`` in move order.

    The labels, stably sorted by donor, make one list per donor that Arrow's ``binary_join``
    joins (no Python string per move).
    """
    text = np.full(n, "", dtype=object)
    if len(moves):
        donor = moves["donor"].to_numpy(dtype=np.int64)
        order = np.argsort(donor, kind="stable")
        labels = _labels_of(df, moves["receiver"].to_numpy(dtype=np.int64)[order])
        d = donor[order]
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        offsets = pa.array(np.r_[starts, len(d)].astype(np.int64))
        lists = pa.LargeListArray.from_arrays(offsets, pa.array(labels, type=pa.string()))
        text[d[starts]] = pc.binary_join(lists, ", ").to_numpy(zero_copy_only=False)
    return text
