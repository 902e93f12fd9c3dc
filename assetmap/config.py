"""The run configuration: a YAML file validated with pydantic.

Paths in the file are relative to the file itself. Unknown keys and wrong types are
errors that name the key and the file, so a typo never silently changes a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._errors import ConfigError
from .schema import CANONICAL_FIELDS

PartnerKind = Literal["council", "nhs", "police", "fire", "education", "central_government", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ColumnMap(_Strict):
    """Canonical field -> the register's column name. Unnamed fields are matched by alias."""

    asset_id: str | None = None
    name: str | None = None
    address: str | list[str] | None = None
    postcode: str | None = None
    uprn: str | None = None
    easting: str | None = None
    northing: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    use: str | None = None
    tenure: str | None = None
    gia_m2: str | None = None
    running_cost_gbp: str | None = None
    utilisation: str | None = None
    occupancy: str | None = None
    capacity: str | None = None
    book_value_gbp: str | None = None
    lease_expiry: str | None = None
    condition: str | None = None
    sensitive: str | None = None

    def named(self) -> dict[str, str | list[str]]:
        """Fields the config names explicitly."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class PartnerConfig(_Strict):
    """One partner and its register."""

    name: Annotated[str, Field(min_length=1)]
    kind: PartnerKind = "other"
    #: The register file (``register:`` in YAML; renamed here as pydantic reserves it).
    register_file: Path = Field(alias="register")
    encoding: str = "auto"
    header_row: int | Literal["auto"] = "auto"
    sheet: str | int | None = None
    layer: str | None = None
    crs: str = "auto"
    columns: ColumnMap = ColumnMap()

    @field_validator("header_row")
    @classmethod
    def _header_row_positive(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            msg = f"header_row must be 1 or more (the spreadsheet row number), got {v!r}"
            raise ValueError(msg)
        return v

    @field_validator("crs")
    @classmethod
    def _crs_known(cls, v: str) -> str:
        allowed = {"auto", "EPSG:27700", "EPSG:4326", "bng", "wgs84"}
        if v not in allowed and v.upper() not in allowed:
            msg = f"crs must be one of {sorted(allowed)}, got {v!r}"
            raise ValueError(msg)
        return v


class ClusteringConfig(_Strict):
    """How assets are grouped by proximity."""

    radius_m: Annotated[float, Field(gt=0, le=50_000)] = 400
    min_assets: Annotated[int, Field(ge=2)] = 2
    method: Literal["dbscan", "hdbscan"] = "dbscan"


class MapConfig(_Strict):
    """The HTML map."""

    offline: bool = True
    sensitive: Literal["omit", "cluster_only"] = "omit"


class Config(_Strict):
    """A whole run: the place, its partners and the options of each stage."""

    title: Annotated[str, Field(min_length=1)]
    partners: Annotated[list[PartnerConfig], Field(min_length=1)]
    clustering: ClusteringConfig = ClusteringConfig()
    map: MapConfig = MapConfig()
    postcodes: Path | None = None
    uprn_lookup: Path | None = None
    #: Directory of the config file; paths above are already resolved against it.
    base_dir: Path = Path(".")

    @model_validator(mode="after")
    def _unique_partner_names(self) -> Config:
        seen: set[str] = set()
        for p in self.partners:
            if p.name in seen:
                msg = f"two partners are both named {p.name!r}; partner names must be unique"
                raise ValueError(msg)
            seen.add(p.name)
        return self


def _loc(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic error location into ``partners[1] (Kent Police).kind``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                name = node[item].get("name")
                if name:
                    label += f" ({name})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(item))
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts)


def _resolve(base: Path, p: Path | None) -> Path | None:
    if p is None:
        return None
    p = p.expanduser()
    return p if p.is_absolute() else (base / p)


def parse_config(data: Any, source: str | Path, base_dir: Path) -> Config:
    """Validate an already-loaded mapping and resolve its paths against ``base_dir``.

    Parameters
    ----------
    data : mapping
        The parsed YAML.
    source : str or Path
        Where the mapping came from, for error messages.
    base_dir : Path
        Directory relative paths are resolved against.

    Returns
    -------
    Config
    """
    if not isinstance(data, dict):
        got = type(data).__name__
        msg = f"{source}: the config must be a mapping of keys (title:, partners:, ...), got {got}"
        raise ConfigError(msg)
    if "base_dir" in data:
        msg = f"{source}: 'base_dir' is not a config key (paths are relative to the config file)"
        raise ConfigError(msg)
    try:
        cfg = Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = _loc(err["loc"], data)
            if err["type"] == "extra_forbidden":
                lines.append(f"  {where}: unknown key (check the spelling)")
            elif err["type"] == "missing":
                lines.append(f"  {where}: required key is missing")
            else:
                lines.append(f"  {where}: {err['msg']} (got {err.get('input')!r})")
        msg = f"{source}: the config is not valid:\n" + "\n".join(lines)
        raise ConfigError(msg) from None
    partners = [
        p.model_copy(update={"register_file": _resolve(base_dir, p.register_file)}) for p in cfg.partners
    ]
    return cfg.model_copy(
        update={
            "partners": partners,
            "postcodes": _resolve(base_dir, cfg.postcodes),
            "uprn_lookup": _resolve(base_dir, cfg.uprn_lookup),
        }
    )


def load_config(path: str | Path) -> Config:
    """Read and validate a YAML config file.

    Parameters
    ----------
    path : str or Path
        The YAML file. Relative paths inside it are resolved against its directory.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        If the file is missing, is not YAML, or does not match the schema.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        msg = f"config file {str(path)!r} not found"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"config file {str(path)!r} cannot be read: {exc}"
        raise ConfigError(msg) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        raise ConfigError(msg) from None
    return parse_config(data, path, path.resolve().parent)


__all__ = [
    "CANONICAL_FIELDS",
    "ClusteringConfig",
    "ColumnMap",
    "Config",
    "MapConfig",
    "PartnerConfig",
    "load_config",
    "parse_config",
]
