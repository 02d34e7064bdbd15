"""Soft limits: families of constraints the planner lets the plan violate, at a price.

The scenario's ``limits`` section names constraint families (``carbon``, ``land``, ``zoning``,
``industry_bounds``, and any family added later) and says how each is treated:

    limits:
      carbon: {soft: true, penalty_per_unit: 8000}   # may be exceeded, at 8,000 yuan per t CO2
      land: {firm: true}                             # never relaxed, not even to explain infeasibility

A family is hard by default: it holds in every solution, and the infeasibility diagnosis
(``optimizer.analysis.diagnosis``) may propose to relax it unless it is ``firm``.

Every row i of a soft family gets one violation variable w_i ≥ 0 in the row's own unit (two for
an equality, one per direction):

    Σ a_i · x − w_i ≤ b_i      (a ``<=`` limit may be exceeded by w_i)
    Σ a_i · x + w_i ≥ b_i      (a ``>=`` limit may fall short by w_i)

and the objective is worsened by π_f · w_i, where π_f is the family's ``penalty_per_unit`` in the
units of a shadow price (``optimizer.results.result``): yuan of output per row unit for the output
objective, the objective's unit per row unit otherwise. The violation variables have kind
``violation`` in the variable table and no effect on any criterion, so no other limit counts them.
A soft limit is worth violating exactly when its shadow price would exceed π_f.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.criteria import Criterion, criteria_of
from ..core.units import YUAN_PER_100M

# The coefficient of a violation variable in a row, per sense (one per direction it may move).
DIRECTIONS = {"<=": (-1.0,), ">=": (1.0,), "==": (-1.0, 1.0)}


def optimised(scenario) -> Criterion:
    """The criterion the scenario optimises, in whose units penalties are charged."""
    return criteria_of(scenario)[scenario.objective_criteria[0]]


def price_to_objective(price: float, criterion: Criterion) -> float:
    """A price in shadow-price units (yuan for the output objective) in objective units."""
    return price / YUAN_PER_100M if criterion.name == "output" else price


def price_unit(criterion: Criterion, row_unit: str) -> str:
    """The unit of a shadow price or penalty for a row unit, as the results report it."""
    if criterion.name == "output":
        return f"yuan output per {row_unit}"
    return f"{criterion.unit} {criterion.name} per {row_unit}"


def add_violations(builder, rows, scale, penalty) -> list[np.ndarray]:
    """Give each constraint ``builder.constraints[i]`` for i in ``rows`` its violation variables.

    A violation variable's value v means a violation of ``scale[j]`` · v in the row's unit; its
    ``penalty`` (objective units per unit of v) worsens the objective. Returns the new variables'
    positions, per row.
    """
    rows = list(rows)
    if not rows:
        return []
    constraints = [builder.constraints[i] for i in rows]
    signs = [DIRECTIONS[c.sense] for c in constraints]
    counts = np.array([len(s) for s in signs])
    frame = pd.DataFrame(
        {
            "name": [
                f"violation[{c.name}]" if len(s) == 1 else f"violation[{c.name},{'over' if sign < 0 else 'under'}]"
                for c, s in zip(constraints, signs)
                for sign in s
            ],
            "penalty": np.repeat(np.asarray(penalty, dtype=float), counts),
        }
    )
    positions = builder.add_variables("violation", frame)
    scale = np.asarray(scale, dtype=float)
    per_row = np.split(positions, np.cumsum(counts)[:-1])
    for j, (c, s) in enumerate(zip(constraints, signs)):
        c.violation_positions = np.concatenate([c.violation_positions, per_row[j]])
        c.violation_coefficients = np.concatenate([c.violation_coefficients, np.array(s) * scale[j]])
    return per_row


def soften(builder) -> None:
    """Make the rows of every family the scenario declares soft violable at its penalty."""
    scenario = builder.scenario
    soft = {family: rule.penalty_per_unit for family, rule in scenario.limits.items() if rule.soft}
    rows = [i for i, c in enumerate(builder.constraints) if c.family in soft]
    criterion = optimised(scenario)
    penalty = [price_to_objective(soft[builder.constraints[i].family], criterion) for i in rows]
    add_violations(builder, rows, np.ones(len(rows)), penalty)


def violation_of(constraint, values: np.ndarray) -> float:
    """How far a solution violates a row through its violation variables, in the row's unit."""
    return float(np.abs(constraint.violation_coefficients) @ values[constraint.violation_positions])


def tables(result) -> dict[str, pd.DataFrame]:
    """``violations``: every violated row of a soft family, its violation and what it costs."""
    scenario = result.scenario
    soft = {family: rule.penalty_per_unit for family, rule in scenario.limits.items() if rule.soft}
    if not soft:
        return {}
    criterion = optimised(scenario)
    table = result.constraints[["name", "family", "meaning", "sense", "rhs", "unit", "activity"]].copy()
    violation = {c.name: violation_of(c, result.values) for c in result.model.constraints if c.family in soft}
    table["violation"] = table["name"].map(violation).fillna(0.0)  # by name: a merged run's table is per unit
    violated = table["family"].isin(soft) & (table["violation"] > 1e-9 * table["rhs"].abs().clip(lower=1.0))
    table = table[violated].reset_index(drop=True)
    table["penalty_per_unit"] = table["family"].map(soft).astype(float)
    units = [price_unit(criterion, unit) for unit in table["unit"]]
    table["penalty_unit"] = pd.Series(units, dtype=object)
    table["cost"] = table["violation"] * table["penalty_per_unit"]
    table["cost_unit"] = pd.Series([unit.split(" per ")[0] for unit in units], dtype=object)
    return {"violations": table}
