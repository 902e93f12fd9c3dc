"""Build ``assetmap/data/gb_base.json``: the offline base map of Great Britain (coast and districts).

Run ``.venv/bin/python scripts/make_offline_base.py --realdata ../shared/realdata``.

Source: ``boundaries-ons-martinjc/gb_topo_lad.json``, the 380 local authority districts of
Great Britain (ONS/OS generalised clipped boundaries, 2013) as TopoJSON by Martin Chorley.
Each shared border (a TopoJSON *arc*) is simplified once per zoom band with Douglas-Peucker in
British National Grid metres, so neighbouring districts keep one common border at every band
and the coast is the arcs that belong to one district only. District names are today's where
ONS has renamed a district since 2013 (``assetmap/data/lad_names.csv``).

The output (JSON; positions as integers of ``1 / scale`` degree, each point a difference
from the one before it, the first point of an arc from the last point of the arc before)::

    attribution  str
    land         {"below": zoom, "scale": units per degree, "rings": [[dlat, dlon, ...], ...]}: the
                 land of Great Britain (all districts dissolved), for the view of the country
    bands        [{"below": zoom, "scale": units per degree, "points": [points per arc, ...],
                   "steps": [dlat, dlon, dlat, dlon, ...]}, ...]: districts from closer in
    scale        10000: units per degree of the districts' labels and boxes
    coast        [arc index, ...]
    districts    {"code": [...], "name": [...], "label": [[lat, lon], ...],
                  "box": [[south, west, north, east], ...], "rings": [[[arc ref, ...], ...], ...]}

An arc reference ``~i`` (that is ``-i - 1``) means arc ``i`` reversed, as in TopoJSON.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assetmap" / "data" / "gb_base.json"
SCALE = 10_000
#: Zoom bands: below this zoom, simplify to this many metres, drop islands (rings of one arc)
#: smaller than this many square kilometres, and keep positions to this many units a degree.
LAND = (7, 2_500.0, 100.0, 1_000)
BANDS = ((10, 800.0, 10.0, 1_000), (99, 280.0, 2.0, 5_000))
ATTRIBUTION = (
    "Districts and coast: contains OS data \u00a9 Crown copyright and database right 2014; ONS, Open "
    "Government Licence v3.0; GeoJSON and TopoJSON UK Boundary Data by Martin Chorley (CC BY 4.0)"
)


def _arcs(topo: dict) -> list[np.ndarray]:
    """TopoJSON arcs as lon/lat arrays (undoing the quantisation and the delta encoding)."""
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        out.append(q * scale + translate)
    return out


def _simplified(arcs_bng: list[np.ndarray], tolerance: float) -> list[np.ndarray]:
    """Each arc simplified on its own (its two ends kept, so shared borders still meet)."""
    out = []
    for xy in arcs_bng:
        if len(xy) < 3:
            out.append(np.arange(len(xy)))
            continue
        kept = shapely.get_coordinates(shapely.simplify(shapely.linestrings(xy), tolerance))
        index = {tuple(p): i for i, p in enumerate(xy.tolist())}
        out.append(np.array([index[tuple(p)] for p in kept.tolist()]))
    return out


def _encode(arcs: list[np.ndarray], scale: int) -> tuple[list[int], list[int]]:
    """All arcs as one run of differences (lat, lon), and how many points each arc has."""
    if not arcs:
        return [], []
    points = [len(a) for a in arcs]
    pts = np.rint(np.vstack([a for a in arcs if len(a)])[:, ::-1] * scale).astype(np.int64)
    steps = pts.copy()
    steps[1:] -= pts[:-1]
    return points, steps.ravel().tolist()


def _ring_area_km2(ring: list[int], arcs_bng: list[np.ndarray]) -> float:
    parts = [arcs_bng[a] if a >= 0 else arcs_bng[~a][::-1] for a in ring]
    xy = np.vstack(parts)
    return abs(shapely.area(shapely.polygons(xy))) / 1e6 if len(xy) >= 4 else 0.0


def _land(lonlat: list[np.ndarray], bng: list[np.ndarray], rings: list[list[list[int]]]) -> dict:
    """Great Britain's land (every district dissolved), simplified for the view of the country."""
    below, tolerance, smallest, scale = LAND
    polygons = []
    for d_rings in rings:
        for ring in d_rings:
            xy = np.vstack([bng[a] if a >= 0 else bng[~a][::-1] for a in ring])
            if len(xy) >= 4:
                polygons.append(shapely.make_valid(shapely.polygons(xy)))
    land = shapely.union_all(polygons).simplify(tolerance)
    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    out = []
    for poly in shapely.get_parts(land):
        if poly.geom_type != "Polygon" or poly.area / 1e6 < smallest:
            continue
        xy = np.asarray(poly.exterior.coords)
        lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
        out.append(_encode([np.column_stack([lon, lat])], scale)[1])
    return {"below": below, "scale": scale, "rings": out}


def _names(realdata: Path) -> dict[str, str]:
    with (ROOT / "assetmap" / "data" / "lad_names.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def build(realdata: Path) -> dict:
    """The base map's data from the TopoJSON in ``realdata``."""
    topo = json.loads((realdata / "boundaries-ons-martinjc" / "gb_topo_lad.json").read_text(encoding="utf-8"))
    lonlat = _arcs(topo)
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    bng = [np.column_stack(to_bng.transform(a[:, 0], a[:, 1])) for a in lonlat]
    geometries = topo["objects"]["lad"]["geometries"]
    uses = np.zeros(len(lonlat), dtype=int)
    names = _names(realdata)
    districts: dict[str, list] = {"code": [], "name": [], "label": [], "box": [], "rings": []}
    for geom in geometries:
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [ring for polygon in polygons for ring in polygon]
        for ring in rings:
            for a in ring:
                uses[a if a >= 0 else ~a] += 1
        outers = [np.vstack([lonlat[a] if a >= 0 else lonlat[~a][::-1] for a in p[0]]) for p in polygons]
        shape = shapely.union_all(
            shapely.make_valid(shapely.polygons([shapely.linearrings(o) for o in outers]))
        )
        label = shapely.get_coordinates(shapely.point_on_surface(shape))[0]
        code = geom["properties"]["LAD13CD"]
        districts["code"].append(code)
        districts["name"].append(names.get(code, geom["properties"]["LAD13NM"]))
        districts["label"].append([round(label[1] * SCALE), round(label[0] * SCALE)])
        west, south, east, north = shape.bounds
        districts["box"].append([round(v * SCALE) for v in (south, west, north, east)])
        districts["rings"].append(rings)
    bands = []
    for below, tolerance, smallest, scale in BANDS:
        keep = _simplified(bng, tolerance)
        small = set()
        for d_rings in districts["rings"]:
            for ring in d_rings:
                if len(ring) == 1 and _ring_area_km2(ring, bng) < smallest:
                    small.add(ring[0] if ring[0] >= 0 else ~ring[0])
        arcs = [lonlat[i][k] if i not in small else lonlat[i][:0] for i, k in enumerate(keep)]
        points, steps = _encode(arcs, scale)
        bands.append({"below": below, "scale": scale, "points": points, "steps": steps})
    return {
        "attribution": ATTRIBUTION,
        "scale": SCALE,
        "land": _land(lonlat, bng, districts["rings"]),
        "bands": bands,
        "coast": np.flatnonzero(uses == 1).tolist(),
        "districts": districts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.realdata)
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    if "<" in text:
        raise SystemExit("a district name holds '<': not written")
    args.out.write_text(text + "\n", encoding="ascii")
    sizes = [len(json.dumps(b, separators=(",", ":"))) for b in [data["land"], *data["bands"]]]
    print(
        f"wrote {args.out}: {len(text) / 1e3:.0f} KB (bands {', '.join(f'{s / 1e3:.0f} KB' for s in sizes)})"
    )


if __name__ == "__main__":
    main()
