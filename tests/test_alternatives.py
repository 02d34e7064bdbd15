"""Alternative optima (optimizer.analysis.alternatives) on hand-solvable cases and on the default."""

from __future__ import annotations

import numpy as np
import pytest

import optimizer
from optimizer.analysis import alternatives
from optimizer.core.csvfile import read_csv
from optimizer.results.merged import MergedResult
from optimizer.solvers.dispatch import highs_arrays, new_highs

from conftest import DISTRICTS, industries, write_tiny

# Two identical units of 5 km² in zone a, and only industry hi (at most 5 km²) admitted there:
# the optimum puts 5 km² of hi anywhere in the pair, so each unit's hi ranges over [0, 5].
TWINS = "id,name,zone,land_km2,land_intensity\nu1,Unit one,a,5,1\nu2,Unit two,a,5,1\nu3,Unit three,b,1,1\n"


def twins(tmp_path, **changes):
    path = write_tiny(tmp_path / "twins", {"zoning": {"a": {"admits": ["m"]}, "b": {"admits": ["g"]}}, **changes},
                      units=TWINS, industries=industries(hi=(None, 5)))
    return optimizer.load_scenario(path)


def unit_range(table, unit, industry):
    row = table[(table["level"] == "unit") & (table["unit"] == unit) & (table["industry"] == industry)]
    assert len(row) == 1, (unit, industry)
    return float(row["min_km2"].iloc[0]), float(row["max_km2"].iloc[0])


@pytest.mark.parametrize("reduce", [True, False])
def test_two_identical_units_range_over_all_their_land(tmp_path, reduce):
    result = optimizer.solve(twins(tmp_path), reduce=reduce)
    assert isinstance(result, MergedResult) == reduce  # the class rule, and LPs on the full model
    assert result.objective == pytest.approx(50 + 4)
    table = alternatives.land_ranges(result)
    for unit in ("u1", "u2"):
        assert unit_range(table, unit, "hi") == pytest.approx((0, 5))
    assert unit_range(table, "u3", "lo") == pytest.approx((1, 1))  # alone in its zone: forced
    forced = table.set_index(["level", "unit", "industry"])["forced"]
    assert not forced["unit", "u1", "hi"] and forced["unit", "u3", "lo"] and forced["industry", "", "hi"]
    assert result.uniqueness.verdict == "not unique"


def test_a_unique_optimum_has_zero_width_ranges(tiny):
    result = optimizer.solve(tiny)  # every km² to hi: 10 in u1, 5 in u2
    assert result.uniqueness.verdict == "unique"
    table = alternatives.land_ranges(result)
    assert table["forced"].all() and (table["width_km2"] == 0).all()
    assert unit_range(table, "u1", "hi") == pytest.approx((10, 10))
    assert set(table.loc[table["level"] == "unit", "industry"]) == {"hi"}  # lo is in no optimal plan


def test_near_optimal_ranges_are_those_worked_out_by_hand(tiny):
    # Output ≥ 0.9 · 150 = 135 with 10 h + 4 l and h + l ≤ 15: h ≥ 12.5, so l ≤ 2.5.
    table = alternatives.land_ranges(optimizer.solve(tiny), tolerance=0.1)
    totals = table[table["level"] == "industry"].set_index("industry")
    assert (totals.loc["hi", "min_km2"], totals.loc["hi", "max_km2"]) == pytest.approx((12.5, 15))
    assert (totals.loc["lo", "min_km2"], totals.loc["lo", "max_km2"]) == pytest.approx((0, 2.5))
    assert not table["forced"].any()


def _optimum_with(model, columns, low, high):
    """The optimum of ``model`` with Σ land over ``columns`` held in [low, high] (None: infeasible)."""
    import highspy

    highs = new_highs()
    highs.passModel(*highs_arrays(model))
    land = model.variables["land"].to_numpy(dtype=float)
    highs.addRow(low, high, len(columns), columns.astype(np.int32), land[columns])
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return highs.getInfo().objective_function_value


def test_each_range_end_is_exact(districts_result):
    """Fixing a quantity at either end keeps the optimum; a little beyond it loses it."""
    model, optimum = districts_result.model, districts_result.objective
    table = alternatives.land_ranges(districts_result)
    variables = model.variables
    moving = table[(table["level"] == "unit") & (table["width_km2"] > 0.01)].head(8)
    assert len(moving) == 8
    for row in moving.itertuples():
        columns = np.flatnonzero(((variables["unit"] == row.unit) & (variables["industry"] == row.industry)).to_numpy())
        for end, beyond in ((row.min_km2, (-np.inf, row.min_km2 - 1e-4)), (row.max_km2, (row.max_km2 + 1e-4, np.inf))):
            assert _optimum_with(model, columns, end, end) == pytest.approx(optimum, rel=1e-9)
            worse = _optimum_with(model, columns, *beyond)
            assert worse is None or worse < optimum - 1e-7 * optimum, (row.unit, row.industry, end)


def test_the_district_scenario_is_not_unique_and_says_so(districts_result):
    # Its units are alike within a zone: the plan per unit is a free choice (issue 15).
    verdict = districts_result.uniqueness
    assert verdict.verdict == "not unique" and verdict.movement > 1
    assert "not unique" in districts_result.summary()["uniqueness"]["in_words"]


def test_tie_break_gives_one_plan_whichever_solver_and_reduction():
    scenario = optimizer.load_scenario(DISTRICTS).with_changes(analysis={"tie_break": True})
    runs = [optimizer.solve(scenario), optimizer.solve(scenario, solver="cbc"), optimizer.solve(scenario, reduce=False)]
    plain = [optimizer.solve(DISTRICTS), optimizer.solve(DISTRICTS, reduce=False)]
    land = [r.allocation.set_index(["unit", "industry"])["land_km2"] for r in runs]
    for other in land[1:]:
        joined = land[0].to_frame("a").join(other.rename("b"), how="outer").fillna(0.0)
        assert np.allclose(joined["a"], joined["b"], rtol=1e-6, atol=1e-6)
    untied = [r.allocation.set_index(["unit", "industry"])["land_km2"] for r in plain]
    assert not untied[0].index.equals(untied[1].index)  # without the rule the plans do differ
    for run in runs:
        assert run.objective == pytest.approx(plain[0].objective, rel=1e-9)
        assert run.solution.options["tie_break"]["unique"] == "unique"


def test_near_optimal_plans_keep_within_epsilon_and_differ(districts_result):
    plans, land = alternatives.near_optimal_plans(districts_result, 3, epsilon=0.02)
    assert list(plans["plan"]) == [0, 1, 2, 3]
    assert (plans["objective"] >= districts_result.objective * 0.98 * (1 - 1e-9)).all()
    assert (plans.loc[1:, "new_pairs"] > 0).all() and (plans.loc[1:, "l1_from_optimum_km2"] > 1).all()
    for plan, group in land.groupby("plan"):  # each plan's land sums to its KPI
        assert group["land_km2"].sum() == pytest.approx(plans.loc[plan, "land_km2"])


def test_run_writes_the_tables_asked_for(tmp_path):
    from optimizer.cli import main

    out = tmp_path / "run"
    assert main(["run", str(DISTRICTS), "--ranges", "--alternatives", "2", "--out", str(out), "--quiet"]) == 0
    ranges = read_csv(out / "land_ranges.csv")
    assert list(ranges.columns[:7]) == ["level", "unit", "zone", "industry", "land_km2", "min_km2", "max_km2"]
    assert (ranges["min_km2"] <= ranges["land_km2"] + 1e-9).all() and (ranges["land_km2"] <= ranges["max_km2"] + 1e-9).all()
    assert (out / "alternatives.csv").is_file() and (out / "alternatives_land.csv").is_file()
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "The optimal plan is not unique" in report and "Land ranges" in report


def test_next_best_placements_are_no_better_and_differ():
    scenario = optimizer.load_scenario("inputs/transfer-projects.yaml")
    result = optimizer.solve(scenario)
    table = alternatives.next_placements(result, 2)
    assert list(table["rank"]) == [0, 1, 2]
    assert table["objective"].is_monotonic_decreasing and (table.loc[1:, "loss"] >= 0).all()
    assert table["placed"].nunique() == 3  # three distinct placements
    assert (table.loc[1:, "added"] + table.loc[1:, "removed"] != "").all()


def test_compare_counts_only_moves_out_of_the_ranges():
    scenario = optimizer.load_scenario(DISTRICTS).with_changes(analysis={"ranges": 0})
    highs, cbc = optimizer.solve(scenario), optimizer.solve(scenario, solver="cbc")
    plain = optimizer.compare([optimizer.solve(DISTRICTS), optimizer.solve(DISTRICTS, solver="cbc")]).allocation_changes
    assert len(plain) > 0  # the solvers' tie-break moves
    assert optimizer.compare([highs, cbc]).allocation_changes.empty  # none leaves the optimal plans' ranges


def test_compare_still_counts_a_move_out_of_the_ranges(tiny):
    # The tiny plan (every km² to hi, unique) against a carbon budget that moves land out of hi.
    scenario = optimizer.load_scenario(tiny).with_changes(analysis={"ranges": 0})
    base = optimizer.solve(scenario)
    tighter = optimizer.solve(scenario.with_changes(carbon_budget={"total_mt": 3.5}))
    # 0.5 h + 0.1 l ≤ 3.5 (Mt), h + l ≤ 15: h = 5, l = 10 at the optimum, so 10 km² of hi leave,
    # beyond the ranges of both runs (u1's hi: 10 in the baseline's only plan, at most 5 now).
    assert tighter.method_tables["land_ranges"].query("level == 'industry'").set_index("industry")["max_km2"]["hi"] \
        == pytest.approx(5)
    changes = optimizer.compare([base, tighter]).allocation_changes
    assert len(changes) > 0 and set(changes["industry"]) == {"hi", "lo"}


def test_sweep_separates_every_optimal_plan_from_some(tmp_path):
    import pandas as pd

    # The twins: with at most 5 km² of hi, each twin holds it in some optimal plan but in none
    # necessarily; with 10 km², both are full of hi in the only optimal plan.
    base = write_tiny(tmp_path / "twins", {"zoning": {"a": {"admits": ["m"]}, "b": {"admits": ["g"]}},
                                           "analysis": {"ranges": 0}}, units=TWINS, industries=industries(hi=(None, 5)))
    table = optimizer.sweep({"grid": {"industries.hi.max_km2": [5, 10]}}, base=base, out=tmp_path / "s", workers=1,
                            progress=False)
    assert table["status"].tolist() == ["optimal", "optimal"]
    selection = pd.read_csv(tmp_path / "s" / "selection.csv").set_index(["unit", "industry"])
    for twin in ("u1", "u2"):
        assert selection.loc[(twin, "hi"), ["share_in_every_plan", "share_in_some_plan"]].tolist() == [0.5, 1.0]
    assert selection.loc[("u3", "lo"), ["share_in_every_plan", "share_in_some_plan"]].tolist() == [1.0, 1.0]


def test_bad_analysis_settings_are_bad_input(tmp_path, capsys):
    from optimizer.cli import main

    path = write_tiny(tmp_path / "bad", {"analysis": {"ranges": 2}})
    assert main(["run", str(path), "--out", str(tmp_path / "a")]) == 2
    assert "field 'analysis.ranges'" in capsys.readouterr().err
    assert main(["run", "--alternatives", "-1", "--out", str(tmp_path / "b")]) == 2
    assert "'--alternatives'" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
