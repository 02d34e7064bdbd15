"""`optimizer compare` and optimizer.compare: exactly the changes made, and what they did."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import optimizer
from conftest import write_tiny
from html_pages import external_urls, read_page
from optimizer.cli import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The default and a variant (tighter budget, smaller chemicals market), as results folders."""
    root = tmp_path_factory.mktemp("runs")
    base = optimizer.solve()
    variant = optimizer.solve(base.scenario.with_changes(carbon_budget={"total_mt": 15},
                                                         industries={"chemicals": {"max_km2": 2}}))
    return base, variant, base.save(root / "base"), variant.save(root / "variant")


def test_a_folder_written_by_another_csv_writer_has_the_same_inputs(runs, tmp_path):
    import shutil

    _, _, base_folder, _ = runs
    older = tmp_path / "older"  # the same run, its tables as pandas wrote them (10.0, True)
    shutil.copytree(base_folder, older)
    for table in (older / "scenario").glob("*.csv"):
        pd.read_csv(table, keep_default_na=False, na_values=[""]).to_csv(table, index=False)
    rewritten = [t.name for t in (older / "scenario").glob("*.csv")
                 if t.read_bytes() != (base_folder / "scenario" / t.name).read_bytes()]
    assert {"units.csv", "industries.csv"} <= set(rewritten)  # spelt differently, same values
    c = optimizer.compare([base_folder, older])
    assert c.data_changes.empty and c.scenario_changes.empty


def test_finds_exactly_the_changes_made_to_the_variant(runs, tmp_path):
    base, variant, base_folder, variant_folder = runs
    c = optimizer.compare([base_folder, variant_folder])
    assert c.labels == ["base", "variant"]
    # Inputs: the one setting and the one data cell that were changed, nothing else.
    assert c.scenario_changes[["field", "change", "baseline", "value"]].values.tolist() == [
        ["carbon_budget.total_mt", "changed", "20.0", "15.0"]]
    assert c.data_changes[["table", "id", "column", "change", "baseline", "value"]].values.tolist() == [
        ["industries", "chemicals", "max_km2", "changed", "8.0", "2.0"]]
    # KPI deltas, worked out from the two summaries.
    kpis = c.kpis[c.kpis["run"] == "variant"].set_index("kpi")
    before = json.loads((base_folder / "summary.json").read_text())["kpis"]
    after = json.loads((variant_folder / "summary.json").read_text())["kpis"]
    assert kpis.at["carbon", "value"] == pytest.approx(15)
    assert kpis.at["carbon", "delta_pct"] == pytest.approx(-25)
    delta = after["output_100m_yuan"] - before["output_100m_yuan"]
    assert kpis.at["output", "delta"] == pytest.approx(delta)
    assert kpis.at["output", "delta_pct"] == pytest.approx(100 * delta / before["output_100m_yuan"])
    # Assignments: worked out independently from the two allocation tables.
    key = ["unit", "industry"]
    land = pd.merge(base.allocation[[*key, "land_km2"]], variant.allocation[[*key, "land_km2"]], on=key,
                    how="outer", suffixes=("_a", "_b"))
    appeared = set(map(tuple, land.loc[land["land_km2_a"].isna(), key].values))
    vanished = set(map(tuple, land.loc[land["land_km2_b"].isna(), key].values))
    both = land.dropna()
    changed = set(map(tuple, both.loc[(both["land_km2_b"] - both["land_km2_a"]).abs() > 0.01 * both["land_km2_a"], key].values))
    found = c.allocation_changes.groupby("change")[key].apply(lambda f: set(map(tuple, f.values))).to_dict()
    assert found == {name: pairs for name, pairs in
                     (("appeared", appeared), ("vanished", vanished), ("changed", changed)) if pairs}
    # The chemicals cap bites (which district loses it is a tie among interchangeable districts).
    assert any(industry == "chemicals" for _, industry in vanished)
    # Binding limits: worked out from the two constraint tables.
    binding = base.constraints.set_index("name")["binding"], variant.constraints.set_index("name")["binding"]
    flipped = binding[0] != binding[1]
    expected = {name: "became binding" if binding[1][name] else "became slack" for name in flipped[flipped].index}
    assert dict(zip(c.constraint_changes["name"], c.constraint_changes["change"])) == expected
    assert expected  # the tighter budget changes which limits bind


def test_the_python_api_gives_the_same_as_the_folders(runs):
    base, variant, base_folder, variant_folder = runs
    from_folders = optimizer.compare([base_folder, variant_folder])
    from_results = optimizer.compare([base, variant])
    for name in ("scenario_changes", "data_changes", "allocation_changes", "constraint_changes", "kpis"):
        a, b = getattr(from_folders, name).drop(columns="run"), getattr(from_results, name).drop(columns="run")
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)


def test_identical_runs_differ_in_nothing(runs):
    base, _, base_folder, _ = runs
    c = optimizer.compare([base_folder, base])
    assert c.labels == ["base", "chongqing-default"]
    for name in ("scenario_changes", "data_changes", "allocation_changes", "constraint_changes"):
        assert getattr(c, name).empty, name
    assert (c.kpis["delta"] == 0).all()


def test_the_cli_writes_markdown_html_and_csv(runs, tmp_path, capsys):
    _, _, base_folder, variant_folder = runs
    third = optimizer.solve(write_tiny(tmp_path / "t")).save(tmp_path / "tiny")
    out = tmp_path / "comparison"
    assert main(["compare", str(base_folder), str(variant_folder), str(third), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "variant: 1 setting(s) and 1 data cell(s) differ" in printed and str(out) in printed
    assert {p.name for p in out.iterdir()} == {
        "comparison.md", "comparison.html", "runs.csv", "scenario_changes.csv", "data_changes.csv", "kpis.csv",
        "allocation_changes.csv", "decision_changes.csv", "constraint_changes.csv", "zones.csv"}
    assert set(pd.read_csv(out / "kpis.csv")["run"]) == {"base", "variant", "tiny"}
    markdown = (out / "comparison.md").read_text(encoding="utf-8")
    assert re.search(r"\| carbon_budget\.total_mt +\| variant +\| changed +\| 20\.0 +\| 15\.0 +\|", markdown)
    html = (out / "comparison.html").read_text(encoding="utf-8")
    page = read_page(out / "comparison.html")
    assert {"runs", "inputs", "kpis", "allocation-changes", "decision-changes", "constraint-changes"} <= set(page.sections)
    assert page.figures == {"chart-kpis": 1, "chart-zones": 1}
    rows = page.tables["table-data-changes"]
    assert {(r["id"], r["column"], r["run"]) for r in rows if r["run"] == "variant"} == {("chemicals", "max_km2", "variant")}
    assert "Dazu 大足区" in page.text  # names with the Chinese beside them
    assert external_urls(html) == []


def test_compare_needs_results_folders(tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "is not a results folder" in capsys.readouterr().err
    with pytest.raises(optimizer.ScenarioError):
        optimizer.compare([tmp_path])


def test_comparison_shows_itself(runs):
    base, variant, _, _ = runs
    c = optimizer.compare([base, variant])
    assert repr(c).startswith("Comparison(baseline: chongqing-default; chongqing-default #2: 1 setting(s) and 1 data")
    html = c._repr_html_()
    assert "Comparison of 2 runs" in html and "<table" in html and "carbon" in html


def _project_in(unit: str) -> dict:
    """Projects alone: P (hi, 2 km², output 30) may go only to ``unit``; Q (8 km²) fits only in u1."""
    table = [{"id": "P", "industry": "hi", "land_km2": 2, "investment_100m_yuan": 1, "output_100m_yuan": 30,
              "carbon_t": 0, "allowed_units": unit},
             {"id": "Q", "industry": "lo", "land_km2": 8, "investment_100m_yuan": 1, "output_100m_yuan": 20,
              "carbon_t": 0, "allowed_units": "u1"}]
    return {"projects": {"land_allocation": False, "table": table}}


def test_a_project_that_moved_is_a_changed_decision(tmp_path, capsys):
    # P in u1 (2 + 8 = 10 km² with Q) or in u2: both runs place both, 50, and have no allocation;
    # the plans differ all the same: P moved.
    results = [optimizer.solve(write_tiny(tmp_path / unit, _project_in(unit))) for unit in ("u1", "u2")]
    assert [r.objective for r in results] == [pytest.approx(50)] * 2
    folders = [r.save(tmp_path / f"P-in-{unit}") for r, unit in zip(results, ("u1", "u2"))]
    for c in (optimizer.compare(folders), optimizer.compare(results)):
        assert c.allocation_changes.empty
        assert c.decision_changes[["table", "id", "column", "change", "baseline", "value"]].values.tolist() == [
            ["projects", "P", "unit", "moved", "u1", "u2"]]
    assert main(["compare", *map(str, folders), "--out", str(tmp_path / "c")]) == 0
    assert "0 assignment(s) and 1 other decision(s) changed" in capsys.readouterr().out
    assert "| projects | P    | unit     | P-in-u2 | moved    | u1         | u2      |" in (tmp_path / "c" / "comparison.md").read_text(encoding="utf-8")
    assert (tmp_path / "c" / "decision_changes.csv").is_file()
