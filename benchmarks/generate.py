"""Generate large scenarios: N grid cells of Chongqing × the default's 16 industries.

    python benchmarks/generate.py --sizes 1000,10000 --out benchmarks/scenarios

writes ``<out>/grid-<N>/grid.yaml`` with its ``zones.csv``, ``units.csv`` and ``industries.csv``.
The same seed gives the same files, byte for byte.

What a generated scenario is (a stand-in for a 1 km grid, not data):

- **Cells.** N planning units, each in one of the default's five zones, drawn with probability
  proportional to the zone's area (every zone gets at least one cell). Each cell has available
  land uniform in [0.02, 0.30] km² (three decimals).
- **Productivity (default: continuous, as real land data is).** Every cell has its own
  multiplier per industry category, the zone's land intensity in the default times a factor
  drawn uniformly from 0.6–1.4 (six decimals), written as ``land_intensity_<category>`` columns:
  no two cells are alike, so the exact merge (``optimizer/reduction/scenario_merge.py``, ``optimizer/reduction/matrix_merge.py``)
  finds nothing to merge.
- **Profiles (``--profiles N``: the best case for merging, not realistic).** Each zone has N
  land-use profiles (e.g. urban, park, rural) with factors on steps of 0.05, and every cell
  copies one of them: 50,000 cells are then at most 5·N classes, and the merge solves those.
- **Industries.** The default's 16 industries and coefficients; their ``min_km2``/``max_km2``
  bounds scaled by total land / the default's total land (150.95 km²).
- **Rules.** ``--zoning open`` (default): every zone admits every category (the multipliers
  carry suitability), so N cells give 16·N variables (≈ 1M at N = 50,000 with the land rows);
  the default's share rules stay. ``--zoning default``: the default's zoning as it is. The city
  carbon budget is the default's 20 Mt scaled like the bounds, so that it binds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "inputs" / "chongqing-districts.yaml"  # the 38 districts, zone by zone
SIZES = (38, 1_000, 10_000, 50_000)


def generate(n: int, folder: Path, seed: int = 1, profiles: int = 0, zoning: str = "open") -> Path:
    """Write the scenario of ``n`` cells into ``folder``; returns the YAML path."""
    default = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    zones = pd.read_csv(DEFAULT.parent / default["zones"])
    default_units = pd.read_csv(DEFAULT.parent / default["units"])
    industries = pd.read_csv(DEFAULT.parent / default["industries"])
    categories = sorted(industries["category"].unique())
    rng = np.random.default_rng(seed)

    # Cells per zone ∝ zone area, at least one each.
    share = zones["area_km2"].to_numpy() / zones["area_km2"].sum()
    counts = np.maximum(1, np.floor(share * n).astype(int))
    counts[np.argmax(counts)] += n - counts.sum()
    zone_of_cell = np.repeat(zones["id"].to_numpy(), counts)
    rng.shuffle(zone_of_cell)
    land = np.round(rng.uniform(0.02, 0.30, n), 3)

    base = default_units.groupby("zone")["land_intensity"].mean()
    multipliers = np.empty((n, len(categories)))
    for zone in zones["id"]:
        cells = np.flatnonzero(zone_of_cell == zone)
        if profiles > 0:
            table = base[zone] * np.round(rng.uniform(0.6, 1.4, (profiles, len(categories))) * 20) / 20
            multipliers[cells] = table[rng.integers(0, profiles, len(cells))]
        else:
            multipliers[cells] = base[zone] * rng.uniform(0.6, 1.4, (len(cells), len(categories)))

    width = len(str(n))
    units = pd.DataFrame({"id": [f"c{i:0{width}d}" for i in range(n)], "zone": zone_of_cell, "land_km2": land})
    for j, category in enumerate(categories):
        units[f"land_intensity_{category}"] = np.round(multipliers[:, j], 6)

    scale = float(land.sum() / default_units["land_km2"].sum())
    keep = ["id", "name", "category", "output_100m_yuan_per_km2", "carbon_t_per_km2", "energy_tce_per_km2",
            "jobs_per_km2", "pollutant_t_per_km2", "min_km2", "max_km2"]
    industries = industries[keep].copy()
    industries[["min_km2", "max_km2"]] = (industries[["min_km2", "max_km2"]] * scale).round(3)
    industries["source"] = f"the Chongqing default; min/max scaled by total land ×{scale:.4f} (generated)"

    rules = default["zoning"]
    if zoning == "open":
        rules = {zone: {"admits": list(categories), **{k: v for k, v in rule.items() if k.startswith("share")}}
                 for zone, rule in rules.items()}
    scenario = {
        "name": f"grid-{n}",
        "description": f"Generated: {n} grid cells × {len(industries)} industries, seed {seed}, "
                       f"{f'{profiles} profiles per zone' if profiles else 'continuous per-cell multipliers'}, {zoning} zoning (benchmarks/generate.py).",
        "zones": "zones.csv",
        "units": "units.csv",
        "industries": "industries.csv",
        "zoning": rules,
        "carbon_budget": {"total_mt": round(default["carbon_budget"]["total_mt"] * scale, 3)},
        "objective": "output",
    }
    return write_scenario(folder, scenario, zones[["id", "name", "name_zh", "area_km2"]], units, industries)


def write_scenario(folder: Path, scenario: dict, zones, units, industries) -> Path:
    """A grid scenario's folder: its three tables and ``grid.yaml`` naming them; returns the YAML path."""
    folder.mkdir(parents=True, exist_ok=True)
    zones.to_csv(folder / "zones.csv", index=False)
    units.to_csv(folder / "units.csv", index=False)
    industries.to_csv(folder / "industries.csv", index=False)
    path = folder / "grid.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated cell counts")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "scenarios"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profiles", type=int, default=0,
                        help="land-use profiles per zone that cells copy: the best case for merging "
                             "(default 0: continuous per-cell multipliers, no two cells alike)")
    parser.add_argument("--zoning", choices=("open", "default"), default="open")
    args = parser.parse_args(argv)
    for n in (int(size) for size in args.sizes.split(",")):
        print(generate(n, Path(args.out) / f"grid-{n}", args.seed, args.profiles, args.zoning))


if __name__ == "__main__":
    main()
