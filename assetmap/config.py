"""The run configuration: a YAML file validated with pydantic.

Paths in the file are relative to the file itself. Unknown keys and wrong types are
errors that name the key and the file, so a typo never silently changes a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from ._errors import ConfigError
from .postgis._source import DatabaseSource, check_identifier, mask_text, parse_target, register_source
from .schema import CANONICAL_FIELDS, PartnerKind

#: Default use groups of the co-location plan (``plan.use_groups``).
USE_GROUPS: dict[str, tuple[str, ...]] = {
    "office": ("office", "civic centre", "town hall", "council offices", "hub", "gateway"),
    "health": ("health centre", "clinic", "surgery", "medical centre", "health"),
    "community": (
        "library", "community centre", "children's centre", "day centre", "youth centre",
        "family centre", "community hall",
    ),
}  # fmt: skip
#: Default operational uses that take no part in moves (``plan.fixed_uses``).
FIXED_USES: tuple[str, ...] = (
    "school", "primary", "secondary", "all-through", "academy", "college", "nursery",
    "police station", "custody", "fire station", "ambulance station", "hospital", "depot",
    "car park", "land", "mortuary", "crematorium", "cemetery",
)  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ColumnMap(_Strict):
    """Canonical field -> the register's column name. Unnamed fields are matched by alias.

    In a register read with ``header_row: none`` columns are named by spreadsheet letter
    (``J``) or 1-based number (``10``). ``coordinates`` names one column holding both
    coordinates (``"51.89, -2.07"``, ``"435123,356789"``, ``POINT (x y)``).
    """

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
    coordinates: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_column_numbers(cls, v: Any) -> Any:
        """``name: 2`` (a column number in a headerless file) is the text ``"2"``."""
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, list):
            return [str(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return v

    def named(self) -> dict[str, str | list[str]]:
        """Fields the config names explicitly."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class PartnerConfig(_Strict):
    """One partner and its register."""

    name: Annotated[str, Field(min_length=1)]
    kind: PartnerKind = "other"
    #: The register file (``register:`` in YAML; renamed here as pydantic reserves it), or a
    #: table or view in a database: ``postgresql://user@host:port/db?table=schema.name``.
    register_file: Annotated[Path | DatabaseSource, PlainValidator(register_source)] = Field(alias="register")
    encoding: str = "auto"
    #: 1-based spreadsheet row of the header; ``auto`` finds it; ``none``: the file has no header.
    header_row: int | Literal["auto", "none"] = "auto"
    sheet: str | int | None = None
    layer: str | None = None
    crs: str = "auto"
    columns: ColumnMap = ColumnMap()
    #: A register in a database given as the rows of a query (``register:`` is then the
    #: database URL without ``?table=``).
    query: str | None = None

    @model_validator(mode="after")
    def _database_register(self) -> PartnerConfig:
        if isinstance(self.register_file, DatabaseSource):
            return self.model_copy(update={"register_file": self.register_file.with_query(self.query)})
        if self.query is not None:
            raise ValueError("query: is only for a register in a database (register: postgresql://...)")
        return self

    @field_validator("header_row", mode="before")
    @classmethod
    def _header_row_known(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().lower() in ("auto", "none"):
            return v.strip().lower()
        if isinstance(v, bool) or not isinstance(v, int):
            msg = (
                "header_row must be the spreadsheet row number of the header (1, 2, ...), auto, "
                f"or none (the file has no header row), got {v!r}"
            )
            raise ValueError(msg)
        return v

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
    #: Metres the convex hull of a cluster's assets is buffered by to draw its polygon.
    hull_buffer_m: Annotated[float, Field(ge=0, le=5_000)] = 50
    #: Floor area (m² GIA) per workplace used to estimate capacity where a register gives
    #: none: offices run at about 8-12 m² GIA per workstation, so 10 is the middle.
    m2_per_person: Annotated[float, Field(gt=0, le=10_000)] = 10
    #: Densities by use, m² GIA per person, matched case-insensitively as a word or phrase
    #: (plural allowed) inside the asset's ``use``, longest key first; else ``m2_per_person``.
    #: Example: ``{"library": 25, "depot": 40}``. Empty by default.
    use_densities: dict[str, Annotated[float, Field(gt=0, le=10_000)]] = Field(default_factory=dict)
    #: Utilisation bands for clusters and assets: below ``band_low`` is "low", at or above
    #: ``band_high`` is "high", between is "medium"; unknown utilisation is "unknown".
    band_low: Annotated[float, Field(ge=0, le=1.5)] = 0.5
    band_high: Annotated[float, Field(ge=0, le=1.5)] = 0.85
    #: Widest a cluster may be: every cluster fits inside a circle this many metres across.
    #: A DBSCAN cluster wider than that (at national density whole cities chain together at
    #: 400 m) is divided into walkable groups (see :mod:`assetmap.cluster`). Default: five
    #: times ``radius_m`` (2,000 m at 400 m, about a 25-minute walk from edge to edge: a
    #: town centre; the demo estates' widest cluster is 840 m). At least twice ``radius_m``.
    #: Set it larger than the place (e.g. ``1000000``) to keep DBSCAN's clusters whole.
    max_diameter_m: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _bands_ordered(self) -> ClusteringConfig:
        if self.band_low > self.band_high:
            msg = f"band_low ({self.band_low}) must not be above band_high ({self.band_high})"
            raise ValueError(msg)
        if self.max_diameter_m is not None and self.max_diameter_m < 2 * self.radius_m:
            msg = (
                f"max_diameter_m ({self.max_diameter_m:g}) must be at least twice radius_m "
                f"({self.radius_m:g}), so two neighbouring buildings always fit in one cluster; "
                f"leave it out for the default ({5 * self.radius_m:g} m)"
            )
            raise ValueError(msg)
        return self

    @property
    def diameter_m(self) -> float:
        """The cluster width bound in force: ``max_diameter_m``, else five times ``radius_m``."""
        return float(self.max_diameter_m) if self.max_diameter_m is not None else 5.0 * self.radius_m


class RatingConfig(_Strict):
    """Disposal and shared-use rating: score weights (points out of their sum) and thresholds.

    Each asset's score is ``100 * sum(weight * factor) / sum(weights)`` where every factor is
    between 0 and 1: ``utilisation`` (1 when empty, 0 at ``plan.well_used`` or above),
    ``cost`` (running cost per m² against the estate median: 0 at or below the median, 1 at
    ``cost_ratio_full`` times it), ``condition`` (A 0, B 1/3, C 2/3, D 1), ``lease`` (1 for a
    leasehold expiring within ``lease_months``), ``freehold`` (1 for a freehold with a capital
    value) and ``receiver`` (1 when a building of any partner within the cluster radius has
    spare places for all its people).
    """

    weight_utilisation: Annotated[float, Field(ge=0)] = 35
    weight_cost: Annotated[float, Field(ge=0)] = 15
    weight_condition: Annotated[float, Field(ge=0)] = 15
    weight_lease: Annotated[float, Field(ge=0)] = 10
    weight_freehold: Annotated[float, Field(ge=0)] = 10
    weight_receiver: Annotated[float, Field(ge=0)] = 15
    #: Score at or above which an asset is rated red (candidate for disposal).
    red_from: Annotated[float, Field(ge=0, le=100)] = 60
    #: Score at or above which an asset is rated amber (candidate for shared use).
    amber_from: Annotated[float, Field(ge=0, le=100)] = 35
    #: Utilisation below which "low utilisation" is given as a reason.
    low_utilisation: Annotated[float, Field(ge=0, le=1.5)] = 0.5
    #: Cost per m² as a multiple of the estate median that earns the full cost factor.
    cost_ratio_full: Annotated[float, Field(gt=1)] = 2.0
    #: A leasehold whose lease ends within this many months counts as expiring.
    lease_months: Annotated[int, Field(ge=0, le=600)] = 24

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> RatingConfig:
        if self.amber_from > self.red_from:
            msg = f"amber_from ({self.amber_from}) must not be above red_from ({self.red_from})"
            raise ValueError(msg)
        total = (
            self.weight_utilisation
            + self.weight_cost
            + self.weight_condition
            + self.weight_lease
            + self.weight_freehold
            + self.weight_receiver
        )
        if total <= 0:
            raise ValueError("at least one rating weight must be above 0")
        return self


class PlanConfig(_Strict):
    """The co-location plan, the rating and the savings."""

    #: A building at or above this utilisation is well used: never a donor, never rated red.
    well_used: Annotated[float, Field(gt=0, le=1.5)] = 0.85
    #: Only buildings below this utilisation are considered for moving their people out.
    donor_max_utilisation: Annotated[float, Field(gt=0, le=1.5)] = 0.6
    #: A receiver is never filled beyond this utilisation (people / capacity).
    target_ceiling: Annotated[float, Field(gt=0, le=1.5)] = 0.9
    #: People move only between buildings of the same use group: a use is matched, as a
    #: whole word or phrase (case-insensitive, plural allowed), to the group of its longest
    #: key. A use in no group moves only to buildings of exactly the same use; a building
    #: with no use recorded only to others with none.
    use_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in USE_GROUPS.items()}
    )
    #: Operational buildings whose people cannot simply move (schools, stations, depots,
    #: land): never a donor or a receiver of a move (still rated, and disposed when vacant).
    fixed_uses: list[str] = Field(default_factory=lambda: list(FIXED_USES))
    #: Share of a vacated building's running cost that follows its people to the receiver.
    people_follow_share: Annotated[float, Field(ge=0, le=1)] = 0.15
    #: Capital value per m² GIA assumed for a freehold with no book value (None: no estimate).
    capital_value_per_m2_gbp: Annotated[float, Field(ge=0)] | None = 1000
    #: ``milp``: exact mixed-integer programme (scipy.optimize.milp, HiGHS); ``greedy``: the
    #: simple pass (largest saving first into the receiver with most room), for comparison.
    optimiser: Literal["milp", "greedy"] = "milp"
    #: Allow one donor's people to be split across several receivers.
    split_donors: bool = False
    #: Receivers considered per donor: the nearest this many within the cluster radius.
    max_receivers_per_donor: Annotated[int, Field(ge=1, le=1000)] = 10
    #: Branch-and-bound node limit per sub-problem (deterministic, unlike a time limit); the
    #: better of the best solution found and the greedy answer is kept if it is reached.
    node_limit: Annotated[int, Field(ge=1)] = 10_000
    #: Steps of the exact search over whole moves allowed per open sub-problem before it is
    #: handed to HiGHS (deterministic, and not cut by ``time_limit_s``: at most this many
    #: steps per sub-problem, about a millisecond; most settle in a few dozen; not used
    #: with ``split_donors``). 0: every open sub-problem goes to HiGHS.
    search_node_limit: Annotated[int, Field(ge=0)] = 500
    #: A sub-problem with at most this many yes/no move choices is solved exactly by branch
    #: and cut; a larger one (a dense town) is rounded from its LP relaxation, the LP value
    #: reported as the bound (keeps 10^5 assets under 20 s; see BENCHMARKS.md).
    exact_max_binaries: Annotated[int, Field(ge=0)] = 1000
    #: Branch and cut stops once the answer is proven within this fraction of the best
    #: possible (HiGHS's own default is 0.0001).
    mip_rel_gap: Annotated[float, Field(ge=0, le=1)] = 0.0001
    #: Wall-clock seconds all the optimiser's HiGHS calls of a run may take together: a
    #: backstop that bounds the plan whatever the estate or machine. Each call gets a share
    #: of the time left in proportion to its size (at least half of it); when the time is
    #: gone the rest keep their fast answer. A run that reaches it may give different
    #: figures on a slower or busier machine, and its summary says so
    #: (``plan_repeatable: false``). Normally ``work_limit`` stops the optimiser first.
    time_limit_s: Annotated[float, Field(gt=0, le=86_400)] = 15
    #: Deterministic budget of optimiser work per run, counted for each HiGHS call as its
    #: move choices x (1 + branch-and-bound nodes used): the same estate stops at the same
    #: place on any machine. HiGHS only sees what the exact search (``search_node_limit``)
    #: leaves open, the larger sub-problems: at 10^5 assets that is 8 of 1,227 (1,608
    #: work, all solved); at 10^6 about 1,500 of 24,000, where 20,000 takes about 2 s of
    #: one core (50,000: 6-7 s for 0.06% more saving; see BENCHMARKS.md).
    #: 0: no HiGHS call (what the exact search leaves open keeps its fast answer).
    work_limit: Annotated[int, Field(ge=0)] = 20_000
    #: A building left with at least this many spare places (below the ceiling) in a
    #: cluster of two or more partners is listed as a ``share`` opportunity.
    min_share_places: Annotated[float, Field(ge=0)] = 10
    rating: RatingConfig = RatingConfig()

    @model_validator(mode="after")
    def _ordered(self) -> PlanConfig:
        if self.donor_max_utilisation > self.well_used:
            msg = (
                f"donor_max_utilisation ({self.donor_max_utilisation}) must not be above "
                f"well_used ({self.well_used})"
            )
            raise ValueError(msg)
        return self


class MapConfig(_Strict):
    """The HTML map and its pictures."""

    #: True (default): one HTML file that needs no network; the base map is a plain
    #: background with the place's outline. False: online OpenStreetMap tiles underneath.
    offline: bool = True
    #: Sensitive sites (refuges, secure sites) never appear at their position. ``omit``:
    #: left out entirely (cluster figures count only the assets shown); ``cluster_only``:
    #: counted in their cluster's figures, with no marker, name or shape of their own.
    sensitive: Literal["omit", "cluster_only"] = "omit"
    #: Boundary of the place (GeoJSON, GeoPackage, shapefile; relative to the config file)
    #: drawn as the outline; default: a buffered hull of the assets shown.
    outline: Path | None = None
    #: Clusters drawn as their own pictures (``cluster-01-C001.png``...), biggest saving first.
    pictures_top_clusters: Annotated[int, Field(ge=0, le=100)] = 10
    #: Above this many assets shown, the map is a national one: counts per screen cell at far
    #: zooms, the assets' records read from compressed chunks of the same file only when the
    #: view comes close (see the README). At or below it, every record is in the page.
    pyramid_above: Annotated[int, Field(ge=1)] = 100_000


class OutputConfig(_Strict):
    """Where a run is written besides the files in ``out/``: a shared PostGIS database."""

    #: ``postgresql://user@host:port/dbname``, a service name from ``pg_service.conf``, or libpq
    #: ``key=value`` pairs. The password is best left to PGPASSWORD, ~/.pgpass or the service
    #: file; one written here is never shown or written anywhere.
    postgis: str | None = None
    #: The schema holding assetmap's tables (created when missing).
    db_schema: str = Field("assetmap", alias="schema")

    @field_validator("postgis")
    @classmethod
    def _postgis_address(cls, v: str | None) -> str | None:
        if v is not None:
            parse_target(v)
        return v

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, v: str) -> str:
        return check_identifier(v, what="schema")


#: Default distance in metres beyond which a matched asset counts as moved (``compare.moved_m``).
MOVED_M: float = 50.0
#: Default least change of utilisation reported, in percentage points (``compare.utilisation_points``).
UTILISATION_POINTS: float = 10.0


class CompareConfig(_Strict):
    """The change report between two runs (``assetmap quarter``, ``assetmap compare``)."""

    #: A matched asset further than this (metres) from where it was has moved; also how near
    #: two assets must stand to be matched by location and name.
    moved_m: Annotated[float, Field(gt=0, le=10_000)] = MOVED_M
    #: Least change of utilisation reported, in percentage points (10: 50% to 60%).
    utilisation_points: Annotated[float, Field(gt=0, le=150)] = UTILISATION_POINTS


class Config(_Strict):
    """A whole run: the place, its partners and the options of each stage."""

    #: Shown on the map, the board pack and the report; optional.
    title: Annotated[str, Field(min_length=1)] = "Public estate"
    partners: Annotated[list[PartnerConfig], Field(min_length=1)]
    clustering: ClusteringConfig = ClusteringConfig()
    plan: PlanConfig = PlanConfig()
    map: MapConfig = MapConfig()
    output: OutputConfig = OutputConfig()
    compare: CompareConfig = CompareConfig()
    postcodes: Path | None = None
    uprn_lookup: Path | None = None
    #: The date the figures are "as at": lease expiries are measured from it. Default: the
    #: day of the run (a quarterly run uses the end of its quarter).
    as_of: dt.date | None = None
    #: Districts, wards and other areas the estate is counted by (see :class:`AreasConfig`).
    areas: AreasConfig | None = None
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
    if p is None or not isinstance(p, Path):  # a register in a database stays as it is
        return p
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
                text = err["msg"].removeprefix("Value error, ")
                if "got " not in text:
                    text += f" (got {err.get('input')!r})"
                lines.append(f"  {where}: {text}")
        msg = mask_text(f"{source}: the config is not valid:\n" + "\n".join(lines))
        raise ConfigError(msg) from None
    partners = [
        p.model_copy(update={"register_file": _resolve(base_dir, p.register_file)}) for p in cfg.partners
    ]
    return cfg.model_copy(
        update={
            "partners": partners,
            "postcodes": _resolve(base_dir, cfg.postcodes),
            "uprn_lookup": _resolve(base_dir, cfg.uprn_lookup),
            "areas": _resolve_areas(base_dir, cfg.areas),
        }
    )


def _resolve_areas(base: Path, areas: AreasConfig | None) -> AreasConfig | None:
    """Boundary files relative to the config file, as every other path."""
    if areas is None:
        return None
    update = {}
    for level in ("district", "ward"):
        given = getattr(areas, level)
        if given is not None:
            update[level] = given.model_copy(update={"file": _resolve(base, given.file)})
    return areas.model_copy(update=update)


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


def compare_thresholds(
    base: CompareConfig | None = None,
    *,
    moved_m: float | None = None,
    utilisation_points: float | None = None,
) -> CompareConfig:
    """The change report's thresholds: ``base`` (a config's ``compare:``), with any given instead.

    Raises
    ------
    ConfigError
        If a threshold given is not a positive number in range.
    """
    given = {"moved_m": moved_m, "utilisation_points": utilisation_points}
    data = (base or CompareConfig()).model_dump() | {k: v for k, v in given.items() if v is not None}
    try:
        return CompareConfig.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"compare thresholds: {where}") from None


def config_yaml(config: Config, *, header: str = "") -> str:
    """The config as YAML with every path absolute, so it reads back the same from any folder.

    Parameters
    ----------
    config : Config
        A loaded config, or one built in Python.
    header : str, optional
        A comment line (or lines) put first, such as who wrote the file.

    Returns
    -------
    str
        YAML that :func:`load_config` reads back to the same settings (``base_dir`` aside).
    """
    data = config.model_dump(mode="json", by_alias=True, exclude={"base_dir"}, exclude_none=True)
    outline = config.map.outline
    if outline is not None:  # map.outline is kept as written and resolved when it is drawn
        outline = outline.expanduser()
        outline = outline if outline.is_absolute() else config.base_dir / outline
        data["map"]["outline"] = str(outline.resolve())
    lines = "".join(f"# {line}\n" for line in header.splitlines())
    return lines + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


__all__ = [
    "CANONICAL_FIELDS",
    "MOVED_M",
    "UTILISATION_POINTS",
    "ClusteringConfig",
    "ColumnMap",
    "CompareConfig",
    "Config",
    "MapConfig",
    "OutputConfig",
    "PartnerConfig",
    "PartnerKind",
    "PlanConfig",
    "RatingConfig",
    "compare_thresholds",
    "config_yaml",
    "load_config",
    "parse_config",
]


class AreaLevelConfig(_Strict):
    """One level of areas (districts, wards) from a boundary file any GDAL reader opens."""

    #: GeoJSON, TopoJSON, GeoPackage, Shapefile...; relative to the config file; any CRS.
    file: Path
    #: Column holding each area's code (``LAD13CD``, ``WD13CD``).
    code: Annotated[str, Field(min_length=1)]
    #: Column holding each area's name; default: names from the shipped list, else the code.
    name: str | None = None
    #: Column holding each area's population (gives running cost per head).
    population: str | None = None
    #: Layer of a multi-layer file (GeoPackage, TopoJSON object); default: the first.
    layer: str | None = None


class AreasConfig(_Strict):
    """Areas the estate is counted by: ``areas.csv``, the choropleth, clusters across a border.

    Every asset gets its local authority district from the postcode directory with no
    config at all; a level given here with a boundary file uses the polygons instead.
    """

    district: AreaLevelConfig | None = None
    ward: AreaLevelConfig | None = None
    #: Plan one area only (a district code such as ``E07000110``, or a name), keeping the
    #: assets of neighbouring areas within the clustering radius of its border.
    focus: Annotated[str, Field(min_length=1)] | None = None
    #: The level whose boundaries make a cluster or a move "across the border".
    border_level: Literal["district", "ward"] = "district"

    @model_validator(mode="after")
    def _border_level_given(self) -> AreasConfig:
        if self.border_level == "ward" and self.ward is None:
            raise ValueError("border_level is 'ward' but no ward boundaries are given (areas.ward.file)")
        return self


Config.model_rebuild()
__all__ += ["AreaLevelConfig", "AreasConfig"]
