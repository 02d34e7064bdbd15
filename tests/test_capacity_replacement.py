"""Capacity replacement on the tiny scenario (conftest.py), with hi as the "two high" industry
(output 10, carbon 0.5 Mt per km²) and 3 km² of existing hi in u2 that may be retired (retiring
one km² loses 10 of output and frees 0.5 Mt). lo: output 4, carbon 0.1 Mt. Land only: 150."""

from __future__ import annotations

import pytest

import optimizer
from conftest import UNITS, write_tiny
from test_rules import price, solve


def replacement(ratio, within="city", **changes):
    settings = {"industries": ["hi"], "ratio": ratio, "within": within, "existing_km2": {"u2": {"hi": 3}}}
    return {"capacity_replacement": settings, **changes}


def totals(result, kind):
    c = result.contributions
    return c[c["kind"] == kind]


def test_replacement_at_par_makes_new_hi_worthless(tmp_path):
    # Ratio 1: each km² of new hi costs one km² of old hi: 10 − 10 = 0 < 4 of lo. All lo: 60.
    result = solve(tmp_path, replacement(1.0))
    assert result.objective == pytest.approx(60)
    assert totals(result, "retirement").empty


def test_retirement_pays_for_new_hi_until_the_stock_runs_out(tmp_path):
    # Ratio 0.25: new hi nets 10 − 2.5 = 7.5 > 4, so hi ≤ 3 / 0.25 = 12: hi 12, lo 3, r 3:
    # 120 + 12 − 30 = 102. One more km² of stock: 4 km² of hi instead of lo (+24) − 10 = 14.
    result = solve(tmp_path, replacement(0.25))
    assert result.objective == pytest.approx(102)
    assert price(result, "existing_capacity[u2,hi]") == pytest.approx(14e8)
    assert result.model.coefficients("capacity_replacement").to_dict() == {
        "x[u1,hi]": -0.25, "x[u2,hi]": -0.25, "r[u2,hi]": 1.0
    }
    # Retirement frees carbon but not land: the land rows do not see it.
    assert "r[u2,hi]" not in result.model.coefficients("land[u2]").index
    summary = result.family_tables["capacity_replacement"].set_index("within").loc["city"]
    assert summary["new_two_high_km2"] == pytest.approx(12)
    assert summary["retired_km2"] == pytest.approx(summary["required_retirement_km2"]) == pytest.approx(3)
    retired = result.family_tables["capacity_retirements"].iloc[0]
    assert retired["output_lost_100m_yuan"] == pytest.approx(30)
    assert retired["carbon_freed_t"] == pytest.approx(1.5e6)


@pytest.mark.parametrize("column", ["land_intensity", "land_intensity_m"])
def test_retirement_at_the_units_land_intensity_for_its_category(tmp_path, column):
    # u2 at land intensity 2 for hi (category m; for lo too with the general column, where lo's 8 is
    # still below hi's net). Ratio 0.25: a retired km² in u2 loses 20, so new hi nets 10 − 5 = 5 > 4
    # in u1 and 20 − 5 = 15 in u2: hi 12 (u2 5, u1 7), lo 3 in u1, r 3: 70 + 100 + 12 − 60 = 122.
    units = UNITS.replace("land_intensity\n", "land_intensity,land_intensity_m\n").replace(
        "a,10,1\n", "a,10,1,\n").replace("b,5,1\n", "b,5,1,2\n")
    result = solve(tmp_path, replacement(0.25), units=units if column == "land_intensity_m" else UNITS.replace("b,5,1", "b,5,2"))
    assert result.objective == pytest.approx(122)
    retired = result.family_tables["capacity_retirements"].iloc[0]
    assert retired["output_lost_100m_yuan"] == pytest.approx(60)


def test_replacement_within_each_zone(tmp_path):
    # Old hi stands only in zone b: zone a gets no new hi (all lo, 40); zone b: hi 5, r 1.25:
    # 50 − 12.5 = 37.5. Total 77.5.
    result = solve(tmp_path, replacement(0.25, within="zone"))
    assert result.objective == pytest.approx(77.5)
    assert {"capacity_replacement[a]", "capacity_replacement[b]"} <= set(result.constraints["name"])


def test_retirement_frees_carbon_budget(tmp_path):
    # Budget 2 Mt. Without the rule: 0.4h = 2 − 1.5 → h = 1.25, l = 13.75: 67.5.
    before = solve(tmp_path / "before", {"carbon_budget": {"total_mt": 2}})
    assert before.objective == pytest.approx(67.5)
    # Ratio 0.5: max 10h + 4l − 10r, h + l ≤ 15, 0.5h + 0.1l − 0.5r ≤ 2, r ≥ 0.5h, r ≤ 3.
    # Optimum h = 10/3, l = 35/3, r = 5/3: 190/3. Duals: land p, carbon q, rule s:
    # hi 10 = p + 0.5q + 0.5s, lo 4 = p + 0.1q, r: 10 = 0.5q + s → q = 20/3, p = 10/3, s = 20/3.
    result = solve(tmp_path / "after", replacement(0.5, carbon_budget={"total_mt": 2}))
    assert result.objective == pytest.approx(190 / 3)
    assert result.kpis["carbon_t"] == pytest.approx(2e6)  # net of the 5/6 Mt retired
    assert totals(result, "retirement")["value"].sum() == pytest.approx(5 / 3)
    assert price(result, "carbon_budget") == pytest.approx(20 / 3 * 100)  # yuan per t CO2
    assert price(result, "capacity_replacement") == pytest.approx(20 / 3 * 1e8)


def test_existing_capacity_must_be_of_a_two_high_industry(tmp_path):
    settings = replacement(1.0)
    settings["capacity_replacement"]["existing_km2"] = {"u2": {"lo": 1}}
    with pytest.raises(optimizer.ScenarioError, match=r"capacity_replacement.existing_km2.u2.*unknown two-high industry 'lo'"):
        optimizer.load_scenario(write_tiny(tmp_path, settings))


def test_existing_capacity_can_differ_from_new(tmp_path):
    # An old km² of hi yields half as much (5) and emits twice as much (1 Mt) as a new one.
    # Ratio 0.25, no budget: hi nets 10 − 0.25·5 = 8.75 > 4, so hi 12, lo 3, r 3: 120 + 12 − 15 = 117.
    result = solve(tmp_path, replacement(0.25, capacity_replacement={
        "industries": ["hi"], "ratio": 0.25, "existing_km2": {"u2": {"hi": 3}},
        "existing_multipliers": {"output": 0.5, "carbon": 2},
    }))
    assert result.objective == pytest.approx(117)
    retirement = result.model.variables.set_index("name").loc["r[u2,hi]"]
    assert (retirement["output"], retirement["carbon"], retirement["energy"]) == (-5, -1e6, -1000)


def test_without_existing_capacity_no_new_two_high_land(tmp_path):
    # Nothing to retire, so no new hi: all lo, 60. The rule's row is still reported.
    result = solve(tmp_path, {"capacity_replacement": {"industries": ["hi"]}})
    assert result.objective == pytest.approx(60)
    summary = result.family_tables["capacity_replacement"]
    assert summary[["within", "new_two_high_km2", "retired_km2"]].to_dict("records") == [
        {"within": "city", "new_two_high_km2": 0.0, "retired_km2": 0.0}
    ]
