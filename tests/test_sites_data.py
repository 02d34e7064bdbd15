"""The real-sites tables (inputs/chongqing/sites.csv and its companions) hold together and cite every figure.

These tables are data for the sites model of docs/sites-model.md; the default scenario does not read them
yet. The checks are the ones a planner would make by hand: every unit sits in a real district and in a
zone of both frameworks, every number says where it came from, and the data already rule out the plans
no Chongqing planner would accept (chemicals outside the chemical parks, finance outside the CBDs,
logistics hubs without a port, rail or road hub).
"""

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "inputs" / "chongqing"
ZONES_2013 = {"core", "extension", "new_area", "northeast", "southeast"}
ZONES_2020 = {"central", "metro_new", "three_gorges", "wuling"}
TYPES = {"cbd", "new_area_zone", "national_etdz", "hightech_zone", "bonded_zone", "chemical_park", "logistics_hub",
         "municipal_park", "district_remainder"}
PARK_TYPES = TYPES - {"cbd", "district_remainder"}
CENTRAL_2013 = {"yuzhong", "dadukou", "jiangbei", "shapingba", "jiulongpo", "nanan", "beibei", "yubei", "banan"}


def read(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sites():
    return read("sites.csv")


@pytest.fixture(scope="module")
def districts():
    return {r["adcode"]: r for r in read("districts.csv")}


def cited(text):
    """A source cell names an address, a file of the repository, or says how it was estimated or derived."""
    return any(mark in text for mark in ("http://", "https://", "data-sources.md", "inputs/")) or text.startswith(
        ("estimate:", "derived:"))


def test_units_are_unique_and_nested_in_their_district_and_zones(sites, districts):
    ids = [s["id"] for s in sites]
    assert len(ids) == len(set(ids))
    units = {u["id"]: u for u in read("units.csv")}
    for s in sites:
        d = districts[s["adcode"]]
        assert s["district"] == d["id"] and s["district"] in units, s["id"]
        assert s["zone_2020"] == d["zone_2020"] and s["zone_2020"] in ZONES_2020, s["id"]
        assert s["unit_type"] in TYPES, s["id"]
        if s["zone_2013"] != d["zone_2013"]:
            # the 2013 division draws the core as the inner ring only: parks of the five inner districts lie outside it
            assert d["zone_2013"] == "core" and s["zone_2013"] == "extension" and s["unit_type"] in PARK_TYPES, s["id"]
        assert s["zone_2013"] in ZONES_2013


def test_riverside_parks_are_the_parks_of_the_seven_riverside_districts(sites, districts):
    # Shuangqiao, a member in 2011, is now part of Dazu: of Dazu's parks only the Shuangqiao ETDZ counts
    for s in sites:
        if s["unit_type"] in PARK_TYPES:
            member = districts[s["adcode"]]["riverside_transfer_2011"] == "yes" and s["id"] != "dazu_hitech"
            assert (s["riverside_transfer_2011"] == "yes") == member, s["id"]


def test_each_district_has_one_remainder_with_no_industry_of_its_own(sites, districts):
    rest = [s for s in sites if s["unit_type"] == "district_remainder"]
    assert sorted(s["adcode"] for s in rest) == sorted(districts)
    assert all(s["leading_industries"] == "" for s in rest)


def test_every_figure_is_sourced_or_labelled_an_estimate(sites, districts):
    for s in sites:
        assert float(s["land_km2"]) > 0, s["id"]
        assert cited(s["source_land"]), s["id"]
        # only land read as planned minus built is not an estimate
        assert (s["land_basis"] == "planned_minus_built") == (not s["source_land"].startswith("estimate:")), s["id"]
        for value, source in (("leading_industries", "source_industries"), ("existing_output_100m_yuan", "source_output")):
            assert bool(s[value]) == bool(s[source]), (s["id"], value)
            assert not s[source] or cited(s[source]), (s["id"], source)
        if s["existing_output_100m_yuan"]:
            assert s["output_year"] and s["output_kind"], s["id"]
        for col in ("port", "rail_hub", "road_hub", "airport"):
            assert not s[col] or cited(s["source_transport"]), (s["id"], col)
    for d in districts.values():
        for value, source in (("gdp_100m_yuan", "source_gdp"), ("secondary_va_100m_yuan", "source_secondary_va"),
                              ("industrial_output_100m_yuan", "source_industrial_output"), ("co2_2017_mt", "source_co2"),
                              ("population_2020_census", "source_population")):
            assert not d[value] or cited(d[source]), (d["id"], value)


def test_leading_industries_and_chain_partners_are_industries_of_the_dataset(sites):
    industries = {r["id"] for r in read("industries.csv")}
    for s in sites:
        assert set(filter(None, s["leading_industries"].split(";"))) <= industries, s["id"]
    for c in read("chain_partners.csv"):
        assert {c["industry"], c["partner"]} <= industries and cited(c["source"])


def test_the_data_already_exclude_the_absurd_plans(sites):
    for s in sites:
        leading = set(filter(None, s["leading_industries"].split(";")))
        # chemicals only in the three municipal chemical parks
        assert ("chemicals" in leading) <= (s["unit_type"] == "chemical_park"), s["id"]
        # finance only in the two CBDs of the inner ring
        assert (("finance" in leading) == (s["unit_type"] == "cbd")) and (s["unit_type"] != "cbd" or s["zone_2013"] == "core")
        # a logistics hub has a port, rail or road hub
        if s["unit_type"] == "logistics_hub":
            assert s["port"] or s["rail_hub"] or s["road_hub"], s["id"]
    chemical = sorted(s["district"] for s in sites if s["unit_type"] == "chemical_park")
    assert chemical == ["changshou", "fuling", "wanzhou"]
    # the four hub ports of the 4+9 cluster each serve a unit
    assert {s["port"] for s in sites if s["port_class"] == "hub"} == {"guoyuan", "longtou", "luohuang", "xintian"}


def test_transport_nodes_named_by_units_exist_and_point_back(sites):
    nodes = {n["id"]: n for n in read("transport_nodes.csv")}
    for s in sites:
        for col in ("port", "rail_hub", "road_hub", "airport"):
            if s[col]:
                assert s[col] in nodes, (s["id"], col)
                assert s["id"] in nodes[s[col]]["sites"].split(";"), (s["id"], col)
    assert all(cited(n["source"]) for n in nodes.values())


def test_the_2020_zones_sum_their_districts(districts):
    zones = {z["id"]: z for z in read("zones_2020.csv")}
    assert set(zones) == ZONES_2020
    for z in zones.values():
        members = [d for d in districts.values() if d["zone_2020"] == z["id"]]
        assert int(z["districts"]) == len(members)
        assert float(z["population_10k"]) == pytest.approx(sum(int(d["population_2020_census"]) for d in members) / 1e4, abs=0.01)
    assert {d["id"] for d in districts.values() if d["zone_2020"] == "central"} == CENTRAL_2013
