"""Model → solution: run a solver and read back what it really proved.

Solvers by name: ``highs`` (the default: HiGHS in-process, handed the model's arrays in one
``passModel`` call), ``highs-pulp`` (the same HiGHS through PuLP, the reference path),
``cbc`` (the CBC binary bundled with PuLP 3, called through COIN_CMD), or any other PuLP solver
name that is available on the machine (``pulp.listSolvers(onlyAvailable=True)``).

Algorithm (``highs``), chosen by measurement (benchmarks/README.md): an LP with more than
``LARGE_LP`` variables is solved by the interior point method with crossover (a basic solution
with vertex duals, like simplex, but about 20× faster at 160,000 variables); smaller LPs and
MIPs get HiGHS's own choice (dual simplex; branch and cut). ``solver.options`` override it.

Exact reductions (``solver.reduce``, on by default) run first: interchangeable units are merged,
the smaller model is solved by any of the solvers above, and its solution is split back onto the
units (``optimizer.reduce``). The optimum, the duals and every rule are those of the full model.

Statuses are reported honestly: ``optimal`` only when the solver proved optimality; a run
stopped by a time or iteration limit is ``time_limit`` (with its incumbent, if any), never
"optimal" (PuLP's HiGHS wrapper says "Optimal" in that case, so the HiGHS model status is read
directly).

Duals are normalised to one convention, d(objective)/d(rhs): HiGHS given the arrays and CBC
report them for the problem as stated, PuLP's HiGHS wrapper for the internal minimisation (sign
flipped for a maximisation).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import SolverUnavailable
from .model import Model
from .progress import Progress
from .scenario import SolverSettings

if TYPE_CHECKING:
    import pulp

STATUSES = ("optimal", "infeasible", "unbounded", "time_limit", "not_solved", "error")
SOLVER_ALIASES = {"highs": "HiGHS", "highs-pulp": "HiGHS", "cbc": "COIN_CMD"}
LARGE_LP = 10_000  # variables; above it HiGHS's interior point beats its dual simplex (measured)


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
    import pulp

    names = ["highs", "highs-pulp", "cbc"]
    names += [name for name in pulp.listSolvers(onlyAvailable=True) if name not in ("HiGHS", "PULP_CBC_CMD", "COIN_CMD")]
    return names


def make_solver(settings: SolverSettings) -> tuple[pulp.LpSolver, str, str]:
    """The PuLP solver object for the settings, its canonical name and version."""
    import pulp

    name = _canonical(settings.name)
    common = {"msg": settings.msg, "timeLimit": settings.time_limit_s}
    if name in ("highs", "highs-pulp"):
        solver = pulp.HiGHS(gapRel=settings.mip_gap, threads=settings.threads, **common, **settings.options)
        if not solver.available():
            raise SolverUnavailable("HiGHS is not installed (pip install highspy)")
        return solver, "highs-pulp", _highs_version()
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


def _canonical(name: str) -> str:
    return name.lower() if name.lower() in SOLVER_ALIASES else name


def _highs_version() -> str:
    import highspy

    return highspy.Highs().version()


def solve_model(model: Model, settings: SolverSettings, progress: Progress | None = None) -> Solution:
    """Solve the model (after exact reductions, if on) and report what the solver proved."""
    progress = progress or Progress(enabled=False)
    if settings.reduce:
        from .reduce import reduce

        progress.stage("looking for interchangeable units")
        reduction = reduce(model)
        if reduction is not None:
            return reduction.expand(_solve(reduction.model, settings, progress))
    return _solve(model, settings, progress)


def _solve(model: Model, settings: SolverSettings, progress: Progress) -> Solution:
    size = f"{len(model.variables):,} variables × {len(model.constraints):,} constraints"
    if _canonical(settings.name) == "highs":
        if len(model.variables) == 0:
            return _solve_empty(model, "highs", _highs_version(), time.perf_counter())
        return _solve_highs(model, settings, progress, size)
    import pulp

    solver, name, version = make_solver(settings)
    started = time.perf_counter()
    if len(model.variables) == 0:
        return _solve_empty(model, name, version, started)
    problem = model.problem
    progress.stage(f"solving with {name}: {size}")
    try:
        progress.wait(lambda: problem.solve(solver))
    except pulp.PulpSolverError as error:
        return _failed(model, name, version, started, f"the solver failed: {error}")
    seconds = time.perf_counter() - started
    status, message, bound, gap = _status(problem, name)
    maximise = model.sense == "max"
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in model.lp_variables], dtype=float)
    duals = np.array([_dual(c.pi) for c in problem.constraints()], dtype=float)
    if name == "highs-pulp" and maximise:
        duals = -duals
    return _solution(model, status, values, duals, name, version, seconds, message, bound, gap, _options(settings))


def _solution(model: Model, status: str, values, duals, *details) -> Solution:
    """A Solution with the objective recomputed from the values, and no values where none hold."""
    if status not in ("optimal", "time_limit"):
        values[:] = np.nan
        duals[:] = np.nan
    objective = float(model.objective_vector() @ values) if status in ("optimal", "time_limit") else None
    solver, version, seconds, message, *rest = details
    if status == "time_limit" and np.isnan(values).any():
        status, objective, message = "not_solved", None, message or "stopped at a limit with no solution"
    return Solution(status, objective, values, duals, solver, version, seconds, message, *rest)


def highs_lp(model: Model):
    """The model as a ``highspy.HighsLp``: the arrays of ``model.matrix``, no copy per column."""
    import highspy

    matrix = model.matrix
    variables = model.variables
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = matrix.shape
    lp.sense_ = highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize
    lp.col_cost_ = model.objective_vector()
    lp.col_lower_ = variables["lower"].to_numpy(dtype=float)
    lp.col_upper_ = variables["upper"].to_numpy(dtype=float)
    lp.row_lower_ = matrix.row_lower
    lp.row_upper_ = matrix.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_row_, lp.a_matrix_.num_col_ = matrix.shape
    lp.a_matrix_.start_ = matrix.start
    lp.a_matrix_.index_ = matrix.index
    lp.a_matrix_.value_ = matrix.value
    if model.is_mip:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[flag] for flag in variables["integer"].tolist()]
    return lp


def highs_options(model: Model, settings: SolverSettings) -> dict:
    """HiGHS options for the model: the algorithm for its class and size, then the scenario's."""
    options: dict = {"output_flag": settings.msg}
    if not model.is_mip and len(model.variables) > LARGE_LP:
        options["solver"] = "ipm"  # with crossover (HiGHS's default): a basic solution, vertex duals
    if settings.time_limit_s is not None:
        options["time_limit"] = float(settings.time_limit_s)
    if settings.mip_gap is not None:
        options["mip_rel_gap"] = float(settings.mip_gap)
    if settings.threads is not None:
        options["threads"] = int(settings.threads)
    return {**options, **settings.options}


def _solve_highs(model: Model, settings: SolverSettings, progress: Progress, size: str) -> Solution:
    """HiGHS in-process, given the whole model in one call; duals as d(objective)/d(rhs)."""
    import highspy

    started = time.perf_counter()
    highs = highspy.Highs()
    options = highs_options(model, settings)
    for key, value in options.items():
        if highs.setOptionValue(key, value) != highspy.HighsStatus.kOk:
            raise SolverUnavailable(f"HiGHS rejects the option {key}={value!r} (see the HiGHS options reference)")
    if highs.passModel(highs_lp(model)) == highspy.HighsStatus.kError:
        return _failed(model, "highs", highs.version(), started, "HiGHS rejected the model")
    progress.stage(f"solving with HiGHS ({options.get('solver', 'choose')}): {size}")
    progress.wait(highs.run, cancel=highs.cancelSolve)
    status, message, bound, gap = _highs_status(highs, model.is_mip)
    solution = highs.getSolution()
    n, m = len(model.variables), len(model.constraints)
    has_values = highs.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    values = np.array(solution.col_value, dtype=float) if has_values else np.full(n, np.nan)
    duals = np.array(solution.row_dual, dtype=float) if solution.dual_valid else np.full(m, np.nan)
    details = _options(settings) | {"highs_options": options}
    return _solution(model, status, values, duals, "highs", highs.version(), time.perf_counter() - started,
                     message, bound, gap, details)


def _dual(pi) -> float:
    return float(pi) if pi is not None else np.nan


def _options(settings: SolverSettings) -> dict:
    return settings.model_dump()


def _status(problem: pulp.LpProblem, solver: str) -> tuple[str, str, float | None, float | None]:
    """(status, message, best bound, relative gap) as the solver really reports them."""
    import pulp

    if solver == "highs-pulp" and problem.solverModel is not None:
        return _highs_status(problem.solverModel, any(v.cat == pulp.LpInteger for v in problem.variables()))
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


def _highs_status(highs, is_mip: bool) -> tuple[str, str, float | None, float | None]:
    """HiGHS's own model status (PuLP's wrapper would call a time limit "Optimal")."""
    import highspy

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
    bound = float(info.mip_dual_bound) if is_mip else None
    gap = float(info.mip_gap) if is_mip else (0.0 if status == "optimal" else None)
    return status, "" if status == "optimal" else f"HiGHS: {text}", bound, gap


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
        np.full(len(model.variables), np.nan),
        np.full(len(model.constraints), np.nan),
        name,
        version,
        time.perf_counter() - started,
        message,
    )
