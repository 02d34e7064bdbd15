"""The run's settings: soft limits, indicators, the multi-criteria objective, the solver, the
report and the analysis of alternative optima."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_serializer, model_validator

from ..core.criteria import SENSES
from .types import Flag, Id, Invalid, Label, NonNegative, not_a_flag, Positive, Settings


class LimitRule(Settings):
    """How one family of limits is treated (see ``optimizer.compile.soft_limits``): hard (default), firm or soft."""

    firm: Flag = False  # never relaxed, not even to explain an infeasible scenario
    soft: Flag = False  # may be violated in the solution, at penalty_per_unit
    penalty_per_unit: Positive | None = None  # shadow-price units: yuan output (or objective unit) per row unit

    @model_validator(mode="after")
    def _one_treatment(self):
        if self.firm and self.soft:
            raise Invalid("a family of limits is either firm or soft, not both", "`{firm: true}` or `{soft: true, ...}`")
        if self.soft != (self.penalty_per_unit is not None):
            raise Invalid(
                "a soft family needs penalty_per_unit, and only a soft family has one",
                "e.g. `carbon: {soft: true, penalty_per_unit: 5000}`",
            )
        return self


class Indicator(Settings):
    """A scenario's own criterion: an extra industries column, per km² at land intensity 1."""

    column: str
    sense: Literal[SENSES]  # type: ignore[valid-type]
    unit: Label = ""
    label: Label = ""


class Tolerance(Settings):
    """How far a lexicographic step may give up an earlier optimum: a fraction of it, or an amount."""

    relative: NonNegative | None = None
    absolute: NonNegative | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.relative is None) == (self.absolute is None):
            raise ValueError("give exactly one of relative (a fraction of the optimum) or absolute (in its units)")
        return self


METHOD_FIELDS = {"weighted": {"weights"}, "lexicographic": {"order", "tolerance"}, "epsilon": {"optimize", "bounds"}}


class MultiCriteria(Settings):
    """``objective: {method: ...}``: several criteria at once (see ``optimizer.analysis.multicriteria``).

    - weighted: minimise Σ w_c · (total_c − ideal_c) / (nadir_c − ideal_c), ideal and nadir
      from the payoff table;
    - lexicographic: optimise ``order`` in turn, each later one keeping the earlier ones
      within their ``tolerance`` of their optima;
    - epsilon: optimise ``optimize`` with the others bounded (``bounds``, in their units; at
      most for a criterion to minimise, at least for one to maximise).
    """

    method: Literal[tuple(METHOD_FIELDS)]  # type: ignore[valid-type]
    weights: dict[Id, NonNegative] = {}
    order: tuple[Id, ...] = ()
    tolerance: dict[Id, Tolerance] = {}
    optimize: Id | None = None
    bounds: dict[Id, Annotated[float, Field(allow_inf_nan=False)]] = {}

    @model_validator(mode="after")
    def _fields_match_method(self):
        stray = {name for name in set().union(*METHOD_FIELDS.values()) - METHOD_FIELDS[self.method] if getattr(self, name)}
        if stray:
            raise ValueError(
                f"{', '.join(sorted(stray))} does not apply to method {self.method} "
                f"(it takes {', '.join(sorted(METHOD_FIELDS[self.method]))})"
            )
        if self.method == "weighted" and not any(weight > 0 for weight in self.weights.values()):
            raise ValueError("method weighted needs weights with at least one above 0")
        if self.method == "lexicographic":
            if not self.order:
                raise ValueError("method lexicographic needs an order of criteria")
            if len(set(self.order)) < len(self.order):
                raise ValueError("a criterion appears twice in order")
            late = set(self.tolerance) - set(self.order[:-1])
            if late:
                raise ValueError(
                    f"tolerance applies to the criteria before the last in order, not {', '.join(sorted(late))}"
                )
        if self.method == "epsilon":
            if self.optimize is None or not self.bounds:
                raise ValueError("method epsilon needs optimize (a criterion) and bounds on others")
            if self.optimize in self.bounds:
                raise ValueError(f"the optimised criterion {self.optimize} cannot also be bounded")
        return self

    @model_serializer(mode="wrap")
    def _only_what_the_method_takes(self, handler):
        return {key: value for key, value in handler(self).items() if key == "method" or key in METHOD_FIELDS[self.method]}

    @property
    def criteria(self) -> list[str]:
        """The criteria the method involves, the first being the one it starts from."""
        if self.method == "weighted":
            return [name for name, weight in self.weights.items() if weight > 0]
        if self.method == "lexicographic":
            return list(self.order)
        return [self.optimize, *self.bounds]

    def __str__(self) -> str:
        if self.method == "weighted":
            return "weighted(" + ", ".join(f"{c} {w:g}" for c, w in self.weights.items()) + ")"
        if self.method == "lexicographic":
            return "lexicographic(" + " > ".join(self.order) + ")"
        return f"epsilon({self.optimize}; " + ", ".join(f"{c} {b:g}" for c, b in self.bounds.items()) + ")"


def max_threads() -> int:
    """The most threads a run may ask for: the CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _option_value(value):
    if isinstance(value, (bool, int, float, str)):
        return value
    raise Invalid(f"a solver option takes one value, not {type(value).__name__}", "a number, text or true/false")


OptionValue = Annotated[Any, BeforeValidator(_option_value)]


class SolverSettings(Settings):
    name: Label = "highs"
    time_limit_s: Positive | None = None
    mip_gap: Annotated[float, BeforeValidator(not_a_flag), Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    threads: Annotated[int, BeforeValidator(not_a_flag), Field(ge=1)] | None = None
    msg: Flag = False
    options: dict[str, OptionValue] = {}  # one number, text or true/false each, checked by the solver
    reduce: Flag = True  # exact reductions (merge interchangeable units) before solving

    @field_validator("threads")
    @classmethod
    def _threads_here(cls, threads):
        # HiGHS starts every thread it is asked for: 100,000 spin for minutes, then abort the process.
        if threads is not None and threads > max_threads():
            raise Invalid(f"{threads} threads asked, but this machine lets the run use {max_threads()} CPUs",
                          f"a whole number from 1 to {max_threads()}, or leave threads out")
        return threads

    @model_validator(mode="after")
    def _option_threads_here(self):
        threads = self.options.get("threads")
        if isinstance(threads, int) and not isinstance(threads, bool) and threads > max_threads():
            raise Invalid(f"options.threads asks for {threads} threads, but this machine lets the run use "
                          f"{max_threads()} CPUs", f"a whole number from 1 to {max_threads()}")
        return self


class ReportSettings(Settings):
    """How reports draw the scenario (see ``optimizer.reporting.charts``).

    ``rings`` lays out the Concentric Circle diagram from the centre outward, one list of zones
    per ring; zones sharing a ring are drawn as arcs on its east side, the first at the top.
    Zones not listed get a ring each, outside the listed ones, in table order.
    """

    rings: tuple[Annotated[tuple[Id, ...], Field(min_length=1)], ...] = ()


class AnalysisSettings(Settings):
    """What a run works out about alternative optima (``optimizer.analysis.alternatives``), besides its plan.

    ``ranges``: the tolerance of the land ranges (0: over the optimal plans; 0.01: within 1 % of
    the optimum), none by default. ``alternatives``: how many near-optimal plans, within
    ``within`` of the optimum. ``tie_break``: pick the optimal plan by the documented rule.
    ``placements``: how many next-best project placements (mixed-integer runs).
    """

    ranges: Annotated[float, Field(ge=0, lt=1)] | None = None
    alternatives: Annotated[int, Field(ge=0, le=100)] = 0
    within: Annotated[float, Field(ge=0, lt=1)] = 0.01
    tie_break: bool = False
    placements: Annotated[int, Field(ge=0, le=100)] = 0


class SolverSection(Settings):
    """Solver settings validated on their own, their errors placed under ``solver.``."""

    solver: SolverSettings
