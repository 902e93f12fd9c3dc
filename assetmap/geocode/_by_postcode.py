"""The cascade's postcode step: the postcode (or one written in the address), the check of
given coordinates against it, and the reject reasons in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..registers._arrow_csv import blank_text
from ..registers.clean import postcode_in_text
from ._coords import irish_grid_to_bng
from ._postcodes import NO_GRID_REFERENCE, NORTHERN_IRELAND, PostcodeLookup
from ._state import Cascade, fmt_pair, texts

#: Precision recorded for a postcode centroid: a postcode unit covers about 15 addresses,
#: and most buildings stand within about 100 m of its ONSPD grid reference.
POSTCODE_PRECISION_M: Final = 100.0
#: Coordinates further than this from their own postcode are warned about (metres).
FAR_FROM_POSTCODE_M: Final = 5_000.0
#: ...and swapped when the swapped point is within this distance of the postcode.
NEAR_POSTCODE_M: Final = 1_000.0
#: What would place an asset at an island postcode: British National Grid covers the Isle
#: of Man, but its northings are negative in the Channel Islands, so only degrees work there.
_ISLAND_ADVICE: Final = {
    "Isle of Man": "add easting/northing or latitude/longitude to place it",
    "Guernsey": "add latitude/longitude to place it",
    "Jersey": "add latitude/longitude to place it",
    "Channel Islands": "add latitude/longitude to place it",
}
_NONE_IN_ADDRESS: Final = " (none in the address either)"


@dataclass
class PostcodeStep:
    """What the postcode step used and found, per row (positional arrays)."""

    postcode: pd.Series  # the postcode used: the register's, else the address's; None
    from_address: np.ndarray  # the postcode was taken from the address
    none_in_address: np.ndarray  # no usable postcode, and none in the address either
    district_code: np.ndarray
    advice: np.ndarray  # what to add, for island postcodes without a grid reference; None


def address_postcodes(state: Cascade, postcode: pd.Series, address: pd.Series) -> PostcodeStep:
    """Take the last full postcode written in the address where the postcode field has none.

    Only the rows that need it are searched (one vectorised regular expression), and each
    row that takes its postcode from the address is warned about.
    """
    need = postcode.isna().to_numpy() & address.notna().to_numpy()
    taken = np.zeros(len(postcode), dtype=bool)
    used = postcode.astype(object)
    if need.any():
        found = postcode_in_text(address[need])
        values = found.values.reindex(postcode.index)
        taken = values.notna().to_numpy()
        used = used.where(~taken, values)
        problems = found.problems.reindex(postcode.index)
        how = np.where(problems.notna(), "; " + problems.fillna("").astype(str), "")
        state.warning(taken, "postcode", address, "postcode taken from the address: ", values, how)
    n = len(postcode)
    return PostcodeStep(
        postcode=used.where(used.notna(), None),
        from_address=taken,
        none_in_address=need & ~taken,
        district_code=np.full(n, None, dtype=object),
        advice=np.full(n, None, dtype=object),
    )


def place_by_postcode(state: Cascade, step: PostcodeStep, postcodes: PostcodeLookup) -> None:
    """Place unplaced rows at their postcode's grid reference; note why others cannot be."""
    pcd = step.postcode
    has_pcd = pcd.notna().to_numpy()
    hit = postcodes.lookup(pcd)
    found = hit["found"].to_numpy()
    has_grid = found & hit["easting"].notna().to_numpy()
    px, py = hit["easting"].to_numpy(), hit["northing"].to_numpy()
    country = hit["country"].reset_index(drop=True)
    step.district_code = hit["district_code"].to_numpy(dtype=object, na_value=None)
    check_against_postcode(state, has_grid, px, py, pcd, (country == NORTHERN_IRELAND).to_numpy())
    state.place(has_pcd & has_grid, px, py, "postcode", POSTCODE_PRECISION_M)
    source = np.where(step.from_address, '" (taken from the address)', '"')
    state.note(has_pcd & ~found, 'postcode "', pcd, source, " not found")
    island = has_pcd & found & ~has_grid & country.isin(NO_GRID_REFERENCE).to_numpy()
    the = np.where(country.isin(["Isle of Man", "Channel Islands"]), "the ", "")
    no_grid = ", which the ONS Postcode Directory gives no grid reference for"
    state.note(island, 'postcode "', pcd, source, " is in ", the, country, no_grid)
    step.advice = np.where(island, country.map(_ISLAND_ADVICE).to_numpy(dtype=object), None)
    other = has_pcd & found & ~has_grid & ~island
    state.note(other, 'postcode "', pcd, source, " has no grid reference in the ONSPD")


def check_against_postcode(
    state: Cascade,
    has_grid: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    pcd: pd.Series,
    irish: np.ndarray,
) -> None:
    """Compare placed coordinates with the postcode's grid reference.

    Easting and northing can both lie inside the grid's extent the wrong way round; when
    the swapped point is near the postcode and the given one is far, swap them. Easting and
    northing given at a Northern Ireland postcode may be on the Irish Grid: when read so they
    are near the postcode and as British National Grid they are far, they are converted. Any
    other point far from its postcode is kept but warned about.
    """
    by_coords = (state.method == "coordinates") & has_grid
    if not by_coords.any():
        return
    given = fmt_pair(np.round(state.x), np.round(state.y))
    dist = np.hypot(state.x - px, state.y - py)
    swapped_dist = np.hypot(state.y - px, state.x - py)
    swap = by_coords & (dist > FAR_FROM_POSTCODE_M) & (swapped_dist < NEAR_POSTCODE_M)
    state.warning(
        swap, "easting/northing", given,
        "easting and northing were the wrong way round (the postcode is at the swapped point): swapped",
    )  # fmt: skip
    state.x[swap], state.y[swap] = state.y[swap].copy(), state.x[swap].copy()
    on_irish = by_coords & ~swap & irish & state.grid_xy & (dist > FAR_FROM_POSTCODE_M)
    if on_irish.any():
        ix, iy = irish_grid_to_bng(state.x, state.y)
        on_irish &= np.hypot(ix - px, iy - py) < FAR_FROM_POSTCODE_M
        state.warning(
            on_irish, "easting/northing", given,
            "easting/northing are on the Irish Grid (the Northern Ireland postcode is there): "
            "converted to British National Grid",
        )  # fmt: skip
        state.x[on_irish], state.y[on_irish] = ix[on_irish], iy[on_irish]
    far = by_coords & ~swap & ~on_irish & (dist > FAR_FROM_POSTCODE_M)
    km = np.round(dist / 1000, 1)
    state.warning(
        far, "easting/northing", given,
        "coordinates are ", km, ' km from postcode "', pcd, '": kept, please check',
    )  # fmt: skip


def unusable_postcodes(
    state: Cascade,
    step: PostcodeStep,
    raw_postcodes: pd.Series | None,
    postcode_problems: pd.Series | None,
) -> np.ndarray:
    """Note rows whose postcode cell held something unusable; return where one was written."""
    n = len(step.postcode)
    raw = raw_postcodes.reset_index(drop=True) if raw_postcodes is not None else pd.Series([None] * n)
    raw_given = written(raw)
    rows = np.flatnonzero(step.postcode.isna().to_numpy() & raw_given)
    raw_text = raw.iloc[rows].astype(str).str.strip().to_numpy(dtype=object)  # for those rows only
    unusable = np.asarray(
        texts(np.arange(len(rows)), 'postcode "', raw_text, '" is not a usable postcode'), dtype=object
    )
    if postcode_problems is not None:
        problems = postcode_problems.reset_index(drop=True).to_numpy(dtype=object)[rows]
        unusable = np.where(pd.isna(problems), unusable, problems)
    either = np.where(step.none_in_address[rows], _NONE_IN_ADDRESS, "")
    notes = np.full(n, "", dtype=object)
    notes[rows] = [f"{u}{e}" for u, e in zip(unusable, either, strict=True)]
    state.note(step.postcode.isna().to_numpy() & raw_given, notes)
    return raw_given


def written(cells: pd.Series) -> np.ndarray:
    """Where a cell holds something (not missing, and not blank once stripped as text).

    Text cells are looked at by Arrow (:func:`blank_text`: ``str.strip``'s whitespace);
    cells of any other kind as ``astype(str).str.strip()`` gives them.
    """
    present = cells.notna().to_numpy()
    try:
        text = pa.array(cells.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return present & (cells.astype(str).str.strip() != "").to_numpy()
    return present & ~pc.fill_null(blank_text(text), True).to_numpy(zero_copy_only=False)


def reject_reasons(state: Cascade, step: PostcodeStep, raw_given: np.ndarray) -> np.ndarray:
    """A reason in words for every row nothing placed (``None`` for placed rows)."""
    reasons = np.full(len(state.index), None, dtype=object)
    no_postcode = step.postcode.isna().to_numpy() & ~raw_given
    for i in np.flatnonzero(state.unplaced):
        missing = None
        if no_postcode[i]:
            missing = "no postcode" + (_NONE_IN_ADDRESS if step.none_in_address[i] else "")
        reasons[i] = _reason(
            state.notes.get(int(i), []),
            had_coords=bool(state.had_coords[i]),
            missing_postcode=missing,
            advice=step.advice[i],
        )
    return reasons


def _reason(notes: list[str], *, had_coords: bool, missing_postcode: str | None, advice: str | None) -> str:
    if not notes and not had_coords:
        return f"{missing_postcode or 'no postcode'}, UPRN or coordinates to place it by"
    text = ", ".join(notes) if notes else "no usable location"
    if advice and not had_coords:
        return f"{text}; {advice}"
    missing = [m for m in (missing_postcode, None if had_coords else "no coordinates") if m]
    if len(missing) == 2:
        return f"{text}, {missing[0]} and {missing[1]}"
    return f"{text} and {missing[0]}" if missing else text
