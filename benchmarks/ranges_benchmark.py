"""What alternative optima cost: uniqueness, land ranges, near-optimal plans, the tie-break.

    python benchmarks/generate.py --sizes 10000          # the grid scenario (once)
    python benchmarks/ranges_benchmark.py                # the default and grid-10000
    python benchmarks/ranges_benchmark.py --sizes 38 --repeats 3

For each scenario (38: the Chongqing default; N: benchmarks/scenarios/grid-N/grid.yaml), in one
process: the plain solve, then ``optimizer.analysis.alternatives`` on its result — the uniqueness verdict,
land ranges on the optimal face and within 1 %, 3 near-optimal plans within 1 %, and the
tie-break — each timed on its own (medians of ``--repeats``), with the number of quantities
ranged (two LPs each) and with and without reductions. On a grid the ranges are by zone and
industry (``level="aggregates"``): the unit rows are for district-scale scenarios. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import optimizer
from optimizer.analysis import alternatives

ROOT = Path(__file__).resolve().parent.parent


def timed(function, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def measure(size: int, reduce: bool, repeats: int) -> list[str]:
    path = None if size == 38 else ROOT / "benchmarks" / "scenarios" / f"grid-{size}" / "grid.yaml"
    scenario = optimizer.load_scenario(path)
    label = "default (38 units)" if size == 38 else f"grid-{size}"
    solve_s, result = timed(lambda: optimizer.solve(scenario, reduce=reduce), repeats)
    level = "auto" if size == 38 else "aggregates"
    unique_s, verdict = timed(lambda: alternatives.uniqueness(result), repeats)
    face_s, face = timed(lambda: alternatives.land_ranges(result, 0.0, level=level), repeats)
    near_s, near = timed(lambda: alternatives.land_ranges(result, 0.01, level=level), repeats)
    plans_s, _ = timed(lambda: alternatives.near_optimal_plans(result, 3, 0.01), repeats)
    solved = result.model
    tie_s, _ = timed(lambda: alternatives.tie_break(solved, result.solution), repeats)
    size_text = f"{len(solved.variables):,} × {len(solved.constraints):,}"
    return [
        f"| {label} | {'on' if reduce else 'off'} | {size_text} | {solve_s:.3f} | {unique_s:.3f} ({verdict.verdict}) | "
        f"{len(face):,} | {face_s:.3f} | {near_s:.3f} | {plans_s:.3f} | {tie_s:.3f} | {int(face['forced'].sum()):,} |"
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="38,10000", help="38 (the default) and grid sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-unreduced", action="store_true", help="skip the runs with reductions off")
    args = parser.parse_args(argv)
    print("| scenario | reduce | model solved (variables × rows) | solve s | uniqueness s | quantities | "
          "ranges, face s | ranges, 1 % s | 3 plans, 1 % s | tie-break s | forced |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        for reduce in (True, False) if not args.no_unreduced else (True,):
            for line in measure(size, reduce, args.repeats):
                print(line, flush=True)


if __name__ == "__main__":
    main()
