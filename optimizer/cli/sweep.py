"""``optimizer sweep``: run a sweep from a SWEEP.yaml and/or flags.

Exit codes: 0 every run finished (whatever each run's status: an infeasible run is an answer);
2 bad input (nothing is run); 4 the engine lost some runs (a rerun retries them); 130
interrupted (finished runs are kept; a rerun resumes).
"""

from __future__ import annotations

import sys

import yaml

from ..core.errors import ScenarioError
from ..core.exit_codes import INTERRUPTED, OK, SOLVER_TROUBLE


def add_parser(commands) -> None:
    sweep = commands.add_parser(
        "sweep", help="run a scenario sweep (grid and Monte Carlo samples), resumable",
        description="Run every combination of a grid and every Monte Carlo sample of a base scenario, "
                    "in parallel; rerun the same command to resume an interrupted sweep.",
    )
    sweep.add_argument("sweep", nargs="?", help="SWEEP.yaml (optional with --grid)")
    sweep.add_argument("--base", help="base scenario (default: the sweep file's base, else the embedded default)")
    sweep.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                       help="vary KEY over these values (repeatable; adds to or replaces the file's grid)")
    sweep.add_argument("--samples", type=int, help="number of Monte Carlo samples (overrides the file's n)")
    sweep.add_argument("--seed", type=int, help="seed of the samples (overrides the file's seed)")
    sweep.add_argument("--name", help="name of the sweep (default: the file's name)")
    sweep.add_argument("--out", help="sweep folder (default: results/<name>-sweep); an existing one is resumed")
    sweep.add_argument("--results-root", default="results", help="where the default sweep folder goes")
    sweep.add_argument("--workers", type=int, help="local processes (default: one per core; 1: run in this process)")
    sweep.add_argument("--scheduler", help="run on this Dask distributed scheduler, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--solver", help="solver for every run: highs, cbc, or another available PuLP solver")
    sweep.add_argument("--time-limit", type=float, help="solver time limit per run, in seconds")
    sweep.add_argument("--keep-results", action="store_true", help="also write each run's full results folder")
    sweep.add_argument("--quiet", action="store_true", help="no progress lines")


def command(args) -> int:
    from ..workflows.sweeps import EngineNotInstalled, RunsLost, sweep

    if args.sweep is None and not args.grid:
        raise ScenarioError("nothing to sweep", field="sweep", valid="a SWEEP.yaml file, or --grid KEY=V1,V2,...")
    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers must be at least 1 (got {args.workers})", field="--workers")
    try:
        table = sweep(
            args.sweep, base=args.base, grid=_grid(args.grid), samples=args.samples, seed=args.seed, name=args.name,
            out=args.out, results_root=args.results_root, workers=args.workers, scheduler=args.scheduler,
            solver=args.solver, time_limit_s=args.time_limit, keep_results=args.keep_results, progress=not args.quiet,
        )
    except RunsLost as error:
        print(f"error: {error}", file=sys.stderr)
        return SOLVER_TROUBLE  # runs lost
    except EngineNotInstalled as error:
        print(f"error: {error}", file=sys.stderr)
        return SOLVER_TROUBLE  # as for a solver that is not installed
    except KeyboardInterrupt:
        print("interrupted: the finished runs are saved; run the same command again to resume", file=sys.stderr)
        return INTERRUPTED
    statuses = ", ".join(f"{n} {status}" for status, n in table.attrs["statuses"].items())
    print(f"{len(table)} runs ({statuses}): {table.attrs['folder']}/sweep.csv")
    return OK


def _grid(items: list[str]) -> dict[str, list]:
    """--grid KEY=V1,V2 flags as a grid; the values are read as YAML (10, 1.5, null, output, [a, b])."""
    grid = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise ScenarioError(f"--grid needs KEY=V1,V2,... (got '{item}')", field="--grid",
                                valid="e.g. --grid carbon_budget.total_mt=10,15,20")
        try:  # a YAML flow list without its brackets: 10,15,null or [m],[m,g]
            grid[key.strip()] = yaml.safe_load(f"[{values}]")
        except yaml.YAMLError:
            raise ScenarioError(f"--grid values are not a list of YAML values (got '{values}')", field="--grid",
                                valid="e.g. 10,15,20 or output,jobs or [m],[m,g]") from None
    return grid
