"""Resources besides land on the tiny scenario (conftest.py): hi uses 5 and lo 1 (10k m³ of water)
per km²; u1 has 40 of water, u2 no stated limit. hi yields 10 per km², lo 4. Land only: 150."""

from __future__ import annotations

import pytest

import optimizer
from conftest import INDUSTRIES, UNITS, write_tiny
from test_rules import price, solve

WATER = {"resources": {"water": {"name": "fresh water", "measured_in": "10k m3", "capacity_column": "water",
                                 "use_column": "water_per_km2"}}}
UNITS_WATER = UNITS.replace("land_intensity\n", "land_intensity,water\n").replace(
    "a,10,1\n", "a,10,1,40\n").replace("b,5,1\n", "b,5,1,\n")
INDUSTRIES_WATER = (
    INDUSTRIES.replace(",source\n", ",source,water_per_km2\n").replace(",test\nlo", ",test,5\nlo").replace(",test\n", ",test,1\n")
)


def test_a_unit_resource_limit_and_its_price(tmp_path):
    # u1: 5h + l ≤ 40, h + l ≤ 10 → 4h = 30: h = 7.5, l = 2.5, 85; u2 unlimited: all hi, 50. Total 135.
    # Duals in u1: 10 = p + 5q, 4 = p + q → q = 1.5 (100m yuan per 10k m³), p = 2.5.
    result = solve(tmp_path, WATER, units=UNITS_WATER, industries=INDUSTRIES_WATER)
    assert result.objective == pytest.approx(135)
    assert price(result, "resource[water,u1]") == pytest.approx(1.5e8)
    assert price(result, "land[u1]") == pytest.approx(2.5e8)
    assert "resource[water,u2]" not in set(result.constraints["name"])  # blank: no limit
    row = result.constraints.set_index("name").loc["resource[water,u1]"]
    assert row["unit"] == "10k m3" and row["meaning"] == "fresh water available in Unit one"
    table = result.family_tables["resources"].set_index("unit")
    assert table.loc["u1", "used_share"] == pytest.approx(1)
    assert table.loc["u2", "used"] == pytest.approx(25)


PER_CATEGORY = UNITS_WATER.replace(",water\n", ",water,land_intensity_m,land_intensity_g\n").replace(
    "a,10,1,40\n", "a,10,1,40,,\n").replace("b,5,1,\n", "b,5,1,,2,2\n")


@pytest.mark.parametrize("per_category", [False, True], ids=["land_intensity", "land_intensity_<category>"])
def test_a_city_total_scaled_by_land_intensity(tmp_path, per_category):
    # City total 75 and u2 at land intensity 2 (every per-km² effect doubles there, water too):
    # u2 all hi yields 100 for 50 of water; u1 then has 25 of water: 4h = 15 → h = 3.75, l = 6.25: 62.5.
    # Swapping u2's hi for lo frees 8 water and loses 12: worse than u1's 1.5 per unit of water. 162.5.
    # The same 2 given per category (for m and g) is the same scenario.
    settings = {"resources": {"water": {**WATER["resources"]["water"], "total": 75}}}
    units = PER_CATEGORY if per_category else UNITS_WATER.replace("b,5,1,\n", "b,5,2,\n")
    units = units.replace("a,10,1,40", "a,10,1,")
    result = solve(tmp_path, settings, units=units, industries=INDUSTRIES_WATER)
    assert result.model.coefficients("resource[water]")["x[u2,hi]"] == pytest.approx(10)
    assert result.objective == pytest.approx(162.5)


def test_a_projects_use_is_not_scaled_by_land_intensity(tmp_path):
    # Project P (hi, 2 km², output 30) may go only to u2, at land intensity 2 with 10 of water. Its
    # figures are absolute: it uses 5 × 2 = 10 of water (not 20), so it fits, alone: 30.
    settings = {**WATER, "projects": {"land_allocation": False, "table": [
        {"id": "P", "industry": "hi", "land_km2": 2, "investment_100m_yuan": 1, "output_100m_yuan": 30,
         "carbon_t": 0, "allowed_units": "u2"}]}}
    units = UNITS_WATER.replace("b,5,1,\n", "b,5,2,10\n")
    result = solve(tmp_path, settings, units=units, industries=INDUSTRIES_WATER)
    assert result.model.coefficients("resource[water,u2]").to_dict() == {"y[P,u2]": pytest.approx(10)}
    assert result.objective == pytest.approx(30)


def test_an_existing_column_can_be_a_resource(tmp_path):
    # Labour: jobs per km² (hi 100, lo 300) against 1,000 workers in u1: 100h + 300l ≤ 1000 with
    # h + l ≤ 10 → h = 10 uses exactly 1,000: the limit does not bite. 150.
    settings = {"resources": {"labour": {"measured_in": "persons", "capacity_column": "workers",
                                         "use_column": "jobs_per_km2"}}}
    units = UNITS_WATER.replace(",water\n", ",workers\n").replace("a,10,1,40\n", "a,10,1,1000\n")
    assert solve(tmp_path, settings, units=units).objective == pytest.approx(150)


@pytest.mark.parametrize(
    "units,industries,fragments",
    [
        (UNITS_WATER.replace("a,10,1,40", "a,10,1,lots"), INDUSTRIES_WATER, ["units.csv", "line 2", "units.water", "'lots'"]),
        (UNITS_WATER.replace("a,10,1,40", "a,10,1,-4"), INDUSTRIES_WATER, ["units.csv", "line 2", "units.water"]),
        (UNITS, INDUSTRIES_WATER, ["resources.water.capacity_column", "no column 'water'"]),
        (UNITS_WATER, INDUSTRIES, ["resources.water.use_column", "no column 'water_per_km2'"]),
    ],
)
def test_bad_resource_data(tmp_path, units, industries, fragments):
    with pytest.raises(optimizer.ScenarioError) as error:
        optimizer.load_scenario(write_tiny(tmp_path, WATER, units=units, industries=industries))
    for fragment in fragments:
        assert fragment in str(error.value)


def test_undeclared_columns_are_still_refused(tmp_path):
    with pytest.raises(optimizer.ScenarioError, match="unknown column 'water'"):
        optimizer.load_scenario(write_tiny(tmp_path, units=UNITS_WATER))
