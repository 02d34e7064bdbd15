"""The whole-district scenario (inputs/chongqing-districts.yaml, the default until the real sites) solves, and
every rule holds in its solution. The sites default has its own: tests/test_sites_default.py."""

from __future__ import annotations

import pytest

import optimizer
from conftest import DISTRICTS

TOL = 1e-6


def test_default_dataset_shape():
    s = optimizer.load_scenario(DISTRICTS)
    units = s.table("units")
    assert len(units) == 38
    assert units.groupby("zone").size().to_dict() == {
        "core": 6, "extension": 3, "new_area": 12, "northeast": 11, "southeast": 6
    }
    industries = s.table("industries")
    assert len(industries) >= 12
    assert {"modern_service", "logistics", "advanced_manufacturing", "manufacturing", "supporting", "green"} <= set(
        industries["category"]
    )
    for table in ("zones", "units", "industries"):
        frame = s.table(table)
        assert frame["name"].str.len().gt(0).all() and frame["name_zh"].str.len().gt(0).all(), table
    # Every coefficient carries a source or derivation in its table.
    for column in ("output", "carbon", "energy", "jobs", "pollutant"):
        assert industries[f"source_{column}"].str.len().gt(10).all(), column


def test_default_is_optimal_and_the_carbon_budget_binds(districts_result):
    r = districts_result
    assert r.status == "optimal"
    assert r.kpis["carbon_t"] == pytest.approx(20e6, rel=1e-6)
    row = r.constraints.set_index("name").loc["carbon_budget"]
    assert row["binding"] and row["shadow_price"] > 0
    # Without the budget the optimum is larger and emits more: the budget shapes the answer.
    free = optimizer.solve(r.scenario.with_changes(carbon_budget={"total_mt": None}))
    assert free.objective > r.objective * 1.01
    assert free.kpis["carbon_t"] > 20e6 * 1.5


def test_every_rule_holds_in_the_default_solution(districts_result):
    r = districts_result
    s = r.scenario
    a = r.allocation
    assert (a["land_km2"] > 0).all()
    # Zoning: each zone receives only the categories it admits, within its intensity caps.
    industries = s.table("industries")
    for zone, rule in s.zoning.items():
        here = a[a["zone"] == zone]
        assert set(here["category"]) <= set(rule.admits), zone
        intensity = industries["carbon_t_per_km2"] / (industries["output_100m_yuan_per_km2"] * 1e4)
        if rule.max_carbon_intensity_t_per_10k_yuan is not None:
            assert (intensity.reindex(here["industry"]) <= rule.max_carbon_intensity_t_per_10k_yuan + TOL).all()
        total = here["land_km2"].sum()
        for category, share in rule.share_min.items():
            assert here.loc[here["category"] == category, "land_km2"].sum() >= share * total - TOL
        for category, share in rule.share_max.items():
            assert here.loc[here["category"] == category, "land_km2"].sum() <= share * total + TOL
    # Land: no unit gives out more than it has.
    used = a.groupby("unit")["land_km2"].sum()
    available = s.table("units")["land_km2"]
    assert (used <= available.reindex(used.index) + TOL).all()
    # Carbon within budget (city and any zone budgets).
    assert a["carbon_t"].sum() <= s.carbon_budget.total_mt * 1e6 * (1 + 1e-9)
    for zone, limit in s.carbon_budget.by_zone_mt.items():
        assert a.loc[a["zone"] == zone, "carbon_t"].sum() <= limit * 1e6 * (1 + 1e-9)
    # Industry bounds.
    per_industry = a.groupby("industry")["land_km2"].sum().reindex(industries.index).fillna(0)
    assert (per_industry <= industries["max_km2"].fillna(float("inf")) + TOL).all()
    assert (per_industry >= industries["min_km2"].fillna(0) - TOL).all()
    # Objective equals the allocation's output, and the tables agree with each other.
    assert a["output_100m_yuan"].sum() == pytest.approx(r.objective)
    assert r.by_zone["land_km2"].sum() == pytest.approx(a["land_km2"].sum())
    assert r.by_industry["output_100m_yuan"].sum() == pytest.approx(r.objective)


def test_constraint_table_is_complete_and_named(districts_result):
    c = districts_result.constraints
    names = set(c["name"])
    assert "carbon_budget" in names
    assert {f"land[{u.id}]" for u in districts_result.scenario.units} <= names
    assert "share_min[extension,advanced_manufacturing]" in names
    assert set(c.columns) >= {"name", "family", "sense", "rhs", "activity", "slack", "shadow_price", "binding"}
    # A limit with slack has no price; a binding one may.
    assert (c.loc[c["slack"] > 1e-3, "shadow_price"].abs() < 1e-6).all()


def test_same_inputs_same_results():
    first, second = optimizer.solve(), optimizer.solve()
    assert first.objective == second.objective
    assert first.allocation.equals(second.allocation)
