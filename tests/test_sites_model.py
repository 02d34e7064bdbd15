"""The sites families on a tiny table of sites, each case with an optimum worked out by hand.

    zones a (admits m, g) and b (admits g only); no carbon budget
    industries hi (category m): output 10, carbon 500,000 t per km²;  lo (g): output 4, carbon 100,000
    units  chem  zone a, chemical_park,      4 km², leading hi
           park  zone a, municipal_park,     4 km², leading lo, port p1 (a hub port)
           rest  zone a, district_remainder, 2 km²
           eco   zone b, municipal_park,     3 km², leading hi

Without any sites family every km² of zone a goes to hi and eco's to lo: 100 + 12 = 112.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
import yaml

import optimizer
from optimizer.core.errors import ScenarioError
from optimizer.rules import agglomeration, site_preference

from conftest import write_tiny

SITES = textwrap.dedent(
    """\
    id,name,zone_2013,land_km2,unit_type,leading_industries,port,port_class,existing_output_100m_yuan,output_kind,adcode
    chem,Chemical park,a,4,chemical_park,hi,,,,,500101
    park,Port park,a,4,municipal_park,lo,p1,hub,,,500101
    rest,Remainder,a,2,district_remainder,,,,,,500101
    eco,Eco park,b,3,municipal_park,hi,,,,,500102
    """
)
SITES_SECTION = {"zone_column": "zone_2013"}
ZONING = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}


def solve(tmp_path, changes=None, units=SITES):
    path = write_tiny(tmp_path / "sites", {"sites": SITES_SECTION, "zoning": ZONING, **(changes or {})}, units=units)
    return optimizer.solve(optimizer.load_scenario(path))


def land(result, unit, industry):
    a = result.allocation
    return float(a.loc[(a["unit"] == unit) & (a["industry"] == industry), "land_km2"].sum())


def pairs(result):
    return set(result.model.pairs["name"])


def test_the_zone_column_of_the_framework_is_read_and_no_family_changes_the_optimum(tmp_path):
    r = solve(tmp_path)
    assert r.objective == pytest.approx(112)
    assert r.scenario.table("units")["zone"].to_dict() == {"chem": "a", "park": "a", "rest": "a", "eco": "b"}


def test_admission_by_type_and_docking(tmp_path):
    r = solve(tmp_path, {"site_admission": {
        "only_in_unit_types": {"hi": ["chemical_park"]},
        "unit_type_admits": {"district_remainder": ["lo"]},
        "dock": True,
    }})
    # chem takes its leading hi; park its leading lo (hi only in chemical parks); rest lo (remainders);
    # eco nothing (hi only in chemical parks, lo neither leads there nor partners hi).
    assert pairs(r) == {"x[chem,hi]", "x[park,lo]", "x[rest,lo]"}
    assert r.objective == pytest.approx(4 * 10 + 4 * 4 + 2 * 4)
    table = r.family_tables["site_admission"].set_index("unit")
    assert "hi only in chemical_park" in table.loc["park", "excluded"]


def test_a_parks_leading_industry_passes_its_zones_categories(tmp_path):
    on = solve(tmp_path, {"site_admission": {"leading_override_zone": True}})
    assert "x[eco,hi]" in pairs(on) and on.objective == pytest.approx(100 + 3 * 10)
    off = solve(tmp_path, {"site_admission": {}})
    assert "x[eco,hi]" not in pairs(off) and off.objective == pytest.approx(112)


def test_transport_needs_a_node_or_a_port(tmp_path):
    r = solve(tmp_path, {"site_admission": {"needs_node": ["lo"], "needs_port": ["hi"]}})
    # lo only at park (the one node); hi only where it leads (chem, eco) or at a port (park).
    assert pairs(r) == {"x[chem,hi]", "x[park,hi]", "x[park,lo]"}
    assert r.objective == pytest.approx(80)  # eco: hi fails zone b, lo has no node; rest: neither


def test_agglomeration_multiplies_output_of_leading_industries_and_partners(tmp_path):
    units = SITES.replace("chem,Chemical park,a,4,chemical_park,hi,,,,,500101", "chem,Chemical park,a,4,chemical_park,hi,,,100,gross_output,500101")
    r = solve(tmp_path, {"agglomeration": {}}, units=units)
    scenario = r.scenario
    frame = r.model.pairs
    mu = dict(zip(frame["name"], agglomeration.multipliers(scenario, frame)))
    assert mu["x[chem,hi]"] == pytest.approx(1 + 0.05 + 0.02 * 1)  # log2(1 + 100/100) = 1
    eco_hi = pd.DataFrame({"unit": ["eco"], "industry": ["hi"]})  # not admitted in zone b, but it leads there
    assert agglomeration.multipliers(scenario, eco_hi)[0] == pytest.approx(1.05)  # no comparable output: Q = 0
    assert mu["x[chem,lo]"] == 1.0 and mu["x[rest,hi]"] == 1.0  # not a partner; not a park
    # chem 4 × 10 × 1.07, park 4 × 10, rest 2 × 10, eco 3 × 4 (lo is not a leading industry there)
    assert r.objective == pytest.approx(42.8 + 40 + 20 + 12)
    assert r.kpis["carbon_t"] == pytest.approx((4 + 4 + 2) * 500_000 + 3 * 100_000)  # carbon is not multiplied
    capped = solve(tmp_path, {"agglomeration": {"max_multiplier": 1.06}}, units=units)
    assert capped.objective == pytest.approx(4 * 10 * 1.06 + 40 + 20 + 12)
    why = r.family_tables["why_here"].set_index(["unit", "industry"])
    assert why.loc[("chem", "hi"), "reasons"].startswith("leading; multiplier:1.070")


def test_chain_partners_get_the_partner_bonus(tmp_path):
    r = solve(tmp_path, {"agglomeration": {}, "sites": {**SITES_SECTION, "chain_partners": [
        {"industry": "hi", "partner": "lo"}]}})
    mu = dict(zip(r.model.pairs["name"], agglomeration.multipliers(r.scenario, r.model.pairs)))
    assert mu["x[chem,lo]"] == pytest.approx(1.02) and mu["x[park,hi]"] == pytest.approx(1.02)
    assert mu["x[eco,lo]"] == pytest.approx(1.02)
    assert r.objective == pytest.approx(4 * 10.5 + 4 * 10.2 + 20 + 3 * 4 * 1.02)


def test_city_intake_and_a_zones_share_of_it(tmp_path):
    r = solve(tmp_path, {"intake": {"city_max_km2": 5, "zone_share_min": {"b": 0.5}}})
    # Parks: a-parks x, eco y ≥ x (half of x + y), x + y ≤ 5; rest (no park) keeps its 2 km² of hi.
    assert r.objective == pytest.approx(2.5 * 10 + 2.5 * 4 + 20)
    assert land(r, "eco", "lo") == pytest.approx(2.5)


def test_industry_caps_in_parks(tmp_path):
    r = solve(tmp_path, {"intake": {"caps": {"hicap": {"industries": ["hi"], "max_km2": 1}}, "other_industries_max_km2": 2}})
    # parks: hi ≤ 1, lo ≤ 2 (every other industry); the remainder is no park: 2 km² of hi.
    assert r.objective == pytest.approx(1 * 10 + 2 * 4 + 2 * 10)


def test_hub_ports_minimum_and_hub_share(tmp_path):
    r = solve(tmp_path, {"intake": {"hub_ports_min_km2": {"lo": 1}}})
    assert land(r, "park", "lo") == pytest.approx(1) and r.objective == pytest.approx(112 - 6)
    hub = SITES.replace("park,Port park,a,4,municipal_park", "park,Port park,a,4,logistics_hub")
    r = solve(tmp_path, {"intake": {"hub_share_min": {"lo": 0.5}}}, units=hub)
    assert land(r, "park", "lo") == pytest.approx(2) and r.objective == pytest.approx(112 - 2 * 6)
    assert "hub_share[park,lo]" in set(r.constraints["name"])


def test_the_tie_break_prefers_the_data_and_then_the_last_id(tmp_path):
    # Two parks alike but for their ids, hi capped at 3 km² in parks: 3 km² of hi and the rest lo,
    # whichever park takes it. The ranks are (p1,hi) 1, (p1,lo) 2, (p2,hi) 3, (p2,lo) 4 (ids last),
    # and the squared bonus gives the better unit the better-ranked industry: p2 all lo (4 × 16 +
    # 3 × 1 + 1 × 4 = 71 sixteenths of δ/km², against 59 with hi in p2).
    units = textwrap.dedent(
        """\
        id,name,zone_2013,land_km2,unit_type,leading_industries
        p1,Park one,a,4,municipal_park,hi;lo
        p2,Park two,a,4,municipal_park,hi;lo
        """
    )
    changes = {"intake": {"caps": {"hicap": {"industries": ["hi"], "max_km2": 3}}}, "site_preference": {}}
    r = solve(tmp_path, changes, units=units)
    assert land(r, "p2", "lo") == pytest.approx(4) and land(r, "p1", "hi") == pytest.approx(3)
    output = 3 * 10 + 5 * 4
    assert r.kpis["output_100m_yuan"] == pytest.approx(output)
    assert output < r.objective <= output + 1e-3 * 8  # the bonus: at most δ per km² allocated
    ranks = site_preference.ranks(r.scenario, r.model.pairs)
    assert ranks["x[p2,hi]"] > ranks["x[p1,hi]"] and ranks["x[p2,lo]"] > ranks["x[p1,lo]"]
    # A leading industry outranks a unit's id.
    units = units.replace("p2,Park two,a,4,municipal_park,hi;lo", "p2,Park two,a,4,municipal_park,lo")
    r = solve(tmp_path, changes, units=units)
    ranks = site_preference.ranks(r.scenario, r.model.pairs)
    assert ranks["x[p1,hi]"] > ranks["x[p2,hi]"]


def test_bad_sites_sections_name_the_field(tmp_path):
    path = write_tiny(tmp_path / "bad", {"sites": {"zone_column": "zone_2020"}}, units=SITES)
    with pytest.raises(ScenarioError) as error:
        optimizer.load_scenario(path)
    assert error.value.field == "sites.zone_column" and "zone_2013" in error.value.valid
    path = write_tiny(tmp_path / "bad2", {"sites": SITES_SECTION, "site_admission": {"needs_node": ["nope"]}}, units=SITES)
    with pytest.raises(ScenarioError) as error:
        optimizer.load_scenario(path)
    assert error.value.field == "site_admission.needs_node" and "hi" in error.value.valid
    path = write_tiny(tmp_path / "bad3", {"intake": {"city_max_km2": 5}})
    with pytest.raises(ScenarioError) as error:
        optimizer.load_scenario(path)
    assert error.value.field == "sites"
    text = (tmp_path / "bad3" / "tiny.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["intake"] == {"city_max_km2": 5}
    for column, bad, field in (("existing_output_100m_yuan", "lots", "units.existing_output_100m_yuan"),
                               ("leading_industries", "hi;steel", "units.leading_industries")):
        units = SITES.replace("chem,Chemical park,a,4,chemical_park,hi,,,,,500101",
                              "chem,Chemical park,a,4,chemical_park,hi,,,lots,,500101" if column.startswith("existing")
                              else "chem,Chemical park,a,4,chemical_park,hi;steel,,,,,500101")
        path = write_tiny(tmp_path / column, {"sites": SITES_SECTION}, units=units)
        with pytest.raises(ScenarioError) as error:
            optimizer.load_scenario(path)
        assert error.value.field == field and error.value.line == 2 and bad.split(";")[-1] in error.value.problem
