"""assetmap: put a whole place's public estate on one map.

The stages of ``assetmap run``, for notebooks and scripts (see :mod:`assetmap.api`)::

    import assetmap

    config = assetmap.load_config("data/demo/kent/assetmap.yaml")  # or a dict
    estate = assetmap.read_registers(config)        # assets, rejects, warnings
    plan = assetmap.plan_estate(estate, config)     # clusters, moves, ratings, savings
    m = assetmap.explore(plan, config=config)       # a folium.Map: add layers, show, save
    assetmap.write_map(plan, "map.html", config=config)
    assetmap.write_board_pack(plan, "board_pack.xlsx", rejects=estate.rejects)

    result = assetmap.run("data/demo/kent/assetmap.yaml")  # everything, as the command does

What each stage returns is a class of its own (:class:`Estate`, :class:`PlanResult`,
:class:`RunResult`, :class:`QuarterResult`, :class:`ChangeReport`); a run's settings are a
:class:`Config` (``assetmap.load_config(...)``, changed with ``config.model_copy(update=...)``).

Every error caused by the input (a config, a register, a period) is an
:class:`AssetmapError`, with a message naming the file, row and column.
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

from ._errors import (
    AssetmapError,
    BoundaryError,
    CompareError,
    ConfigError,
    DatabaseError,
    LookupFileError,
    MapError,
    PeriodError,
    RegisterError,
)

if TYPE_CHECKING:  # for type checkers and editors; at run time they come from __getattr__
    from .api import (
        ChangeReport,
        Config,
        Estate,
        PlanResult,
        QuarterResult,
        RunResult,
        cluster_assets,
        compare_runs,
        config_yaml,
        explore,
        load_config,
        plan_estate,
        read_registers,
        run,
        run_quarter,
        show_versions,
        write_board_pack,
        write_map,
    )

#: The public API's names, imported from :mod:`assetmap.api` when first used: ``import assetmap``
#: (and the command line, which imports only what a command needs) does not pay for pandas,
#: geopandas, folium or scikit-learn until a function that needs them is called.
_API_NAMES = frozenset({
    "ChangeReport", "Config", "Estate", "PlanResult", "QuarterResult", "RunResult", "cluster_assets",
    "compare_runs", "config_yaml", "explore", "load_config", "plan_estate", "read_registers", "run",
    "run_quarter", "show_versions", "write_board_pack", "write_map",
})  # fmt: skip


def __getattr__(name: str) -> object:
    """Import the public API on first use (PEP 562)."""
    if name in _API_NAMES:
        from . import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assetmap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API_NAMES)


__all__ = [
    "AssetmapError",
    "BoundaryError",
    "ChangeReport",
    "CompareError",
    "Config",
    "ConfigError",
    "DatabaseError",
    "Estate",
    "LookupFileError",
    "MapError",
    "PeriodError",
    "PlanResult",
    "QuarterResult",
    "RegisterError",
    "RunResult",
    "__version__",
    "cluster_assets",
    "compare_runs",
    "config_yaml",
    "explore",
    "load_config",
    "plan_estate",
    "read_registers",
    "run",
    "run_quarter",
    "show_versions",
    "write_board_pack",
    "write_map",
]
