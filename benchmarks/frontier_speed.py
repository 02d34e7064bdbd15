"""How to solve a frontier's points fastest on the default: rebuild the model per point, re-use one
compiled model (what optimizer.frontier does), or two worker processes. Run from a checkout:

    python benchmarks/frontier_speed.py

It prints the best of three timings of each way for 21 points, and checks they agree.
"""
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import optimizer
from optimizer.compile.model import build
from optimizer.reduction.solve import solve_model
from optimizer.results.result import Result

POINTS = 21
scenario = optimizer.load_scenario()
bounds = np.linspace(178_078.0 * (1 + 1e-7), 19_999_969.0, POINTS).tolist()


def point_rebuilt(bound):
    model = build(scenario).retargeted("output", {"carbon": bound})
    solution = solve_model(model, scenario.solver)
    r = Result(scenario, model, solution)
    return r.objective, r.constraints.shape[0]


def rebuild():
    return [point_rebuilt(b) for b in bounds]


def reuse():
    base = build(scenario)
    out = []
    for b in bounds:
        model = base.retargeted("output", {"carbon": b})
        r = Result(scenario, model, solve_model(model, scenario.solver))
        out.append((r.objective, r.constraints.shape[0]))
    return out


def parallel():
    with ProcessPoolExecutor(2) as pool:
        return list(pool.map(point_rebuilt, bounds))


def api():
    return optimizer.frontier(scenario, points=POINTS)


if __name__ == "__main__":
    for f in (rebuild, reuse, parallel, api):
        best = []
        for _ in range(3):
            t = time.perf_counter(); f(); best.append(time.perf_counter() - t)
        print(f"{f.__name__:8s} {POINTS} points: best of 3 {min(best):.3f} s")
    a, b, c = rebuild(), reuse(), parallel()
    print("same objectives:", np.allclose([x[0] for x in a], [x[0] for x in b]) and np.allclose([x[0] for x in a], [x[0] for x in c]))
