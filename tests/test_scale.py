"""Scale: the direct HiGHS path, exact merging of interchangeable units, per-category intensities.

Every speed-up must keep the optimum: the merged model gives the full model's optimum, its split
solution meets every row of the full model, and its duals certify that optimum on the full model
(reduced costs of the right sign, dual objective = primal objective).
"""

from __future__ import annotations

import dataclasses
import io
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
import optimizer.rules
from conftest import UNITS, write_tiny
from optimizer.compile.presolve import run_checks
from optimizer.cli import main
from optimizer.compile.model import build
from optimizer.core.progress import Progress
from optimizer.reduction.matrix_merge import reduce, reduction_of
from optimizer.core.errors import ScenarioError
from optimizer.scenario.model import _frame, _validate_columns, _validate_row, validate_scenario

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

# u1 and u2 in zone a, u3 in zone b, all alike.
SAME_ZONE_UNITS = "id,name,zone,land_km2,land_intensity\nu1,One,a,10,1\nu2,Two,a,5,1\nu3,Three,a,0,1\n"


def certify(model, solution, tol=1e-6):
    """Assert that (values, duals) is an optimal primal-dual pair of ``model`` (0 ≤ x ≤ upper).

    Primal: every row and bound holds. Dual, with y = d(objective)/d(rhs): relaxing a limit never
    hurts, no unbounded column could improve the objective (reduced cost), and the dual
    objective y·rhs (+ what columns at their upper bound earn) equals the primal objective.
    """
    x, y = solution.values, solution.duals
    matrix = model.matrix
    activity = matrix.activity(x)
    scale = np.maximum(1.0, np.abs(np.where(np.isfinite(matrix.row_lower), matrix.row_lower, matrix.row_upper)))
    assert (x >= -tol).all()
    assert (activity >= matrix.row_lower - tol * scale).all() and (activity <= matrix.row_upper + tol * scale).all()
    c = model.objective_vector()
    sign = 1.0 if model.sense == "max" else -1.0
    # d(objective)/d(rhs): relaxing a limit never hurts.
    upper_only = np.isinf(matrix.row_lower)
    lower_only = np.isinf(matrix.row_upper)
    y_scale = tol * max(1.0, np.abs(y).max(initial=0.0))
    assert (sign * y[upper_only] >= -y_scale).all() and (sign * y[lower_only] <= y_scale).all()
    aty = np.bincount(matrix.column, weights=matrix.value * y[matrix.index], minlength=len(c))
    reduced = sign * (c - aty)
    upper = model.variables["upper"].to_numpy(dtype=float)
    bounded = np.isfinite(upper)
    assert (x <= upper + tol).all()
    assert (reduced[~bounded] <= tol * np.maximum(1.0, np.abs(c) + np.abs(aty))[~bounded]).all()
    rhs = np.where(upper_only, matrix.row_upper, matrix.row_lower)
    bound_gain = sign * float(upper[bounded] @ np.maximum(reduced[bounded], 0.0))
    assert float(y @ rhs) + bound_gain == pytest.approx(solution.objective, rel=1e-6, abs=1e-6)


# --------------------------------------------------------------------------- merging, by hand


def test_interchangeable_units_merge_and_fill_in_turn(tmp_path):
    # u1 (10 km²), u2 (5 km²) and u3 (0 km²) of zone a differ in no shared row: one class of
    # 15 km². Budget 5 Mt: h + l ≤ 15, 0.5h + 0.1l ≤ 5 → h = 8.75, l = 6.25: 87.5 + 25 = 112.5.
    # The fill gives u1 its 10 km² first (8.75 hi, then 1.25 lo), u2 the rest.
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": 5}}, units=SAME_ZONE_UNITS)
    model = build(optimizer.load_scenario(path))
    reduction = reduce(model)
    assert reduction.summary() == {"units_merged": 3, "classes": 1, "variables": [6, 2], "constraints": [4, 2]}
    merged = optimizer.solve(path)
    full = optimizer.solve(path, reduce=False)
    assert merged.objective == full.objective == pytest.approx(112.5)
    land = merged.allocation.set_index(["unit", "industry"])["land_km2"]
    assert land.to_dict() == pytest.approx({("u1", "hi"): 8.75, ("u1", "lo"): 1.25, ("u2", "lo"): 5.0})
    prices = merged.constraints.set_index("name")["shadow_price"]
    full_prices = full.constraints.set_index("name")["shadow_price"]
    for name in ("land[u1]", "land[u2]", "carbon_budget"):  # land[u3] ≤ 0 is degenerate
        assert prices[name] == pytest.approx(full_prices[name])
    assert prices["land[u1]"] == pytest.approx(2.5e8) and prices["carbon_budget"] == pytest.approx(1500)
    assert merged.summary()["solver"]["options"]["reduction"]["classes"] == 1
    certify(model, merged.full_solution)
    # The merged model's scenario: the class as u1 with all its land (what the presolve checks read).
    assert [(u.id, u.zone, u.land_km2) for u in reduction.model.scenario.units] == [("u1", "a", 15.0)]
    assert [u.id for u in model.scenario.units] == ["u1", "u2", "u3"]  # the scenario itself unchanged
    # u3 in zone b instead: a class stays in one zone, so the merged scenario keeps a unit in each.
    apart = reduce(build(optimizer.load_scenario(write_tiny(
        tmp_path / "b", {"carbon_budget": {"total_mt": 5}}, units=SAME_ZONE_UNITS.replace("u3,Three,a", "u3,Three,b")))))
    assert [(u.id, u.zone, u.land_km2) for u in apart.model.scenario.units] == [("u1", "a", 15.0), ("u3", "b", 0.0)]


def test_a_unit_specific_row_keeps_its_unit_apart(tmp_path, monkeypatch):
    # A toy family caps hi in u1 at 1 km²: u1 now has two rows of its own and must not merge.
    # Budget 5 Mt: merged, hi would take 8.75 km², but now hi ≤ 1 + 5 = 6; lo takes the other
    # 9 km² (carbon 3 + 0.9 ≤ 5 Mt): 10·6 + 4·9 = 96.
    def add_constraints(builder):
        v = builder.variables
        (position,) = np.flatnonzero((v["unit"] == "u1") & (v["industry"] == "hi"))
        builder.add("cap[u1]", "toy", [position], [1.0], "<=", 1.0, "km2", "a cap on hi in u1")

    toy = types.SimpleNamespace(FAMILY="toy", add_constraints=add_constraints)
    monkeypatch.setattr(optimizer.rules, "RULE_FAMILIES", (*optimizer.rules.RULE_FAMILIES, toy))
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": 5}}, units=SAME_ZONE_UNITS)
    reduction = reduce(build(optimizer.load_scenario(path)))
    assert set(reduction.model.variables["name"]) == {"x[u1,hi]", "x[u1,lo]", "x[u2,hi]", "x[u2,lo]"}  # u3 in u2
    result = optimizer.solve(path)
    assert result.objective == pytest.approx(96)
    assert result.allocation.set_index(["unit", "industry"]).loc[("u1", "hi"), "land_km2"] == pytest.approx(1)


def test_a_project_in_a_unit_keeps_that_unit_apart(tmp_path, monkeypatch):
    # A continuous "project" variable of another kind uses land in u2: land[u2] is no longer u2's
    # own row, so u2 cannot merge (u1 and u3 still do); the optimum is still the full model's.
    def add_variables(builder):
        builder.add_variables("project", pd.DataFrame({
            "name": ["y[u2]"], "unit": ["u2"], "zone": ["a"], "industry": ["hi"], "category": ["m"],
            "upper": [1.0], "land": [4.0], "output": [45.0], "carbon": [1e6],
        }))

    toy = types.SimpleNamespace(FAMILY="toy", add_variables=add_variables, add_constraints=lambda builder: None)
    monkeypatch.setattr(optimizer.rules, "RULE_FAMILIES", (*optimizer.rules.RULE_FAMILIES, toy))
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": 6.5}}, units=SAME_ZONE_UNITS)
    model = build(optimizer.load_scenario(path))
    assert set(reduce(model).model.variables["name"]) == {"x[u1,hi]", "x[u1,lo]", "x[u2,hi]", "x[u2,lo]", "y[u2]"}
    merged, full = optimizer.solve(path), optimizer.solve(path, reduce=False)
    assert merged.objective == pytest.approx(full.objective)
    certify(model, merged.full_solution)


# --------------------------------------------------------------------------- merging, at random


@st.composite
def instances(draw):
    """A small random scenario whose units often share zone and multipliers."""
    n_zones = draw(st.integers(1, 3))
    categories = ["m", "g", "s"][: draw(st.integers(1, 3))]
    industries = []
    for k in range(draw(st.integers(len(categories), 4))):  # every category has an industry
        low = draw(st.one_of(st.none(), st.sampled_from([0.0, 0.5, 2.0])))
        high = draw(st.one_of(st.none(), st.sampled_from([1.0, 3.0, 8.0])))
        if low is not None and high is not None and low > high:
            low, high = high, low
        industries.append({
            "id": f"k{k}", "category": categories[k % len(categories)],
            "output_100m_yuan_per_km2": draw(st.sampled_from([1.0, 4.0, 10.0])),
            "carbon_t_per_km2": draw(st.sampled_from([0.0, 1e5, 5e5])),
            "jobs_per_km2": draw(st.sampled_from([0.0, 100.0, 300.0])),
            "min_km2": low, "max_km2": high,
        })
    profiles = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=len(categories), max_size=len(categories)))
    units = []
    for u in range(draw(st.integers(2, 8))):
        row = {"id": f"u{u}", "zone": f"z{draw(st.integers(0, n_zones - 1))}",
               "land_km2": draw(st.sampled_from([0.0, 0.1, 0.2, 0.61, 1.0, 2.5, 4.0]))}  # sums of 0.1s round
        if draw(st.booleans()):  # a cell with its own multipliers, else the shared profile
            row.update({f"land_intensity_{c}": draw(st.sampled_from([0.5, 1.0, 2.0])) for c in categories})
        else:
            row.update({f"land_intensity_{c}": p for c, p in zip(categories, profiles)})
        units.append(row)
    zoning = {}
    for z in range(n_zones):
        admits = draw(st.lists(st.sampled_from(categories), min_size=1, unique=True))
        rule = {"admits": admits}
        if draw(st.booleans()):
            rule["share_min"] = {draw(st.sampled_from(admits)): draw(st.sampled_from([0.2, 0.5]))}
        zoning[f"z{z}"] = rule
    return {
        "name": "random",
        "zones": [{"id": f"z{z}"} for z in range(n_zones)],
        "units": units,
        "industries": industries,
        "zoning": zoning,
        "carbon_budget": {"total_mt": draw(st.sampled_from([None, 0.5, 2.0]))},
        "objective": draw(st.sampled_from(["output", "jobs", "carbon", "land"])),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_merging_keeps_the_optimum_and_every_rule(data):
    scenario = validate_scenario(data, None)
    model = build(scenario)
    if reduction_of(model) is not None:  # the presolve checks say the same of the merged model
        assert _findings(reduction_of(model).model) == _findings(model)
    full = optimizer.solve(scenario, reduce=False)
    merged = optimizer.solve(scenario)
    assert merged.status == full.status
    if full.status != "optimal":
        return
    assert merged.objective == pytest.approx(full.objective, rel=1e-7, abs=1e-7)
    certify(model, full.solution)
    certify(model, merged.full_solution)  # split values meet every row; split duals prove optimality


def _findings(model) -> list[tuple]:
    # coefficient_range names one of the variables at the ends of the range: a class's first unit
    return [(f.check, f.severity, f.exit_code, f.message if f.check != "coefficient_range" else "")
            for f in run_checks(model)]


# --------------------------------------------------------------------------- the direct HiGHS path


def test_direct_highs_and_pulp_highs_give_the_same_solution(tmp_path):
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": 5}, "objective": "jobs"})
    direct = optimizer.solve(path, solver="highs", reduce=False)
    reference = optimizer.solve(path, solver="highs-pulp", reduce=False)
    assert (direct.status, direct.solution.solver) == ("optimal", "highs")
    assert reference.solution.solver == "highs-pulp"
    assert direct.objective == pytest.approx(reference.objective)
    np.testing.assert_allclose(direct.solution.values, reference.solution.values, atol=1e-9)
    np.testing.assert_allclose(direct.solution.duals, reference.solution.duals, rtol=1e-9, atol=1e-12)


def test_default_same_optimum_on_every_path(default_result):
    for solver, reduce_first in (("highs", False), ("highs-pulp", False), ("highs-pulp", True)):
        other = optimizer.solve(solver=solver, reduce=reduce_first)
        assert other.objective == pytest.approx(default_result.objective, rel=1e-9)
        price = other.constraints.set_index("name").loc["carbon_budget", "shadow_price"]
        assert price == pytest.approx(
            default_result.constraints.set_index("name").loc["carbon_budget", "shadow_price"], rel=1e-6
        )
    certify(default_result.model, default_result.solution)


def test_large_lps_get_the_interior_point_method():
    from optimizer.solvers.dispatch import LARGE_LP, highs_options

    model = build(optimizer.load_scenario())
    settings_ = model.scenario.solver
    assert "solver" not in highs_options(model, settings_)
    big = types.SimpleNamespace(is_mip=False, variables=range(LARGE_LP + 1))
    assert highs_options(big, settings_)["solver"] == "ipm"
    mine = settings_.model_copy(update={"options": {"solver": "simplex"}})
    assert highs_options(big, mine)["solver"] == "simplex"  # the scenario's options win


def test_matrix_sums_repeated_entries_of_a_row(tmp_path):
    model = build(optimizer.load_scenario(write_tiny(tmp_path)))
    c = model.constraints[0]
    model.constraints[0] = dataclasses.replace(c, positions=np.r_[c.positions, c.positions[:1]],
                                               coefficients=np.r_[c.coefficients, 2.0])
    values = np.arange(1.0, len(model.variables) + 1)
    expected = c.coefficients @ values[c.positions] + 2.0 * values[c.positions[0]]
    assert model.matrix.activity(values)[0] == pytest.approx(expected)


# --------------------------------------------------------------------------- per-category intensity


def test_category_intensity_scales_only_its_category(tmp_path):
    # u1's m-industries (hi) yield twice the output and carbon; lo and u2 stay at 1.
    # No budget: u1 all hi at 20 per km² → 200, u2 all hi → 50: 250.
    units = "id,zone,land_km2,land_intensity,land_intensity_m\nu1,a,10,1,2\nu2,b,5,1,\n"
    result = optimizer.solve(write_tiny(tmp_path, units=units))
    assert result.objective == pytest.approx(250)
    pairs = result.model.pairs.set_index("name")
    assert pairs.loc["x[u1,hi]", "carbon"] == 1e6 and pairs.loc["x[u1,lo]", "output"] == 4
    assert pairs.loc["x[u2,hi]", "output"] == 10  # blank: the unit's land_intensity


BAD_INTENSITY = [
    ("unknown-category", "id,zone,land_km2,land_intensity_steel\nu1,a,3,2\n",
     ["units.csv", "line 2", "land_intensity_steel", "Valid: land_intensity_g, land_intensity_m"]),
    ("not-a-number", UNITS.replace("land_intensity\n", "land_intensity,land_intensity_m\n")
     .replace("u1,Unit one,a,10,1", "u1,Unit one,a,10,1,2").replace("u2,Unit two,b,5,1", "u2,Unit two,b,5,1,lots"),
     ["units.csv", "line 3", "land_intensity_m", "'lots'"]),
    ("negative", "id,zone,land_km2,land_intensity_g\nu1,a,3,\nu2,b,1,-1\n",
     ["units.csv", "line 3", "land_intensity_g", "positive"]),
]


@pytest.mark.parametrize("case,units,fragments", BAD_INTENSITY, ids=[c[0] for c in BAD_INTENSITY])
def test_bad_category_intensity_is_explained(tmp_path, capsys, case, units, fragments):
    path = write_tiny(tmp_path / "s", units=units)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in: {err}"


IDS = st.sampled_from(["a", "b", "u1", "", "u 1", "1a"])
NUMBERS = st.sampled_from(["0", "1", "2.5", " 3", "1e3", "", " ", "-1", "1_0", "nan", "inf", "x"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(IDS, IDS, NUMBERS, NUMBERS, NUMBERS), min_size=1, max_size=3))
def test_column_wise_validation_agrees_with_row_by_row(cells):
    header = ["id", "zone", "land_km2", "land_intensity", "land_intensity_m"]
    frame = pd.read_csv(io.StringIO(",".join(header) + "\n" + "\n".join(",".join(r) for r in cells) + "\n"),
                        dtype=str, keep_default_na=False, skipinitialspace=True)
    context = {"indicator_columns": set(), "resource_columns": {}}
    fast = _validate_columns("units", frame, context)
    try:
        slow = [_validate_row("units", i, row, None, context) for i, row in enumerate(frame.to_dict("records"))]
    except ScenarioError:
        assert fast is None  # never accepts what the row-by-row path rejects
        return
    if fast is not None:  # the same rows (repr: NaN equals NaN, 1 differs from 1.0), and their table
        rows, table = fast
        assert repr(rows) == repr(slow) and [type(row) for row in rows] == [type(row) for row in slow]
        pd.testing.assert_frame_equal(table, _frame(tuple(slow)))


# --------------------------------------------------------------------------- generated grids, progress


def test_generated_grid_is_deterministic_and_merges(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    first, second = generate(60, tmp_path / "a", seed=3, profiles=4), generate(60, tmp_path / "b", seed=3, profiles=4)
    for name in ("grid.yaml", "units.csv", "industries.csv"):
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes()
    scenario = optimizer.load_scenario(first)
    model = build(scenario)
    assert len(model.variables) == 60 * 16  # open zoning: every cell × every industry
    merged, full = optimizer.solve(scenario), optimizer.solve(scenario, reduce=False)
    assert merged.status == full.status == "optimal"
    assert merged.objective == pytest.approx(full.objective, rel=1e-8)
    assert merged.summary()["solver"]["options"]["reduction"]["classes"] <= 5 * 4
    certify(model, merged.full_solution)


def test_checks_of_the_merged_grid_say_what_those_of_the_full_grid_say(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    grid = optimizer.load_scenario(generate(60, tmp_path / "g", seed=3, profiles=4))
    land = sum(unit.land_km2 for unit in grid.units)
    first, second = grid.industries[0], grid.industries[1]
    variants = {
        "minimums_vs_land": {"industries": {first.id: {"min_km2": land * 0.7, "max_km2": None},
                                            second.id: {"min_km2": land * 0.5, "max_km2": None}}},
        "minimums_vs_carbon": {"industries": {first.id: {"min_km2": land * 0.3, "max_km2": None}},
                               "carbon_budget": {"total_mt": 1e-3}},
        "share_rules": {"zoning": {"core": {"admits": ["modern_service"], "share_min": {"green": 0.5}}}},
    }
    for check, changes in variants.items():
        model = build(grid.with_changes(**changes))
        assert reduction_of(model) is not None
        full, merged = _findings(model), _findings(reduction_of(model).model)
        assert check in {finding[0] for finding in full} and merged == full, check


def test_progress_speaks_only_after_a_while():
    quiet, loud = io.StringIO(), io.StringIO()
    Progress(stream=quiet, after_s=60).stage("building")
    progress = Progress(stream=loud, after_s=0, every_s=0)
    progress.stage("solving")
    assert progress.wait(lambda: 42) == 42
    assert quiet.getvalue() == "" and "solving …" in loud.getvalue()
    with pytest.raises(ZeroDivisionError):
        progress.wait(lambda: 1 / 0)


def test_no_reduce_flag(tmp_path, capsys):
    path = write_tiny(tmp_path / "s", units=SAME_ZONE_UNITS)
    out = tmp_path / "run"
    assert main(["run", str(path), "--no-reduce", "--quiet", "--out", str(out)]) == 0
    summary = (out / "summary.json").read_text(encoding="utf-8")
    assert '"reduce": false' in summary and '"reduction"' not in summary



class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_steps_on_a_terminal_and_only_there():
    log, terminal, off = io.StringIO(), _Terminal(), _Terminal()
    for stream, enabled in ((log, True), (terminal, True), (off, False)):
        progress = Progress(enabled=enabled, stream=stream, after_s=0)
        assert list(progress.steps("writing the point folders", ["a", "b"])) == ["a", "b"]
        done = progress.counter("solving the frontier")
        done(1, 2), done(2, 2)
    assert log.getvalue().count("…\n") == 2 and "\r" not in log.getvalue()  # a log gets the stage lines only
    assert "writing the point folders:" in terminal.getvalue() and "solving the frontier:" in terminal.getvalue()
    assert off.getvalue() == ""  # --quiet


def test_report_writing_and_frontier_folders_say_what_they_do(tmp_path, default_result):
    stream = io.StringIO()
    default_result.save(tmp_path / "run", progress=Progress(stream=stream, after_s=0))
    for stage in ("writing the tables", "writing report.md", "drawing report.html", "hashing the folder"):
        assert stage in stream.getvalue(), stage
    from optimizer.reporting.frontier import write_frontier
    from optimizer.analysis.multicriteria import frontier, payoff_table

    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5}}))
    table = frontier(scenario, x="carbon", y="output", points=3)
    stream = io.StringIO()
    write_frontier(table, payoff_table(scenario), scenario, tmp_path / "front", progress=Progress(stream=stream, after_s=0))
    assert "writing the 3 point folders …" in stream.getvalue()
