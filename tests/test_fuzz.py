"""Whatever a register holds, nothing is lost and nothing raises but a clear AssetmapError."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap._errors import AssetmapError
from assetmap.config import parse_config
from assetmap.estate import build_estate
from assetmap.geocode import PostcodeLookup
from assetmap.registers import clean

HEADER = ["Ref", "Name", "Post Code", "Easting", "Northing", "GIA", "Cost", "Util", "Lat", "Lon", "UPRN"]
# Cells that look like what registers hold, plus arbitrary text.
SAMPLES = [
    "", " ", "ME14 1AA", "me141aa", "ZZ99 9ZZ", "TBC", "M31", "575794", "156256", "51.27", "0.52", "-",
    "£1,200", "(1,200)", "85%", "0.85", "180%", "=1+1", "@SUM(A1)", "1.00023E+11", "N/A", "0", "-5", "nan",
    "inf", "1e400", "\n", '"', "£12,3OO", "31/02/2027", "Note: figures are unaudited and subject to change",
]  # fmt: skip
CELL = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 2), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def onspd() -> PostcodeLookup:
    return PostcodeLookup()


def _config(folder: Path) -> object:
    fields = (
        "asset_id", "name", "postcode", "easting", "northing", "gia_m2", "running_cost_gbp", "utilisation",
        "latitude", "longitude", "uprn",
    )  # fmt: skip
    columns = dict(zip(fields, HEADER, strict=True))
    data = {"title": "Fuzz", "partners": [{"name": "P", "register": "r.csv", "columns": columns}]}
    return parse_config(data, folder / "assetmap.yaml", folder)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_any_register_rows_are_placed_or_rejected_once(
    rows: list[list[str]], tmp_path_factory: pytest.TempPathFactory, onspd: PostcodeLookup
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    (folder / "r.csv").write_text(buf.getvalue(), encoding="utf-8")
    try:
        estate = build_estate(_config(folder), postcodes=onspd)
    except AssetmapError:
        return  # a clear error naming the file is an acceptable answer
    non_blank = sum(1 for r in rows if any(c.strip() for c in r))
    keys = pd.concat([estate.assets["source_row"], estate.rejects["source_row"]], ignore_index=True)
    assert len(keys) == non_blank
    assert not keys.duplicated().any()
    assert estate.rejects["reason"].str.len().gt(0).all()
    assert estate.assets["utilisation"].dropna().between(0, 1.5).all()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=20), CELL), max_size=20))
def test_cleaners_never_raise_and_keep_every_row(values: list[str | None]) -> None:
    s = pd.Series(values, dtype=object)
    for fn in (
        clean.clean_money, clean.clean_number, clean.clean_fraction, clean.clean_postcode, clean.clean_uprn,
        clean.clean_date, clean.clean_bool, clean.clean_condition, clean.clean_tenure, clean.clean_text,
        clean.clean_coord,
    ):  # fmt: skip
        out = fn(s)
        assert len(out.values) == len(s) and len(out.problems) == len(s)
        assert out.values.index.equals(s.index)
