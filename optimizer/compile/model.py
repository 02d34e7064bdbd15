"""Scenario → linear (or mixed-integer) program.

The model is array-first. ``variables`` holds one row per decision variable: its readable name,
its ``kind`` (``land`` for x[u,k], the km² of land given to industry k in unit u; rule families
may add other kinds), where it sits (unit, zone, industry, category), its bounds and
integrality, and its contribution per unit of value to every criterion (land, output, carbon,
energy, jobs, pollutant) plus a ``penalty`` in objective units. Because every kind carries the
same criterion columns, the land, carbon and other limits count every kind alike: a rule family
that adds variables (projects, retirements, slacks) is covered by the others automatically.

Every constraint is stored as the variable positions it touches with their coefficients, a
sense and a right-hand side, plus its readable name and its meaning in planning terms. The
solver's forms are made from those arrays on demand: one sparse matrix (``Model.matrix``, handed
to HiGHS as it is) or, for PuLP's solvers only, a PuLP problem assembled in one pass
(``LpAffineExpression(zip(variables, coefficients))``, no per-term Python arithmetic). The same
arrays serve reporting (activities, slacks) and tests of the compiled constraints.

Each rule family lives in ``optimizer.rules.<family>`` with its mathematics in the module
docstring; ``optimizer.rules.RULE_FAMILIES`` lists them. Building runs three phases over the
families: ``admit`` (filter the x[u,k] candidates), ``add_variables``, ``add_constraints``.

The scenario's own indicators get a column each, like the built-in criteria. A compiled model
can be *retargeted* (``Model.retargeted``): another objective, and bounds on criteria

    criterion_bound[c]:  Σ_v a_c[v] · v ≤ ε_c   (a criterion to minimise; ≥ for one to maximise)

(family ``criteria``), without rebuilding the rule families: the multi-criteria methods and the
Pareto frontier (``optimizer.analysis.multicriteria``) re-solve one compiled model that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.criteria import CRITERIA, Criterion, criteria_of
from .soft_limits import soften
from ..rules.pairs import candidate_pairs
from ..scenario.model import Scenario

if TYPE_CHECKING:
    import pulp


SENSES = {"<=": -1, ">=": 1, "==": 0}  # PuLP's LpConstraintLE, GE, EQ (PuLP is imported only when used)
PLACE_COLUMNS = ["name", "kind", "unit", "zone", "industry", "category"]


@dataclass(slots=True)  # slots: 50,000 land rows of a grid are made in a third of the time
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
    # Violation variables of a soft or elastic row (see optimizer.compile.soft_limits): part of the solved
    # row, never of its activity, so a violated limit shows as negative slack.
    violation_positions: np.ndarray = field(default_factory=lambda: _NO_POSITIONS)
    violation_coefficients: np.ndarray = field(default_factory=lambda: _NO_COEFFICIENTS)


# Shared by every row without violation variables (nearly all of them); read-only, so that a
# family adding some makes new arrays, as optimizer.compile.soft_limits does.
_NO_POSITIONS, _NO_COEFFICIENTS = np.zeros(0, dtype=np.int64), np.zeros(0)
_NO_POSITIONS.flags.writeable = _NO_COEFFICIENTS.flags.writeable = False


@dataclass(frozen=True)
class Matrix:
    """The constraints as one sparse matrix, compressed by column (CSC), with row bounds.

    Column j's entries are ``value[start[j]:start[j+1]]`` in rows ``index[start[j]:start[j+1]]``;
    row i reads ``row_lower[i] ≤ Σ_j a_ij v_j ≤ row_upper[i]`` (±inf where open). Solvers take it
    as it is (HiGHS's ``passModel``); ``activity`` gives every row's value at once.
    """

    start: np.ndarray  # int32, one per column plus one
    index: np.ndarray  # int32 row of each entry
    value: np.ndarray  # float coefficient of each entry
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_lower), len(self.start) - 1

    @cached_property
    def column(self) -> np.ndarray:
        """The column of each entry."""
        return np.repeat(np.arange(self.shape[1]), np.diff(self.start))

    def activity(self, values: np.ndarray) -> np.ndarray:
        """Σ_j a_ij · values_j for every row i."""
        return np.bincount(self.index, weights=self.value * values[self.column], minlength=self.shape[0])


@dataclass(eq=False)  # compared by identity: the reduction layer keeps each model's reduction by it
class Model:
    """A compiled scenario: the variable table, named constraints, the objective and the criteria.

    The solver's forms are made from them on demand: ``matrix`` (arrays, for HiGHS directly)
    and ``problem`` (a PuLP problem, for CBC and other PuLP solvers; never built otherwise).
    """

    scenario: Scenario
    variables: pd.DataFrame  # one row per decision variable (see module docstring)
    constraints: list[Constraint]
    objective: str  # criterion name
    criteria: dict[str, Criterion] = field(default_factory=lambda: dict(CRITERIA))  # built-in, indicators, objective
    # What families kept while building (``ModelBuilder.family_data``), for their tables (read by name:
    # positions change when a reduction merges columns).
    family_data: dict[str, object] = field(default_factory=dict, repr=False)

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

    @cached_property
    def matrix(self) -> Matrix:
        """The solved rows as one sparse matrix: terms and violation variables (duplicates summed)."""
        n = len(self.variables)
        soft = [len(c.violation_positions) > 0 for c in self.constraints]  # rare: no copies for the rest
        positions = [np.concatenate([c.positions, c.violation_positions]) if s else c.positions
                     for c, s in zip(self.constraints, soft)]
        coefficients = [np.concatenate([c.coefficients, c.violation_coefficients]) if s else c.coefficients
                        for c, s in zip(self.constraints, soft)]
        lengths = np.array([len(p) for p in positions], dtype=np.int64)
        rows = np.repeat(np.arange(len(self.constraints)), lengths)
        columns = np.concatenate(positions or [np.zeros(0, np.int64)])
        values = np.concatenate(coefficients or [np.zeros(0)])
        order = np.lexsort((rows, columns))
        rows, values = rows[order], values[order]
        columns = np.repeat(np.arange(n), np.bincount(columns, minlength=n))  # columns[order], without a gather
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])
        if not first.all():
            values = np.add.reduceat(values, np.flatnonzero(first))
            rows, columns = rows[first], columns[first]
        start = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(columns, minlength=n), out=start[1:])
        rhs = np.array([c.rhs for c in self.constraints], dtype=float)
        senses = np.array([c.sense for c in self.constraints], dtype=object)
        return Matrix(
            start,
            rows.astype(np.int32),
            values,
            np.where(senses == "<=", -np.inf, rhs),
            np.where(senses == ">=", np.inf, rhs),
        )

    def activity(self, values: np.ndarray) -> np.ndarray:
        """Each row's activity at a solution: its terms, never its violation variables."""
        activity = self.matrix.activity(values)
        for index, c in enumerate(self.constraints):
            if len(c.violation_positions):
                activity[index] -= c.violation_coefficients @ values[c.violation_positions]
        return activity

    @cached_property
    def _pulp(self) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        return assemble(self.scenario.name, self.variables, self.constraints, self.objective_vector(), self.sense == "max")

    @property
    def problem(self) -> pulp.LpProblem:
        """The model as a PuLP problem (variables v0, v1, … and rows c0, c1, … in table order)."""
        return self._pulp[0]

    @property
    def lp_variables(self) -> list[pulp.LpVariable]:
        return self._pulp[1]

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
        kept = [c for c in self.constraints if c.name not in replaced]
        model = replace(self, constraints=kept, objective=objective, criteria=criteria)  # no solver form copied
        for name, epsilon in bounds.items():
            c = criteria[name]
            vector = model.criterion_vector(name)
            positions = np.flatnonzero(vector)
            model.constraints.append(
                Constraint(
                    f"criterion_bound[{name}]",
                    "criteria",
                    positions,
                    vector[positions],
                    "<=" if c.sense == "min" else ">=",
                    float(epsilon) - c.offset,
                    c.unit,
                    f"bound on {c.label}: {'at most' if c.sense == 'min' else 'at least'} {epsilon:,.6g} {c.unit}",
                )
            )
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

    def admit_others(self, family: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` through the ``admit`` of every family but ``family``: variables that stand for
        pairs (a project at a site) are admitted where a land variable would be."""
        from ..rules import RULE_FAMILIES  # looked up now: a test or plug-in may add one

        for other in RULE_FAMILIES:
            if other.FAMILY != family and hasattr(other, "admit"):
                frame = other.admit(self.scenario, frame)
        return frame

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

    def add_terms(self, name: str, family: str, terms: pd.Series, sense: str, rhs: float, unit: str, meaning: str) -> None:
        """One constraint from coefficients indexed by variable position; zero terms are dropped."""
        terms = terms[terms != 0]
        self.add(name, family, terms.index.to_numpy(), terms.to_numpy(), sense, rhs, unit, meaning)

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
        names: dict[str, str] | None = None,
    ) -> None:
        """One constraint per group of variables (default: all with a non-zero coefficient).

        ``coefficients`` is a column of ``variables`` or a Series aligned with its index;
        ``rows`` optionally restricts the variables considered; ``name`` and ``meaning`` are
        format strings over the group key (``{key}``, several columns joined by commas), and
        ``names`` (see ``optimizer.rules.family.names``) puts a planner's word for the key into ``meaning``;
        ``rhs`` is one number or a mapping from key to number (keys mapped to None, or
        missing, get no constraint).
        """
        rows = self.variables if rows is None else rows
        values = (rows[coefficients] if isinstance(coefficients, str) else coefficients.reindex(rows.index)).to_numpy(
            dtype=float
        )
        keep = np.flatnonzero(values != 0)
        positions, values = rows.index.to_numpy()[keep], values[keep]
        keys = rows[[by] if isinstance(by, str) else by].iloc[keep]  # only the key columns: no copy of the rest
        for key, local in _groups(keys, by):
            bound = rhs.get(key) if isinstance(rhs, dict) else rhs
            if bound is None:
                continue
            label = ",".join(key) if isinstance(key, tuple) else key
            self.constraints.append(  # arrays of the right types already: no conversion per row
                Constraint(
                    name.format(key=label),
                    family,
                    positions[local],
                    values[local],
                    sense,
                    float(bound),
                    unit,
                    meaning.format(key=names.get(label, label) if names else label),
                )
            )


def _groups(keys: pd.DataFrame, by: str | list[str]):
    """(key, positions in ``keys``) per group, keys sorted; one key column is split by sorting its codes."""
    if not isinstance(by, str):
        return keys.groupby(by, sort=True).indices.items()
    codes, uniques = pd.factorize(keys[by], sort=True)  # missing keys get -1: no group, as in groupby
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return ((key, order[bounds[g] : bounds[g + 1]]) for g, key in enumerate(uniques.tolist()))


def build(scenario: Scenario) -> Model:
    """Compile a scenario: admitted pairs, the families' variables and constraints, the objective."""
    from ..rules import RULE_FAMILIES

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

    # A multi-criteria objective compiles with the first criterion it involves; the methods in
    # optimizer.analysis.multicriteria retarget the model from there.
    objective = scenario.objective_criteria[0]
    return Model(scenario, builder.variables, builder.constraints, objective, criteria_of(scenario), builder.family_data)


def assemble(
    name: str, variables: pd.DataFrame, constraints: list[Constraint], objective: np.ndarray, maximise: bool
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """A PuLP problem from a variable table, its constraints and an objective vector (every variable
    in the objective, zeros too, so that the problem has them all, even those in no row)."""
    import pulp

    problem = pulp.LpProblem(name, pulp.LpMaximize if maximise else pulp.LpMinimize)
    lp_variables = _lp_variables(problem, variables)
    problem.setObjective(pulp.LpAffineExpression(zip(lp_variables, np.asarray(objective, dtype=float).tolist())))
    for index, c in enumerate(constraints):
        problem.addConstraint(_lp_constraint(lp_variables, f"c{index}", c))
    return problem, lp_variables


def _lp_variables(problem: pulp.LpProblem, variables: pd.DataFrame) -> list[pulp.LpVariable]:
    import pulp

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
    import pulp

    expression = pulp.LpAffineExpression(zip([lp_variables[p] for p in positions], coefficients.tolist()))
    return pulp.LpConstraint(expression, SENSES[c.sense], name, c.rhs)
