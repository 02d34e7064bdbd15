"""The notebook-facing pipeline: scenario → model → solve → result."""

from __future__ import annotations

import time
from pathlib import Path

from .model import build
from .result import Result
from .scenario import Scenario, load_scenario


def solve(scenario: Scenario | str | Path | None = None, solver: str | None = None, **solver_settings) -> Result:
    """Solve a scenario (a Scenario, a path, or None for the Chongqing default).

    ``solver`` picks the solver by name (``highs``, ``cbc``, or any available PuLP solver);
    other keywords (``time_limit_s``, ``mip_gap``, ``threads``, ``msg``, ``options``) override
    the scenario's solver settings.
    """
    from .provenance import now

    started_at = now()
    timings: dict[str, float] = {}
    if not isinstance(scenario, Scenario):
        started = time.perf_counter()
        scenario = load_scenario(scenario)
        timings["load"] = time.perf_counter() - started
    if solver is not None or solver_settings:
        changes = dict(solver_settings)
        if solver is not None:
            changes["name"] = solver
        scenario = scenario.with_changes(solver=changes)
    from .solve import solve_model

    started = time.perf_counter()
    model = build(scenario)
    timings["build"] = time.perf_counter() - started
    solution = solve_model(model, scenario.solver)
    timings["solve"] = solution.seconds
    return Result(scenario, model, solution, timings, provenance={"started": started_at})
