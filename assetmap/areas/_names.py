"""Local authority district names for codes, from the list shipped in ``assetmap/data``.

``lad_names.csv`` (ONS, Open Government Licence; provenance in ``lad_names.README.md``)
maps every district code the ONS Postcode Directory carries to its name. A code missing
from it is shown as the code alone.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import numpy as np
import pandas as pd


@functools.cache
def district_names() -> dict[str, str]:
    """Every district code in the shipped list -> its name.

    Returns
    -------
    dict
        ``{"E07000110": "Maidstone", ...}``.
    """
    text = resources.files("assetmap").joinpath("data", "lad_names.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return dict(zip(frame["code"], frame["name"], strict=True))


def names_for(codes: pd.Series | np.ndarray) -> np.ndarray:
    """Names of district codes from the shipped list; None where the code is unknown or missing.

    Parameters
    ----------
    codes : Series or array
        District codes (``E07000110``), missing values allowed.

    Returns
    -------
    numpy.ndarray
        Object array of names or None, one per code.
    """
    found = pd.Series(np.asarray(codes, dtype=object)).map(district_names())
    return found.astype(object).where(found.notna(), None).to_numpy(dtype=object)
