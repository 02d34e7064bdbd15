"""Runs per second of a 200-run sweep of the Chongqing default: serially, on local processes, on Dask.

    python benchmarks/sweep_benchmark.py                 # 200 runs; 2 workers; all three engines
    python benchmarks/sweep_benchmark.py --runs 40 --workers 4

The sweep: 10 carbon budgets (12 to 30 Mt) x n samples of every industry's output and carbon
coefficients (triangular, +-20 %). Each engine runs it from scratch into a temporary folder; the
time is the whole ``optimizer.sweep`` call (planning, runs, persisting, table, summaries, plots),
so it is what a user waits for. Alongside, the CPU seconds the driving process and its worker
processes used (for Dask, over the cluster's whole life, start and stop included): on a machine
that other work keeps busy the wall time says little, while the CPU time shows what parallelism
costs. Prints a Markdown table. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import optimizer

BUDGETS = [12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
SHIFT = {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.2, "relative": True}


def spec(runs: int) -> dict:
    if runs % len(BUDGETS):
        raise SystemExit(f"--runs must be a multiple of {len(BUDGETS)}")
    return {
        "name": "benchmark",
        "grid": {"carbon_budget.total_mt": BUDGETS},
        "samples": {"n": runs // len(BUDGETS), "seed": 1, "coefficients": {
            "industries.*.output_100m_yuan_per_km2": SHIFT, "industries.*.carbon_t_per_km2": SHIFT}},
    }


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def timed(label: str, folder: Path, **engine) -> tuple[str, float, object]:
    started = time.perf_counter()
    table = optimizer.sweep(SPEC, out=folder / label.split()[0], progress=False, **engine)
    return label, time.perf_counter() - started, table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = parser.parse_args()
    SPEC = spec(args.runs)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        results, cpu = [], []
        for label, engine in (("serial (1 process)", {"workers": 1}),
                              (f"processes ({args.workers} workers)", {"workers": args.workers})):
            before = cpu_seconds()
            results.append(timed(label, folder, **engine))  # the pool's processes have ended when it returns
            cpu.append(cpu_seconds() - before)
        if not args.no_dask:
            from distributed import LocalCluster

            before = cpu_seconds()
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                results.append(timed(f"dask ({args.workers} local workers)", folder,
                                     scheduler=cluster.scheduler_address))
            cpu.append(cpu_seconds() - before)
        first = results[0][2]
        for _, _, table in results[1:]:  # every engine gives the same numbers
            assert table.drop(columns="seconds").equals(first.drop(columns="seconds"))
    print(f"{args.runs} runs of the Chongqing default on {os.cpu_count()} cores "
          f"({', '.join(f'{n} {s}' for s, n in first['status'].value_counts().items())}; "
          f"median {first['seconds'].median() * 1000:.0f} ms per run serially; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after: above 0 means other work shared the cores)\n")
    print("| engine | seconds | runs/s | speed-up | CPU seconds |\n|---|---:|---:|---:|---:|")
    for (label, seconds, _), used in zip(results, cpu):
        print(f"| {label} | {seconds:.1f} | {args.runs / seconds:.1f} | {results[0][1] / seconds:.2f} | {used:.1f} |")
