"""Why a scenario is infeasible, in planning terms: the fewest limits to change, and by how much.

The diagnosis is generic over constraints: every row i has a family, a sense, a right-hand side
b_i and a unit. In an elastic copy of the model, each row of a relaxable family (every family
the scenario does not declare ``firm``; soft families are relaxed already) gets violation
variables u_i ≥ 0 measured relative to the row's scale s_i (|b_i|, or for a row with b_i = 0
the median |b| of the rows in the same unit):

    Σ a_i · x − s_i · u_i ≤ b_i    (a ``<=`` limit raised by s_i · u_i)
    Σ a_i · x + s_i · u_i ≥ b_i    (a ``>=`` limit lowered by s_i · u_i; an equality gets both)

All other rows and every variable bound hold as stated. Four solves, each of the same shape:

0. min Σ u_i: is there any way out by relaxing limits? (If not, the conflict lies in firm
   families or in variable bounds, and the diagnosis says so.)
1. Fewest changes: binaries z_i with u_i ≤ U · z_i, min Σ z_i = k. U = 1000 (a limit may move
   by up to a thousand times its scale), raised if stage 0 needed more.
2. Smallest changes among the fewest: Σ z_i ≤ k, min Σ u_i; its relaxed rows are the answer.
3. Exact amounts: stage 0 restricted to the chosen rows, an LP free of integrality tolerances.

Each relaxed row is reported in its own unit with the right-hand side it needs: "city carbon
budget of 20 Mt CO2: short by 3.2 Mt CO2 (needs ≥ 23.2 Mt CO2)". The changes hold together:
applied all at once, they make the scenario feasible. A rule family may word its own rows
through an optional hook ``describe_change(model, constraint, by, values) -> str | None``.
If stages 1–2 stop early, stage 0's answer is reported, marked as not proved to be the fewest.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..compile.model import ModelBuilder, assemble
from ..compile.soft_limits import DIRECTIONS, add_violations
from ..core.outcomes import Change, Diagnosis, Finding
from ..core.units import TONNES_PER_MT
from ..solvers.dispatch import run_solver

RELATIVE_CAP = 1e3
_RELAXED = 1e-7  # a relative violation below this is solver noise


def diagnose(model, settings, findings: list[Finding] = ()) -> Diagnosis:
    """Explain an infeasible model: the fewest relaxable limits to change, each by how much."""
    findings = list(findings)
    firm = sorted(family for family, rule in model.scenario.limits.items() if rule.firm)
    rows = [i for i, c in enumerate(model.constraints) if c.family not in firm and not len(c.violation_positions)]
    settings = settings.model_copy(update={"mip_gap": 1e-9})
    scale = _scales(model.constraints, rows)

    stage0 = _elastic_solve(model, rows, scale, settings)
    if stage0 is None:
        return Diagnosis("failed", [], findings, firm, False, "the diagnosis could not be computed: the solver stopped")
    if stage0 == "infeasible":
        held = f"in the families held firm ({', '.join(firm)}) or " if firm else ""
        return Diagnosis(
            "not_explained", [], findings, firm, False,
            f"infeasible even with every relaxable limit relaxed: the conflict lies {held}in the bounds of variables "
            f"that rule families add{'; declare fewer families firm to see by how much each must move' if firm else ''}",
        )
    values, elastic = stage0
    relative = np.array([values[positions].sum() for positions in elastic], dtype=float)
    if relative.sum() <= _RELAXED:
        return Diagnosis("feasible", [], findings, firm, False,
                         "every limit can hold as stated: the solver's verdict was about an unbounded objective or "
                         "numerical trouble, not a conflict between limits")
    chosen, fewest = _fewest(model, rows, scale, settings, cap=max(RELATIVE_CAP, 10 * relative.max()))
    if chosen is None:
        chosen, fewest = [rows[j] for j in np.flatnonzero(relative > _RELAXED)], False
    exact = _elastic_solve(model, chosen, _scales(model.constraints, chosen), settings)
    if not isinstance(exact, tuple):  # cannot happen for a set stage 2 proved feasible; fall back to stage 0
        chosen, exact = rows, stage0
    changes = _changes(model, chosen, exact)
    if len(changes) == 1:
        found = "The smallest single change" if fewest else "A change"
    else:
        found = "No single change suffices; the fewest changes" if fewest else "Changes (not proved the fewest)"
        found += f" ({len(changes)}, all together)"
    message = f"the limits cannot all hold at once. {found} that make{'s' if len(changes) == 1 else ''} a plan possible:"
    return Diagnosis("explained", changes, findings, firm, fewest, message)


def _scales(constraints, rows) -> np.ndarray:
    by_unit: dict[str, list[float]] = {}
    for c in constraints:
        if c.rhs != 0:
            by_unit.setdefault(c.unit, []).append(abs(c.rhs))
    typical = {unit: float(np.median(values)) for unit, values in by_unit.items()}
    return np.array([abs(constraints[i].rhs) or typical.get(constraints[i].unit, 1.0) for i in rows])


def _elastic(model, rows, scale, binaries_cap: float | None = None):
    """The elastic copy: (builder, positions of each row's violation variables, positions of binaries)."""
    builder = ModelBuilder(model.scenario, model.variables)
    builder.constraints = [replace(c) for c in model.constraints]
    elastic = add_violations(builder, rows, scale, np.zeros(len(rows)))
    binaries = np.zeros(0, dtype=np.int64)
    if binaries_cap is not None and rows:
        names = [f"relaxed[{builder.constraints[i].name}]" for i in rows]
        binaries = builder.add_variables("relaxed", pd.DataFrame({"name": names, "upper": 1.0, "integer": True}))
        for i, z, positions in zip(rows, binaries, elastic):
            for p in positions:
                builder.add(f"relax[{builder.constraints[i].name}]", "diagnosis", [p, z], [1.0, -binaries_cap], "<=",
                            0.0, "", "a limit moves only if it is counted as changed")
    return builder, elastic, binaries


def _run(builder, objective, settings):
    problem, lp_variables = assemble("diagnosis", builder.variables, builder.constraints, objective, False)
    return run_solver(problem, lp_variables, False, settings)


def _elastic_solve(model, rows, scale, settings):
    """Stage 0/3: min Σ u over the rows' violations. (values, per-row positions) | "infeasible" | None."""
    builder, elastic, _ = _elastic(model, rows, scale)
    objective = np.zeros(len(builder.variables))
    for positions in elastic:
        objective[positions] = 1.0
    outcome = _run(builder, objective, settings)
    if outcome.status == "infeasible":
        return "infeasible"
    if outcome.status != "optimal":
        return None
    return outcome.values, elastic


def _fewest(model, rows, scale, settings, cap: float):
    """Stages 1–2: the rows of the fewest, then smallest, changes; (None, False) if the search stops early."""
    builder, elastic, binaries = _elastic(model, rows, scale, binaries_cap=cap)
    count = np.zeros(len(builder.variables))
    count[binaries] = 1.0
    fewest = _run(builder, count, settings)
    if fewest.status != "optimal":
        return None, False
    k = round(float(fewest.values[binaries].sum()))
    builder.add("fewest_changes", "diagnosis", binaries, np.ones(len(binaries)), "<=", k, "", "the fewest changes")
    size = np.zeros(len(builder.variables))
    for positions in elastic:
        size[positions] = 1.0
    smallest = _run(builder, size, settings)
    values = smallest.values if smallest.status == "optimal" else fewest.values
    return [i for i, z in zip(rows, values[binaries]) if z > 0.5], True


def _changes(model, rows, solved) -> list[Change]:
    from ..rules import RULE_FAMILIES

    hooks = {f.FAMILY: f.describe_change for f in RULE_FAMILIES if hasattr(f, "describe_change")}
    values, elastic = solved
    scale = _scales(model.constraints, rows)
    changes = []
    for i, positions, s in zip(rows, elastic, scale):
        c = model.constraints[i]
        moves = values[positions]
        if moves.sum() <= _RELAXED:
            continue
        needed = c.rhs - float(s * (np.array(DIRECTIONS[c.sense]) @ moves))  # a −1 violation raises the limit
        by = abs(needed - c.rhs)
        hook = hooks.get(c.family)
        sentence = (hook(model, c, by, values) if hook else None) or _sentence(c, by, needed)
        changes.append(Change(c.name, c.family, c.meaning, c.sense, c.unit, c.rhs, needed, by, sentence))
    return sorted(changes, key=lambda change: (change.family, change.name))


def quantity(value: float, unit: str) -> str:
    """A number in the unit a planner states it in: t CO2 as Mt CO2, km2 as km²."""
    if unit == "t CO2":
        value, unit = value / TONNES_PER_MT, "Mt CO2"
    text = f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.4g}"
    return f"{text} {unit.replace('km2', 'km²')}".strip()


def _sentence(c, by: float, needed: float) -> str:
    amount, target = quantity(by, c.unit), quantity(needed, c.unit)
    if c.sense == "<=":
        return f"{c.meaning}: short by {amount} (needs ≥ {target})"
    if c.sense == ">=":
        return f"{c.meaning} cannot be met: {amount} short (needs ≤ {target})"
    return f"{c.meaning}: off by {amount} (needs = {target})"
