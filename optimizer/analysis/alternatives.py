"""Alternative optima: is the plan unique, how far can each part move, which other plans are as good.

A linear program max c·x s.t. A x ⋚ b, l ≤ x ≤ u with many interchangeable options has many
optimal plans; the solver returns one vertex of the optimal face. This module says, for a
solved result, what the others are. Everything is solved exactly by HiGHS on the model's own
arrays (``optimizer.solvers.dispatch.highs_arrays``), whichever solver produced the result.

**The face.** With z* the optimum and a tolerance t ≥ 0, the plans within t of the optimum are

    F_t = { x feasible :  c·x ≥ z* − t·|z*| }        (≤ z* + t·|z*| for a minimisation)

F_0 is the optimal face (t = 0 is applied with a guard of 1e-10·max(1, |z*|) for the solver's own
tolerances). ``Face`` holds one HiGHS object with that row added, solved once, and changes only
its costs from one question to the next: each question is a re-run warm-started from the
previous basis (primal simplex, a few pivots each).

**Uniqueness** (``uniqueness``). At an optimal basis, every nonbasic column j has a reduced cost
d_j and every nonbasic row a dual y_i. By complementary slackness every optimal plan keeps the
nonbasic columns and rows with d_j ≠ 0 (y_i ≠ 0) at their bounds; the basic ones follow from the
nonbasic ones (the basis matrix is nonsingular). So if no nonbasic column or row has a zero
reduced cost (no *dual degeneracy*), the optimal plan is unique: that is read off the solution.
Otherwise the set D of dual-degenerate nonbasic columns and rows may move, or may be held by
primal degeneracy; one LP settles it exactly:

    g = max_{x ∈ F_0}  Σ_{j∈D} s_j (x_j − x*_j)        (s_j = +1 at a lower bound, −1 at an upper;
                                                         a row enters with its row of A)

g = 0 means every optimal plan has the nonbasic part of x*, hence is x*: the plan is unique;
g > 0 exhibits another optimal plan. The verdict is one of ``unique``, ``not unique``, or
``not assessed`` (a mixed-integer run, no optimal solution, or a model above ``ASSESS_MAX``).

**Ranges** (``land_ranges``). For a quantity q·x (the land of a unit–industry pair, of an
industry in a zone, of an industry in total) its range over F_t is [min_{F_t} q·x, max_{F_t} q·x],
two LPs per quantity. A range of width ≤ ``forced_width`` on F_0 (1e-5 km², or 1e-7 of the
scenario's land where that is more) is *forced*: every optimal plan has that land there. Unit–industry ranges are computed while the model has at most
``UNIT_RANGES_MAX`` land pairs; above that (grids) only zone and industry aggregates are.

For a run merged before building (``optimizer.reduction.scenario_merge``) the model is that of the merged scenario,
whose classes of alike units are exactly interchangeable. The aggregates are sums of its
variables, so they are exact there. A unit u_i of a class C (land L_i, the class L_C) whose
industry k has class land Q ∈ [Q_lo, Q_hi] on F_t can hold any share the class's other units
leave it: the members can be filled in any order, so

    land[u_i, k] ∈ [ max(0, Q_lo − (L_C − L_i)),  min(Q_hi, L_i) ]

(the least: k fills the other units first; the most: k fills u_i first). Both ends are attained
by a plan of the full model on F_t.

**Near-optimal alternatives** (``near_optimal_plans``, modelling to generate alternatives in the
Hop-Skip-Jump manner). On F_ε, plan 0 is the optimum; plan i minimises the land in the
unit–industry pairs used by any plan before it, so each plan moves as much land as it can to
pairs not used so far. Each plan comes with its objective and KPIs and its L1 distance (km²)
from the optimum.

**Tie-breaking** (``tie_break``). A documented rule picks one optimal plan, the same whichever
solver found the optimum and whether units were merged: (1) the optimum z*; (2) among optimal
plans, the least carbon; (3) among those, the least Σ w_j·x_j, where w_j ∈ [1, 2) is a fixed
weight per variable from the SHA-256 of its name (so the same on every machine). Generic
weights make that last minimiser unique (it is checked: ``uniqueness`` of the last pass).
The passes run on the model with its interchangeable units merged (``reduction_of(model)``, even
with ``--no-reduce``), and its solution is split onto the units in table order (the split of
``optimizer.reduction.matrix_merge``): the units of a class are interchangeable, so that split is itself part
of the rule. The shadow prices of the first solve are kept: a dual optimal solution is
complementary to every primal optimal one, so they price the tie-broken plan too. Passes (2)
and (3) keep the objective and the carbon within 1e-10·max(1, |value|) of their optima.

**Next-best placements** (``next_placements``, mixed-integer runs). With y* the binary decisions
of the best plan, the no-good cut Σ_{j: y*_j=1} (1 − y_j) + Σ_{j: y*_j=0} y_j ≥ 1 removes exactly
that placement; solving again gives the next-best distinct placement, and so on, each with its
objective, its gap and its loss against the best.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..compile.model import Model
from ..core.outcomes import Solution
from ..reduction.matrix_merge import reduction_of
from ..solvers.dispatch import LARGE_LP, highs_arrays, new_highs

FORCED = 1e-5  # km²: a range this narrow on the optimal face is a forced quantity
GUARD = 1e-10  # relative: the optimum as a constraint, within the solver's tolerances
ASSESS_MAX = 10_000  # variables: larger models are not re-solved by simplex just to assess uniqueness
UNIT_RANGES_MAX = 5_000  # land pairs: above it, ranges are computed on zone and industry aggregates only
LAND_KINDS = ("land", "park")  # variables that give land to an industry in a unit (as the allocation)


class Face:
    """The plans of ``model`` within ``tolerance`` of its optimum, as one warm HiGHS object.

    ``optimum`` is the objective's optimum (without a composite's constant), ``basis`` HiGHS's
    optimal basis. ``extreme(cost, sense)`` gives max or min of cost·x over the face.
    """

    def __init__(self, model: Model, tolerance: float = 0.0):
        import highspy

        self.model = model
        highs = new_highs()
        # A basis to warm-start from (and to read): simplex, or above LARGE_LP variables interior
        # point with crossover (75 s against 6 s at 160,000 variables).
        highs.setOptionValue("solver", "ipm" if len(model.variables) > LARGE_LP else "simplex")
        if highs.passModel(*highs_arrays(model)) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")
        highs.run()
        highs.setOptionValue("solver", "simplex")
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: {highs.modelStatusToString(highs.getModelStatus())}")
        self.optimum = float(highs.getInfo().objective_function_value)
        self.solution = highs.getSolution()
        self.basis = highs.getBasis()
        self.values = np.array(self.solution.col_value, dtype=float)
        self.maximise = model.sense == "max"
        slack = max(tolerance * abs(self.optimum), GUARD * max(1.0, abs(self.optimum)))
        cost = model.objective_vector()
        columns = np.flatnonzero(cost)
        if self.maximise:
            low, high = self.optimum - slack, np.inf
        else:
            low, high = -np.inf, self.optimum + slack
        highs.addRow(low, high, len(columns), columns.astype(np.int32), cost[columns])
        highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.zeros(len(cost)))
        highs.setOptionValue("simplex_strategy", 4)  # primal simplex: the basis stays primal feasible
        self.highs = highs
        self._costed = np.zeros(0, dtype=np.int32)

    def extreme(self, columns: np.ndarray, cost: np.ndarray, maximise: bool) -> tuple[float, np.ndarray | None]:
        """max (or min) of Σ cost·x[columns] over the face, and the plan attaining it (None: not solved)."""
        import highspy

        highs = self.highs
        if len(self._costed):
            highs.changeColsCost(len(self._costed), self._costed, np.zeros(len(self._costed)))
        columns = np.asarray(columns, dtype=np.int32)
        highs.changeColsCost(len(columns), columns, np.asarray(cost, dtype=float))
        self._costed = columns
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return np.nan, None
        values = np.array(highs.getSolution().col_value, dtype=float)
        return float(np.asarray(cost) @ values[columns]), values

    def add_row(self, columns: np.ndarray, coefficients: np.ndarray, low: float, high: float) -> None:
        self.highs.addRow(low, high, len(columns), np.asarray(columns, dtype=np.int32), np.asarray(coefficients, float))


# ---------------------------------------------------------------- uniqueness


@dataclass
class Uniqueness:
    verdict: str  # "unique", "not unique", "not assessed"
    reason: str  # in words
    degenerate: int = 0  # nonbasic columns and rows with zero reduced cost at the optimal basis
    movement: float | None = None  # g of the module docstring (0: unique)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "in_words": self.words(), "dual_degenerate": self.degenerate,
                "movement": self.movement}

    def words(self) -> str:
        """The verdict in a sentence, for the summary and the reports."""
        if self.verdict == "unique":
            return f"The optimal plan is unique: {self.reason}."
        if self.verdict == "not unique":
            return f"The optimal plan is not unique: {self.reason}."
        return f"Whether the optimal plan is unique was not assessed: {self.reason}."


def uniqueness(result) -> Uniqueness:
    """Whether the result's optimal plan is the only one (module docstring), on the full model's units."""
    model = result.model
    if result.status != "optimal":
        return Uniqueness("not assessed", "the run has no proven optimum")
    if model.is_mip:
        return Uniqueness("not assessed", "a mixed-integer run (see --placements for the next-best placements)")
    if len(model.variables) > ASSESS_MAX:
        return Uniqueness("not assessed", f"the model has more than {ASSESS_MAX:,} variables; "
                          "ask for ranges (--ranges) on aggregates instead")
    if len(model.variables) == 0:
        return Uniqueness("unique", "nothing can be allocated")
    verdict = face_uniqueness(Face(model))
    swaps = _class_freedom(result)
    if verdict.verdict == "unique" and swaps:
        return Uniqueness("not unique", f"alike units merged before building can trade land ({swaps})",
                          verdict.degenerate, verdict.movement)
    return verdict


def face_uniqueness(face: Face) -> Uniqueness:
    """The verdict on one model's optimal face, from its optimal basis, confirmed by one LP."""
    import highspy

    model, basis, solution = face.model, face.basis, face.solution
    n, m = len(model.variables), len(model.constraints)
    status = np.array([int(s) for s in basis.col_status], dtype=int)
    row_status = np.array([int(s) for s in basis.row_status[:m]], dtype=int)
    col_dual = np.abs(np.array(solution.col_dual, dtype=float))
    row_dual = np.abs(np.array(solution.row_dual[:m], dtype=float))
    basic, lower, upper = int(highspy.HighsBasisStatus.kBasic), int(highspy.HighsBasisStatus.kLower), \
        int(highspy.HighsBasisStatus.kUpper)
    tol = 1e-9 * max(1.0, float(np.abs(model.objective_vector()).max(initial=0.0)))
    columns = np.flatnonzero((status != basic) & (col_dual <= tol))
    rows = np.flatnonzero((row_status != basic) & (row_dual <= tol))
    degenerate = len(columns) + len(rows)
    if degenerate == 0:
        return Uniqueness("unique", "every nonbasic variable and limit has a nonzero reduced cost", 0, 0.0)
    # Away from its bound: + at a lower bound, − at an upper bound (a row by its row of A).
    cost = np.zeros(n)
    cost[columns] = np.where(status[columns] == upper, -1.0, 1.0)
    matrix = model.matrix
    row_sign = np.zeros(m)
    row_sign[rows] = np.where(row_status[rows] == upper, -1.0, 1.0)
    np.add.at(cost, matrix.column, matrix.value * row_sign[matrix.index])
    used = np.flatnonzero(cost)
    if len(used) == 0:
        return Uniqueness("unique", "no nonbasic variable or limit can move", degenerate, 0.0)
    best, _ = face.extreme(used, cost[used], maximise=True)
    movement = best - float(cost[used] @ face.values[used])
    scale = max(1.0, float(np.abs(face.values).max(initial=0.0)))
    if not np.isfinite(movement):
        return Uniqueness("not assessed", "the confirming LP was not solved", degenerate, None)
    if movement <= 1e-7 * scale:
        return Uniqueness("unique", f"{degenerate} variables and limits have zero reduced cost but none can move "
                          "without losing objective (checked by one LP)", degenerate, max(movement, 0.0))
    return Uniqueness("not unique", f"{degenerate} variables and limits have zero reduced cost, and other plans "
                      "reach the same objective (checked by one LP)", degenerate, movement)


def _members(result) -> dict[int, np.ndarray]:
    """For a run merged before building: per merged unit of ``result.model`` with two or more
    units (a position in ``result.classes``), the positions of its units."""
    merged_into = getattr(result, "merged_into", None)
    if merged_into is None:
        return {}
    counts = np.bincount(merged_into, minlength=len(merged_into))
    return {int(u): np.flatnonzero(merged_into == u) for u in np.flatnonzero(counts > 1).tolist()}


def _class_freedom(result) -> str:
    """For a run merged before building: how many merged units' members can trade land at the
    plan, by the class rule at Q_lo = Q_hi = the plan's ("" if none)."""
    members = _members(result)
    if not members:
        return ""
    variables = result.model.variables
    land = variables["land"].to_numpy(dtype=float) * result.values
    position = {unit: index for index, unit in enumerate(result.classes.unit_ids.tolist())}
    at = pd.Series(land).groupby([variables["unit"].map(position).fillna(-1).astype(int).to_numpy(),
                                  variables["industry"].to_numpy(dtype=object)]).sum()
    free, noise = set(), forced_width(result.scenario)
    for (unit, _), q in at.items():
        inside = members.get(unit)
        if inside is None or q <= noise:
            continue
        own = result.classes.land[inside]
        width = np.minimum(q, own) - np.maximum(0.0, q - (own.sum() - own))
        if (width > noise).any():
            free.add(unit)
    return f"{len(free)} merged unit{'s' if len(free) != 1 else ''} of alike units" if free else ""


# ---------------------------------------------------------------- ranges


def land_ranges(result, tolerance: float = 0.0, level: str = "auto") -> pd.DataFrame:
    """The least and the most land of each quantity over the plans within ``tolerance`` of the optimum.

    One row per quantity: ``level`` (``unit``, ``zone``, ``industry``), its unit, zone and
    industry, the plan's land, ``min_km2`` and ``max_km2`` over F_t, and ``forced`` (on the
    optimal face: a zero-width range). Unit rows list the pairs that can receive land in some
    plan. ``level``: ``auto`` (unit ranges while the model has at most ``UNIT_RANGES_MAX`` land
    pairs), ``units`` or ``aggregates``.
    """
    model = result.model
    face = Face(model, tolerance)
    variables = model.variables
    land = variables["land"].to_numpy(dtype=float)
    values = result.values
    with_land = np.flatnonzero((land != 0) & (variables["industry"].to_numpy(dtype=object) != ""))
    is_pair = variables["kind"].isin(LAND_KINDS).to_numpy()
    pairs = with_land[is_pair[with_land]]
    if level not in ("auto", "units", "aggregates"):
        raise ValueError(f"level must be auto, units or aggregates, not {level!r}")
    by_unit = level == "units" or (level == "auto" and len(pairs) <= UNIT_RANGES_MAX)
    unique = tolerance == 0 and face_uniqueness(face).verdict == "unique"  # then every range is its value

    def ranged(columns: np.ndarray) -> tuple[float, float, float]:
        q = land[columns]
        value = float(q @ values[columns])
        if unique:
            return value, value, value
        low, _ = face.extreme(columns, q, maximise=False)
        high, _ = face.extreme(columns, q, maximise=True)
        return value, min(low, value), max(high, value)  # the plan itself is on the face

    rows = []
    place = variables.iloc[with_land]
    for key, positions in place.groupby(["zone", "industry"], sort=False).indices.items():
        rows.append(("zone", "", *key, *ranged(with_land[positions])))
    for industry, positions in place.groupby("industry", sort=False).indices.items():
        rows.append(("industry", "", "", industry, *ranged(with_land[positions])))
    if by_unit:
        rows += _unit_rows(result, face, pairs, ranged)
    table = pd.DataFrame(rows, columns=["level", "unit", "zone", "industry", "land_km2", "min_km2", "max_km2"])
    noise = forced_width(result.scenario)
    table = table[~((table["level"] == "unit") & (table["max_km2"] <= noise))]  # never used in any plan
    order = {"unit": 0, "zone": 1, "industry": 2}
    table = table.sort_values(["level", "unit", "zone", "industry"], key=lambda c: c.map(order) if c.name == "level"
                              else c, kind="stable").reset_index(drop=True)
    for column in ("land_km2", "min_km2", "max_km2"):
        table[column] = np.where(np.abs(table[column]) < 1e-9, 0.0, table[column])
    table["width_km2"] = table["max_km2"] - table["min_km2"]
    table["forced"] = (table["width_km2"] <= noise) if tolerance == 0 else False
    table["tolerance"] = tolerance
    return table


def forced_width(scenario) -> float:
    """The width (km²) up to which a range on the optimal face counts as forced: ``FORCED``, or a
    ten-millionth of the scenario's land where that is more (the solver's tolerances summed over
    10,000 grid cells move an aggregate by up to 5e-5 km²)."""
    return max(FORCED, 1e-7 * float(sum(unit.land_km2 for unit in scenario.units)))


def _unit_rows(result, face: Face, pairs: np.ndarray, ranged) -> list[tuple]:
    """Unit–industry rows: by LP per pair of the model, and by the class rule (module docstring)
    for the units of a merged unit."""
    variables = result.model.variables
    members = _members(result)
    ids = result.classes.unit_ids if members else np.zeros(0, dtype=object)
    position = {unit: index for index, unit in enumerate(ids.tolist())}
    if members:
        allocation = result.allocation
        share = dict(zip(zip(allocation["unit"].tolist(), allocation["industry"].tolist()),
                         allocation["land_km2"].tolist()))
        land = result.classes.land
    rows = []
    groups = variables.iloc[pairs].groupby(["unit", "zone", "industry"], sort=False).indices
    for (unit, zone, industry), at in groups.items():
        value, low, high = ranged(pairs[at])
        inside = members.get(position.get(unit, -1))
        if inside is None:
            rows.append(("unit", unit, zone, industry, value, low, high))
            continue
        own = land[inside]
        least = np.maximum(0.0, low - (own.sum() - own))
        most = np.minimum(high, own)
        rows += [("unit", member, zone, industry, share.get((member, industry), 0.0), lo, hi)
                 for member, lo, hi in zip(ids[inside].tolist(), least.tolist(), most.tolist())]
    return rows


# ---------------------------------------------------------------- near-optimal alternatives


def near_optimal_plans(result, count: int, epsilon: float = 0.01) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``count`` plans within ``epsilon`` of the optimum that differ as much as they can (module docstring).

    Returns (plans, allocation): one row per plan (0: the optimum) with its objective, the
    objective's loss against the optimum, its KPIs, the pairs it uses, how many are new, its L1
    distance from plan 0 (km²); and the land of every plan by unit, zone and industry.
    """
    model = result.model
    face = Face(model, epsilon)
    variables = model.variables
    land = variables["land"].to_numpy(dtype=float)
    pairs = np.flatnonzero(variables["kind"].isin(LAND_KINDS).to_numpy() & (land != 0))
    plans = [result.values.copy()]
    used = np.zeros(len(variables), dtype=bool)
    for _ in range(count):
        used |= np.abs(plans[-1]) > 1e-9
        chosen = pairs[used[pairs]]
        _, values = face.extreme(chosen, land[chosen], maximise=False)
        if values is None:
            break
        plans.append(np.where(np.abs(values) < 1e-9, 0.0, values))
    objective = model.objective_value(plans[0])
    rows, allocation, seen = [], [], np.zeros(len(variables), dtype=bool)
    for index, values in enumerate(plans):
        totals = model.totals(values)
        at = pairs[np.abs(values[pairs]) > 1e-9]
        value = model.objective_value(values)
        rows.append({
            "plan": index, "objective": value,
            "loss_share": (objective - value) / abs(objective) * (1 if model.sense == "max" else -1) if objective else 0.0,
            "output_100m_yuan": totals["output"], "carbon_t": totals["carbon"], "land_km2": totals["land"],
            "jobs": totals["jobs"], "energy_tce": totals["energy"], "pollutant_t": totals["pollutant"],
            "pairs_used": len(at), "new_pairs": int((~seen[at]).sum()),
            "l1_from_optimum_km2": float(np.abs(land[pairs] * (values[pairs] - plans[0][pairs])).sum()),
        })
        seen[at] = True
        part = variables.iloc[at][["unit", "zone", "industry"]].assign(plan=index, land_km2=land[at] * values[at])
        allocation.append(part)
    table = pd.DataFrame(rows)
    table["loss_share"] = table["loss_share"].clip(lower=0.0)
    land_table = pd.concat(allocation, ignore_index=True)[["plan", "unit", "zone", "industry", "land_km2"]]
    land_table = land_table.groupby(["plan", "unit", "zone", "industry"], sort=False, as_index=False)["land_km2"].sum()
    return table, land_table


# ---------------------------------------------------------------- tie-breaking


def weights(names) -> np.ndarray:
    """w ∈ [1, 2) per variable name: the first 8 bytes of SHA-256(name) as a fraction."""
    return np.array([1.0 + int.from_bytes(hashlib.sha256(str(n).encode()).digest()[:8], "big") / 2.0**64
                     for n in names], dtype=float)


def tie_break(model: Model, solution: Solution) -> Solution:
    """The plan the tie-break rule picks among the optimal plans of ``model`` (module docstring).

    ``solution`` must be optimal; its duals, status and solver details are kept, its values
    and objective replaced, and ``options["tie_break"]`` says what was done.
    """
    reduction = reduction_of(model)
    target = reduction.model if reduction is not None else model
    face = Face(target)
    carbon = target.criterion_vector("carbon")
    columns = np.flatnonzero(carbon)
    least, plan = face.extreme(columns, carbon[columns], maximise=False) if len(columns) else (0.0, face.values)
    if plan is None:
        return solution
    if len(columns):
        face.add_row(columns, carbon[columns], -np.inf, least + GUARD * max(1.0, abs(least)))
    w = weights(target.variables["name"])
    every = np.arange(len(w))
    weighted, plan = face.extreme(every, w, maximise=False)
    if plan is None:
        return solution
    face = face_at(face, plan)
    face.add_row(every, w, -np.inf, weighted + GUARD * max(1.0, abs(weighted)))  # its optimal face, to check
    final = face_uniqueness(face)
    plan = np.where(np.abs(plan) < 1e-12, 0.0, plan)
    values = reduction.split(plan) if reduction is not None else plan
    rule = {"rule": "optimum, then least carbon, then least sum of SHA-256 weights of the variable names; "
                    "interchangeable units filled in table order",
            "least_carbon_t": least, "unique": final.verdict}
    return dataclasses.replace(solution, values=values, objective=model.objective_value(values),
                               options={**solution.options, "tie_break": rule})


def face_at(face: Face, plan: np.ndarray) -> Face:
    """``face`` with its last solve's basis and solution read as the point to assess."""
    face.solution, face.basis, face.values = face.highs.getSolution(), face.highs.getBasis(), plan
    return face


# ---------------------------------------------------------------- mixed-integer: next-best placements


def next_placements(result, count: int) -> pd.DataFrame:
    """The best placement and the ``count`` next-best distinct ones (no-good cuts on the binaries).

    One row per placement (0: the result's): objective, best bound, gap, loss against the best,
    the binary decisions that are 1 (by variable name, e.g. ``y[project,unit]``), and those added and
    removed against the best.
    """
    import highspy

    from ..solvers.dispatch import highs_options

    model = result.model
    variables = model.variables
    binary = np.flatnonzero(variables["integer"].to_numpy(dtype=bool)
                            & (variables["lower"].to_numpy() == 0) & (variables["upper"].to_numpy() == 1))
    if not model.is_mip or len(binary) == 0:
        raise ValueError("next-best placements need a mixed-integer run with binary decisions")
    highs = new_highs()
    options = highs_options(model, result.scenario.solver)
    for key, value in options.items():
        highs.setOptionValue(key, value)
    highs.passModel(*highs_arrays(model))
    names = variables["name"].to_numpy(dtype=object)
    best = result.values
    rows = []
    current = best
    for rank in range(count + 1):
        if rank:
            ones = binary[np.round(current[binary]) == 1]
            coefficients = np.where(np.isin(binary, ones), -1.0, 1.0)
            highs.addRow(1.0 - len(ones), np.inf, len(binary), binary.astype(np.int32), coefficients)
            highs.run()
            if highs.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
                break
            current = np.array(highs.getSolution().col_value, dtype=float)
            info = highs.getInfo()
            bound, gap = float(info.mip_dual_bound) + model.criterion.offset, float(info.mip_gap)
        else:
            bound, gap = result.solution.best_bound, result.solution.gap
        placed = binary[np.round(current[binary]) == 1]
        best_placed = binary[np.round(best[binary]) == 1]
        value = model.objective_value(current)
        rows.append({
            "rank": rank, "objective": value, "best_bound": bound, "gap": gap,
            "loss": (rows[0]["objective"] - value) * (1 if model.sense == "max" else -1) if rows else 0.0,
            "placed": ";".join(names[placed].tolist()),
            "added": ";".join(names[np.setdiff1d(placed, best_placed)].tolist()),
            "removed": ";".join(names[np.setdiff1d(best_placed, placed)].tolist()),
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- what a run asks for (scenario.analysis)


def tie_broken(scenario, model: Model, solution: Solution) -> Solution:
    """``solution``, or the plan the tie-break rule picks when ``analysis.tie_break`` asks for it
    (an optimal LP only: a mixed-integer run keeps its plan)."""
    if not scenario.analysis.tie_break or solution.status != "optimal" or model.is_mip or not len(solution.values):
        return solution
    return tie_break(model, solution)


def asks_tables(scenario) -> bool:
    """Whether ``scenario.analysis`` asks for any table (ranges, alternatives, placements)."""
    settings = scenario.analysis
    return settings.ranges is not None or settings.alternatives > 0 or settings.placements > 0


def analyse(result) -> None:
    """Add the tables ``result.scenario.analysis`` asks for to ``result.method_tables``: ``land_ranges``,
    ``alternatives`` and ``alternatives_land``, ``placements``. Nothing without an optimal plan."""
    settings = result.scenario.analysis
    if result.status != "optimal":
        return
    tables = result.method_tables
    if settings.ranges is not None and not result.model.is_mip:
        tables["land_ranges"] = land_ranges(result, settings.ranges)
    if settings.alternatives and not result.model.is_mip:
        tables["alternatives"], tables["alternatives_land"] = near_optimal_plans(result, settings.alternatives,
                                                                                 settings.within)
    if settings.placements and result.model.is_mip:
        tables["placements"] = next_placements(result, settings.placements)
