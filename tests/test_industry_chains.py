"""Industry-chain docking on the tiny scenario (conftest.py): hi (output 10/km²) leads, lo (4/km²)
supports. Without the rule all 15 km² go to hi: output 150."""

from __future__ import annotations

import pytest

from test_rules import land_of, price, solve


def chain(**settings):
    return {"industry_chains": {"hi_lo": {"leading": ["hi"], "supporting": ["lo"], "ratio": 0.5, **settings}}}


def test_before_the_rule(tmp_path):
    assert solve(tmp_path).objective == pytest.approx(150)


def test_supporting_land_follows_the_leader_in_each_zone(tmp_path):
    # Per zone with land L: l ≥ 0.5h, h + l ≤ L → h = L/1.5, l = 0.5L/1.5; output (10 + 2)·L/1.5 = 8L.
    # 8 · 15 = 120. u1: h = 20/3, l = 10/3.
    # Duals (u1): land p, chain q: hi 10 = p + 0.5q, lo 4 = p − q → q = 4, p = 8 (100m yuan per km²).
    result = solve(tmp_path, chain())
    assert result.objective == pytest.approx(120)
    assert land_of(result, "u1", "hi") == pytest.approx(20 / 3)
    assert land_of(result, "u1", "lo") == pytest.approx(10 / 3)
    assert price(result, "chain[hi_lo,a]") == pytest.approx(4e8)
    assert price(result, "land[u1]") == pytest.approx(8e8)
    assert result.model.coefficients("chain[hi_lo,a]").to_dict() == {"x[u1,hi]": -0.5, "x[u1,lo]": 1.0}
    table = result.family_tables["industry_chains"].set_index("within")
    assert table.loc["a", "ratio_achieved"] == pytest.approx(0.5)
    assert table.loc["b", "supporting_km2"] == pytest.approx(table.loc["b", "required_km2"])
    assert table.loc["a", "shadow_price"] == pytest.approx(4e8)


def test_city_wide_and_clusters(tmp_path):
    # City-wide: the same 8 per km² everywhere: 120.
    assert solve(tmp_path / "city", chain(within="city")).objective == pytest.approx(120)
    # A cluster of u1 alone: u1 yields 8 · 10 = 80, u2 stays all hi: 50. Total 130.
    result = solve(tmp_path / "cluster", chain(within={"west": ["u1"]}))
    assert result.objective == pytest.approx(130)
    assert set(result.constraints.query("family == 'industry_chains'")["name"]) == {"chain[hi_lo,west]"}


def test_no_row_where_the_leader_cannot_go(tmp_path):
    # Zone b admits only g: no hi there, so no chain row for b; zone a as above: 80 + 4·5 = 100.
    zoning = {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}}
    result = solve(tmp_path, {**chain(), **zoning})
    assert result.objective == pytest.approx(100)
    assert "chain[hi_lo,b]" not in set(result.constraints["name"])


def test_a_chain_with_nowhere_to_apply_is_reported_empty(tmp_path):
    # The cluster is u2 in zone b, which admits only g: no row, an empty table, a whole results folder.
    zoning = {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}}
    result = solve(tmp_path, {**chain(within={"east": ["u2"]}), **zoning})
    assert result.objective == pytest.approx(120)
    assert result.family_tables["industry_chains"].empty
    assert (result.save(tmp_path / "run") / "industry_chains.csv").is_file()
