"""Benchmark: site 500 generated transfer projects in Chongqing's 38 units (a mixed-integer program).

    python benchmarks/projects_500x38.py                      # HiGHS, gap 1e-4, 300 s limit
    python benchmarks/projects_500x38.py --solver cbc --time-limit 120 --projects-only

The instance is generated from a seed on top of the embedded Chongqing default (its units, zoning,
industries and 20 Mt carbon budget): project sizes follow the 2021 figures (347 projects, 52.3
billion yuan: a mean near 1.5 (100m yuan) each), land follows from an assumed investment intensity,
output and carbon from the industry's coefficients times a random factor. It has exclusive
groups, prerequisites, co-location, a few mandatory projects, a cap per unit and an investment
budget. Every figure is synthetic. Prints the model size, the time to build and to solve, the
status, objective, best bound and gap. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import optimizer
from optimizer.compile.model import build
from optimizer.results.result import Result
from optimizer.reduction.solve import solve_model

# Investment per km² by category (100m yuan), an estimate: 10k yuan per mu × 1500 mu/km² / 10⁴.
PER_KM2 = {"modern_service": 150, "logistics": 22.5, "advanced_manufacturing": 45, "manufacturing": 45,
           "supporting": 45, "green": 37.5, "agriculture": 22.5}


def generate(scenario, n: int, rng: np.random.Generator) -> dict:
    """The ``projects`` section of a generated instance."""
    industries = scenario.table("industries")
    units = scenario.table("units")
    chosen = rng.choice(industries.index, size=n)
    investment = np.round(rng.lognormal(np.log(1.2), 0.6, size=n), 2)
    land = np.round(investment / industries["category"].reindex(chosen).map(PER_KM2).to_numpy(), 4)
    rows = [
        {
            "id": f"p{i:03d}",
            "industry": industry,
            "land_km2": land[i],
            "investment_100m_yuan": investment[i],
            "output_100m_yuan": round(land[i] * industries.at[industry, "output_100m_yuan_per_km2"] * rng.uniform(0.7, 1.4), 3),
            "carbon_t": round(land[i] * industries.at[industry, "carbon_t_per_km2"] * rng.uniform(0.6, 1.3)),
        }
        for i, industry in enumerate(chosen)
    ]
    order = rng.permutation(n)
    for k, group in enumerate(np.array_split(order[:90], 30)):  # 30 exclusive groups of 3
        for i in group:
            rows[i]["exclusive_groups"] = f"g{k}"
    for b, a in zip(order[90:130], order[130:170]):  # 40 prerequisites
        rows[b]["requires"] = rows[a]["id"]
    for b, a in zip(order[170:190], order[190:210]):  # 20 in the same zone as another
        rows[b]["same_zone_as"] = rows[a]["id"]
    for b, a in zip(order[210:220], order[220:230]):  # 10 in the same unit as another
        rows[b]["same_unit_as"] = rows[a]["id"]
    for i in order[230:280]:  # 50 restricted to a random zone
        rows[i]["allowed_units"] = str(rng.choice(units["zone"].unique()))
    advanced = [i for i in order[280:] if industries.at[rows[i]["industry"], "category"] == "advanced_manufacturing"]
    for i in advanced[:5]:  # 5 mandatory, each admitted in two zones
        rows[i]["mandatory"] = True
    return {
        "table": rows,
        "investment_budget_100m_yuan": round(0.6 * float(investment.sum()), 1),
        "max_per_unit": 25,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--time-limit", type=float, default=300)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument(
        "--projects-only", action="store_true", help="no continuous land allocation (and no industry minimums)"
    )
    parser.add_argument("--out", help="also write a results folder here")
    args = parser.parse_args()

    default = optimizer.load_scenario()
    projects = generate(default, args.projects, np.random.default_rng(args.seed))
    projects["land_allocation"] = not args.projects_only
    scenario = default.with_changes(
        name="benchmark-projects",
        projects=projects,
        solver={"name": args.solver, "time_limit_s": args.time_limit, "mip_gap": args.gap},
    )
    if args.projects_only:  # projects alone cannot meet the default's minimum land per industry
        scenario = scenario.with_changes(industries=scenario.table("industries").assign(min_km2=None))
    started = time.perf_counter()
    model = build(scenario)
    built = time.perf_counter() - started
    solution = solve_model(model, scenario.solver)
    result = Result(scenario, model, solution, {"build": built, "solve": solution.seconds})
    variables = model.variables
    binaries = int(variables["integer"].sum())
    print(f"instance: {args.projects} projects x {len(scenario.units)} units, seed {args.seed}, "
          f"{'projects only' if args.projects_only else 'with continuous land allocation'}")
    print(f"model:    {len(variables)} variables ({binaries} binary), {len(model.constraints)} constraints")
    print(f"solver:   {solution.solver} {solution.solver_version}, gap {args.gap:g}, limit {args.time_limit:g} s")
    print(f"build:    {built:.2f} s")
    print(f"solve:    {solution.seconds:.2f} s (MIP, then the LP with integer decisions fixed)")
    print(f"status:   {solution.status}" + (f" ({solution.message})" if solution.message else ""))
    if result.has_solution:
        placed = result.family_tables["projects"]
        chosen = placed[placed["placed"]]
        print(f"objective {solution.objective:,.3f}, best bound {solution.best_bound:,.3f}, gap {solution.gap:.2e}")
        print(f"placed:   {len(chosen)} of {len(placed)} projects, investment "
              f"{chosen['investment_100m_yuan'].sum():,.1f} of {projects['investment_budget_100m_yuan']:,.1f} (100m yuan)")
        with pd.option_context("display.width", 120):
            print(result.family_tables["projects_by_zone"][["zone", "projects", "investment_100m_yuan", "land_km2",
                                                             "output_100m_yuan", "carbon_t"]].to_string(index=False))
    if args.out:
        print(f"results:  {result.save(args.out)}")


if __name__ == "__main__":
    main()
