"""The shipped sites scenarios (the 2013 default and 一区两群 2020) never give an absurd plan
(docs/sites-model.md §10), every rule holds in their solutions, and the plan is decided by data:
HiGHS, CBC and the unreduced model give the same land for every unit–industry pair."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.rules import site_attributes

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
TOL = 1e-6
INDUSTRIAL = {"electronics", "nev", "equipment", "auto_parts", "supporting_general", "consumer_goods", "materials",
              "chemicals", "clean_energy_equipment"}
SERVICES = {"software_bigdata", "design_culture", "health", "eco_tourism", "mountain_agri"}


@pytest.fixture(scope="module", params=["chongqing.yaml", "chongqing-2020.yaml"])
def run(request):
    return optimizer.solve(optimizer.load_scenario(INPUTS / request.param))


def placed(result):
    a = result.allocation
    site = site_attributes.attributes(result.scenario)
    return a[a["land_km2"] > TOL].join(site.drop(columns=["land_km2"]), on="unit")


def test_the_default_is_the_2013_sites_scenario_and_the_2020_one_says_so():
    default = optimizer.load_scenario()
    assert default.name == "chongqing-default" and default.sites.zone_column == "zone_2013"
    assert len(default.units) == 89 and {z.id for z in default.zones} == {"core", "extension", "new_area", "northeast", "southeast"}
    framework = optimizer.load_scenario(INPUTS / "chongqing-2020.yaml")
    assert "一区两群" in framework.description and framework.sites.zone_column == "zone_2020"
    assert {z.id for z in framework.zones} == {"central", "metro_new", "three_gorges", "wuling"}
    districts = optimizer.load_scenario(INPUTS / "chongqing-districts.yaml")
    assert len(districts.units) == 38 and districts.sites is None


def test_both_frameworks_solve_with_the_carbon_budget_binding(run):
    assert run.status == "optimal"
    assert run.kpis["carbon_t"] == pytest.approx(20e6, rel=1e-6)
    # The same admissions and intensities under both frameworks give the same plan (docs/sites-model.md §6).
    assert run.kpis["output_100m_yuan"] == pytest.approx(33078.2514, rel=1e-7)
    # The reported objective adds the tie-break's bonus: at most δ per km² allocated.
    bonus = run.objective - run.kpis["output_100m_yuan"]
    assert 0 < bonus <= run.scenario.site_preference.per_km2 * run.kpis["land_km2"]


def test_no_absurd_plan(run):
    p = placed(run)
    s = run.scenario
    by = lambda k: p[p["industry"] == k]  # noqa: E731
    # 1. finance only in the two CBDs; 2. chemicals only in chemical parks.
    assert set(by("finance")["unit_type"]) <= {"cbd"} and len(by("finance")) == 2
    assert set(by("chemicals")["unit_type"]) <= {"chemical_park"}
    # 3. no industry in a remainder or a CBD.
    assert not (p["industry"].isin(INDUSTRIAL) & ~p["park"]).any()
    # 4. logistics at the hub ports at least 5.77 km², and only where there is a node.
    assert by("logistics").loc[by("logistics")["port_class"] == "hub", "land_km2"].sum() >= 5.77 - TOL
    assert by("logistics")["node"].all()
    # 5. services only in the 2013 core; remainders hold services or green industry only, within the caps.
    if s.sites.zone_column == "zone_2013":
        assert (p.loc[p["zone"] == "core", "category"] == "modern_service").all()
    remainders = p[p["unit_type"] == "district_remainder"]
    assert set(remainders["industry"]) <= SERVICES
    industries = s.table("industries")
    for zone, rule in s.zoning.items():
        cap = rule.max_carbon_intensity_t_per_10k_yuan
        here = remainders[remainders["zone"] == zone]
        if cap is not None and len(here):
            intensity = industries["carbon_t_per_km2"] / (industries["output_100m_yuan_per_km2"] * 1e4)
            assert (intensity.reindex(here["industry"]) <= cap + TOL).all(), zone
    # 6. a park holds its leading industries, their partners, logistics at a node: nothing else.
    parks = p[p["park"]]
    for _, row in parks.iterrows():
        k = row["industry"]
        assert k in row["leading"] | row["partners"] or (k == "logistics" and row["node"]), (row["unit"], k)
    # 7. a logistics hub's allocated land is at least half logistics.
    hubs = p[p["unit_type"] == "logistics_hub"].groupby("unit")
    for unit, mine in hubs:
        assert mine.loc[mine["industry"] == "logistics", "land_km2"].sum() >= 0.5 * mine["land_km2"].sum() - TOL, unit
    # 8. the intake: park land, the Riverside parks, the new area's share, the cluster shares.
    intake = s.intake
    total = parks["land_km2"].sum()
    assert total <= intake.city_max_km2 + TOL
    assert parks.loc[parks["riverside"], "land_km2"].sum() <= intake.riverside_max_km2 + TOL
    for zone, share in intake.zone_share_min.items():
        assert parks.loc[parks["zone"] == zone, "land_km2"].sum() >= share * total - TOL
    capped = set()
    for cap in intake.caps.values():
        capped |= set(cap.industries)
        assert parks.loc[parks["industry"].isin(cap.industries), "land_km2"].sum() <= cap.max_km2 + TOL
    others = parks[~parks["industry"].isin(capped)].groupby("industry")["land_km2"].sum()
    assert (others <= intake.other_industries_max_km2 + TOL).all()
    service_remainders = remainders.groupby("unit")["industry"].apply(set)
    assert len(set.union(*service_remainders)) > 1  # no one industry fills every remainder
    # 11. no unit above its land; every site's district statistics are its own district's.
    used = p.groupby("unit")["land_km2"].sum()
    assert (used <= s.table("units")["land_km2"].reindex(used.index) + TOL).all()
    why = run.family_tables["why_here"]
    districts = {d.adcode: d for d in s.sites.districts}
    assert len(why) == len(p)
    for _, row in why.iterrows():
        assert row["district"] == districts[row["adcode"]].id
        gdp = districts[row["adcode"]].gdp_100m_yuan
        assert row["district_gdp_100m_yuan"] == gdp if gdp is not None else pd.isna(row["district_gdp_100m_yuan"])


def test_admissions_a_planner_expects(run):
    admitted = set(run.model.pairs["name"])
    for park in ("xiyong", "cq_etdz", "cq_hitech"):
        assert f"x[{park},electronics]" in admitted, park
    assert "x[wanzhou_jiulong,chemicals]" in admitted
    assert {name for name in admitted if name.startswith("x[yuzhong_rest,")} <= {
        f"x[yuzhong_rest,{k}]" for k in ("software_bigdata", "design_culture", "health")}
    assert not any(name.startswith("x[tongnan_rest,") for name in admitted)  # the new area's remainders: nothing
    chemicals = {name for name in admitted if name.endswith(",chemicals]")}
    assert chemicals == {"x[changshou_etdz,chemicals]", "x[fuling_baitao,chemicals]", "x[wanzhou_jiulong,chemicals]"}


def test_every_unit_says_why_it_won(run):
    why = run.family_tables["why_here"].set_index(["unit", "industry"])
    assert why.loc[("xiyong", "electronics"), "reasons"].startswith("leading; multiplier:1.119")
    assert "port:longtou" in why.loc[("fuling_longqiao", "logistics"), "reasons"]
    assert why["reasons"].str.contains("land:").all() and why["reasons"].str.contains("tie_break:").all()
    assert {"district_gdp_100m_yuan", "district_industrial_output_100m_yuan", "district_population",
            "district_co2_2017_mt", "land_shadow_price"} <= set(why.columns)


def land_by_pair(result) -> pd.Series:
    pairs = result.model.pairs
    return pd.Series(result.values[pairs.index] * pairs["land"].to_numpy(), index=pairs["name"].to_numpy())


def test_highs_cbc_and_the_unreduced_model_give_the_same_land_for_every_pair(run):
    reference = land_by_pair(run)
    for solver in ({"name": "cbc"}, {"reduce": False}):
        other = land_by_pair(optimizer.solve(run.scenario.with_changes(solver=solver)))
        assert other.index.equals(reference.index)
        assert np.abs(other.to_numpy() - reference.to_numpy()).max() <= 1e-6, solver


def test_every_compiled_row_holds_and_zoning_admits_every_pair(run):
    model = run.model
    activity = model.activity(run.values)
    for c, value in zip(model.constraints, activity):
        slack = 1e-6 * max(1.0, abs(c.rhs))
        assert (value <= c.rhs + slack) if c.sense == "<=" else (value >= c.rhs - slack), c.name
    p = placed(run)
    for zone, rule in run.scenario.zoning.items():
        here = p[p["zone"] == zone]
        outside = here[~here["category"].isin(rule.admits)]
        assert all(k in lead for k, lead in zip(outside["industry"], outside["leading"])), zone  # only a park's own


def test_the_tie_break_changes_the_optimum_by_less_than_its_stated_tolerance(run):
    plain = optimizer.solve(run.scenario.with_changes(site_preference=None))
    assert plain.status == "optimal" and plain.objective == pytest.approx(plain.kpis["output_100m_yuan"], rel=1e-12)
    tolerance = run.scenario.site_preference.per_km2 * run.kpis["land_km2"]
    assert plain.kpis["output_100m_yuan"] - tolerance <= run.kpis["output_100m_yuan"] <= plain.kpis["output_100m_yuan"] + 1e-6
