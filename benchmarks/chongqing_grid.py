"""A real grid of Chongqing: square cells of the maps' equal-area plane, made from the boundaries.

    python benchmarks/chongqing_grid.py                  # 1 km: 82,402 cells
    python benchmarks/chongqing_grid.py --km 20 --out /tmp/grid-20km
    optimizer run benchmarks/scenarios/chongqing-grid-1km/grid.yaml

writes ``<out>/grid.yaml`` with ``zones.csv``, ``units.csv`` and ``industries.csv``: the
Chongqing default (its zoning, industries and carbon budget) with its 38 districts cut into cells.
What each cell is, and where each number comes from:

- **Place (real).** A cell of ``--km`` × ``--km`` in the Albers equal-area plane of
  ``optimizer.reporting.maps`` whose centre lies in one of the districts of
  ``inputs/boundaries/chongqing-districts.geojson``; it is tagged with that district's ``adcode``
  and its zone (the district's zone in ``inputs/chongqing/units.csv``), and carries its centre as
  ``lon``/``lat`` (so the report draws the grid as a raster). No park is tagged: the project has
  no park polygons or points (the parks list in the shared research has districts, not coordinates).
- **Land (derived).** The district's available land (``land_km2`` of the default, an estimate)
  shared equally among its cells, so every district keeps its land exactly.
- **Multipliers (derived, estimate).** ``land_intensity_<category>`` = the district's
  ``land_intensity`` in the default × a density factor × a cell factor. The density factor comes
  from the district's resident density (2020 census ``population_10k`` / ``area_km2`` of the
  default), relative to the median district: (density / median)^0.1, kept within 0.8–1.25, for
  the urban categories, and its inverse for ``green`` and ``agriculture`` (denser districts suit
  industry and services better, and ecological uses worse; the exponent is an assumption).
- **Cell factor (synthetic).** 0.9, 0.95, 1, 1.05 or 1.1, drawn per lattice position from a
  fixed seed (``SEED``): a stand-in for local suitability that no data here describes. Five steps (not a
  continuum) keep cells of a district alike enough for the exact merge to find classes: the best
  case for merging. ``--continuous`` draws the factor uniformly from 0.9–1.1 per cell and per
  category instead (six decimals), as real suitability data would be: no two cells alike, nothing
  merges (``benchmarks/decomposition.py`` measures that variant).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # generate.py beside it
from generate import write_scenario  # noqa: E402
from optimizer.reporting import maps  # noqa: E402 (the repository's own package)

DEFAULT = ROOT / "inputs" / "chongqing-districts.yaml"  # the 38 districts: their zones, land and statistics
ECOLOGICAL = ("green", "agriculture")
CELL_FACTORS = np.array([0.9, 0.95, 1.0, 1.05, 1.1])
SEED = 17


def cells(km: float) -> pd.DataFrame:
    """Cell centres inside the districts: row, column, plane x/y, lon/lat and adcode."""
    step = km * 1000.0
    minx, miny, maxx, maxy = maps.outline().bounds
    x0, y0 = np.floor(minx / step) * step + step / 2, np.floor(miny / step) * step + step / 2
    columns, rows = np.arange(x0, maxx, step), np.arange(y0, maxy, step)
    x, y = (a.ravel() for a in np.meshgrid(columns, rows))
    adcode = np.zeros(len(x), dtype=np.int64)
    for code, geometry in maps.districts()["geometry"].items():
        shapely.prepare(geometry)
        inside = (adcode == 0) & shapely.contains_xy(geometry, x, y)
        adcode[inside] = code
    keep = adcode > 0
    lon, lat = maps.from_plane(x[keep], y[keep])
    column = np.round((x[keep] - x0) / step).astype(int)
    row = np.round((y[keep] - y0) / step).astype(int)
    return pd.DataFrame({"row": row, "column": column, "lon": np.round(lon, 6), "lat": np.round(lat, 6),
                         "adcode": adcode[keep]})


def generate(km: float, folder: Path, continuous: bool = False) -> Path:
    """Write the grid scenario into ``folder``; returns the YAML path."""
    default = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    zones = pd.read_csv(DEFAULT.parent / default["zones"])
    districts = pd.read_csv(DEFAULT.parent / default["units"]).set_index("adcode")
    industries = pd.read_csv(DEFAULT.parent / default["industries"])
    categories = sorted(industries["category"].unique())

    grid = cells(km)
    count = grid.groupby("adcode").size()
    missing = districts.index.difference(count.index)
    if len(missing):
        print(f"no cell centre falls in {', '.join(districts.loc[missing, 'name'])}: their land is not in the grid")
    district = districts.loc[grid["adcode"]]
    width = len(str(max(grid["row"].max(), grid["column"].max())))
    units = pd.DataFrame({
        "id": [f"c{r:0{width}d}_{c:0{width}d}" for r, c in zip(grid["row"], grid["column"])],
        "zone": district["zone"].to_numpy(),
        "adcode": grid["adcode"].to_numpy(),
        "lon": grid["lon"].to_numpy(),
        "lat": grid["lat"].to_numpy(),
        "land_km2": np.round(district["land_km2"].to_numpy() / count.reindex(grid["adcode"]).to_numpy(), 9),
    })
    density = districts["population_10k"] / districts["area_km2"]
    factor = np.clip((density / density.median()) ** 0.1, 0.8, 1.25).reindex(grid["adcode"]).to_numpy()
    # One draw per lattice position from a fixed seed: the same file every time.
    rng = np.random.default_rng(SEED)
    lattice = (grid["row"].max() + 1, grid["column"].max() + 1)
    if continuous:  # one factor per lattice position and category
        cell = rng.uniform(0.9, 1.1, (*lattice, len(categories)))[grid["row"], grid["column"]]
    else:
        cell = np.repeat(CELL_FACTORS[rng.integers(0, len(CELL_FACTORS), lattice)][grid["row"], grid["column"], None],
                         len(categories), axis=1)
    base = district["land_intensity"].to_numpy()
    for j, category in enumerate(categories):
        density_factor = 1 / factor if category in ECOLOGICAL else factor
        units[f"land_intensity_{category}"] = np.round(base * density_factor * cell[:, j], 6)

    scenario = {
        "name": f"chongqing-grid-{km:g}km{'-continuous' if continuous else ''}",
        "description": (f"The Chongqing default on a real {km:g} km grid: {len(units):,} cells of the equal-area "
                        "plane inside the 38 districts (inputs/boundaries), each with its district's land shared "
                        "equally and multipliers derived from district density (estimate) times a synthetic cell "
                        f"factor, {'continuous per cell and category' if continuous else 'five steps'} "
                        "(benchmarks/chongqing_grid.py)."),
        "zones": "zones.csv",
        "units": "units.csv",
        "industries": "industries.csv",
        "zoning": default["zoning"],
        "carbon_budget": default["carbon_budget"],
        "objective": default["objective"],
        "report": default["report"],
    }
    return write_scenario(folder, scenario, zones, units, industries)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--km", type=float, default=1.0, help="cell side (km)")
    parser.add_argument("--continuous", action="store_true",
                        help="a continuous cell factor per cell and category (no two cells alike)")
    parser.add_argument("--out", help="folder (default benchmarks/scenarios/chongqing-grid-<km>km[-continuous])")
    args = parser.parse_args(argv)
    name = f"chongqing-grid-{args.km:g}km{'-continuous' if args.continuous else ''}"
    folder = Path(args.out or ROOT / "benchmarks" / "scenarios" / name)
    started = time.perf_counter()
    path = generate(args.km, folder, args.continuous)
    print(f"{path} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
