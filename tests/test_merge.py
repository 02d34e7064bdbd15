"""Merging alike units on the scenario, before any model is built (``optimizer.reduction.scenario_merge``).

A merged run never builds the full model, yet its tables must be those of a run that does: the
same rows in the same order, the same allocation, the same prices. The full model's own merge
(``optimizer.reduction.matrix_merge``) is the reference: it is proved exact by the tests of ``test_scale``.
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import optimizer
import optimizer.workflows.run
import optimizer.rules
from conftest import write_tiny
from optimizer.compile.presolve import run_checks
from optimizer.reduction.scenario_merge import merge_units
from optimizer.results.merged import MergedResult
from optimizer.compile.model import build
from optimizer.reduction.matrix_merge import reduction_of
from optimizer.core.progress import Progress
from optimizer.scenario.model import validate_scenario
from test_scale import SAME_ZONE_UNITS, certify, instances

TABLES = ("contributions", "allocation", "by_zone", "by_industry", "constraints")


def built_in_full(scenario, monkeypatch) -> optimizer.Result:
    """The run as it was before merging on the scenario: full model, then its own merge."""
    with monkeypatch.context() as patch:
        patch.setattr(optimizer.workflows.run, "_merged_model", lambda *args: None)
        return optimizer.solve(scenario)


def assert_same_program(scenario):
    """The model a merged run solves is, to the last digit, the full model's own merge."""
    merged = optimizer.workflows.run._merged_model(scenario, {}, Progress(enabled=False))
    if merged is None:
        return
    reference = reduction_of(build(scenario))
    expected = reference.model if reference is not None else build(scenario)
    got, want = merged.solved.matrix, expected.matrix
    for field in ("start", "index", "value", "row_lower", "row_upper"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field), err_msg=field)
    np.testing.assert_array_equal(merged.solved.objective_vector(), expected.objective_vector())
    assert [c.name for c in merged.solved.constraints] == [c.name for c in expected.constraints]


def assert_same_tables(merged, reference, prices=True):
    for name in TABLES:
        left, right = getattr(merged, name), getattr(reference, name)
        if name == "constraints" and not prices:  # degenerate rows may take another of their prices
            left, right = left.drop(columns=["shadow_price"]), right.drop(columns=["shadow_price"])
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-7, atol=1e-7, obj=name)
    assert merged.summary()["size"] == reference.summary()["size"]
    numbers = {k for k, v in reference.kpis.items() if v is not None}
    assert {k for k, v in merged.kpis.items() if v is not None} == numbers
    assert {k: merged.kpis[k] for k in numbers} == pytest.approx({k: reference.kpis[k] for k in numbers}, rel=1e-9, abs=1e-9)


def test_alike_units_of_a_zone_merge_before_building(tmp_path, monkeypatch):
    # u1 and u2 are alike in zone a; u3 (zone b) stays apart though its data is theirs. The
    # merged scenario has u1 with their 15 km² and u3; the tables are per unit all the same.
    units = SAME_ZONE_UNITS.replace("u3,Three,a", "u3,Three,b")
    scenario = optimizer.load_scenario(write_tiny(tmp_path, {"carbon_budget": {"total_mt": 5}}, units=units))
    classes, merged_scenario = merge_units(scenario)
    assert [(u.id, u.zone, u.land_km2) for u in merged_scenario.units] == [("u1", "a", 15.0), ("u3", "b", 0.0)]
    assert classes.head.tolist() == [0, 0, 2] and classes.size.tolist() == [2, 2, 1]
    result = optimizer.solve(scenario)
    assert isinstance(result, MergedResult) and len(result.model.variables) == 4  # u1 and u3 only
    reduction = result.summary()["solver"]["options"]["reduction"]
    assert reduction == {"units_merged": 2, "classes": 1, "variables": [6, 4], "constraints": [4, 3],
                         "before_building": True}
    # h + l ≤ 15, 0.5h + 0.1l ≤ 5 → h = 8.75, l = 6.25 (112.5); u1 is filled first.
    assert result.objective == pytest.approx(112.5)
    land = result.allocation.set_index(["unit", "industry"])["land_km2"]
    assert land.to_dict() == pytest.approx({("u1", "hi"): 8.75, ("u1", "lo"): 1.25, ("u2", "lo"): 5.0})
    assert result.constraints["name"].tolist() == ["land[u1]", "land[u2]", "land[u3]", "carbon_budget"]
    assert_same_tables(result, built_in_full(scenario, monkeypatch), prices=False)  # land[u3] ≤ 0: degenerate
    assert_same_program(scenario)
    certify(result.full_model, result.full_solution)
    assert result.full_model.variables["name"].tolist()[:2] == ["x[u1,hi]", "x[u1,lo]"]


def test_a_family_that_names_units_keeps_them_apart(tmp_path, monkeypatch):
    path = write_tiny(tmp_path / "s", units=SAME_ZONE_UNITS)
    scenario = optimizer.load_scenario(path)
    assert merge_units(scenario)[0].head.tolist() == [0, 0, 0]
    toy = types.SimpleNamespace(FAMILY="toy", add_constraints=lambda builder: None, units_apart=lambda s: {"u2"})
    monkeypatch.setattr(optimizer.rules, "RULE_FAMILIES", (*optimizer.rules.RULE_FAMILIES, toy))
    assert merge_units(scenario)[0].head.tolist() == [0, 1, 0]
    del toy.units_apart  # a family that does not say keeps every unit apart
    assert merge_units(scenario) is None
    # A park in u2: u1 and u3 still merge, and the park's land row stays u2's own.
    monkeypatch.undo()
    parked = optimizer.load_scenario(write_tiny(tmp_path / "p", {"parks": {"sites": {"P": {
        "unit": "u2", "land_km2": 1.0, "admits": ["hi"]}}}}, units=SAME_ZONE_UNITS))
    assert merge_units(parked)[0].head.tolist() == [0, 1, 0]
    result = optimizer.solve(parked)
    assert isinstance(result, MergedResult)
    assert_same_tables(result, built_in_full(parked, monkeypatch), prices=False)


def test_units_differing_in_any_column_but_name_and_land_stay_apart(tmp_path):
    units = ("id,name,zone,land_km2,land_intensity,population_10k\n"
             "u1,One,a,10,1,5\nu2,Two,a,5,1,5\nu3,Three,a,4,1,6\nu4,Four,a,1,2,5\n")
    classes, _ = merge_units(optimizer.load_scenario(write_tiny(tmp_path, units=units)))
    assert classes.head.tolist() == [0, 0, 2, 3]


def test_units_the_program_cannot_tell_apart_keep_their_own_effects(tmp_path, monkeypatch):
    # Jobs are maximised and hi has none, so its multiplier (1 in u1, 2 in u2) shows only in its
    # output: the solver merges u1 and u2, while the scenario does not. hi's minimum of 3 km²
    # fills u1's 1 km² first, then 2 km² of u2: 1·10 + 2·20 = 50 of output, each at its own unit's rate.
    industries = ("id,name,category,output_100m_yuan_per_km2,carbon_t_per_km2,energy_tce_per_km2,jobs_per_km2,"
                  "pollutant_t_per_km2,min_km2,max_km2,source\nhi,High,m,10,0,0,0,0,3,,test\nlo,Low,g,1,0,0,300,0,,,test\n")
    units = "id,name,zone,land_km2,land_intensity,land_intensity_m\nu1,One,a,1,1,1\nu2,Two,a,5,1,2\nu3,Three,a,0.5,1,1\n"
    scenario = optimizer.load_scenario(write_tiny(tmp_path, {"objective": "jobs"}, units=units, industries=industries))
    assert merge_units(scenario)[0].head.tolist() == [0, 1, 0]  # u1 and u3 alike on the scenario …
    result = optimizer.solve(scenario)
    assert isinstance(result, MergedResult)
    assert result.summary()["solver"]["options"]["reduction"]["classes"] == 1  # … and the solver merges all three
    allocation = result.allocation.set_index(["unit", "industry"])
    assert allocation["land_km2"].to_dict() == pytest.approx(
        {("u1", "hi"): 1.0, ("u2", "hi"): 2.0, ("u2", "lo"): 3.0, ("u3", "lo"): 0.5})
    assert allocation["output_100m_yuan"].to_dict() == pytest.approx(
        {("u1", "hi"): 10.0, ("u2", "hi"): 40.0, ("u2", "lo"): 3.0, ("u3", "lo"): 0.5})
    assert result.kpis["output_100m_yuan"] == pytest.approx(53.5)
    assert_same_tables(result, built_in_full(scenario, monkeypatch), prices=False)


def test_classes_the_solver_joins_sum_their_land_in_table_order(tmp_path, monkeypatch):
    # u2 differs from u1 and u3 in area_km2 only, which no rule reads: the scenario merges {u1, u3},
    # the solver joins u2. Its land row must read 0.1 + 0.2 + 0.61 = 0.91, summed in table order as
    # the full model's own merge sums it, not (0.1 + 0.61) + 0.2 = 0.9099999999999999.
    units = "id,name,zone,land_km2,land_intensity,area_km2\nu1,One,a,0.1,1,1\nu2,Two,a,0.2,1,2\nu3,Three,a,0.61,1,1\n"
    scenario = optimizer.load_scenario(write_tiny(tmp_path, {"carbon_budget": {"total_mt": 0.3}}, units=units))
    assert merge_units(scenario)[0].head.tolist() == [0, 1, 0]
    merged = optimizer.workflows.run._merged_model(scenario, {}, Progress(enabled=False))
    assert [c.rhs for c in merged.solved.constraints if c.family == "land"] == [0.1 + 0.2 + 0.61]
    assert merged.classes.head.tolist() == [0, 0, 0]
    assert_same_program(scenario)
    assert_same_tables(optimizer.solve(scenario), built_in_full(scenario, monkeypatch))


def test_a_merged_run_without_a_solution_says_what_merged(tmp_path, monkeypatch):
    # Zone a admits only m, at most 60 % of its land: hi's 2 km² cannot be placed. The presolve
    # checks do not prove it; the solver does, on the merged model, and the summary says so.
    from conftest import industries

    changes = {"zoning": {"a": {"admits": ["m"], "share_max": {"m": 0.6}}, "b": {"admits": []}}}
    scenario = optimizer.load_scenario(write_tiny(tmp_path, changes, units=SAME_ZONE_UNITS,
                                                  industries=industries(hi=(2, None))))
    result = optimizer.solve(scenario)
    assert result.status == "infeasible" and not isinstance(result, MergedResult)
    assert [c.name for c in result.model.constraints if c.family == "land"] == ["land[u1]", "land[u2]", "land[u3]"]
    assert result.summary()["solver"]["options"]["reduction"] == {
        "units_merged": 3, "classes": 1, "variables": [3, 1], "constraints": [len(result.model.constraints), 3],
        "before_building": True}
    assert result.diagnosis is not None


def test_alike_units_without_variables_merge_nothing(tmp_path, monkeypatch):
    # Zone b admits nothing: its alike units u3 and u4 have no variables, so there is nothing to
    # merge, and the run is the full model's (no reduction reported).
    units = SAME_ZONE_UNITS.replace("u3,Three,a", "u3,Three,b") + "u4,Four,b,2,1\n"
    scenario = optimizer.load_scenario(write_tiny(tmp_path, {"zoning": {"a": {"admits": []}, "b": {"admits": []}}},
                                                  units=units))
    assert merge_units(scenario)[0].head.tolist() == [0, 0, 2, 2]
    result = optimizer.solve(scenario)
    assert not isinstance(result, MergedResult) and "reduction" not in result.summary()["solver"]["options"]
    assert_same_tables(result, built_in_full(scenario, monkeypatch))


def test_a_soft_land_limit_builds_the_full_model(tmp_path, monkeypatch):
    # Violation variables on the land rows: a merged land row could not be split back, so the
    # run builds the full model (whose own merge leaves such units apart too).
    scenario = optimizer.load_scenario(write_tiny(
        tmp_path, {"carbon_budget": {"total_mt": 5}, "limits": {"land": {"soft": True, "penalty_per_unit": 1}}},
        units=SAME_ZONE_UNITS))
    assert merge_units(scenario) is not None
    result = optimizer.solve(scenario)
    assert not isinstance(result, MergedResult) and "land[u2]" in result.model.constraints[1].name
    assert result.objective == pytest.approx(optimizer.solve(scenario, reduce=False).objective)


def test_an_infeasible_merged_run_is_explained_on_the_full_model(tmp_path):
    # The minimum of hi needs 20 km² of the 15: the presolve checks prove it on the merged model,
    # and the diagnosis names the units' own rows.
    from conftest import industries

    scenario = optimizer.load_scenario(write_tiny(tmp_path, units=SAME_ZONE_UNITS, industries=industries(hi=(20, None))))
    result = optimizer.solve(scenario)
    assert result.status == "infeasible" and not isinstance(result, MergedResult)
    assert [c.name for c in result.model.constraints][:3] == ["land[u1]", "land[u2]", "land[u3]"]
    assert result.diagnosis is not None


def test_presolve_checks_of_the_merged_scenario_say_what_those_of_the_full_one_say(tmp_path):
    from conftest import industries

    for bounds in ({"hi": (20, None)}, {"hi": (10, None), "lo": (10, None)}, {}):
        scenario = optimizer.load_scenario(write_tiny(tmp_path / str(len(bounds)), units=SAME_ZONE_UNITS,
                                                      industries=industries(**bounds)))
        merged = build(merge_units(scenario)[1])
        assert _findings(merged) == _findings(build(scenario))


def _findings(model):
    return sorted((f.check, f.severity, f.exit_code) for f in run_checks(model))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(instances())
def test_merging_before_building_gives_the_tables_of_a_full_build(monkeypatch, data):
    scenario = validate_scenario(data, None)
    merged = optimizer.solve(scenario)
    reference = built_in_full(scenario, monkeypatch)
    assert merged.status == reference.status
    if reference.status != "optimal":
        return
    assert merged.objective == pytest.approx(reference.objective, rel=1e-7, abs=1e-7)
    certify(merged.full_model, merged.full_solution)  # every row of the full model holds, and the duals prove it
    assert_same_tables(merged, reference, prices=False)  # the same classes, the same split: the same tables
    assert_same_program(scenario)
    land = merged.constraints[merged.constraints["family"] == "land"]
    assert (land["activity"] <= land["rhs"] + 1e-7).all()


# Units u1, u2, u3 alike in zone a, u4 in zone b; population per unit, for per-resident balance.
FAMILY_UNITS = ("id,name,zone,land_km2,land_intensity,population_10k\n"
                "u1,One,a,10,1,5\nu2,Two,a,5,1,5\nu3,Three,a,2,1,5\nu4,Four,b,4,1,2\n")
BUDGET = {"carbon_budget": {"total_mt": 5}}
FAMILIES = {  # each family turned on, where it can tell the alike units apart
    "energy": {"energy": {"total_mtce": 0.012, "by_zone": {"a": {"total_mtce": 0.008}}}},
    "balance by zone": {"balance": {"measure": "land_share", "tolerance": 0.2}},
    "balance per resident": {"balance": {"measure": "output_per_resident", "tolerance": 0.2}},
    "balance by unit": {"balance": {"measure": "land_share", "level": "unit", "tolerance": 0.5}},
    "chains by zone": {"industry_chains": {"hi_lo": {"leading": ["hi"], "supporting": ["lo"], "ratio": 0.5}}},
    "chains in a cluster": {"industry_chains": {"hi_lo": {"leading": ["hi"], "supporting": ["lo"], "ratio": 2,
                                                          "within": {"west": ["u2", "u4"]}}}},
    "capacity replacement": {"capacity_replacement": {"industries": ["hi"], "ratio": 1, "within": "zone",
                                                      "existing_km2": {"u2": {"hi": 3}}}},
    "pollution charges": {"pollution_charges": {"base_charge_yuan_per_t": 5e5, "standards_t": {"a": 300},
                                                "tiers": [{"up_to": 2, "multiple": 1}, {"multiple": 3}]}},
    "indicator sharing": {"indicator_sharing": {"maximise_host_output": True,
                                                "industries": {"hi": {"source": "east", "output_share": 0.6}}}},
    "parks": {"parks": {"sites": {"P": {"unit": "u3", "land_km2": 1.0, "admits": ["hi"]}}}},
    "resources": {"resources": {"water": {"measured_in": "10k m3", "capacity_column": "population_10k",
                                          "use_column": "jobs_per_km2"}}},
    "soft carbon": {"limits": {"carbon": {"soft": True, "penalty_per_unit": 100}}},
}


@pytest.mark.parametrize("changes", FAMILIES.values(), ids=FAMILIES.keys())
def test_every_family_tells_which_units_it_keeps_apart(tmp_path, monkeypatch, changes):
    # Whatever a family does, the run that merges before building gives the tables of the one
    # that builds the full model (whose own merge reads the compiled matrix).
    scenario = optimizer.load_scenario(write_tiny(tmp_path, {**BUDGET, **changes}, units=FAMILY_UNITS))
    merged, reference = optimizer.solve(scenario), built_in_full(scenario, monkeypatch)
    full = optimizer.solve(scenario, reduce=False)
    assert merged.status == reference.status == full.status == "optimal"
    assert merged.objective == pytest.approx(full.objective, rel=1e-9)
    certify(merged.full_model, merged.full_solution)
    assert_same_tables(merged, reference, prices=False)
    assert_same_program(scenario)
    assert merged.family_tables.keys() == reference.family_tables.keys()
    for name, table in merged.family_tables.items():
        pd.testing.assert_frame_equal(table, reference.family_tables[name], check_exact=False, rtol=1e-7, atol=1e-7)


def test_every_family_says_which_units_it_keeps_apart():
    assert all(hasattr(family, "units_apart") for family in optimizer.rules.RULE_FAMILIES)
