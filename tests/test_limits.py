"""Soft limits: violated only when that pays, at the planner's penalty, and reported with their cost.

Tiny scenario (conftest.py) with a 5 Mt budget: the optimum is 112.5 and the budget's shadow price is
1,500 yuan per t CO2 (see test_rules.test_city_carbon_budget_and_its_price).
"""

from __future__ import annotations

import pandas as pd
import pytest

import optimizer
from conftest import industries, write_tiny
from optimizer.cli import main


def soft(tmp_path, limits, changes=None, **tables):
    return optimizer.solve(write_tiny(tmp_path / "s", {"limits": limits, **(changes or {})}, **tables))


def test_a_soft_budget_is_exceeded_when_its_penalty_is_below_its_price(tmp_path, capsys):
    # Penalty 1,000 < 1,500 yuan per t: every km² goes to hi (output 150, 7.5 Mt), 2.5 Mt over the budget at
    # 1,000 yuan per t = 2.5e9 yuan = 25 (100m yuan): objective 150 − 25 = 125 > 112.5.
    path = write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5},
                                       "limits": {"carbon": {"soft": True, "penalty_per_unit": 1000}}})
    result = optimizer.solve(path)
    assert result.status == "optimal" and result.objective == pytest.approx(125)
    assert result.kpis["output_100m_yuan"] == pytest.approx(150)
    (row,) = result.family_tables["violations"].to_dict("records")
    assert row["name"] == "carbon_budget" and row["activity"] == pytest.approx(7.5e6)
    assert row["violation"] == pytest.approx(2.5e6) and row["cost"] == pytest.approx(2.5e9)
    assert row["penalty_unit"] == "yuan output per t CO2" and row["cost_unit"] == "yuan output"
    assert result.constraints.set_index("name").loc["carbon_budget", "slack"] == pytest.approx(-2.5e6)
    # The results folder and the terminal say so.
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root)]) == 0
    assert "soft:   carbon_budget violated by 2.5 Mt CO2, costing 2,500,000,000 yuan output" in capsys.readouterr().out
    (folder,) = root.iterdir()
    assert pd.read_csv(folder / "violations.csv")["violation"].tolist() == pytest.approx([2.5e6])
    assert "## Violations" in (folder / "report.md").read_text(encoding="utf-8")


def test_a_soft_budget_holds_when_its_penalty_is_above_its_price(tmp_path):
    result = soft(tmp_path, {"carbon": {"soft": True, "penalty_per_unit": 2000}}, {"carbon_budget": {"total_mt": 5}})
    assert result.objective == pytest.approx(112.5)
    assert result.family_tables["violations"].empty


def test_a_soft_minimum_turns_an_infeasible_scenario_into_a_priced_shortfall(tmp_path):
    # lo ≥ 20 km² with 15 km² of land, the minimum soft at 5e8 yuan (5 per 100m yuan) per km² short.
    # With w = 20 − l the shortfall: max 10h + 4l − 5(20 − l) = 10h + 9l − 100, h + l ≤ 15 → h = 15: 50.
    result = soft(tmp_path, {"industry_bounds": {"soft": True, "penalty_per_unit": 5e8}},
                  industries=industries(lo=(20, None)))
    assert result.status == "optimal" and result.objective == pytest.approx(50)
    (row,) = result.family_tables["violations"].to_dict("records")
    assert row["name"] == "industry_min[lo]" and row["violation"] == pytest.approx(20)
    assert row["cost"] == pytest.approx(1e10)


def test_penalties_in_another_objective_are_in_its_unit(tmp_path):
    # Minimise carbon with lo ≥ 2 km² soft at 50,000 t CO2 per km²: placing lo costs 100,000 t per km², so the
    # minimum is left unmet: carbon 0, penalty 2 · 50,000 = 100,000.
    result = soft(tmp_path, {"industry_bounds": {"soft": True, "penalty_per_unit": 5e4}}, {"objective": "carbon"},
                  industries=industries(lo=(2, None)))
    assert result.objective == pytest.approx(1e5)
    (row,) = result.family_tables["violations"].to_dict("records")
    assert row["penalty_unit"] == "t CO2 carbon per km2" and row["violation"] == pytest.approx(2)


def test_soft_land_is_bought_at_its_price(tmp_path):
    # Land soft (at a penalty above what land earns) and lo ≥ 20: feasible, with land bought at the penalty.
    result = soft(tmp_path, {"land": {"soft": True, "penalty_per_unit": 1e10}}, industries=industries(lo=(20, None)))
    assert result.status == "optimal" and result.diagnosis is None
    assert result.family_tables["violations"]["violation"].sum() == pytest.approx(5)


def test_soft_limits_need_one_optimised_criterion(tmp_path, capsys):
    path = write_tiny(tmp_path / "s", {"objective": {"method": "weighted", "weights": {"output": 1, "carbon": 1}},
                                       "limits": {"carbon": {"soft": True, "penalty_per_unit": 5}}})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "field 'limits.carbon'" in err and "the objective is weighted(output 1, carbon 1)" in err
