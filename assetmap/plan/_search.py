"""Exact branch and bound for small sub-problems of whole moves, without a solver call.

Most sub-problems the fast passes leave open are tiny (at 10^5 assets, nine in ten have
at most 13 move choices). Handing each to HiGHS costs a start-up, presolve and cuts; a
depth-first search over the donors settles it in a few dozen steps, exactly:

* donors are taken in the fast pass's order (largest saving first, ties by position);
  each either moves wholly to one of its receivers that is not vacated and has room for
  all its people (the nearest first, ties by position), or stays;
* a donor that receives people cannot move, and a vacated building receives nobody, as
  in the mixed-integer programme (:func:`assetmap.plan._solve._model`);
* a branch is cut when what it has released plus the savings of every donor still free
  to move cannot beat the best answer so far by more than a penny's millionth;
* the search starts from the fast answer and keeps it unless it finds a strictly better
  one (by more than 1e-6), so the answer is the fast one wherever that is optimal, and
  otherwise the first better one in the search order: the same estate always gives the
  same moves.

A search that has not finished within ``plan.search_node_limit`` steps gives up (the
sub-problem goes to HiGHS as before), so its cost is bounded and the same on any
machine. Only for whole moves (``plan.split_donors`` false): a split donor's people are
continuous and left to HiGHS.
"""

from __future__ import annotations

from ._colocate import Candidates

Move = tuple[int, int, float]

#: An answer must beat the best so far by more than this to replace it (as the solver's).
_BETTER = 1e-6
#: People fit a receiver's room up to float noise (people and places are in tenths).
_FITS = 1e-9


class _GiveUp(Exception):
    """The search reached its step limit."""


class _Search:
    """The state of one search: donors in order, receivers' room, what is moved so far."""

    def __init__(self, edges: list[list[int]], c: Candidates, incumbent: float, limit: int) -> None:
        by_donor: dict[int, list[int]] = {}
        for d, r in edges:
            by_donor.setdefault(d, []).append(r)
        saving = c.saving
        self.donors = sorted(by_donor, key=lambda d: (-float(saving[d]), d))
        self.options = [by_donor[d] for d in self.donors]
        self.people = [float(c.occupancy[d]) for d in self.donors]
        self.saving = [float(saving[d]) for d in self.donors]
        rest = [0.0] * (len(self.donors) + 1)
        for i in range(len(self.donors) - 1, -1, -1):
            rest[i] = rest[i + 1] + self.saving[i]
        self.rest = rest
        self.position = {d: i for i, d in enumerate(self.donors)}
        self.left = {r: float(c.spare[r]) for r in sorted({r for _, r in edges})}
        self.incoming = dict.fromkeys(set(self.donors) | set(self.left), 0)
        self.vacated: set[int] = set()
        self.current: list[Move] = []
        self.best, self.best_moves = incumbent, None
        self.blocked = 0.0  # savings of undecided donors that receive people (cannot move)
        self.steps, self.limit = 0, limit

    def go(self, i: int, value: float) -> None:
        """Try every way of deciding donors ``i`` onwards, given ``value`` released so far."""
        self.steps += 1
        if self.steps > self.limit:
            raise _GiveUp
        if value > self.best + _BETTER:
            self.best, self.best_moves = value, list(self.current)
        if i == len(self.donors) or value + self.rest[i] - self.blocked <= self.best + _BETTER:
            return
        d = self.donors[i]
        if self.incoming[d]:
            self.blocked -= self.saving[i]
            self.go(i + 1, value)
            self.blocked += self.saving[i]
            return
        for r in self.options[i]:
            if r not in self.vacated and self.left[r] >= self.people[i] - _FITS:
                self._move(i, d, r, value)
        self.go(i + 1, value)

    def _move(self, i: int, d: int, r: int, value: float) -> None:
        """Search on with donor ``d`` (the ``i``-th) moved into ``r``, then undo the move."""
        people = self.people[i]
        self.left[r] -= people
        self.incoming[r] += 1
        j = self.position.get(r, -1)
        blocks = self.incoming[r] == 1 and j > i
        if blocks:
            self.blocked += self.saving[j]
        self.vacated.add(d)
        self.current.append((d, r, people))
        self.go(i + 1, value + self.saving[i])
        self.current.pop()
        self.vacated.discard(d)
        if blocks:
            self.blocked -= self.saving[j]
        self.incoming[r] -= 1
        self.left[r] += people


def search(
    edges: list[list[int]], c: Candidates, *, incumbent: float, limit: int
) -> tuple[bool, list[Move] | None, int]:
    """The best whole moves over ``edges`` (one sub-problem's ``[donor, receiver]`` pairs).

    Parameters
    ----------
    edges : list of [donor, receiver]
        The sub-problem's move choices (positions into the assets).
    c : Candidates
        People, places and savings.
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
    state = _Search(edges, c, incumbent, limit)
    try:
        state.go(0, 0.0)
    except _GiveUp:
        return False, None, state.steps
    return True, state.best_moves, state.steps
