"""Scenario files: extends, updates, immutability, with_changes, and the resolved copy."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

import optimizer
from conftest import write_tiny


def test_a_variant_is_a_few_lines(tmp_path):
    write_tiny(tmp_path)
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "extends: tiny.yaml\n"
        "name: variant\n"
        "carbon_budget: {total_mt: 5}\n"
        "units:\n  update:\n    u2: {land_km2: 8}\n",
        encoding="utf-8",
    )
    s = optimizer.load_scenario(variant)
    assert s.name == "variant"
    assert s.carbon_budget.total_mt == 5
    assert s.table("units").loc["u2", "land_km2"] == 8
    assert s.zoning["a"].admits == ("m", "g")  # inherited from the parent
    # Both YAML files and every table are recorded with their hashes.
    assert {p.rsplit("/", 1)[-1] for p in s.files} == {"variant.yaml", "tiny.yaml", "zones.csv", "units.csv", "industries.csv"}
    # max 10h + 4l, h + l ≤ 18, 0.5h + 0.1l ≤ 5 → 0.4h = 5 − 1.8 → h = 8, l = 10: 120.
    assert optimizer.solve(s).objective == pytest.approx(120)


def test_nested_settings_merge_in_a_variant(tmp_path):
    write_tiny(tmp_path, {"zoning": {"a": {"admits": ["m", "g"], "share_min": {"g": 0.3}}, "b": {"admits": ["m", "g"]}}})
    (tmp_path / "v.yaml").write_text("extends: tiny.yaml\nzoning:\n  b: {admits: [g]}\n", encoding="utf-8")
    s = optimizer.load_scenario(tmp_path / "v.yaml")
    assert s.zoning["a"].share_min == {"g": 0.3}
    assert s.zoning["b"].admits == ("g",)


def test_inline_rows_instead_of_csv(tmp_path):
    path = tmp_path / "inline.yaml"
    path.write_text(
        "zones: [{id: z}]\n"
        "units: [{id: u, zone: z, land_km2: 2}]\n"
        "industries: [{id: k, category: c, output_100m_yuan_per_km2: 3, carbon_t_per_km2: 1}]\n"
        "zoning: {z: {admits: [c]}}\n",
        encoding="utf-8",
    )
    assert optimizer.solve(path).objective == pytest.approx(6)


def test_scenario_is_immutable_and_with_changes_copies(tmp_path):
    s = optimizer.load_scenario(write_tiny(tmp_path))
    with pytest.raises(ValidationError):
        s.name = "other"
    changed = s.with_changes(carbon_budget={"total_mt": 5}, industries={"hi": {"max_km2": 12}})
    assert s.carbon_budget.total_mt is None and changed.carbon_budget.total_mt == 5
    assert s.table("industries").loc["hi", "max_km2"] != 12
    assert changed.table("industries").loc["hi", "max_km2"] == 12
    # A table returned to a notebook is a copy: editing it changes nothing.
    units = s.table("units")
    units.loc["u1", "land_km2"] = 99
    assert s.table("units").loc["u1", "land_km2"] == 10
    # A DataFrame replaces a table.
    smaller = s.with_changes(units=units.assign(land_km2=[1.0, 1.0]))
    assert optimizer.solve(smaller).objective == pytest.approx(20)


def test_with_changes_none_restores_defaults_at_any_depth(tmp_path):
    s = optimizer.load_scenario(write_tiny(tmp_path, {
        "carbon_budget": {"total_mt": 6, "by_zone_mt": {"a": 2, "b": 3}},
        "industry_chains": {"hi_needs_lo": {"leading": ["hi"], "supporting": ["lo"], "ratio": 0.5}},
    }))
    assert s.industry_chains and s.carbon_budget.by_zone_mt == {"a": 2, "b": 3}
    assert s.with_changes(industry_chains={}).industry_chains == s.industry_chains  # {} merges: no change
    assert s.with_changes(industry_chains=None).industry_chains == {}
    assert s.with_changes(industry_chains={"hi_needs_lo": None}).industry_chains == {}
    cleared = s.with_changes(carbon_budget={"by_zone_mt": {"a": None}})
    assert cleared.carbon_budget.by_zone_mt == {"b": 3} and cleared.carbon_budget.total_mt == 6
    assert s.with_changes(carbon_budget={"by_zone_mt": None}).carbon_budget.by_zone_mt == {}
    assert s.with_changes(carbon_budget=None).carbon_budget.total_mt is None
    # table rows keep None as a value: a bound removed, not restored
    bounded = s.with_changes(industries={"hi": {"max_km2": 3}})
    assert pd.isna(bounded.with_changes(industries={"hi": {"max_km2": None}}).table("industries").loc["hi", "max_km2"])
    with pytest.raises(optimizer.ScenarioError, match="zones"):
        s.with_changes(zones=None)  # a table has no default


def test_with_changes_validates(tmp_path):
    s = optimizer.load_scenario(write_tiny(tmp_path))
    with pytest.raises(optimizer.ScenarioError, match="greater than or equal to 0"):
        s.with_changes(carbon_budget={"total_mt": -3})
    with pytest.raises(optimizer.ScenarioError, match="unknown field 'budget'"):
        s.with_changes(budget=3)
    with pytest.raises(optimizer.ScenarioError, match="Valid: hi, lo"):
        s.with_changes(industries={"steel": {"max_km2": 1}})


def test_a_table_read_column_by_column_is_the_table_of_its_rows(tmp_path):
    from optimizer.scenario.model import _frame

    units = "id,name,zone,land_km2,land_intensity_m,land_intensity_g,area_km2\nu1,One,a,10,1.5,,\nu2,Two,b,5,,2,7\n"
    s = optimizer.load_scenario(write_tiny(tmp_path, units=units))
    assert set(s._tables) == {"zones", "units", "industries"}  # kept from loading: no second pass over the rows
    for table in ("zones", "units", "industries"):
        pd.testing.assert_frame_equal(s.table(table), _frame(getattr(s, table)))
    assert s.table("units")["land_intensity_g"].isna().tolist() == [True, False]
    # extra columns in order of first appearance, none that no row gives (as _frame finds them)
    units = "id,zone,land_km2,land_intensity_g,land_intensity_m,land_intensity_x\nu1,a,10,,1.5,\nu2,b,5,2,,\n"
    s = optimizer.load_scenario(write_tiny(tmp_path / "sparse", units=units))
    pd.testing.assert_frame_equal(s.table("units"), _frame(s.units))
    assert [c for c in s.table("units") if c.startswith("land_intensity_")] == ["land_intensity_m", "land_intensity_g"]


def test_solver_settings_change_alone_and_are_validated(tmp_path):
    s = optimizer.load_scenario(write_tiny(tmp_path))
    quick = s.with_changes(solver={"time_limit_s": 5, "reduce": False})
    assert (quick.solver.time_limit_s, quick.solver.reduce, quick.solver.name) == (5, False, "highs")
    assert (s.solver.time_limit_s, s.solver.reduce) == (None, True)
    assert quick.units is s.units and quick.loaded is s and quick.origin == s.origin
    assert quick.with_changes(solver={"time_limit_s": None}).solver.time_limit_s is None
    with pytest.raises(optimizer.ScenarioError, match=r"field 'solver.time_limit_s'.*greater than 0"):
        s.with_changes(solver={"time_limit_s": -1})
    with pytest.raises(optimizer.ScenarioError, match=r"field 'solver.tolerance'.*Valid: name, time_limit_s"):
        s.with_changes(solver={"tolerance": 1})
    assert optimizer.solve(s, time_limit_s=5).objective == pytest.approx(150)


def test_repr_is_readable(tmp_path):
    s = optimizer.load_scenario(write_tiny(tmp_path))
    assert repr(s) == (
        "Scenario('tiny': 2 units in 2 zones, 2 industries, carbon budget none, objective output, solver highs)"
    )
    assert "optimal, output 150.0" in repr(optimizer.solve(s))


def test_loading_leaves_the_cycle_collector_as_it_was(tmp_path):
    import gc

    assert gc.isenabled()
    optimizer.load_scenario(write_tiny(tmp_path / "good"))
    assert gc.isenabled()
    with pytest.raises(optimizer.ScenarioError):
        optimizer.load_scenario(write_tiny(tmp_path / "bad", units="id,zone,land_km2\nu1,a,-1\n"))
    assert gc.isenabled()
    gc.disable()
    try:
        optimizer.load_scenario(write_tiny(tmp_path / "good"))
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
