"""Exact column generation for models of many units joined by a few coupling rows (issue 18).

The structure. Each unit has its own land row, Σ_k a_uk · x_uk ≤ land_u, and what joins units
is a short list of *coupling rows* (city and zone carbon budgets, industry bounds, zone share
rules, energy caps). A basic optimum has at most as many basic variables as rows, so at most as
many units as there are coupling rows are split between industries; every other unit gives its
land to the one industry that is best at the coupling rows' prices. Those prices are what is
hard to find, and a small LP finds them:

1. *Warm start*: a sample of the units solves the LP with the coupling rows' bounds scaled to
   the sample's share of each row; its prices pick each unit's best industry.
2. *Column generation*: a restricted master (the full model's rows; at first each unit's best
   column at the warm prices, then the columns that have paid since) is solved by HiGHS's
   simplex, warm from its last basis; every column of
   the full model is priced at the master's duals in one vectorised pass (c − Aᵀy), and each
   unit's most attractive column with a positive reduced cost joins the master, until none has
   one. Rows the master cannot yet meet (a minimum with too few columns) get artificial
   columns, driven out first (phase 1: their total is minimised), then fixed at zero.
3. *Proof on the full model* (``certify``): every row and bound of the full model holds at the
   primal values; the duals and every column's reduced cost have the signs optimality asks
   (reduced costs checked on every column, not only the master's); and the primal objective
   equals the dual objective Σ_i y_i·(the row bound it prices) + Σ_j d_j·(the column bound it
   prices). By weak duality no plan of the full model can do better: the values are optimal and
   the duals are optimal duals (d objective / d rhs) of the full model.

Where the structure does not hold (integer variables, i.e. projects; many coupling rows per
unit; many columns outside every unit row) ``solve_arrays`` declines with the reason, and the
plain solver should run. The input is ``optimizer.solve.highs_arrays(model)``'s tuple, as given
to ``Highs.passModel``; the output's ``values`` are per column and ``duals`` per row of that
model, in its order, duals as d(objective)/d(rhs) like ``Solution.duals``. Not yet a solver
option: on 50,000 continuous cells it is still slower than HiGHS's interior point on the whole
matrix (``benchmarks/README.md``), because each round adds a column to most cells.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

MAX_COUPLING_SHARE = 0.05  # coupling rows per unit above which a basic optimum splits too many units
MAX_OTHER_SHARE = 0.05  # columns outside every unit row (slacks, project terms) per column
MAX_ROUNDS = 500
SAMPLE_UNITS = 1_000  # units in the LP that gives the first prices
PRIMAL_TOL = 1e-9  # relative to max(1, |bound|)
DUAL_TOL = 1e-9  # relative to max(1, largest |cost|)
GAP_TOL = 1e-9  # relative to max(1, |objective|)


@dataclass
class Proof:
    """What ``certify`` checked on the full model, and the largest deviation of each kind."""

    holds: bool
    columns: int  # every column's reduced cost checked
    rows: int  # every row's activity checked
    primal_violation: float  # largest row or bound violation, relative to max(1, |bound|)
    dual_violation: float  # largest wrong-signed reduced cost or row dual, relative to max(1, max |c|)
    gap: float  # |primal − dual objective| / max(1, |primal|)
    primal_objective: float
    dual_objective: float

    def __str__(self) -> str:
        verdict = "optimal (proved)" if self.holds else "NOT proved"
        return (f"{verdict} on the full model: {self.rows:,} rows and {self.columns:,} columns checked; "
                f"largest primal violation {self.primal_violation:.1e}, dual violation {self.dual_violation:.1e}, "
                f"duality gap {self.gap:.1e} (tolerances {PRIMAL_TOL:g}, {DUAL_TOL:g}, {GAP_TOL:g})")


@dataclass
class Decomposition:
    """The outcome: ``status`` is ``optimal`` (the proof holds) or ``not_applicable`` (the structure
    is not there, or the method could not finish or prove its answer: ``reason`` says which, and
    the plain solver runs). Infeasibility is never claimed here: the plain solver decides it."""

    status: str
    reason: str
    values: np.ndarray | None = None  # per column of the full model
    duals: np.ndarray | None = None  # per row, d(objective)/d(rhs)
    objective: float | None = None
    proof: Proof | None = None
    units: int = 0
    coupling_rows: int = 0
    rounds: int = 0
    master_columns: int = 0
    seconds: dict = field(default_factory=dict)

    @property
    def applicable(self) -> bool:
        return self.status == "optimal"


@dataclass
class _Arrays:
    """``highs_arrays``'s tuple, as a maximisation (costs negated for a minimisation)."""

    sign: float  # +1 maximise, −1 minimise
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    integer: np.ndarray

    @classmethod
    def of(cls, arrays: tuple) -> _Arrays:
        (_, _, _, _, sense, _, cost, lower, upper, row_lower, row_upper, start, index, value, integer) = arrays
        sign = 1.0 if sense == -1 else -1.0  # highspy.ObjSense.kMaximize is −1, kMinimize 1
        return cls(sign, sign * np.asarray(cost, dtype=float), np.asarray(lower, float), np.asarray(upper, float),
                   np.asarray(row_lower, float), np.asarray(row_upper, float), np.asarray(start),
                   np.asarray(index), np.asarray(value, float), np.asarray(integer))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_lower), len(self.start) - 1

    @property
    def column(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[1]), np.diff(self.start))

    def activity(self, x: np.ndarray, column: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=self.value * x[column], minlength=self.shape[0])

    def priced(self, y: np.ndarray, column: np.ndarray) -> np.ndarray:
        """Aᵀy: what each column's entries are worth at the row prices y."""
        return np.bincount(column, weights=self.value * y[self.index], minlength=self.shape[1])

    def reduced_costs(self, y: np.ndarray, column: np.ndarray) -> np.ndarray:
        return self.cost - self.priced(y, column)

    def columns(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The CSC arrays (start, index, value) of the chosen columns."""
        counts = self.start[chosen + 1] - self.start[chosen]
        start = np.zeros(len(chosen) + 1, dtype=np.int32)
        np.cumsum(counts, out=start[1:])
        at = np.repeat(self.start[chosen] - start[:-1], counts) + np.arange(start[-1])
        return start, self.index[at].astype(np.int32), self.value[at]


def unit_rows(a: _Arrays) -> np.ndarray:
    """Each column's unit row (−1 for none). A unit row is a ≤ row with positive coefficients and
    a bound ≥ 0 over columns bounded below by 0; each column belongs to the smallest such row it
    is in, and a row is a unit row when all its columns belong to it (so unit rows are disjoint:
    a unit's land row, not the industry bounds or the carbon budget that also have that form)."""
    m, n = a.shape
    rows, column = a.index, a.column
    nnz = np.bincount(rows, minlength=m)
    bad_entry = (a.value <= 0) | (a.lower[column] != 0)
    bad = np.bincount(rows, weights=bad_entry, minlength=m) > 0
    candidate = ~bad & (nnz > 0) & np.isfinite(a.row_upper) & (a.row_upper >= 0) & (a.row_lower <= 0)
    in_candidate = candidate[rows]
    key = np.where(in_candidate, nnz[rows].astype(np.int64) * m + rows, np.iinfo(np.int64).max)
    best = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(best, column, key)
    owned = in_candidate & (best[column] == key)
    accepted = candidate & (np.bincount(rows, weights=owned, minlength=m) == nnz)
    unit = np.full(n, -1, dtype=np.int64)
    chosen = accepted[rows]
    unit[column[chosen]] = rows[chosen]
    return unit


def certify(arrays: tuple, values: np.ndarray, duals: np.ndarray) -> Proof:
    """Check on the full model that ``values`` are optimal and ``duals`` (d objective / d rhs) are
    optimal duals: primal feasibility, dual feasibility on every column, zero duality gap."""
    a = _Arrays.of(arrays)
    return _certify(a, a.column, np.asarray(values, float), a.sign * np.asarray(duals, float))


def _certify(a: _Arrays, column: np.ndarray, x: np.ndarray, y: np.ndarray) -> Proof:
    with np.errstate(invalid="ignore"):  # ∞ − ∞ where a bound is open: masked out
        return _checked(a, column, x, y)


def _checked(a: _Arrays, column: np.ndarray, x: np.ndarray, y: np.ndarray) -> Proof:
    m, n = a.shape
    activity = a.activity(x, column)
    below = np.where(np.isfinite(a.row_lower), (a.row_lower - activity) / np.maximum(1, np.abs(a.row_lower)), 0)
    above = np.where(np.isfinite(a.row_upper), (activity - a.row_upper) / np.maximum(1, np.abs(a.row_upper)), 0)
    low = np.where(np.isfinite(a.lower), (a.lower - x) / np.maximum(1, np.abs(a.lower)), 0)
    high = np.where(np.isfinite(a.upper), (x - a.upper) / np.maximum(1, np.abs(a.upper)), 0)
    primal = float(max(0.0, below.max(initial=0), above.max(initial=0), low.max(initial=0), high.max(initial=0)))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        primal = np.inf
    d = a.reduced_costs(y, column)
    scale = max(1.0, float(np.abs(a.cost).max(initial=0)))
    # A maximisation's dual prices an upper bound with y ≥ 0, a lower bound with y ≤ 0; the same for d.
    wrong_row = np.maximum(np.where(np.isfinite(a.row_upper), 0, y), np.where(np.isfinite(a.row_lower), 0, -y))
    wrong_col = np.maximum(np.where(np.isfinite(a.upper), 0, d), np.where(np.isfinite(a.lower), 0, -d))
    dual = float(max(0.0, wrong_row.max(initial=0), wrong_col.max(initial=0))) / scale
    def priced(price, lower, upper):  # the bound each price is the price of (none where it is wrong-signed)
        return (np.where(price > 0, np.where(np.isfinite(upper), price * np.where(np.isfinite(upper), upper, 0), 0), 0)
                + np.where(price < 0, np.where(np.isfinite(lower), price * np.where(np.isfinite(lower), lower, 0), 0), 0))
    dual_objective = float(priced(y, a.row_lower, a.row_upper).sum() + priced(d, a.lower, a.upper).sum())
    primal_objective = float(a.cost @ x)
    gap = abs(primal_objective - dual_objective) / max(1.0, abs(primal_objective))
    holds = bool(primal <= PRIMAL_TOL and dual <= DUAL_TOL and gap <= GAP_TOL)
    return Proof(holds, n, m, primal, dual, gap, a.sign * primal_objective, a.sign * dual_objective)


def solve_arrays(arrays: tuple, threads: int | None = None) -> Decomposition:
    """Solve the model given as ``highs_arrays(model)`` by column generation, ending with a proof
    on the full model; or decline (``not_applicable``) with the reason."""
    started = time.perf_counter()
    a = _Arrays.of(arrays)
    m, n = a.shape
    if a.integer.any():
        return Decomposition("not_applicable", "the model has integer variables (projects): the plain solver runs")
    if n == 0 or m == 0:
        return Decomposition("not_applicable", "an empty model")
    unit = unit_rows(a)
    is_unit_row = np.zeros(m, dtype=bool)
    is_unit_row[unit[unit >= 0]] = True
    units, coupling = int(is_unit_row.sum()), int(m - is_unit_row.sum())
    other = np.flatnonzero(unit < 0)
    if units < 2:
        return Decomposition("not_applicable", "no unit rows (rows each unit has to itself)", units=units,
                             coupling_rows=coupling)
    if coupling > MAX_COUPLING_SHARE * units:
        return Decomposition("not_applicable", f"{coupling:,} coupling rows for {units:,} units (more than "
                             f"{MAX_COUPLING_SHARE:g} a unit): too many units may be split", units=units,
                             coupling_rows=coupling)
    if len(other) > MAX_OTHER_SHARE * n:
        return Decomposition("not_applicable", f"{len(other):,} of {n:,} columns lie in no unit row",
                             units=units, coupling_rows=coupling)
    column = a.column
    seconds = {"structure": time.perf_counter() - started}

    # Columns grouped by unit, once: segment u of `order` holds unit u's columns.
    in_unit = np.flatnonzero(unit >= 0)
    order = in_unit[np.argsort(unit[in_unit], kind="stable")]
    first = np.flatnonzero(np.r_[True, unit[order][1:] != unit[order][:-1]])
    segment = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(order)]))
    land = np.zeros(n)
    own = unit[column] == a.index
    land[column[own]] = a.value[own]  # each column's coefficient in its unit row

    def best_per_unit(score: np.ndarray, threshold: float) -> np.ndarray:
        """Each unit's column with the highest score, where that score exceeds the threshold."""
        s = score[order]
        top = np.maximum.reduceat(s, first)
        hit = np.flatnonzero((s == top[segment]) & (s > threshold))
        _, at = np.unique(segment[hit], return_index=True)
        return order[hit[at]]

    tick = time.perf_counter()
    y0 = _warm_prices(a, unit, is_unit_row, order, first, threads)
    seconds["warm start"] = time.perf_counter() - tick
    d0 = a.reduced_costs(y0, column)
    initial = best_per_unit(np.where(land > 0, d0 / np.where(land > 0, land, 1), -np.inf), -np.inf)
    in_master = np.zeros(n, dtype=bool)
    in_master[other] = in_master[initial] = True

    tick = time.perf_counter()
    scale = max(1.0, float(np.abs(a.cost).max(initial=0)))
    threshold = DUAL_TOL * scale / 10
    finite = np.r_[a.row_lower[np.isfinite(a.row_lower)], a.row_upper[np.isfinite(a.row_upper)]]
    bound_scale = max(1.0, float(np.abs(finite).max(initial=0)))
    master = _Master(a, np.flatnonzero(in_master), threads)
    rounds = 0
    for phase in (1, 2):
        if phase == 1 and not master.artificials:
            continue
        if phase == 2:
            master.end_phase_one()
        while True:
            rounds += 1
            solved = rounds <= MAX_ROUNDS and master.solve()
            if not solved:
                seconds["column generation"] = time.perf_counter() - tick
                why = "did not converge" if rounds > MAX_ROUNDS else f"the master LP ended {master.status}"
                return Decomposition("not_applicable", f"column generation {why}: the plain solver decides",
                                     units=units, coupling_rows=coupling, rounds=rounds, seconds=seconds)
            d = (a.cost if phase == 2 else 0.0) - a.priced(master.y, column)  # phase 1 costs nothing
            new = best_per_unit(np.where(in_master, -np.inf, d), threshold)
            if len(new) == 0:
                break
            in_master[new] = True
            master.add(new)
        if phase == 1 and master.artificial_total > PRIMAL_TOL * bound_scale:
            seconds["column generation"] = time.perf_counter() - tick
            return Decomposition("not_applicable", "no feasible plan found by the master (the model may be "
                                 "infeasible): the plain solver decides", units=units, coupling_rows=coupling,
                                 rounds=rounds, seconds=seconds)
    seconds["column generation"] = time.perf_counter() - tick

    tick = time.perf_counter()
    proof = _certify(a, column, master.x, master.y)
    seconds["proof"] = time.perf_counter() - tick
    return Decomposition("optimal" if proof.holds else "not_applicable",
                         "" if proof.holds else f"the final check failed: {proof}; the plain solver decides",
                         master.x, a.sign * master.y, proof.primal_objective, proof, units, coupling, rounds,
                         len(master.chosen), seconds)


class _Master:
    """The restricted master in HiGHS: the full model's rows, the chosen columns, and artificial
    columns for the rows the first chosen columns cannot meet (phase 1 minimises their total,
    phase 2 fixes them at 0). Columns are added to the one HiGHS object, which re-solves warm
    from its last basis; phase 2 starts cold, so that presolve folds each unit that has a single
    column into that column's bound."""

    def __init__(self, a: _Arrays, chosen: np.ndarray, threads: int | None):
        import highspy

        from .dispatch import new_highs

        self.a, self.chosen, self.k0 = a, chosen, len(chosen)
        start, index, value = a.columns(chosen)
        x0 = np.clip(0.0, a.lower[chosen], a.upper[chosen])
        activity = np.bincount(index, weights=value * np.repeat(x0, np.diff(start)), minlength=a.shape[0])
        short = np.flatnonzero(activity < a.row_lower)
        over = np.flatnonzero(activity > a.row_upper)
        t = self.artificials = len(short) + len(over)
        self.phase = 1 if t else 2
        cost = np.r_[a.cost[chosen] if self.phase == 2 else np.zeros(self.k0), -np.ones(t)]
        start = np.r_[start, start[-1] + np.arange(1, t + 1)].astype(np.int32)
        self.highs = new_highs()
        if threads is not None:
            self.highs.setOptionValue("threads", int(threads))
        self.highs.passModel(self.k0 + t, a.shape[0], len(value) + t, int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMaximize), 0.0, cost, np.r_[a.lower[chosen], np.zeros(t)],
                             np.r_[a.upper[chosen], np.full(t, np.inf)], a.row_lower, a.row_upper, start,
                             np.r_[index, short, over].astype(np.int32),
                             np.r_[value, np.ones(len(short)), -np.ones(len(over))], np.zeros(self.k0 + t, np.int32))
        self.status = ""

    def _positions(self) -> np.ndarray:
        """Master positions of the chosen columns: the first ones, (the artificials,) the added ones."""
        return np.r_[np.arange(self.k0), self.k0 + self.artificials + np.arange(len(self.chosen) - self.k0)].astype(np.int32)

    def end_phase_one(self) -> None:
        """Artificials fixed at 0, the real costs in, and a cold start (presolve) for phase 2."""
        if self.phase == 2:
            return
        art = np.arange(self.k0, self.k0 + self.artificials, dtype=np.int32)
        self.highs.changeColsBounds(len(art), art, np.zeros(len(art)), np.zeros(len(art)))
        real = self._positions()
        self.highs.changeColsCost(len(real), real, self.a.cost[self.chosen])
        self.highs.clearSolver()
        self.phase = 2

    def add(self, new: np.ndarray) -> None:
        a = self.a
        start, index, value = a.columns(new)
        cost = a.cost[new] if self.phase == 2 else np.zeros(len(new))
        self.highs.addCols(len(new), cost, a.lower[new], a.upper[new], len(value), start[:-1], index, value)
        self.chosen = np.r_[self.chosen, new]

    def solve(self) -> bool:
        """Solve; keep the plan (``x``, on the full model's columns) and the row duals (``y``)."""
        import highspy

        self.highs.run()
        status = self.highs.getModelStatus()
        self.status = self.highs.modelStatusToString(status)
        if status != highspy.HighsModelStatus.kOptimal:
            return False
        solution = self.highs.getSolution()
        values = np.array(solution.col_value, dtype=float)
        self.x = np.zeros(self.a.shape[1])
        self.x[self.chosen] = values[self._positions()]
        self.y = np.array(solution.row_dual, dtype=float)
        self.artificial_total = float(values[self.k0: self.k0 + self.artificials].sum())
        return True


def _warm_prices(a: _Arrays, unit, is_unit_row, order, first, threads) -> np.ndarray:
    """Coupling prices from the LP of a sample of units, each coupling row's bounds scaled by the
    sample's share of the row's coefficients (zero prices if that LP is not solved)."""
    import highspy

    from .dispatch import new_highs

    m = a.shape[0]
    y = np.zeros(m)
    units = len(first)
    if units <= SAMPLE_UNITS:
        return y
    picked = np.random.default_rng(0).choice(units, SAMPLE_UNITS, replace=False)
    bounds = np.r_[first, len(order)]
    chosen = np.sort(np.concatenate([order[bounds[u]:bounds[u + 1]] for u in picked] + [np.flatnonzero(unit < 0)]))
    start, index, value = a.columns(chosen)
    total = np.bincount(a.index, weights=np.abs(a.value), minlength=m)
    share = np.bincount(index, weights=np.abs(value), minlength=m) / np.where(total > 0, total, 1)
    share = np.where(is_unit_row, 1.0, share)
    highs = new_highs()
    highs.setOptionValue("solver", "ipm")  # with crossover; the sample is a few tens of thousands of columns
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    highs.passModel(len(chosen), m, len(value), int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize),
                    0.0, a.cost[chosen], a.lower[chosen], a.upper[chosen], a.row_lower * share, a.row_upper * share,
                    start, index, value, np.zeros(len(chosen), dtype=np.int32))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return y
    y = np.array(highs.getSolution().row_dual, dtype=float)
    y[is_unit_row] = 0.0
    return y
