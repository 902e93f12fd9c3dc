"""Exact branch and bound for small sub-problems of whole moves, without a solver call.

Most sub-problems the fast passes leave open are tiny (at 10^5 assets, nine in ten have
at most 13 move choices). Handing each to HiGHS costs a start-up, presolve and cuts; a
depth-first search over the donors settles it in a few dozen steps, exactly:

* donors are taken in the fast pass's order (largest saving first, ties by position);
  each either moves wholly to one of its receivers that is not vacated and has room for
  all its people (the nearest first, ties by position), or stays;
* a donor that receives people cannot move, and a vacated building receives nobody, as
  in the mixed-integer programme (:func:`assetmap.plan._solve._model`);
* a branch is cut when what it has released plus the savings of the donors still free
  to move cannot beat the best answer so far by more than 1e-6 (free: not receiving,
  and with a receiver that is not vacated and has room for them; first counted without
  the room, which is quicker);
* two receivers no later donor can use or be lead to the same searches, so only the
  first that fits is tried; and a donor that fits such a receiver, and that no later
  donor could move into, is never left where it is. Neither changes the answer found;
* the search starts from the fast answer and keeps it unless it finds a strictly better
  one, so the answer is the fast one wherever that is optimal, and otherwise the first
  better one in the search order: the same sub-problem always gives the same moves.

A search that has not finished within its step limit gives up (the sub-problem goes to
HiGHS), so its cost is bounded and the same on any machine. Only for whole moves
(``plan.split_donors`` false): a split donor's people are continuous, left to HiGHS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ._colocate import Candidates

Move = tuple[int, int, float]

#: An answer must beat the best so far by more than this to replace it (as the solver's).
_BETTER = 1e-6
#: People fit a receiver's room up to float noise (people and places are in tenths).
_FITS = 1e-9


@dataclass(frozen=True)
class Figures:
    """People, places and savings by building: :class:`Candidates`' arrays, or the same
    figures of a few buildings as dictionaries (quicker to read one at a time)."""

    occupancy: Mapping[int, float] | np.ndarray
    spare: Mapping[int, float] | np.ndarray
    saving: Mapping[int, float] | np.ndarray

    @classmethod
    def of(cls, c: Candidates, buildings: np.ndarray) -> Figures:
        """The figures of ``buildings`` (positions) as dictionaries."""
        keys = buildings.tolist()

        def pick(values: np.ndarray) -> dict[int, float]:
            return dict(zip(keys, values[buildings].astype(float).tolist(), strict=True))

        return cls(pick(c.occupancy), pick(c.spare), pick(c.saving))


class _GiveUp(Exception):
    """The search reached its step limit."""


class _Problem:
    """One sub-problem's donors in search order, as local numbers, and what the search needs."""

    def __init__(self, edges: list[list[int]], c: Candidates | Figures) -> None:
        by_donor: dict[int, list[int]] = {}
        for d, r in edges:
            by_donor.setdefault(d, []).append(r)
        self.donors = sorted(by_donor, key=lambda d: (-float(c.saving[d]), d))
        # Buildings as local numbers: the donors in search order first, then the other receivers.
        self.buildings = self.donors + sorted({r for _, r in edges} - set(by_donor))
        local = {b: k for k, b in enumerate(self.buildings)}
        self.options = [[local[r] for r in by_donor[d]] for d in self.donors]
        self.people = [float(c.occupancy[d]) for d in self.donors]
        self.saving = [float(c.saving[d]) for d in self.donors]
        self.spare = [float(c.spare[b]) for b in self.buildings]
        self.rest = [0.0] * (len(self.donors) + 1)
        for i in range(len(self.donors) - 1, -1, -1):
            self.rest[i] = self.rest[i + 1] + self.saving[i]
        # A receiver is private to donor i when no later donor can use it or is it (local
        # number above i); a donor is wanted when a later donor can move into it.
        later: set[int] = set()
        self.private: list[list[bool]] = [[] for _ in self.donors]
        self.wanted = [False] * len(self.donors)
        for i in range(len(self.donors) - 1, -1, -1):
            self.private[i] = [r not in later and not i < r < len(self.donors) for r in self.options[i]]
            self.wanted[i] = i in later
            later.update(self.options[i])


def _searcher(
    p: _Problem, incumbent: float, limit: int
) -> tuple[Callable[[int, float], None], Callable[[], dict]]:
    """The recursive search over ``p`` and a function giving the state it leaves its answer in.

    The running figures (best value, its moves, steps, blocked savings) are closure
    variables rather than a dictionary: the same arithmetic in the same order, read faster.
    """
    n = len(p.donors)
    left, incoming, vacated = list(p.spare), [0] * len(p.buildings), [False] * len(p.buildings)
    current: list[tuple[int, int]] = []
    best, best_moves, steps, blocked = incumbent, None, 0, 0.0
    options, people, saving, private, wanted, rest = (
        p.options,
        p.people,
        p.saving,
        p.private,
        p.wanted,
        p.rest,
    )
    # What a receiver's room must reach to take each donor (the same subtraction, made once).
    needs = [x - _FITS for x in people]

    def move(i: int, r: int, value: float) -> None:
        nonlocal blocked
        need = people[i]
        left[r] -= need
        incoming[r] += 1
        # A later donor that now receives people cannot move: its saving is out of reach.
        blocks = incoming[r] == 1 and i < r < n
        if blocks:
            blocked += saving[r]
        vacated[i] = True
        current.append((i, r))
        go(i + 1, value + saving[i])
        current.pop()
        vacated[i] = False
        if blocks:
            blocked -= saving[r]
        incoming[r] -= 1
        left[r] += need

    def free_above(i: int, margin: float) -> bool:
        """Whether the savings of donors ``i`` onwards that can still move (not receiving,
        with a receiver not vacated that has room for them: room only shrinks deeper down)
        add up to more than ``margin``; stops counting as soon as they do."""
        total = 0.0
        for j in range(i, n):
            if incoming[j]:
                continue
            need = needs[j]
            for r in options[j]:
                if not vacated[r] and left[r] >= need:
                    total += saving[j]
                    if total > margin:
                        return True
                    break
        return False

    def go(i: int, value: float) -> None:
        nonlocal best, best_moves, steps, blocked
        steps += 1
        if steps > limit:
            raise _GiveUp
        if value > best + _BETTER:
            best, best_moves = value, list(current)
        if i == n or value + rest[i] - blocked <= best + _BETTER:
            return
        if not free_above(i, best + _BETTER - value):
            return
        if incoming[i]:
            blocked -= saving[i]
            go(i + 1, value)
            blocked += saving[i]
            return
        need, tried_private = needs[i], False
        for r, alone in zip(options[i], private[i], strict=True):
            if vacated[r] or left[r] < need or (alone and tried_private):
                continue
            tried_private |= alone
            move(i, r, value)
        if not tried_private or wanted[i]:
            go(i + 1, value)

    def state() -> dict:
        return {"best": best, "moves": best_moves, "steps": steps, "blocked": blocked}

    return go, state


def search(
    edges: list[list[int]], c: Candidates | Figures, *, incumbent: float, limit: int
) -> tuple[bool, list[Move] | None, int]:
    """The best whole moves over ``edges`` (one sub-problem's ``[donor, receiver]`` pairs).

    Parameters
    ----------
    edges : list of [donor, receiver]
        The sub-problem's move choices (positions into the assets), each donor's
        receivers nearest first.
    c : Candidates or Figures
        People, places and savings by building.
    incumbent : float
        What the fast answer releases: only a strictly better answer is returned.
    limit : int
        Search steps allowed.

    Returns
    -------
    finished : bool
        Whether the search finished (its answer is then proven optimal).
    moves : list of (donor, receiver, people) or None
        A strictly better answer than the incumbent, or None when the incumbent is best
        (or the search gave up).
    steps : int
        Search steps used.
    """
    problem = _Problem(edges, c)
    go, figures = _searcher(problem, incumbent, limit)
    try:
        go(0, 0.0)
    except _GiveUp:
        return False, None, figures()["steps"]
    state = figures()
    if state["moves"] is None:
        return True, None, state["steps"]
    b = problem.buildings
    return True, [(b[i], b[r], problem.people[i]) for i, r in state["moves"]], state["steps"]
