"""The co-location plan: which under-used buildings move their people, and where to.

Method
------
Within each cluster, a **donor** is a building that is not sensitive, has people
(``plan_occupancy > 0``), a running cost above 0 and a utilisation below
``plan.donor_max_utilisation`` (default 0.6, never at or above ``plan.well_used``). A
**receiver** is any non-sensitive, occupied building of any partner in the same cluster with room
below the ceiling: ``spare = plan.target_ceiling * plan_capacity - plan_occupancy > 0``.
A donor may move to its ``plan.max_receivers_per_donor`` nearest receivers within
``clustering.radius_m`` (ties by position); without ``split_donors`` a receiver must have
room for the whole donor.

Vacating donor ``d`` releases ``saving_d = running_cost_d * (1 - people_follow_share)``.
The plan maximises the total released, subject to: each donor moves at most once (to one
receiver, or split over several with ``split_donors``); a receiver never exceeds its spare
places; a building that is vacated receives nobody. This is a mixed-integer programme
(binary ``z[d, r]``: donor ``d`` moves wholly into ``r``) solved with
``scipy.optimize.milp`` (HiGHS) on each connected component of the donor-receiver graph:

1. a component with a single donor is solved exactly by direct search, and one where the
   greedy pass already moves every donor is optimal as it stands;
2. otherwise the LP relaxation is solved; if it is integral it is optimal;
3. a component with at most ``plan.exact_max_binaries`` (1000) move choices is solved by
   HiGHS branch and cut to ``plan.mip_rel_gap`` (HiGHS's 0.01%) within
   ``plan.node_limit`` nodes (deterministic, unlike a time limit);
4. a larger component (a dense town) is rounded from the LP: donors in order of LP value
   then saving, each into the receiver the LP favoured that still has room
   (``lp-round``; with ``split_donors`` the LP's whole choices are fixed and the rest
   solved by branch and cut, ``milp-lp-fix``), so the plan stays fast at 10^5 assets.

The LP value is an upper bound on what any plan could release, reported per component
(``subproblems.bound``) and in total (``summary['moves_saving_bound_gbp']``). Whenever
the answer is not proven optimal, the greedy answer is computed too and the better kept.
``plan.optimiser: greedy`` gives the simple pass instead: donors by saving (largest
first), each into the receiver with most room left that takes it whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..config import PlanConfig

#: Small sub-problems are solved together, this many move choices at a time: they are
#: independent, so one block-diagonal programme gives each its own optimum, and HiGHS's
#: start-up cost is paid once per batch rather than once per cluster (measured 2x faster).
_BATCH_EDGES = 600

#: Columns of the moves frame (positions are 0-based rows of the assets frame).
MOVE_COLUMNS = ("donor", "receiver", "people", "share_of_donor")


@dataclass(frozen=True)
class Candidates:
    """Donors, receivers and the edges between them (all positions into the assets frame)."""

    occupancy: np.ndarray  # people per asset (NaN unknown)
    spare: np.ndarray  # spare places below the ceiling per asset (0 when not a receiver)
    saving: np.ndarray  # saving if vacated (0 when not a donor)
    donor: np.ndarray  # bool per asset
    edges: np.ndarray  # (m, 2) donor, receiver; sorted by donor then nearness
    distance: np.ndarray  # (m,) metres


def find_candidates(
    xy: np.ndarray,
    cluster: np.ndarray,
    occupancy: np.ndarray,
    capacity: np.ndarray,
    utilisation: np.ndarray,
    running_cost: np.ndarray,
    sensitive: np.ndarray,
    radius_m: float,
    config: PlanConfig,
    group: np.ndarray | None = None,
) -> Candidates:
    """Donors, receivers and the donor->receiver pairs the plan may use.

    ``cluster`` is an object array of cluster ids (None where alone); ``group`` an object
    array of use groups (:func:`use_groups`; None for operational buildings that take no
    part in moves; all one group when not given); the other arrays are floats (NaN
    unknown) or bools, one entry per asset.
    """
    if group is None:
        group = np.full(len(xy), "all", dtype=object)
    movable = np.array([g is not None for g in group], dtype=bool)
    clustered = pd.notna(cluster) & np.isfinite(xy).all(axis=1) & ~sensitive & movable
    with np.errstate(invalid="ignore"):
        donor = (
            clustered
            & (occupancy > 0)
            & (running_cost > 0)
            & (utilisation < config.donor_max_utilisation)
            & (utilisation < config.well_used)
            & (capacity > 0)
        )
        # A vacant building is for disposal, not a receiver.
        spare = np.where(
            clustered & (capacity > 0) & (occupancy > 0), config.target_ceiling * capacity - occupancy, 0.0
        )
    spare = np.where(np.isnan(spare) | (spare <= 1e-9), 0.0, spare)
    saving = np.where(donor, running_cost * (1.0 - config.people_follow_share), 0.0)
    saving = np.nan_to_num(saving)
    receivers = np.flatnonzero(spare > 0)
    donors = np.flatnonzero(donor)
    empty = np.empty((0, 2), dtype=np.int64)
    if not len(receivers) or not len(donors):
        return Candidates(occupancy, spare, saving, donor, empty, np.empty(0))
    tree = cKDTree(xy[receivers])
    k = min(len(receivers), 4 * config.max_receivers_per_donor + 1)
    dist, idx = tree.query(xy[donors], k=k, distance_upper_bound=radius_m)
    dist = dist.reshape(len(donors), k)
    idx = idx.reshape(len(donors), k)
    rows: list[np.ndarray] = []
    dists: list[np.ndarray] = []
    for i, d in enumerate(donors):
        ok = np.isfinite(dist[i])
        r = receivers[idx[i][ok]]
        dd = dist[i][ok]
        keep = (r != d) & (cluster[r] == cluster[d]) & (group[r] == group[d])
        if not config.split_donors:
            keep &= spare[r] >= occupancy[d] - 1e-9
        r, dd = r[keep], dd[keep]
        order = np.lexsort((r, dd))[: config.max_receivers_per_donor]
        if len(order):
            rows.append(np.column_stack([np.full(len(order), d), r[order]]))
            dists.append(dd[order])
    if not rows:
        return Candidates(occupancy, spare, saving, donor, empty, np.empty(0))
    edges = np.vstack(rows).astype(np.int64)
    return Candidates(occupancy, spare, saving, donor, edges, np.concatenate(dists))


def _phrase(key: str) -> str:
    return r"\b" + re.escape(key.lower().strip()) + r"(?:s|es)?\b"


def use_groups(use: pd.Series, config: PlanConfig) -> np.ndarray:
    """The use group of each asset: people move only within a group.

    Operational uses (``plan.fixed_uses``) give None: such buildings neither send nor
    receive people. A use matching a ``plan.use_groups`` phrase takes that group (longest
    phrase first); any other use is its own group (``use:<text>``); no use is ``unknown``.
    """
    text = use.astype("string").str.lower().str.strip().fillna("")
    out = np.where(text == "", "unknown", "use:" + text).astype(object)
    done = np.zeros(len(use), dtype=bool)
    keys = [(k, g) for g, ks in config.use_groups.items() for k in ks] + [
        (k, None) for k in config.fixed_uses
    ]
    for key, grp in sorted(keys, key=lambda kg: (-len(kg[0]), kg[0])):
        hit = text.str.contains(_phrase(key), regex=True).to_numpy(dtype=bool) & ~done
        out[hit] = grp
        done |= hit
    return out


def _greedy(e: np.ndarray, c: Candidates, split: bool) -> list[tuple[int, int, float]]:
    """Largest saving first, each donor into the receiver with most room left."""
    donors = np.unique(e[:, 0])
    order = sorted(donors.tolist(), key=lambda d: (-c.saving[d], d))
    left = {int(r): float(c.spare[r]) for r in np.unique(e[:, 1])}
    vacated: set[int] = set()
    receiving: set[int] = set()
    moves: list[tuple[int, int, float]] = []
    for d in order:
        if d in receiving:
            continue
        people = float(c.occupancy[d])
        options = [int(r) for r in e[e[:, 0] == d, 1] if int(r) not in vacated]
        options.sort(key=lambda r: (-left[r], r))
        if not split:
            fit = [r for r in options if left[r] >= people - 1e-9]
            if not fit:
                continue
            plan = [(fit[0], people)]
        else:
            if sum(left[r] for r in options) < people - 1e-9:
                continue
            plan, need = [], people
            for r in options:
                take = min(need, left[r])
                if take > 1e-9:
                    plan.append((r, take))
                    need -= take
                if need <= 1e-9:
                    break
        for r, take in plan:
            left[r] -= take
            receiving.add(r)
            moves.append((d, r, take))
        vacated.add(d)
    return moves


def _value(moves: list[tuple[int, int, float]], c: Candidates) -> float:
    return float(sum(c.saving[d] for d in {m[0] for m in moves}))


def _round(e: np.ndarray, x: np.ndarray, c: Candidates) -> list[tuple[int, int, float]]:
    """Round an LP answer: donors by LP value then saving, each to its best-valued receiver that fits."""
    lp_donor = pd.Series(x).groupby(e[:, 0]).sum()
    order = sorted(lp_donor.index.tolist(), key=lambda d: (-round(lp_donor[d], 6), -c.saving[d], d))
    left = {int(r): float(c.spare[r]) for r in np.unique(e[:, 1])}
    by_donor: dict[int, list[tuple[float, int]]] = {}
    for (d, r), v in zip(e.tolist(), x.tolist(), strict=True):
        by_donor.setdefault(d, []).append((-round(v, 6), r))
    vacated: set[int] = set()
    receiving: set[int] = set()
    moves: list[tuple[int, int, float]] = []
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


def _run(
    obj: np.ndarray,
    integer: np.ndarray,
    upper: np.ndarray,
    cons: list[LinearConstraint],
    config: PlanConfig,
    exact: bool = False,
) -> tuple[np.ndarray | None, str, float]:
    """Solve a maximisation written as ``min obj @ x``; returns x, how, and the upper bound.

    A model with at most ``plan.exact_max_binaries`` binaries is solved exactly by branch
    and cut (the bound is HiGHS's dual bound). For a larger one the LP relaxation comes
    first: if it is integral it is optimal; otherwise an all-binary model returns the LP
    answer for rounding
    (``lp-round``); one with continuous variables keeps the binaries the LP set to 0 or 1
    and solves the rest exactly (``milp-lp-fix``). The LP value is the bound reported.
    """
    opts = {"node_limit": config.node_limit, "presolve": True, "mip_rel_gap": config.mip_rel_gap}
    if exact or integer.sum() <= config.exact_max_binaries:
        # Small enough to solve exactly in one call (HiGHS solves the LP relaxation itself).
        res = milp(obj, integrality=integer, bounds=Bounds(0, upper), constraints=cons, options=opts)
        if res.x is None:
            return None, "infeasible", 0.0
        dual = getattr(res, "mip_dual_bound", None)
        bound = float(-dual) if dual is not None and np.isfinite(dual) else float(-res.fun)
        return res.x, ("milp-optimal" if res.status == 0 else "milp-node-limit"), bound
    lp = milp(obj, integrality=np.zeros(len(obj)), bounds=Bounds(0, upper), constraints=cons)
    if lp.x is None:
        return None, "infeasible", 0.0
    bound = float(-lp.fun)
    x = lp.x
    frac = integer.astype(bool) & (np.abs(x - np.round(x)) > 1e-6)
    if not frac.any():
        return x, "milp-optimal", bound
    if integer.all():
        return x, "lp-round", bound
    lower = np.zeros(len(obj))
    top = upper.astype(float).copy()
    fixed = integer.astype(bool) & ~frac
    lower[fixed] = np.round(x[fixed])
    top[fixed] = np.round(x[fixed])
    res = milp(obj, integrality=integer, bounds=Bounds(lower, top), constraints=cons, options=opts)
    return res.x, "milp-lp-fix", bound


def _milp(
    e: np.ndarray, c: Candidates, config: PlanConfig, exact: bool = False
) -> tuple[list[tuple[int, int, float]], str, float]:
    """Optimise one component (or a batch of them); returns the moves, how, and the bound."""
    m = len(e)
    donors = np.unique(e[:, 0])
    receivers = np.unique(e[:, 1])
    dpos = {int(d): i for i, d in enumerate(donors)}
    rpos = {int(r): i for i, r in enumerate(receivers)}
    ed = np.array([dpos[int(d)] for d in e[:, 0]])
    er = np.array([rpos[int(r)] for r in e[:, 1]])
    occ = c.occupancy[e[:, 0]]
    # Receivers that are also donors: moving out uses up all their room.
    rd = [(rpos[int(r)], dpos[int(r)]) for r in receivers if int(r) in dpos]
    cols = np.arange(m)
    if not config.split_donors:
        # z_e in {0,1}: donor e[0] moves wholly to receiver e[1].
        one = sparse.csr_array((np.ones(m), (ed, cols)), shape=(len(donors), m))
        rows, cc, vals = list(er), list(cols), list(occ)
        for ri, di in rd:
            mine = np.flatnonzero(ed == di)
            rows += [ri] * len(mine)
            cc += mine.tolist()
            vals += [c.spare[receivers[ri]]] * len(mine)
        room = sparse.csr_array((vals, (rows, cc)), shape=(len(receivers), m))
        cons = [LinearConstraint(one, -np.inf, 1), LinearConstraint(room, -np.inf, c.spare[receivers])]
        x, how, bound = _run(-c.saving[e[:, 0]], np.ones(m), np.ones(m), cons, config, exact)
        if x is None:
            return [], how, bound
        if how == "lp-round":
            return _round(e, x, c), how, bound
        z = np.round(x).astype(bool)
        return [(int(e[i, 0]), int(e[i, 1]), float(occ[i])) for i in np.flatnonzero(z)], how, bound
    # Split: y_e people (continuous), x_d vacated (binary), variables [y..., x...].
    nd = len(donors)
    eq = sparse.csr_array(
        (
            np.concatenate([np.ones(m), -c.occupancy[donors]]),
            (np.concatenate([ed, np.arange(nd)]), np.arange(m + nd)),
        ),
        shape=(nd, m + nd),
    )
    rows, cc, vals = list(er), list(cols), [1.0] * m
    for ri, di in rd:
        rows.append(ri)
        cc.append(m + di)
        vals.append(c.spare[receivers[ri]])
    room = sparse.csr_array((vals, (rows, cc)), shape=(len(receivers), m + nd))
    cons = [LinearConstraint(eq, 0, 0), LinearConstraint(room, -np.inf, c.spare[receivers])]
    obj = np.concatenate([np.zeros(m), -c.saving[donors]])
    integer = np.concatenate([np.zeros(m), np.ones(nd)])
    x, how, bound = _run(obj, integer, np.concatenate([occ, np.ones(nd)]), cons, config, exact)
    if x is None:
        return [], how, bound
    vac = np.round(x[m:]).astype(bool)
    y = x[:m]
    return (
        [(int(e[i, 0]), int(e[i, 1]), float(y[i])) for i in range(m) if vac[ed[i]] and y[i] > 1e-6],
        how,
        bound,
    )


def solve(c: Candidates, config: PlanConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Choose the moves.

    Returns
    -------
    moves : DataFrame
        :data:`MOVE_COLUMNS`, sorted by donor then receiver.
    components : DataFrame
        One row per sub-problem: ``donors``, ``receivers``, ``edges``, ``method``
        (``exact-single``, ``exact-all-moved``, ``milp-optimal``, ``milp-node-limit``, ``milp-lp-fix``,
        ``greedy-better``, ``greedy``), ``saving`` and ``bound`` (the LP upper bound).
    """
    e = c.edges
    cols = list(MOVE_COLUMNS)
    if not len(e):
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["donors", "receivers", "edges", "method"])
    nodes, inv = np.unique(e.ravel(), return_inverse=True)
    inv = inv.reshape(e.shape)
    graph = sparse.coo_array((np.ones(len(e)), (inv[:, 0], inv[:, 1])), shape=(len(nodes), len(nodes)))
    _, comp = connected_components(graph, directed=False)
    edge_comp = comp[inv[:, 0]]
    order = np.argsort(edge_comp, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_comp[order])) + 1
    moves: list[tuple[int, int, float]] = []
    info: list[dict[str, object]] = []
    batch: list[tuple[np.ndarray, list[tuple[int, int, float]]]] = []

    def record(sub: np.ndarray, chosen: list[tuple[int, int, float]], method: str, bound: float) -> None:
        moves.extend(chosen)
        info.append(
            {
                "donors": len(np.unique(sub[:, 0])),
                "receivers": len(np.unique(sub[:, 1])),
                "edges": len(sub),
                "method": method,
                "saving": _value(chosen, c),
                "bound": bound,
            }
        )

    def flush() -> None:
        """Solve the small sub-problems gathered so far as one block-diagonal programme."""
        if not batch:
            return
        found, how, bound = _milp(np.vstack([sub for sub, _ in batch]), c, config, exact=True)
        slack = bound - _value(found, c)
        by_donor: dict[int, list[tuple[int, int, float]]] = {}
        for mv in found:
            by_donor.setdefault(mv[0], []).append(mv)
        for i, (sub, greedy) in enumerate(batch):
            mine = [mv for d in np.unique(sub[:, 0]).tolist() for mv in by_donor.get(d, [])]
            chosen, method = mine, how
            if how != "milp-optimal" and _value(mine, c) < _value(greedy, c) - 1e-6:
                chosen, method = greedy, "greedy-better"
            # The batch's gap to its bound is carried on its first sub-problem.
            record(sub, chosen, method, _value(mine, c) + (slack if i == 0 else 0.0))
        batch.clear()

    for part in np.split(order, bounds):
        sub = e[part]
        donors = np.unique(sub[:, 0])
        greedy = _greedy(sub, c, config.split_donors)
        if config.optimiser == "greedy":
            record(sub, greedy, "greedy", _value(greedy, c))
        elif len(donors) == 1:
            record(sub, greedy, "exact-single", _value(greedy, c))
        elif _value(greedy, c) >= float(c.saving[donors].sum()) - 1e-6:
            # Every donor moved: nothing can release more, so this is optimal as it stands.
            record(sub, greedy, "exact-all-moved", _value(greedy, c))
        elif len(sub) <= config.exact_max_binaries:
            batch.append((sub, greedy))
            if sum(len(b) for b, _ in batch) >= max(_BATCH_EDGES, config.exact_max_binaries):
                flush()
        else:
            found, method, bound = _milp(sub, c, config)
            if method != "milp-optimal" and _value(found, c) < _value(greedy, c) - 1e-6:
                record(sub, greedy, "greedy-better", bound)
            else:
                record(sub, found, method, bound)
    flush()
    frame = pd.DataFrame(moves, columns=["donor", "receiver", "people"])
    total = frame.groupby("donor")["people"].transform("sum")
    frame["share_of_donor"] = frame["people"] / total.where(total > 0)
    frame = frame.sort_values(["donor", "receiver"], kind="mergesort").reset_index(drop=True)
    return frame[cols], pd.DataFrame(info)
