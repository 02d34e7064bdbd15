"""Scenario → linear (or mixed-integer) program.

The model is array-first. ``variables`` holds one row per decision variable: its readable name,
its ``kind`` (``land`` for x[u,k], the km² of land given to industry k in unit u; rule families
may add other kinds), where it sits (unit, zone, industry, category), its bounds and
integrality, and its contribution per unit of value to every criterion (land, output, carbon,
energy, jobs, pollutant) plus a ``penalty`` in objective units. Because every kind carries the
same criterion columns, the land, carbon and other limits count every kind alike: a rule family
that adds variables (projects, retirements, slacks) is covered by the others automatically.

Every constraint is stored as the variable positions it touches with their coefficients, a
sense and a right-hand side, plus its readable name and its meaning in planning terms. The PuLP
problem is assembled from those arrays in one pass (``LpAffineExpression(zip(variables,
coefficients))``, no per-term Python arithmetic), so the same arrays serve reporting
(activities, slacks) and tests of the compiled constraints.

Each rule family lives in ``optimizer.rules.<family>`` with its mathematics in the module
docstring; ``optimizer.rules.RULE_FAMILIES`` lists them. Building runs three phases over the
families: ``admit`` (filter the x[u,k] candidates), ``add_variables``, ``add_constraints``.

The scenario's own indicators get a column each, like the built-in criteria. A compiled model
can be *retargeted* (``Model.retargeted``): another objective, and bounds on criteria

    criterion_bound[c]:  Σ_v a_c[v] · v ≤ ε_c   (a criterion to minimise; ≥ for one to maximise)

(family ``criteria``), without rebuilding the rule families: the multi-criteria methods and the
Pareto frontier (``optimizer.multicriteria``) re-solve one compiled model that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pulp

from .criteria import CRITERIA, Criterion, criteria_of
from .limits import soften
from .scenario import Scenario

SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
PLACE_COLUMNS = ["name", "kind", "unit", "zone", "industry", "category"]
BOUND_COLUMNS = ["lower", "upper", "integer"]
EFFECT_COLUMNS = [*CRITERIA, "penalty"]  # per unit of the variable's value


@dataclass
class Constraint:
    """One named linear constraint: Σ coefficients · v[positions] (sense) rhs, in user units."""

    name: str  # readable and stable, e.g. land[fuling], carbon_budget
    family: str  # rule family, e.g. land, zoning, carbon
    positions: np.ndarray  # indices into Model.variables
    coefficients: np.ndarray
    sense: str  # "<=", ">=", "=="
    rhs: float
    unit: str  # unit of the row (of rhs and activity), e.g. "km2", "t CO2"
    meaning: str  # planning words, e.g. "land available in Fuling"
    # Violation variables of a soft or elastic row (see optimizer.limits): part of the solved
    # row, never of its activity, so a violated limit shows as negative slack.
    violation_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    violation_coefficients: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class Model:
    """A compiled scenario: the variable table, named constraints, objective, and the PuLP problem."""

    scenario: Scenario
    variables: pd.DataFrame  # one row per decision variable (see module docstring)
    constraints: list[Constraint]
    objective: str  # criterion name
    problem: pulp.LpProblem = field(repr=False)
    lp_variables: list[pulp.LpVariable] = field(repr=False)
    criteria: dict[str, Criterion] = field(default_factory=lambda: dict(CRITERIA))  # built-in, indicators, objective

    @property
    def criterion(self) -> Criterion:
        """The criterion optimised (possibly a composite of others)."""
        return self.criteria[self.objective]

    @property
    def sense(self) -> str:
        return self.criterion.sense

    @property
    def pairs(self) -> pd.DataFrame:
        """The x[u,k] land variables (the first rows of ``variables``)."""
        return self.variables[self.variables["kind"] == "land"]

    @property
    def is_mip(self) -> bool:
        return bool(self.variables["integer"].any())

    def criterion_vector(self, name: str) -> np.ndarray:
        """Each variable's effect on a criterion (a composite sums its parts' effects)."""
        criterion = self.criteria[name]
        if not criterion.is_composite:
            return self.variables[name].to_numpy(dtype=float)
        return sum(weight * self.criterion_vector(part) for part, weight in criterion.weights.items())

    def objective_vector(self) -> np.ndarray:
        """Objective coefficients: the criterion, worsened by every penalty."""
        penalty = self.variables["penalty"].to_numpy()
        criterion = self.criterion_vector(self.objective)
        return criterion - penalty if self.sense == "max" else criterion + penalty

    def objective_value(self, values: np.ndarray) -> float:
        """The objective at a solution, with a composite's constant term."""
        return float(self.objective_vector() @ values) + self.criterion.offset

    def totals(self, values: np.ndarray) -> dict[str, float]:
        """Every criterion's total at a solution: one dot product each."""
        return {name: float(self.criterion_vector(name) @ values) + c.offset for name, c in self.criteria.items()}

    def retargeted(self, objective: str | Criterion, bounds: Mapping[str, float] | None = None) -> Model:
        """This model with another objective and bounds on criteria (a new Model; this one is unchanged).

        ``objective`` is a criterion name or a new (composite) Criterion; ``bounds`` maps criteria
        to ε: ``criterion_bound[c]`` (family ``criteria``) keeps c at most ε if c is minimised,
        at least ε if maximised. A bound on a criterion bounded already replaces it.
        """
        criteria = dict(self.criteria)
        if isinstance(objective, Criterion):
            criteria[objective.name] = objective
            objective = objective.name
        bounds = dict(bounds or {})
        replaced = {f"criterion_bound[{name}]" for name in bounds}
        rows = [(c, row) for c, row in zip(self.constraints, self.problem.constraints()) if c.name not in replaced]
        model = replace(self, constraints=[c for c, _ in rows], objective=objective, criteria=criteria)
        for name, epsilon in bounds.items():
            c = criteria[name]
            vector = model.criterion_vector(name)
            positions = np.flatnonzero(vector)
            bound = Constraint(
                f"criterion_bound[{name}]",
                "criteria",
                positions,
                vector[positions],
                "<=" if c.sense == "min" else ">=",
                float(epsilon) - c.offset,
                c.unit,
                f"bound on {c.label}: {'at most' if c.sense == 'min' else 'at least'} {epsilon:,.6g} {c.unit}",
            )
            model.constraints.append(bound)
            rows.append((bound, _lp_constraint(model.lp_variables, f"bound_{name}", bound)))
        # The rows kept are shared with this model's problem (PuLP constraints are not copied).
        model.problem = pulp.LpProblem(self.problem.name)
        _set_objective(model.problem, model)
        for _, row in rows:
            model.problem.addConstraint(row)
        return model

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
        """The coefficients of one constraint, indexed by variable name."""
        constraint = next(c for c in self.constraints if c.name == name)
        index = pd.Index(self.variables["name"].to_numpy()[constraint.positions], name="variable")
        return pd.Series(constraint.coefficients, index=index, name=name)


class ModelBuilder:
    """What a rule family sees: the scenario, the variable table so far, ``add_variables`` and ``add``."""

    def __init__(self, scenario: Scenario, pairs: pd.DataFrame):
        self.scenario = scenario
        self.variables = pairs.reset_index(drop=True)
        self.constraints: list[Constraint] = []
        self.effect_columns = [*criteria_of(scenario), "penalty"]
        self.family_data: dict[str, object] = {}  # what a family keeps between its phases, by FAMILY

    def add_variables(self, kind: str, frame: pd.DataFrame) -> np.ndarray:
        """Append variables of a new kind; returns their positions.

        ``frame`` needs ``name``; other columns default to: no place (""), bounds [0, ∞),
        continuous, and zero effect on every criterion and penalty.
        """
        frame = frame.copy()
        frame["kind"] = kind
        for column in PLACE_COLUMNS:
            if column not in frame:
                frame[column] = ""
        defaults = {"lower": 0.0, "upper": np.inf, "integer": False, **{c: 0.0 for c in self.effect_columns}}
        for column, value in defaults.items():
            if column not in frame:
                frame[column] = value
        start = len(self.variables)
        self.variables = pd.concat([self.variables, frame[self.variables.columns]], ignore_index=True)
        return np.arange(start, len(self.variables))

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
        rows: pd.DataFrame | None = None,
    ) -> None:
        """One constraint per group of variables (default: all with a non-zero coefficient).

        ``coefficients`` is a column of ``variables`` or a Series aligned with its index;
        ``rows`` optionally restricts the variables considered; ``name`` and ``meaning`` are
        format strings over the group key (``{key}``, several columns joined by commas);
        ``rhs`` is one number or a mapping from key to number (keys mapped to None, or
        missing, get no constraint).
        """
        rows = self.variables if rows is None else rows
        values = (rows[coefficients] if isinstance(coefficients, str) else coefficients.reindex(rows.index)).to_numpy(
            dtype=float
        )
        keep = values != 0
        rows, values = rows[keep], values[keep]
        positions = rows.index.to_numpy()
        for key, local in rows.groupby(by, sort=True).indices.items():
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
    """Every (unit, industry) land variable x[u,k], its effects scaled by the unit's land intensity."""
    units = scenario.table("units")
    industries = scenario.table("industries")
    unit_ids = np.repeat(units.index.to_numpy(), len(industries))
    industry_ids = np.tile(industries.index.to_numpy(), len(units))
    pairs = pd.DataFrame(
        {
            "name": [f"x[{u},{k}]" for u, k in zip(unit_ids, industry_ids)],
            "kind": "land",
            "unit": unit_ids,
            "zone": units["zone"].reindex(unit_ids).to_numpy(),
            "industry": industry_ids,
            "category": industries["category"].reindex(industry_ids).to_numpy(),
            "lower": 0.0,
            "upper": np.inf,
            "integer": False,
        }
    )
    intensity = units["land_intensity"].reindex(unit_ids).to_numpy()
    for criterion in criteria_of(scenario).values():
        if criterion.column is None:
            pairs[criterion.name] = 1.0
        else:
            pairs[criterion.name] = industries[criterion.column].reindex(industry_ids).to_numpy() * intensity
    pairs["penalty"] = 0.0
    return pairs


def build(scenario: Scenario) -> Model:
    """Compile a scenario: admitted pairs, the families' variables and constraints, the objective."""
    from .rules import RULE_FAMILIES

    pairs = candidate_pairs(scenario)
    for family in RULE_FAMILIES:
        if hasattr(family, "admit"):
            pairs = family.admit(scenario, pairs)
    builder = ModelBuilder(scenario, pairs)
    for family in RULE_FAMILIES:
        if hasattr(family, "add_variables"):
            family.add_variables(builder)
    for family in RULE_FAMILIES:
        family.add_constraints(builder)
    soften(builder)

    variables = builder.variables
    # A multi-criteria objective compiles with the first criterion it involves; the methods in
    # optimizer.multicriteria retarget the model from there.
    objective = scenario.objective_criteria[0]
    problem = pulp.LpProblem(scenario.name)
    lp_variables = _lp_variables(problem, variables)
    model = Model(scenario, variables, builder.constraints, objective, problem, lp_variables, criteria_of(scenario))
    _set_objective(problem, model)
    for index, c in enumerate(builder.constraints):
        problem.addConstraint(_lp_constraint(lp_variables, f"c{index}", c))
    return model


def assemble(
    name: str, variables: pd.DataFrame, constraints: list[Constraint], objective: np.ndarray, maximise: bool
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """A PuLP problem from a variable table, its constraints and an objective vector (elastic copies)."""
    problem = pulp.LpProblem(name, pulp.LpMaximize if maximise else pulp.LpMinimize)
    lp_variables = _lp_variables(problem, variables)
    problem.setObjective(pulp.LpAffineExpression(zip(lp_variables, np.asarray(objective, dtype=float).tolist())))
    for index, c in enumerate(constraints):
        problem.addConstraint(_lp_constraint(lp_variables, f"c{index}", c))
    return problem, lp_variables


def _lp_variables(problem: pulp.LpProblem, variables: pd.DataFrame) -> list[pulp.LpVariable]:
    return [
        problem.add_variable(
            f"v{i}",
            lowBound=lower,
            upBound=None if np.isinf(upper) else upper,
            cat=pulp.LpInteger if integer else pulp.LpContinuous,
        )
        for i, (lower, upper, integer) in enumerate(
            zip(variables["lower"].tolist(), variables["upper"].tolist(), variables["integer"].tolist())
        )
    ]


def _lp_constraint(lp_variables: list[pulp.LpVariable], name: str, c: Constraint) -> pulp.LpConstraint:
    """The solved row: its terms and, for a soft or elastic row, its violation variables."""
    positions = np.concatenate([c.positions, c.violation_positions])
    coefficients = np.concatenate([c.coefficients, c.violation_coefficients])
    expression = pulp.LpAffineExpression(zip([lp_variables[p] for p in positions], coefficients.tolist()))
    return pulp.LpConstraint(expression, SENSES[c.sense], name, c.rhs)


def _set_objective(problem: pulp.LpProblem, model: Model) -> None:
    # Every variable appears in the objective (zeros too): a problem assembled from it and shared rows
    # (Model.retargeted) then has them all, even those in no row.
    problem.sense = pulp.LpMaximize if model.sense == "max" else pulp.LpMinimize
    problem.setObjective(pulp.LpAffineExpression(zip(model.lp_variables, model.objective_vector().tolist())))
