"""Column matching and clean_register: typed canonical columns, warnings, no row ever dropped."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from assetmap._errors import RegisterError
from assetmap.config import PartnerConfig
from assetmap.registers import CleanRegister, RawRegister, clean_register, load_partner, match_columns
from assetmap.registers._aliases import ALIASES, alias_key
from assetmap.schema import CANONICAL_FIELDS, WARNING_COLUMNS

REALDATA = Path(
    os.environ.get("ASSETMAP_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)


def raw_of(columns: dict[str, list[str | None]], *, rows: list[int] | None = None) -> RawRegister:
    frame = pd.DataFrame(columns, dtype=object)
    n = len(frame)
    source = np.array(rows if rows is not None else range(2, n + 2), dtype=np.int64)
    return RawRegister(Path("kcc.csv"), frame, source, None, 1, "utf-8", None)


def test_aliases_match_common_headings() -> None:
    raw = raw_of(
        {
            "\ufeffProperty Ref": ["A"],
            "PropertyName": ["x"],
            "POST_CODE": ["ME1 1AA"],
            "X Co-ordinate": ["1"],
            "GeoY": ["2"],
            "Occupancy %": ["50"],
            "Occupancy": ["5"],
            "GIA (m²)": ["10"],
            "Costs in Use": ["1"],
            "Other": ["z"],
        }
    )
    assert match_columns(raw, {}) == {
        "asset_id": "\ufeffProperty Ref",
        "name": "PropertyName",
        "postcode": "POST_CODE",
        "easting": "X Co-ordinate",
        "northing": "GeoY",
        "utilisation": "Occupancy %",
        "occupancy": "Occupancy",
        "gia_m2": "GIA (m²)",
        "running_cost_gbp": "Costs in Use",
    }


def test_every_alias_is_recognised_on_its_own() -> None:
    for field, aliases in ALIASES.items():
        for alias in aliases:
            raw = raw_of({alias: ["1"], "Unrelated": ["2"]})
            assert match_columns(raw, {}).get(field) == alias, (field, alias)


def test_alias_keys_ignore_case_and_punctuation() -> None:
    assert alias_key("Post Code") == alias_key("POST_CODE") == alias_key("postcode")
    assert alias_key("Utilisation %") != alias_key("Utilisation")


def test_named_columns_match_leniently_and_are_not_reused() -> None:
    raw = raw_of({"Site  Name": ["Hall"], "Postcode": ["ME1 1AA"], "Name": ["Other"], "Street": ["High St"]})
    got = match_columns(raw, {"name": "site_name", "address": ["Street", "POSTCODE"]})
    assert got["name"] == "Site  Name"
    assert got["address"] == ["Street", "Postcode"]
    assert "postcode" not in got  # the Postcode column is already used by address


def test_missing_named_column_message() -> None:
    raw = raw_of({"Asset ID": ["1"], "Property Name": ["x"], "Post Code": ["ME1 1AA"]})
    with pytest.raises(RegisterError) as err:
        match_columns(raw, {"postcode": "Postcod"})
    assert str(err.value) == (
        "kcc.csv: column 'Postcod' (for postcode) is not in the register; its columns are: "
        "'Asset ID', 'Property Name', 'Post Code'. Did you mean 'Post Code'?"
    )
    with pytest.raises(RegisterError) as err:
        match_columns(raw, {"gia_m2": "Floorspace"})
    assert str(err.value) == (
        "kcc.csv: column 'Floorspace' (for gia_m2) is not in the register; its columns are: "
        "'Asset ID', 'Property Name', 'Post Code'"
    )


def _messy() -> RawRegister:
    return raw_of(
        {
            "Asset ID": ["A1", "A2", None, "A4"],
            "Name": ["  Civic\nCentre ", None, None, "Depot"],
            "Street": ["1 High St", None, None, "Mill Lane"],
            "Town": ["Maidstone", "Ashford", None, None],
            "Post Code": ["me14 1aa", "TBC", None, "M31"],
            "UPRN": ["000100012345678", "1.00023E+11", None, "12345.0"],
            "GIA": ["1,200 m2", "-120", None, "0"],
            "Annual Running Cost": ["£12,345", "(1,2OO)", None, "(500)"],
            "Book Value": ["£1.2m", "-5", None, None],
            "Utilisation": ["85%", None, None, "180"],
            "FTE": ["10", "8", None, None],
            "Desks": ["20", "10", None, None],
            "Lease End": ["31/03/2027", "46477", None, "soon"],
            "Condition": ["B", "Z", None, None],
            "Tenure": ["Freehold", "LH", None, "licence"],
            "Restricted": ["No", "yes", None, "maybe"],
        },
        rows=[4, 5, 7, 9],
    )


def test_clean_register_types_and_never_drops_rows() -> None:
    raw = _messy()
    columns = match_columns(raw, {"address": ["Street", "Town"]})
    reg = clean_register(raw, columns, partner="Kent CC", source_file="registers/kcc.csv")
    assert isinstance(reg, CleanRegister)
    a = reg.assets
    assert len(a) == len(raw.frame) == 4
    assert list(a.index) == [0, 1, 2, 3]
    assert set(CANONICAL_FIELDS) <= set(a.columns)
    for extra in ("source_row", "geom_easting", "geom_northing", "utilisation_derived"):
        assert extra in a.columns
    for f in ("asset_id", "name", "address", "postcode", "uprn", "use", "tenure", "condition"):
        assert a[f].dtype == object, f
    for f in (
        "easting",
        "latitude",
        "gia_m2",
        "running_cost_gbp",
        "utilisation",
        "occupancy",
        "book_value_gbp",
    ):
        assert a[f].dtype == np.float64, f
    assert str(a["lease_expiry"].dtype) == "datetime64[ns]"
    assert a["sensitive"].dtype == bool and a["utilisation_derived"].dtype == bool
    assert a["source_row"].dtype == np.int64 and a["source_row"].tolist() == [4, 5, 7, 9]
    assert a["geom_easting"].isna().all()

    assert a["name"].tolist() == ["Civic Centre", None, None, "Depot"]
    assert a["address"].tolist() == ["1 High St, Maidstone", "Ashford", None, "Mill Lane"]
    assert a["postcode"].tolist() == ["ME14 1AA", None, None, None]
    assert a["uprn"].tolist() == ["100012345678", None, None, "12345"]
    assert a["gia_m2"].tolist()[0] == 1200 and a["gia_m2"].iloc[1:].isna().all()
    assert a["running_cost_gbp"].tolist()[::3] == [12345.0, -500.0]
    assert a["book_value_gbp"].iloc[0] == 1_200_000 and np.isnan(a["book_value_gbp"].iloc[1])
    assert a["utilisation"].iloc[0] == pytest.approx(0.85)
    assert a["utilisation"].iloc[1] == pytest.approx(0.8)  # derived 8 / 10
    assert a["utilisation_derived"].tolist() == [False, True, False, False]
    assert np.isnan(a["utilisation"].iloc[3])  # 180% is rejected, not derived over
    assert a["lease_expiry"].iloc[0] == pd.Timestamp("2027-03-31") == a["lease_expiry"].iloc[1]
    assert a["condition"].tolist() == ["B", None, None, None]
    assert a["tenure"].tolist() == ["freehold", "leasehold", None, "other"]
    assert a["sensitive"].tolist() == [False, True, False, True]


def test_clean_register_warnings() -> None:
    raw = _messy()
    reg = clean_register(raw, match_columns(raw, {}), partner="Kent CC", source_file="registers/kcc.csv")
    w = reg.warnings
    assert list(w.columns) == list(WARNING_COLUMNS)
    assert set(w["partner"]) == {"Kent CC"} and set(w["source_file"]) == {"registers/kcc.csv"}
    assert w["source_row"].dtype == np.int64
    got = {(r.source_row, r.asset_id, r.field, r.value, r.warning) for r in w.itertuples()}
    assert got == {
        (5, "A2", "postcode", "TBC", 'postcode "TBC" is a placeholder'),
        (
            5,
            "A2",
            "uprn",
            "1.00023E+11",
            'UPRN "1.00023E+11" was rounded by Excel (scientific notation); enter it as text',
        ),
        (5, "A2", "gia_m2", "-120", "negative floor area -120 ignored"),
        (5, "A2", "running_cost_gbp", "(1,2OO)", '"(1,2OO)" is not an amount of money'),
        (5, "A2", "book_value_gbp", "-5", 'negative book value "-5" ignored'),
        (5, "A2", "condition", "Z", 'condition "Z" is not a grade A, B, C or D'),
        (9, "A4", "postcode", "M31", 'postcode "M31" is only a partial postcode'),
        (9, "A4", "gia_m2", "0", "floor area 0 is not a real area"),
        (9, "A4", "utilisation", "180", "utilisation 180% is over 150%: ignored"),
        (9, "A4", "lease_expiry", "soon", '"soon" is not a lease expiry date (use day/month/year)'),
        (9, "A4", "sensitive", "maybe", '"maybe" is not yes or no; treated as sensitive (yes) to be safe'),
    }
    assert w["source_row"].is_monotonic_increasing
    assert reg.columns_used["postcode"] == "Post Code"


def test_clean_register_without_fields_has_all_columns_missing() -> None:
    raw = raw_of({"Whatever": ["a", "b"]})
    reg = clean_register(raw, {}, partner="p", source_file="f.csv")
    assert len(reg.assets) == 2 and len(reg.warnings) == 0
    assert list(reg.warnings.columns) == list(WARNING_COLUMNS)
    assert reg.assets["postcode"].tolist() == [None, None]
    assert reg.assets["gia_m2"].isna().all() and not reg.assets["sensitive"].any()


def test_clean_register_vector_geometry(tmp_path: Path) -> None:
    path = tmp_path / "estate.gpkg"
    gdf = gpd.GeoDataFrame(
        {"Asset ID": ["a", "b"], "GIA": [10.0, None]},
        geometry=[Point(575800, 156300), None],
        crs="EPSG:27700",
    )
    gdf.to_file(path)
    partner = PartnerConfig.model_validate({"name": "Fire", "register": "estate.gpkg"})
    _raw, reg = load_partner(partner, base_dir=tmp_path)
    assert reg.assets["geom_easting"].iloc[0] == pytest.approx(575800)
    assert reg.assets["geom_northing"].iloc[0] == pytest.approx(156300)
    assert np.isnan(reg.assets["geom_easting"].iloc[1])
    assert reg.assets["gia_m2"].tolist()[0] == 10.0
    assert reg.assets["source_row"].tolist() == [1, 2]


def test_load_partner_reads_matches_and_cleans(tmp_path: Path) -> None:
    (tmp_path / "registers").mkdir()
    text = "Council terrier\r\n\r\nRef,Site Name,Post Code,Annual Running Cost\r\nA1,Hall,me14 1aa,£5\r\n"
    (tmp_path / "registers" / "kcc.csv").write_bytes(text.encode("cp1252"))
    partner = PartnerConfig.model_validate(
        {"name": "KCC", "register": "registers/kcc.csv", "columns": {"asset_id": "ref"}}
    )
    raw, reg = load_partner(partner, base_dir=tmp_path)
    assert raw.header_row == 3 and raw.encoding == "cp1252"
    assert reg.columns_used == {
        "asset_id": "Ref",
        "name": "Site Name",
        "postcode": "Post Code",
        "running_cost_gbp": "Annual Running Cost",
    }
    assert reg.assets[["asset_id", "postcode", "running_cost_gbp"]].iloc[0].tolist() == [
        "A1",
        "ME14 1AA",
        5.0,
    ]
    assert reg.assets["source_row"].tolist() == [4]

    bad = PartnerConfig.model_validate(
        {"name": "KCC", "register": "registers/kcc.csv", "columns": {"uprn": "UPRN"}}
    )
    with pytest.raises(RegisterError, match=r"column 'UPRN' \(for uprn\) is not in the register"):
        load_partner(bad, base_dir=tmp_path)


def test_real_cheltenham_cleans_every_row() -> None:
    path = REALDATA / "cheltenham-land-assets" / "local_authority_land_and_assets_2021.csv"
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    partner = PartnerConfig.model_validate({"name": "Cheltenham", "register": str(path)})
    raw, reg = load_partner(partner)
    assert len(reg.assets) == len(raw.frame) == 498
    assert reg.columns_used["easting"] == "GeoX" and reg.columns_used["postcode"] == "PostCode"
    assert reg.assets["postcode"].iloc[0] == "GL50 1DY"
    assert reg.assets["postcode"].notna().sum() == 171
    assert reg.assets["uprn"].str.fullmatch(r"\d{1,12}").fillna(True).all()
    assert reg.assets["easting"].between(380000, 410000).sum() >= 490


def test_real_trafford_partial_postcodes_warned() -> None:
    path = REALDATA / "trafford-land-assets" / "trafford_land_and_building_assets.csv"
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    _raw, reg = load_partner(PartnerConfig.model_validate({"name": "Trafford", "register": str(path)}))
    assert len(reg.assets) == 608
    partial = reg.warnings[reg.warnings["warning"].str.contains("only a partial postcode")]
    assert len(partial) > 0 and set(partial["field"]) == {"postcode"}


def test_named_column_spaces_inside_words_matter() -> None:
    raw = raw_of({"Postcode": ["ME1 1AA"]})
    with pytest.raises(
        RegisterError, match=r"column 'Post Code' \(for postcode\).*Did you mean 'Postcode'\?"
    ):
        match_columns(raw, {"postcode": "Post Code"})
    assert match_columns(raw, {"postcode": " POSTCODE\n"}) == {"postcode": "Postcode"}


def test_clean_register_rejects_unknown_column() -> None:
    raw = raw_of({"Ref": ["1"]})
    with pytest.raises(RegisterError, match=r"kcc.csv: cannot clean 'asset_id' from column\(s\) \['Nope'\]"):
        clean_register(raw, {"asset_id": "Nope"}, partner="p", source_file="f")
