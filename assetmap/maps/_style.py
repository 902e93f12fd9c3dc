"""Colours, use categories and labels shared by the HTML map and the pictures."""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

#: Marker colour per partner kind.
KIND_COLOURS: Final[dict[str, str]] = {
    "council": "#1f77b4",
    "nhs": "#00a3ad",
    "police": "#14213d",
    "fire": "#d62728",
    "education": "#2ca02c",
    "central_government": "#9467bd",
    "other": "#7f7f7f",
}

KIND_LABELS: Final[dict[str, str]] = {
    "council": "Council",
    "nhs": "NHS",
    "police": "Police",
    "fire": "Fire and rescue",
    "education": "Education",
    "central_government": "Central government",
    "other": "Other",
}

#: Ring colour per rating (disposal or shared use); grey: not rated, its inputs unknown.
RATINGS: Final[tuple[str, ...]] = ("red", "amber", "green", "unrated")
RATING_COLOURS: Final[dict[str, str]] = {
    "red": "#d7191c", "amber": "#f29e05", "green": "#1a9641", "unrated": "#9e9e9e",
}  # fmt: skip
#: The row of :data:`RATINGS` for assets not rated (``unrated``, a rating not known, or no plan):
#: one code for one state, in the page's asset columns and in its clusters' counts alike.
NOT_RATED: Final = RATINGS.index("unrated")


def rating_index(values: pd.Series) -> np.ndarray:
    """Each rating's row of :data:`RATINGS` (any case); :data:`NOT_RATED` for anything else."""
    lower = values.astype("string").str.lower()
    return lower.map({r: i for i, r in enumerate(RATINGS)}).fillna(NOT_RATED).astype(int).to_numpy()


RATING_LABELS: Final[dict[str, str]] = {
    "red": "Red: candidate for disposal",
    "amber": "Amber: candidate for shared use",
    "green": "Green: retain",
    "unrated": "Grey: not rated (no running cost or utilisation known)",
}

#: Cluster polygon fill per opportunity.
CLUSTER_CATEGORIES: Final[tuple[tuple[str, str, str], ...]] = (
    ("moves", "Co-location or disposal planned", "#e6550d"),
    ("share", "Spare space to share", "#fdae6b"),
    ("none", "No opportunity found", "#969696"),
)

#: Use categories: key, legend label, marker glyph, pattern matched in ``use`` (first wins).
USE_CATEGORIES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("police", "Police", "P", r"police|custody"),
    ("fire", "Fire or ambulance station", "F", r"fire|ambulance|rescue"),
    ("health", "Health", "H", r"health|clinic|surgery|\bgp\b|hospital|medical|dental|pharmacy|nhs"),
    ("school", "School or college", "S", r"school|academy|college|nursery|educat|universit"),
    ("office", "Office", "O", r"office|civic|town hall|county hall|headquarters|\bhq\b|admin|jobcentre"),
    ("library", "Library or community", "L", r"librar|communit|\bhub\b|centre|youth|children|court"),
    ("depot", "Depot or store", "D", r"depot|stor(e|age)|workshop|garage|warehouse|yard|industr"),
    ("leisure", "Leisure or sport", "R", r"leisure|sport|pool|gym|park|recreation|museum|theatre"),
    ("housing", "Housing or care", "C", r"hous|residen|care|hostel|refuge|home|flat"),
    ("land", "Land", "Ld", r"land|field|plot|site|farm|car park|parking"),
    ("other", "Other or not given", "•", r""),
)

_USE_RES: Final = [re.compile(p, re.IGNORECASE) for _, _, _, p in USE_CATEGORIES[:-1]]


def use_category(uses: pd.Series) -> np.ndarray:
    """Index into :data:`USE_CATEGORIES` for each ``use`` text (last one when none matches)."""
    values = uses.astype("string").fillna("")
    uniques = pd.unique(values)
    lookup: dict[str, int] = {}
    for text in uniques:
        idx = len(USE_CATEGORIES) - 1
        for i, pattern in enumerate(_USE_RES):
            if pattern.search(str(text)):
                idx = i
                break
        lookup[str(text)] = idx
    return values.map(lookup).to_numpy(dtype=np.int64)


def money(value: float) -> str:
    """Pounds for people: ``£12,345`` or ``£1.2m``."""
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m"
    return f"£{value:,.0f}"
