"""SWEEP.yaml → a plan of runs: a base scenario and what varies.

A sweep file names a base scenario, a grid (every combination of the listed values) and Monte
Carlo samples of uncertain coefficients::

    name: carbon-land                 # names the sweep folder (default: the file's name)
    base: chongqing.yaml              # relative to this file (default: the embedded default)
    grid:                             # every combination; the first key varies slowest
      carbon_budget.total_mt: [10, 15, 20]
      land_factor: [0.8, 1.0, 1.2]
    samples:                          # n draws at every grid point
      n: 100
      seed: 7
      coefficients:
        industries.*.carbon_t_per_km2: {dist: triangular, low: 0.8, mode: 1.0, high: 1.2, relative: true}

A key names what it changes:

- ``<field>.<key>...``: a scenario setting (``carbon_budget.total_mt``,
  ``zoning.core.share_min.modern_service``, ``objective``, ``solver.name``); mapping values merge
  into the base's, as in ``Scenario.with_changes``;
- ``<table>.<id>.<column>``: one cell of the zones, units or industries table, ``*`` for every row;
- a factor that multiplies a column in every row: ``land_factor`` (units' land_km2),
  ``output_factor`` (industries' output_100m_yuan_per_km2), ``carbon_factor`` (industries'
  carbon_t_per_km2).

A run applies its grid values in the file's order, then its sampled values. A relative draw
multiplies the value the grid left (blank cells stay blank); an absolute draw replaces it.

Samples are reproducible and independent of execution order or mode: coefficient c of sample s is
drawn from ``numpy.random.default_rng([seed, s, code(c)])``, where code(c) is a fixed hash of the
key. Sample s therefore draws the same values at every grid point (common random numbers: a
difference between grid points is not sampling noise), and adding a coefficient leaves the draws
of the others unchanged.

A run's id is a hash of the base scenario (every value in it, solver settings included) and the
run's varied values: the same run has the same id in every sweep, which is what resuming relies on.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from ...core.errors import ScenarioError, listing
from ...scenario.extends import deep_merge
from ...scenario.files import read_yaml
from ...scenario.loading import load_scenario
from ...scenario.model import Scenario
from ...schema.placement import pydantic_problem
from ...schema.run_settings import SolverSettings
from ...schema.tables import ROW_MODELS, TABLES
from ...schema.types import Id, Settings

FACTORS = {  # derived knob -> (table, column) it multiplies in every row
    "land_factor": ("units", "land_km2"),
    "output_factor": ("industries", "output_100m_yuan_per_km2"),
    "carbon_factor": ("industries", "carbon_t_per_km2"),
}
SAMPLE = "sample"  # the varied value that numbers a run's draw

Finite = Annotated[float, Field(allow_inf_nan=False)]


# --------------------------------------------------------------------------- the file's schema


class _Draw(Settings):
    dist: str  # each distribution narrows it to its own name
    relative: bool = False  # multiply the value the grid left, instead of replacing it
    shared: bool = False  # with `*`: one draw for every row, instead of one per row

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError


class Uniform(_Draw):
    dist: Literal["uniform"]
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def draw(self, rng, size):
        return rng.uniform(self.low, self.high, size)


class Triangular(_Draw):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high (got {self.low}, {self.mode}, {self.high})")
        return self

    def draw(self, rng, size):
        return rng.triangular(self.low, self.mode, self.high, size)


class Normal(_Draw):
    """A normal distribution, truncated to [low, high] when bounds are given."""

    dist: Literal["normal"]
    mean: Finite
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    low: Finite | None = None
    high: Finite | None = None

    @model_validator(mode="after")
    def _bounds(self):
        low, high = self._cdf_range()
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if high - low < 1e-9:
            raise ValueError(f"[{self.low}, {self.high}] holds almost none of normal({self.mean}, {self.sd})")
        return self

    def _cdf_range(self) -> tuple[float, float]:
        unit = NormalDist(self.mean, self.sd)
        return (
            unit.cdf(self.low) if self.low is not None else 0.0,
            unit.cdf(self.high) if self.high is not None else 1.0,
        )

    def draw(self, rng, size):
        # Inverse-CDF sampling: exact truncation, one uniform draw per value.
        low, high = self._cdf_range()
        tiny = 1e-15
        u = rng.uniform(max(low, tiny), min(high, 1 - tiny), size)
        values = np.array([NormalDist(self.mean, self.sd).inv_cdf(p) for p in u])
        return np.clip(values, self.low if self.low is not None else -np.inf, self.high if self.high is not None else np.inf)


Distribution = Annotated[Uniform | Triangular | Normal, Field(discriminator="dist")]
DISTRIBUTIONS = {"uniform": Uniform, "triangular": Triangular, "normal": Normal}


class Samples(Settings):
    n: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0)] = 0
    coefficients: Annotated[dict[str, Distribution], Field(min_length=1)]


class SweepSpec(Settings):
    """What a SWEEP.yaml may say (see the module docstring)."""

    name: Id | None = None
    description: str = ""
    base: str | None = None
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    samples: Samples | None = None

    @field_validator("grid")
    @classmethod
    def _distinct_values(cls, grid):
        for key, values in grid.items():
            seen = [json.dumps(v, sort_keys=True) for v in values]
            if len(set(seen)) < len(seen):
                raise ValueError(f"grid '{key}' lists a value twice")
        return grid


# --------------------------------------------------------------------------- what a key changes


@dataclass(frozen=True)
class Target:
    """What one key changes: a setting path, a table cell (row `*`: every row), or a factor."""

    key: str
    kind: Literal["setting", "cell", "factor"]
    path: tuple[str, ...]  # setting: the path; cell and factor: (table, row, column)

    def changes(self, field: str | None) -> bool:
        """Whether this key changes `field` (as a scenario error names it): to blame the right key."""
        parts = tuple((field or "").split("."))
        if self.kind == "setting":
            shared = min(len(parts), len(self.path))
            return parts[:shared] == self.path[:shared]
        return (parts[0], parts[-1]) == (self.path[0], self.path[2])


def parse_target(key: str, base: Scenario) -> Target:
    """The target a key names, checked against the base scenario (ScenarioError without a file)."""
    if key in FACTORS:
        table, column = FACTORS[key]
        return Target(key, "factor", (table, "*", column))
    parts = tuple(key.split("."))
    head = parts[0]
    if head in TABLES:
        if len(parts) != 3:
            raise ScenarioError(
                f"a table key is <table>.<row id or *>.<column> (got '{key}')", field=key,
                valid="e.g. units.*.land_km2 or industries.chemicals.max_km2",
            )
        _, row, column = parts
        ids = [r.id for r in getattr(base, head)]
        if row != "*" and row not in ids:
            raise ScenarioError(f"no {head} row '{row}' in the base scenario", field=key, valid=listing(ids) + ", or *")
        columns = [c for c in ROW_MODELS[head].model_fields if c != "id"]
        if column not in columns:
            raise ScenarioError(f"no {head} column '{column}'", field=key, valid=", ".join(columns))
        return Target(key, "cell", parts)
    fields = [f for f in Scenario.model_fields if f not in TABLES]
    if head not in fields:
        valid = ", ".join([*fields, *FACTORS]) + "; or <table>.<row id or *>.<column> for a table cell"
        raise ScenarioError(f"'{head}' is neither a scenario setting nor a factor", field=key, valid=valid)
    return Target(key, "setting", parts)


class _Changes:
    """The changes one run makes to the base, built key by key, then applied in one go."""

    def __init__(self, sweep: Sweep):
        self.sweep = sweep
        self.settings: dict = {}
        self.cells: dict[str, dict[str, dict]] = {table: {} for table in TABLES}

    def current(self, target: Target, row: str | None = None) -> Any:
        if target.kind == "setting":
            value: Any = deep_merge(self.sweep.base_settings, self.settings)
            for part in target.path:
                value = value.get(part) if isinstance(value, Mapping) else None
            return value
        table, _, column = target.path
        changed = self.cells[table].get(row, {})
        return changed[column] if column in changed else self.sweep.base_rows[table][row].get(column)

    def set(self, target: Target, value: Any, row: str | None = None) -> None:
        if target.kind == "setting":
            node = self.settings
            for part in target.path[:-1]:
                child = node.get(part)
                node[part] = child = child if isinstance(child, dict) else {}
                node = child
            node[target.path[-1]] = value
            return
        table, _, column = target.path
        for name in [row] if row is not None else self.sweep.rows(target):
            self.cells[table].setdefault(name, {})[column] = value

    def apply(self, target: Target, value: Any) -> None:
        if target.kind != "factor":
            self.set(target, value)
            return
        if not _is_number(value) or value < 0:
            raise ScenarioError(f"a factor must be a number >= 0 (got {value!r})", field=target.key)
        for row in self.sweep.rows(target):
            current = self.current(target, row)
            if current is not None:
                self.set(target, current * value, row)

    def scenario(self) -> Scenario:
        tables = {table: rows for table, rows in self.cells.items() if rows}
        return self.sweep.base.with_changes(**self.settings, **tables)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


# --------------------------------------------------------------------------- the sweep and its runs


@dataclass(frozen=True)
class Run:
    index: int  # position in this sweep's order
    run_id: str  # stable: hash of the base scenario and the varied values
    varied: dict  # key -> value, in application order (grid, sample number, sampled values)


class Sweep:
    """A validated sweep: the base scenario, the targets of its keys, and its plan of runs."""

    def __init__(self, spec: SweepSpec, base: Scenario, path: Path | None = None, lines: dict | None = None):
        self.spec = spec
        self.base = base
        self.path = path
        self.lines = lines or {}
        dump = base.model_dump(mode="json")
        self.base_rows = {table: {row["id"]: row for row in dump.pop(table)} for table in TABLES}
        self.base_settings = dump
        self.base_hash = hashlib.sha256(base.model_dump_json().encode()).hexdigest()
        self.coefficients = spec.samples.coefficients if spec.samples else {}
        self.targets: dict[str, Target] = {}
        self.origin: dict[str, str] = {}  # sampled cell key -> the coefficient key it came from
        self.solvers: dict[str, SolverSettings] = {}  # filled by check()
        for section, keys in (("grid",), spec.grid), (("samples", "coefficients"), self.coefficients):
            for key in keys:
                try:
                    self.targets[key] = parse_target(key, base)
                except ScenarioError as error:
                    raise self._error(error, (*section, key)) from None
        both = sorted(set(spec.grid) & set(self.coefficients))
        if both:
            raise self._error(ScenarioError("a key cannot be both in the grid and sampled", field=both[0]),
                              ("samples", "coefficients", both[0]))

    @property
    def name(self) -> str:
        return self.spec.name or (self.path.stem if self.path else self.base.name)

    def __len__(self) -> int:
        n = self.spec.samples.n if self.spec.samples else 1
        return int(np.prod([len(values) for values in self.spec.grid.values()], dtype=int)) * n

    def rows(self, target: Target) -> list[str]:
        table, row, _ = target.path
        return list(self.base_rows[table]) if row == "*" else [row]

    def runs(self) -> Iterator[Run]:
        """Every run, in order: grid points (first key slowest), then samples at each."""
        keys = list(self.spec.grid)
        samples = self.spec.samples
        draws = [self._draws(s) for s in range(samples.n)] if samples else [None]
        index = 0
        for point in itertools.product(*self.spec.grid.values()):
            changes = _Changes(self)
            for key, value in zip(keys, point):
                changes.apply(self.targets[key], value)
            for number, draw in enumerate(draws):
                varied = dict(zip(keys, point))
                if draw is not None:
                    sampled = self._sampled(changes, draw)
                    clash = next((key for key in sampled if key in varied), None)
                    if clash:
                        raise ScenarioError(f"{clash} is both set by the grid and sampled", field=self.origin[clash])
                    varied[SAMPLE] = number
                    varied.update(sampled)
                yield Run(index, run_id(self.base_hash, varied), varied)
                index += 1

    def _draws(self, number: int) -> dict[str, np.ndarray]:
        """Sample `number`'s draws, one array per coefficient key (see the module docstring)."""
        draws = {}
        for key, dist in self.coefficients.items():
            target = self.targets[key]
            size = len(self.rows(target)) if target.kind == "cell" and not dist.shared else 1
            rng = np.random.default_rng([self.spec.samples.seed, number, _code(key)])
            draws[key] = dist.draw(rng, size)
        return draws

    def _sampled(self, changes: _Changes, draws: dict[str, np.ndarray]) -> dict[str, Any]:
        """The values a sample's draws give, each under the key of one cell or setting."""
        values: dict[str, Any] = {}
        for key, draw in draws.items():
            target, dist = self.targets[key], self.coefficients[key]
            if target.kind != "cell":
                current = changes.current(target) if target.kind == "setting" else 1.0
                values[key] = _drawn(draw[0], dist, current, key)
                continue
            table, _, column = target.path
            rows = self.rows(target)
            for row, value in zip(rows, np.broadcast_to(draw, len(rows))):
                current = changes.current(target, row)
                if dist.relative and current is None:
                    continue  # blank cells (no bound, say) stay blank
                cell = f"{table}.{row}.{column}"
                values[cell] = _drawn(value, dist, current, key)
                self.origin[cell] = key
        return values

    def scenario(self, varied: Mapping[str, Any]) -> Scenario:
        """The scenario of a run: the base with the varied values applied in order."""
        changes = _Changes(self)
        for key, value in varied.items():
            if key != SAMPLE:
                changes.apply(self._target(key), value)
        return changes.scenario()

    def _target(self, key: str) -> Target:
        if key not in self.targets:
            self.targets[key] = parse_target(key, self.base)  # a sampled cell
        return self.targets[key]

    def check(self) -> list[Run]:
        """Every run, each checked to be a valid scenario; an invalid one is a sweep-file error.

        Also collects the solver settings the runs use, in ``solvers``.
        """
        runs = []
        try:
            for run in self.runs():
                try:
                    solver = self.scenario(run.varied).solver
                except ScenarioError as error:
                    raise self._run_error(run, error) from None
                self.solvers.setdefault(solver.model_dump_json(), solver)
                runs.append(run)
        except ScenarioError as error:
            if error.file is not None:
                raise
            raise self._error(error, self._loc(error.field)) from None  # a factor or draw the key cannot take
        return runs

    def _run_error(self, run: Run, error: ScenarioError) -> ScenarioError:
        culprit = next((key for key in run.varied if key != SAMPLE and self._target(key).changes(error.field)), None)
        key = self.origin.get(culprit, culprit)
        described = ", ".join(f"{k}={v!r}" for k, v in list(run.varied.items())[:6])
        problem = f"run {run.index} ({described}) is not a valid scenario: {error.field}: {error.problem}"
        return self._error(ScenarioError(problem, field=key, valid=error.valid), self._loc(key))

    def _loc(self, key: str | None) -> tuple:
        """Where a key sits in the sweep file."""
        return ("samples", "coefficients", key) if key in self.coefficients else ("grid", key) if key else ()

    def _error(self, error: ScenarioError, loc: tuple) -> ScenarioError:
        return _located(error, self.path, self.lines, loc)


def _located(error: ScenarioError, path: Path | None, lines: dict, loc: tuple) -> ScenarioError:
    """The error placed in the sweep file, at the line of the deepest key of `loc` found there."""
    line = next((lines[loc[:cut]] for cut in range(len(loc), 0, -1) if loc[:cut] in lines), None)
    return ScenarioError(error.problem, file=path or "the sweep", field=error.field, line=line, valid=error.valid)


def _drawn(value: float, dist: _Draw, current: Any, key: str) -> float:
    if not dist.relative:
        return float(value)
    if not _is_number(current):
        raise ScenarioError(f"a relative draw needs a number to multiply, and the value here is {current!r}",
                            field=key, valid="relative: false, or a key whose value is a number")
    return float(value) * current


def _code(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def run_id(base_hash: str, varied: Mapping[str, Any]) -> str:
    text = json.dumps({"base": base_hash, "varied": varied}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- loading


def load_sweep(
    path: str | Path | Mapping | None = None,
    *,
    base: Scenario | str | Path | None = None,
    grid: Mapping[str, list] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    name: str | None = None,
) -> Sweep:
    """A validated sweep from a SWEEP.yaml path or a mapping of the same shape.

    The keywords override the file: ``base`` (a Scenario or a path), ``grid`` keys (added or
    replaced), ``samples`` (the number of draws) and ``seed``.
    """
    file: Path | None = None
    lines: dict = {}
    if isinstance(path, Mapping):
        data = copy.deepcopy(dict(path))
    elif path is not None:
        file = Path(path)
        data, lines = read_yaml(file, None, kind="sweep")
    else:
        data = {}
    if grid and isinstance(data.get("grid") or {}, dict):  # (a malformed grid in the file is reported below)
        data["grid"] = {**(data.get("grid") or {}), **{k: list(v) for k, v in grid.items()}}
    if name is not None:
        data["name"] = name
    if samples is not None or seed is not None:
        if not isinstance(data.get("samples"), dict):
            raise ScenarioError("--samples and --seed need coefficients to sample", file=file or "the sweep",
                                field="samples", valid="a sweep file with samples: {coefficients: ...}")
        data["samples"] = {**data["samples"], **({"n": samples} if samples is not None else {}),
                           **({"seed": seed} if seed is not None else {})}
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        detail = error.errors()[0]
        raw = tuple(str(part) for part in detail["loc"])
        tagged = raw[:2] == ("samples", "coefficients") and len(raw) > 4 and raw[3] in DISTRIBUTIONS
        loc = raw[:3] + raw[4:] if tagged else raw  # without the distribution's name pydantic adds
        problem, valid = pydantic_problem(detail), None
        if detail["type"].startswith("union_tag"):
            tag = detail.get("ctx", {}).get("tag")
            problem = f"unknown distribution '{tag}'" if tag else "a distribution needs `dist:`"
            valid = ", ".join(DISTRIBUTIONS)
        elif detail["type"] == "extra_forbidden":
            valid = _valid_fields(raw)
        problem = ScenarioError(problem, field=".".join(loc), valid=valid)
        raise _located(problem, file, lines, loc) from None
    if isinstance(base, Scenario):
        scenario = base
    elif base is not None:
        scenario = load_scenario(base)
    elif spec.base is not None:
        target = ((file.parent if file else Path.cwd()) / spec.base).resolve()
        if not target.is_file():
            missing = ScenarioError(f"the base scenario {target} does not exist", field="base",
                                    valid="a scenario YAML file, relative to the sweep file")
            raise _located(missing, file, lines, ("base",))
        scenario = load_scenario(target)
    else:
        scenario = load_scenario()
    return Sweep(spec, scenario, file, lines)


def _valid_fields(loc: tuple) -> str | None:
    """The fields valid where an unknown one was given."""
    if len(loc) == 1:
        return ", ".join(SweepSpec.model_fields)
    if loc[0] == "samples" and len(loc) == 2:
        return ", ".join(Samples.model_fields)
    if loc[0] == "samples" and len(loc) == 5 and loc[3] in DISTRIBUTIONS:
        return ", ".join(DISTRIBUTIONS[loc[3]].model_fields)
    return None
