"""The public Python API: every stage of ``assetmap run`` as a function, re-exported by ``assetmap``.

Each function takes what the stage before it returns, and a config given as a YAML path, a
``dict`` (as the YAML would hold) or a :class:`~assetmap.config.Config`::

    config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    estate = assetmap.read_registers(config)           # Estate: assets, rejects, warnings
    plan = assetmap.plan_estate(estate, config)        # PlanResult: clusters, moves, ratings
    m = assetmap.explore(plan, config=config)          # folium.Map
    assetmap.write_map(plan, "map.html", config=config)    # the board map

The examples in these docstrings run in the tests (from the repository's root, on the Kent
demo registers).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from pydantic import ValidationError

from . import compare as _compare
from . import config as _config
from . import pipeline as _pipeline
from . import quarter as _quarter
from ._errors import ConfigError, MapError
from .boardpack import write_board_pack as _write_board_pack
from .cluster import cluster_assets as _cluster_assets
from .config import ClusteringConfig, Config
from .estate import Estate, build_estate
from .maps import _config as _map_config
from .maps import write_map as _write_map
from .maps._folium import MAX_ASSETS, explore_map
from .plan import PlanResult
from .plan import plan_estate as _plan_estate
from .schema import BNG

#: Anything the API accepts as a config.
ConfigLike = str | os.PathLike[str] | Mapping[str, Any] | Config
#: Anything the maps accept as the estate to draw.
MapData = _pipeline.RunResult | _quarter.QuarterResult | PlanResult | Estate | gpd.GeoDataFrame
#: Packages the API uses beyond the pipeline's (reported by :func:`show_versions`).
_API_PACKAGES = ("folium", "branca", "xstatic-jquery", "xstatic-leaflet-markercluster")
_IN_MEMORY = "<config given in Python>"


def load_config(source: ConfigLike, *, base_dir: str | os.PathLike[str] | None = None) -> Config:
    """Read and check a run's configuration from a YAML file, a dict or a Config.

    Parameters
    ----------
    source : str, Path, dict or Config
        A YAML file (paths in it are relative to the file), a mapping with the same keys
        (``title``, ``partners``, ...), or an already loaded :class:`~assetmap.config.Config`
        (returned as it is).
    base_dir : str or Path, optional
        For a mapping: the folder its relative paths (registers, outline, lookups) are
        resolved against, and where outputs go by default. Default: the working directory.

    Returns
    -------
    Config
        Validated, with every path resolved.

    Raises
    ------
    ConfigError
        If the file is missing or not YAML, or a key is unknown, missing or of the wrong type
        (the message names the key and the file).

    Examples
    --------
    >>> import assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> config.title, len(config.partners), config.clustering.radius_m
    ('Kent public estate, Q3 2026', 6, 400.0)

    The same keys as a dict, with a wider cluster radius:

    >>> data = {"title": "Kent police and fire",
    ...         "partners": [{"name": "Kent Police", "kind": "police",
    ...                       "register": "registers/kent_police_estate.geojson"}],
    ...         "clustering": {"radius_m": 800}}
    >>> small = assetmap.load_config(data, base_dir="data/demo/kent")
    >>> small.partners[0].register_file.name, small.clustering.radius_m
    ('kent_police_estate.geojson', 800.0)
    >>> assetmap.load_config({"title": "No partners"})
    Traceback (most recent call last):
    ...
    assetmap._errors.ConfigError: <config given in Python>: the config is not valid:
      partners: required key is missing
    """
    if base_dir is not None and not isinstance(source, Mapping):
        msg = "base_dir is for a config given as a dict; a file's paths are relative to the file"
        raise ConfigError(msg)
    if isinstance(source, Config):
        return source
    if isinstance(source, str | os.PathLike):
        return _config.load_config(source)
    if isinstance(source, Mapping):
        base = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
        return _config.parse_config(dict(source), _IN_MEMORY, base)
    msg = f"a config is a YAML file's path, a dict or a Config, not {type(source).__name__}"
    raise ConfigError(msg)


def read_registers(config: ConfigLike, *, progress: Callable[[str], None] | None = None) -> Estate:
    """Read, clean and geocode every partner's register into one estate layer.

    Parameters
    ----------
    config : str, Path, dict or Config
        See :func:`load_config`.
    progress : callable, optional
        Called with a short message as each register is started.

    Returns
    -------
    Estate
        ``assets`` (GeoDataFrame of points in EPSG:27700, one row per placed asset),
        ``rejects`` and ``warnings`` (DataFrames, with the file and row of each), and a
        summary per partner. Every non-blank row of every register is in ``assets`` or
        ``rejects``, once.

    Raises
    ------
    ConfigError, RegisterError, LookupFileError
        When the config or a register cannot be used (the message names the file).

    Examples
    --------
    >>> import assetmap
    >>> estate = assetmap.read_registers("data/demo/kent/assetmap.yaml")
    >>> len(estate.assets), len(estate.rejects), estate.assets.crs.to_epsg()
    (279, 4, 27700)
    >>> first = estate.rejects.iloc[0]
    >>> first["partner"], int(first["source_row"])
    ('Kent County Council', 53)
    """
    return build_estate(load_config(config), progress=progress)


def _assets(data: Estate | gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """The assets layer of an Estate, or a GeoDataFrame in British National Grid (reprojected)."""
    if isinstance(data, Estate):
        return data.assets
    if isinstance(data, gpd.GeoDataFrame):
        if data.crs is not None and data.crs.to_epsg() != 27700:  # distances are in metres on the BNG
            return data.to_crs(BNG)
        return data
    got = type(data).__name__
    msg = f"{what} takes an Estate (from read_registers) or a GeoDataFrame of assets, not {got}"
    raise TypeError(msg)


def cluster_assets(
    assets: Estate | gpd.GeoDataFrame, config: ConfigLike | None = None, **options: Any
) -> gpd.GeoDataFrame:
    """Group assets that stand within walking distance of each other.

    Parameters
    ----------
    assets : Estate or GeoDataFrame
        The estate (from :func:`read_registers`) or its ``assets`` layer (points in any CRS;
        distances are measured in British National Grid metres).
    config : str, Path, dict or Config, optional
        Its ``clustering`` section is used; default: every clustering default.
    **options
        Any ``clustering`` key (``radius_m``, ``min_assets``, ``method``...) to use instead
        of the config's, checked like the config.

    Returns
    -------
    GeoDataFrame
        A copy of the assets (in EPSG:27700) with ``cluster_id`` (``C001``... in order of running cost,
        ``<NA>`` for an asset standing alone) and ``cluster_partners`` (partners in its cluster).

    Raises
    ------
    ConfigError
        If an option is unknown or out of range.

    Examples
    --------
    >>> import assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> estate = assetmap.read_registers(config)
    >>> near = assetmap.cluster_assets(estate, config)
    >>> near["cluster_id"].nunique(), int(near["cluster_id"].notna().sum())
    (19, 165)
    >>> wider = assetmap.cluster_assets(estate, config, radius_m=1000)
    >>> int(wider["cluster_id"].notna().sum()) > 165
    True
    """
    frame = _assets(assets, "cluster_assets()")
    base = load_config(config).clustering if config is not None else ClusteringConfig()
    if options:
        try:
            base = ClusteringConfig.model_validate(base.model_dump() | options)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"cluster_assets(): {where}") from None
    return _cluster_assets(frame, base)


def plan_estate(
    assets: Estate | gpd.GeoDataFrame, config: ConfigLike | None = None, *, as_of: dt.date | None = None
) -> PlanResult:
    """Cluster the estate, plan co-location moves, rate every asset and cost the savings.

    Parameters
    ----------
    assets : Estate or GeoDataFrame
        The estate (from :func:`read_registers`) or its ``assets`` layer (points in any CRS;
        the plan is in EPSG:27700).
    config : str, Path, dict or Config, optional
        Its ``clustering``, ``plan`` and ``as_of`` are used; default: every default.
    as_of : date, optional
        The date lease expiries are counted from, when the config sets none; default today.

    Returns
    -------
    PlanResult
        ``assets`` (with ``cluster_id``, people figures, ``rating``, ``score``, ``reasons``,
        ``action``), ``clusters`` (polygons and figures), ``opportunities`` (ranked),
        ``summary`` (totals), ``moves``.

    Examples
    --------
    >>> import datetime, assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> plan = assetmap.plan_estate(assetmap.read_registers(config), config,
    ...                             as_of=datetime.date(2026, 9, 30))
    >>> plan.summary["clusters"], plan.summary["moves"]
    (19, 14)
    >>> plan.opportunities["action"].iloc[0]
    'relocate'
    >>> sorted(plan.assets["rating"].unique())
    ['amber', 'green', 'red', 'unrated']
    """
    cfg = load_config(config) if config is not None else _map_config(None, None)
    return _plan_estate(_assets(assets, "plan_estate()"), cfg, as_of=cfg.as_of or as_of)


def _same_file(cfg: Config) -> Path | None:
    """The config file ``cfg`` was read from when it is ``assetmap.yaml`` beside it, unchanged."""
    path = cfg.base_dir / "assetmap.yaml"
    if not path.is_file():
        return None
    try:
        return path if _config.load_config(path) == cfg else None
    except ConfigError:
        return None


def config_yaml(config: ConfigLike) -> str:
    """The config as YAML, every path absolute, so it can be read back from any folder.

    Parameters
    ----------
    config : str, Path, dict or Config
        See :func:`load_config`.

    Returns
    -------
    str
        YAML that :func:`load_config` reads back to the same settings.

    Examples
    --------
    >>> import assetmap
    >>> text = assetmap.config_yaml({"title": "T", "partners": [{"name": "P", "register": "/data/p.csv"}]})
    >>> print(text.splitlines()[1:4])
    ['title: T', 'partners:', '- name: P']
    """
    header = f"Written by assetmap {_version('assetmap')} from a config given in Python."
    return _config.config_yaml(load_config(config), header=header)


def run(
    config: ConfigLike,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> _pipeline.RunResult:
    """Run the whole job, as ``assetmap run`` does, and write every output.

    Parameters
    ----------
    config : str, Path, dict or Config
        See :func:`load_config`.
    out_dir : str or Path, optional
        Where the outputs go; default ``out/`` beside the config (its ``base_dir``).
    as_of : date, optional
        The date the figures are as at when the config sets none; default today.
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    RunResult
        ``estate``, ``plan``, ``outputs`` (name -> path written) and ``timings``.

    Notes
    -----
    ``run.json`` records the config file and its checksum. For a config given as a dict, or a
    Config that differs from the ``assetmap.yaml`` it was read from, it records no file and the
    checksum of the settings actually used.

    Examples
    --------
    >>> import datetime, tempfile, assetmap
    >>> out = tempfile.mkdtemp()
    >>> result = assetmap.run("data/demo/kent/assetmap.yaml", out, as_of=datetime.date(2026, 9, 30))
    >>> result.outputs["map"].name, result.outputs["board_pack"].name
    ('map.html', 'board_pack.xlsx')
    >>> result.plan.summary["moves"], len(result.estate.rejects)
    (14, 4)
    """
    if isinstance(config, str | os.PathLike):
        return _pipeline.run(config, out_dir, as_of=as_of, progress=_progress(progress))
    cfg = load_config(config)
    path = _same_file(cfg)  # unchanged from its file: run.json names that file
    return _pipeline.run(path or cfg, out_dir, as_of=as_of, progress=_progress(progress))


def _progress(progress: Callable[[str], None] | None) -> _pipeline.Progress | None:
    """The pipeline's ``(message, done, total)`` progress, from a callable taking the message."""
    if progress is None:
        return None
    return lambda message, _done=None, _total=None: progress(message)


def run_quarter(
    config: ConfigLike,
    period: str,
    *,
    runs_dir: str | os.PathLike[str] | None = None,
    force: bool = False,
    moved_m: float | None = None,
    utilisation_points: float | None = None,
) -> _quarter.QuarterResult:
    """Run one quarter into ``runs/<period>``, compare it with the last one, write the board report.

    Parameters
    ----------
    config : str, Path, dict or Config
        See :func:`load_config`.
    period : str
        The quarter, ``YYYY-Qn`` (``2026-Q3``); figures are as at its last day.
    runs_dir : str or Path, optional
        Folder of period runs; default ``runs/`` beside the config (its ``base_dir``).
    force : bool
        Replace the period's run if there is one (only once the new run has succeeded).
    moved_m, utilisation_points : float, optional
        Change report thresholds: metres for a move, percentage points for utilisation;
        default the config's ``compare:`` section (50 and 10 unless it says otherwise).

    Returns
    -------
    QuarterResult
        ``run_dir``, ``previous_dir``, ``run`` (the RunResult), ``changes`` (ChangeReport or
        None for the first period) and ``outputs``.

    Raises
    ------
    PeriodError
        If the period is malformed, or already run and ``force`` is not given.

    Notes
    -----
    A config given as a dict, or a Config that differs from the ``assetmap.yaml`` it was read
    from, is run as it is; ``quarter.json`` then names no file, and the period's folder keeps
    the settings it ran with as ``run_config.yaml`` (every path absolute), which
    ``assetmap quarter`` can run again.

    Examples
    --------
    >>> import tempfile, assetmap
    >>> runs = tempfile.mkdtemp()
    >>> q3 = assetmap.run_quarter("data/demo/kent/assetmap.yaml", "2026-Q3", runs_dir=runs)
    >>> q3.run_dir.name, q3.previous_dir, q3.run.plan.summary["as_of"]
    ('2026-Q3', None, '2026-09-30')
    """
    if not isinstance(config, str | os.PathLike):
        cfg = load_config(config)
        config = _same_file(cfg) or cfg  # unchanged from its file: quarter.json names that file
    return _quarter.run_quarter(config, period, runs_dir=runs_dir, force=force, moved_m=moved_m,
                                utilisation_points=utilisation_points)  # fmt: skip


def _run_dir(run: str | os.PathLike[str] | _pipeline.RunResult | _quarter.QuarterResult) -> Path:
    if isinstance(run, _pipeline.RunResult):
        return run.out_dir
    if isinstance(run, _quarter.QuarterResult):
        return run.run_dir
    return Path(run)


def compare_runs(
    previous: str | os.PathLike[str] | _pipeline.RunResult | _quarter.QuarterResult,
    current: str | os.PathLike[str] | _pipeline.RunResult | _quarter.QuarterResult,
    *,
    config: ConfigLike | None = None,
    moved_m: float | None = None,
    utilisation_points: float | None = None,
) -> _compare.ChangeReport:
    """What changed between two runs: assets added, removed, moved, re-rated, renamed.

    Parameters
    ----------
    previous, current : str, Path, RunResult or QuarterResult
        Two run folders (``runs/2026-Q2``, ``runs/2026-Q3``), or what :func:`run` or
        :func:`run_quarter` returned.
    config : str, Path, dict or Config, optional
        Its ``compare:`` section gives the thresholds; default 50 m and 10 points.
    moved_m : float, optional
        Distance in metres beyond which a matched asset counts as moved (instead of the config's).
    utilisation_points : float, optional
        Least change of utilisation reported, in percentage points (instead of the config's).

    Returns
    -------
    ChangeReport
        ``changes`` (one row per change, with how each asset was matched), ``opportunities``
        (new, continuing, dropped, carried out), ``counts`` and ``savings``.

    Raises
    ------
    CompareError
        If a folder is not a readable run.
    ConfigError
        If a threshold is not a positive number.

    Examples
    --------
    >>> import tempfile, assetmap
    >>> runs = tempfile.mkdtemp()
    >>> q2 = assetmap.run_quarter("data/demo/kent/q2/assetmap.yaml", "2026-Q2", runs_dir=runs)
    >>> q3 = assetmap.run_quarter("data/demo/kent/assetmap.yaml", "2026-Q3", runs_dir=runs)
    >>> report = assetmap.compare_runs(q2, q3)
    >>> report.previous, report.current
    ('2026-Q2', '2026-Q3')
    >>> {k: report.counts[k] for k in ("added", "removed", "moved", "renamed")}
    {'added': 1, 'removed': 1, 'moved': 1, 'renamed': 1}
    """
    base = load_config(config).compare if config is not None else None
    limits = _config.compare_thresholds(base, moved_m=moved_m, utilisation_points=utilisation_points)
    return _compare.compare_runs(_run_dir(previous), _run_dir(current), **limits.model_dump())


def _map_inputs(data: MapData, config: ConfigLike | None, what: str) -> dict[str, Any]:
    """The frames a map draws, from whichever stage's result it is given."""
    if isinstance(data, _quarter.QuarterResult):
        data = data.run
    cfg = load_config(config) if config is not None else None
    if isinstance(data, _pipeline.RunResult):
        cfg, data = cfg or data.config, data.plan
    if isinstance(data, PlanResult):
        parts: dict[str, Any] = {"assets": data.assets, "clusters": data.clusters,
                                 "opportunities": data.opportunities, "summary": data.summary}  # fmt: skip
    elif isinstance(data, Estate | gpd.GeoDataFrame):
        parts = {"assets": _assets(data, what), "clusters": None, "opportunities": None, "summary": None}
    else:
        got = type(data).__name__
        msg = f"{what} takes a RunResult, QuarterResult, PlanResult, Estate or GeoDataFrame, not {got}"
        raise TypeError(msg)
    return parts | {"config": cfg}


def write_map(
    data: MapData, path: str | os.PathLike[str], *, config: ConfigLike | None = None, title: str | None = None
) -> Path:
    """Write the board map: one self-contained HTML page that needs no network.

    Parameters
    ----------
    data : RunResult, QuarterResult, PlanResult, Estate or GeoDataFrame
        What to draw; a plan (or a run's) adds ratings, clusters, moves and the summary.
    path : str or Path
        The ``.html`` file to write (atomically).
    config : str, Path, dict or Config, optional
        ``title`` and ``map`` options (outline, offline, sensitive); a RunResult's own by default.
    title : str, optional
        Page title when there is no config.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> plan = assetmap.plan_estate(assetmap.read_registers(config), config)
    >>> page = assetmap.write_map(plan, pathlib.Path(tempfile.mkdtemp()) / "map.html", config=config)
    >>> "Kent public estate, Q3 2026" in page.read_text(encoding="utf-8")
    True
    """
    parts = _map_inputs(data, config, "write_map()")
    return _write_map(Path(path), title=title, **parts)


def explore(
    data: MapData,
    *,
    config: ConfigLike | None = None,
    tiles: str | None = "auto",
    self_contained: bool = True,
    max_assets: int = MAX_ASSETS,
    **map_kwds: Any,
) -> folium.Map:
    """The estate as an interactive folium map for notebooks, like ``GeoDataFrame.explore()``.

    The board map's essentials as folium layers: one layer per partner (colour by partner
    kind, a letter for the use, a red/amber/green ring for the rating), grouped by folium's
    ``MarkerCluster``; cluster areas coloured by opportunity; planned moves as arrows; the
    place's outline; a legend with the summary figures. Popups give each asset's facts,
    rating, reasons, plan notes and source row. Add your own layers, show it inline, or
    ``.save("map.html")``.

    Parameters
    ----------
    data : RunResult, QuarterResult, PlanResult, Estate or GeoDataFrame
        What to draw.
    config : str, Path, dict or Config, optional
        ``title`` and ``map`` options; a RunResult's own by default.
    tiles : str or None
        A folium tile set (``"OpenStreetMap"``, ``"CartoDB positron"``) or None for a plain
        background with the outline. ``"auto"`` (default) follows ``map.offline`` in the
        config: no tiles unless it is false.
    self_contained : bool
        True (default): the page carries Leaflet, jQuery and the marker clustering plugin
        (from installed packages), so it shows and saves with no internet at all, as on a
        locked-down council laptop. False: they load from public CDNs, as folium does.
    max_assets : int
        Refuse above this many assets (folium pages grow slow to open beyond it; see
        BENCHMARKS.md). :func:`write_map` handles 100,000.
    **map_kwds
        Passed to ``folium.Map`` (``width``, ``height``, ``zoom_start``...).

    Returns
    -------
    folium.Map

    Raises
    ------
    MapError
        Above ``max_assets`` assets, or when the assets are not points.

    Notes
    -----
    Sensitive sites are left out exactly as on the board map (no marker, no coordinates
    anywhere in the page, their names replaced in other assets' reasons), and every value
    from a register is escaped: folium itself escapes neither popups nor tooltips.

    Examples
    --------
    >>> import folium, assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> plan = assetmap.plan_estate(assetmap.read_registers(config), config)
    >>> m = assetmap.explore(plan, config=config)
    >>> isinstance(m, folium.Map)
    True
    >>> _ = folium.Marker([51.2724, 0.5290], popup="Maidstone hub (proposed)").add_to(m)
    >>> html = m.get_root().render()
    >>> "Kent Police" in html, "cdn.jsdelivr.net" in html
    (True, False)
    """
    parts = _map_inputs(data, config, "explore()")
    cfg = parts.pop("config") or _map_config(None, None)
    geom = parts["assets"].geometry
    kinds = set(geom[~(geom.isna() | geom.is_empty)].geom_type)
    if kinds - {"Point"}:
        msg = f"explore() draws assets as points; these have {', '.join(sorted(kinds))} geometries"
        raise MapError(msg)
    return explore_map(config=cfg, tiles=tiles, self_contained=self_contained, max_assets=max_assets,
                       **parts, **map_kwds)  # fmt: skip


def write_board_pack(
    data: _pipeline.RunResult | PlanResult,
    path: str | os.PathLike[str],
    *,
    rejects: pd.DataFrame | None = None,
    title: str | None = None,
) -> Path:
    """Write the board pack spreadsheet: summary, clusters, opportunities, assets, rejects.

    Parameters
    ----------
    data : RunResult or PlanResult
        A run, or a plan (from :func:`plan_estate`).
    path : str or Path
        The ``.xlsx`` to write (atomically).
    rejects : DataFrame, optional
        Rows that could not be placed (``Estate.rejects``); a RunResult's own by default.
    title : str, optional
        Shown at the top of the summary sheet; a RunResult's config title by default.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl, assetmap
    >>> config = assetmap.load_config("data/demo/kent/assetmap.yaml")
    >>> estate = assetmap.read_registers(config)
    >>> plan = assetmap.plan_estate(estate, config)
    >>> book = assetmap.write_board_pack(plan, pathlib.Path(tempfile.mkdtemp()) / "pack.xlsx",
    ...                                  rejects=estate.rejects, title=config.title)
    >>> openpyxl.load_workbook(book).sheetnames
    ['summary', 'clusters', 'opportunities', 'assets', 'rejects']
    """
    if isinstance(data, _pipeline.RunResult):
        rejects = data.estate.rejects if rejects is None else rejects
        title = title or data.config.title
        data = data.plan
    if not isinstance(data, PlanResult):
        raise TypeError(f"write_board_pack() takes a RunResult or PlanResult, not {type(data).__name__}")
    empty = pd.DataFrame(columns=["partner", "source_file", "source_row", "asset_id", "reason"])
    _write_board_pack(Path(path), data, empty if rejects is None else rejects, title=title or "Board pack")
    return Path(path)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def show_versions() -> None:
    """Print the versions of assetmap, Python and the packages it uses, for a bug report.

    Examples
    --------
    >>> import assetmap
    >>> assetmap.show_versions()  # doctest: +ELLIPSIS
    assetmap: ...
    python: ...
    platform: ...
    geopandas: ...
    """
    versions = _pipeline._versions()
    lines = {"assetmap": versions.pop("assetmap"), "python": versions.pop("python"),
             "platform": platform.platform()}  # fmt: skip
    lines |= versions | {name: _version(name) for name in _API_PACKAGES}
    for name, version in lines.items():
        print(f"{name}: {version}")


#: What each stage returns, for type hints and ``isinstance`` (re-exported by ``assetmap``).
RunResult = _pipeline.RunResult
QuarterResult = _quarter.QuarterResult
ChangeReport = _compare.ChangeReport

__all__ = [
    "ChangeReport", "Config", "ConfigLike", "Estate", "MapData", "PlanResult", "QuarterResult", "RunResult",
    "cluster_assets", "compare_runs", "config_yaml", "explore", "load_config", "plan_estate",
    "read_registers", "run", "run_quarter", "show_versions", "write_board_pack", "write_map",
]  # fmt: skip
