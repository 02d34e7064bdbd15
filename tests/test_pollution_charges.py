"""Pollution charges on the tiny scenario (conftest.py): hi yields 10 and emits 50 t of pollutant
per km², lo 4 and 5 t. Zone a is u1 (10 km²). The base charge is 10 million yuan per t = 0.1
(100m yuan): high, so that the charge moves this tiny plan. Land only: 150, all hi."""

from __future__ import annotations

import pytest

import optimizer
from conftest import write_tiny
from test_rules import land_of, price, solve

BASE = 1e7  # yuan per t


def charges(standard, tiers):
    return {"pollution_charges": {"base_charge_yuan_per_t": BASE, "standards_t": {"a": standard}, "tiers": tiers}}


def test_a_charge_inside_the_first_tier(tmp_path):
    # Standard 300 t; tier 1 to 600 t at the base, tier 2 beyond at 4×. All hi in u1: 500 t, 200 t
    # charged at 0.1: 20. Swapping lo for hi gains 6 − 45·0.1 = 1.5 > 0, so all hi stays:
    # 150 − 20 = 130. One more t of standard saves the base charge.
    result = solve(tmp_path, charges(300, [{"up_to": 2, "multiple": 1}, {"multiple": 4}]))
    assert result.objective == pytest.approx(130)
    assert result.kpis["output_100m_yuan"] == pytest.approx(150)  # gross output; the charge is apart
    assert price(result, "pollution_standard[a]") == pytest.approx(BASE)
    table = result.family_tables["pollution_charges"].set_index("zone").loc["a"]
    assert table["excess_t"] == pytest.approx(200)
    assert table["charge_yuan"] == pytest.approx(20e8)
    assert table["charge_tier2_yuan"] == 0


def test_escalating_tiers_stop_at_the_kink(tmp_path):
    # Standard 200 t: tier 1 to 400 t at 0.1, beyond at 0.4. Swapping lo for hi (+45 t) gains
    # 6 − 4.5 > 0 in tier 1 but 6 − 18 < 0 in tier 2, so the load stops at 400 t:
    # 45h + 50 = 400 → h = 70/9; zone a yields 6h + 40; charge 200 · 0.1 = 20; u2 all hi, 50.
    result = solve(tmp_path, charges(200, [{"up_to": 2, "multiple": 1}, {"multiple": 4}]))
    assert land_of(result, "u1", "hi") == pytest.approx(70 / 9)
    assert result.objective == pytest.approx(6 * 70 / 9 + 40 + 50 - 20)
    assert result.family_tables["pollution_charges"].loc[0, "pollutant_t"] == pytest.approx(400)


def test_a_bounded_last_tier_is_a_total_amount_limit(tmp_path):
    # One tier to 1.5 × 200 = 300 t, nothing beyond: 45h + 50 ≤ 300 → h = 50/9; charge 100 · 0.1 = 10.
    result = solve(tmp_path, charges(200, [{"up_to": 1.5, "multiple": 1}]))
    assert result.objective == pytest.approx(6 * 50 / 9 + 40 + 50 - 10)


def test_the_charge_is_money_so_it_needs_the_output_objective(tmp_path):
    path = write_tiny(tmp_path / "carbon", {**charges(200, [{"multiple": 1}]), "objective": "carbon"})
    with pytest.raises(optimizer.ScenarioError, match="pollution_charges.*objective: output"):
        optimizer.load_scenario(path)
    # Output optimised under an epsilon bound on carbon is fine. With a standard (10,000 t) that is
    # never exceeded, the plan is that of the 5 Mt bound: h = 8.75, l = 6.25, output 112.5.
    epsilon = {"method": "epsilon", "optimize": "output", "bounds": {"carbon": 5e6}}
    result = solve(tmp_path / "epsilon", {**charges(10_000, [{"multiple": 1}]), "objective": epsilon})
    assert result.objective == pytest.approx(112.5)


def test_tiers_must_be_convex(tmp_path):
    path = write_tiny(tmp_path, charges(200, [{"up_to": 2, "multiple": 3}, {"multiple": 1}]))
    with pytest.raises(optimizer.ScenarioError, match="pollution_charges.*must not decrease"):
        optimizer.load_scenario(path)
