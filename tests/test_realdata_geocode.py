"""Geocoding data.police.uk's real station list: postcodes written in the address, and
Northern Ireland's stations, checked against the file read independently with pandas.

Skipped, with the reason, when ../shared/realdata is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from support import realdata

from assetmap.config import load_config
from assetmap.estate import Estate, build_estate
from assetmap.geocode import PostcodeLookup

pytestmark = pytest.mark.slow  # the whole pipeline on real registers

#: A full postcode at the very end of an address, upper case with one space: a stricter,
#: independent reading than the one under test (which also finds mixed-up and inner ones).
POSTCODE_AT_END = r"\b([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$"

#: Town centres (WGS84) of the towns named in Northern Ireland's station addresses.
NI_TOWNS = {
    "Antrim": (54.7195, -6.2072), "Armagh": (54.3503, -6.6528), "Ballymena": (54.8638, -6.2767),
    "Belfast": (54.5973, -5.9301), "Coleraine": (55.1325, -6.6646), "Crossmaglen": (54.0784, -6.6088),
    "Downpatrick": (54.3275, -5.7156), "Dungannon": (54.5033, -6.7670), "Enniskillen": (54.3438, -7.6315),
    "Larne": (54.8578, -5.8236), "Limavady": (55.0510, -6.9330), "Lisburn": (54.5162, -6.0580),
    "Lisnaskea": (54.2500, -7.4430), "Lurgan": (54.4630, -6.3340), "Newry": (54.1751, -6.3402),
    "Newtownabbey": (54.6596, -5.9090), "Newtownards": (54.5919, -5.6935),
    "Newtownhamilton": (54.1960, -6.5780), "Omagh": (54.5977, -7.3100), "Strabane": (54.8270, -7.4630),
    "Londonderry": (54.9966, -7.3086), "Magherafelt": (54.7550, -6.6070),
}  # fmt: skip

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@pytest.fixture(scope="module")
def police(tmp_path_factory: pytest.TempPathFactory) -> tuple[Estate, pd.DataFrame]:
    tsv = realdata("police-stations-datapoliceuk", "station.tsv")
    config = tmp_path_factory.mktemp("police") / "assetmap.yaml"
    config.write_text(
        f"title: Police stations\npartners:\n  - {{name: Police, kind: police, register: '{tsv}'}}\n",
        encoding="utf-8",
    )
    estate = build_estate(load_config(config))
    table = pd.read_csv(Path(tsv), sep="\t", dtype=str, quoting=3)
    table["source_row"] = np.arange(len(table)) + 2  # the header is row 1
    table["in_address"] = table["address"].str.strip().str.extract(POSTCODE_AT_END)[0]
    table["no_cell"] = table["postcode"].fillna("").str.strip() == ""
    table["has_lat_lon"] = table["latitude"].notna() & table["longitude"].notna()
    return estate, table


def test_every_row_once(police: tuple[Estate, pd.DataFrame]) -> None:
    estate, table = police
    rows = pd.concat([estate.assets["source_row"], estate.rejects["source_row"]])
    assert sorted(rows.tolist()) == table["source_row"].tolist()


def test_rows_rejected_for_no_postcode_before_and_now(police: tuple[Estate, pd.DataFrame]) -> None:
    estate, table = police
    before = table["no_cell"] & ~table["has_lat_lon"]
    assert before.sum() == 306  # rejected for having no postcode before the address was read
    gained = before & table["in_address"].notna()
    assert gained.sum() == 57
    rejects = estate.rejects.set_index("source_row")["reason"]
    no_postcode = rejects[rejects.str.startswith("no postcode")]
    assert len(no_postcode) == 306 - 57 == 249
    assert set(no_postcode.index) == set(table.loc[before & ~gained, "source_row"])
    # the reason says whether there was an address to look in
    has_address = table.set_index("source_row")["address"].notna()
    searched = no_postcode[has_address[no_postcode.index].to_numpy()]
    assert len(searched) > 200  # Lancashire's addresses name the street and town only
    assert (searched == "no postcode (none in the address either), UPRN or coordinates to place it by").all()
    placed = estate.assets.set_index("source_row")
    assert (placed.loc[table.loc[gained, "source_row"], "geocode_method"] == "postcode").all()


def test_every_postcode_taken_from_the_address_is_warned(police: tuple[Estate, pd.DataFrame]) -> None:
    estate, table = police
    taken = table[table["no_cell"] & table["in_address"].notna()].set_index("source_row")
    warned = estate.warnings[estate.warnings["warning"].str.startswith("postcode taken from the address")]
    warned = warned.set_index("source_row")
    assert not warned.index.duplicated().any()
    assert sorted(warned.index) == sorted(taken.index)
    assert (warned["field"] == "postcode").all()
    assert (warned["warning"] == "postcode taken from the address: " + taken["in_address"]).all()
    address = taken["address"].str.split().str.join(" ")  # as cleaned: whitespace collapsed
    assert (warned["value"] == address[warned.index]).all()
    placed = estate.assets.set_index("source_row")
    assert set(taken.index) <= set(placed.index)
    assert (placed.loc[taken.index, "postcode"] == taken["in_address"]).all()


def test_address_postcodes_lie_near_the_stations_given_position(police: tuple[Estate, pd.DataFrame]) -> None:
    estate, table = police
    taken = table[table["no_cell"] & table["in_address"].notna() & table["has_lat_lon"]]
    assert len(taken) >= 20
    hit = PostcodeLookup().lookup(taken["in_address"])
    lon, lat = taken["longitude"].astype(float).to_numpy(), taken["latitude"].astype(float).to_numpy()
    x, y = _TO_BNG.transform(lon, lat)
    assert hit["found"].all()
    assert (np.hypot(hit["easting"].to_numpy() - x, hit["northing"].to_numpy() - y) < 1_000).all()
    # these rows have their own coordinates, so they are placed there and not warned as far away
    placed = estate.assets.set_index("source_row").loc[taken["source_row"]]
    assert (placed["geocode_method"] == "coordinates").all()
    far = estate.warnings["warning"].str.contains("km from postcode") & estate.warnings["source_row"].isin(
        taken["source_row"]
    )
    assert not far.any()


def test_northern_ireland_stations_are_placed_in_their_towns(police: tuple[Estate, pd.DataFrame]) -> None:
    estate, table = police
    ni = table[table["force_id"] == "northern-ireland"].copy()
    assert len(ni) == 26 and ni["postcode"].str.startswith("BT").all()
    ni["town"] = ni["address"].str.extract(r"([^,]+), County [A-Za-z]+,")[0].str.strip()
    placed = estate.assets.merge(ni[["source_row", "town"]], on="source_row")
    assert len(placed) == 25 and (placed["geocode_method"] == "postcode").all()
    lat = np.array([NI_TOWNS[t][0] for t in placed["town"]])
    lon = np.array([NI_TOWNS[t][1] for t in placed["town"]])
    tx, ty = _TO_BNG.transform(lon, lat)
    dist = np.hypot(placed.geometry.x.to_numpy() - tx, placed.geometry.y.to_numpy() - ty)
    # Read as British National Grid, the directory's Irish Grid numbers put them 150+ km away,
    # in England and the Irish Sea; now each is in its own town (the furthest, a Crossmaglen
    # station at a Newtownhamilton postcode, 13 km).
    assert (dist < 15_000).all()
    assert np.median(dist) < 1_500
    rejected = estate.rejects[estate.rejects["source_row"].isin(ni["source_row"])]
    # Magherafelt is BT45; the register says BT25, which does not exist
    assert rejected["reason"].tolist() == ['postcode "BT25 6BW" not found and no coordinates']
