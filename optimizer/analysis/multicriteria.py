"""Several criteria at once: the payoff table, three methods, and the Pareto frontier of two criteria.

Every criterion c is linear in the decision variables, total_c(v) = a_c · v (``optimizer.core.criteria``),
so each method below is a sequence of ordinary solves of one compiled model, retargeted
(``Model.retargeted``) to another objective and to bounds ``criterion_bound[c]`` on criteria.
Write s_c = +1 for a criterion to minimise and −1 for one to maximise.

**Payoff table.** Row c: optimise c alone (f*_c), then, keeping c within a numerical hair of f*_c,
minimise Σ_{d≠c} s_d · total_d / ‖a_d‖₁ so that the row is an efficient plan rather than one of
many tied optima. The diagonal is the ideal point; for the criteria C of a method, the nadir of c
is its worst value over the rows of C.

**Weighted sum.** With weights w_c ≥ 0 (scaled to sum to 1) over the criteria C,

    minimise  Σ_{c∈C} w_c · (total_c − ideal_c) / (nadir_c − ideal_c)

each term being 0 at the criterion's ideal and 1 at its nadir, whatever its units or sense: a
weight is the share of attention a criterion gets across its achievable range.

**Lexicographic.** For the order c_1, …, c_n: optimise c_1 → f*_1; then optimise c_2 with
s_1 · total_1 ≤ s_1 · f*_1 + t_1, where t_1 is the tolerance (relative: r · |f*_1|; absolute:
in c_1's units); and so on, every later step keeping every earlier bound.

**Epsilon-constraint.** Optimise one criterion with s_c · total_c ≤ s_c · ε_c for the others.

**Frontier.** For two criteria x and y, the end points are the lexicographic optima (x then y;
y then x), whose x values span [ideal_x, nadir_x]; the points optimise y with x bounded by
ε_i, evenly spaced over that range. In a linear program the frontier y(ε) is concave and
piecewise linear, and the shadow price of the x bound is its slope: the gain in y per unit of
ε (yuan of output per t CO2 for output against carbon). Between neighbouring points the finite
difference of y brackets it. The knee is the point farthest above the chord between the end
points, in coordinates normalised to [0, 1] by the ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..compile.model import Model, build
from ..core.criteria import Criterion
from ..core.errors import ScenarioError
from ..reduction.solve import solve_model
from ..results.result import COLUMNS, Result
from ..scenario.loading import load_scenario
from ..scenario.model import Scenario, with_solver
from ..schema.run_settings import MultiCriteria

NUMERICAL_SLACK = 1e-7  # relative: a bound at an optimum gives the solver this much room


def _slack(value: float) -> float:
    return NUMERICAL_SLACK * max(1.0, abs(value))


def _sign(criterion: Criterion) -> float:
    return 1.0 if criterion.sense == "min" else -1.0


def _kept_at(criterion: Criterion, value: float, room: float) -> float:
    """The bound that keeps a criterion within ``room`` (≥ 0) of a value, at least a numerical hair."""
    return value + _sign(criterion) * max(room, _slack(value))


@dataclass
class _Compiled:
    """One scenario compiled once, solved under many objectives and bounds."""

    scenario: Scenario
    model: Model

    @classmethod
    def of(cls, scenario: Scenario) -> _Compiled:
        return cls(scenario, build(scenario))

    @property
    def criteria(self) -> dict[str, Criterion]:
        return self.model.criteria

    @property
    def scenario_bounds(self) -> dict[str, float]:
        """The epsilon method's own bounds, if the scenario's objective is that method."""
        objective = self.scenario.objective
        return dict(objective.bounds) if isinstance(objective, MultiCriteria) else {}

    def solve(self, objective: str | Criterion, bounds: dict[str, float] | None = None) -> Result:
        model = self.model.retargeted(objective, bounds)
        solution = solve_model(model, self.scenario.solver)
        return Result(self.scenario, model, solution, {"solve": solution.seconds})

    def totals(self, result: Result) -> dict[str, float]:
        return {name: total for name, total in result.model.totals(result.values).items() if name in self.criteria}

    def tie_broken(self, name: str, first: Result, others: list[str], bounds: dict[str, float]) -> Result:
        """Among the optima of ``name`` (found in ``first`` under ``bounds``), one efficient for ``others``.

        The plan returned is the tie-break's: read its criteria totals, not its objective or prices.
        """
        if not first.has_solution or not others:
            return first
        tie_break = Criterion(
            "(tie-break)",  # not a valid criterion name, so no indicator can clash with it
            None,
            "min",
            "score",
            "scaled sum of the other criteria",
            weights={d: _sign(self.criteria[d]) / _scale(self.model, d) for d in others},
        )
        criterion = self.criteria[name]
        second = self.solve(tie_break, {**bounds, name: _kept_at(criterion, self.totals(first)[name], 0.0)})
        return second if second.has_solution else first


def _scale(model: Model, name: str) -> float:
    norm = float(np.abs(model.criterion_vector(name)).sum())
    return norm if norm > 0 else 1.0


# --------------------------------------------------------------------------- payoff table


def _payoff(compiled: _Compiled, criteria: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, Result]]:
    names = list(criteria or compiled.criteria)
    results: dict[str, Result] = {}
    rows = []
    for name in names:
        alone = compiled.solve(name)
        result = compiled.tie_broken(name, alone, [d for d in names if d != name], {})
        results[name] = result
        values = compiled.totals(result) if result.has_solution else {d: np.nan for d in names}
        rows.append({"optimised": name, "status": result.status, **{d: values[d] for d in names}})
    return pd.DataFrame(rows), results


def payoff_table(
    scenario: Scenario | str | Path | None = None,
    criteria: list[str] | None = None,
    solver: str | None = None,
    **solver_settings,
) -> pd.DataFrame:
    """Each criterion optimised alone (row), every criterion's value in that plan (columns).

    ``criteria`` defaults to every criterion of the scenario (built-in and its indicators);
    ``solver`` and other keywords override the scenario's solver settings, as in ``optimizer.solve``.
    """
    compiled = _Compiled.of(_scenario(scenario, solver, solver_settings))
    for name in criteria or ():
        _check_criterion(compiled, name, "criteria")
    table, _ = _payoff(compiled, criteria)
    return table


def _scenario(scenario, solver: str | None, solver_settings: dict) -> Scenario:
    return with_solver(scenario if isinstance(scenario, Scenario) else load_scenario(scenario), solver, solver_settings)


def _check_criterion(compiled: _Compiled, name: str, field: str) -> None:
    if name not in compiled.criteria:
        raise ScenarioError(f"unknown criterion '{name}'", field=field, valid=", ".join(compiled.criteria))


def ideal_and_nadir(payoff: pd.DataFrame, criteria: list[str], senses: dict[str, str]) -> pd.DataFrame:
    """Per criterion: its ideal (the diagonal) and nadir (its worst over the rows of ``criteria``)."""
    rows = payoff.set_index("optimised").loc[criteria, criteria]
    worst = {c: rows[c].max() if senses[c] == "min" else rows[c].min() for c in criteria}
    return pd.DataFrame(
        {"ideal": [rows.loc[c, c] for c in criteria], "nadir": [worst[c] for c in criteria]}, index=criteria
    )


# --------------------------------------------------------------------------- the methods


def solve_multicriteria(scenario: Scenario) -> Result:
    """Solve a scenario whose objective is a multi-criteria method; the result carries its tables."""
    started = time.perf_counter()
    compiled = _Compiled.of(scenario)
    built = time.perf_counter() - started
    method = scenario.objective
    payoff, payoff_results = _payoff(compiled)
    failed = next((r for r in payoff_results.values() if not r.has_solution), None)
    if failed is not None:
        failed.warnings.append(f"the payoff table could not be completed: optimising one criterion alone was {failed.status}")
        return failed
    criteria = method.criteria
    senses = {name: c.sense for name, c in compiled.criteria.items()}
    ranges = ideal_and_nadir(payoff, criteria, senses)
    warnings: list[str] = []
    steps = None
    if method.method == "weighted":
        result = compiled.solve(_weighted(compiled, method, ranges, warnings))
    elif method.method == "lexicographic":
        result, steps = _lexicographic(compiled, method, warnings)
    else:
        result = compiled.solve(method.optimize, compiled.scenario_bounds)
    result.timings = {"build": built, "solve": time.perf_counter() - started - built}
    result.warnings.extend(warnings)
    if result.has_solution:
        result.method_tables = {
            "criteria": _criteria_table(compiled, result, method, ranges),
            "payoff": payoff,
            **({"lexicographic": steps} if steps is not None else {}),
        }
    return result


def _weighted(compiled: _Compiled, method: MultiCriteria, ranges: pd.DataFrame, warnings: list[str]) -> Criterion:
    total = sum(method.weights[c] for c in method.criteria)
    weights, offset = {}, 0.0
    for name in method.criteria:
        ideal, nadir = ranges.loc[name, "ideal"], ranges.loc[name, "nadir"]
        span = nadir - ideal
        if abs(span) <= _slack(ideal):
            span = _sign(compiled.criteria[name]) * max(abs(ideal), 1.0)
            warnings.append(
                f"{name} has the same value at every row of the payoff table ({ideal:,.6g}): "
                f"its term is scaled by that value instead of its range"
            )
        share = method.weights[name] / total
        weights[name] = share / span
        offset -= share * ideal / span
    return Criterion(
        "weighted", None, "min", "score", "weighted normalised distance from the ideal (0 best)", weights, offset
    )


def _lexicographic(compiled: _Compiled, method: MultiCriteria, warnings: list[str]) -> tuple[Result, pd.DataFrame]:
    bounds: dict[str, float] = {}
    rows = []
    result = None
    for step, name in enumerate(method.order, start=1):
        result = compiled.solve(name, bounds)
        if not result.has_solution:
            warnings.append(f"lexicographic step {step} ({name}) was {result.status}; later steps were not run")
            break
        criterion = compiled.criteria[name]
        optimum = compiled.totals(result)[name]
        tolerance = method.tolerance.get(name)
        room = 0.0 if tolerance is None else (
            tolerance.absolute if tolerance.absolute is not None else tolerance.relative * abs(optimum)
        )
        bounds[name] = _kept_at(criterion, optimum, room)
        rows.append(
            {
                "step": step,
                "criterion": name,
                "sense": criterion.sense,
                "unit": criterion.unit,
                "optimum": optimum,
                "tolerance": _tolerance_text(tolerance),
                "kept_within": bounds[name] if step < len(method.order) else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    if result is not None and result.has_solution:
        final = compiled.totals(result)
        table["final"] = [final[name] for name in table["criterion"]]
    return result, table


def _tolerance_text(tolerance) -> str:
    if tolerance is None:
        return "none"
    if tolerance.absolute is not None:
        return f"{tolerance.absolute:g} (absolute)"
    return f"{tolerance.relative:.4g} (relative)"


def _criteria_table(compiled: _Compiled, result: Result, method: MultiCriteria, ranges: pd.DataFrame) -> pd.DataFrame:
    values = compiled.totals(result)
    rows = []
    for name, c in compiled.criteria.items():
        row = {"criterion": name, "label": c.label, "sense": c.sense, "unit": c.unit, "value": values[name]}
        if name in ranges.index:
            ideal, nadir = ranges.loc[name, "ideal"], ranges.loc[name, "nadir"]
            row |= {"ideal": ideal, "nadir": nadir,
                    "normalised": (values[name] - ideal) / (nadir - ideal) if nadir != ideal else 0.0}
        if method.method == "weighted":
            row["weight"] = method.weights.get(name, 0.0) / sum(method.weights.values())
        if method.method == "epsilon" and name in method.bounds:
            row["bound"] = method.bounds[name]
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the frontier


def frontier(
    scenario: Scenario | str | Path | None = None,
    x: str = "carbon",
    y: str = "output",
    points: int = 11,
    progress: Callable[[int, int], None] | None = None,
    solver: str | None = None,
    **solver_settings,
) -> pd.DataFrame:
    """The Pareto frontier of criteria x and y by the epsilon-constraint method: one row per point.

    Columns: ``point``, ``bound`` (ε on x, in x's units), ``x`` and ``y`` values, ``shadow_price``
    of the x bound (gain in y per unit of x, in ``shadow_price_unit``: yuan per t CO2 for output
    against carbon), every criterion's total, land by category, ``status``, ``efficient`` (no
    other point dominates it), ``knee``, and ``result``: the point's full :class:`Result`.
    ``progress(done, total)`` is called after each solve.
    """
    started = time.perf_counter()
    scenario = _scenario(scenario, solver, solver_settings)
    compiled = _Compiled.of(scenario)
    _check_criterion(compiled, x, "x")
    _check_criterion(compiled, y, "y")
    if x == y or points < 2:
        raise ScenarioError("a frontier needs two different criteria and at least 2 points",
                            field="x, y, points", valid="e.g. x=carbon, y=output, points=11")
    total = points + 4
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    kept = {name: bound for name, bound in compiled.scenario_bounds.items() if name != x}
    ends = []
    for first, second in ((x, y), (y, x)):
        alone = compiled.solve(first, kept)
        tick()
        ends.append(compiled.tie_broken(first, alone, [second], kept))
        tick()
        if not ends[-1].has_solution:  # no plan meets the scenario's own limits: say why, as solve does
            return _table(compiled, x, y, [(np.nan, _explained(ends[-1], compiled))])
    x_ideal, x_nadir = (compiled.totals(end)[x] for end in ends)
    bounds = np.linspace(x_ideal, x_nadir, points)
    bounds[0] = _kept_at(compiled.criteria[x], x_ideal, 0.0)  # room for the solver at the tight end
    solved = []
    for bound in bounds.tolist():
        point = compiled.solve(y, {**kept, x: bound})
        # The point's own scenario, so that its results folder repeats it exactly.
        point.scenario = scenario.with_changes(objective={"method": "epsilon", "optimize": y, "bounds": {**kept, x: bound}})
        solved.append((bound, point))
        tick()
    table = _table(compiled, x, y, solved)
    table.attrs["timings_s"] = {"frontier": time.perf_counter() - started}
    return table


def _explained(result: Result, compiled: _Compiled) -> Result:
    """An infeasible result with its diagnosis (``optimizer.analysis.diagnosis``), as ``optimizer.solve`` gives."""
    if result.status == "infeasible":
        from ..compile.presolve import run_checks
        from .diagnosis import diagnose

        result.diagnosis = diagnose(result.model, compiled.scenario.solver, run_checks(compiled.model))
    return result


def _table(compiled: _Compiled, x: str, y: str, solved: list[tuple[float, Result]]) -> pd.DataFrame:
    criteria = compiled.criteria
    categories = compiled.scenario.categories
    rows = []
    for point, (bound, result) in enumerate(solved, start=1):
        row = {"point": point, "bound": bound, "x": np.nan, "y": np.nan, "shadow_price": np.nan}
        if result.has_solution:
            totals = compiled.totals(result)
            prices = result.constraints.set_index("name")
            row |= {"x": totals[x], "y": totals[y],
                    "shadow_price": prices["shadow_price"].get(f"criterion_bound[{x}]", np.nan)}
            row |= {COLUMNS.get(name, name): totals[name] for name in criteria}
            land = result.allocation.groupby("category")["land_km2"].sum()
            row |= {f"land_km2[{c}]": float(land.get(c, 0.0)) for c in categories}
        row |= {"status": result.status, "result": result}
        rows.append(row)
    table = pd.DataFrame(rows)
    table["efficient"] = _efficient(table, criteria[x], criteria[y])
    table["knee"] = _knee(table, criteria[x], criteria[y])
    bound_row = f"criterion_bound[{x}]"
    price_unit = next(
        (r.constraints.set_index("name").loc[bound_row, "shadow_price_unit"] for _, r in solved if r.has_solution), ""
    )
    table.attrs.update(
        {"x": x, "y": y, "x_unit": criteria[x].unit, "y_unit": criteria[y].unit, "x_label": criteria[x].label,
         "y_label": criteria[y].label, "shadow_price_unit": price_unit, "scenario": compiled.scenario.name}
    )
    return table


def _efficient(table: pd.DataFrame, x: Criterion, y: Criterion) -> np.ndarray:
    """No other point is at least as good on both criteria and better on one (beyond solver noise)."""
    xs, ys = _sign(x) * table["x"].to_numpy(), _sign(y) * table["y"].to_numpy()  # smaller is better
    if np.isnan(xs).all():
        return np.zeros(len(table), dtype=bool)
    tx, ty = _slack(np.nanmax(np.abs(xs))), _slack(np.nanmax(np.abs(ys)))
    no_worse = (xs[None, :] <= xs[:, None] + tx) & (ys[None, :] <= ys[:, None] + ty)  # [i, j]: j no worse than i
    better = (xs[None, :] < xs[:, None] - tx) | (ys[None, :] < ys[:, None] - ty)
    return ~np.isnan(xs) & ~(no_worse & better).any(axis=1)


def _knee(table: pd.DataFrame, x: Criterion, y: Criterion) -> list[bool]:
    """The point farthest above the chord between the end points, in normalised coordinates."""
    ok = table["efficient"].to_numpy()
    if ok.sum() < 3:
        return [False] * len(table)
    xs, ys = table["x"].to_numpy(), table["y"].to_numpy()
    first, last = np.flatnonzero(ok)[[0, -1]]
    u = (xs - xs[first]) / (xs[last] - xs[first])
    v = (ys - ys[first]) / (ys[last] - ys[first])
    gain = np.where(ok, v - u, -np.inf)
    knee = int(np.argmax(gain))
    return [i == knee and gain[knee] > 0 for i in range(len(table))]
