"""The notebook-facing pipeline: scenario → model → solve → result."""

from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..compile.model import build
from ..core.errors import ScenarioError, SolverNotInstalled, SolverUnavailable
from ..core.exit_codes import BAD_INPUT, INFEASIBLE
from ..core.progress import Progress
from ..reduction.matrix_merge import reduction_of
from ..reduction.scenario_merge import merge_units, prepare
from ..results.merged import merged_result
from ..results.result import Result
from ..scenario.loading import load_scenario
from ..scenario.model import Scenario, with_solver
from ..schema.run_settings import MultiCriteria


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
    (``objective: {method: ...}``) is solved by ``optimizer.analysis.multicriteria``; its result carries
    the payoff table. ``progress=True`` prints the stages of a run that lasts more than a few
    seconds on stderr.

    With ``reduce`` on (the default), alike units are merged on the scenario before building
    where the rule families allow it (``optimizer.reduction.scenario_merge``; the result is a ``MergedResult``, its
    tables per unit all the same), and interchangeable units of the built model otherwise
    (``optimizer.reduction.matrix_merge``). The presolve checks run first (``optimizer.compile.presolve``), on the merged
    model when units merge (the same findings at its size): an unusable input raises
    :class:`ScenarioError`, a proved infeasibility skips the solve, and warnings go to
    ``Result.warnings``. An infeasible scenario is explained in ``Result.diagnosis``
    (``optimizer.analysis.diagnosis``) unless ``diagnose`` is False.
    """
    from ..analysis.alternatives import analyse, asks_tables, tie_broken
    from ..compile.presolve import run_checks
    from ..analysis.diagnosis import diagnose as explain
    from ..reporting.manifest import now
    from ..reduction.solve import solve_model
    from ..solvers.dispatch import unsolved

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
    merged = None
    if scenario.solver.reduce and not isinstance(scenario.objective, MultiCriteria):
        merged = _merged_model(scenario, timings, progress)
    if merged is not None:
        model, checked = merged.built, merged.solved
    else:
        progress.stage(f"building the model of {len(scenario.units):,} units")
        with _timed(timings, "build"):
            model = checked = build(scenario)
        if scenario.solver.reduce:
            progress.stage("looking for interchangeable units")
            with _timed(timings, "reduce"):
                reduction = reduction_of(model)
                checked = reduction.model if reduction is not None else model
    progress.stage("presolve checks")
    with _timed(timings, "checks"):
        findings = run_checks(checked)  # the merged model has the full one's conflicts, at its size
    raise_unusable(findings, scenario)
    proofs = [f.check for f in findings if f.exit_code == INFEASIBLE]
    if proofs:
        message = f"proved by the presolve checks {', '.join(proofs)}"
        model = _full_model(scenario, model, merged, timings, progress)  # the diagnosis reads every unit
        result = Result(scenario, model, unsolved(model, scenario.solver, "infeasible", message), timings)
    elif isinstance(scenario.objective, MultiCriteria):
        from ..analysis.multicriteria import solve_multicriteria

        result = solve_multicriteria(scenario)
        result.timings = {**timings, **result.timings}
    else:
        solved = merged.solved if merged is not None else model
        solution = solve_model(solved, scenario.solver, progress)
        timings["solve"] = solution.seconds
        if scenario.analysis.tie_break:
            with _timed(timings, "tie_break"):
                solution = tie_broken(scenario, solved, solution)
        if merged is None:
            result = Result(scenario, model, solution, timings)
        elif solution.has_solution:
            with _timed(timings, "solve"):  # the split counts, as in a full run's own merge
                result = merged_result(scenario, merged, solution, timings)
        else:  # no solution to split: the verdict stands for the full model, whose rows the result lists
            full = _full_model(scenario, model, merged, timings, progress)
            options = {**solution.options, "reduction": merged.summary(len(full.variables), len(full.constraints))}
            result = Result(scenario, full, dataclasses.replace(
                solution, values=np.full(len(full.variables), np.nan), duals=np.full(len(full.constraints), np.nan),
                options=options), timings)
    if asks_tables(scenario):
        with _timed(result.timings, "alternatives"):
            analyse(result)
    result.provenance["started"] = started_at
    result.warnings[:0] = [f.text for f in findings if f.severity == "warning"]
    if diagnose and result.status == "infeasible":
        started = time.perf_counter()
        result.diagnosis = explain(result.model, scenario.solver, findings)
        result.timings["diagnosis"] = time.perf_counter() - started
    return result


def _merged_model(scenario: Scenario, timings: dict, progress: Progress):
    """What to solve when alike units merge before building (``optimizer.reduction.scenario_merge``); None when
    none do or the model is not as the split needs."""
    progress.stage(f"merging alike units of {len(scenario.units):,}")
    with _timed(timings, "reduce"):
        merge = merge_units(scenario)
    if merge is None:
        return None
    classes, merged_scenario = merge
    progress.stage(f"building the model of {len(merged_scenario.units):,} merged units")
    with _timed(timings, "build"):
        built = build(merged_scenario)
    with _timed(timings, "reduce"):
        return prepare(built, classes)


def _full_model(scenario: Scenario, model, merged, timings: dict, progress: Progress):
    """The full scenario's model: ``model`` itself unless it is the merged one."""
    if merged is None:
        return model
    progress.stage(f"building the model of {len(scenario.units):,} units")
    with _timed(timings, "build"):
        return build(scenario)


@contextmanager
def _timed(timings: dict, stage: str):
    """Add the seconds the block takes to ``timings[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def check_solver(scenario: Scenario, from_file: bool = True) -> None:
    """A solver that is missing or misconfigured stops the run before any work.

    An unknown solver name is bad input; when the scenario file names it (``from_file``), the error
    points there.
    """
    from ..solvers.dispatch import available_solvers, check_settings

    try:
        check_settings(scenario.solver)
    except ScenarioError as error:
        error.file = error.file or scenario.origin
        raise ScenarioError(**error.fields()) from None
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
