"""Exact reduction on the scenario: merge a zone's alike units before any model is built.

``optimizer.reduce`` merges the interchangeable units of a compiled model, so the full model
must be built first; at 50,000 grid cells building and searching it is most of a merged run.
Here the same merge is made on the scenario, where the rule families say which units they treat
one by one (each family's ``units_apart(scenario)``; a family without that hook keeps every unit
apart). The other units of one zone whose rows of the units table agree in every column but
``id``, ``name`` and ``land_km2`` form a class C. Nothing tells its members apart but their land,
so the model of the merged scenario (each class as its first unit, holding the land L_C = Σ_{u∈C}
L_u of all) is the model ``optimizer.reduce`` would make of the full one:

    X[C,k] = Σ_{u∈C} x[u,k]        land[C]:  Σ_k a_k X[C,k] ≤ L_C

and every other row sees X[C,k] as it would see each x[u,k]. Its solution is split back as
``optimizer.reduce`` splits it: unit u_i (in table order) owns the stretch S_i = [R_{i−1}, R_i)
of L_C (R_i = L_1 + … + L_i, the last stretch open), industry k the stretch T_k = [Q_{k−1}, Q_k)
of the land the class uses (Q_k the running sum of a_k · X[C,k]), and

    x[u_i,k] = |S_i ∩ T_k| / a_k        land[u_i]: activity Σ_k a_k x[u_i,k], rhs L_i, price that of land[C]

So the result's tables (contributions, allocation, constraints) are per unit of the scenario,
as a full run's are, while the full model is never built: ``MergedResult`` makes them from the
merged solution. ``MergedResult.full_model`` and ``full_solution`` build the full model and map
the solution onto it, for a notebook or a test that wants them.

A check of the merged model guards the hooks: each class's unit must have only plain land
variables (continuous, 0 ≤ x < ∞) and, if it has any, exactly one row of its own, its land row,
without violation variables. Otherwise ``merge_units`` is not used and the run builds the full
model as before (where ``optimizer.reduce`` still merges what it proves interchangeable).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .model import TEXT, Model, _pair_names, build
from .reduce import merged_scenario, running_sums
from .result import Result, _tolerance, contribution_table, slack_of
from .rules import land
from .scenario import Scenario
from .solve import Solution

KEPT_APART_BY_NAME = ("name", "land_km2")  # the unit columns that may differ within a class (besides the id)


@dataclass
class UnitMerge:
    """Classes of alike units of a scenario, and the scenario with each class as one unit."""

    scenario: Scenario  # the full scenario
    merged: Scenario  # each class as its first unit, with the land of all
    unit_ids: np.ndarray  # the full scenario's unit ids, in table order
    land: np.ndarray  # their land (km²)
    head: np.ndarray  # per unit: the position of its class's first unit (itself if alone)

    @cached_property
    def size(self) -> np.ndarray:
        """Per unit: how many units its class has (1: alone)."""
        return np.bincount(self.head, minlength=len(self.head))[self.head]

    @property
    def classes(self) -> int:
        return int(np.count_nonzero((self.size > 1) & (self.head == np.arange(len(self.head)))))

    @property
    def units_merged(self) -> int:
        return int(np.count_nonzero(self.size > 1))


def merge_units(scenario: Scenario) -> UnitMerge | None:
    """Merge each zone's alike units that no family keeps apart; None when no two merge."""
    from .rules import RULE_FAMILIES

    units = scenario.table("units")
    apart = np.zeros(len(units), dtype=bool)
    for family in RULE_FAMILIES:
        if not hasattr(family, "units_apart"):
            return None  # a family that does not say keeps every unit apart
        named = family.units_apart(scenario)
        if named:
            apart |= units.index.isin(list(named))
    alike = units.drop(columns=list(KEPT_APART_BY_NAME))
    group = alike.groupby(list(alike.columns), dropna=False, sort=False).ngroup().to_numpy() if len(alike.columns) else np.zeros(len(units), dtype=np.int64)
    group = np.where(apart, group.max(initial=0) + 1 + np.arange(len(units)), group)  # a unit kept apart is its own group
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    head = first[inverse.ravel()]
    if (head == np.arange(len(units))).all():
        return None
    unit_ids = units.index.to_numpy(dtype=object)
    return UnitMerge(
        scenario=scenario,
        merged=merged_scenario(scenario, unit_ids, head),
        unit_ids=unit_ids,
        land=units["land_km2"].to_numpy(dtype=float),
        head=head,
    )


def land_rows(model: Model, merge: UnitMerge) -> dict[int, int] | None:
    """Per class (its first unit's position): the index of its land row in ``model``, the model of
    ``merge.merged``; None when a class's unit is not as the module docstring requires."""
    variables = model.variables
    unit_at = _unit_positions(variables, merge)
    heads = np.flatnonzero((merge.size > 1) & (merge.head == np.arange(len(merge.head))))
    in_class = np.isin(unit_at, heads)
    plain = (
        (variables["kind"] == "land").to_numpy()
        & (variables["land"].to_numpy(dtype=float) >= 0)
        & (variables["lower"].to_numpy(dtype=float) == 0)
        & (variables["upper"].to_numpy(dtype=float) == np.inf)
        & ~variables["integer"].to_numpy(dtype=bool)
    )
    if not plain[in_class].all():
        return None
    rows: dict[int, int] = {}
    counted = np.zeros(len(unit_at), dtype=np.int64)  # per column: how many class land rows hold it
    for index, c in enumerate(model.constraints):
        if c.family != land.FAMILY or not in_class[c.positions].any():
            continue
        owners = np.unique(unit_at[c.positions])
        if len(owners) != 1 or c.name != land.NAME.format(key=merge.unit_ids[owners[0]]):
            return None
        if len(c.violation_positions) or c.sense != "<=" or (c.coefficients < 0).any():
            return None  # a soft land limit, say: the split needs a plain ≤ row
        rows[int(owners[0])] = index
        counted[c.positions] += 1
    has_columns = np.bincount(unit_at[in_class], minlength=len(merge.head)) > 0
    if any(has_columns[h] != (h in rows) for h in heads) or (counted[in_class] != 1).any():
        return None
    return rows


def _unit_positions(variables: pd.DataFrame, merge: UnitMerge) -> np.ndarray:
    """Per variable: the position of its unit in the full scenario's table (-1: none)."""
    return pd.Index(merge.unit_ids).get_indexer(variables["unit"].fillna("").to_numpy(dtype=object))


@dataclass
class Pieces:
    """The merged solution split over the units: (unit position, merged column, value) triples."""

    unit: np.ndarray
    column: np.ndarray
    value: np.ndarray
    usage: np.ndarray  # per triple: the column's coefficient in its class's land row


def split(model: Model, merge: UnitMerge, rows: dict[int, int], values: np.ndarray) -> Pieces:
    """Each class's X[C,k] filled into its units in turn (module docstring), zeros left out."""
    unit_at = _unit_positions(model.variables, merge)
    usage = np.zeros(len(values))
    for h, index in rows.items():
        c = model.constraints[index]
        usage[c.positions] = c.coefficients
    columns = np.flatnonzero(np.isin(unit_at, list(rows)))
    head = unit_at[columns]
    used = usage[columns] * values[columns]  # a_k · X[C,k]: what the industry takes of the class's land
    high = running_sums(used, head)
    low = high - used

    members = np.flatnonzero(merge.size > 1)
    members = members[np.argsort(merge.head[members], kind="stable")]  # by class, in table order within
    land_high = running_sums(merge.land[members], merge.head[members])
    land_low = land_high - merge.land[members]
    last = np.r_[merge.head[members][1:] != merge.head[members][:-1], True]
    land_high[last] = np.inf  # the last unit takes any excess (of a ≤ row: none)
    class_start = np.zeros(len(merge.head), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, last[:-1]])
    class_start[merge.head[members][starts]] = starts

    counts = merge.size[head]  # each column pairs with every unit of its class
    pair_column = np.repeat(np.arange(len(columns)), counts)
    within = np.arange(len(pair_column)) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_member = np.repeat(class_start[head], counts) + within
    a = usage[columns][pair_column]
    overlap = np.minimum(high[pair_column], land_high[pair_member]) - np.maximum(low[pair_column], land_low[pair_member])
    filled = np.divide(np.maximum(overlap, 0.0), a, out=np.zeros(len(a)), where=a > 0)
    filled = np.where(a > 0, filled, np.where(within == 0, values[columns][pair_column], 0.0))
    filled = np.where(np.abs(filled) < 1e-9, 0.0, filled)  # solver noise is not a decision (as Result.values)
    keep = np.flatnonzero(filled)
    return Pieces(members[pair_member[keep]], columns[pair_column[keep]], filled[keep], a[keep])


@dataclass(repr=False)
class MergedResult(Result):
    """A result solved on the merged scenario (``model`` and ``solution`` are the merged ones);
    its tables are per unit of the full ``scenario``, as those of a full run."""

    merge: UnitMerge | None = field(default=None, repr=False)
    land_rows: dict[int, int] = field(default_factory=dict, repr=False)

    @cached_property
    def pieces(self) -> Pieces:
        return split(self.model, self.merge, self.land_rows, self.solution.values)

    @cached_property
    def contributions(self) -> pd.DataFrame:
        variables = self.model.variables
        pieces = self.pieces
        in_class = np.isin(_unit_positions(variables, self.merge), list(self.land_rows))
        alone = np.flatnonzero((self.values != 0) & ~in_class)
        shared = variables.iloc[pieces.column].reset_index(drop=True)  # each piece as its class's variable …
        unit_ids = self.merge.unit_ids[pieces.unit]  # … in its own unit
        shared["unit"] = pd.array(unit_ids, dtype=variables["unit"].dtype)
        industries = variables["industry"].to_numpy(dtype=object)[pieces.column]
        shared["name"] = pd.array(_pair_names(unit_ids, industries), dtype=variables["name"].dtype)
        rows = pd.concat([variables.iloc[alone], shared], ignore_index=True)
        table = contribution_table(rows, np.r_[self.values[alone], pieces.value])
        # The full model's order: land variables by unit (table order), then industry; other kinds after.
        unit_at = np.r_[_unit_positions(variables.iloc[alone], self.merge), pieces.unit]
        column = np.r_[alone, pieces.column]
        later = (rows["kind"] != "land").to_numpy()
        order = np.lexsort((column, np.where(later, 0, unit_at), later))
        return table.iloc[order].reset_index(drop=True)

    @cached_property
    def constraints(self) -> pd.DataFrame:
        merged = Result.constraints.func(self)
        pieces = self.pieces
        heads = np.array(list(self.land_rows), dtype=np.int64)
        members = np.flatnonzero(np.isin(self.merge.head, heads) & (self.merge.size > 1))
        activity = np.bincount(pieces.unit, weights=pieces.usage * pieces.value, minlength=len(self.merge.head))[members]
        head_row = merged.iloc[[self.land_rows[int(h)] for h in self.merge.head[members]]].reset_index(drop=True)
        ids = self.merge.unit_ids[members]
        rhs = self.merge.land[members]
        slack = slack_of(head_row["sense"].to_numpy(dtype=object), rhs, activity)
        expanded = head_row.assign(
            name=_formatted(land.NAME, ids),
            meaning=_formatted(land.MEANING, ids),
            rhs=rhs,
            activity=activity,
            slack=slack,
            binding=np.abs(slack) <= _tolerance(rhs),
        )
        # The land block, in the full model's order (by unit id), where the merged model has it.
        block = np.flatnonzero((merged["family"] == land.FAMILY).to_numpy())
        kept = np.setdiff1d(block, list(self.land_rows.values()))
        kept_units = [self.model.variables.at[int(self.model.constraints[i].positions[0]), "unit"] for i in kept]
        rows = pd.concat([merged.iloc[kept], expanded], ignore_index=True)
        keys = np.array([*kept_units, *ids], dtype=object)
        rows = rows.iloc[np.argsort(keys, kind="stable")]
        start = block.min() if len(block) else len(merged)
        return pd.concat([merged.iloc[:start], rows, merged.iloc[start + len(block):]], ignore_index=True)

    def summary(self) -> dict:
        summary = super().summary()
        summary["size"].update(variables=self.full_size[0], constraints=self.full_size[1])
        return summary

    @cached_property
    def full_size(self) -> tuple[int, int]:
        """(variables, constraints) of the full model: each class's unit repeated for its other units."""
        unit_at = _unit_positions(self.model.variables, self.merge)
        per_unit = np.bincount(unit_at[unit_at >= 0], minlength=len(self.merge.head))
        extra = self.merge.size - 1
        heads = np.array(list(self.land_rows), dtype=np.int64)
        return (len(self.model.variables) + int(per_unit[heads] @ extra[heads]), len(self.model.constraints) + int(extra[heads].sum()))

    def reduction_summary(self) -> dict:
        """As ``Reduction.summary``: what merged, and the sizes of the full and the solved model."""
        solved = self.model.reduction.model if self.model.reduction is not None else self.model
        return {
            "units_merged": self.merge.units_merged,
            "classes": self.merge.classes,
            "variables": [self.full_size[0], len(solved.variables)],
            "constraints": [self.full_size[1], len(solved.constraints)],
            "before_building": True,
        }

    # ---- the full model, for whoever wants it (built on demand)

    @cached_property
    def full_model(self) -> Model:
        return build(self.scenario)

    @cached_property
    def full_solution(self) -> Solution:
        """The solution on ``full_model``: values by variable name, duals by row name (a unit's
        land row has its class's)."""
        model = self.full_model
        values = pd.Series(self.contributions["value"].to_numpy(), index=self.contributions["name"])
        names = model.variables["name"]
        full_values = names.map(values).fillna(0.0).to_numpy(dtype=float)
        duals = dict(zip((c.name for c in self.model.constraints), self.solution.duals))
        for position in np.flatnonzero(self.merge.size > 1):
            duals[land.NAME.format(key=self.merge.unit_ids[position])] = duals.get(
                land.NAME.format(key=self.merge.unit_ids[self.merge.head[position]]), np.nan)
        full_duals = np.array([duals.get(c.name, np.nan) for c in model.constraints], dtype=float)
        return dataclasses.replace(self.solution, values=full_values, duals=full_duals)


def _formatted(template: str, keys: np.ndarray) -> np.ndarray:
    """``template.format(key=k)`` for every key, as one vectorized join."""
    before, after = template.split("{key}")
    return (before + pd.Series(keys, dtype=TEXT) + after).to_numpy(dtype=object)
