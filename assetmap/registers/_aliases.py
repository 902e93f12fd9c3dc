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

#: Canonical field -> register headings, best first. Every heading was seen in a real or
#: typical register: the Local Government Transparency Code (``AssetCode``, ``GeoX``,
#: ``HoldingType``), NHS ODS and NHS Choices (``OrganisationCode``, ``OrganisationName``,
#: ``OrganisationType``), DfE (``URN``, ``EstablishmentName``), fire and police station lists
#: (``STATION_NAME``, ``station_name``), the DCMS libraries list (``Library name``).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "asset_id": (
        "Asset ID",
        "AssetCode",
        "Asset Code",
        "Asset Ref",
        "Asset Reference",
        "Property Ref",
        "Property Reference",
        "Property Code",
        "Unique Asset Reference",
        "Unique Asset Identity",
        "Asset Number",
        "Asset No",
        "Property No",
        "Site Code",
        "Site Ref",
        "Site Reference",
        "Site ID",
        "OrganisationCode",
        "Organisation Code",
        "ODS Code",
        "URN",
        "Unique Reference Number",
        "Station Number",
        "Station No",
        "Ref",
        "Reference",
        "ID",
    ),
    "name": (
        "PropertyName",
        "Property Name",
        "Asset Name",
        "Site Name",
        "Name of Premises",
        "Premises Name",
        "Building Name",
        "OrganisationName",
        "Organisation Name",
        "Station Name",
        "EstablishmentName",
        "Establishment Name",
        "School Name",
        "SCHNAME",
        "Practice Name",
        "Library Name",
        "Location Name",
        "LocationText",
        "Name",
        "Site",
        "School",
    ),
    # Every address column found is used, in the register's order, joined with ", ".
    "address": (
        "Address",
        "Site Address",
        "Property Address",
        "Postal Address",
        "Full Address",
        "Station Address",
        "StreetNumber",
        "Street Number",
        "House Number",
        "Address 1",
        "Address 2",
        "Address 3",
        "Address 4",
        "Address 5",
        "Address Line 1",
        "Address Line 2",
        "Address Line 3",
        "Address Line 4",
        "Address Line 5",
        "Location Address Line 1",
        "Location Address Line 2",
        "Location Address Line 3",
        "Location Address Line 4",
        "Location Address Line 5",
        "StreetAddress",
        "StreetName",
        "Street Name",
        "Street",
        "Locality",
        "Local Area",
        "Town",
        "TownAddress",
        "PostTown",
        "Post Town",
        "City",
    ),
    "postcode": (
        "PostCode",
        "Post Code",
        "Location Postcode",
        "Site Postcode",
        "Station Postcode",
        "Postal Code",
    ),
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
        "Station Easting",
        "Grid Easting",
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
        "Station Northing",
        "Grid Northing",
    ),
    "latitude": ("Latitude", "Lat"),
    "longitude": ("Longitude", "Long", "Lon", "Lng"),
    "use": (
        "Use",
        "Property Type",
        "Asset Type",
        "Primary Use",
        "Type of premises",
        "Premises Type",
        "Property Use",
        "Current Use",
        "Building Type",
        "Site Type",
        "OrganisationType",
        "Organisation Type",
        "Type of Establishment",
        "TypeOfEstablishment (name)",
        "Establishment Type",
        "HoldingType",
        "Holding Type",
        "Phase of Education",
        "PhaseOfEducation (name)",
        "ServiceTypeLabel",
        "Service Type",
        "Type",
    ),
    "tenure": ("TenureType", "Tenure", "Tenure Type", "Asset Ownership", "Ownership"),
    "gia_m2": (
        "GIA",
        "GIA (m2)",
        "GIA (sq m)",
        "GIA m2",
        "GIA sqm",
        "Gross Internal Area",
        "Gross Internal Area (m2)",
        "BuildingSize",
        "Floor Area",
        "Floor Area (m2)",
    ),
    "running_cost_gbp": (
        "Running Cost",
        "Running Costs",
        "Annual Running Cost",
        "Total Operating Cost",
        "Costs in Use",
        "Annual Cost",
        "Annual Premises Cost",
        "Premises Cost",
    ),
    "utilisation": ("Utilisation", "Utilisation %", "Utilisation pct", "Utilization", "Occupancy %"),
    "occupancy": (
        "Occupancy",
        "FTE",
        "Headcount",
        "Occupants",
        "Pupils",
        "Number of Pupils",
        "Number on Roll",
    ),
    "capacity": ("Capacity", "Workstations", "Desks"),
    "book_value_gbp": ("Book Value", "Market Value", "Asset Value", "Net Book Value"),
    "lease_expiry": ("Lease Expiry", "Lease Expiry Date", "Lease End", "Lease End Date"),
    "condition": ("Condition", "Condition Rating", "Condition Grade"),
    "sensitive": ("Sensitive", "Restricted"),
}

#: Fields whose heading may carry a short prefix naming what is located (``STATION_EASTING``,
#: ``BRANCH_LATITUDE``, ``LOCATION_POSTCODE``): a heading ending in one of these words.
SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "postcode": ("postcode",),
    "uprn": ("uprn",),
    "easting": ("easting", "eastings"),
    "northing": ("northing", "northings"),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
}
#: Longest prefix (letters and digits) allowed before a suffix word.
SUFFIX_PREFIX_MAX: Final = 12

#: Words in a heading that may name one column holding both coordinates (``Site
#: Co-ordinates (Geocode)``, ``Location``, ``Grid Ref``, ``POINT``): the column is used only
#: when its values are coordinate pairs.
PAIR_HINTS: Final[tuple[str, ...]] = (
    "coord", "geocode", "location", "latlong", "latlon", "latlng", "gridref", "mapref", "position",
    "point", "geom", "wkt", "eastingnorthing", "eastingsnorthings", "xy",
)  # fmt: skip

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
