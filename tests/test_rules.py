"""Each rule family alone changes the tiny scenario's optimum exactly as its math says.

The tiny scenario is described in conftest.py: u1 (zone a, 10 km²), u2 (zone b, 5 km²);
hi: output 10, carbon 0.5 Mt per km²; lo: output 4, carbon 0.1 Mt per km². Unconstrained by
anything but land, all 15 km² go to hi: output 150.
"""

from __future__ import annotations

import pytest

import optimizer
from conftest import INDUSTRIES, UNITS, write_tiny


def solve(tmp_path, changes=None, **tables):
    result = optimizer.solve(write_tiny(tmp_path / "s", changes, **tables))
    assert result.status == "optimal"
    return result


def land_of(result, unit, industry):
    a = result.allocation
    return float(a[(a["unit"] == unit) & (a["industry"] == industry)]["land_km2"].sum())


def price(result, name):
    return float(result.constraints.set_index("name").loc[name, "shadow_price"])


def test_land_only(tmp_path):
    # max 10·(h1+h2) + 4·(l1+l2) with h1+l1 ≤ 10, h2+l2 ≤ 5: all hi, 150.
    result = solve(tmp_path)
    assert result.objective == pytest.approx(150)
    assert land_of(result, "u1", "hi") == pytest.approx(10)
    # One more km² in u1 adds 10 (100m yuan) = 1e9 yuan.
    assert price(result, "land[u1]") == pytest.approx(10e8)
    model = result.model
    assert model.coefficients("land[u2]").to_dict() == {"x[u2,hi]": 1.0, "x[u2,lo]": 1.0}


def test_zoning_admission(tmp_path):
    # Zone b admits only g: u2 takes lo, 10·10 + 4·5 = 120; no variable for (u2, hi).
    result = solve(tmp_path, {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}})
    assert result.objective == pytest.approx(120)
    assert not ((result.model.pairs["unit"] == "u2") & (result.model.pairs["industry"] == "hi")).any()


def test_zone_carbon_intensity_cap(tmp_path):
    # hi: 500,000 t / (10 · 10⁴ ten-thousand yuan) = 5 t per 10k yuan; lo: 100,000 / 40,000 = 2.5.
    # A cap of 3 in zone b keeps only lo there: 120.
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m", "g"], "max_carbon_intensity_t_per_10k_yuan": 3}}
    assert solve(tmp_path, {"zoning": zoning}).objective == pytest.approx(120)


def test_zone_pollutant_intensity_cap(tmp_path):
    # hi: 50 t·1000 / 100,000 (10k yuan) = 0.5 kg per 10k yuan; lo: 5,000 / 40,000 = 0.125.
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m", "g"], "max_pollutant_intensity_kg_per_10k_yuan": 0.2}}
    assert solve(tmp_path, {"zoning": zoning}).objective == pytest.approx(120)


def test_share_min(tmp_path):
    # g ≥ 30 % of zone a's land: u1 = 7 hi + 3 lo → 70 + 12; u2 all hi → 50. Total 132.
    zoning = {"a": {"admits": ["m", "g"], "share_min": {"g": 0.3}}, "b": {"admits": ["m", "g"]}}
    result = solve(tmp_path, {"zoning": zoning})
    assert result.objective == pytest.approx(132)
    assert land_of(result, "u1", "lo") == pytest.approx(3)
    # The compiled row: (1[g] − 0.3)·x ≥ 0 over zone a's pairs.
    row = result.model.coefficients("share_min[a,g]").to_dict()
    assert row == pytest.approx({"x[u1,hi]": -0.3, "x[u1,lo]": 0.7})


def test_share_max(tmp_path):
    # m ≤ 60 % of zone a's land: u1 = 6 hi + 4 lo → 60 + 16; u2 → 50. Total 126.
    zoning = {"a": {"admits": ["m", "g"], "share_max": {"m": 0.6}}, "b": {"admits": ["m", "g"]}}
    assert solve(tmp_path, {"zoning": zoning}).objective == pytest.approx(126)


def test_city_carbon_budget_and_its_price(tmp_path):
    # Budget 5 Mt: max 10h + 4l, h + l ≤ 15, 0.5h + 0.1l ≤ 5 → h = 8.75, l = 6.25, output 112.5.
    # Duals: land p, carbon q (per Mt): 10 = p + 0.5q, 4 = p + 0.1q → q = 15, p = 2.5.
    # 15 (100m yuan) per Mt = 1,500 yuan per t CO2.
    result = solve(tmp_path, {"carbon_budget": {"total_mt": 5}})
    assert result.objective == pytest.approx(112.5)
    assert result.kpis["carbon_t"] == pytest.approx(5e6)
    assert price(result, "carbon_budget") == pytest.approx(1500)
    assert price(result, "land[u1]") == pytest.approx(2.5e8)
    assert result.constraints.set_index("name").loc["carbon_budget", "binding"]


def test_zone_carbon_budget(tmp_path):
    # Zone b may emit 0.5 Mt: 0.5h2 + 0.1l2 ≤ 0.5 with h2 + l2 ≤ 5 → h2 = 0, l2 = 5 (20);
    # u1 all hi (100). Total 120.
    result = solve(tmp_path, {"carbon_budget": {"by_zone_mt": {"b": 0.5}}})
    assert result.objective == pytest.approx(120)
    assert land_of(result, "u2", "lo") == pytest.approx(5)


def test_industry_max(tmp_path):
    # hi ≤ 12 km²: 12·10 + 3·4 = 132; one more km² of hi market is worth 10 − 4 = 6 → 6e8 yuan.
    industries = INDUSTRIES.replace("hi,High output,m,10,500000,1000,100,50,,", "hi,High output,m,10,500000,1000,100,50,,12")
    result = solve(tmp_path, industries=industries)
    assert result.objective == pytest.approx(132)
    assert price(result, "industry_max[hi]") == pytest.approx(6e8)


def test_industry_min(tmp_path):
    # lo ≥ 6 km²: 9·10 + 6·4 = 114; a minimum one km² lower would gain 6 → 6e8 yuan.
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,6,")
    result = solve(tmp_path, industries=industries)
    assert result.objective == pytest.approx(114)
    assert price(result, "industry_min[lo]") == pytest.approx(6e8)


def test_land_intensity_scales_every_coefficient(tmp_path):
    # u2 at intensity 2: hi there yields 20 per km² and emits 1 Mt: 100 + 100 = 200 output,
    # carbon 10·0.5 + 5·1 = 10 Mt.
    result = solve(tmp_path, units=UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,b,5,2"))
    assert result.objective == pytest.approx(200)
    assert result.kpis["carbon_t"] == pytest.approx(10e6)


def test_other_objective_minimise_carbon_with_a_floor(tmp_path):
    # Minimise carbon with lo ≥ 2 km²: the cheapest plan places exactly 2 km² of lo, 0.2 Mt.
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,2,")
    result = solve(tmp_path, {"objective": "carbon"}, industries=industries)
    assert result.objective == pytest.approx(2e5)
