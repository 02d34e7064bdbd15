"""Balanced regional development: no zone (or unit) develops far ahead of or behind the rest.

Measures, for a group g (a zone or a unit) among the members M:

- ``land_share``: the share of its available land that is used, q(g) / L_g, with q = land used
  (km²) and L_g the group's available land (Σ land_km2 of its units);
- ``output_per_resident``: q(g) / P_g, with q = output (100 million yuan) and P_g the group's
  residents (Σ population_10k of its units).

The city-wide value is q(M) / L_M (or q(M) / P_M), over all members. With tolerance τ, each
member stays within ±τ of it, relatively: (1 − τ) · q(M)/L_M ≤ q(g)/L_g ≤ (1 + τ) · q(M)/L_M.
Multiplying by L_g, with the member's weight w_g = L_g / L_M (or P_g / P_M), makes it linear:

    balance_max[g]:  Σ_{v∈g} q_v · v − (1 + τ) · w_g · Σ_{v∈M} q_v · v ≤ 0     (km² or 100m yuan)
    balance_min[g]:  Σ_{v∈g} q_v · v − (1 − τ) · w_g · Σ_{v∈M} q_v · v ≥ 0     (only when τ < 1)

over the variables v with an effect q_v on the measured quantity (land_v, or output o_v, which is
negative for retirements). τ = 0 gives equal proportional development: every member uses the
same share of its land (or yields the same output per resident). Each row is stated on its own,
so it touches every member's variables: (2 × members × variables) terms, fine at zone or district
level.

Members default to every zone (unit) where some industry is admitted; a closed zone would
otherwise force the whole city to stand still. ``members`` names them explicitly. A member with no
available land (or no residents) is left out: its measure is undefined.

Scenario section ``balance`` (off while ``tolerance`` is null)::

    balance:
      measure: land_share           # or output_per_resident
      level: zone                   # or unit
      tolerance: 0.25               # each member within ±25 % of the city-wide value
      members: [new_area, northeast, southeast]      # optional
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..schema.types import Id, NonNegative, Settings
from .family import names, prices


class RegionalBalance(Settings):
    """Each zone's (unit's) development within a tolerance of the city-wide value (``rules.balance``)."""

    tolerance: NonNegative | None = None  # relative to the city-wide value; None: off
    measure: Literal["land_share", "output_per_resident"] = "land_share"
    level: Literal["zone", "unit"] = "zone"
    members: tuple[Id, ...] | None = None  # None: every zone (unit) where some industry is admitted


FAMILY = "balance"
MEASURES = {  # measure -> (quantity column, units column of capacity, row unit, quantity words, capacity words)
    "land_share": ("land", "land_km2", "km2", "land used", "available land"),
    "output_per_resident": ("output", "population_10k", "100m yuan", "output", "residents"),
}


def _setup(scenario, variables: pd.DataFrame):
    """(members' capacities, weights, the variables of the members with their quantity)."""
    settings = scenario.balance
    quantity, capacity_column, *_ = MEASURES[settings.measure]
    units = scenario.table("units")
    capacity = units.groupby(settings.level if settings.level == "zone" else units.index)[capacity_column].sum()
    admitted = set(variables.loc[variables["land"] != 0, settings.level])
    members = settings.members if settings.members is not None else [g for g in capacity.index if g in admitted]
    capacity = capacity.reindex(members).astype(float)
    capacity = capacity[capacity > 0]  # no land (residents): the measure is undefined
    weights = capacity / capacity.sum()
    rows = variables[variables[settings.level].isin(capacity.index) & (variables[quantity] != 0)]
    return capacity, weights, rows[quantity]


def add_constraints(builder) -> None:
    settings = builder.scenario.balance
    if settings.tolerance is None:
        return
    *_, row_unit, words, capacity_words = MEASURES[settings.measure]
    _, weights, q = _setup(builder.scenario, builder.variables)
    group = builder.variables.loc[q.index, settings.level]
    tolerance = settings.tolerance
    member_names = names(builder.scenario, f"{settings.level}s")
    for member, weight in weights.items():
        inside = (group == member).astype(float)
        for bound, sense, factor in (("max", "<=", 1 + tolerance), ("min", ">=", 1 - tolerance)):
            if bound == "min" and factor <= 0:
                continue
            builder.add_terms(
                f"balance_{bound}[{member}]",
                FAMILY,
                q * (inside - factor * weight),
                sense,
                0.0,
                row_unit,
                f"{'upper' if bound == 'max' else 'lower'} balance limit of {member_names.get(member, member)} ({words} "
                f"{'at most' if bound == 'max' else 'at least'} {factor:.0%} of its share: {weight:.1%} of the "
                f"members' {capacity_words})",
            )


def tables(result) -> dict[str, pd.DataFrame]:
    settings = result.scenario.balance
    if settings.tolerance is None:
        return {}
    quantity, capacity_column, row_unit, *_ = MEASURES[settings.measure]
    capacity, weights, q = _setup(result.scenario, result.model.variables)
    achieved = (q * result.values[q.index]).groupby(result.model.variables.loc[q.index, settings.level]).sum()
    achieved = achieved.reindex(capacity.index, fill_value=0.0)
    value = achieved / capacity
    reference = achieved.sum() / capacity.sum()
    per = "share of available land used" if settings.measure == "land_share" else "output per resident (10k yuan)"
    table = pd.DataFrame(
        {
            settings.level: capacity.index,
            capacity_column: capacity.to_numpy(),
            "weight": weights.to_numpy(),
            f"{quantity}_{row_unit.replace(' ', '_')}": achieved.to_numpy(),
            "measure": per,
            "value": value.to_numpy(),
            "city_value": reference,
            "low": max(0.0, 1 - settings.tolerance) * reference,
            "high": (1 + settings.tolerance) * reference,
        }
    )
    price = prices(result)
    for bound in ("max", "min"):
        table[f"shadow_price_{bound}"] = [price.get(f"balance_{bound}[{g}]", 0.0) for g in capacity.index]
    units = result.constraints.set_index("name")["shadow_price_unit"]
    table["shadow_price_unit"] = [units.get(f"balance_max[{g}]", "") for g in capacity.index]
    return {"regional_balance": table}


def units_apart(scenario) -> set[str]:
    """Every unit while the rule is on: its weights are sums over units (of land or residents),
    and a merged scenario's sums, made class by class, could differ in the last digit."""
    return set(scenario.table("units").index) if scenario.balance.tolerance is not None else set()
