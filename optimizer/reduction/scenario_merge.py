"""Exact reduction on the scenario: merge a zone's alike units before any model is built.

``optimizer.reduction.matrix_merge`` merges the interchangeable units of a compiled model, so the full model
must be built first; at 50,000 grid cells building and searching it is most of a merged run.
Here the merge starts on the scenario, where the rule families say which units they treat one
by one (each family's ``units_apart(scenario)``; a family without that hook keeps every unit
apart). The other units of one zone whose rows of the units table agree in every column but
``id``, the labels ``name`` and ``name_zh``, and ``land_km2`` form a class. Nothing tells its
members apart but their land, so the model of the merged scenario (each class as its first unit,
holding the land L_C = Σ_{u∈C} L_u of all) is the full model with each class merged as
``optimizer.reduction.matrix_merge`` merges it:

    X[C,k] = Σ_{u∈C} x[u,k]        land[C]:  Σ_k a_k X[C,k] ≤ L_C

and every other row sees X[C,k] as it would see each x[u,k]. ``optimizer.reduction.matrix_merge`` then merges
that model further where its units are interchangeable (units the families keep apart, say,
that no row tells apart after all), so the model solved is the one the full model's own merge
would give, to the last digit (``prepare``). Its solution is split back as
``optimizer.reduction.matrix_merge`` splits it: unit u_i of a class (in table order) owns the stretch S_i =
[R_{i−1}, R_i) of L_C (R_i = L_1 + … + L_i, the last stretch open), industry k the stretch T_k =
[Q_{k−1}, Q_k) of the land the class uses (Q_k the running sum of a_k · X[C,k]), and

    x[u_i,k] = |S_i ∩ T_k| / a_k        land[u_i]: activity Σ_k a_k x[u_i,k], rhs L_i, price that of land[C]

The split is carried to the merged scenario's model, which ``MergedResult`` holds with each
merged unit at the sum of its units' shares, and the result's tables (contributions, allocation,
constraints) are made per unit from it, each unit's figures at its own multipliers: those of a
run that builds the full model, which is never built here. ``MergedResult.full_model`` and
``full_solution`` build it on demand and map the solution onto it, for a notebook or a test.

A check of the solved model guards the split (``land_rows``): each class's variables must be
plain land variables (continuous, 0 ≤ x < ∞), each in exactly one land row, its class's, a plain
≤ row without violation variables. Otherwise the run builds the full model as before. Rows of
other families are the families' to keep apart: ``tests/test_merge.py`` checks each family's
declaration against a run that builds the full model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..compile.model import Model
from ..rules import land
from ..scenario.model import Scenario
from .matrix_merge import fill_in_turn, merged_scenario, reduction_of, running_sums

# Unit columns that may differ within a class: labels (names, where it is), and the land it sums.
MAY_DIFFER = ("name", "name_zh", "adcode", "lon", "lat", "land_km2")


@dataclass
class Classes:
    """Units grouped into classes, each class named by its first unit (in table order)."""

    unit_ids: np.ndarray  # the scenario's unit ids, in table order
    land: np.ndarray  # their land (km²)
    head: np.ndarray  # per unit: the position of its class's first unit (itself if alone)

    @cached_property
    def size(self) -> np.ndarray:
        """Per unit: how many units its class has (1: alone)."""
        return np.bincount(self.head, minlength=len(self.head))[self.head]

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(self.unit_ids)

    def positions(self, variables: pd.DataFrame) -> np.ndarray:
        """Per variable: the position of its unit in the table (-1: none)."""
        return self._index.get_indexer(variables["unit"].fillna("").to_numpy(dtype=object))


def merge_units(scenario: Scenario) -> tuple[Classes, Scenario] | None:
    """Each zone's alike units that no family keeps apart, and the scenario with each class as
    its first unit holding the land of all; None when no two merge."""
    from ..rules import RULE_FAMILIES

    units = scenario.table("units")
    apart = np.zeros(len(units), dtype=bool)
    for family in RULE_FAMILIES:
        if not hasattr(family, "units_apart"):
            return None  # a family that does not say keeps every unit apart
        named = family.units_apart(scenario)
        if named:
            apart |= units.index.isin(list(named))
    alike = units.drop(columns=[c for c in MAY_DIFFER if c in units])  # the zone is one of the columns
    group = alike.groupby(list(alike.columns), dropna=False, sort=False).ngroup().to_numpy()
    group = np.where(apart, group.max(initial=0) + 1 + np.arange(len(units)), group)  # a unit kept apart is its own group
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    head = first[inverse.ravel()]
    if (head == np.arange(len(units))).all():
        return None
    unit_ids = units.index.to_numpy(dtype=object)
    classes = Classes(unit_ids, units["land_km2"].to_numpy(dtype=float), head)
    return classes, merged_scenario(scenario, unit_ids, head)


@dataclass
class Merged:
    """What a run that merges before building solves, and how it maps back to the units."""

    merged_into: np.ndarray  # per unit: its unit in ``built`` (its scenario class's first unit, a position)
    classes: Classes  # the units, in the classes the solver sees
    built: Model  # the merged scenario's model
    solved: Model  # the model solved: ``built``, merged further where its units are interchangeable
    rows: dict[int, int]  # per class with variables (its first unit's position): its land row in ``solved``

    def summary(self, variables: int, constraints: int) -> dict:
        """As ``Reduction.summary``: what merged, and the sizes of the full model (given) and the model solved."""
        return {
            "units_merged": int(np.isin(self.classes.head, list(self.rows)).sum()),  # not those of classes without variables
            "classes": len(self.rows),
            "variables": [variables, len(self.solved.variables)],
            "constraints": [constraints, len(self.solved.constraints)],
            "before_building": True,
        }


def prepare(built: Model, classes: Classes) -> Merged | None:
    """The model to solve and its classes; None when the split cannot be made on it (``land_rows``)
    or there is nothing to split (no class has variables).

    ``built`` is merged further by ``optimizer.reduction.matrix_merge`` where its units are interchangeable (units
    the families keep apart, say, that no row tells apart after all). A unit of ``built`` joins
    the class of ``reduce``'s, whose first unit comes first in both, so each class fills its units
    in table order, as the split of the full model's own merge does; and each class's land row
    gets the sum of its units' land in table order, as there, so that the model solved is, to
    the last digit, the one the full model's own merge gives.
    """
    reduction = reduction_of(built)
    solved, joined = built, classes
    if reduction is not None:
        unit_at = classes.positions(built.variables)
        carrier_unit = classes.positions(reduction.model.variables)[reduction.columns]
        land_columns = (unit_at >= 0) & (built.variables["kind"] == "land").to_numpy()  # what reduce merges
        head = np.arange(len(classes.head))
        head[unit_at[land_columns]] = carrier_unit[land_columns]
        solved, joined = reduction.model, dataclasses.replace(classes, head=head[classes.head])
    rows = land_rows(solved, joined)
    if not rows:
        return None
    total = np.bincount(joined.head, weights=joined.land, minlength=len(joined.head))  # in table order
    rhs = {index: float(total[h]) for h, index in rows.items()}
    constraints = [dataclasses.replace(c, rhs=rhs[i]) if i in rhs else c for i, c in enumerate(solved.constraints)]
    return Merged(classes.head, joined, built, dataclasses.replace(solved, constraints=constraints), rows)


def land_rows(model: Model, classes: Classes) -> dict[int, int] | None:
    """Per class with variables (its first unit's position): the index of its land row in
    ``model``; None when a class's variables or land row are not as the split needs (module
    docstring). Other rows are the families' to keep apart (``units_apart``)."""
    variables = model.variables
    unit_at = classes.positions(variables)
    heads = np.flatnonzero((classes.size > 1) & (classes.head == np.arange(len(classes.head))))
    class_column = np.isin(unit_at, heads)
    plain = (
        (variables["kind"] == "land").to_numpy()
        & (variables["land"].to_numpy(dtype=float) >= 0)
        & (variables["lower"].to_numpy(dtype=float) == 0)
        & (variables["upper"].to_numpy(dtype=float) == np.inf)
        & ~variables["integer"].to_numpy(dtype=bool)
    )
    if not plain[class_column].all():
        return None
    rows: dict[int, int] = {}
    counted = np.zeros(len(unit_at), dtype=np.int64)  # per column: how many class land rows hold it
    for index, c in enumerate(model.constraints):
        if c.family != land.FAMILY or not class_column[c.positions].any():
            continue
        owners = np.unique(unit_at[c.positions])
        if len(owners) != 1 or c.name != land.NAME.format(key=classes.unit_ids[owners[0]]):
            return None
        if len(c.violation_positions) or c.sense != "<=" or (c.coefficients < 0).any():
            return None  # a soft land limit, say: the split needs a plain ≤ row
        rows[int(owners[0])] = index
        counted[c.positions] += 1
    has_columns = np.bincount(unit_at[class_column], minlength=len(classes.head)) > 0
    if any(has_columns[h] != (h in rows) for h in heads) or (counted[class_column] != 1).any():
        return None
    return rows


@dataclass
class Pieces:
    """The solution split over the units: (unit position, column, value) triples, zeros left out."""

    unit: np.ndarray
    column: np.ndarray
    value: np.ndarray
    usage: np.ndarray  # per triple: the column's coefficient in its class's land row


def split(model: Model, classes: Classes, rows: dict[int, int], values: np.ndarray) -> Pieces:
    """Each class's X[C,k] filled into its units in turn (module docstring)."""
    if not rows:  # no class has variables (its zone admits nothing, say)
        return Pieces(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    unit_at = classes.positions(model.variables)
    usage = np.zeros(len(values))
    for index in rows.values():
        c = model.constraints[index]
        usage[c.positions] = c.coefficients
    columns = np.flatnonzero(np.isin(unit_at, list(rows)))
    head = unit_at[columns]
    used = usage[columns] * values[columns]  # a_k · X[C,k]: what the industry takes of the class's land
    high = running_sums(used, head)
    low = high - used

    members = np.flatnonzero(np.isin(classes.head, list(rows)))
    members = members[np.argsort(classes.head[members], kind="stable")]  # by class, in table order within
    land_high = running_sums(classes.land[members], classes.head[members])
    land_low = land_high - classes.land[members]
    last = np.r_[classes.head[members][1:] != classes.head[members][:-1], True]
    land_high[last] = np.inf  # the last unit takes any excess (of a ≤ row: none)
    class_start = np.zeros(len(classes.head), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, last[:-1]])
    class_start[classes.head[members][starts]] = starts

    counts = classes.size[head]  # each column pairs with every unit of its class
    pair_column = np.repeat(np.arange(len(columns)), counts)
    within = np.arange(len(pair_column)) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_member = np.repeat(class_start[head], counts) + within
    a = usage[columns][pair_column]
    filled = fill_in_turn(low[pair_column], high[pair_column], land_low[pair_member], land_high[pair_member], a,
                          values[columns][pair_column], within == 0)
    filled = np.where(np.abs(filled) < 1e-9, 0.0, filled)  # solver noise is not a decision (as Result.values)
    keep = np.flatnonzero(filled)
    return Pieces(members[pair_member[keep]], columns[pair_column[keep]], filled[keep], a[keep])
