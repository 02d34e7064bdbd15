"""Solution → planning tables: allocation, totals by zone and industry, constraints with prices.

Shadow prices follow one convention everywhere: the gain in the objective per unit of relaxed
limit (a ``<=`` limit raised, a ``>=`` limit lowered), in the user's units: for the output
objective, yuan of output per km² of land, per t CO2 of budget, and so on. A positive price
means relaxing the limit would help; zero means it does not bind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..compile.model import Model
from ..compile.soft_limits import price_unit
from ..core.criteria import TOTAL_COLUMNS
from ..core.exit_codes import BY_STATUS
from ..core.numbers import binding_tolerance
from ..core.outcomes import Diagnosis, Solution
from ..core.units import TONNES_PER_MT, YUAN_PER_100M
from ..scenario.model import Scenario

COLUMNS = TOTAL_COLUMNS  # criterion -> column name of its total in result tables
ALLOCATION_KINDS = ("land", "park")  # variables that allocate land to an industry in a unit



@dataclass
class Result:
    """A solved scenario. Tables are pandas DataFrames; ``save(folder)`` writes a results folder."""

    scenario: Scenario
    model: Model = field(repr=False)
    solution: Solution = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # shown in the summary and every report
    provenance: dict = field(default_factory=dict)  # extra facts for manifest.json: started, rerun_of
    method_tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # e.g. a multi-criteria method's payoff table
    diagnosis: Diagnosis | None = None  # why an infeasible scenario is infeasible (optimizer.analysis.diagnosis)

    # ---- status

    @property
    def status(self) -> str:
        return self.solution.status

    @property
    def objective(self) -> float | None:
        return self.solution.objective

    @property
    def exit_code(self) -> int:
        return BY_STATUS[self.status]

    @property
    def has_solution(self) -> bool:
        """Optimal, or the best solution found before the solver stopped (then ``status`` says which)."""
        return self.solution.has_solution

    @property
    def full_model(self) -> Model:
        """The model of the whole scenario: ``model`` itself, unless alike units were merged
        before building (``optimizer.reduction.scenario_merge``), when it is built on demand."""
        return self.model

    @property
    def full_solution(self) -> Solution:
        """The solution of ``full_model``: ``solution`` itself, unless units were merged before building."""
        return self.solution

    # ---- tables

    @cached_property
    def values(self) -> np.ndarray:
        """The solution value of every variable (zeros when there is no solution)."""
        values = self.solution.values if self.has_solution else np.zeros(len(self.model.variables))
        # Solver noise (|v| below 1e-9) is not a decision.
        return np.where(np.abs(values) < 1e-9, 0.0, values)

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """Every variable with a non-zero value: its place, value, and effect on each criterion."""
        used = np.flatnonzero(self.values)
        return contribution_table(self.model.variables.iloc[used], self.values[used])

    @cached_property
    def allocation(self) -> pd.DataFrame:
        """One row per (unit, industry) that receives land: x[u,k] plus any park land y[p,k] in u."""
        land = self.contributions[self.contributions["kind"].isin(ALLOCATION_KINDS)]
        names = self.scenario.table("units")["name"]
        industry_names = self.scenario.table("industries")["name"]
        place = ["unit", "zone", "industry", "category"]
        table = land.groupby(place, sort=False, as_index=False)[list(COLUMNS.values())].sum()
        table.insert(1, "unit_name", names.reindex(table["unit"]).to_numpy())
        table.insert(4, "industry_name", industry_names.reindex(table["industry"]).to_numpy())
        return table.reset_index(drop=True)

    def _totals(self, by: str) -> pd.DataFrame:
        """Totals over every kind of variable (land allocation and whatever families add)."""
        return self.contributions.groupby(by)[list(COLUMNS.values())].sum()

    @cached_property
    def by_zone(self) -> pd.DataFrame:
        zones = self.scenario.table("zones")
        units = self.scenario.table("units")
        table = pd.DataFrame({"name": zones["name"], "name_zh": zones["name_zh"]})
        table["units"] = units.groupby("zone").size().reindex(zones.index).fillna(0).astype(int)
        table["land_available_km2"] = units.groupby("zone")["land_km2"].sum().reindex(zones.index).fillna(0.0)
        table = table.join(self._totals("zone")).fillna({c: 0.0 for c in COLUMNS.values()})
        table["land_used_share"] = _share(table["land_km2"], table["land_available_km2"])
        budget = self.scenario.carbon_budget.by_zone_mt
        table["carbon_budget_t"] = pd.Series({z: b * TONNES_PER_MT for z, b in budget.items()}, dtype=float).reindex(zones.index)
        table.index.name = "zone"
        return table.reset_index()

    @cached_property
    def by_industry(self) -> pd.DataFrame:
        industries = self.scenario.table("industries")
        table = industries[["name", "name_zh", "category", "min_km2", "max_km2"]].copy()
        table = table.join(self._totals("industry")).fillna({c: 0.0 for c in COLUMNS.values()})
        placed = self.contributions[self.contributions["land_km2"] > 0]  # land, park land and projects
        table["units_used"] = placed.groupby("industry")["unit"].nunique().reindex(table.index).fillna(0).astype(int)
        table.index.name = "industry"
        return table.reset_index()

    @cached_property
    def constraints(self) -> pd.DataFrame:
        """Every constraint: rhs, activity, slack, shadow price (gain per unit relaxed), binding."""
        criterion = self.model.criterion
        constraints = self.model.constraints
        senses = [c.sense for c in constraints]
        sense = np.array(senses, dtype=object)
        rhs = np.array([c.rhs for c in constraints], dtype=float)
        if self.has_solution:
            activity = self.model.activity(self.values)
        else:
            activity = np.full(len(constraints), np.nan)
        slack = slack_of(sense, rhs, activity)
        direction = np.where(sense != ">=", 1.0, -1.0) * (1.0 if criterion.sense == "max" else -1.0)
        units = [c.unit for c in constraints]
        per_unit = {unit: _price(1.0, criterion, unit) for unit in set(units)}  # (factor, price unit)
        factor = np.array([per_unit[unit][0] for unit in units], dtype=float)
        return pd.DataFrame(
            {
                "name": [c.name for c in constraints],
                "family": [c.family for c in constraints],
                "meaning": [c.meaning for c in constraints],
                "sense": senses,
                "rhs": rhs,
                "unit": units,
                "activity": activity,
                "slack": slack,
                "shadow_price": direction * self.solution.duals * factor + 0.0,  # + 0.0: -0.0 → 0.0
                "shadow_price_unit": [per_unit[unit][1] for unit in units],
                "binding": self.has_solution & (np.abs(slack) <= binding_tolerance(rhs)),
            }
        )

    @cached_property
    def kpis(self) -> dict[str, float | None]:
        totals = {column: float(self.contributions[column].sum()) for column in COLUMNS.values()}
        land_available = float(sum(unit.land_km2 for unit in self.scenario.units))
        budget = self.scenario.carbon_budget.total_mt
        return {
            **totals,
            "carbon_mt": totals["carbon_t"] / TONNES_PER_MT,
            "carbon_budget_mt": budget,
            "carbon_budget_used": (totals["carbon_t"] / (budget * TONNES_PER_MT)) if budget else None,
            "land_available_km2": land_available,
            "land_used_share": totals["land_km2"] / land_available if land_available else None,
            "output_per_t_co2_yuan": (totals["output_100m_yuan"] * YUAN_PER_100M / totals["carbon_t"])
            if totals["carbon_t"]
            else None,
            **{name: float(self.model.criterion_vector(name) @ self.values) for name in self.scenario.indicators},
        }

    @cached_property
    def family_tables(self) -> dict[str, pd.DataFrame]:
        """Tables that rule families report (a family's optional ``tables(result)`` hook).

        Each is written as ``<name>.csv`` in the results folder and shown in the report, after
        them the tables of the method that produced the result (``method_tables``).
        """
        from ..compile import soft_limits as limits
        from ..rules import RULE_FAMILIES

        tables: dict[str, pd.DataFrame] = {}
        for family in (*RULE_FAMILIES, limits):
            if hasattr(family, "tables") and self.has_solution:
                tables.update(family.tables(self))
        return {**tables, **self.method_tables}

    @cached_property
    def uniqueness(self):
        """Whether the optimal plan is the only one (``optimizer.analysis.alternatives.uniqueness``)."""
        from ..analysis.alternatives import uniqueness

        return uniqueness(self)

    # ---- summary and saving

    def summary(self) -> dict:
        criterion = self.model.criterion
        s = self.solution
        return {
            "scenario": self.scenario.name,
            "status": s.status,
            "message": s.message,
            "objective": {
                "criterion": criterion.name,
                "sense": criterion.sense,
                "value": s.objective,
                "unit": criterion.unit,
                "best_bound": s.best_bound,
                "gap": s.gap,
            },
            "kpis": self.kpis,
            "uniqueness": self.uniqueness.to_dict(),
            "shadow_price_basis": s.dual_basis or None,
            "warnings": list(self.warnings),
            "solver": {"name": s.solver, "version": s.solver_version, "options": s.options, "seconds": s.seconds},
            "size": {
                "variables": len(self.model.variables),
                "integer_variables": int(self.model.variables["integer"].sum()),
                "constraints": len(self.model.constraints),
            },
            "timings_s": self.timings,
        }

    def save(self, folder: str | Path | None = None, results_root: str | Path = "results", progress=None) -> Path:
        """Write a new results folder (whole or not at all) and return its path; ``progress``: an
        ``optimizer.core.progress.Progress`` to report its stages to."""
        from ..reporting.folder import write_results

        started = time.perf_counter()
        path = write_results(self, folder, results_root, report_started=started, progress=progress)
        return path

    def __repr__(self) -> str:
        if not self.has_solution:
            return f"Result({self.scenario.name!r}: {self.status})"
        k = self.kpis
        carbon = f"{k['carbon_mt']:.2f} Mt CO2"
        if k["carbon_budget_mt"]:
            carbon += f" of {k['carbon_budget_mt']:g} Mt"
        return (
            f"Result({self.scenario.name!r}: {self.status}, output {k['output_100m_yuan']:,.1f} (100m yuan), "
            f"{carbon}, land {k['land_km2']:.1f} of {k['land_available_km2']:.1f} km2)"
        )


    def _repr_html_(self) -> str:
        from ..reporting.html import result_html

        return result_html(self)


def contribution_table(variables: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """Variables (rows of a model's table) at their values: place, value, effect on each criterion."""
    table = variables[["name", "kind", "unit", "zone", "industry", "category"]].reset_index(drop=True)
    table["value"] = values
    for criterion, column in COLUMNS.items():
        table[column] = variables[criterion].to_numpy() * values
    return table


def slack_of(sense: np.ndarray, rhs: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """How far each row is from its limit (negative: violated; an equality is never slack)."""
    return np.where(sense == "<=", rhs - activity, np.where(sense == ">=", activity - rhs, -np.abs(activity - rhs)))


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).astype(float)


def _price(value: float, criterion, row_unit: str) -> tuple[float, str]:
    """A dual in objective units per row unit, turned into the reported units."""
    return value * (YUAN_PER_100M if criterion.name == "output" else 1.0), price_unit(criterion, row_unit)
