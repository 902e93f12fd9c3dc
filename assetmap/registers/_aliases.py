"""Common column headings of council and partner register exports, by canonical field.

The table is data: add a heading here when a partner's export uses a new one. Headings are
compared with :func:`alias_key`, so case, spaces, underscores, hyphens and brackets do not
matter (``Post Code``, ``POST_CODE`` and ``postcode`` are the same heading); ``%`` is kept
as the word "percent" so ``Occupancy %`` is not mistaken for ``Occupancy``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Canonical field -> register headings, best first.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "asset_id": (
        "Asset ID",
        "AssetCode",
        "Asset Code",
        "Asset Ref",
        "Asset Reference",
        "Property Ref",
        "Property Reference",
        "Unique Asset Reference",
        "Unique Asset Identity",
        "Asset Number",
        "Asset No",
        "Property No",
        "Site Code",
        "Site Ref",
        "Ref",
        "Reference",
    ),
    "name": ("PropertyName", "Property Name", "Asset Name", "Site Name", "Name of Premises", "Name", "Site"),
    "address": ("Address", "Site Address", "StreetName", "Street Name", "Address 1", "Address Line 1"),
    "postcode": ("PostCode", "Post Code", "Location Postcode", "Site Postcode"),
    "uprn": ("UPRN", "Unique Property Reference Number"),
    "easting": (
        "Easting",
        "Eastings",
        "GeoX",
        "X Co-ordinate",
        "X Coordinate",
        "X",
        "X_COORD",
        "OSGB Easting",
    ),
    "northing": (
        "Northing",
        "Northings",
        "GeoY",
        "Y Co-ordinate",
        "Y Coordinate",
        "Y",
        "Y_COORD",
        "OSGB Northing",
    ),
    "latitude": ("Latitude", "Lat"),
    "longitude": ("Longitude", "Long", "Lon", "Lng"),
    "use": ("Use", "Property Type", "Asset Type", "Primary Use", "Type of premises"),
    "tenure": ("TenureType", "Tenure", "Tenure Type"),
    "gia_m2": (
        "GIA",
        "GIA (m2)",
        "GIA (sq m)",
        "GIA m2",
        "Gross Internal Area",
        "Gross Internal Area (m2)",
        "BuildingSize",
    ),
    "running_cost_gbp": (
        "Running Cost",
        "Running Costs",
        "Annual Running Cost",
        "Total Operating Cost",
        "Costs in Use",
    ),
    "utilisation": ("Utilisation", "Utilisation %", "Utilization", "Occupancy %"),
    "occupancy": ("Occupancy", "FTE", "Headcount", "Occupants"),
    "capacity": ("Capacity", "Workstations", "Desks"),
    "book_value_gbp": ("Book Value", "Market Value", "Asset Value", "Net Book Value"),
    "lease_expiry": ("Lease Expiry", "Lease Expiry Date", "Lease End", "Lease End Date"),
    "condition": ("Condition", "Condition Rating", "Condition Grade"),
    "sensitive": ("Sensitive", "Restricted"),
}

_DROP = re.compile(r"[^0-9a-z]+")


def alias_key(heading: str) -> str:
    """Reduce a column heading to the form aliases are compared in.

    Parameters
    ----------
    heading : str
        A column heading as written in a register.

    Returns
    -------
    str
        Lower-case letters and digits only, with ``%`` spelt ``percent`` (``"GIA (m²)"`` -> ``"giam2"``).
    """
    text = unicodedata.normalize("NFKC", heading).replace("\ufeff", "").lower().replace("%", " percent ")
    return _DROP.sub("", text)


#: Every alias key, for recognising a header row.
ALIAS_KEYS: Final[frozenset[str]] = frozenset(alias_key(a) for names in ALIASES.values() for a in names)
