"""Choosing the moves: a fast answer for every sub-problem, then branch and cut on a budget.

The moves split into independent sub-problems: the connected groups of donors and receivers
(one cluster holds one or more). Every sub-problem first gets a fast answer:

* the **greedy pass** (the documented simple pass, ``plan.optimiser: greedy``): donors by
  saving, largest first, each into the receiver with most room left that takes it whole;
* for ``milp``, where that leaves donors unmoved, a second pass that fills receivers which
  are not themselves donors first (then the one whose own move would save least), each
  time the one with least room that still fits; the better answer is kept (ties: the
  first).

A sub-problem with one donor, one where every donor moved, and one whose answer reaches
its **capacity bound** (the fractional-knapsack bound: the donors' savings, best saving
per person first, until their people fill all the receivers' spare places) is solved.
With whole moves (``plan.split_donors`` false), each of the rest with at most 20 donors
is then searched exactly (:mod:`assetmap.plan._search`: branch and bound over its
donors, at most ``plan.search_node_limit`` steps each, deterministic), which settles
most of them (``exact-search``; at 10^5 assets 1,219 of 1,227, at 10^6 22,688 of 24,169)
without a solver call (each search is independent of the others', so on a national estate
every second one is searched in a forked process: the same answers). The rest are handed
to ``scipy.optimize.milp`` (HiGHS) in order of what they
could still gain per move choice (bound less answer, over the move choices; ties: estate
order), small ones
together in block-diagonal batches of about 600 move choices (one HiGHS start-up per
batch), each with ``plan.node_limit`` branch-and-bound nodes, within two budgets per run:

* ``plan.work_limit`` (deterministic): the work handed to HiGHS, counted as move choices
  x (1 + branch-and-bound nodes used) of each call; a call is made only while its move
  choices fit in what is left, and its node limit is cut to the rest (at least one node,
  so the budget can be overrun by one node's worth). HiGHS is deterministic, so this
  budget stops a run at the same place on any machine;
* ``plan.time_limit_s`` (wall clock, a backstop for HiGHS; the exact search is bounded
  by its steps, not the clock): each call gets HiGHS's ``time_limit`` = its share of the
  time left, in proportion to its move choices among the calls still
  expected within the work budget (at least half the time left); when it is gone the
  rest keep their fast answer. A call stopped by its time limit (the best answer found,
  or the fast one if better, is kept) and a sub-problem left because the time ran out
  make the run **time-limited**: its figures could then differ on a slower or busier
  machine, and the summary says so (``plan_repeatable: false``).

A sub-problem over ``plan.exact_max_binaries`` move choices is rounded from its linear
relaxation instead (as before). The bound reported per sub-problem is HiGHS's dual bound
where it ran, else the capacity bound (or the answer, where proven optimal).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from .._fork import Forked
from ..config import PlanConfig
from ._colocate import MOVE_COLUMNS, Candidates
from ._search import Figures, search

Move = tuple[int, int, float]

#: Small sub-problems are solved together, this many move choices at a time: they are
#: independent, so one block-diagonal programme gives each its own optimum, and HiGHS's
#: start-up cost is paid once per batch rather than once per cluster (measured 2x faster).
_BATCH_EDGES = 600
#: A sub-problem with more move choices than this is solved on its own, not in a batch.
_BATCH_ALONE = 200

#: A sub-problem with more donors than this goes straight to HiGHS: the search seldom
#: finishes one within its steps (at 10^6 assets, searching them too cost 70% more steps
#: for 4% more saving).
_SEARCH_MAX_DONORS = 20

#: Least share of the time left a solver call is given: a call is cut by the time limit
#: only when it is very slow for its size, not because the machine is busy. A half: what
#: the search leaves HiGHS are the hard sub-problems, one call of which can take 2-3 s at
#: 10^6 assets on a quiet machine (a quarter, 3.75 s of 15, cut such calls on a busy one).
_MIN_SHARE = 0.5

#: Columns of the sub-problems frame.
SUBPROBLEM_COLUMNS = ("donors", "receivers", "edges", "method", "saving", "bound", "work")

#: Methods whose answer is proven optimal.
OPTIMAL = ("exact-single", "exact-all-moved", "exact-bound", "exact-search", "milp-optimal")


def _flush_c_stdout() -> None:
    """Flush the C library's stdout buffer (what HiGHS prints with printf)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Send whatever is written to the process's standard output (file descriptor 1) to
    the null device, and restore it after.

    HiGHS 1.12 prints a debugging line from C++ on some models even with ``disp`` off;
    solver output must never reach the terminal.
    """
    fd = 1
    try:
        saved = os.dup(fd)
    except OSError:
        yield
        return
    for stream in (sys.stdout, sys.__stdout__):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        _flush_c_stdout()
        os.dup2(saved, fd)
        os.close(saved)


@dataclass
class _Budget:
    """What is left of a run's solver budgets."""

    seconds: float
    work: int
    started: float = field(default_factory=time.perf_counter)
    used: int = 0
    out_of_time: bool = False

    def time_left(self) -> float:
        return self.seconds - (time.perf_counter() - self.started)

    def node_allowance(self, edges: int, node_limit: int) -> int:
        """Nodes a call of ``edges`` move choices may use; -1 when its move choices do not
        fit in what is left (a call always gets at least one node, so the budget can be
        overrun by at most one node's worth)."""
        if self.work - self.used < edges:
            return -1
        return int(max(1, min(node_limit, (self.work - self.used - edges) // max(edges, 1))))


def _value(moves: list[Move], c: Candidates) -> float:
    return float(sum(c.saving[d] for d in {m[0] for m in moves}))


def _greedy(e: np.ndarray, c: Candidates, split: bool, rule: str = "room") -> list[Move]:
    """One greedy pass over every donor in ``e`` (largest saving first, ties by position).

    ``rule="room"``: each donor into the receiver with most room left that takes it (ties:
    lower position) - the simple pass. ``rule="fit"``: into a receiver that is not a donor
    (or already receives) first, then the one whose own move would save least, then the
    one with least room left that takes it. With ``split``, a donor fills receivers in
    that order until its people fit. Sub-problems are independent, so one pass over all
    of them gives each its own answer.
    """
    if not len(e):
        return []
    donors, start, count = np.unique(e[:, 0], return_index=True, return_counts=True)
    order = np.lexsort((donors, -c.saving[donors])).tolist()
    receivers = np.unique(e[:, 1])
    left = dict(zip(receivers.tolist(), c.spare[receivers].tolist(), strict=True))
    saving = dict(zip(receivers.tolist(), c.saving[receivers].tolist(), strict=True))
    people_of, recv = c.occupancy[donors].tolist(), e[:, 1].tolist()
    donors_l, start_l, end_l = donors.tolist(), start.tolist(), (start + count).tolist()
    vacated: set[int] = set()
    receiving: set[int] = set()
    moves: list[Move] = []
    room = rule == "room"
    for i in order:
        d = donors_l[i]
        if d in receiving:
            continue
        people = people_of[i]
        if split:
            options = [r for r in recv[start_l[i] : end_l[i]] if r not in vacated]
            if room:
                keys = [(-left[r], r) for r in options]
            else:
                keys = [(0.0 if r in receiving else saving[r], left[r], r) for r in options]
            plan = _fill([r for _, r in sorted(zip(keys, options, strict=True))], left, people)
        else:
            best, best_key = -1, None
            for r in recv[start_l[i] : end_l[i]]:
                if r in vacated or left[r] < people - 1e-9:
                    continue
                key = (-left[r], r) if room else (0.0 if r in receiving else saving[r], left[r], r)
                if best_key is None or key < best_key:
                    best, best_key = r, key
            plan = [(best, people)] if best >= 0 else []
        for r, take in plan:
            left[r] -= take
            receiving.add(r)
            moves.append((d, r, take))
        if plan:
            vacated.add(d)
    return moves


def _rank_in_group(group: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each item's place (0, 1, ...) among the items of its ``group``, taken in ``order``."""
    ordered = group[order]
    by_group = np.argsort(ordered, kind="stable")
    starts = np.flatnonzero(np.r_[True, ordered[by_group][1:] != ordered[by_group][:-1]])
    place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order[by_group]] = place
    return rank


def _greedy_whole(e: np.ndarray, comp: np.ndarray, c: Candidates, rule: str = "room") -> list[Move]:
    """:func:`_greedy` for whole moves, every sub-problem at once (``comp``: each edge's).

    Sub-problems share no donor or receiver, so the pass can take the first donor of every
    sub-problem together, then the second, and so on, each step in numpy: the same moves as
    :func:`_greedy` (tested), in the same order, with the same arithmetic on each
    receiver's room.
    """
    if not len(e):
        return []
    donors, start, count = np.unique(e[:, 0], return_index=True, return_counts=True)
    order = np.lexsort((donors, -c.saving[donors]))
    rank = _rank_in_group(comp[start], order)
    owner = np.repeat(np.arange(len(donors)), count)  # each edge's donor (edges come by donor)
    edges = np.argsort(rank[owner], kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(rank[owner]))].tolist()
    state = (c.spare.astype(float), np.zeros(len(c.spare), bool), np.zeros(len(c.spare), bool))
    picked = [_greedy_step(e, edges[a:b], owner, c, state, rule) for a, b in itertools.pairwise(bounds)]
    kept = [p for p in picked if len(p)]
    if not kept:
        return []
    moved = np.concatenate(kept)
    place = np.empty(len(donors), dtype=np.int64)
    place[order] = np.arange(len(donors))
    moved = moved[np.argsort(place[owner[moved]])]
    d, r = e[moved, 0], e[moved, 1]
    return list(zip(d.tolist(), r.tolist(), c.occupancy[d].tolist(), strict=True))


def _greedy_step(
    e: np.ndarray,
    at: np.ndarray,
    owner: np.ndarray,
    c: Candidates,
    state: tuple[np.ndarray, np.ndarray, np.ndarray],
    rule: str,
) -> np.ndarray:
    """Move one donor per sub-problem (the edges ``at`` are theirs); returns the edges used."""
    left, receiving, vacated = state
    d, r = e[at, 0], e[at, 1]
    ok = ~receiving[d] & ~vacated[r] & (left[r] >= c.occupancy[d] - 1e-9)
    at, d, r = at[ok], d[ok], r[ok]
    if not len(at):
        return at
    if rule == "room":  # most room left, ties: lower position
        pick = np.lexsort((r, -left[r], owner[at]))
    else:  # not a donor (or receiving already) first, then smallest saving, least room
        pick = np.lexsort((r, left[r], np.where(receiving[r], 0.0, c.saving[r]), owner[at]))
    first = pick[np.r_[True, owner[at][pick][1:] != owner[at][pick][:-1]]]
    d, r = d[first], r[first]
    left[r] -= c.occupancy[d]
    receiving[r] = True
    vacated[d] = True
    return at[first]


def _fill(options: list[int], left: dict[int, float], people: float) -> list[tuple[int, float]]:
    """A split donor's people over receivers in order, or none if they do not all fit."""
    if sum(left[r] for r in options) < people - 1e-9:
        return []
    plan, need = [], people
    for r in options:
        take = min(need, left[r])
        if take > 1e-9:
            plan.append((r, take))
            need -= take
        if need <= 1e-9:
            break
    return plan


def _capacity_bound(e: np.ndarray, comp: np.ndarray, k: int, c: Candidates) -> np.ndarray:
    """Per sub-problem, the most its donors could save if people only had to fit in total.

    A vacated donor's people need places, and its own spare places (if it is also a
    receiver) are lost: so the donors moved have ``sum(people + own spare) <= all the
    receivers' spare places``. The fractional-knapsack optimum of that (best saving per
    place first, the last one in part) is an upper bound on any plan."""
    d = pd.DataFrame({"comp": comp, "d": e[:, 0]}).drop_duplicates()
    r = pd.DataFrame({"comp": comp, "r": e[:, 1]}).drop_duplicates()
    room = np.bincount(r["comp"].to_numpy(), weights=c.spare[r["r"].to_numpy()], minlength=k)
    own = pd.Series(True, index=pd.MultiIndex.from_frame(r.rename(columns={"r": "d"})))
    dc, dd = d["comp"].to_numpy(), d["d"].to_numpy()
    receives = own.reindex(pd.MultiIndex.from_arrays([dc, dd]), fill_value=False).to_numpy(dtype=bool)
    weight = np.maximum(c.occupancy[dd] + np.where(receives, c.spare[dd], 0.0), 1e-9)
    order = np.lexsort((dd, -c.saving[dd] / weight, dc))
    dc, dd, weight = dc[order], dd[order], weight[order]
    cum = pd.Series(weight).groupby(dc).cumsum().to_numpy()
    take = np.clip((room[dc] - (cum - weight)) / weight, 0.0, 1.0)
    return np.bincount(dc, weights=c.saving[dd] * take, minlength=k)


@dataclass
class _Sub:
    """One sub-problem: its edges (positions into the edge array), answer and status."""

    index: int
    edges: np.ndarray
    moves: list[Move]
    value: float
    bound: float
    method: str
    work: int = 0
    donors: int = 0


def edge_groups(e: np.ndarray) -> np.ndarray:
    """The sub-problem (0, 1, ...) of each edge: the connected groups of donors and receivers."""
    nodes, inv = np.unique(e.ravel(), return_inverse=True)
    inv = inv.reshape(e.shape)
    graph = sparse.coo_array((np.ones(len(e)), (inv[:, 0], inv[:, 1])), shape=(len(nodes), len(nodes)))
    _, node_comp = connected_components(graph, directed=False)
    return np.unique(node_comp[inv[:, 0]], return_inverse=True)[1].ravel()


def _subproblems(c: Candidates, config: PlanConfig) -> list[_Sub]:
    """Split the edges into sub-problems and give each its fast answer and bound."""
    e = c.edges
    comp = edge_groups(e)
    k = int(comp.max()) + 1
    first = _greedy(e, c, True) if config.split_donors else _greedy_whole(e, comp, c)
    donor_comp = pd.Series(comp).groupby(e[:, 0]).first()
    all_savings = np.bincount(
        donor_comp.to_numpy(), weights=c.saving[donor_comp.index.to_numpy()], minlength=k
    )
    n_donors = np.bincount(donor_comp.to_numpy(), minlength=k)
    answers, values = _by_comp(first, donor_comp, k, c)
    bound = np.minimum(_capacity_bound(e, comp, k, c), all_savings)
    if config.optimiser == "milp":
        short = np.flatnonzero((n_donors > 1) & (values < all_savings - 1e-6))
        if len(short):
            mask = np.isin(comp, short)
            if config.split_donors:
                fit = _greedy(e[mask], c, True, "fit")
            else:
                fit = _greedy_whole(e[mask], comp[mask], c, "fit")
            second, second_values = _by_comp(fit, donor_comp, k, c)
            for j in short[second_values[short] > values[short] + 1e-6].tolist():
                answers[j], values[j] = second[j], second_values[j]
    order = np.argsort(comp, kind="stable")
    parts = np.split(order, np.flatnonzero(np.diff(comp[order])) + 1)
    subs = []
    for j, part in enumerate(parts):
        if config.optimiser == "greedy":
            method = "greedy"
        elif n_donors[j] == 1:
            method = "exact-single"
        elif values[j] >= all_savings[j] - 1e-6:
            method = "exact-all-moved"
        elif values[j] >= bound[j] - 1e-6:
            method = "exact-bound"
        else:
            method = "heuristic"
        proven = method.startswith("exact")
        subs.append(
            _Sub(
                j,
                part,
                answers[j],
                float(values[j]),
                float(values[j] if proven else bound[j]),
                method,
                donors=int(n_donors[j]),
            )
        )
    return subs


def _by_comp(
    moves: list[Move], donor_comp: pd.Series, k: int, c: Candidates
) -> tuple[list[list[Move]], np.ndarray]:
    """The moves of each of ``k`` sub-problems, and what each releases."""
    out: list[list[Move]] = [[] for _ in range(k)]
    if not moves:
        return out, np.zeros(k)
    donors = np.array([mv[0] for mv in moves], dtype=np.int64)
    comp = donor_comp.reindex(donors).to_numpy(dtype=np.int64)
    for j, mv in zip(comp.tolist(), moves, strict=True):
        out[j].append(mv)
    moved, first = np.unique(donors, return_index=True)
    return out, np.bincount(comp[first], weights=c.saving[moved], minlength=k)


@dataclass
class _Outcome:
    """What one solver call gave: moves, how, the upper bound (None: unknown), nodes used."""

    moves: list[Move]
    how: str
    bound: float | None
    nodes: int


def _options(config: PlanConfig, node_limit: int, time_limit: float) -> dict[str, object]:
    return {
        "disp": False,
        "presolve": True,
        "node_limit": int(node_limit),
        "mip_rel_gap": config.mip_rel_gap,
        "time_limit": max(float(time_limit), 1e-3),
    }


def _timed_out(res: object) -> bool:
    return "time limit" in str(getattr(res, "message", "")).lower()


def _run(
    obj: np.ndarray,
    integer: np.ndarray,
    upper: np.ndarray,
    cons: list[LinearConstraint],
    config: PlanConfig,
    limits: tuple[int, float],
    exact: bool,
) -> tuple[np.ndarray | None, str, float | None, int]:
    """Solve a maximisation written as ``min obj @ x``: returns x, how, upper bound, nodes.

    Up to ``plan.exact_max_binaries`` binaries (or ``exact``): branch and cut within the
    node and time ``limits`` (the bound is HiGHS's dual bound). Larger: the LP relaxation
    first; integral is optimal; otherwise an all-binary model returns the LP answer for
    rounding (``lp-round``) and one with continuous variables keeps the binaries the LP
    set to 0 or 1 and solves the rest (``milp-lp-fix``). The LP value is then the bound.
    """
    nodes, seconds = limits
    started = time.perf_counter()
    if exact or integer.sum() <= config.exact_max_binaries:
        res = milp(obj, integrality=integer, bounds=Bounds(0, upper), constraints=cons,
                   options=_options(config, nodes, seconds))  # fmt: skip
        used = int(getattr(res, "mip_node_count", 0) or 0)
        if res.x is None:
            return None, ("milp-time-limit" if _timed_out(res) else "infeasible"), None, used
        dual = getattr(res, "mip_dual_bound", None)
        timed = _timed_out(res)
        how = "milp-optimal" if res.status == 0 else ("milp-time-limit" if timed else "milp-node-limit")
        if dual is not None and np.isfinite(dual):
            return res.x, how, float(-dual), used
        return res.x, how, (float(-res.fun) if how == "milp-optimal" else None), used
    lp = milp(obj, integrality=np.zeros(len(obj)), bounds=Bounds(0, upper), constraints=cons,
              options={"disp": False, "time_limit": max(seconds, 1e-3)})  # fmt: skip
    if lp.x is None:
        return None, ("milp-time-limit" if _timed_out(lp) else "infeasible"), None, 0
    bound, x = float(-lp.fun), lp.x
    frac = integer.astype(bool) & (np.abs(x - np.round(x)) > 1e-6)
    if not frac.any():
        return x, "milp-optimal", bound, 0
    if integer.all():
        return x, "lp-round", bound, 0
    fixed = integer.astype(bool) & ~frac
    lower, top = np.zeros(len(obj)), upper.astype(float).copy()
    lower[fixed] = top[fixed] = np.round(x[fixed])
    rest = seconds - (time.perf_counter() - started)
    res = milp(obj, integrality=integer, bounds=Bounds(lower, top), constraints=cons,
               options=_options(config, nodes, rest))  # fmt: skip
    used = int(getattr(res, "mip_node_count", 0) or 0)
    return res.x, ("milp-time-limit" if _timed_out(res) else "milp-lp-fix"), bound, used


def _round(e: np.ndarray, x: np.ndarray, c: Candidates) -> list[Move]:
    """Round an LP answer: donors by LP value then saving, each to its best-valued receiver that fits."""
    lp_donor = pd.Series(x).groupby(e[:, 0]).sum()
    order = sorted(lp_donor.index.tolist(), key=lambda d: (-round(lp_donor[d], 6), -c.saving[d], d))
    left = {int(r): float(c.spare[r]) for r in np.unique(e[:, 1])}
    by_donor: dict[int, list[tuple[float, int]]] = {}
    for (d, r), v in zip(e.tolist(), x.tolist(), strict=True):
        by_donor.setdefault(d, []).append((-round(v, 6), r))
    vacated: set[int] = set()
    receiving: set[int] = set()
    moves: list[Move] = []
    for d in order:
        if d in receiving:
            continue
        people = float(c.occupancy[d])
        for _, r in sorted(by_donor[d], key=lambda t: (t[0], -left[t[1]], t[1])):
            if r not in vacated and left[r] >= people - 1e-9:
                left[r] -= people
                receiving.add(r)
                vacated.add(d)
                moves.append((d, r, people))
                break
    return moves


def _model(e: np.ndarray, c: Candidates, split: bool) -> tuple[np.ndarray, ...] | tuple[object, ...]:
    """The programme of edges ``e``: objective, integrality, upper bounds, constraints, and
    the donor index of each edge (``ed``) for reading a split answer."""
    m = len(e)
    donors, receivers = np.unique(e[:, 0]), np.unique(e[:, 1])
    ed, er = np.searchsorted(donors, e[:, 0]), np.searchsorted(receivers, e[:, 1])
    occ = c.occupancy[e[:, 0]]
    # Receivers that are also donors: moving out uses up all their room.
    both = np.flatnonzero(np.isin(receivers, donors))
    both_d = np.searchsorted(donors, receivers[both])
    cols = np.arange(m)
    if not split:
        # z_e in {0,1}: donor e[0] moves wholly to receiver e[1].
        one = sparse.csr_array((np.ones(m), (ed, cols)), shape=(len(donors), m))
        out = pd.DataFrame({"d": ed, "col": cols}).merge(pd.DataFrame({"d": both_d, "ri": both}), on="d")
        rows = np.r_[er, out["ri"].to_numpy()]
        vals = np.r_[occ, c.spare[receivers[out["ri"].to_numpy()]]]
        room = sparse.csr_array((vals, (rows, np.r_[cols, out["col"].to_numpy()])), shape=(len(receivers), m))
        cons = [LinearConstraint(one, -np.inf, 1), LinearConstraint(room, -np.inf, c.spare[receivers])]
        return -c.saving[e[:, 0]], np.ones(m), np.ones(m), cons, ed
    # Split: y_e people (continuous), x_d vacated (binary), variables [y..., x...].
    nd = len(donors)
    eq = sparse.csr_array(
        (np.r_[np.ones(m), -c.occupancy[donors]], (np.r_[ed, np.arange(nd)], np.arange(m + nd))),
        shape=(nd, m + nd),
    )
    rows, cc = np.r_[er, both], np.r_[cols, m + both_d]
    vals = np.r_[np.ones(m), c.spare[receivers[both]]]
    room = sparse.csr_array((vals, (rows, cc)), shape=(len(receivers), m + nd))
    cons = [LinearConstraint(eq, 0, 0), LinearConstraint(room, -np.inf, c.spare[receivers])]
    obj = np.r_[np.zeros(m), -c.saving[donors]]
    return obj, np.r_[np.zeros(m), np.ones(nd)], np.r_[occ, np.ones(nd)], cons, ed


def _milp(
    e: np.ndarray, c: Candidates, config: PlanConfig, limits: tuple[int, float], exact: bool
) -> _Outcome:
    """Optimise the edges ``e`` (one sub-problem or a batch of them)."""
    obj, integer, upper, cons, ed = _model(e, c, config.split_donors)
    x, how, bound, nodes = _run(obj, integer, upper, cons, config, limits, exact)
    if x is None:
        return _Outcome([], how, bound, nodes)
    m = len(e)
    if not config.split_donors:
        if how == "lp-round":
            return _Outcome(_round(e, x, c), how, bound, nodes)
        z = np.flatnonzero(np.round(x).astype(bool))
        return _Outcome(
            [(int(e[i, 0]), int(e[i, 1]), float(c.occupancy[e[i, 0]])) for i in z], how, bound, nodes
        )
    vac, y = np.round(x[m:]).astype(bool), x[:m]
    moves = [(int(e[i, 0]), int(e[i, 1]), float(y[i])) for i in range(m) if vac[ed[i]] and y[i] > 1e-6]
    return _Outcome(moves, how, bound, nodes)


def _calls(queue: list[_Sub], config: PlanConfig) -> list[list[_Sub]]:
    """Group the queue into solver calls, in queue order: small sub-problems in batches of
    about ``_BATCH_EDGES`` move choices, larger ones alone."""
    calls: list[list[_Sub]] = []
    batch: list[_Sub] = []
    size = 0
    for sub in queue:
        n = len(sub.edges)
        if n > min(_BATCH_ALONE, config.exact_max_binaries):
            calls.append([sub])
            continue
        batch.append(sub)
        size += n
        if size >= _BATCH_EDGES:
            calls.append(batch)
            batch, size = [], 0
    if batch:
        calls.append(batch)
    return calls


def _apply(call: list[_Sub], found: _Outcome, c: Candidates, work: int) -> None:
    """Keep each sub-problem's better answer (the solver's or its fast one) and say how."""
    by_donor: dict[int, list[Move]] = {}
    for mv in found.moves:
        by_donor.setdefault(mv[0], []).append(mv)
    slack = None if found.bound is None else max(found.bound - _value(found.moves, c), 0.0)
    for i, sub in enumerate(call):
        mine = [mv for d in sorted(set(c.edges[sub.edges, 0].tolist())) for mv in by_donor.get(d, [])]
        value = _value(mine, c)
        better = value > sub.value + 1e-6
        if better:
            sub.moves, sub.value = mine, value
        sub.work = work if i == 0 else 0
        if found.how == "milp-optimal":
            # Proven within mip_rel_gap; a batch's gap to its bound is carried on its first.
            sub.method = "milp-optimal"
            sub.bound = sub.value + (slack if (i == 0 and slack is not None) else 0.0)
            continue
        if len(call) == 1 and found.bound is not None:
            sub.bound = min(sub.bound, found.bound)
        if found.how == "milp-time-limit":
            sub.method = "milp-time-limit"
        else:
            sub.method = found.how if better else "heuristic-better"


def _search_open(
    subs: list[_Sub], c: Candidates, config: PlanConfig, *, parallel: bool | None = None
) -> None:
    """Settle the open sub-problems by exact search where it finishes within its step limit.

    A finished search proves its answer optimal (``exact-search``): the fast answer where
    nothing beats it, else the better moves found. The others stay open for HiGHS. The
    search is bounded by its steps alone (at most ``plan.search_node_limit`` per
    sub-problem, so its cost grows with the estate like any other stage's), never by the
    clock: its answers are the same however busy the machine. Each sub-problem's search is
    independent of the others', so with ``parallel`` (None: from
    :data:`SEARCH_PROCESS_FROM` open sub-problems) every second one is searched in a forked
    process beside this one: the same answers (tested), on two cores.
    """
    open_subs = [sub for sub in subs if sub.method == "heuristic" and sub.donors <= _SEARCH_MAX_DONORS]
    if not open_subs:
        return
    # The figures of the buildings concerned as plain Python, read once (not per search).
    rows = np.concatenate([sub.edges for sub in open_subs])
    every = c.edges[rows]
    lookup = Figures.of(c, np.unique(every))
    edge_lists = every.tolist()
    ends = np.cumsum([len(sub.edges) for sub in open_subs]).tolist()
    starts = [0, *ends[:-1]]
    jobs = [(edge_lists[a:b], sub.value) for sub, a, b in zip(open_subs, starts, ends, strict=True)]
    if parallel is None:
        parallel = len(jobs) >= SEARCH_PROCESS_FROM
    search_all = _search_split if parallel else _search_jobs
    found = search_all(jobs, lookup, config.search_node_limit)
    for sub, (finished, moves) in zip(open_subs, found, strict=True):
        if not finished:
            continue
        if moves is not None:
            sub.moves, sub.value = moves, _value(moves, c)
        sub.method, sub.bound = "exact-search", sub.value


#: Open sub-problems from which the exact search is shared with a forked process (at 10^6
#: assets about 23,000, 2.8 CPU s; at 10^5 about 1,200, too few to pay for the process).
SEARCH_PROCESS_FROM = 4_000

_Job = tuple[list[list[int]], float]

#: Which jobs of every five :func:`_search_split` gives the forked process.
_FORKED_SHARE = (1, 3)


def _search_jobs(jobs: list[_Job], lookup: Figures, limit: int) -> list[tuple[bool, list[Move] | None]]:
    """Search each ``(edges, incumbent)``: whether it finished, and the better moves found."""
    return [search(edges, lookup, incumbent=value, limit=limit)[:2] for edges, value in jobs]


def _search_split(jobs: list[_Job], lookup: Figures, limit: int) -> list[tuple[bool, list[Move] | None]]:
    """:func:`_search_jobs` with two jobs in every five searched in a forked process
    meanwhile (here, where no process could be had or it died)."""
    # The forked process searches two jobs in every five: it starts later (the fork) and runs
    # slower (each object it touches is copied first), and this one waits for it.
    given = [i for i in range(len(jobs)) if i % 5 in _FORKED_SHARE]
    kept = [i for i in range(len(jobs)) if i % 5 not in _FORKED_SHARE]
    theirs = Forked(lambda _send: _search_jobs([jobs[i] for i in given], lookup, limit))
    try:
        mine = _search_jobs([jobs[i] for i in kept], lookup, limit)
    except BaseException:
        theirs.stop()
        raise
    done = theirs.receive(lambda _message: None)
    found = done.value if done is not None else _search_jobs([jobs[i] for i in given], lookup, limit)
    out: list[tuple[bool, list[Move] | None]] = [(False, None)] * len(jobs)
    for i, answer in zip(kept, mine, strict=True):
        out[i] = answer
    for i, answer in zip(given, found, strict=True):  # type: ignore[call-overload]
        out[i] = answer
    return out


def _optimise(subs: list[_Sub], c: Candidates, config: PlanConfig) -> None:
    """Improve the open sub-problems with HiGHS, best expected gain per move choice first,
    within the run's work and time budgets (see the module docstring)."""
    queue = [s for s in subs if s.method == "heuristic"]
    queue.sort(key=lambda s: (-(s.bound - s.value) / len(s.edges), s.index))
    calls = _calls(queue, config)
    sizes = [sum(len(s.edges) for s in call) for call in calls]
    budget = _Budget(float(config.time_limit_s), int(config.work_limit))
    ahead = sum(sizes)
    with _quiet():
        for call, size in zip(calls, sizes, strict=True):
            ahead -= size
            nodes = budget.node_allowance(size, config.node_limit)
            if nodes < 0:
                continue
            left = budget.time_left()
            if left <= 0:
                budget.out_of_time = True
                for sub in call:
                    sub.method = "heuristic-no-time"
                continue
            share = left * size / max(min(ahead + size, budget.work - budget.used), size)
            share = min(left, max(share, _MIN_SHARE * left))
            e = c.edges[np.concatenate([s.edges for s in call])]
            found = _milp(e, c, config, (nodes, share), exact=len(call) > 1)
            work = size * (1 + found.nodes)
            budget.used += work
            _apply(call, found, c, work)


def solve(
    c: Candidates, config: PlanConfig, *, parallel: bool | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Choose the moves.

    ``parallel``: share the exact search with a forked process (None: when there are
    many sub-problems to search; the answers are the same either way).

    Returns
    -------
    moves : DataFrame
        :data:`MOVE_COLUMNS`, sorted by donor then receiver.
    subproblems : DataFrame
        One row per sub-problem (:data:`SUBPROBLEM_COLUMNS`): ``donors``, ``receivers``,
        ``edges`` (move choices), ``method`` (``exact-single``, ``exact-all-moved``,
        ``exact-bound``, ``exact-search``, ``milp-optimal``, ``milp-node-limit``, ``milp-time-limit``,
        ``lp-round``, ``milp-lp-fix``, ``heuristic-better`` (the solver ran but the fast
        answer was better), ``heuristic`` (left for the work budget), ``heuristic-no-time``
        (left because the time ran out) or ``greedy``), ``saving``, ``bound`` (the most its
        moves could release) and ``work`` (solver work charged to it).
    """
    cols = list(MOVE_COLUMNS)
    if not len(c.edges):
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=list(SUBPROBLEM_COLUMNS))
    subs = _subproblems(c, config)
    if config.optimiser == "milp":
        if not config.split_donors and config.search_node_limit > 0:
            _search_open(subs, c, config, parallel=parallel)
        _optimise(subs, c, config)
    comp = np.empty(len(c.edges), dtype=np.int64)
    for sub in subs:
        comp[sub.edges] = sub.index
    k = len(subs)

    # Each sub-problem's distinct receivers: its distinct (sub-problem, receiver) pairs.
    receiver = c.edges[:, 1].astype(np.int64)
    pairs = np.unique(comp * (int(receiver.max()) + 1) + receiver)
    receivers = np.bincount(pairs // (int(receiver.max()) + 1), minlength=k)

    info = pd.DataFrame(
        {
            "donors": np.array([sub.donors for sub in subs], dtype=np.int64),
            "receivers": receivers,
            "edges": np.bincount(comp, minlength=k),
            "method": [sub.method for sub in subs],
            "saving": [sub.value for sub in subs],
            "bound": [max(sub.bound, sub.value) for sub in subs],
            "work": [sub.work for sub in subs],
        }
    )
    frame = pd.DataFrame([mv for sub in subs for mv in sub.moves], columns=["donor", "receiver", "people"])
    # Donors' people and receivers' places are in tenths, so a move is too: drop the solver's float noise.
    frame["people"] = frame["people"].round(1)
    total = frame.groupby("donor")["people"].transform("sum")
    frame["share_of_donor"] = frame["people"] / total.where(total > 0)
    frame = frame.sort_values(["donor", "receiver"], kind="mergesort").reset_index(drop=True)
    return frame[cols], info[list(SUBPROBLEM_COLUMNS)]
