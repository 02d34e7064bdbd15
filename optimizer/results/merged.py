"""The result of a run merged before building: tables read on the merged model, split back onto
every unit (``optimizer.reduction.scenario_merge`` finds the classes and splits the values)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..compile.model import Model, build
from ..core.numbers import binding_tolerance
from ..core.outcomes import Solution
from ..reduction.matrix_merge import reduction_of
from ..reduction.scenario_merge import Classes, Merged, Pieces, split
from ..rules import land
from ..rules.family import names
from ..rules.pairs import TEXT, pair_names
from ..scenario.model import Scenario
from .result import Result, contribution_table, slack_of


def merged_result(scenario: Scenario, merged: Merged, raw: Solution, timings: dict) -> MergedResult:
    """The result of a run that merged before building, from ``raw``, the solution of ``merged.solved``.

    The split is made on the model solved, then carried to the merged scenario's model
    (``merged.built``): a unit's share goes to the column of its merged unit and industry, so
    that model at the sum of its units' shares is the solution (its variables' effects are their
    units', even where the solver merged units whose effects outside the program differ)."""
    built, solved, classes, rows, merged_into = merged.built, merged.solved, merged.classes, merged.rows, merged.merged_into
    pieces = split(solved, classes, rows, raw.values)
    industries = pd.Index(scenario.table("industries").index)
    unit_at, kind = classes.positions(built.variables), built.variables["kind"].to_numpy(dtype=object)
    shared = (unit_at >= 0) & (kind == "land") & np.isin(classes.head[unit_at], list(rows))
    slot = np.full(len(classes.head) * len(industries), -1)  # (unit, industry) -> built's land column
    slot[unit_at[shared] * len(industries) + industries.get_indexer(built.variables["industry"][shared])] = \
        np.flatnonzero(shared)
    industry_of = industries.get_indexer(solved.variables["industry"].to_numpy(dtype=object)[pieces.column])
    pieces = dataclasses.replace(pieces, column=slot[merged_into[pieces.unit] * len(industries) + industry_of])

    reduction = reduction_of(built)  # how ``solved`` maps onto ``built`` (None: column for column)
    values = raw.values[reduction.columns] if reduction is not None else raw.values.copy()  # exact where nothing merged
    values[shared] = np.bincount(pieces.column, weights=pieces.value, minlength=len(values))[shared]
    duals = raw.duals[reduction.rows] if reduction is not None else raw.duals
    solution = dataclasses.replace(raw, values=values, duals=duals)
    result = MergedResult(scenario, built, solution, timings, pieces=pieces, classes=classes, merged_into=merged_into,
                          split_units=np.flatnonzero(np.isin(classes.head, list(rows))), split_columns=shared)
    solution.options = {**raw.options, "reduction": merged.summary(*result.full_size)}
    return result


@dataclass(repr=False)
class MergedResult(Result):
    """A result solved on the merged scenario: ``model`` is the merged scenario's model and
    ``solution`` its solution; the tables are per unit of the full ``scenario``, as those of a
    run that builds the full model (``merged_result``)."""

    pieces: Pieces = field(kw_only=True, repr=False)  # the solution split over the units (columns of ``model``)
    classes: Classes = field(kw_only=True, repr=False)  # the units, in the classes the solver saw
    merged_into: np.ndarray = field(kw_only=True, repr=False)  # per unit: its unit in ``model`` (a position)
    split_units: np.ndarray = field(kw_only=True, repr=False)  # the units whose land the pieces give
    split_columns: np.ndarray = field(kw_only=True, repr=False)  # per column of ``model``: its value is pieces'

    @cached_property
    def _unit_at(self) -> np.ndarray:
        return self.classes.positions(self.model.variables)

    @cached_property
    def _land_row_of(self) -> dict[int, int]:
        """Per unit of ``model`` (a position): the index of its land row."""
        return {int(self._unit_at[c.positions[0]]): index
                for index, c in enumerate(self.model.constraints) if c.family == land.FAMILY}

    @cached_property
    def contributions(self) -> pd.DataFrame:
        variables = self.model.variables
        pieces = self.pieces
        alone = np.flatnonzero((self.values != 0) & ~self.split_columns)
        shared = variables.iloc[pieces.column].reset_index(drop=True)  # each piece as its merged unit's variable …
        unit_ids = self.classes.unit_ids[pieces.unit]  # … in its own unit
        shared["unit"] = pd.array(unit_ids, dtype=variables["unit"].dtype)
        industries = variables["industry"].to_numpy(dtype=object)[pieces.column]
        shared["name"] = pd.array(pair_names(unit_ids, industries), dtype=variables["name"].dtype)
        rows = pd.concat([variables.iloc[alone], shared], ignore_index=True)
        table = contribution_table(rows, np.r_[self.values[alone], pieces.value])
        # The full model's order: land variables by unit (table order), then industry; other kinds after.
        unit_at = np.r_[self._unit_at[alone], pieces.unit]
        column = np.r_[alone, pieces.column]
        later = (rows["kind"] != "land").to_numpy()
        order = np.lexsort((column, np.where(later, 0, unit_at), later))
        return table.iloc[order].reset_index(drop=True)

    @cached_property
    def constraints(self) -> pd.DataFrame:
        built = Result.constraints.func(self)
        pieces, members = self.pieces, self.split_units
        ids, rhs = self.classes.unit_ids[members], self.classes.land[members]
        activity = np.bincount(pieces.unit, weights=pieces.usage * pieces.value, minlength=len(self.classes.head))[members]
        unit_row = built.iloc[[self._land_row_of[int(u)] for u in self.merged_into[members]]].reset_index(drop=True)
        slack = slack_of(unit_row["sense"].to_numpy(dtype=object), rhs, activity)
        expanded = unit_row.assign(  # each unit's land row, as its merged unit's (its price is its class's)
            name=_formatted(land.NAME, ids),
            meaning=_formatted(land.MEANING, pd.Series(ids).map(names(self.scenario, "units")).to_numpy()),
            rhs=rhs,
            activity=activity,
            slack=slack,
            binding=np.abs(slack) <= binding_tolerance(rhs),
        )
        # The land block, in the full model's order (by unit id), where the built model has it.
        block = np.flatnonzero((built["family"] == land.FAMILY).to_numpy())
        replaced = [self._land_row_of[u] for u in np.unique(self.merged_into[members]).tolist()]
        kept = np.setdiff1d(block, replaced)
        owner = {index: unit for unit, index in self._land_row_of.items()}
        keys = np.r_[self.classes.unit_ids[[owner[i] for i in kept.tolist()]], ids]
        rows = pd.concat([built.iloc[kept], expanded], ignore_index=True).iloc[np.argsort(keys, kind="stable")]
        start = block.min() if len(block) else len(built)
        return pd.concat([built.iloc[:start], rows, built.iloc[start + len(block):]], ignore_index=True)

    def summary(self) -> dict:
        summary = super().summary()
        summary["size"].update(variables=self.full_size[0], constraints=self.full_size[1])
        return summary

    @cached_property
    def full_size(self) -> tuple[int, int]:
        """(variables, constraints) of the full model: each merged unit's variables and land row once per unit."""
        per_unit = np.bincount(self._unit_at[self._unit_at >= 0], minlength=len(self.merged_into))
        extra = np.bincount(self.merged_into, minlength=len(self.merged_into)) - 1  # per merged unit
        merged = np.flatnonzero(extra > 0)
        with_rows = np.array([u for u in merged.tolist() if u in self._land_row_of], dtype=np.int64)
        return (len(self.model.variables) + int(per_unit[merged] @ extra[merged]),
                len(self.model.constraints) + int(extra[with_rows].sum()))

    # ---- the full model, for whoever wants it (built on demand)

    @cached_property
    def full_model(self) -> Model:
        return build(self.scenario)

    @cached_property
    def full_solution(self) -> Solution:
        """The solution on ``full_model``: values by variable name, duals by row name (a unit's
        land row has its merged unit's)."""
        model = self.full_model
        values = pd.Series(self.contributions["value"].to_numpy(), index=self.contributions["name"])
        full_values = model.variables["name"].map(values).fillna(0.0).to_numpy(dtype=float)
        duals = dict(zip((c.name for c in self.model.constraints), self.solution.duals))
        ids = self.classes.unit_ids
        for unit in self.split_units.tolist():
            duals[land.NAME.format(key=ids[unit])] = duals[land.NAME.format(key=ids[self.merged_into[unit]])]
        full_duals = np.array([duals.get(c.name, np.nan) for c in model.constraints], dtype=float)
        return dataclasses.replace(self.solution, values=full_values, duals=full_duals)


def _formatted(template: str, keys: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``template.format(key=k)`` for every key, as one vectorized join (kept as text)."""
    before, after = template.split("{key}")
    return (before + pd.Series(keys, dtype=TEXT) + after).array
