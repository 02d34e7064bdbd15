"""The criteria a plan is judged by: totals over the allocation, each with a sense and units.

A criterion is linear in the land allocation x[u,k] (km²):

    total_c = Σ_{u,k} a_c[k] · m_u · x[u,k]

where a_c[k] is industry k's per-km² coefficient (the column below) and m_u the unit's land
intensity (1 for land itself, which no intensity scales). Besides the built-in criteria, a
scenario may declare its own indicators (``indicators:``), each an extra numeric column of the
industries table scaled the same way; ``criteria_of(scenario)`` lists both.

A composite criterion is a weighted sum of others plus a constant: Σ_c w_c · total_c + offset
(the weighted-sum method's normalised score, see ``optimizer.analysis.multicriteria``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SENSES = ("max", "min")


@dataclass(frozen=True)
class Criterion:
    name: str
    column: str | None  # industry coefficient column; None: land itself (coefficient 1) or a composite
    sense: str  # "max" or "min"
    unit: str
    label: str
    weights: Mapping[str, float] = field(default_factory=dict)  # a composite: Σ weights[c] · total_c
    offset: float = 0.0  # a composite's constant term

    @property
    def is_composite(self) -> bool:
        return bool(self.weights)


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


def criteria_of(scenario) -> dict[str, Criterion]:
    """The built-in criteria followed by the scenario's own indicators."""
    indicators = {
        name: Criterion(name, spec.column, spec.sense, spec.unit, spec.label or name)
        for name, spec in scenario.indicators.items()
    }
    return {**CRITERIA, **indicators}


# criterion -> the column of its total in result tables (and of a project's own figure)
TOTAL_COLUMNS = {
    "land": "land_km2",
    "output": "output_100m_yuan",
    "carbon": "carbon_t",
    "energy": "energy_tce",
    "jobs": "jobs",
    "pollutant": "pollutant_t",
}
