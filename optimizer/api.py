"""The notebook-facing pipeline: scenario → model → solve → result."""

from __future__ import annotations

import time
from pathlib import Path

from .model import build
from .progress import Progress
from .result import Result
from .scenario import MultiCriteria, Scenario, load_scenario


def solve(
    scenario: Scenario | str | Path | None = None,
    solver: str | None = None,
    progress: bool | Progress = False,
    **solver_settings,
) -> Result:
    """Solve a scenario (a Scenario, a path, or None for the Chongqing default).

    ``solver`` picks the solver by name (``highs``, ``highs-pulp``, ``cbc``, or any available
    PuLP solver); other keywords (``time_limit_s``, ``mip_gap``, ``threads``, ``msg``,
    ``options``, ``reduce``) override the scenario's solver settings. A multi-criteria objective
    (``objective: {method: ...}``) is solved by ``optimizer.multicriteria``; its result carries
    the payoff table. ``progress=True`` prints the stages of a run that lasts more than a few
    seconds on stderr.
    """
    from .provenance import now

    started_at = now()
    timings: dict[str, float] = {}
    progress = progress if isinstance(progress, Progress) else Progress(enabled=progress)
    if not isinstance(scenario, Scenario):
        progress.stage("loading the scenario")
        started = time.perf_counter()
        scenario = load_scenario(scenario)
        timings["load"] = time.perf_counter() - started
    scenario = with_solver(scenario, solver, solver_settings)
    from .solve import solve_model

    if isinstance(scenario.objective, MultiCriteria):
        from .multicriteria import solve_multicriteria

        result = solve_multicriteria(scenario)
        result.timings = {**timings, **result.timings}
        result.provenance["started"] = started_at
        return result
    progress.stage(f"building the model of {len(scenario.units):,} units")
    started = time.perf_counter()
    model = build(scenario)
    timings["build"] = time.perf_counter() - started
    solution = solve_model(model, scenario.solver, progress)
    timings["solve"] = solution.seconds
    return Result(scenario, model, solution, timings, provenance={"started": started_at})


def with_solver(scenario: Scenario, solver: str | None, solver_settings: dict) -> Scenario:
    """The scenario with its solver settings overridden (``solver`` by name, others by keyword)."""
    if solver is None and not solver_settings:
        return scenario
    changes = dict(solver_settings)
    if solver is not None:
        changes["name"] = solver
    return scenario.with_changes(solver=changes)
