"""Domain exceptions.

Every error a user can cause by what they give the tool (a config, a register) is one
of these. The CLI turns them into a clean message and a non-zero exit; anything else
is a bug.
"""

from __future__ import annotations


class AssetmapError(Exception):
    """Base class for errors caused by the user's input, with a readable message."""


class ConfigError(AssetmapError, ValueError):
    """The config file is missing, unreadable or does not match the schema."""


class RegisterError(AssetmapError, ValueError):
    """A partner's register cannot be read or its columns do not match the config."""


class LookupFileError(AssetmapError, ValueError):
    """A postcode or UPRN lookup file cannot be read."""


class PeriodError(AssetmapError, ValueError):
    """A reporting period is malformed, already run, or its runs directory is unusable."""


class CompareError(AssetmapError, ValueError):
    """A run directory cannot be compared (missing or unreadable outputs)."""


class BoundaryError(AssetmapError, ValueError):
    """A boundary file (``areas:``) cannot be read or lacks the columns the config names."""


class MapError(AssetmapError, ValueError):
    """A map cannot be drawn from what it was given (too many assets for folium, no points)."""


class DatabaseError(AssetmapError, ValueError):
    """A PostGIS database cannot be reached, refuses the credentials, or lacks what assetmap needs."""


class OutputError(AssetmapError, ValueError):
    """The output folder cannot be used (not a folder, or holding files assetmap did not write)."""
