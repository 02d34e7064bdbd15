"""The notebook-facing pipeline: scenario → model → solve → result."""

from __future__ import annotations

import time
from pathlib import Path

from .model import build
from .progress import Progress
from .result import Result
from .scenario import Scenario, load_scenario


def solve(
    scenario: Scenario | str | Path | None = None,
    solver: str | None = None,
    progress: bool | Progress = False,
    **solver_settings,
) -> Result:
    """Solve a scenario (a Scenario, a path, or None for the Chongqing default).

    ``solver`` picks the solver by name (``highs``, ``highs-pulp``, ``cbc``, or any available
    PuLP solver); other keywords (``time_limit_s``, ``mip_gap``, ``threads``, ``msg``,
    ``options``, ``reduce``) override the scenario's solver settings. ``progress=True`` prints
    the stages of a run that lasts more than a few seconds on stderr.
    """
    timings: dict[str, float] = {}
    progress = progress if isinstance(progress, Progress) else Progress(enabled=progress)
    if not isinstance(scenario, Scenario):
        progress.stage("loading the scenario")
        started = time.perf_counter()
        scenario = load_scenario(scenario)
        timings["load"] = time.perf_counter() - started
    if solver is not None or solver_settings:
        changes = dict(solver_settings)
        if solver is not None:
            changes["name"] = solver
        scenario = scenario.with_changes(solver=changes)
    from .solve import solve_model

    progress.stage(f"building the model of {len(scenario.units):,} units")
    started = time.perf_counter()
    model = build(scenario)
    timings["build"] = time.perf_counter() - started
    solution = solve_model(model, scenario.solver, progress)
    timings["solve"] = solution.seconds
    return Result(scenario, model, solution, timings)
