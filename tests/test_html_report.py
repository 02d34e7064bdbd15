"""report.html: every section present, its numbers equal to the result's tables, self-contained."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import optimizer
from conftest import INDUSTRIES, ZONES, write_tiny
from html_pages import external_urls, read_page

SECTIONS = ["headline", "zones", "by-zone-category", "binding", "by-zone", "by-industry", "allocation", "provenance"]


@pytest.fixture(scope="module")
def variant_result(districts_result):
    """The default with a tighter carbon budget and a smaller chemicals market."""
    scenario = districts_result.scenario.with_changes(carbon_budget={"total_mt": 15}, industries={"chemicals": {"max_km2": 2}})
    return optimizer.solve(scenario)


def _same(cell: str, value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell == ""
    if isinstance(value, (bool, str)):
        return cell == str(value)
    return float(cell) == pytest.approx(float(value), rel=1e-12, abs=1e-12)


def _check_table(rows: list[dict], frame: pd.DataFrame) -> None:
    assert len(rows) == len(frame)
    for row, expected in zip(rows, frame.to_dict("records")):
        assert set(row) == set(expected)
        for column, value in expected.items():
            assert _same(row[column], value), (column, row[column], value)


@pytest.mark.parametrize("which", ["default", "variant"])
def test_every_section_is_there_with_the_results_numbers(which, districts_result, variant_result, tmp_path):
    result = districts_result if which == "default" else variant_result
    folder = result.save(tmp_path / which)
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = read_page(folder / "report.html")
    assert [s for s in page.sections if s in SECTIONS] == SECTIONS
    # Headline figures against their limits.
    for key in ("output_100m_yuan", "carbon_mt", "land_km2", "jobs", "energy_tce", "pollutant_t"):
        assert float(page.kpis[key]) == result.kpis[key]
    budget = result.scenario.carbon_budget.total_mt
    assert f"{100 * result.kpis['carbon_budget_used']:.1f} % of the {budget:g} Mt budget" in page.text
    # Binding limits: exactly the binding constraints, each with its price, in words.
    binding = result.constraints[result.constraints["binding"]].set_index("name")
    assert set(page.prices) == set(binding.index)
    for name, price in page.prices.items():
        assert float(price) == binding.at[name, "shadow_price"]
    assert f"city carbon budget of {budget:g} Mt CO2 — one t CO2 more would add" in page.text
    # Tables, cell by cell (name cells carry the id).
    _check_table(page.tables["table-allocation"], result.allocation.drop(columns=["unit_name", "industry_name"]))
    _check_table(page.tables["table-by-zone"], result.by_zone.drop(columns=["name", "name_zh", "carbon_budget_t"]))
    _check_table(page.tables["table-by-industry"], result.by_industry.drop(columns=["name", "name_zh"]))
    chemicals = next(row for row in page.tables["table-by-industry"] if row["industry"] == "chemicals")
    assert float(chemicals["max_km2"]) == (8 if which == "default" else 2)
    # English names with the Chinese beside them.
    assert "Yuzhong 渝中区" in page.text and "Finance 金融" in page.text
    # Charts: inline SVG drawn by matplotlib, the five zones in the Concentric Circle diagram.
    assert page.figures == {"chart-limits": 1, "chart-concentric": 1, "chart-map": 1, "chart-categories": 1}
    assert {f"zone-{z}" for z in ("core", "extension", "new_area", "northeast", "southeast")} <= page.svg_ids
    for zone in result.by_zone.itertuples():
        assert f"land {zone.land_km2:,.2f} of {zone.land_available_km2:,.2f} km²" in html  # in the diagram's labels
    # Opens offline: nothing outside the file.
    assert external_urls(html) == []
    assert "<script" not in html


def test_warnings_and_family_tables_are_shown(tmp_path):
    result = optimizer.solve(write_tiny(tmp_path / "s"))
    result.warnings.append("a warning about <this> & that")
    folder = result.save(tmp_path / "r")
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = read_page(folder / "report.html")
    assert page.sections[0] == "warnings"
    assert "a warning about &lt;this&gt; &amp; that" in html


def test_a_report_without_a_solution_says_why(tmp_path):
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,20,")
    result = optimizer.solve(write_tiny(tmp_path / "s", industries=industries))
    assert result.status == "infeasible"
    page = read_page(result.save(tmp_path / "r") / "report.html")
    assert "no-solution" in page.sections and "provenance" in page.sections
    assert "cannot all hold at once" in page.text and page.figures == {}
    assert "<strong>infeasible</strong>" in result._repr_html_()


def test_names_are_escaped_everywhere(tmp_path):
    zones = ZONES.replace("Zone A", "<b>Zone A&B</b>")
    result = optimizer.solve(write_tiny(tmp_path / "s", zones=zones))
    html = (result.save(tmp_path / "r") / "report.html").read_text(encoding="utf-8")
    assert "<b>Zone" not in html
    assert "&lt;b&gt;Zone A&amp;B&lt;/b&gt;" in html


def test_notebook_views(districts_result):
    scenario, result = districts_result.scenario, districts_result
    assert repr(scenario).startswith("Scenario('chongqing-districts': 38 units in 5 zones")
    text = scenario._repr_html_()
    assert "38 in 5 zones" in text and "渝东北生态涵养发展区" in text and "20 Mt CO2/yr" in text
    assert repr(result).startswith("Result('chongqing-districts': optimal, output")
    text = result._repr_html_()
    assert f'data-value="{result.kpis["output_100m_yuan"]!r}"' in text
    assert "city carbon budget of 20 Mt CO2 — one t CO2 more would add" in text


def test_rings_follow_the_scenario(tmp_path):
    from optimizer.reporting.html import rings

    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s", {"report": {"rings": [["b"]]}}))
    assert rings(scenario) == [["b"], ["a"]]
    assert rings(optimizer.load_scenario()) == [["core"], ["extension"], ["new_area"], ["northeast", "southeast"]]
    for bad in ([["a"], ["a"]], [["nowhere"]]):
        with pytest.raises(optimizer.ScenarioError) as error:
            optimizer.load_scenario(write_tiny(tmp_path / "bad", {"report": {"rings": bad}}))
        assert "report.rings" in str(error.value)


def test_a_category_keeps_its_colour_in_every_report():
    from optimizer.reporting import charts

    everything = charts.category_colors(["advanced_manufacturing", "green", "logistics", "my_new_category"])
    fewer = charts.category_colors(["logistics", "my_new_category"])  # another scenario, fewer categories
    assert fewer["logistics"] == everything["logistics"] and fewer["my_new_category"] == everything["my_new_category"]
    assert charts.category_colors(["my new category"])["my new category"] == everything["my_new_category"]
    assert len({everything[c] for c in ["advanced_manufacturing", "green", "logistics"]}) == 3
