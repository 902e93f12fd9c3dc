"""The co-location plan: which under-used buildings move their people, and where to.

Method
------
Within each cluster, a **donor** is a building that is not sensitive, has people
(``plan_occupancy > 0``), a running cost above 0 and a utilisation below
``plan.donor_max_utilisation`` (default 0.6, never at or above ``plan.well_used``). A
**receiver** is any non-sensitive, occupied building of any partner in the same cluster with room
below the ceiling: ``spare = plan.target_ceiling * plan_capacity - plan_occupancy > 0``.
A donor may move to its ``plan.max_receivers_per_donor`` nearest receivers within
``clustering.radius_m`` (ties by position) of its own use group; without ``split_donors`` a
receiver must have room for the whole donor.

Vacating donor ``d`` releases ``saving_d = running_cost_d * (1 - people_follow_share)``.
People are planned in tenths, the precision they are published in: a donor's people are
rounded up to a tenth (every one of them needs a place) and a receiver's spare places down,
so the people a move publishes never take a receiver past the ceiling (4.06 estimated people
would be published as 4.1, and 4.1 people into a capacity of 19.42 holding 13.4 would be 90.1%).

The plan maximises the total released, subject to: each donor moves at most once (to one
receiver, or split over several with ``split_donors``); a receiver never exceeds its spare
places; a building that is vacated receives nobody. This is a mixed-integer programme
(binary ``z[d, r]``: donor ``d`` moves wholly into ``r``), solved on each connected group of
donors and receivers: see :mod:`assetmap.plan._solve` for how, and for the run's time and
work budgets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..config import PlanConfig

#: Columns of the moves frame (positions are 0-based rows of the assets frame).
MOVE_COLUMNS = ("donor", "receiver", "people", "share_of_donor")


@dataclass(frozen=True)
class Candidates:
    """Donors, receivers and the edges between them (all positions into the assets frame)."""

    occupancy: np.ndarray  # people per asset, rounded up to a tenth (NaN unknown)
    spare: np.ndarray  # spare places below the ceiling per asset, rounded down to a tenth (0: not a receiver)
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

    ``cluster`` numbers each asset's cluster (-1 where alone); ``group`` its use group
    (:func:`use_groups`: -1 for operational buildings that take no part in moves; all one
    group when not given); the other arrays are floats (NaN unknown) or bools, one entry
    per asset.
    """
    if group is None:
        group = np.zeros(len(xy), dtype=np.int64)
    clustered = (cluster >= 0) & np.isfinite(xy).all(axis=1) & ~sensitive & (group >= 0)
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
    occupancy, spare = in_tenths(occupancy, up=True), in_tenths(spare, up=False)
    saving = np.where(donor, running_cost * (1.0 - config.people_follow_share), 0.0)
    saving = np.nan_to_num(saving)
    edges, distance = _nearest_edges(
        xy, np.flatnonzero(donor), np.flatnonzero(spare > 0),
        same=(cluster, group), occupancy=occupancy, spare=spare, radius_m=radius_m, config=config,
    )  # fmt: skip
    return Candidates(occupancy, spare, saving, donor, edges, distance)


def _nearest_edges(
    xy: np.ndarray,
    donors: np.ndarray,
    receivers: np.ndarray,
    *,
    same: tuple[np.ndarray, np.ndarray],
    occupancy: np.ndarray,
    spare: np.ndarray,
    radius_m: float,
    config: PlanConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Each donor's nearest usable receivers within the radius: (donor, receiver) pairs and metres.

    Usable: another building of the same cluster and use group (``same``), with room for the whole
    donor unless ``split_donors``; at most ``max_receivers_per_donor`` per donor, nearest
    first (ties by position).
    """
    empty = np.empty((0, 2), dtype=np.int64)
    if not len(receivers) or not len(donors):
        return empty, np.empty(0)
    cluster, group = same
    tree = cKDTree(xy[receivers])
    k = min(len(receivers), 4 * config.max_receivers_per_donor + 1)
    dist, idx = tree.query(xy[donors], k=k, distance_upper_bound=radius_m, workers=-1)
    dist, idx = dist.reshape(len(donors), k), idx.reshape(len(donors), k)
    # Every (donor, neighbour) pair found, flattened row by row; keep the usable ones.
    row = np.repeat(np.arange(len(donors)), k)
    found = np.isfinite(dist.ravel())
    row, dd = row[found], dist.ravel()[found]
    d, r = donors[row], receivers[idx.ravel()[found]]
    keep = (r != d) & (cluster[r] == cluster[d]) & (group[r] == group[d])
    if not config.split_donors:
        keep &= spare[r] >= occupancy[d] - 1e-9
    row, dd, d, r = row[keep], dd[keep], d[keep], r[keep]
    # Each donor's nearest receivers first (ties by position), at most max_receivers_per_donor.
    order = np.lexsort((r, dd, row))
    row, dd, d, r = row[order], dd[order], d[order], r[order]
    start = np.searchsorted(row, row, side="left")
    first = (np.arange(len(row)) - start) < config.max_receivers_per_donor
    if not first.any():
        return empty, np.empty(0)
    return np.column_stack([d[first], r[first]]).astype(np.int64), dd[first]


def in_tenths(values: np.ndarray, *, up: bool) -> np.ndarray:
    """People to a tenth, as published: rounded ``up`` (people who need a place) or down (places).

    Float noise below a millionth of a tenth is ignored (30.000000001 people are 30).
    """
    tenths = np.round(np.asarray(values, dtype=float) * 10, 6)
    return (np.ceil(tenths) if up else np.floor(tenths)) / 10


def _phrase(key: str) -> str:
    return r"\b" + re.escape(key.lower().strip()) + r"(?:s|es)?\b"


def use_groups(use: pd.Series, config: PlanConfig) -> np.ndarray:
    """The use group of each asset: people move only within a group.

    Operational uses (``plan.fixed_uses``) give -1: such buildings neither send nor
    receive people. A use matching a ``plan.use_groups`` phrase takes that group (longest
    phrase first); any other use is its own group (``use:<text>``); no use is ``unknown``.
    Each distinct use is matched once. Returns a group number per asset.
    """
    codes, uniques = pd.factorize(use.astype("string").str.lower().str.strip().fillna(""))
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    out = np.where(text == "", "unknown", "use:" + text).astype(object)
    done = np.zeros(len(text), dtype=bool)
    keys = [(k, g) for g, ks in config.use_groups.items() for k in ks] + [
        (k, None) for k in config.fixed_uses
    ]
    for key, grp in sorted(keys, key=lambda kg: (-len(kg[0]), kg[0])):
        hit = text.str.contains(_phrase(key), regex=True).to_numpy(dtype=bool) & ~done
        out[hit] = grp
        done |= hit
    return pd.factorize(out, use_na_sentinel=True)[0][codes]
