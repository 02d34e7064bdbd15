"""The ``optimizer`` command.

Exit codes: 0 optimal; 2 bad input (scenario, arguments, results folder); 3 infeasible or
unbounded scenario; 4 solver failure or a limit reached before optimality; ``rerun``: 0 when
the numbers match, 5 when they do not.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..core.errors import ScenarioError, SolverNotInstalled, SolverUnavailable
from ..core.exit_codes import BAD_INPUT, BROKEN_PIPE, BY_STATUS, INTERRUPTED, OK, RERUN_MISMATCH, SOLVER_TROUBLE



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optimizer",
        description="Site allocation of industrial transfer under a carbon budget (Chongqing default).",
    )
    from ..core.version import __version__

    parser.add_argument("--version", action="version", version=f"optimizer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="solve a scenario and write a results folder")
    run.add_argument("scenario", nargs="?", help="scenario YAML (default: the embedded Chongqing scenario)")
    run.add_argument("--out", help="results folder to create (default: results/<scenario>-<time>)")
    run.add_argument("--results-root", default="results", help="where new results folders go (default: results)")
    run.add_argument("--solver", help="solver name: highs, highs-pulp, cbc, or another available PuLP solver")
    run.add_argument("--time-limit", type=float, help="solver time limit in seconds")
    run.add_argument(
        "--gap", type=fraction, help="relative MIP gap at which to stop, e.g. 0.01 (a run stopped at the time "
        "limit within this gap counts as optimal)"
    )
    run.add_argument("--quiet", action="store_true", help="print only the results folder")
    run.add_argument(
        "--no-reduce", action="store_true", help="solve the full model, without merging interchangeable units first"
    )
    _objective_arguments(run)
    _analysis_arguments(run)

    validate = commands.add_parser("validate", help="check a scenario without solving it")
    validate.add_argument("scenario", nargs="?", help="scenario YAML (default: the embedded Chongqing scenario)")

    commands.add_parser("solvers", help="list the solvers available here")

    frontier = commands.add_parser("frontier", help="trace the Pareto frontier of two criteria (epsilon-constraint)")
    frontier.add_argument("scenario", nargs="?", help="scenario YAML (default: the embedded Chongqing scenario)")
    frontier.add_argument("--x", default="carbon", help="the criterion bounded along the frontier (default: carbon)")
    frontier.add_argument("--y", default="output", help="the criterion optimised at each point (default: output)")
    frontier.add_argument("--points", type=int, default=11, help="number of points, ends included (default: 11)")
    frontier.add_argument("--out", help="folder to create (default: results/<scenario>-frontier-<x>-<y>-<time>)")
    frontier.add_argument("--results-root", default="results", help="where new results folders go (default: results)")
    frontier.add_argument("--solver", help="solver name: highs, cbc, or another available PuLP solver")
    frontier.add_argument("--time-limit", type=float, help="solver time limit in seconds, per solve")
    frontier.add_argument("--quiet", action="store_true", help="print only the results folder")

    rerun = commands.add_parser("rerun", help="repeat the run of a results folder and say whether the numbers match")
    rerun.add_argument("folder", help="a results folder written by `optimizer run`")
    rerun.add_argument("--out", help="results folder to create (default: beside the original)")
    rerun.add_argument("--tolerance", type=float, default=1e-6, help="relative tolerance (default: 1e-6)")

    compare = commands.add_parser("compare", help="compare results folders (the first is the baseline)")
    compare.add_argument("folders", nargs="+", metavar="RUN", help="two or more results folders")
    compare.add_argument("--out", help="comparison folder to create (default: results/comparison-<time>)")
    compare.add_argument("--results-root", default="results", help="where new folders go (default: results)")
    compare.add_argument("--threshold", type=float, default=0.01,
                         help="relative change in a pair's land that counts as changed (default: 0.01)")

    from . import sweep as sweep_cli

    sweep_cli.add_parser(commands)
    return parser


def fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction in [0, 1)")
    return value


def _out_exists(out: str | None) -> bool:
    """``--out`` names a folder that exists already: say so (folders are never overwritten)."""
    if out and Path(out).exists():
        print(f"error: --out {out} exists already; results folders are never overwritten", file=sys.stderr)
        return True
    return False


def check_writable(out: str | None, results_root: str) -> None:
    """The results folder can be made where it goes: checked before the solve, not after it."""
    option, target = ("--out", Path(out)) if out else ("--results-root", Path(results_root) / "new")
    folder = target.absolute().parent
    while not folder.exists() and folder != folder.parent:  # the folders that would be made, up to one that is
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        problem = "is a file, not a folder" if folder.exists() and not folder.is_dir() else "cannot be written to"
        raise ScenarioError(f"{folder} {problem}, so the results folder {target.name!r} cannot be made in it",
                            file="command line", field=option, valid="a path in a folder you may write to")


def _terminated(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: no half-written results folder


def share(text: str) -> float:
    """A tolerance as a fraction: 0.01 or 1%."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not a number or a percentage") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in [0, 1) (or [0%, 100%))")
    return value


def _analysis_arguments(run) -> None:
    group = run.add_argument_group("alternative optima (override the scenario's analysis settings)")
    group.add_argument("--ranges", nargs="?", const=0.0, type=share, metavar="TOL",
                       help="write land_ranges.csv: the least and most land of each unit-industry pair, zone and "
                       "industry over the optimal plans (TOL 0, the default) or those within TOL, e.g. 1%%")
    group.add_argument("--alternatives", type=int, metavar="K", help="write K near-optimal plans that differ as much "
                       "as they can (alternatives.csv, alternatives_land.csv)")
    group.add_argument("--within", type=share, metavar="EPS", help="how near the optimum those plans are (default 1%%)")
    group.add_argument("--tie-break", action="store_true", help="pick the optimal plan by the documented rule (least "
                       "carbon, then fixed weights): the same plan whichever solver, with or without --no-reduce")
    group.add_argument("--placements", type=int, metavar="K",
                       help="mixed-integer runs: write the K next-best distinct project placements (placements.csv)")


def _with_analysis(scenario, args):
    """The scenario with the analysis the command line asked for."""
    changes = {name: getattr(args, name) for name in ("ranges", "alternatives", "within", "placements")
               if getattr(args, name) is not None}
    if args.tie_break:
        changes["tie_break"] = True
    if not changes:
        return scenario
    try:
        return scenario.with_changes(analysis=changes)
    except ScenarioError as error:
        raise ScenarioError(error.problem, file="command line", field=f"--{error.field.split('.')[-1]}",
                            valid=error.valid) from None


def _objective_arguments(run) -> None:
    group = run.add_argument_group("objective (overrides the scenario's)")
    group.add_argument("--objective", metavar="CRITERION", help="optimise one criterion (with --bound: epsilon-constraint)")
    group.add_argument("--weights", metavar="C=W,...", help="weighted sum of normalised criteria, e.g. output=2,carbon=1")
    group.add_argument("--lexicographic", metavar="C,...", help="optimise criteria in this order, e.g. output,jobs")
    group.add_argument("--tolerance", metavar="C=T,...",
                       help="lexicographic tolerance per criterion: 2%% relative, or an amount in its units")
    group.add_argument("--bound", metavar="C=V,...", help="bound criteria for epsilon-constraint, e.g. carbon=15e6")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    without_huge_pages()
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _command(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def without_huge_pages() -> None:
    """Stop NumPy asking Linux for transparent huge pages, unless NUMPY_MADVISE_HUGEPAGE says otherwise.

    NumPy advises huge pages for every array of 4 MB or more. Where the system grants them on
    advice (``madvise``, as on the project's machines), each fresh array has its 2 MB pages zeroed:
    building and merging a 50,000-cell model took 1.9 s with them and 1.3 s without (fresh
    processes, medians of 5). A run is a process of its own, so the command sets this for itself.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:  # the user's own choice, read by NumPy at import
        return
    import numpy

    core = getattr(numpy, "_core", None) or numpy.core  # NumPy 2 or 1.x
    toggle = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if toggle is not None:
        toggle(False)


def _command(args) -> int:
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "frontier":
            return _frontier(args)
        if args.command == "solvers":
            from ..solvers.dispatch import available_solvers

            print("\n".join(available_solvers()))
            return OK
        if args.command == "rerun":
            return _rerun(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "sweep":
            from . import sweep as sweep_cli

            return sweep_cli.command(args)
    except ScenarioError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return BAD_INPUT
    except SolverNotInstalled as error:
        print(f"error: {error}", file=sys.stderr)
        return SOLVER_TROUBLE
    except SolverUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`optimizer run | head`): stop quietly, as shell tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    return BAD_INPUT  # pragma: no cover - argparse rejects unknown commands


def _validate(args) -> int:
    from ..workflows.run import check_solver, raise_unusable
    from ..compile.presolve import run_checks
    from ..compile.model import build
    from ..scenario.loading import load_scenario

    scenario = load_scenario(args.scenario)
    check_solver(scenario)
    model = build(scenario)
    findings = run_checks(model)
    raise_unusable(findings, scenario)
    print(f"{scenario!r}")
    print(
        f"{len(model.pairs)} admitted unit-industry pairs, {len(model.variables)} variables, "
        f"{len(model.constraints)} constraints"
    )
    kinds = model.variables["kind"].value_counts()
    if len(kinds) > 1:
        print("variables by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()))
    for finding in findings:
        print(finding, file=sys.stderr if finding.severity == "error" else sys.stdout)
    codes = [f.exit_code for f in findings if f.severity == "error"]
    if codes:
        print(f"invalid: {len(codes)} presolve check(s) prove the scenario infeasible")
        return max(codes)
    print(f"valid ({len(findings)} warning{'' if len(findings) == 1 else 's'})" if findings else "valid")
    return OK


def _rerun(args) -> int:
    from ..workflows.rerun import rerun

    if _out_exists(args.out):
        return BAD_INPUT
    if args.out:
        check_writable(args.out, "")
    outcome = rerun(args.folder, out=args.out, tolerance=args.tolerance)
    print(outcome)
    return OK if outcome.matches else RERUN_MISMATCH


def _compare(args) -> int:
    from ..reporting.comparison import compare

    if len(args.folders) < 2:
        print("error: compare needs two or more results folders", file=sys.stderr)
        return BAD_INPUT
    if _out_exists(args.out):
        return BAD_INPUT
    comparison = compare(args.folders, threshold=args.threshold)
    folder = comparison.save(args.out, results_root=args.results_root)
    print("\n".join([*comparison.summary_lines(), f"comparison: {folder}"]))
    return OK


def _run(args) -> int:
    from ..workflows.run import solve
    from ..core.progress import Progress
    from ..reporting.folder import ResultsFolderExists
    from ..scenario.loading import load_scenario

    if _out_exists(args.out):
        return BAD_INPUT
    check_writable(args.out, args.results_root)
    from ..reporting.manifest import now

    progress = Progress(enabled=not args.quiet)
    progress.stage("loading the scenario")
    started_at, started = now(), time.perf_counter()
    scenario = _with_analysis(_with_objective(load_scenario(args.scenario), args), args)
    loaded = time.perf_counter() - started
    overrides = {"time_limit_s": args.time_limit} if args.time_limit else {}
    if args.gap is not None:
        overrides["mip_gap"] = args.gap
    if args.no_reduce:
        overrides["reduce"] = False
    with _options_named({"solver.time_limit_s": "--time-limit", "solver.mip_gap": "--gap"}):
        result = solve(scenario, solver=args.solver, progress=progress, **overrides)
    result.timings = {"load": loaded, **result.timings}
    result.provenance["started"] = started_at
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:  # saving reports its own stages
        folder = result.save(args.out, results_root=args.results_root, progress=progress)
    except ResultsFolderExists as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    if args.quiet:
        print(folder)
    else:
        print(_summary(result, folder))
    return result.exit_code


def _pairs(text: str, option: str) -> dict[str, str]:
    pairs = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ScenarioError(f"'{item}' is not NAME=VALUE", file="command line", field=option,
                                valid="e.g. output=2,carbon=1")
        pairs[name.strip()] = value.strip()
    return pairs


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"'{text}' is not a number", file="command line", field=option) from None


def _with_objective(scenario, args):
    """The scenario with the objective the command line chose, if it chose one."""
    chosen = [name for name in ("weights", "lexicographic") if getattr(args, name)]
    if args.objective:
        chosen.append("objective")
    if len(chosen) > 1:
        raise ScenarioError(f"--{' and --'.join(chosen)} exclude each other", file="command line",
                            field=f"--{chosen[0]}", valid="one of --objective, --weights, --lexicographic")
    for option, allowed in (("tolerance", "lexicographic"), ("bound", "objective")):
        if getattr(args, option) and allowed not in chosen:
            raise ScenarioError(f"--{option} needs --{allowed}", file="command line", field=f"--{option}")
    if args.weights:
        weights = {name: _number(value, "--weights") for name, value in _pairs(args.weights, "--weights").items()}
        objective = {"method": "weighted", "weights": weights}
    elif args.lexicographic:
        tolerance = {}
        for name, value in _pairs(args.tolerance or "", "--tolerance").items():
            if value.endswith("%"):
                tolerance[name] = {"relative": _number(value[:-1], "--tolerance") / 100}
            else:
                tolerance[name] = {"absolute": _number(value, "--tolerance")}
        order = [name.strip() for name in args.lexicographic.split(",") if name.strip()]
        objective = {"method": "lexicographic", "order": order, "tolerance": tolerance}
    elif args.objective and args.bound:
        bounds = {name: _number(value, "--bound") for name, value in _pairs(args.bound, "--bound").items()}
        objective = {"method": "epsilon", "optimize": args.objective, "bounds": bounds}
    elif args.objective:
        objective = args.objective
    else:
        return scenario
    try:
        return scenario.with_changes(objective=objective)
    except ScenarioError as error:
        raise ScenarioError(error.problem, file="command line", field=f"--{chosen[0]} ({error.field})",
                            valid=error.valid) from None


def _frontier(args) -> int:
    from ..reporting.frontier import write_frontier
    from ..analysis.multicriteria import frontier, payoff_table
    from ..core.progress import Progress
    from ..reporting.folder import ResultsFolderExists
    from ..scenario.loading import load_scenario

    if _out_exists(args.out):
        return BAD_INPUT
    check_writable(args.out, args.results_root)
    progress = Progress(enabled=not args.quiet)
    progress.stage("loading the scenario")
    scenario = load_scenario(args.scenario)
    overrides = {"time_limit_s": args.time_limit} if args.time_limit else {}
    with _options_named({"x": "--x", "y": "--y", "points": "--points", "solver.time_limit_s": "--time-limit"}):
        table = frontier(scenario, x=args.x, y=args.y, points=args.points,
                         progress=progress.counter("solving the frontier"), solver=args.solver, **overrides)
    payoff = payoff_table(table["result"].iloc[0].scenario)
    try:
        folder = write_frontier(table, payoff, table["result"].iloc[0].scenario, args.out, args.results_root,
                                progress=progress)
    except ResultsFolderExists as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    print(folder if args.quiet else _frontier_summary(table, folder))
    return max(BY_STATUS[status] for status in table["status"])


@contextmanager
def _options_named(options: dict[str, str]):
    """An error about a value the command line gave names the option (``--time-limit``), not the
    Python argument or scenario field it became (``time_limit_s``, ``with_changes()``)."""
    try:
        yield
    except ScenarioError as error:
        fields = [field.strip() for field in (error.field or "").split(",")]
        if error.file not in (None, "with_changes()") or not all(field in options for field in fields):
            raise
        raise ScenarioError(error.problem, file="command line", field=", ".join(options[f] for f in fields),
                            valid=error.valid) from None


def _frontier_summary(table, folder: Path) -> str:
    a = table.attrs
    lines = [f"frontier of {a['y']} against {a['x']}: {len(table)} points, "
             f"{int((table['status'] == 'optimal').sum())} optimal"]
    for _, row in table.iterrows():
        if math.isnan(row["y"]):  # no solution
            lines.append(f"  point {row['point']}: {row['status']}")
            if row["result"].diagnosis is not None:
                lines += _why(row["result"].diagnosis)
            continue
        mark = "  <- knee" if row["knee"] else ""
        lines.append(f"  {a['x']} <= {row['bound']:,.6g} {a['x_unit']}: {a['y']} {row['y']:,.6g} {a['y_unit']}, "
                     f"shadow price {row['shadow_price']:,.6g} {a['shadow_price_unit']}{mark}")
    lines.append(f"results: {folder}")
    return "\n".join(lines)


def _summary(result, folder: Path) -> str:
    from ..reporting.words import PRICE_ZERO, price_in_words, uniqueness_line

    lines = [repr(result.scenario), f"status: {result.status}" + (f" ({result.solution.message})" if result.solution.message else "")]
    if result.has_solution:
        k = result.kpis
        criterion = result.model.criterion
        if criterion.name != "output":  # output is the next line
            sense = "maximise" if criterion.sense == "max" else "minimise"
            lines.append(f"objective: {sense} {criterion.label} = {result.objective:,.6g} {criterion.unit}".rstrip())
        lines.append(f"output: {k['output_100m_yuan']:,.1f} (100m yuan/yr)")
        budget = f" of {k['carbon_budget_mt']:g} Mt budget" if k["carbon_budget_mt"] else ""
        lines.append(f"carbon: {k['carbon_mt']:,.3f} Mt CO2/yr{budget}")
        lines.append(f"land:   {k['land_km2']:,.2f} of {k['land_available_km2']:,.2f} km2 available")
        if result.model.is_mip and result.solution.best_bound is not None:
            lines.append(f"bound:  {result.solution.best_bound:,.1f}, relative gap {result.solution.gap:.3%}")
        lines.append(f"plan:   {uniqueness_line(result)}")
        c = result.constraints
        # Limits that bind and are worth something; the carbon budget first, as the headline.
        binding = c[c["binding"] & (c["family"] != "land") & (c["shadow_price"].abs() > PRICE_ZERO)]
        binding = binding.sort_values("family", key=lambda family: family != "carbon", kind="stable")
        for _, row in binding.head(6).iterrows():
            lines.append(f"binds:  {row['name']}: {price_in_words(row, result.model.criterion.sense)}")
        if len(binding) > 6:
            lines.append(f"        (+{len(binding) - 6} more binding limits: see constraints.csv)")
        lines += _violations(result)
    elif result.diagnosis is not None:
        lines += _why(result.diagnosis)
    elif result.status == "unbounded":
        lines.append("the objective can grow without limit: a soft limit's penalty is below what violating it earns")
    lines.append(f"results: {folder}")
    return "\n".join(lines)


def _why(diagnosis) -> list[str]:
    """A diagnosis on the terminal: its first line marked 'why:'."""
    return [f"why: {line}" if i == 0 else line for i, line in enumerate(diagnosis.lines())]


def _violations(result) -> list[str]:
    """Soft limits the plan violates, with what each costs (violations.csv has them all)."""
    from ..analysis.diagnosis import quantity

    table = result.family_tables.get("violations")
    if table is None:
        return []
    return [
        f"soft:   {row['name']} violated by {quantity(row['violation'], row['unit'])}, "
        f"costing {row['cost']:,.0f} {row['cost_unit']} ({row['penalty_per_unit']:,g} {row['penalty_unit']})"
        for _, row in table.iterrows()
    ]
