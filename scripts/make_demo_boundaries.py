"""Write the demos' ward and district boundaries from the ONS 2013 ward files (OGL).

Run ``.venv/bin/python scripts/make_demo_boundaries.py [--realdata ../shared/realdata]``. For
each demo place it reads ``boundaries-ons-martinjc/wards_by_lad/<LAD>.json`` (2013 electoral
wards, ONS generalised clipped boundaries converted to GeoJSON by Martin Chorley) for the
place's districts, simplifies them together as one coverage (``shapely.coverage_simplify``,
25 m, so neighbouring wards still share their edges exactly), and writes, in WGS84 with
coordinates to 1e-5 degree (about a metre):

* ``data/demo/<place>/boundaries/wards.geojson``: ``WD13CD``, ``WD13NM``, ``LAD13CD``;
* ``data/demo/<place>/boundaries/districts.geojson``: the wards dissolved by district,
  ``LAD13CD`` and ``LAD13NM`` (the 2013 name, from ``eng_topo_lad.json``);
* ``data/demo/<place>/boundaries/README.md``: where they come from and the attribution.

The output is byte-for-byte reproducible from the same input files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
PLACES: dict[str, tuple[str, ...]] = {
    "kent": ("E06000035", *(f"E070001{i:02d}" for i in range(5, 17))),
    "worcestershire": tuple(f"E070002{i}" for i in range(34, 40)),
}
TOLERANCE_M = 25.0
PRECISION_DEG = 1e-5
README = """# Boundaries of the {title} demo

`wards.geojson` ({wards} electoral wards, 2013: `WD13CD`, `WD13NM`, and the district `LAD13CD`) and
`districts.geojson` ({districts} local authority districts, 2013: `LAD13CD`, `LAD13NM`, the wards dissolved
by district) for the demo's `areas:` config. WGS84 longitude/latitude.

Made by `scripts/make_demo_boundaries.py` from `json/electoral/eng/wards_by_lad/<LAD>.json` of
github.com/martinjc/UK-GeoJSON (ONS generalised clipped ward boundaries, 2013, converted to GeoJSON),
with district names from `json/administrative/eng/topo_lad.json` of the same repository; simplified
together by 25 m (edges shared by neighbouring wards stay shared) and rounded to 1e-5 degree. Names are
those of 2013 (Folkestone and Hythe is "Shepway"); boundaries have changed since in places.

Attribution: Contains OS data © Crown copyright and database right 2014; contains National Statistics
data © Crown copyright and database right 2014; Open Government Licence v3.0 / OS OpenData licence.
"GeoJSON and TopoJSON UK Boundary Data by Martin Chorley" (https://github.com/martinjc/UK-GeoJSON),
licensed under the Creative Commons Attribution 4.0 International License.
"""


def _features(frame: gpd.GeoDataFrame, props: list[str]) -> str:
    lines = []
    for row in frame.itertuples(index=False):
        geom = shapely.set_precision(row.geometry, PRECISION_DEG)
        feature = {
            "type": "Feature",
            "properties": {p: getattr(row, p) for p in props},
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def build(place: str, codes: tuple[str, ...], realdata: Path, out: Path) -> tuple[int, int]:
    """Write one place's two boundary files and README; return (wards, districts)."""
    src = realdata / "boundaries-ons-martinjc"
    parts = [gpd.read_file(src / "wards_by_lad" / f"{c}.json").assign(LAD13CD=c) for c in codes]
    wards = pd.concat(parts, ignore_index=True).to_crs("EPSG:27700")
    wards = wards.sort_values("WD13CD", kind="mergesort").reset_index(drop=True)
    geoms = shapely.coverage_simplify(wards.geometry.to_numpy(), TOLERANCE_M)
    wards = wards.set_geometry(gpd.GeoSeries(geoms, crs="EPSG:27700"))
    lad = gpd.read_file(src / "eng_topo_lad.json")
    names = dict(zip(lad["LAD13CD"], lad["LAD13NM"], strict=True))
    districts = wards.dissolve("LAD13CD", as_index=False)[["LAD13CD", "geometry"]]
    districts["LAD13NM"] = districts["LAD13CD"].map(names)
    folder = out / place / "boundaries"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wards.geojson").write_text(
        _features(wards.to_crs("EPSG:4326"), ["WD13CD", "WD13NM", "LAD13CD"]), "utf-8"
    )
    (folder / "districts.geojson").write_text(
        _features(districts.to_crs("EPSG:4326"), ["LAD13CD", "LAD13NM"]), "utf-8"
    )
    title = place.capitalize()
    text = README.format(title=title, wards=len(wards), districts=len(districts))
    (folder / "README.md").write_text(text, "utf-8")
    return len(wards), len(districts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "demo")
    args = ap.parse_args(argv)
    for place, codes in PLACES.items():
        wards, districts = build(place, codes, args.realdata, args.out)
        print(f"{place}: {wards} wards, {districts} districts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
