"""Model → solution: run a solver through PuLP and read back what it really proved.

Solvers by name: ``highs`` (HiGHS in-process through highspy, the default), ``cbc`` (the CBC
binary bundled with PuLP 3, called through COIN_CMD), or any other PuLP solver name that is
available on the machine (``pulp.listSolvers(onlyAvailable=True)``).

Statuses are reported honestly: ``optimal`` only when the solver proved optimality; a run
stopped by a time or iteration limit is ``time_limit`` (with its incumbent, if any), never
"optimal" (PuLP's HiGHS wrapper says "Optimal" in that case, so the HiGHS model status is read
directly).

Duals are normalised to one convention, d(objective)/d(rhs): PuLP's HiGHS wrapper reports
them for the internal minimisation (sign flipped for a maximisation), CBC reports them for the
problem as stated.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np
import pulp

from .errors import ScenarioError, SolverNotInstalled, SolverUnavailable
from .model import Model
from .scenario import SolverSettings

STATUSES = ("optimal", "infeasible", "unbounded", "time_limit", "not_solved", "error")
SOLVER_ALIASES = {"highs": "HiGHS", "cbc": "COIN_CMD"}


@dataclass
class Solution:
    status: str  # one of STATUSES
    objective: float | None
    values: np.ndarray  # per variable, in Model.variables order (NaN when no solution)
    duals: np.ndarray  # per constraint, d(objective)/d(rhs) (NaN when not available)
    solver: str
    solver_version: str
    seconds: float
    message: str = ""
    best_bound: float | None = None
    gap: float | None = None
    options: dict = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """A solution to report: optimal, or the best found before the solver stopped (not optimal)."""
        return self.objective is not None


def available_solvers() -> list[str]:
    names = ["highs", "cbc"]
    names += [name for name in pulp.listSolvers(onlyAvailable=True) if name not in ("HiGHS", "PULP_CBC_CMD", "COIN_CMD")]
    return names


def make_solver(settings: SolverSettings) -> tuple[pulp.LpSolver, str, str]:
    """The PuLP solver object for the settings, its canonical name and version."""
    name = settings.name.lower() if settings.name.lower() in SOLVER_ALIASES else settings.name
    common = {"msg": settings.msg, "timeLimit": settings.time_limit_s}
    if name == "highs":
        try:
            import highspy
        except ImportError:
            raise SolverNotInstalled("HiGHS is not installed here (pip install highspy), or use --solver cbc") from None
        _check_highs_options(highspy, settings.options)
        solver = pulp.HiGHS(gapRel=settings.mip_gap, threads=settings.threads, **common, **settings.options)
        return solver, "highs", highspy.Highs().version()
    if name == "cbc":
        path = _cbc_binary()
        options = [f"{key} {value}" for key, value in settings.options.items()]
        solver = pulp.COIN_CMD(path=path, gapRel=settings.mip_gap, threads=settings.threads, options=options, **common)
        return solver, "cbc", f"bundled with PuLP {pulp.__version__}"
    if name in pulp.listSolvers(onlyAvailable=True):
        return pulp.getSolver(name, **common, **settings.options), name, "unknown"
    if name in pulp.listSolvers():
        raise SolverNotInstalled(
            f"solver '{name}' is known to PuLP but not installed here; available: {', '.join(available_solvers())}"
        )
    raise SolverUnavailable(
        f"solver '{settings.name}' is not available here; available: {', '.join(available_solvers())}"
    )


def _check_highs_options(highspy, options: dict) -> None:
    """HiGHS ignores an unknown option or a bad value with a log line; here it is bad input."""
    probe = highspy.Highs()
    probe.setOptionValue("output_flag", False)
    for key, value in options.items():
        if probe.setOptionValue(str(key), value) != highspy.HighsStatus.kOk:
            raise ScenarioError(
                f"HiGHS has no option '{key}', or {value!r} is not a valid value for it",
                field=f"solver.options.{key}",
                valid="an option name and value from https://ergo-code.github.io/HiGHS/stable/options/definitions/",
            )


def _cbc_binary() -> str:
    """The CBC binary that PuLP 3 bundles (called through COIN_CMD, not the deprecated PULP_CBC_CMD)."""
    from pulp.apis.coin_api import pulp_cbc_path

    if not os.path.isfile(pulp_cbc_path):
        raise SolverNotInstalled(f"PuLP's bundled CBC is missing on this platform ({pulp_cbc_path}); use --solver highs")
    return pulp_cbc_path


@dataclass
class Outcome:
    """What one solver run proved: status, the best solution found (NaN if none), bound and gap."""

    status: str
    message: str
    values: np.ndarray
    best_bound: float | None
    gap: float | None
    solver: str
    version: str
    seconds: float


def run_solver(problem: pulp.LpProblem, lp_variables: list, settings: SolverSettings) -> Outcome:
    """Solve a PuLP problem; the values are kept only when the solver vouches they are feasible."""
    solver, name, version = make_solver(settings)
    started = time.perf_counter()
    try:
        problem.solve(solver)
    except Exception as error:  # whatever a solver or its PuLP wrapper raises is the solver's failure, not ours
        text = f"{name} raised {type(error).__name__}: {error}"
        return Outcome("error", _explained("error", text, settings), np.full(len(lp_variables), np.nan), None, None,
                       name, version, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    status, text, feasible, bound, gap = _status(problem, name)
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in lp_variables], dtype=float)
    if not feasible or status in ("infeasible", "unbounded"):
        values[:] = np.nan
    if status == "time_limit" and np.isnan(values).any():
        status = "not_solved"
    return Outcome(status, _explained(status, text, settings), values, bound, gap, name, version, seconds)


def _explained(status: str, text: str, settings: SolverSettings) -> str:
    """The solver's verdict in words a planner can act on."""
    limit = f" of {settings.time_limit_s:g} s" if settings.time_limit_s else ""
    if status == "time_limit":
        return (f"{text}: stopped at a limit{limit} before proving optimality; the best solution found so far is "
                f"reported, not optimal")
    if status == "not_solved":
        return f"{text}: stopped at a limit{limit} before finding any solution; allow more time (--time-limit)"
    if status == "error":
        return (f"{text}: the solver failed, probably for numerical reasons; try the other solver (--solver cbc or "
                f"highs) and see the coefficient_range warning, if any")
    return text


def solve_model(model: Model, settings: SolverSettings) -> Solution:
    if not model.lp_variables:
        _, name, version = make_solver(settings)
        return _solve_empty(model, name, version, time.perf_counter())
    outcome = run_solver(model.problem, model.lp_variables, settings)
    values = outcome.values
    duals = np.array([_dual(c.pi) for c in model.problem.constraints()], dtype=float)
    if outcome.solver == "highs" and model.sense == "max":
        duals = -duals
    if outcome.status != "optimal":
        duals[:] = np.nan
    objective = None if np.isnan(values).any() else model.objective_value(values)
    return Solution(outcome.status, objective, values, duals, outcome.solver, outcome.version, outcome.seconds,
                    outcome.message, outcome.best_bound, outcome.gap, _options(settings))


def _dual(pi) -> float:
    return float(pi) if pi is not None else np.nan


def _options(settings: SolverSettings) -> dict:
    return settings.model_dump()


def _status(problem: pulp.LpProblem, solver: str) -> tuple[str, str, bool, float | None, float | None]:
    """(status, message, whether the values are a feasible solution, best bound, relative gap) as the solver
    really reports them."""
    if solver == "highs" and problem.solverModel is not None:
        import highspy

        highs = problem.solverModel
        model_status = highs.getModelStatus()
        text = highs.modelStatusToString(model_status)
        info = highs.getInfo()
        s = highspy.HighsModelStatus
        mapping = {
            s.kOptimal: "optimal",
            s.kInfeasible: "infeasible",
            s.kUnbounded: "unbounded",
            s.kUnboundedOrInfeasible: "infeasible",
            s.kTimeLimit: "time_limit",
            s.kIterationLimit: "time_limit",
            s.kSolutionLimit: "time_limit",
            s.kInterrupt: "time_limit",
        }
        status = mapping.get(model_status, "error")
        is_mip = any(v.cat == pulp.LpInteger for v in problem.variables())
        bound = float(info.mip_dual_bound) if is_mip else None
        gap = float(info.mip_gap) if is_mip else (0.0 if status == "optimal" else None)
        feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        return status, "" if status == "optimal" else f"HiGHS: {text}", feasible, bound, gap
    by_solution = {
        pulp.LpSolutionOptimal: "optimal",
        pulp.LpSolutionIntegerFeasible: "time_limit",
        pulp.LpSolutionInfeasible: "infeasible",
        pulp.LpSolutionUnbounded: "unbounded",
        pulp.LpSolutionNoSolutionFound: "not_solved",
    }
    status = by_solution.get(problem.sol_status, "error")
    if problem.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    feasible = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    message = "" if status == "optimal" else f"{solver}: {pulp.LpStatus[problem.status]}"
    return status, message, feasible, None, (0.0 if status == "optimal" else None)


def unsolved(model: Model, settings: SolverSettings, status: str, message: str) -> Solution:
    """No solve was run (a presolve check proved the verdict); the solver is still named, and must exist."""
    _, name, version = make_solver(settings)
    values = np.full(len(model.variables), np.nan)
    return Solution(status, None, values, np.full(len(model.constraints), np.nan), name, version, 0.0, message,
                    options=_options(settings))


def _solve_empty(model: Model, name: str, version: str, started: float) -> Solution:
    """No admitted pair at all: the plan is to allocate nothing, if that meets every bound."""
    feasible = all(
        (c.sense == "<=" and c.rhs >= 0) or (c.sense == ">=" and c.rhs <= 0) or (c.sense == "==" and c.rhs == 0)
        for c in model.constraints
    )
    status = "optimal" if feasible else "infeasible"
    message = "" if feasible else "no industry is admitted anywhere, yet a minimum requires some land"
    duals = np.full(len(model.constraints), np.nan)
    return Solution(
        status, 0.0 if feasible else None, np.zeros(0), duals, name, version, time.perf_counter() - started, message
    )


