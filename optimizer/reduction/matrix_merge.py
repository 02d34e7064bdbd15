"""Exact reduction: merge interchangeable units before solving, split the solution after.

Units u and u' are *interchangeable* when nothing but their own limits tells them apart: for
every industry k, x[u,k] and x[u',k] have the same objective coefficient, bounds [0, ∞), and the
same coefficient in every row that involves other units too (the carbon budgets, industry
bounds, zone shares; a zone's row names both units only if both are in the zone); and each has
at most one row of its own, ``own[u]: Σ_k a_k x[u,k] (sense) r_u`` (land[u]), with the same
a_k ≥ 0 and sense, and r_u ≥ 0. Only units of one zone form a class, so that the merged model's
scenario (each class as its first unit, holding the land of all; ``Reduction.model.scenario``)
keeps the zones' units and land: the presolve checks read it beside the merged model. For a
class C of interchangeable units:

    X[C,k] = Σ_{u∈C} x[u,k]                          (one merged variable per industry)
    own[C]:  Σ_k a_k X[C,k]  (sense)  R = Σ_{u∈C} r_u  (one merged own row)

and every shared row sees X[C,k] with the coefficient its members share. The two models have the
same optimum. A feasible x sums to a feasible X of the same objective (own rows add up). A
feasible X splits into a feasible x of the same objective by filling the units in turn: unit
u_i (in table order) owns the stretch S_i = [R_{i-1}, R_i) of the class's rhs, R_i = r_1 + … +
r_i (the last stretch open to ∞); industry k uses the stretch T_k = [Q_{k-1}, Q_k), Q_k the
running sum of a_k · X[C,k]; and

    x[u_i,k] = |S_i ∩ T_k| / a_k          (a variable with a_k = 0 goes whole to the first unit)

The S_i cover [0, ∞), so Σ_i x[u_i,k] = X[C,k]: shared rows and the objective are unchanged.
Unit u_i uses |S_i ∩ [0, Q)| of its own row, Q = Σ_k a_k X[C,k]: with Q ≤ R (sense ≤) that is
at most r_i, with Q = R (=) exactly r_i, and with Q ≥ R (≥) exactly r_i except the last unit,
which takes the rest, at least its r. So the split of an optimal X is optimal, and like a vertex
it gives most units a single industry (at most |C| + K − 1 non-zeros per class).

Duals carry over as well: shared rows keep theirs and each own[u] takes own[C]'s, y_C. Then each
x[u,k] has the reduced cost of X[C,k] and the dual objective keeps its value (y_C · Σ_u r_u), so
the shadow prices are those of the full model.

Never merged: variables of other kinds (projects, slacks), integer or bounded variables, units
with two or more rows of their own, and units whose own row involves another kind of variable
(that row is then shared, and names only that unit). The test reads the compiled matrix, so a
rule family needs to do nothing: a unit-specific row of any family keeps its unit apart.
``optimizer.reduction.scenario_merge`` makes the same merge on the scenario, before the full model is built, where
the families say which units they treat one by one.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..compile.model import Model
from ..core.outcomes import Solution


@dataclass
class Reduction:
    """A merged model and how its solution maps back onto the full model."""

    full: Model
    model: Model  # the merged model: solve this
    columns: np.ndarray  # per full column: the merged column that carries it
    rows: np.ndarray  # per full row: the merged row that carries it
    usage: np.ndarray  # per full column: its coefficient a_k in its unit's own row (0: none)
    slot_low: np.ndarray  # per full column: where its unit's share of the class's own rhs starts …
    slot_high: np.ndarray  # … and ends (inf for the class's last unit)
    first: np.ndarray  # per full column: its unit is the first of its class (or it merges with nothing)
    merged_class: np.ndarray  # per merged column: its class (-1: not merged)
    units: int  # units merged into classes
    classes: int  # classes they form

    def expand(self, merged: Solution) -> Solution:
        """The merged model's solution as a solution of the full model."""
        values = self.split(merged.values) if len(merged.values) else np.full(len(self.columns), np.nan)
        duals = merged.duals[self.rows] if len(merged.duals) else np.full(len(self.rows), np.nan)
        objective = None if merged.objective is None else self.full.objective_value(values)
        return dataclasses.replace(
            merged, values=values, duals=duals, objective=objective, options={**merged.options, "reduction": self.summary()}
        )

    def split(self, merged_values: np.ndarray) -> np.ndarray:
        """Each class's total of each industry, filled into its units in turn (module docstring)."""
        if np.isnan(merged_values).any():
            return np.full(len(self.columns), np.nan)
        usage = np.zeros(len(merged_values))
        usage[self.columns] = self.usage
        used = usage * merged_values  # a_k · X[C,k]: what the industry takes of the class's own rhs
        high = running_sums(used, self.merged_class)
        low = high - used
        carrier = self.columns
        filled = fill_in_turn(low[carrier], high[carrier], self.slot_low, self.slot_high, self.usage,
                              merged_values[carrier], self.first)
        return np.where(self.merged_class[carrier] >= 0, filled, merged_values[carrier])

    def summary(self) -> dict:
        return {
            "units_merged": self.units,
            "classes": self.classes,
            "variables": [len(self.full.variables), len(self.model.variables)],
            "constraints": [len(self.full.constraints), len(self.model.constraints)],
        }


_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model → its reduction (or None)


def reduction_of(model: Model) -> Reduction | None:
    """``reduce(model)``, found once per model: the presolve checks, the solve and the alternatives
    all ask for it. None if no units merge."""
    if model not in _FOUND:
        _FOUND[model] = reduce(model)
    return _FOUND[model]


def reduce(model: Model) -> Reduction | None:
    """Merge interchangeable units (see the module docstring); None when no two units merge."""
    variables = model.variables
    matrix = model.matrix
    m, n = matrix.shape
    candidate = (
        (variables["kind"] == "land").to_numpy()
        & (variables["lower"].to_numpy(dtype=float) == 0)
        & (variables["upper"].to_numpy(dtype=float) == np.inf)
        & ~variables["integer"].to_numpy(dtype=bool)
        & (variables["unit"].fillna("") != "").to_numpy()
    )
    if candidate.sum() < 2:
        return None
    unit_of, unit_names = pd.factorize(variables["unit"])
    industry_of, industry_names = pd.factorize(variables["industry"])
    unit_of = np.where(candidate, unit_of, -1)
    n_units, n_industries = len(unit_names), len(industry_names)
    columns = np.flatnonzero(candidate)
    pair = unit_of[columns].astype(np.int64) * n_industries + industry_of[columns]  # (unit, industry)
    slot = np.full(n_units * n_industries, -1)  # (unit, industry) -> its column
    slot[pair] = columns
    columns_of_unit = np.bincount(unit_of[columns], minlength=n_units)

    # Own rows: every entry is a candidate column of one and the same unit.
    entry_unit = unit_of[matrix.column]
    low, high = np.full(m, n_units), np.full(m, -1)
    np.minimum.at(low, matrix.index, entry_unit)
    np.maximum.at(high, matrix.index, entry_unit)
    own = (low == high) & (low >= 0)
    own_count = np.bincount(low[own], minlength=n_units)
    own_row = np.full(n_units, -1)
    own_row[low[own]] = np.flatnonzero(own)  # the own row, where there is exactly one
    own_row[own_count != 1] = -1
    rhs = np.array([c.rhs for c in model.constraints] + [0.0])  # [-1]: no own row
    sense = np.array([SENSE_CODES[c.sense] for c in model.constraints] + [0])
    own_rhs = rhs[own_row]
    own_kind = np.where(own_row >= 0, 1 + sense[own_row], 0)

    own_entry = own[matrix.index]
    usage = np.zeros(n)  # each column's coefficient in its unit's own row
    usage[matrix.column[own_entry]] = matrix.value[own_entry]
    negative = np.bincount(unit_of[matrix.column[own_entry & (matrix.value < 0)]], minlength=n_units) > 0

    # Candidates for a class: units alike in a hash of their columns and their own row's sense;
    # never a unit with two own rows, or two variables of one industry, or none, or an own row
    # with a negative coefficient or rhs (the fill that splits a class needs them ≥ 0).
    alone = (own_count > 1) | (columns_of_unit == 0) | negative | (own_rhs < 0)
    alone[np.flatnonzero(np.bincount(pair, minlength=len(slot)) > 1) // n_industries] = True
    tag = np.where(own_entry, m, matrix.index).astype(np.uint64)  # own rows all alike
    column_hash = _segment_sums(_mix(tag * np.uint64(0x9E3779B97F4A7C15) ^ matrix.value.view(np.uint64)), matrix.start)
    objective = model.objective_vector()
    column_hash = _mix(column_hash ^ _mix(objective.view(np.uint64))) + _mix(industry_of.astype(np.uint64) + np.uint64(1))
    hashes = np.zeros(len(slot), dtype=np.uint64)
    hashes[pair] = column_hash[columns]
    unit_hash = hashes.reshape(n_units, n_industries).sum(axis=1, dtype=np.uint64)  # wraps: order-free
    zone_of_unit = np.full(n_units, -1)  # a class stays in one zone, so the merged scenario keeps every zone's units
    zone_of_unit[unit_of[columns]] = pd.factorize(variables["zone"])[0][columns]
    signature = np.column_stack(
        [unit_hash.view(np.int64), columns_of_unit, own_kind, zone_of_unit, np.where(alone, np.arange(n_units), -1)]
    )
    bucket = np.unique(signature, axis=0, return_inverse=True)[1].ravel()
    first = np.full(bucket.max() + 1, n_units)
    np.minimum.at(first, bucket, np.arange(n_units))
    representative = first[bucket]

    # Exact check of every column against its representative's column of the same industry.
    twin = slot[representative[unit_of[columns]] * n_industries + industry_of[columns]]
    same = twin >= 0
    twin = np.where(same, twin, columns)
    nnz = np.diff(matrix.start)[columns]
    same &= (objective[columns] == objective[twin]) & (nnz == np.diff(matrix.start)[twin])
    entry_column = np.repeat(np.arange(len(columns)), nnz)
    offset = np.arange(len(entry_column)) - np.repeat(np.cumsum(nnz) - nnz, nnz)
    mine = matrix.start[columns][entry_column] + offset
    theirs = np.minimum(matrix.start[twin][entry_column] + offset, len(matrix.index) - 1)
    differs = (tag[mine] != tag[theirs]) | (matrix.value[mine] != matrix.value[theirs])
    same &= np.bincount(entry_column[differs], minlength=len(columns)) == 0
    odd = np.unique(unit_of[columns[~same]])
    representative[odd] = odd  # a unit unlike its representative stays alone

    if (representative == np.arange(n_units)).all():
        return None
    stand_in = np.arange(n)  # per full column: the column that carries it in the merged model
    stand_in[columns] = np.where(representative[unit_of[columns]] == unit_of[columns], columns, twin)
    reduction = _merged(model, columns, unit_of, representative, own_row, own_rhs, usage, stand_in)
    reduction.model.scenario = merged_scenario(model.scenario, unit_names, representative)
    return reduction


def merged_scenario(scenario, unit_names, representative):
    """The scenario the merged model stands for: each class is its first unit, with the land of all
    its members (what the presolve checks read beside the merged model)."""
    names = np.asarray(unit_names, dtype=object)  # plain strings: quick to look up one by one
    size = np.bincount(representative, minlength=len(representative))
    in_class = size[representative] > 1
    land = scenario.table("units")["land_km2"].reindex(unit_names).to_numpy(dtype=float)
    class_land = np.bincount(representative[in_class], weights=land[in_class], minlength=len(representative))
    heads = {names[u]: float(class_land[u]) for u in np.flatnonzero(size > 1)}
    gone = set(names[in_class & (representative != np.arange(len(representative)))].tolist())
    units = tuple(
        unit.model_copy(update={"land_km2": heads[unit.id]}) if unit.id in heads else unit
        for unit in scenario.units
        if unit.id not in gone
    )
    merged = scenario.model_copy(update={"units": units})
    merged._tables, merged._as_loaded, merged._loaded = {}, False, None  # its own tables, not the loaded ones
    return merged


SENSE_CODES = {"<=": 0, ">=": 1, "==": 2}


def _merged(model, columns, unit_of, representative, own_row, own_rhs, usage, stand_in) -> Reduction:
    n, m, n_units = len(model.variables), len(model.constraints), len(representative)
    members = np.bincount(representative, minlength=n_units)
    in_class = members[representative] > 1
    keep_column = stand_in == np.arange(n)
    new_column = np.cumsum(keep_column) - 1

    # Each unit's stretch of its class's own rhs, in unit order; the last one takes any excess.
    high = running_sums(own_rhs, representative)
    low = high - own_rhs
    last = np.zeros(n_units, dtype=np.int64)
    np.maximum.at(last, representative, np.arange(n_units))
    high[last[representative] == np.arange(n_units)] = np.inf
    slot_low, slot_high = np.zeros(n), np.full(n, np.inf)
    slot_low[columns] = low[unit_of[columns]]
    slot_high[columns] = high[unit_of[columns]]
    first = np.ones(n, dtype=bool)
    first[columns] = representative[unit_of[columns]] == unit_of[columns]
    merged_class = np.full(n, -1)
    merged_class[columns] = np.where(in_class[unit_of[columns]], representative[unit_of[columns]], -1)

    # A member's own row is carried by its representative's, whose rhs becomes the class's sum.
    stand_in_row = np.arange(m)
    moved = np.flatnonzero((representative != np.arange(n_units)) & (own_row >= 0))
    stand_in_row[own_row[moved]] = own_row[representative[moved]]
    keep_row = stand_in_row == np.arange(m)
    class_rhs = np.bincount(representative, weights=own_rhs, minlength=n_units)
    class_row_rhs = {int(own_row[u]): float(class_rhs[u]) for u in np.unique(representative[moved])}
    constraints = []
    for index in np.flatnonzero(keep_row):
        c = model.constraints[index]
        kept = keep_column[c.positions]
        constraints.append(
            dataclasses.replace(
                c,
                positions=new_column[c.positions[kept]],
                coefficients=c.coefficients[kept],
                rhs=class_row_rhs.get(int(index), c.rhs),
                violation_positions=new_column[c.violation_positions],  # other kinds: never merged
            )
        )
    merged = dataclasses.replace(model, variables=model.variables[keep_column].reset_index(drop=True), constraints=constraints)
    return Reduction(
        full=model,
        model=merged,
        columns=new_column[stand_in],
        rows=(np.cumsum(keep_row) - 1)[stand_in_row],
        usage=usage,
        slot_low=slot_low,
        slot_high=slot_high,
        first=first,
        merged_class=merged_class[keep_column],
        units=int(in_class.sum()),
        classes=int(np.count_nonzero(in_class & (representative == np.arange(n_units)))),
    )


def fill_in_turn(low, high, slot_low, slot_high, usage, total, first) -> np.ndarray:
    """x[u_i,k] = |S_i ∩ T_k| / a_k (module docstring), elementwise: T_k = [low, high) is the
    industry's stretch of its class's own rhs, S_i = [slot_low, slot_high) the unit's, a_k =
    ``usage``; a variable with a_k = 0 goes whole (``total``) to the class's ``first`` unit."""
    overlap = np.minimum(high, slot_high) - np.maximum(low, slot_low)
    filled = np.divide(np.maximum(overlap, 0.0), usage, out=np.zeros(len(usage)), where=usage > 0)
    return np.where(usage > 0, filled, np.where(first, total, 0.0))


def running_sums(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` within each group, in the order given."""
    order = np.argsort(groups, kind="stable")
    ordered = values[order]
    total = np.cumsum(ordered)
    starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]]) if len(order) else np.zeros(0, int)
    before = np.repeat(total[starts] - ordered[starts], np.diff(np.r_[starts, len(order)]))
    sums = np.empty(len(values))
    sums[order] = total - before
    return sums


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of each uint64 (wrapping arithmetic)."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _segment_sums(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Σ values[start[i]:start[i+1]] for each i, wrapping in uint64 (order does not matter)."""
    total = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values, out=total[1:])
    return total[start[1:]] - total[start[:-1]]
