"""Exact reduction: merge interchangeable units before solving, split the solution after.

Units u and u' are *interchangeable* when nothing but their own limits tells them apart: for
every industry k, x[u,k] and x[u',k] have the same objective coefficient, bounds [0, ∞), and the
same coefficient in every row that involves other units too (the carbon budgets, industry
bounds, zone shares; a zone's row names both units only if both are in the zone); and each has
at most one row of its own, ``own[u]: Σ_k a_k x[u,k] (sense) r_u`` (land[u]), with the same a_k
and sense, and right-hand sides of the same sign. For a class C of interchangeable units:

    X[C,k] = Σ_{u∈C} x[u,k]                          (one merged variable per industry)
    own[C]:  Σ_k a_k X[C,k]  (sense)  Σ_{u∈C} r_u     (one merged own row)

and every shared row sees X[C,k] with the coefficient its members share. The two models have the
same optimum. A feasible x sums to a feasible X of the same objective (own rows add up). A
feasible X splits into a feasible x of the same objective:

    x[u,k] = w_u · X[C,k],   w_u = r_u / Σ_{v∈C} r_v   (1/|C| when that sum is 0 or C has no own row)

since w_u ≥ 0, Σ_u w_u = 1 (shared rows and the objective see X), and own[u] reads
w_u · (Σ_k a_k X[C,k]) (sense) w_u · Σ_v r_v = r_u. So the split of an optimal X is optimal.
Duals carry over as well: shared rows keep theirs and each own[u] takes own[C]'s, y_C. Then each
x[u,k] has the reduced cost of X[C,k] and the dual objective keeps its value (y_C · Σ_u r_u), so
the shadow prices are those of the full model.

Never merged: variables of other kinds (projects, slacks), integer or bounded variables, units
with two or more rows of their own, and units whose own row involves another kind of variable
(that row is then shared, and names only that unit). The test reads the compiled matrix, so a
rule family needs to do nothing: a unit-specific row of any family keeps its unit apart.

The split gives every unit of a class the same mix of industries, in proportion to its land: an
optimum of the full model, not necessarily the vertex a solver would have returned for it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import Model
from .solve import Solution


@dataclass
class Reduction:
    """A merged model and how its solution maps back onto the full model."""

    full: Model
    model: Model  # the merged model: solve this
    columns: np.ndarray  # per full column: its column in the merged model
    weights: np.ndarray  # per full column: its share w_u of that merged column
    rows: np.ndarray  # per full row: its row in the merged model
    units: int  # units that could be merged
    classes: int  # classes they form

    def expand(self, merged: Solution) -> Solution:
        """The merged model's solution as a solution of the full model."""
        values = merged.values[self.columns] * self.weights if len(merged.values) else np.full(len(self.columns), np.nan)
        duals = merged.duals[self.rows] if len(merged.duals) else np.full(len(self.rows), np.nan)
        objective = None if merged.objective is None else float(self.full.objective_vector() @ values)
        return dataclasses.replace(
            merged, values=values, duals=duals, objective=objective, options={**merged.options, "reduction": self.summary()}
        )

    def summary(self) -> dict:
        return {
            "units_merged": self.units,
            "classes": self.classes,
            "variables": [len(self.full.variables), len(self.model.variables)],
            "constraints": [len(self.full.constraints), len(self.model.constraints)],
        }


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
        & (variables["unit"].fillna("").to_numpy() != "")
    )
    if candidate.sum() < 2:
        return None
    unit_of, unit_names = pd.factorize(variables["unit"].to_numpy())
    industry_of, industry_names = pd.factorize(variables["industry"].to_numpy())
    unit_of = np.where(candidate, unit_of, -1)
    n_units, n_industries = len(unit_names), len(industry_names)
    columns = np.flatnonzero(candidate)
    pair = unit_of[columns].astype(np.int64) * n_industries + industry_of[columns]  # (unit, industry)

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
    own_kind = np.where(own_row >= 0, 1 + 3 * sense[own_row] + np.sign(own_rhs).astype(np.int64) + 1, 0)

    # Candidates for a class: units alike in a hash of their columns, their own row's sense and
    # rhs sign; not a unit with two own rows or two variables of one industry.
    keys, counts = np.unique(pair, return_counts=True)
    alone = own_count > 1
    alone[keys[counts > 1] // n_industries] = True
    tag = np.where(own[matrix.index], m, matrix.index).astype(np.uint64)  # own rows all alike
    column_hash = _segment_sums(_mix(tag * np.uint64(0x9E3779B97F4A7C15) ^ matrix.value.view(np.uint64)), matrix.start)
    objective = model.objective_vector()
    column_hash = _mix(column_hash ^ _mix(objective.view(np.uint64))) + _mix(industry_of.astype(np.uint64) + np.uint64(1))
    unit_start = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(np.bincount(unit_of[columns], minlength=n_units), out=unit_start[1:])
    unit_hash = _segment_sums(column_hash[columns[np.argsort(unit_of[columns], kind="stable")]], unit_start)
    signature = np.column_stack(
        [unit_hash.view(np.int64), np.diff(unit_start), own_kind, np.where(alone, np.arange(n_units), -1)]
    )
    bucket = np.unique(signature, axis=0, return_inverse=True)[1].ravel()
    first = np.full(bucket.max() + 1, n_units)
    np.minimum.at(first, bucket, np.arange(n_units))
    representative = first[bucket]

    # Exact check of every column against its representative's column of the same industry.
    order = np.argsort(pair)
    wanted = representative[unit_of[columns]].astype(np.int64) * n_industries + industry_of[columns]
    twin = columns[order[np.searchsorted(pair, wanted, sorter=order).clip(0, len(columns) - 1)]]
    nnz = np.diff(matrix.start)[columns]
    same = (pair[np.searchsorted(columns, twin)] == wanted) & (objective[columns] == objective[twin])
    same &= nnz == np.diff(matrix.start)[twin]
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
    return _merged(model, columns, unit_of, representative, own_row, own_rhs, stand_in)


SENSE_CODES = {"<=": 0, ">=": 1, "==": 2}


def _merged(model, columns, unit_of, representative, own_row, own_rhs, stand_in) -> Reduction:
    n, m, n_units = len(model.variables), len(model.constraints), len(representative)
    members = np.bincount(representative, minlength=n_units)
    class_rhs = np.bincount(representative, weights=own_rhs, minlength=n_units)[representative]
    unit_weight = np.divide(own_rhs, class_rhs, out=1.0 / members[representative], where=class_rhs != 0)
    weights = np.ones(n)
    weights[columns] = unit_weight[unit_of[columns]]
    keep_column = stand_in == np.arange(n)
    new_column = np.cumsum(keep_column) - 1

    # A member's own row is carried by its representative's, whose rhs becomes the class's sum.
    stand_in_row = np.arange(m)
    moved = np.flatnonzero((representative != np.arange(n_units)) & (own_row >= 0))
    stand_in_row[own_row[moved]] = own_row[representative[moved]]
    keep_row = stand_in_row == np.arange(m)
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
            )
        )
    merged = Model(model.scenario, model.variables[keep_column].reset_index(drop=True), constraints, model.objective)
    merged_units = members[representative] > 1
    return Reduction(
        model,
        merged,
        new_column[stand_in],
        weights,
        (np.cumsum(keep_row) - 1)[stand_in_row],
        int(merged_units.sum()),
        int(np.count_nonzero(merged_units & (representative == np.arange(n_units)))),
    )


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
