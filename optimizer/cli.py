"""The ``optimizer`` command.

Exit codes: 0 optimal; 2 bad input (scenario, arguments, results folder); 3 infeasible or
unbounded scenario; 4 solver failure or a limit reached before optimality.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from .errors import ScenarioError, SolverNotInstalled, SolverUnavailable

BAD_INPUT = 2
SOLVER_TROUBLE = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optimizer",
        description="Site allocation of industrial transfer under a carbon budget (Chongqing default).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"optimizer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="solve a scenario and write a results folder")
    run.add_argument("scenario", nargs="?", help="scenario YAML (default: the embedded Chongqing scenario)")
    run.add_argument("--out", help="results folder to create (default: results/<scenario>-<time>)")
    run.add_argument("--results-root", default="results", help="where new results folders go (default: results)")
    run.add_argument("--solver", help="solver name: highs, cbc, or another available PuLP solver")
    run.add_argument("--time-limit", type=float, help="solver time limit in seconds")
    run.add_argument("--quiet", action="store_true", help="print only the results folder")

    validate = commands.add_parser("validate", help="check a scenario without solving it")
    validate.add_argument("scenario", nargs="?", help="scenario YAML (default: the embedded Chongqing scenario)")

    commands.add_parser("solvers", help="list the solvers available here")
    return parser


def _terminated(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: no half-written results folder


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _command(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _command(args) -> int:
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "solvers":
            from .solve import available_solvers

            print("\n".join(available_solvers()))
            return 0
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
        return 130
    return BAD_INPUT  # pragma: no cover - argparse rejects unknown commands


def _validate(args) -> int:
    from .api import check_solver, raise_unusable
    from .checks import run_checks
    from .model import build
    from .scenario import load_scenario

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
    for finding in findings:
        print(finding, file=sys.stderr if finding.severity == "error" else sys.stdout)
    codes = [f.exit_code for f in findings if f.severity == "error"]
    if codes:
        print(f"invalid: {len(codes)} presolve check(s) prove the scenario infeasible")
        return max(codes)
    print(f"valid ({len(findings)} warning{'' if len(findings) == 1 else 's'})" if findings else "valid")
    return 0


def _run(args) -> int:
    from .api import solve
    from .report import ResultsFolderExists
    from .scenario import load_scenario

    if args.out and Path(args.out).exists():
        print(f"error: --out {args.out} exists already; results folders are never overwritten", file=sys.stderr)
        return BAD_INPUT
    started = time.perf_counter()
    scenario = load_scenario(args.scenario)
    loaded = time.perf_counter() - started
    overrides = {"time_limit_s": args.time_limit} if args.time_limit else {}
    result = solve(scenario, solver=args.solver, **overrides)
    result.timings = {"load": loaded, **result.timings}
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        folder = result.save(args.out, results_root=args.results_root)
    except ResultsFolderExists as error:
        print(f"error: {error}", file=sys.stderr)
        return BAD_INPUT
    if args.quiet:
        print(folder)
    else:
        print(_summary(result, folder))
    return result.exit_code


def _summary(result, folder: Path) -> str:
    from .report import price_in_words

    lines = [repr(result.scenario), f"status: {result.status}" + (f" ({result.solution.message})" if result.solution.message else "")]
    if result.has_solution:
        k = result.kpis
        lines.append(f"output: {k['output_100m_yuan']:,.1f} (100m yuan/yr)")
        budget = f" of {k['carbon_budget_mt']:g} Mt budget" if k["carbon_budget_mt"] else ""
        lines.append(f"carbon: {k['carbon_mt']:,.3f} Mt CO2/yr{budget}")
        lines.append(f"land:   {k['land_km2']:,.2f} of {k['land_available_km2']:,.2f} km2 available")
        c = result.constraints
        binding = c[c["binding"] & (c["family"] != "land")].sort_values("family")
        for _, row in binding.head(6).iterrows():
            lines.append(f"binds:  {row['name']}: {price_in_words(row)}")
        if len(binding) > 6:
            lines.append(f"        (+{len(binding) - 6} more binding limits: see constraints.csv)")
        lines += _violations(result)
    elif result.diagnosis is not None:
        lines += [f"why: {line}" if i == 0 else line for i, line in enumerate(result.diagnosis.lines())]
    elif result.status == "unbounded":
        lines.append("the objective can grow without limit: a soft limit's penalty is below what violating it earns")
    lines.append(f"results: {folder}")
    return "\n".join(lines)


def _violations(result) -> list[str]:
    """Soft limits the plan violates, with what each costs (violations.csv has them all)."""
    from .diagnosis import quantity

    table = result.family_tables.get("violations")
    if table is None:
        return []
    return [
        f"soft:   {row['name']} violated by {quantity(row['violation'], row['unit'])}, "
        f"costing {row['cost']:,.0f} {row['cost_unit']} ({row['penalty_per_unit']:,g} {row['penalty_unit']})"
        for _, row in table.iterrows()
    ]
