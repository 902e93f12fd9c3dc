"""The map's fast paths give the same answers as the simple ones they replaced (issue 9).

Each is checked against the plain way on random estates (hypothesis), including the awkward
cases: missing clusters, areas and names, clusters absent from the map, one area only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap.areas import cluster_areas
from assetmap.maps._areas import cluster_area_names

_CLUSTERS = st.sampled_from([None, "C1", "C2", "C10", "C3"])
_CODES = st.sampled_from([None, "E01", "E02", "W01", "S9"])
_NAMES = st.sampled_from([None, "", "Bath", "Ávon", "Zed; Two", "bath"])


@given(st.lists(st.tuples(_CLUSTERS, _CODES, _NAMES), max_size=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_clusters_across_a_border_as_the_areas_module_finds_them(
    rows: list[tuple[str | None, str | None, str | None]], with_names: bool
) -> None:
    vis = pd.DataFrame(rows, columns=["cluster_id", "district_code", "district_name"], dtype=object)
    if not with_names:
        vis = vis.drop(columns="district_name")
    ids = ["C1", "C10", "C2", "C3", "C9"]  # the map's clusters: C9 has no member here
    cross, areas = cluster_area_names(vis, "district", ids)
    per = cluster_areas(vis, "district").reindex(ids)
    assert cross.tolist() == per["cross_boundary"].fillna(False).astype(bool).tolist()
    assert areas == [None if pd.isna(a) else str(a) for a in per["areas"]]
    assert cross.dtype == np.bool_
