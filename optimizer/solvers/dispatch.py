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
units (``optimizer.reduction.matrix_merge``). The optimum, the duals and every rule are those of the full model.

Statuses are reported honestly: ``optimal`` only when the solver proved optimality; a run
stopped by a time or iteration limit is ``time_limit`` (with its incumbent, if any), never
"optimal" (PuLP's HiGHS wrapper says "Optimal" in that case, so the HiGHS model status is read
directly).

Duals are normalised to one convention, d(objective)/d(rhs): HiGHS given the arrays and CBC
report them for the problem as stated, PuLP's HiGHS wrapper for the internal minimisation (sign
flipped for a maximisation).

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
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..compile.model import Model
from ..core.errors import ScenarioError, SolverNotInstalled, SolverUnavailable
from ..core.outcomes import Solution
from ..core.progress import Progress
from ..schema.run_settings import SolverSettings

if TYPE_CHECKING:
    import pulp

SOLVER_ALIASES = {"highs": "HiGHS", "highs-pulp": "HiGHS", "cbc": "COIN_CMD"}
LARGE_LP = 10_000  # variables; above it HiGHS's interior point beats its dual simplex (measured)


_banner_lock = threading.Lock()
_banner_done = False


def new_highs():
    """A silent ``highspy.Highs()``: its log is off until options turn it on.

    highspy 1.16 prints a two-line banner to the C-level standard output when the process makes
    its first ``Highs`` object, whatever ``output_flag`` says later; standard output is the tool's
    own (``folder=$(optimizer run --quiet)``), so that first construction writes to /dev/null.
    PuLP's HiGHS makes its own objects after ours, when the banner is spent.
    """
    global _banner_done
    import highspy

    with _banner_lock:
        if _banner_done:
            highs = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as devnull:
                    os.dup2(devnull.fileno(), 1)
                highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_done = True
    highs.setOptionValue("output_flag", False)
    return highs


def available_solvers() -> list[str]:
    return ["highs", "highs-pulp", "cbc"] + [
        name for name in _pulp_available() if name not in ("HiGHS", "PULP_CBC_CMD", "COIN_CMD")
    ]


def _pulp_available() -> list[str]:
    """PuLP's solvers that can run here, each name once (PuLP lists XPRESS's two aliases), less a
    command-line solver whose command is this tool itself: XPRESS's command is named `optimizer`,
    like our console script, which PuLP finds on a machine without XPRESS."""
    import pulp

    names = []
    for name in dict.fromkeys(pulp.listSolvers(onlyAvailable=True)):
        with warnings.catch_warnings():  # PULP_CBC_CMD's deprecation: it is not ours to use
            warnings.simplefilter("ignore", DeprecationWarning)
            found = pulp.getSolver(name, msg=False).available()  # a command-line solver: its command's path
        if not (isinstance(found, str) and _is_this_tool(found)):
            names.append(name)
    return names


def _is_this_tool(command: str) -> bool:
    """Whether `command` is a console script of this package (any installed copy): pip writes the
    entry point into the script, or into the zip appended to its Windows launcher, uncompressed."""
    try:
        with open(command, "rb") as file:
            return b"from optimizer.cli import main" in file.read(1 << 20)
    except OSError:
        return False


def make_solver(settings: SolverSettings, log: str | None = None) -> tuple[pulp.LpSolver, str, str]:
    """The PuLP solver object for the settings, its canonical name and version.

    ``log``: a file for CBC's log (read back for the best bound; shown afterwards if ``msg``).
    """
    import pulp

    name = _canonical(settings.name)
    common = {"msg": settings.msg, "timeLimit": settings.time_limit_s}
    if name in ("highs", "highs-pulp"):
        highspy = _highspy(settings.options)
        # HiGHS options may name what PuLP takes as keywords too (threads, time_limit): theirs win.
        solver = pulp.HiGHS(**{"gapRel": settings.mip_gap, "threads": settings.threads, **common, **settings.options})
        _reset_thread_pool(highspy, {"threads": settings.threads, **settings.options})
        return solver, "highs-pulp", new_highs().version()
    if name == "cbc":
        path = _cbc_binary()
        options = [f"{key} {value}" for key, value in settings.options.items()]
        if log is not None:
            common = {**common, "msg": False, "logPath": log}
        solver = pulp.COIN_CMD(path=path, gapRel=settings.mip_gap, threads=settings.threads, options=options, **common)
        return solver, "cbc", f"bundled with PuLP {pulp.__version__}"
    if name in _pulp_available():
        return pulp.getSolver(name, **common, **settings.options), name, "unknown"
    if name in pulp.listSolvers():
        raise SolverNotInstalled(
            f"solver '{name}' is known to PuLP but not installed here; available: {', '.join(available_solvers())}"
        )
    raise SolverUnavailable(
        f"solver '{settings.name}' is not available here; available: {', '.join(available_solvers())}"
    )


def check_settings(settings: SolverSettings) -> None:
    """Raise what ``make_solver`` would for these settings. HiGHS, solved natively, is checked without
    importing PuLP (a third of a second at the start of every run)."""
    if _canonical(settings.name) == "highs":
        _highspy(settings.options)
    else:
        make_solver(settings)


def _highspy(options: dict):
    """highspy, once it has accepted the scenario's HiGHS options."""
    try:
        import highspy
    except ImportError:
        raise SolverNotInstalled("HiGHS is not installed here (pip install highspy), or use --solver cbc") from None
    _check_highs_options(highspy, options)
    return highspy


def _check_highs_options(highspy, options: dict) -> None:
    """HiGHS ignores an unknown option or a bad value with a log line; here it is bad input."""
    probe = new_highs()
    for key, value in options.items():
        if probe.setOptionValue(str(key), value) != highspy.HighsStatus.kOk:
            raise ScenarioError(
                f"HiGHS has no option '{key}', or {value!r} is not a valid value for it",
                field=f"solver.options.{key}",
                valid="an option name and value from https://ergo-code.github.io/HiGHS/stable/options/definitions/",
            )


def _reset_thread_pool(highspy, options: dict) -> None:
    """HiGHS keeps one thread pool per process, sized by the first run; a later run asking for
    another number of threads fails ("Not Set") unless the pool is made again for it."""
    if options.get("threads") is not None:
        highspy.Highs.resetGlobalScheduler(True)


def _cbc_binary() -> str:
    """The CBC binary that PuLP 3 bundles (called through COIN_CMD, not the deprecated PULP_CBC_CMD)."""
    from pulp.apis.coin_api import pulp_cbc_path

    if not os.path.isfile(pulp_cbc_path):
        raise SolverNotInstalled(f"PuLP's bundled CBC is missing on this platform ({pulp_cbc_path}); use --solver highs")
    return pulp_cbc_path


def _canonical(name: str) -> str:
    """A solver name in any case: ours in lower case (``HIGHS`` is ``highs``), else PuLP's spelling."""
    if name.lower() in SOLVER_ALIASES:
        return name.lower()
    import pulp

    return next((known for known in pulp.listSolvers() if known.lower() == name.lower()), name)


def _highs_version() -> str:
    return new_highs().version()


def solve_as_built(model: Model, settings: SolverSettings, progress: Progress) -> Solution:
    if _canonical(settings.name) == "highs":
        return _solve_highs(model, settings, progress)
    with tempfile.TemporaryDirectory(prefix="optimizer-") as folder:
        log = os.path.join(folder, "solver.log")
        solver, name, version = make_solver(settings, log=log)
        return _solve_pulp(model, settings, solver, name, version, log, progress)


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
        except Exception as error:  # a solver's own failure (see solve_as_built)
            return Outcome("error", _explained("error", f"{name} raised {type(error).__name__}: {error}", settings),
                           np.full(len(lp_variables), np.nan))
        status, message, feasible, _, _ = _status(problem, name, maximise, _read_log(log, echo=settings.msg))
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in lp_variables], dtype=float)
    if not feasible or np.isnan(values).any():
        values[:] = np.nan
    return Outcome(status, message, values)


def _size(model: Model) -> str:
    return f"{len(model.variables):,} variables × {len(model.constraints):,} constraints"


def _solve_pulp(model: Model, settings: SolverSettings, solver, name, version, log, progress: Progress) -> Solution:
    import pulp

    started = time.perf_counter()
    if len(model.variables) == 0:
        return _solve_empty(model, name, version, started)
    problem = model.problem
    maximise = model.sense == "max"
    progress.stage(f"solving with {name}: {_size(model)}")
    try:
        progress.wait(lambda: problem.solve(solver))
    except Exception as error:  # whatever a solver or its PuLP wrapper raises is the solver's failure, not ours
        text = f"{name} raised {type(error).__name__}: {error}"
        return _failed(model, name, version, started, _explained("error", text, settings))
    text = _read_log(log, echo=settings.msg)
    status, message, feasible, bound, gap = _status(problem, name, maximise, text)
    values = np.array([v.varValue if v.varValue is not None else np.nan for v in model.lp_variables], dtype=float)
    duals = _duals(problem, name, maximise)
    basis = "LP"
    solved = feasible and status not in ("infeasible", "unbounded") and not np.isnan(values).any()
    if model.is_mip and solved:
        values, duals, problem_note = _with_integers_fixed(model, solver, name, values, maximise)
        basis = "LP with integer decisions fixed" if problem_note is None else ""
        message = "; ".join(part for part in (message, problem_note) if part)
    seconds = time.perf_counter() - started
    details = (name, version, seconds, message, bound, gap, _options(settings), basis)
    return _finished(model, settings, status, solved, values, duals, *details)


def _finished(model: Model, settings: SolverSettings, status, solved, values, duals, name, version, seconds,
              message, bound, gap, options, basis) -> Solution:
    """The Solution as reported: objective from the values, gap and status settled, no values where none hold."""
    if not solved:
        values[:] = np.nan
        duals[:] = np.nan
        basis = ""
    objective = model.objective_value(values) if solved else None
    if bound is not None:
        bound += model.criterion.offset  # the solver's bound leaves out a composite's constant term
    if model.is_mip and objective is not None and bound is not None:
        gap = relative_gap(objective, bound)
    if status == "time_limit" and not solved:
        status, bound, gap = "not_solved", None, None
    if status == "time_limit" and within_gap(gap, settings.mip_gap):
        status = "optimal"
        message = f"stopped at a limit with gap {gap:.3g}, within the requested {settings.mip_gap:g}: optimal within the gap"
    message = _explained(status, message, settings)
    return Solution(status, objective, values, duals, name, version, seconds, message, bound, gap, options, basis)


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
    """|bound − objective| / max(|objective|, 1): relative for an objective of 1 or more, absolute
    below (a weighted score is near 0 at its optimum, where dividing by it meant nothing)."""
    return abs(bound - objective) / max(abs(objective), 1.0)


def within_gap(gap: float | None, requested: float | None) -> bool:
    """Whether a stopped run's gap meets the gap the user asked for (never, if none was asked for)."""
    return gap is not None and requested is not None and gap <= requested


def _duals(problem: pulp.LpProblem, solver: str, maximise: bool) -> np.ndarray:
    duals = np.array([_dual(c.pi) for c in problem.constraints()], dtype=float)
    return -duals if solver == "highs-pulp" and maximise else duals


def _with_integers_fixed(model: Model, solver, name: str, values: np.ndarray, maximise: bool):
    """Values and duals of the LP with every integer variable fixed at its (rounded) value.

    Returns (values, duals, note): note is None on success; otherwise the MIP's values are kept,
    the duals are NaN, and the note says why.
    """
    import pulp

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


def highs_arrays(model: Model, fixed: np.ndarray | None = None) -> tuple:
    """The model as the arguments of ``Highs.passModel``'s array form, which takes the numpy arrays
    of ``model.matrix`` as they are (assigned to a ``HighsLp`` they are copied element by element:
    0.4–0.6 s at 800,000 variables).

    ``fixed``: values at which to fix the integer variables (the LP then has no integers).
    """
    import highspy

    matrix = model.matrix
    variables = model.variables
    lower = variables["lower"].to_numpy(dtype=float)
    upper = variables["upper"].to_numpy(dtype=float)
    integer = variables["integer"].to_numpy(dtype=bool)
    if fixed is not None:
        lower, upper = lower.copy(), upper.copy()
        lower[integer] = upper[integer] = np.round(fixed[integer])
        integer = np.zeros_like(integer)
    sense = highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize
    num_row, num_col = matrix.shape
    return (
        num_col, num_row, len(matrix.value), int(highspy.MatrixFormat.kColwise), int(sense), 0.0,
        model.objective_vector(), lower, upper, matrix.row_lower, matrix.row_upper,
        matrix.start, matrix.index, matrix.value,
        integer.astype(np.int32),  # HighsVarType: 0 continuous, 1 integer
    )


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


def _highs(arrays: tuple, options: dict, progress: Progress):
    """A HiGHS run of the model given as ``highs_arrays`` with ``options``: the solved Highs
    object, or what went wrong."""
    import highspy

    highs = new_highs()
    for key, value in options.items():  # the scenario's were checked by make_solver
        highs.setOptionValue(key, value)
    _reset_thread_pool(highspy, options)
    try:
        if highs.passModel(*arrays) == highspy.HighsStatus.kError:
            return "HiGHS rejected the model"
        progress.wait(highs.run, cancel=highs.cancelSolve)
    except Exception as error:  # whatever HiGHS raises is the solver's failure, not ours
        return f"HiGHS raised {type(error).__name__}: {error}"
    return highs


def _solve_highs(model: Model, settings: SolverSettings, progress: Progress) -> Solution:
    """HiGHS in-process, given the whole model in one call; duals as d(objective)/d(rhs)."""
    import highspy

    started = time.perf_counter()
    if len(model.variables) == 0:
        return _solve_empty(model, "highs", _highs_version(), started)
    options = highs_options(model, settings)
    progress.stage(f"solving with HiGHS ({options.get('solver', 'choose')}): {_size(model)}")
    highs = _highs(highs_arrays(model), options, progress)
    if isinstance(highs, str):
        return _failed(model, "highs", _highs_version(), started, _explained("error", highs, settings))
    status, message, feasible, bound, gap = _highs_status(highs, model.is_mip)
    values, duals = _highs_solution(highs, model)
    solved = feasible and status not in ("infeasible", "unbounded") and not np.isnan(values).any()
    basis = "LP"
    if model.is_mip and solved:  # duals of the LP with the integer decisions fixed, as the PuLP path
        fixed = _highs(highs_arrays(model, fixed=values), {**options, "time_limit": np.inf}, progress)
        if not isinstance(fixed, str) and fixed.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            values, duals = _highs_solution(fixed, model)
            basis = "LP with integer decisions fixed"
        else:
            duals, basis = np.full(len(model.constraints), np.nan), ""
            message = "; ".join(part for part in (message, "no shadow prices: the LP with integer decisions "
                                                  "fixed was not solved to optimality") if part)
    details = ("highs", highs.version(), time.perf_counter() - started, message, bound, gap,
               _options(settings) | {"highs_options": options}, basis)
    return _finished(model, settings, status, solved, values, duals, *details)


def _highs_solution(highs, model: Model) -> tuple[np.ndarray, np.ndarray]:
    solution = highs.getSolution()
    feasible = _highs_status(highs, False)[2]
    values = np.array(solution.col_value, dtype=float) if feasible else np.full(len(model.variables), np.nan)
    duals = np.array(solution.row_dual, dtype=float) if solution.dual_valid else np.full(len(model.constraints), np.nan)
    return values, duals


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
    import pulp

    is_mip = any(v.cat == pulp.LpInteger for v in problem.variables())
    if solver == "highs-pulp" and problem.solverModel is not None:
        status, message, feasible, bound, gap = _highs_status(problem.solverModel, is_mip)
        # PuLP has HiGHS minimise the negated objective of a maximisation: its bound is negated too.
        return status, message, feasible, (-bound if maximise and bound is not None else bound), gap
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


def _highs_status(highs, is_mip: bool) -> tuple[str, str, bool, float | None, float | None]:
    """HiGHS's own model status (PuLP's wrapper would call a time limit "Optimal"), whether its
    values are a feasible solution, its bound and gap."""
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
    feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    return status, "" if status == "optimal" else f"HiGHS: {text}", feasible, bound, gap


def unsolved(model: Model, settings: SolverSettings, status: str, message: str) -> Solution:
    """No solve was run (a presolve check proved the verdict); the solver is still named, and must exist."""
    if _canonical(settings.name) == "highs":
        _highspy(settings.options)
        name, version = "highs", new_highs().version()
    else:
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
        np.full(len(model.variables), np.nan),
        np.full(len(model.constraints), np.nan),
        name,
        version,
        time.perf_counter() - started,
        message,
        dual_basis="",
    )
