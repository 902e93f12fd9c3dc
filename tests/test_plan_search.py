"""The exact search for small sub-problems against HiGHS on the same programme."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from assetmap.config import PlanConfig
from assetmap.plan._colocate import Candidates
from assetmap.plan._rating import (
    _codes,
    _crowded,
    _fmt,
    _fmt_texts,
    _join,
    _labels_of,
    _Reasons,
    _targets,
    lowered,
)
from assetmap.plan._search import search
from assetmap.plan._solve import _greedy, _greedy_whole, _milp, _value, edge_groups


@st.composite
def subproblems(draw: st.DrawFn, most: int = 9) -> Candidates:
    """A random group of buildings, each a donor, a receiver or both, and move choices
    between them (a donor's receivers nearest first, as the candidates give them).

    People and places are in tenths, savings from a short list so that ties are common.
    """
    n = draw(st.integers(2, most))
    occupancy = np.array([draw(st.integers(1, 300)) / 10 for _ in range(n)])
    spare = np.array([draw(st.sampled_from([0, 0, 5, 20, 40, 80, 150, 300])) / 1.0 for _ in range(n)])
    donor = np.array([draw(st.booleans()) for _ in range(n)])
    costs = [draw(st.sampled_from([10_000.0, 25_500.0, 42_500.0, 85_000.0])) for _ in range(n)]
    saving = np.where(donor, costs, 0.0)
    edges = []
    for d in np.flatnonzero(donor).tolist():
        others = [r for r in range(n) if r != d and spare[r] > 0]
        chosen = draw(st.lists(st.sampled_from(others), unique=True, max_size=4)) if others else []
        edges += [(d, r) for r in chosen]
    return Candidates(
        occupancy=occupancy,
        spare=spare,
        saving=saving,
        donor=donor,
        edges=np.array(edges, dtype=np.int64).reshape(-1, 2),
        distance=np.zeros(len(edges)),
    )


def _feasible(moves: list[tuple[int, int, float]], c: Candidates) -> bool:
    """Each move a move choice, each donor moved once and wholly, no receiver over its
    room, no vacated building receiving."""
    choices = {tuple(e) for e in c.edges.tolist()}
    donors = [d for d, _, _ in moves]
    load: dict[int, float] = {}
    for d, r, people in moves:
        load[r] = load.get(r, 0.0) + people
        if (d, r) not in choices or people != c.occupancy[d]:
            return False
    over = any(load[r] > c.spare[r] + 1e-9 for r in load)
    return len(set(donors)) == len(donors) and not over and not set(donors) & set(load)


def _solver_best(c: Candidates) -> float:
    """HiGHS's proven optimum of the same programme (no gap, no budget)."""
    found = _milp(c.edges, c, PlanConfig(mip_rel_gap=0), (10**6, 60.0), exact=True)
    assert found.how == "milp-optimal"
    assert _feasible(found.moves, c)
    return _value(found.moves, c)


@settings(max_examples=300, deadline=None)
@given(subproblems())
def test_search_finds_the_solvers_optimum(c: Candidates) -> None:
    if not len(c.edges):
        return
    finished, moves, steps = search(c.edges.tolist(), c, incumbent=-1.0, limit=10**6)
    assert finished and moves is not None and steps >= 1
    assert _feasible(moves, c)
    assert _value(moves, c) == pytest.approx(_solver_best(c), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(subproblems())
def test_search_keeps_the_fast_answer_unless_strictly_better(c: Candidates) -> None:
    if not len(c.edges):
        return
    fast = _greedy(c.edges, c, split=False)
    finished, better, _ = search(c.edges.tolist(), c, incumbent=_value(fast, c), limit=10**6)
    assert finished
    best = _solver_best(c)
    if better is None:
        # The fast answer is proven optimal.
        assert _value(fast, c) == pytest.approx(best, abs=1e-6)
    else:
        assert _feasible(better, c)
        assert _value(better, c) > _value(fast, c) + 1e-6
        assert _value(better, c) == pytest.approx(best, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(subproblems())
def test_search_gives_up_at_its_step_limit_and_repeats_itself(c: Candidates) -> None:
    if not len(c.edges):
        return
    edges = c.edges.tolist()
    finished, _, steps = search(edges, c, incumbent=-1.0, limit=10**6)
    assert finished
    again = search(edges, c, incumbent=-1.0, limit=10**6)
    assert again == search(edges, c, incumbent=-1.0, limit=10**6)
    if steps > 1:
        assert search(edges, c, incumbent=-1.0, limit=steps - 1) == (False, None, steps)


@settings(max_examples=300, deadline=None)
@given(subproblems(most=40), st.sampled_from(["room", "fit"]))
def test_greedy_over_all_subproblems_at_once_is_the_simple_pass(c: Candidates, rule: str) -> None:
    # Forty buildings with up to four choices per donor: several sub-problems at once.
    if not len(c.edges):
        return
    moves = _greedy_whole(c.edges, edge_groups(c.edges), c, rule)
    assert moves == _greedy(c.edges, c, split=False, rule=rule)
    assert _feasible(moves, c)


# --- Reasons' numbers: formatted once per distinct rounded value, as format() writes each -------

_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-3, max_value=3),
    st.sampled_from([0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -0.4, 0.125, 0.005, 0.015, 12345.5, 1e16 + 2.0]),
    st.integers(-10**6, 10**6).map(lambda i: i / 200),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_NUMBER, max_size=40), spec=st.sampled_from([".0f", ",.0f", ".0%", ".1f"]))
def test_reason_numbers_are_formatted_as_format_writes_them(values: list[float], spec: str) -> None:
    got = _fmt(np.array(values, dtype=float), spec)
    assert got.tolist() == [format(v, spec) for v in values]


# --- Reasons' phrases: built once per distinct combination, pooled, then joined per asset ---------

_WORD = st.sampled_from(["", "a", "b", "ab", "£", "m²", " (estimated)", "; "])


@st.composite
def phrase_parts(draw: st.DrawFn) -> tuple[int, list[object]]:
    """A count of assets and parts: constants, per-asset words, or per-asset numbers and a spec."""
    size = draw(st.integers(0, 30))
    kinds = st.one_of(
        _WORD,
        st.lists(_WORD, min_size=size, max_size=size),
        st.tuples(st.lists(_NUMBER, min_size=size, max_size=size), st.sampled_from([".0f", ".0%", ".1f"])),
    )
    parts = draw(st.lists(kinds, min_size=1, max_size=6))
    if all(isinstance(part, str) for part in parts):
        parts.append([""] * size)
    return size, parts


@settings(max_examples=300, deadline=None)
@given(phrase_parts())
def test_phrases_built_per_combination_equal_plain_concatenation(case: tuple[int, list[object]]) -> None:
    size, parts = case
    def piece(part: object, i: int) -> str:
        if isinstance(part, str):
            return part
        return part[i] if isinstance(part, list) else format(part[0][i], part[1])

    plain = ["".join(piece(part, i) for part in parts) for i in range(size)]
    fast = [
        part
        if isinstance(part, str)
        else _codes(np.array(part, dtype=object))
        if isinstance(part, list)
        else _fmt_texts(np.array(part[0], dtype=float), part[1])
        for part in parts
    ]
    texts = _join(*fast)
    assert [texts.table[c] for c in texts.codes.tolist()] == plain


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 12),
    adds=st.lists(
        st.tuples(st.lists(st.booleans(), min_size=12, max_size=12), st.one_of(_WORD, st.just(None))),
        max_size=8,
    ),
)
def test_reasons_are_each_assets_phrases_in_order(n: int, adds: list[tuple[list[bool], str | None]]) -> None:
    reasons, plain = _Reasons(n), [[] for _ in range(n)]
    for step, (flags, constant) in enumerate(adds):
        mask = np.array(flags[:n])
        words = [f"{step}:{i}" for i in np.flatnonzero(mask).tolist()]
        reasons.add(mask, constant if constant is not None else np.array(words, dtype=object))
        for k, i in enumerate(np.flatnonzero(mask).tolist()):
            plain[i].append(constant if constant is not None else words[k])
    assert list(reasons.text()) == ["; ".join(phrases) for phrases in plain]


# --- "Not in a cluster although others stand near": a tree of the nearby assets only -------------

#: Coordinates on and off a grid of the radii tried (points exactly a radius apart included).
_COORD = st.one_of(st.integers(-12, 12).map(lambda i: i * 50.0), st.floats(-600, 600))


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.one_of(_COORD, st.just(float("nan"))),
            _COORD,
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    ),
    radius=st.sampled_from([50.0, 100.0, 149.9, 400.0]),
)
def test_crowded_among_nearby_cells_equals_a_tree_of_every_asset(
    points: list[tuple[float, float, bool]], radius: float
) -> None:
    xy = np.array([(x, y) for x, y, _ in points], dtype=float)
    df = pd.DataFrame({"cluster_id": [None if alone else "c1" for _, _, alone in points]}, dtype=object)
    located = np.isfinite(xy).all(axis=1)
    alone = np.flatnonzero(df["cluster_id"].isna().to_numpy() & located)
    expected = np.zeros(len(points), dtype=bool)
    if len(alone) and located.sum() > 1:
        dist, _ = cKDTree(xy[located]).query(xy[alone], k=2, distance_upper_bound=radius)
        expected[alone] = np.isfinite(dist[:, 1])
    assert _crowded(df, xy, radius).tolist() == expected.tolist()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Freehold", "LEASEHOLD", "leasehold ", "İ", "ß", "", None, float("nan")]),
            st.text(max_size=4),
            st.sampled_from([1, 1.0, True, 0, False]),
        ),
        max_size=30,
    )
)
def test_tenure_lowered_once_per_text_equals_lowering_each(values: list[object]) -> None:
    column = pd.Series(values, dtype=object)
    expected = column.astype("string").str.lower().fillna("").to_numpy(dtype=object)
    assert lowered(column).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(
        st.one_of(st.none(), st.sampled_from(["", " Hall ", "Depot", "Library, East"])),
        min_size=6,
        max_size=6,
    ),
    pairs=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=12),
)
def test_each_donors_receivers_joined_in_move_order(
    names: list[str | None], pairs: list[tuple[int, int]]
) -> None:
    df = pd.DataFrame(
        {"name": names, "asset_id": [f"A{i}" for i in range(6)], "partner": ["council", "nhs"] * 3},
        dtype=object,
    )
    moves = pd.DataFrame({"donor": [d for d, _ in pairs], "receiver": [r for _, r in pairs]}, dtype=np.int64)
    labels = _labels_of(df, np.arange(6)).tolist()
    expected = [", ".join(labels[r] for d, r in pairs if d == i) for i in range(6)]
    assert _targets(df, moves, 6).tolist() == expected
