"""The combined estate layer: canonical fields, their types and the provenance columns.

Every stage after the readers works on frames with these columns, so this module is the
single place that says what an asset record is.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

#: Canonical register fields a partner's ``columns:`` mapping may name, with their kind.
#: Kinds: ``text`` (kept as text, stripped), ``id`` (identifier text, never a number),
#: ``postcode``, ``number`` (a plain non-negative number), ``money`` (pounds),
#: ``fraction`` (utilisation 0-1), ``date`` (UK day-first), ``bool``, ``coord``.
FIELDS: Final[dict[str, str]] = {
    "asset_id": "id",
    "name": "text",
    "address": "text",
    "postcode": "postcode",
    "uprn": "uprn",
    "easting": "coord",
    "northing": "coord",
    "latitude": "coord",
    "longitude": "coord",
    "use": "text",
    "tenure": "tenure",
    "gia_m2": "number",
    "running_cost_gbp": "money",
    "utilisation": "fraction",
    "occupancy": "number",
    "capacity": "number",
    "book_value_gbp": "money",
    "lease_expiry": "date",
    "condition": "condition",
    "sensitive": "bool",
}

CANONICAL_FIELDS: Final[tuple[str, ...]] = tuple(FIELDS)

#: Columns added to every asset to say where it came from and how it was placed.
PROVENANCE: Final[tuple[str, ...]] = (
    "partner",
    "partner_kind",
    "source_file",
    "source_row",
    "geocode_method",
    "geocode_precision_m",
)

#: Columns of the ``assets`` layer, in order (geometry is added last, EPSG:27700 points).
ASSET_COLUMNS: Final[tuple[str, ...]] = (*CANONICAL_FIELDS, *PROVENANCE)

#: Columns of ``rejects.csv``.
REJECT_COLUMNS: Final[tuple[str, ...]] = (
    "partner",
    "source_file",
    "source_row",
    "asset_id",
    "reason",
)

#: Columns of ``warnings.csv``.
WARNING_COLUMNS: Final[tuple[str, ...]] = (
    "partner",
    "source_file",
    "source_row",
    "asset_id",
    "field",
    "value",
    "warning",
)

#: What kind of body a partner is (``kind:`` in the config): its colour on the map and in pictures.
PartnerKind = Literal["council", "nhs", "police", "fire", "education", "central_government", "other"]
#: The partner kinds, in the order the map's legend lists them.
PARTNER_KINDS: Final[tuple[str, ...]] = get_args(PartnerKind)

#: Geocoding methods, best first (geometry in a vector file counts as coordinates).
GEOCODE_METHODS: Final[tuple[str, ...]] = ("coordinates", "uprn", "postcode")

BNG: Final[str] = "EPSG:27700"
WGS84: Final[str] = "EPSG:4326"
