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

from .errors import SolverUnavailable
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
        return self.status in ("optimal", "time_limit") and not np.isnan(self.values).all()


def available_solvers() -> list[str]:
    names = ["highs", "cbc"]
    names += [name for name in pulp.listSolvers(onlyAvailable=True) if name not in ("HiGHS", "PULP_CBC_CMD", "COIN_CMD")]
    return names


def make_solver(settings: SolverSettings) -> tuple[pulp.LpSolver, str, str]:
    """The PuLP solver object for the settings, its canonical name and version."""
    name = settings.name.lower() if settings.name.lower() in SOLVER_ALIASES else settings.name
    common = {"msg": settings.msg, "timeLimit": settings.time_limit_s}
    if name == "highs":
        import highspy

        solver = pulp.HiGHS(gapRel=settings.mip_gap, threads=settings.threads, **common, **settings.options)
        if not solver.available():
            raise SolverUnavailable("HiGHS is not installed (pip install highspy)")
        return solver, "highs", highspy.Highs().version()
    if name == "cbc":
        path = _cbc_binary()
        options = [f"{key} {value}" for key, value in settings.options.items()]
        solver = pulp.COIN_CMD(path=path, gapRel=settings.mip_gap, threads=settings.threads, options=options, **common)
        return solver, "cbc", f"bundled with PuLP {pulp.__version__}"
    if name in pulp.listSolvers(onlyAvailable=True):
        return pulp.getSolver(name, **common, **settings.options), name, "unknown"
    raise SolverUnavailable(
        f"solver '{settings.name}' is not available here; available: {', '.join(available_solvers())}"
    )


def _cbc_binary() -> str:
    """The CBC binary that PuLP 3 bundles (called through COIN_CMD, not the deprecated PULP_CBC_CMD)."""
    from pulp.apis.coin_api import pulp_cbc_path

    if not os.path.isfile(pulp_cbc_path):
        raise SolverUnavailable(f"PuLP's bundled CBC is missing on this platform ({pulp_cbc_path}); use --solver highs")
    return pulp_cbc_path


def solve_model(model: Model, settings: SolverSettings) -> Solution:
    solver, name, version = make_solver(settings)
    problem = model.problem
    started = time.perf_counter()
    if not model.lp_variables:
        return _solve_empty(model, name, version, started)
    try:
        problem.solve(solver)
    except pulp.PulpSolverError as error:
        return _failed(model, name, version, started, f"the solver failed: {error}")
    seconds = time.perf_counter() - started
    status, message, bound, gap = _status(problem, name)
    maximise = model.sense == "max"
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in model.lp_variables], dtype=float)
    duals = np.array([_dual(c.pi) for c in problem.constraints()], dtype=float)
    if name == "highs" and maximise:
        duals = -duals
    if status not in ("optimal", "time_limit"):
        values[:] = np.nan
        duals[:] = np.nan
    objective = model.objective_value(values) if status in ("optimal", "time_limit") else None
    if status == "time_limit" and np.isnan(values).any():
        status, objective, message = "not_solved", None, message or "stopped at a limit with no solution"
    return Solution(status, objective, values, duals, name, version, seconds, message, bound, gap, _options(settings))


def _dual(pi) -> float:
    return float(pi) if pi is not None else np.nan


def _options(settings: SolverSettings) -> dict:
    return settings.model_dump()


def _status(problem: pulp.LpProblem, solver: str) -> tuple[str, str, float | None, float | None]:
    """(status, message, best bound, relative gap) as the solver really reports them."""
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
        return status, "" if status == "optimal" else f"HiGHS: {text}", bound, gap
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
    return status, "" if status == "optimal" else f"{solver}: {pulp.LpStatus[problem.status]}", None, (
        0.0 if status == "optimal" else None
    )


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


def _failed(model: Model, name: str, version: str, started: float, message: str) -> Solution:
    return Solution(
        "error",
        None,
        np.full(len(model.lp_variables), np.nan),
        np.full(len(model.constraints), np.nan),
        name,
        version,
        time.perf_counter() - started,
        message,
    )
