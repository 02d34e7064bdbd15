"""Scenario → linear program.

The model is array-first: one row of ``pairs`` per decision variable x[u,k] (km² of land given
to industry k in unit u, only for admitted pairs), and every constraint is stored as the pair
positions it touches with their coefficients, a sense and a right-hand side, plus its readable
name and its meaning in planning terms. The PuLP problem is assembled from those arrays in one
pass (``LpAffineExpression(zip(variables, coefficients))``, no per-term Python arithmetic), so
the same arrays serve reporting (activities, slacks) and tests of the compiled constraints.

Each rule family lives in ``optimizer.rules.<family>`` with its mathematics in the module
docstring; ``optimizer.rules.RULE_FAMILIES`` lists them in build order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from .criteria import CRITERIA
from .scenario import Scenario

SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


@dataclass
class Constraint:
    """One named linear constraint: Σ coefficients · x[positions] (sense) rhs, in user units."""

    name: str  # readable and stable, e.g. land[fuling], carbon_budget
    family: str  # rule family, e.g. land, zoning, carbon
    positions: np.ndarray  # indices into Model.pairs
    coefficients: np.ndarray
    sense: str  # "<=", ">=", "=="
    rhs: float
    unit: str  # unit of the row (of rhs and activity), e.g. "km2", "t CO2"
    meaning: str  # planning words, e.g. "land available in Fuling"


@dataclass
class Model:
    """A compiled scenario: variables (``pairs``), constraints and objective, and the PuLP problem."""

    scenario: Scenario
    pairs: pd.DataFrame  # unit, zone, industry, category, per-km² criterion coefficients
    constraints: list[Constraint]
    objective: str  # criterion name
    problem: pulp.LpProblem
    variables: list[pulp.LpVariable] = field(repr=False)

    @property
    def sense(self) -> str:
        return CRITERIA[self.objective].sense

    def constraint_table(self) -> pd.DataFrame:
        """The compiled constraints, one row each (for inspection and tests)."""
        return pd.DataFrame(
            {
                "name": [c.name for c in self.constraints],
                "family": [c.family for c in self.constraints],
                "sense": [c.sense for c in self.constraints],
                "rhs": [c.rhs for c in self.constraints],
                "terms": [len(c.positions) for c in self.constraints],
                "unit": [c.unit for c in self.constraints],
                "meaning": [c.meaning for c in self.constraints],
            }
        )

    def coefficients(self, name: str) -> pd.Series:
        """The coefficients of one constraint, indexed by (unit, industry)."""
        constraint = next(c for c in self.constraints if c.name == name)
        index = pd.MultiIndex.from_frame(self.pairs.iloc[constraint.positions][["unit", "industry"]])
        return pd.Series(constraint.coefficients, index=index, name=name)


class ModelBuilder:
    """What a rule family sees: the scenario, the candidate pairs, and ``add``."""

    def __init__(self, scenario: Scenario, pairs: pd.DataFrame):
        self.scenario = scenario
        self.pairs = pairs
        self.constraints: list[Constraint] = []

    def add(
        self,
        name: str,
        family: str,
        positions,
        coefficients,
        sense: str,
        rhs: float,
        unit: str,
        meaning: str,
    ) -> None:
        self.constraints.append(
            Constraint(
                name,
                family,
                np.asarray(positions, dtype=np.int64),
                np.asarray(coefficients, dtype=float),
                sense,
                float(rhs),
                unit,
                meaning,
            )
        )

    def add_grouped(
        self,
        family: str,
        by: str | list[str],
        coefficients: str | pd.Series,
        sense: str,
        rhs: dict | float,
        unit: str,
        name: str,
        meaning: str,
        pairs: pd.DataFrame | None = None,
    ) -> None:
        """One constraint per group of ``pairs`` (default: all pairs) sharing the ``by`` columns.

        ``coefficients`` is a column of ``pairs`` or a Series aligned with its index; ``name``
        and ``meaning`` are format strings over the group key (``{key}``, several columns
        joined by commas); ``rhs`` is one number or a mapping from key to number (keys mapped
        to None, or missing, get no constraint).
        """
        pairs = self.pairs if pairs is None else pairs
        values = (pairs[coefficients] if isinstance(coefficients, str) else coefficients.reindex(pairs.index)).to_numpy(
            dtype=float
        )
        positions = pairs.index.to_numpy()
        for key, local in pairs.groupby(by, sort=True).indices.items():
            bound = rhs.get(key) if isinstance(rhs, dict) else rhs
            if bound is None:
                continue
            label = ",".join(key) if isinstance(key, tuple) else key
            self.add(
                name.format(key=label),
                family,
                positions[local],
                values[local],
                sense,
                bound,
                unit,
                meaning.format(key=label),
            )


def candidate_pairs(scenario: Scenario) -> pd.DataFrame:
    """Every (unit, industry) pair with its coefficients scaled by the unit's land intensity."""
    units = scenario.table("units")
    industries = scenario.table("industries")
    pairs = pd.DataFrame(
        {
            "unit": np.repeat(units.index.to_numpy(), len(industries)),
            "industry": np.tile(industries.index.to_numpy(), len(units)),
        }
    )
    pairs["zone"] = units["zone"].reindex(pairs["unit"]).to_numpy()
    pairs["category"] = industries["category"].reindex(pairs["industry"]).to_numpy()
    intensity = units["land_intensity"].reindex(pairs["unit"]).to_numpy()
    for criterion in CRITERIA.values():
        if criterion.column is None:
            pairs[criterion.name] = 1.0
        else:
            pairs[criterion.name] = industries[criterion.column].reindex(pairs["industry"]).to_numpy() * intensity
    return pairs


def build(scenario: Scenario) -> Model:
    """Compile a scenario into a model: admitted pairs, rule-family constraints, objective."""
    from .rules import RULE_FAMILIES

    pairs = candidate_pairs(scenario)
    for family in RULE_FAMILIES:
        admit = getattr(family, "admit", None)
        if admit is not None:
            pairs = admit(scenario, pairs)
    pairs = pairs.reset_index(drop=True)

    builder = ModelBuilder(scenario, pairs)
    for family in RULE_FAMILIES:
        family.add_constraints(builder)

    criterion = CRITERIA[scenario.objective]
    problem = pulp.LpProblem(scenario.name, pulp.LpMaximize if criterion.sense == "max" else pulp.LpMinimize)
    variables = [
        problem.add_variable(f"x{i}_{unit}_{industry}", lowBound=0)
        for i, (unit, industry) in enumerate(zip(pairs["unit"], pairs["industry"]))
    ]
    problem.setObjective(pulp.LpAffineExpression(zip(variables, pairs[criterion.name].to_numpy().tolist())))
    for index, c in enumerate(builder.constraints):
        expression = pulp.LpAffineExpression(zip([variables[p] for p in c.positions], c.coefficients.tolist()))
        problem.addConstraint(pulp.LpConstraint(expression, SENSES[c.sense], f"c{index}", c.rhs))
    return Model(scenario, pairs, builder.constraints, scenario.objective, problem, variables)
