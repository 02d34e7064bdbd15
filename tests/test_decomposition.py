"""optimizer.solvers.decomposition: the plain HiGHS optimum and coupling prices, a proof that can fail,
and a clear refusal where the structure is not there."""

from __future__ import annotations

import sys
from pathlib import Path

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.solvers import decomposition
from optimizer.compile.model import build
from optimizer.solvers.dispatch import highs_arrays, new_highs

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def instance(units: int, industries: int, multipliers: np.ndarray, land: np.ndarray, budget: float,
             minimum: float, maximum: float, maximise: bool = True, integer: bool = False) -> tuple:
    """``highs_arrays``' tuple of a grid-like LP: x[u,k] ≥ 0, Σ_k x[u,k] ≤ land[u] per unit; coupling:
    carbon Σ e_k m[u,k] x ≤ budget, industry 0 at least `minimum`, industry 1 at most `maximum`, and
    industry 2 at most half of all land used (a share rule)."""
    output = np.linspace(10.0, 30.0, industries)
    carbon = np.linspace(1.0, 4.0, industries)[::-1]
    n = units * industries
    unit_of, industry_of = np.repeat(np.arange(units), industries), np.tile(np.arange(industries), units)
    m = multipliers.ravel()
    rows = [unit_of, np.full(n, units), np.full(n, units + 1), np.full(n, units + 2), np.full(n, units + 3)]
    values = [np.ones(n), carbon[industry_of] * m, (industry_of == 0) * 1.0, (industry_of == 1) * 1.0,
              (industry_of == 2) - 0.5]
    row, col, val = np.concatenate(rows), np.tile(np.arange(n), len(rows)), np.concatenate(values)
    keep = val != 0
    row, col, val = row[keep], col[keep], val[keep]
    order = np.lexsort((row, col))
    row, col, val = row[order], col[order], val[order]
    start = np.r_[0, np.cumsum(np.bincount(col, minlength=n))].astype(np.int32)
    row_lower = np.r_[np.full(units, -np.inf), -np.inf, minimum, -np.inf, -np.inf]
    row_upper = np.r_[land, budget, np.inf, maximum, 0.0]
    cost = output[industry_of] * m
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    if not maximise:
        cost = -cost
    return (n, units + 4, len(val), int(highspy.MatrixFormat.kColwise), int(sense), 0.0, cost, np.zeros(n),
            np.full(n, np.inf), row_lower, row_upper, start, row.astype(np.int32), val,
            np.full(n, int(integer), dtype=np.int32))


def plain(arrays: tuple):
    highs = new_highs()
    highs.passModel(*arrays)
    highs.run()
    solution = highs.getSolution()
    return (highs.getModelStatus() == highspy.HighsModelStatus.kOptimal, highs.getInfo().objective_function_value,
            np.array(solution.col_value), np.array(solution.row_dual))


@st.composite
def instances(draw, ties: bool = False):
    units = draw(st.integers(100, 300))
    industries = draw(st.integers(3, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if ties:  # a few profiles and one land size: many units alike, many optima
        profiles = rng.choice([0.5, 1.0, 1.5], (3, industries))
        multipliers = profiles[rng.integers(0, 3, units)]
        land = np.full(units, 0.25)
    else:
        multipliers = rng.uniform(0.6, 1.4, (units, industries))
        land = rng.uniform(0.02, 0.3, units)
    total = land.sum()
    budget = draw(st.floats(0.3, 1.2)) * 2.5 * total
    minimum = draw(st.floats(0.0, 0.3)) * total
    maximum = draw(st.floats(0.05, 0.5)) * total
    return instance(units, industries, multipliers, land, budget, minimum, maximum, maximise=draw(st.booleans()))


def coupling(arrays: tuple) -> np.ndarray:
    return np.arange(arrays[1] - 4, arrays[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_continuous_instances_give_the_plain_optimum_and_its_coupling_prices(arrays):
    found = decomposition.solve_arrays(arrays)
    optimal, objective, _, duals = plain(arrays)
    if not optimal:  # a minimum the budget cannot meet: declined, the plain solver says why
        assert found.status == "not_applicable" and "plain solver" in found.reason
        return
    assert found.status == "optimal", found.reason
    assert found.proof.holds and found.objective == pytest.approx(objective, rel=1e-9)
    rows = coupling(arrays)
    assert found.duals[rows] == pytest.approx(duals[rows], rel=1e-6, abs=1e-7)
    assert found.master_columns < arrays[0]  # it did not need every column


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(ties=True))
def test_degenerate_instances_give_the_plain_optimum_with_proved_prices(arrays):
    # Ties make the optimal face and the prices non-unique: the optimum must agree, and the prices
    # found must be optimal ones of the full model (the proof), whichever HiGHS would pick.
    found = decomposition.solve_arrays(arrays)
    optimal, objective, values, duals = plain(arrays)
    if not optimal:  # a minimum the budget cannot meet: declined, the plain solver says why
        assert found.status == "not_applicable" and "plain solver" in found.reason
        return
    assert found.status == "optimal", found.reason
    assert found.objective == pytest.approx(objective, rel=1e-9)
    assert found.proof.holds and decomposition.certify(arrays, values, duals).holds


def test_the_proof_fails_on_a_perturbed_plan_or_prices():
    rng = np.random.default_rng(5)
    arrays = instance(200, 4, rng.uniform(0.6, 1.4, (200, 4)), rng.uniform(0.02, 0.3, 200), 100.0, 3.0, 8.0)
    found = decomposition.solve_arrays(arrays)
    assert found.proof.holds
    x, y = found.values, found.duals
    worse = x.copy()
    j = int(np.flatnonzero(x > 1e-6)[0])
    unit = j // 4
    worse[unit * 4: unit * 4 + 4] = 0.0  # a unit left idle: feasible here, but no longer optimal
    assert not decomposition.certify(arrays, worse, y).holds
    over = x * (1 + 1e-6)  # every land row exceeded
    proof = decomposition.certify(arrays, over, y)
    assert not proof.holds and proof.primal_violation > decomposition.PRIMAL_TOL
    shifted = y.copy()
    shifted[coupling(arrays)[0]] += 1.0  # the carbon price raised
    assert not decomposition.certify(arrays, x, shifted).holds


def test_integer_variables_and_many_coupling_rows_are_declined():
    rng = np.random.default_rng(1)
    args = (200, 4, rng.uniform(0.6, 1.4, (200, 4)), rng.uniform(0.02, 0.3, 200), 100.0, 3.0, 8.0)
    found = decomposition.solve_arrays(instance(*args, integer=True))
    assert found.status == "not_applicable" and "integer" in found.reason and found.values is None
    few = instance(40, 4, rng.uniform(0.6, 1.4, (40, 4)), rng.uniform(0.02, 0.3, 40), 20.0, 0.5, 2.0)
    found = decomposition.solve_arrays(few)  # 4 coupling rows for 40 units: too many may be split
    assert found.status == "not_applicable" and "coupling rows" in found.reason


def test_a_generated_grid_gives_the_tools_optimum_and_prices(tmp_path, monkeypatch):
    monkeypatch.setattr(decomposition, "SAMPLE_UNITS", 100)  # the warm start's sampled LP runs too
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    scenario = optimizer.load_scenario(generate(600, tmp_path / "g", seed=4))  # continuous multipliers
    model = build(scenario)
    found = decomposition.solve_arrays(highs_arrays(model))
    solved = optimizer.solve(scenario, reduce=False)
    assert found.status == "optimal" and found.units == 600 and found.coupling_rows == len(model.constraints) - 600
    assert found.objective == pytest.approx(solved.objective, rel=1e-9)
    assert found.proof.holds and found.proof.columns == len(model.variables)
    # This grid is degenerate in an industry bound (its price is not unique): the plain solver's
    # prices pass the same proof, and so are optimal too.
    assert decomposition.certify(highs_arrays(model), solved.solution.values, solved.solution.duals).holds


def test_a_model_infeasible_in_its_coupling_rows_is_left_to_the_plain_solver():
    rng = np.random.default_rng(2)
    land = rng.uniform(0.02, 0.3, 200)
    arrays = instance(200, 4, rng.uniform(0.6, 1.4, (200, 4)), land, 100.0, 2 * land.sum(), 8.0)
    assert not plain(arrays)[0]
    found = decomposition.solve_arrays(arrays)
    assert found.status == "not_applicable" and "plain solver" in found.reason
