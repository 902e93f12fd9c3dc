"""The combined estate's faster steps give what the simple ones gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.estate import _duplicate_id_warnings


def _simple_duplicate_ids(assets: pd.DataFrame) -> pd.DataFrame:
    """Every row's id counted over the whole register, as the estate first did it."""
    ids = assets["asset_id"]
    counts = ids.map(ids.value_counts())
    dup = ids.notna() & (counts > 1)
    out = assets.loc[dup, ["partner", "source_file", "source_row", "asset_id"]].copy()
    out["field"] = "asset_id"
    out["value"] = out["asset_id"]
    out["warning"] = "asset id appears " + counts[dup].astype(int).astype(str) + " times in this register"
    return out


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(st.one_of(st.none(), st.sampled_from(["A1", "A2", "a1", "A1 ", "", "0"])), max_size=40))
def test_duplicate_id_warnings_equal_counting_every_row(ids: list[str | None]) -> None:
    assets = pd.DataFrame(
        {
            "partner": "P",
            "source_file": "r.csv",
            "source_row": np.arange(2, len(ids) + 2, dtype=np.int64),
            "asset_id": pd.Series(ids, dtype=object),
        }
    )
    got, want = _duplicate_id_warnings(assets), _simple_duplicate_ids(assets)
    pd.testing.assert_frame_equal(got, want)
    if ids.count("A1") > 1:
        assert f"asset id appears {ids.count('A1')} times in this register" in set(got["warning"])


def test_text_columns_hold_none_for_every_kind_of_missing() -> None:
    """The estate's text columns hold ``None`` where missing, whatever missing came as."""
    from assetmap.estate import _none_for_missing

    cases = [
        pd.Series(["a", None, "b"], dtype=object),
        pd.Series(["a", np.nan, None], dtype=object),
        pd.Series(["a", pd.NA, "b"], dtype=object),
        pd.Series(["a", None], dtype="string"),
        pd.Series([np.nan, np.nan]),
        pd.Series([1, None, "x"], dtype=object),
    ]
    for column in cases:
        want = column.astype(object).where(column.notna(), None)
        got = _none_for_missing(column)
        pd.testing.assert_series_equal(got, want)
        assert [v is None for v in got] == column.isna().tolist()
