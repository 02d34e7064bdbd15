"""Carbon budget: the allocation's emissions stay within the city's (and each zone's) budget.

    carbon_budget:      Σ_{u,k} e_k · m_u · x[u,k] ≤ B · 10⁶          (t CO2 per year)
    carbon_budget[z]:   Σ_{u∈z,k} e_k · m_u · x[u,k] ≤ B_z · 10⁶

e_k is industry k's carbon per km² (direct and electricity), m_u the unit's land intensity,
B and B_z the budgets in Mt CO2 per year from the scenario's ``carbon_budget`` section. The sums
run over every variable with a carbon effect, so variables other families add (projects,
retirements) count as well.
"""

from __future__ import annotations

import numpy as np

from .family import names

FAMILY = "carbon"
TONNES_PER_MT = 1e6


def add_constraints(builder) -> None:
    budget = builder.scenario.carbon_budget
    carbon = builder.variables["carbon"].to_numpy()
    emitting = np.flatnonzero(carbon != 0)
    if budget.total_mt is not None:
        builder.add(
            "carbon_budget",
            FAMILY,
            emitting,
            carbon[emitting],
            "<=",
            budget.total_mt * TONNES_PER_MT,
            "t CO2",
            f"city carbon budget of {budget.total_mt:g} Mt CO2",
        )
    zone_names = names(builder.scenario, "zones")
    for zone, limit in budget.by_zone_mt.items():
        in_zone = emitting[(builder.variables["zone"] == zone).to_numpy()[emitting]]
        builder.add(
            f"carbon_budget[{zone}]",
            FAMILY,
            in_zone,
            carbon[in_zone],
            "<=",
            limit * TONNES_PER_MT,
            "t CO2",
            f"carbon budget of {limit:g} Mt CO2 for {zone_names.get(zone, zone)}",
        )


def units_apart(scenario) -> set[str]:
    """None: budgets are city- or zone-wide."""
    return set()
