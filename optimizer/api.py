"""The notebook-facing pipeline: scenario → model → solve → result."""

from __future__ import annotations

import time
from pathlib import Path

from .checks import BAD_INPUT, INFEASIBLE
from .errors import ScenarioError, SolverNotInstalled, SolverUnavailable
from .model import build
from .progress import Progress
from .result import Result
from .scenario import MultiCriteria, Scenario, _fields, load_scenario


def solve(
    scenario: Scenario | str | Path | None = None,
    solver: str | None = None,
    diagnose: bool = True,
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

    The presolve checks run first (``optimizer.checks``), on the merged model when interchangeable
    units merge (``optimizer.reduce``; the same findings at its size): an unusable input raises
    :class:`ScenarioError`, a proved infeasibility skips the solve, and warnings go to
    ``Result.warnings``. An infeasible scenario is explained in ``Result.diagnosis``
    (``optimizer.diagnosis``) unless ``diagnose`` is False.
    """
    from .checks import run_checks
    from .diagnosis import diagnose as explain
    from .provenance import now
    from .solve import solve_model, unsolved

    started_at = now()
    timings: dict[str, float] = {}
    progress = progress if isinstance(progress, Progress) else Progress(enabled=progress)
    if not isinstance(scenario, Scenario):
        progress.stage("loading the scenario")
        started = time.perf_counter()
        scenario = load_scenario(scenario)
        timings["load"] = time.perf_counter() - started
    scenario = with_solver(scenario, solver, solver_settings)
    check_solver(scenario, from_file=solver is None)
    progress.stage(f"building the model of {len(scenario.units):,} units")
    started = time.perf_counter()
    model = build(scenario)
    timings["build"] = time.perf_counter() - started
    checked = model
    if scenario.solver.reduce:
        progress.stage("looking for interchangeable units")
        started = time.perf_counter()
        checked = model.reduction.model if model.reduction is not None else model
        timings["reduce"] = time.perf_counter() - started
    progress.stage("presolve checks")
    started = time.perf_counter()
    findings = run_checks(checked)  # the merged model has the full one's conflicts, at its size
    timings["checks"] = time.perf_counter() - started
    raise_unusable(findings, scenario)
    proofs = [f.check for f in findings if f.exit_code == INFEASIBLE]
    if proofs:
        message = f"proved by the presolve checks {', '.join(proofs)}"
        result = Result(scenario, model, unsolved(model, scenario.solver, "infeasible", message), timings)
    elif isinstance(scenario.objective, MultiCriteria):
        from .multicriteria import solve_multicriteria

        result = solve_multicriteria(scenario)
        result.timings = {**timings, **result.timings}
    else:
        solution = solve_model(model, scenario.solver, progress)
        timings["solve"] = solution.seconds
        result = Result(scenario, model, solution, timings)
    result.provenance["started"] = started_at
    result.warnings[:0] = [f.text for f in findings if f.severity == "warning"]
    if diagnose and result.status == "infeasible":
        started = time.perf_counter()
        result.diagnosis = explain(result.model, scenario.solver, findings)
        result.timings["diagnosis"] = time.perf_counter() - started
    return result


def with_solver(scenario: Scenario, solver: str | None, solver_settings: dict) -> Scenario:
    """The scenario with its solver settings overridden (``solver`` by name, others by keyword)."""
    if solver is None and not solver_settings:
        return scenario
    changes = dict(solver_settings)
    if solver is not None:
        changes["name"] = solver
    return scenario.with_changes(solver=changes)


def check_solver(scenario: Scenario, from_file: bool = True) -> None:
    """A solver that is missing or misconfigured stops the run before any work.

    An unknown solver name is bad input; when the scenario file names it (``from_file``), the error
    points there.
    """
    from .solve import available_solvers, check_settings

    try:
        check_settings(scenario.solver)
    except ScenarioError as error:
        error.file = error.file or scenario.origin
        raise ScenarioError(**_fields(error)) from None
    except SolverNotInstalled:
        raise
    except SolverUnavailable as error:
        if not from_file:
            raise
        raise ScenarioError(
            str(error), file=scenario.origin, field="solver.name", valid=", ".join(available_solvers())
        ) from None


def raise_unusable(findings, scenario: Scenario) -> None:
    """Presolve errors that make the input unusable as it is are bad input, like a malformed file."""
    unusable = [f for f in findings if f.exit_code == BAD_INPUT]
    if unusable:
        raise ScenarioError(
            "; ".join(f"{f.message} [{f.check}]" for f in unusable),
            file=scenario.origin or "the scenario",
            valid="; ".join(f.fix for f in unusable),
        )
