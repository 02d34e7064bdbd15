"""Figures a run reports beside its plan: units used per industry, the MIP gap, the objective's
value in the console summary. On the tiny scenario of conftest.py (u1 10 km², u2 5 km²; hi:
output 10, 100 jobs per km²; lo: output 4, 300 jobs per km²)."""

from __future__ import annotations

import pytest

import optimizer
from conftest import write_tiny
from optimizer.cli import main
from optimizer.solvers.dispatch import relative_gap
from test_projects import knapsack


def project(id, industry, land, unit):
    return {"id": id, "industry": industry, "land_km2": land, "investment_100m_yuan": 1, "output_100m_yuan": 20,
            "carbon_t": 0, "allowed_units": unit}


def test_units_used_counts_the_units_of_placed_projects(tmp_path):
    # Projects alone: P (hi) may go only to u2, Q (lo) only to u1; both fit. Land only: hi in both.
    table = [project("P", "hi", 2, "u2"), project("Q", "lo", 8, "u1")]
    alone = optimizer.solve(write_tiny(tmp_path / "p", {"projects": {"land_allocation": False, "table": table}}))
    assert alone.objective == pytest.approx(40) and alone.allocation.empty
    assert alone.by_industry.set_index("industry")["units_used"].to_dict() == {"hi": 1, "lo": 1}
    land = optimizer.solve(write_tiny(tmp_path / "l"))
    assert land.by_industry.set_index("industry")["units_used"].to_dict() == {"hi": 2, "lo": 0}


def test_the_gap_is_relative_to_the_objective_or_absolute_below_one():
    assert relative_gap(120.0, 126.0) == pytest.approx(0.05)
    assert relative_gap(-200.0, -190.0) == pytest.approx(0.05)
    assert relative_gap(0.001, -0.023) == pytest.approx(0.024)  # a score near 0: no division by it
    assert relative_gap(0.0, 0.0) == 0.0


def test_a_weighted_mip_that_stops_within_its_gap_reports_a_gap_within_it(tmp_path):
    # A weighted score is near 0 at its optimum: CBC stopped within the requested 0.5 and the score's
    # gap read 24.0 (2,402 %) divided by the score 0.001, while the status said optimal.
    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s")).with_changes(
        projects={"table": knapsack(), "land_allocation": False, "investment_budget_100m_yuan": 30},
        carbon_budget={"total_mt": 5}, objective={"method": "weighted", "weights": {"output": 1, "land": 0.001}},
        solver={"mip_gap": 0.5})
    result = optimizer.solve(scenario, solver="cbc")
    assert result.status == "optimal"
    s = result.solution
    assert s.gap <= 0.5
    assert s.gap == pytest.approx(abs(s.best_bound - result.objective) / max(1.0, abs(result.objective)))


def test_the_console_summary_shows_a_non_output_objective(tmp_path, capsys):
    # Maximise jobs: every km² to lo, 15 × 300 = 4,500 persons.
    assert main(["run", str(write_tiny(tmp_path / "s", {"objective": "jobs"})), "--out", str(tmp_path / "run")]) == 0
    assert "\nobjective: maximise jobs = 4,500 persons\n" in capsys.readouterr().out
