"""The exact decomposition (optimizer/solvers/decomposition.py) against bare HiGHS on the full matrix.

    python benchmarks/generate.py --sizes 10000,50000 --out benchmarks/scenarios
    python benchmarks/chongqing_grid.py --continuous
    python benchmarks/decomposition.py benchmarks/scenarios/grid-10000/grid.yaml \\
        benchmarks/scenarios/grid-50000/grid.yaml benchmarks/scenarios/chongqing-grid-1km-continuous/grid.yaml

Per scenario, in one run, two fresh processes each: both load the scenario and build the model
(``optimizer.build``, ``highs_arrays``); then one hands the arrays to bare HiGHS with the
algorithm ``optimizer/solvers/dispatch.py`` chooses above 10,000 variables (interior point with crossover),
the other to ``decomposition.solve_arrays``. Reported: CPU seconds (user + system) of the solve
and of the whole process, their ratios, peak resident memory of each process, the objectives'
relative difference, the largest difference of the coupling rows' duals (those of the rows that
are not unit rows), and the decomposition's proof. CPU seconds, not wall-clock: the machine is
shared; the load average at the start is printed too.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def worker(kind: str, path: str, out: str) -> None:
    """One contender in this process: load, build, solve; the figures as JSON, the vectors as .npy."""
    import highspy

    import optimizer
    from optimizer.solvers import decomposition
    from optimizer.compile.model import build
    from optimizer.solvers.dispatch import highs_arrays, new_highs

    model = build(optimizer.load_scenario(path))
    arrays = highs_arrays(model)
    started = time.process_time()
    if kind == "bare":
        highs = new_highs()
        highs.setOptionValue("solver", "ipm")
        highs.passModel(*arrays)
        highs.run()
        ok = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        solution = highs.getSolution()
        objective, duals = highs.getInfo().objective_function_value, np.array(solution.row_dual)
        figures = {"status": "optimal" if ok else highs.modelStatusToString(highs.getModelStatus())}
    else:
        found = decomposition.solve_arrays(arrays)
        objective, duals = found.objective, found.duals
        figures = {"status": found.status, "reason": found.reason, "proof": str(found.proof),
                   "rounds": found.rounds, "master_columns": found.master_columns, "units": found.units,
                   "coupling_rows": found.coupling_rows, "stages": found.seconds}
    figures.update(solve_cpu=time.process_time() - started, objective=objective,
                   variables=int(arrays[0]), rows=int(arrays[1]),
                   peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    unit = decomposition.unit_rows(decomposition._Arrays.of(arrays))  # noqa: SLF001 (the benchmark's own reading)
    coupling = np.ones(arrays[1], dtype=bool)
    coupling[unit[unit >= 0]] = False
    np.save(out + ".npy", np.asarray(duals, dtype=float)[coupling] if duals is not None else np.zeros(0))
    Path(out + ".json").write_text(json.dumps(figures))


def run(kind: str, path: str, folder: str) -> dict:
    out = os.path.join(folder, f"{kind}-{Path(path).parent.name}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, __file__, "--worker", kind, path, out], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(Path(out + ".json").read_text())
    figures["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures["duals"] = np.load(out + ".npy")
    return figures


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--worker":
        worker(*argv[1:4])
        return 0
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for path in argv:
            bare, dec = run("bare", path, folder), run("decomposition", path, folder)
            if dec["status"] != "optimal":
                print(f"{path}: decomposition {dec['status']}: {dec.get('reason')}")
                failed = True
                continue
            gap = abs(dec["objective"] - bare["objective"]) / abs(bare["objective"])
            duals = float(np.abs(dec["duals"] - bare["duals"]).max(initial=0))
            scale = float(np.abs(bare["duals"]).max(initial=1))
            print(f"\n{path}: {bare['variables']:,} variables × {bare['rows']:,} rows; "
                  f"{dec['units']:,} units, {dec['coupling_rows']} coupling rows")
            print(f"  bare HiGHS (ipm + crossover): solve {bare['solve_cpu']:.2f} s CPU, process "
                  f"{bare['process_cpu']:.2f} s CPU, peak {bare['peak_mb']:.0f} MB, {bare['status']}")
            print(f"  decomposition: solve {dec['solve_cpu']:.2f} s CPU ({', '.join(f'{k} {v:.2f}' for k, v in dec['stages'].items())} s wall), "
                  f"process {dec['process_cpu']:.2f} s CPU, peak {dec['peak_mb']:.0f} MB; {dec['rounds']} rounds, "
                  f"{dec['master_columns']:,} master columns")
            print(f"  ratio bare/decomposition: solve {bare['solve_cpu'] / dec['solve_cpu']:.2f}×, "
                  f"process {bare['process_cpu'] / dec['process_cpu']:.2f}×")
            print(f"  objective {dec['objective']:,.6f}, relative difference {gap:.1e}; coupling duals: largest "
                  f"difference {duals:.2e} (largest dual {scale:.3g})")
            print(f"  {dec['proof']}")
            failed |= gap > 1e-9
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
