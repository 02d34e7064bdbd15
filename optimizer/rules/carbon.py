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
from pydantic import field_validator, model_validator

from ..core.units import TONNES_PER_MT
from ..schema.types import Id, Invalid, NonNegative, Settings
from .family import names


# More CO2 than the world emits in a year (about 37,000 Mt): a budget above it was typed in tonnes.
MAX_BUDGET_MT = 100_000


class CarbonBudget(Settings):
    """City and zone carbon budgets in Mt CO2 per year (see ``optimizer.rules.carbon``)."""

    total_mt: NonNegative | None = None
    by_zone_mt: dict[Id, NonNegative] = {}

    @field_validator("total_mt")
    @classmethod
    def _in_mt(cls, value):
        return _megatonnes(value)

    @field_validator("by_zone_mt")
    @classmethod
    def _zones_in_mt(cls, budgets):
        return {zone: _megatonnes(value) for zone, value in budgets.items()}

    @model_validator(mode="after")
    def _zones_within_city(self):
        for zone, budget in self.by_zone_mt.items():
            if self.total_mt is not None and budget > self.total_mt:
                raise Invalid(f"the budget of zone '{zone}' ({budget:g} Mt) is above the city's ({self.total_mt:g} Mt)",
                              "zone budgets at most total_mt (the city's budget covers its zones)")
        return self


def _megatonnes(value: float | None) -> float | None:
    if value is not None and value > MAX_BUDGET_MT:
        raise Invalid(
            f"{value:,.15g} Mt CO2 a year is more than the world emits (about 37,000 Mt): was it given in tonnes? "
            f"{value:,.15g} t is {value / TONNES_PER_MT:,.6g} Mt",
            f"a budget in Mt CO2 per year, at most {MAX_BUDGET_MT:,}",
        )
    return value


FAMILY = "carbon"


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
