"""The criteria a plan is judged by: totals over the allocation, each with a sense and units.

A criterion is linear in the land allocation x[u,k] (km²):

    total_c = Σ_{u,k} a_c[k] · m_u · x[u,k]

where a_c[k] is industry k's per-km² coefficient (the column below) and m_u the unit's land
intensity (1 for land itself, which no intensity scales).
"""

from __future__ import annotations

from dataclasses import dataclass

YUAN_PER_100M = 1e8  # output is counted in 100m yuan; its prices and penalties are stated in yuan


@dataclass(frozen=True)
class Criterion:
    name: str
    column: str | None  # industry coefficient column; None: land itself (coefficient 1)
    sense: str  # "max" or "min"
    unit: str
    label: str


CRITERIA: dict[str, Criterion] = {
    c.name: c
    for c in (
        Criterion("output", "output_100m_yuan_per_km2", "max", "100m yuan", "economic output"),
        Criterion("carbon", "carbon_t_per_km2", "min", "t CO2", "carbon emissions"),
        Criterion("energy", "energy_tce_per_km2", "min", "tce", "energy use"),
        Criterion("jobs", "jobs_per_km2", "max", "persons", "jobs"),
        Criterion("pollutant", "pollutant_t_per_km2", "min", "t", "pollutant load"),
        Criterion("land", None, "min", "km2", "land used"),
    )
}
