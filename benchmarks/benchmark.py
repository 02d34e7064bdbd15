"""How fast the tool is against the limit set by the solver itself.

    python benchmarks/benchmark.py                      # N = 38, 1,000, 10,000, 50,000 cells
    python benchmarks/benchmark.py --sizes 1000         # a quick run
    python benchmarks/benchmark.py --sizes 10000 --compare-solvers

For each size, on one generated scenario (``generate.py``) and in one process, it runs:

- **tool**: the tool end to end as ``optimizer run`` runs it (load the files, build, presolve
  checks, solve, extract the tables, write the results folder with its HTML report), with exact
  reductions off (the full model) and on (merged units);
- **naive**: a PuLP model of the same scenario written the way a newcomer would (nested loops,
  ``lpSum`` over generator expressions), solved by HiGHS through PuLP with the same algorithm;
- **bare**: HiGHS given the tool's full matrix as CSC arrays in one ``passModel`` call, same
  algorithm and options: the limit.

It prints the seconds of each stage, the peak memory (resident set, reset before each run),
each objective (they must agree: the run fails otherwise), the largest rule violation of the
tool's solutions, and the ratios tool/bare, naive/tool and bare/tool-with-reductions.
``--compare-solvers`` adds HiGHS's other algorithms and CBC on the same full model.
Timings are wall-clock seconds: on a shared machine, run it when the machine is idle. With
``--repeats R`` the full-model tool and the bare solver run R times, alternately, and the tables
show medians with their range (a virtual machine's speed drifts between runs).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import SIZES, generate  # noqa: E402

import optimizer  # noqa: E402
from optimizer.cli.console import without_huge_pages  # noqa: E402
from optimizer.results.result import Result  # noqa: E402
from optimizer.reduction.solve import solve_model  # noqa: E402
from optimizer.solvers.dispatch import highs_arrays, highs_options  # noqa: E402


class Stages:
    """Seconds and peak resident memory of each stage of one run."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.peak_mb = 0.0

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        self.peak_mb = max(self.peak_mb, _peak_mb())

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _reset_peak() -> None:
    """Linux: forget the peak resident set so far (VmHWM), so each run measures its own."""
    gc.collect()
    try:  # glibc keeps freed heap pages (of earlier runs) in the process unless asked to return them
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- the three contenders


def run_tool(path: Path, out: Path, reduce: bool) -> tuple[Stages, Result]:
    """The tool end to end, as ``optimizer run`` does it: load, build, presolve checks, solve,
    the result tables, the results folder."""
    _reset_peak()
    stages = Stages()
    with stages.stage("load"):
        scenario = optimizer.load_scenario(path)
    started = time.perf_counter()
    result = optimizer.solve(scenario, reduce=reduce)
    called = time.perf_counter() - started
    timed = [name for name in ("build", "reduce", "checks", "solve") if name in result.timings]
    stages.seconds.update({name: result.timings[name] for name in timed})
    stages.seconds["other"] = max(0.0, called - sum(result.timings[name] for name in timed))
    stages.peak_mb = max(stages.peak_mb, _peak_mb())
    with stages.stage("extract"):
        for table in ("allocation", "by_zone", "by_industry", "constraints", "kpis"):
            getattr(result, table)
    with stages.stage("write"):
        result.save(out)
    return stages, result


def run_bare(model, options: dict) -> tuple[Stages, float]:
    """HiGHS on the same matrix, handed over as arrays: the limit."""
    import highspy

    _reset_peak()
    stages = Stages()
    arrays = highs_arrays(model)  # the arrays exist already
    with stages.stage("solve"):
        highs = highspy.Highs()
        for key, value in options.items():
            highs.setOptionValue(key, value)
        highs.passModel(*arrays)
        highs.run()
        highs.getSolution()
    objective = highs.getInfo().objective_function_value
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        objective = float("nan")
    return stages, objective


def run_naive(path: Path, highs_settings: dict) -> tuple[Stages, float]:
    """The same scenario as a newcomer writes it in PuLP: loops, lpSum of generators."""
    import pandas as pd
    import pulp
    import yaml

    _reset_peak()
    stages = Stages()
    with stages.stage("build"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        units = pd.read_csv(path.parent / spec["units"])
        industries = pd.read_csv(path.parent / spec["industries"])
        prob = pulp.LpProblem("naive", pulp.LpMaximize)
        x = {}
        multiplier = {}
        for _, u in units.iterrows():
            rule = spec["zoning"][u["zone"]]
            for _, k in industries.iterrows():
                if k["category"] not in rule.get("admits", []):
                    continue
                intensity = k["carbon_t_per_km2"] / (k["output_100m_yuan_per_km2"] * 1e4)
                pollutant = k["pollutant_t_per_km2"] * 1000 / (k["output_100m_yuan_per_km2"] * 1e4)
                if intensity > rule.get("max_carbon_intensity_t_per_10k_yuan", np.inf):
                    continue
                if pollutant > rule.get("max_pollutant_intensity_kg_per_10k_yuan", np.inf):
                    continue
                column = f"land_intensity_{k['category']}"
                m = u[column] if column in u and not pd.isna(u[column]) else u.get("land_intensity", 1.0)
                m = 1.0 if pd.isna(m) else m
                x[u["id"], k["id"]] = pulp.LpVariable(f"x_{u['id']}_{k['id']}", lowBound=0)
                multiplier[u["id"], k["id"]] = m
        out = dict(zip(industries["id"], industries["output_100m_yuan_per_km2"]))
        carbon = dict(zip(industries["id"], industries["carbon_t_per_km2"]))
        category = dict(zip(industries["id"], industries["category"]))
        prob += pulp.lpSum(out[k] * multiplier[u, k] * x[u, k] for (u, k) in x)
        for u, land in zip(units["id"], units["land_km2"]):
            prob += pulp.lpSum(x[u, k] for k in industries["id"] if (u, k) in x) <= land
        budget = spec.get("carbon_budget", {}).get("total_mt")
        if budget is not None:
            prob += pulp.lpSum(carbon[k] * multiplier[u, k] * x[u, k] for (u, k) in x) <= budget * 1e6
        for _, k in industries.iterrows():
            if not pd.isna(k["min_km2"]) and k["min_km2"] > 0:
                prob += pulp.lpSum(x[u, kk] for (u, kk) in x if kk == k["id"]) >= k["min_km2"]
            if not pd.isna(k["max_km2"]):
                prob += pulp.lpSum(x[u, kk] for (u, kk) in x if kk == k["id"]) <= k["max_km2"]
        zone_of = dict(zip(units["id"], units["zone"]))
        for zone, rule in spec["zoning"].items():
            for bound, sense in (("share_min", 1), ("share_max", -1)):
                for cat, share in rule.get(bound, {}).items():
                    terms = pulp.lpSum(
                        ((1.0 if category[k] == cat else 0.0) - share) * x[u, k] for (u, k) in x if zone_of[u] == zone
                    )
                    prob += (terms >= 0) if sense == 1 else (terms <= 0)
    with stages.stage("solve"):
        prob.solve(pulp.HiGHS(msg=False, **highs_settings))
        values = {key: var.varValue for key, var in x.items()}
    objective = pulp.value(prob.objective) if pulp.LpStatus[prob.status] == "Optimal" and values else float("nan")
    return stages, objective


def compare_solvers(model) -> dict[str, float]:
    """Seconds of HiGHS's algorithms (arrays) and of CBC (through PuLP) on the full model."""
    import highspy

    times = {}
    for label, options in (
        ("highs simplex", {"solver": "simplex"}),
        ("highs ipm", {"solver": "ipm"}),
        ("highs ipm, no crossover", {"solver": "ipm", "run_crossover": "off"}),
        ("highs pdlp", {"solver": "pdlp"}),
    ):
        arrays = highs_arrays(model)
        started = time.perf_counter()
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        for key, value in options.items():
            highs.setOptionValue(key, value)
        highs.passModel(*arrays)
        highs.run()
        status = highs.modelStatusToString(highs.getModelStatus())
        times[label] = (time.perf_counter() - started, status, highs.getInfo().objective_function_value)
    settings = model.scenario.solver.model_copy(update={"name": "cbc", "reduce": False})
    started = time.perf_counter()
    solution = solve_model(model, settings)
    times["cbc (clp, through PuLP)"] = (time.perf_counter() - started, solution.status, solution.objective)
    return times


def max_violation(model, values: np.ndarray) -> float:
    """The largest violation of any row, relative to max(1, |rhs|)."""
    matrix = model.matrix
    activity = matrix.activity(values)
    rhs = np.where(np.isfinite(matrix.row_lower), matrix.row_lower, matrix.row_upper)
    over = np.maximum(matrix.row_lower - activity, activity - matrix.row_upper)
    return float(max(0.0, (over / np.maximum(1.0, np.abs(rhs))).max(initial=0.0), -values.min(initial=0.0)))


def district_default_seconds(repeats: int = 5) -> tuple[float, float]:
    """`optimizer run` on the district default, from process start to a written results folder and
    to the process's exit (medians). The folder appears whole, by one rename, once it is written;
    the interpreter's teardown of its modules (pandas, matplotlib: ≈ 0.2 s) comes after."""
    written, exited = [], []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(repeats):
            out = Path(folder) / f"run-{repeat}"
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "optimizer", "run", "--quiet", "--out", str(out)],
                                       cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not out.exists() and process.poll() is None:
                time.sleep(0.002)
            written.append(time.perf_counter() - started)
            if process.wait() != 0:
                raise RuntimeError("optimizer run failed on the district default")
            exited.append(time.perf_counter() - started)
    return statistics.median(written), statistics.median(exited)


# --------------------------------------------------------------------------- one size


def benchmark(n: int, folder: Path, args) -> dict:
    path = generate(n, folder / f"grid-{n}", seed=args.seed, profiles=args.profiles)
    row: dict = {"cells": n}
    say = lambda text: print(f"  [{n:,}] {text}", file=sys.stderr, flush=True)  # noqa: E731

    fulls, bares = [], []
    for repeat in range(args.repeats):  # tool and bare alternate, so that both see the same machine
        say(f"tool, full model ({repeat + 1} of {args.repeats}) …")
        full, result = run_tool(path, folder / f"out-{n}-full-{repeat}", reduce=False)
        model = result.model
        options = result.solution.options.get("highs_options", {})
        if not repeat:
            row.update(variables=len(model.variables), constraints=len(model.constraints),
                       algorithm=options.get("solver", "choose"), tool_objective=result.objective,
                       tool_violation=max_violation(model, result.solution.values))
        say(f"tool {full.total:.2f} s; bare HiGHS on the same matrix …")
        bare, bare_objective = run_bare(model, options)
        row["bare_objective"] = bare_objective
        fulls.append(full)
        bares.append(bare)
        if args.compare_solvers and not repeat:
            say("other algorithms and CBC …")
            row["solvers"] = compare_solvers(model)
        del result, model
    row.update(_summary("tool", fulls), **_summary("bare", bares))
    row["tool_over_bare"] = [f.total / b.total for f, b in zip(fulls, bares)]
    reduceds = []
    for repeat in range(args.repeats):
        say(f"tool, with reductions ({repeat + 1} of {args.repeats}) …")
        reduced, result = run_tool(path, folder / f"out-{n}-reduced-{repeat}", reduce=True)
        reduceds.append(reduced)
        row.update(reduced_objective=result.objective, reduction=result.solution.options.get("reduction"),
                   reduced_violation=max_violation(result.full_model, result.full_solution.values))
        del result
    row.update(_summary("reduced", reduceds))
    if n <= args.naive_max:
        say("naive PuLP model …")
        naive, naive_objective = run_naive(path, {k: v for k, v in options.items() if k != "output_flag"})
        row.update(naive=naive.seconds, naive_total=naive.total, naive_peak_mb=naive.peak_mb,
                   naive_objective=naive_objective)
    objectives = [row[key] for key in ("tool_objective", "bare_objective", "reduced_objective", "naive_objective")
                  if key in row]
    row["agree"] = bool(np.allclose(objectives, objectives[0], rtol=1e-6, atol=1e-6))
    return row


def _summary(label: str, runs: list[Stages]) -> dict:
    """Median seconds per stage and of the totals over repeated runs; the highest peak."""
    stages = {name: statistics.median(run.seconds[name] for run in runs) for name in runs[0].seconds}
    return {label: stages, f"{label}_total": statistics.median(run.total for run in runs),
            f"{label}_totals": [run.total for run in runs], f"{label}_peak_mb": max(run.peak_mb for run in runs)}


def _spread(values: list[float], digits: int = 2) -> str:
    """The median, and the range when there are several values."""
    middle = f"{statistics.median(values):.{digits}f}"
    return middle if len(values) < 2 else f"{middle} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(rows: list[dict]) -> str:
    def seconds(stages: dict) -> str:
        return " + ".join(f"{name} {value:.2f}" for name, value in stages.items())

    lines = [
        "| cells | variables | stage | seconds (stages) | total s | peak MB | objective |",
        "|---:|---:|---|---|---:|---:|---:|",
    ]
    for r in rows:
        n, v = f"{r['cells']:,}", f"{r['variables']:,}"
        lines.append(f"| {n} | {v} | tool, full model ({r['algorithm']}) | {seconds(r['tool'])} | "
                     f"{_spread(r['tool_totals'])} | {r['tool_peak_mb']:.0f} | {r['tool_objective']:,.4f} |")
        lines.append(f"| | | bare HiGHS, same matrix | solve {r['bare_total']:.2f} | {_spread(r['bare_totals'])} | "
                     f"{r['bare_peak_mb']:.0f} | {r['bare_objective']:,.4f} |")
        red = r["reduction"]
        merged = f" → {red['variables'][1]:,} variables" if red else ", nothing merged"
        lines.append(f"| | | tool, reductions on{merged} | {seconds(r['reduced'])} | {_spread(r['reduced_totals'])} | "
                     f"{r['reduced_peak_mb']:.0f} | {r['reduced_objective']:,.4f} |")
        if "naive_total" in r:
            lines.append(f"| | | naive PuLP | {seconds(r['naive'])} | {r['naive_total']:.2f} | "
                         f"{r['naive_peak_mb']:.0f} | {r['naive_objective']:,.4f} |")
    lines += [
        "",
        "| cells | tool/bare | build share | naive/tool | bare/tool-reduced | objectives agree | max violation |",
        "|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        naive = f"{r['naive_total'] / r['tool_total']:.1f}" if "naive_total" in r else "–"
        lines.append(
            f"| {r['cells']:,} | {_spread(r['tool_over_bare'])} | "
            f"{100 * r['tool']['build'] / r['tool_total']:.0f} % | {naive} | "
            f"{r['bare_total'] / r['reduced_total']:.1f} | {'yes' if r['agree'] else 'NO'} | "
            f"{max(r['tool_violation'], r['reduced_violation']):.1e} |"
        )
    for r in rows:
        for label, (seconds_, status, objective) in r.get("solvers", {}).items():
            lines.append(f"- {r['cells']:,} cells, {label}: {seconds_:.2f} s, {status}, objective {objective}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated cell counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profiles", type=int, default=0,
                        help="land-use profiles per zone (generate.py): the best case for merging; "
                             "default 0, continuous per-cell multipliers")
    parser.add_argument("--naive-max", type=int, default=50_000, help="skip the naive model above this many cells")
    parser.add_argument("--compare-solvers", action="store_true", help="also time HiGHS's other algorithms and CBC")
    parser.add_argument("--repeats", type=int, default=1,
                        help="run the tool and the bare solver this many times, alternately, and report medians")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    without_huge_pages()  # as `optimizer run` does for its process (bare HiGHS allocates its own memory)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in (int(size) for size in args.sizes.split(",")):
            rows.append(benchmark(n, Path(folder), args))
    print(table(rows))
    written, exited = district_default_seconds()
    print(f"\nDistrict default, `optimizer run` from process start to a written results folder: {written:.2f} s; "
          f"to the process's exit: {exited:.2f} s (medians of 5)")
    if args.json:
        figures = {"sizes": rows, "district_default_s": written, "district_default_exit_s": exited}
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0 if all(r["agree"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
