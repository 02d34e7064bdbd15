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

Mixed-integer runs (discrete projects). The best bound is the solver's proven bound on the
objective, in the problem's own sense (HiGHS's ``mip_dual_bound``; CBC's "Lower/Upper bound" log
line); the gap is |bound − objective| / |objective|. A run stopped at a limit whose gap already
meets the requested ``mip_gap`` is reported as optimal within that gap (without a requested gap,
a stopped run stays ``time_limit``). Duals of a MIP come from the LP with every integer variable
fixed at its solution value (``Solution.dual_basis`` says so): they price a small change in a
limit with the discrete decisions held as they are. That LP's solution is the one reported: its
integer decisions are the incumbent's, and its continuous ones are optimal given them.

Solver trouble. A solution is kept only when the solver vouches it is feasible (HiGHS's primal
solution status; CBC's solution status), so a run stopped at a limit reports its best plan, or
none. A solver that raises (a crash, a refused model) gives status ``error`` with the solver's
words, never a traceback. A known solver that is not installed is ``SolverNotInstalled`` (exit
4); an unknown name, or a HiGHS option HiGHS would ignore, is bad input.
"""

from __future__ import annotations

import os
import re
import tempfile
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
    dual_basis: str = "LP"  # what the duals are duals of; "" when there are none

    @property
    def has_solution(self) -> bool:
        """A solution to report: optimal, or the best found before the solver stopped (not optimal)."""
        return self.objective is not None


def available_solvers() -> list[str]:
    names = ["highs", "cbc"]
    names += [name for name in pulp.listSolvers(onlyAvailable=True) if name not in ("HiGHS", "PULP_CBC_CMD", "COIN_CMD")]
    return names


def make_solver(settings: SolverSettings, log: str | None = None) -> tuple[pulp.LpSolver, str, str]:
    """The PuLP solver object for the settings, its canonical name and version.

    ``log``: a file for CBC's log (read back for the best bound; shown afterwards if ``msg``).
    """
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
        if log is not None:
            common = {**common, "msg": False, "logPath": log}
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


def solve_model(model: Model, settings: SolverSettings) -> Solution:
    with tempfile.TemporaryDirectory(prefix="optimizer-") as folder:
        log = os.path.join(folder, "solver.log")
        solver, name, version = make_solver(settings, log=log)
        return _solve(model, settings, solver, name, version, log)


@dataclass
class Outcome:
    """What one plain solver run proved: its status and the best solution found (NaN if none)."""

    status: str
    message: str
    values: np.ndarray


def run_solver(problem: pulp.LpProblem, lp_variables: list, maximise: bool, settings: SolverSettings) -> Outcome:
    """Solve a PuLP problem assembled elsewhere (the diagnosis's elastic copies): status and values only."""
    with tempfile.TemporaryDirectory(prefix="optimizer-") as folder:
        log = os.path.join(folder, "solver.log")
        solver, name, _ = make_solver(settings, log=log)
        try:
            problem.solve(solver)
        except Exception as error:  # a solver's own failure (see _solve)
            return Outcome("error", _explained("error", f"{name} raised {type(error).__name__}: {error}", settings),
                           np.full(len(lp_variables), np.nan))
        status, message, feasible, _, _ = _status(problem, name, maximise, _read_log(log, echo=settings.msg))
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in lp_variables], dtype=float)
    if not feasible or np.isnan(values).any():
        values[:] = np.nan
    return Outcome(status, message, values)


def _solve(model: Model, settings: SolverSettings, solver, name: str, version: str, log: str) -> Solution:
    problem = model.problem
    started = time.perf_counter()
    if not model.lp_variables:
        return _solve_empty(model, name, version, started)
    maximise = model.sense == "max"
    is_mip = any(v.cat == pulp.LpInteger for v in model.lp_variables)
    try:
        problem.solve(solver)
    except Exception as error:  # whatever a solver or its PuLP wrapper raises is the solver's failure, not ours
        text = f"{name} raised {type(error).__name__}: {error}"
        return _failed(model, name, version, started, _explained("error", text, settings))
    text = _read_log(log, echo=settings.msg)
    status, message, feasible, bound, gap = _status(problem, name, maximise, text)
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in model.lp_variables], dtype=float)
    duals = _duals(problem, name, maximise)
    basis = "LP"
    solved = feasible and status not in ("infeasible", "unbounded") and not np.isnan(values).any()
    if is_mip and solved:
        values, duals, problem_note = _with_integers_fixed(model, solver, name, values, maximise)
        basis = "LP with integer decisions fixed" if problem_note is None else ""
        message = "; ".join(part for part in (message, problem_note) if part)
    seconds = time.perf_counter() - started
    if not solved:
        values[:] = np.nan
        duals[:] = np.nan
        basis = ""
    objective = model.objective_value(values) if solved else None
    if bound is not None:
        bound += model.criterion.offset  # the solver's bound leaves out a composite's constant term
    if is_mip and objective is not None and bound is not None:
        gap = relative_gap(objective, bound)
    if status == "time_limit" and not solved:
        status, bound, gap = "not_solved", None, None
    if status == "time_limit" and within_gap(gap, settings.mip_gap):
        status = "optimal"
        message = f"stopped at a limit with gap {gap:.3g}, within the requested {settings.mip_gap:g}: optimal within the gap"
    message = _explained(status, message, settings)
    return Solution(
        status, objective, values, duals, name, version, seconds, message, bound, gap, _options(settings), basis
    )


def _explained(status: str, text: str, settings: SolverSettings) -> str:
    """The solver's verdict in words a planner can act on."""
    limit = f" of {settings.time_limit_s:g} s" if settings.time_limit_s else ""
    said = f"{text}: " if text else ""
    if status == "time_limit":
        return f"{said}stopped at a limit{limit} before proving optimality; the best solution found so far is reported, not optimal"
    if status == "not_solved":
        return f"{said}stopped at a limit{limit} before finding any solution; allow more time (--time-limit)"
    if status == "error":
        return (f"{said}the solver failed, probably for numerical reasons; try the other solver (--solver cbc or "
                f"highs) and see the coefficient_range warning, if any")
    return text


def relative_gap(objective: float, bound: float) -> float:
    """|bound − objective| / |objective| (0 when both are 0)."""
    if objective == bound:
        return 0.0
    return abs(bound - objective) / abs(objective) if objective else float("inf")


def within_gap(gap: float | None, requested: float | None) -> bool:
    """Whether a stopped run's gap meets the gap the user asked for (never, if none was asked for)."""
    return gap is not None and requested is not None and gap <= requested


def _duals(problem: pulp.LpProblem, solver: str, maximise: bool) -> np.ndarray:
    duals = np.array([_dual(c.pi) for c in problem.constraints()], dtype=float)
    return -duals if solver == "highs" and maximise else duals


def _with_integers_fixed(model: Model, solver, name: str, values: np.ndarray, maximise: bool):
    """Values and duals of the LP with every integer variable fixed at its (rounded) value.

    Returns (values, duals, note): note is None on success; otherwise the MIP's values are kept,
    the duals are NaN, and the note says why.
    """
    fixed = [(index, v, v.lowBound, v.upBound) for index, v in enumerate(model.lp_variables) if v.cat == pulp.LpInteger]
    try:
        for index, v, _, _ in fixed:
            v.cat = pulp.LpContinuous
            v.lowBound = v.upBound = float(np.round(values[index]))
        model.problem.solve(solver)
        if model.problem.sol_status != pulp.LpSolutionOptimal:
            note = f"no shadow prices: the LP with integer decisions fixed ended {pulp.LpStatus[model.problem.status]}"
            return values, np.full(len(model.constraints), np.nan), note
        lp_values = np.array([v.varValue for v in model.lp_variables], dtype=float)
        return lp_values, _duals(model.problem, name, maximise), None
    except pulp.PulpSolverError as error:
        return values, np.full(len(model.constraints), np.nan), f"no shadow prices: {error}"
    finally:
        for _, v, lower, upper in fixed:
            v.cat, v.lowBound, v.upBound = pulp.LpInteger, lower, upper


def _read_log(path: str, echo: bool) -> str:
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as file:
        text = file.read()
    if echo:
        print(text)
    return text


def _dual(pi) -> float:
    return float(pi) if pi is not None else np.nan


def _options(settings: SolverSettings) -> dict:
    return settings.model_dump()


def _status(
    problem: pulp.LpProblem, solver: str, maximise: bool, log: str = ""
) -> tuple[str, str, bool, float | None, float | None]:
    """(status, message, whether the values are a feasible solution, best bound, relative gap) as the solver
    really reports them."""
    is_mip = any(v.cat == pulp.LpInteger for v in problem.variables())
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
        # HiGHS minimises the negated objective of a maximisation: its bound is negated too.
        bound = (-1.0 if maximise else 1.0) * float(info.mip_dual_bound) if is_mip else None
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
    result = re.search(r"^Result - (.+)$", log, re.MULTILINE)
    message = "" if status == "optimal" else f"{solver}: {result.group(1) if result else pulp.LpStatus[problem.status]}"
    feasible = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if not is_mip:
        return status, message, feasible, None, 0.0 if status == "optimal" else None
    # CBC prints the bound in the problem's own sense, unless it proved optimality outright.
    found = re.search(r"^(?:Lower|Upper) bound:\s+(\S+)", log, re.MULTILINE)
    objective = re.search(r"^Objective value:\s+(\S+)", log, re.MULTILINE)
    bound = float(found.group(1)) if found else float(objective.group(1)) if objective and status == "optimal" else None
    return status, message, feasible, bound, None


def unsolved(model: Model, settings: SolverSettings, status: str, message: str) -> Solution:
    """No solve was run (a presolve check proved the verdict); the solver is still named, and must exist."""
    _, name, version = make_solver(settings)
    values = np.full(len(model.variables), np.nan)
    return Solution(status, None, values, np.full(len(model.constraints), np.nan), name, version, 0.0, message,
                    options=_options(settings), dual_basis="")


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
        status, 0.0 if feasible else None, np.zeros(0), duals, name, version, time.perf_counter() - started, message,
        dual_basis="",
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
        dual_basis="",
    )
