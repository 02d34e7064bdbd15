"""Balanced regional development on variants of the tiny scenario (conftest.py)."""

from __future__ import annotations

import pytest

import optimizer
from conftest import INDUSTRIES, UNITS, write_tiny
from test_rules import solve

# Zone b admits only hi, and hi's market is 3 km². Without balance: hi 3 in u2 (30), lo 10 in
# u1 (40): 70, with zone a using 100 % of its land and zone b 60 %.
ONLY_HI_IN_B = {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m"]}}}
HI_MAX_3 = INDUSTRIES.replace("hi,High output,m,10,500000,1000,100,50,,", "hi,High output,m,10,500000,1000,100,50,,3")


def land_balance(tmp_path, tolerance, **settings):
    changes = {**ONLY_HI_IN_B, "balance": {"measure": "land_share", "tolerance": tolerance, **settings}}
    return solve(tmp_path, changes, industries=HI_MAX_3)


def test_before_the_rule(tmp_path):
    assert solve(tmp_path, ONLY_HI_IN_B, industries=HI_MAX_3).objective == pytest.approx(70)


def test_equal_proportional_development(tmp_path):
    # Tolerance 0: used_a / 10 = used_b / 5. used_b = hi_b ≤ 3; with hi_a = c, lo_a = 2·hi_b − c,
    # output 10(hi_b + c) + 4(2hi_b − c) = 18hi_b + 6c with hi_b + c ≤ 3 → hi_b = 3, c = 0, lo_a = 6: 54.
    result = land_balance(tmp_path, 0)
    assert result.objective == pytest.approx(54)
    by_zone = result.by_zone.set_index("zone")
    assert by_zone.loc["a", "land_used_share"] == pytest.approx(by_zone.loc["b", "land_used_share"]) == pytest.approx(0.6)
    # The compiled row for zone a: used_a − (2/3)·(used_a + used_b) ≤ 0.
    assert result.model.coefficients("balance_max[a]").to_dict() == pytest.approx(
        {"x[u1,hi]": 1 / 3, "x[u1,lo]": 1 / 3, "x[u2,hi]": -2 / 3}
    )
    table = result.family_tables["regional_balance"].set_index("zone")
    assert table["value"].tolist() == pytest.approx([0.6, 0.6])


def test_a_tolerance_widens_the_band(tmp_path):
    # ±25 %: A ≤ 1.25·(2/3)(A + B) → A ≤ 5B; B ≥ 0.75·(1/3)(A + B) → A ≤ 3B; the lower bounds give
    # A ≥ 1.4B. So lo_a ≤ 3·hi_b = 9: 30 + 36 = 66.
    result = land_balance(tmp_path, 0.25)
    assert result.objective == pytest.approx(66)
    assert result.constraints.set_index("name").loc["balance_min[b]", "binding"]


def test_members_default_to_zones_that_admit_something(tmp_path):
    # Zone b closed: it is no member, so zone a alone is the reference and the rule cannot bind.
    closed = {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": []}}, "balance": {"tolerance": 0}}
    result = solve(tmp_path, closed)
    assert result.objective == pytest.approx(100)


def test_output_per_resident(tmp_path):
    # 10 (10k) residents in each unit: output_a = output_b at tolerance 0, and u2 yields at most 50,
    # so 100. At ±20 %: A ≤ 1.2·0.5·(A + B) → A ≤ 1.5B = 75: 125.
    units = UNITS.replace("land_intensity\n", "land_intensity,population_10k\n").replace(",1\n", ",1,10\n")
    for tolerance, expected in ((0, 100), (0.2, 125)):
        result = solve(
            tmp_path / str(tolerance),
            {"balance": {"measure": "output_per_resident", "level": "unit", "tolerance": tolerance}},
            units=units,
        )
        assert result.objective == pytest.approx(expected)
        assert "balance_max[u1]" in set(result.constraints["name"])


def test_output_per_resident_needs_populations(tmp_path):
    path = write_tiny(tmp_path, {"balance": {"measure": "output_per_resident", "tolerance": 0.1}})
    with pytest.raises(optimizer.ScenarioError, match=r"units.csv.*line 2.*population"):
        optimizer.load_scenario(path)
