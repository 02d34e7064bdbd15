"""The scenario: what the planner states, validated and immutable.

A scenario is a YAML file plus CSV tables (zones, units, industries). ``load_scenario`` reads
them, follows ``extends`` chains (a variant names its parent and overrides a few fields),
validates everything with pydantic and returns a frozen :class:`Scenario`. The scenario knows
nothing of PuLP; ``optimizer.model`` turns it into a linear program.

Units of the data, fixed for every scenario (the column names carry them):

- land in km², output in 100 million yuan (亿元) per year, carbon in t CO2 per year,
  energy in t of standard coal equivalent (tce) per year, jobs in persons, pollutant in t per year;
- industry coefficients are per km² of land at land intensity 1; a unit's ``land_intensity``
  multiplies all of them for industry placed there.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import pandas as pd
import yaml
from pydantic_core import PydanticUseDefault
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from .criteria import CRITERIA
from .errors import ScenarioError

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

TABLES = ("zones", "units", "industries")
DEFAULT_SCENARIO = "chongqing.yaml"


def default_scenario_path() -> Path:
    """The embedded Chongqing default: packaged copy when installed, ``inputs/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for folder in (here / "_inputs", here.parent / "inputs"):
        if (folder / DEFAULT_SCENARIO).is_file():
            return folder / DEFAULT_SCENARIO
    raise ScenarioError(
        "the embedded default scenario is missing from this installation",
        file=here.parent / "inputs" / DEFAULT_SCENARIO,
        valid="reinstall the package, or pass a scenario file",
    )


class Invalid(ValueError):
    """A validator's complaint, with what would be valid (pydantic keeps it in the error's context)."""

    def __init__(self, problem: str, valid: str):
        super().__init__(problem)
        self.valid = valid


def _valid_for(detail: dict) -> str | None:
    return getattr(detail.get("ctx", {}).get("error"), "valid", None) or VALID_BY_ERROR.get(detail["type"])


# --------------------------------------------------------------------------- table rows


class Row(BaseModel):
    """A table row: named columns only, plus free-text ``source*`` / ``note*`` columns."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @model_validator(mode="after")
    def _only_documentation_extras(self):
        for key in self.model_extra or {}:
            if not key.startswith(("source", "note")):
                valid = ", ".join(type(self).model_fields) + ", or any source*/note* column"
                raise ValueError(f"unknown column '{key}' (valid columns: {valid})")
        return self

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_missing(cls, value):
        # An empty CSV cell means "not given": the field's default, or "missing" if it has none.
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value


class Zone(Row):
    id: Id
    name: str = ""
    name_zh: str = ""
    area_km2: NonNegative | None = None
    population_10k: NonNegative | None = None
    gdp_2016_100m_yuan: NonNegative | None = None


class Unit(Row):
    id: Id
    name: str = ""
    name_zh: str = ""
    zone: Id
    land_km2: NonNegative
    land_intensity: Positive = 1.0
    area_km2: NonNegative | None = None
    population_10k: NonNegative | None = None


class Industry(Row):
    id: Id
    name: str = ""
    name_zh: str = ""
    category: Id
    output_100m_yuan_per_km2: NonNegative
    carbon_t_per_km2: NonNegative
    energy_tce_per_km2: NonNegative = 0.0
    jobs_per_km2: NonNegative = 0.0
    pollutant_t_per_km2: NonNegative = 0.0
    min_km2: NonNegative | None = None
    max_km2: NonNegative | None = None

    @model_validator(mode="after")
    def _bounds_ordered(self):
        if self.min_km2 is not None and self.max_km2 is not None and self.min_km2 > self.max_km2:
            raise Invalid(f"min_km2 ({self.min_km2}) exceeds max_km2 ({self.max_km2})", "min_km2 ≤ max_km2")
        return self


ROW_MODELS: dict[str, type[Row]] = {"zones": Zone, "units": Unit, "industries": Industry}


# --------------------------------------------------------------------------- settings


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ZoneRule(Settings):
    """Concentric Circle rules for one zone (see ``optimizer.rules.zoning``)."""

    admits: tuple[Id, ...] = ()
    share_min: dict[Id, Share] = {}
    share_max: dict[Id, Share] = {}
    max_carbon_intensity_t_per_10k_yuan: NonNegative | None = None
    max_pollutant_intensity_kg_per_10k_yuan: NonNegative | None = None

    @model_validator(mode="after")
    def _shares_consistent(self):
        for category, low in self.share_min.items():
            high = self.share_max.get(category)
            if high is not None and low > high:
                raise Invalid(f"share_min[{category}]={low} exceeds share_max[{category}]={high}", "share_min ≤ share_max")
        return self


class CarbonBudget(Settings):
    """City and zone carbon budgets in Mt CO2 per year (see ``optimizer.rules.carbon``)."""

    total_mt: NonNegative | None = None
    by_zone_mt: dict[Id, NonNegative] = {}


class LimitRule(Settings):
    """How one family of limits is treated (see ``optimizer.limits``): hard (default), firm or soft."""

    firm: bool = False  # never relaxed, not even to explain an infeasible scenario
    soft: bool = False  # may be violated in the solution, at penalty_per_unit
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


class SolverSettings(Settings):
    name: str = "highs"
    time_limit_s: Positive | None = None
    mip_gap: NonNegative | None = None
    threads: Annotated[int, Field(ge=1)] | None = None
    msg: bool = False
    options: dict[str, Any] = {}


# --------------------------------------------------------------------------- the scenario


class Scenario(Settings):
    """A validated, immutable scenario. Build variants with :meth:`with_changes`."""

    name: Id = "scenario"
    description: str = ""
    zones: tuple[Zone, ...]
    units: tuple[Unit, ...]
    industries: tuple[Industry, ...]
    zoning: dict[Id, ZoneRule]
    carbon_budget: CarbonBudget = CarbonBudget()
    objective: Literal[tuple(CRITERIA)] = "output"  # type: ignore[valid-type]
    solver: SolverSettings = SolverSettings()
    limits: dict[Id, LimitRule] = {}  # by constraint family

    _files: dict[str, str] = PrivateAttr(default_factory=dict)  # data file -> SHA-256
    _origin: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _references_resolve(self):
        _check_references(self)
        return self

    # ---- views for notebooks and the model builder

    def table(self, name: str) -> pd.DataFrame:
        """One table (``zones``, ``units``, ``industries``) as a new DataFrame indexed by id."""
        if name not in TABLES:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLES)}")
        rows = [row.model_dump() for row in getattr(self, name)]
        return pd.DataFrame(rows).set_index("id")

    @property
    def categories(self) -> list[str]:
        return sorted({industry.category for industry in self.industries})

    @property
    def files(self) -> dict[str, str]:
        """Every file this scenario was read from, with its SHA-256."""
        return dict(self._files)

    @property
    def origin(self) -> str | None:
        return self._origin

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with fields changed; nested settings merge, tables accept rows or updates.

        ``scenario.with_changes(carbon_budget={"total_mt": 5})`` changes one budget;
        ``with_changes(industries={"chemicals": {"max_km2": 2}})`` updates rows by id;
        a list of rows or a DataFrame replaces a table.
        """
        data = self.model_dump()
        for key, value in changes.items():
            if key not in type(self).model_fields:
                raise ScenarioError(
                    f"unknown field '{key}'",
                    file="with_changes()",
                    valid=", ".join(type(self).model_fields),
                )
            if key in TABLES:
                data[key] = _changed_table(key, data[key], value)
            elif isinstance(value, BaseModel):
                data[key] = value.model_dump()
            elif isinstance(value, Mapping) and isinstance(data.get(key), dict):
                data[key] = _deep_merge(data[key], dict(value))
            else:
                data[key] = value
        changed = validate_scenario(data, sources=None)
        changed._files = dict(self._files)
        changed._origin = self._origin
        return changed

    def __repr__(self) -> str:
        budget = self.carbon_budget.total_mt
        return (
            f"Scenario({self.name!r}: {len(self.units)} units in {len(self.zones)} zones, "
            f"{len(self.industries)} industries, carbon budget "
            f"{'none' if budget is None else f'{budget:g} Mt'}, objective {self.objective}, "
            f"solver {self.solver.name})"
        )


def _changed_table(name: str, rows: list[dict], change: Any) -> list[dict]:
    if isinstance(change, pd.DataFrame):
        frame = change.reset_index() if change.index.name == "id" else change
        return frame.astype(object).where(frame.notna(), None).to_dict("records")
    if isinstance(change, Mapping):
        return _updated_rows(rows, change, name, file="with_changes()")
    return [row.model_dump() if isinstance(row, BaseModel) else dict(row) for row in change]


def _updated_rows(rows: list[dict], update: Mapping, table: str, file: str) -> list[dict]:
    by_id = {row["id"]: dict(row) for row in rows}
    for row_id, fields in update.items():
        if row_id not in by_id:
            raise ScenarioError(
                f"update names {table} row '{row_id}', which does not exist",
                file=file,
                field=f"{table}.update",
                valid=_listing(by_id),
            )
        if not isinstance(fields, Mapping):
            raise ScenarioError(
                f"the update of {table} row '{row_id}' must map column names to values",
                file=file,
                field=f"{table}.update.{row_id}",
            )
        by_id[row_id].update(fields)
    return list(by_id.values())


def _check_references(s: Scenario) -> None:
    """Cross-table checks: ids unique, every name used is defined."""
    for table in TABLES:
        seen: set[str] = set()
        for index, row in enumerate(getattr(s, table)):
            if row.id in seen:
                raise ScenarioError(
                f"duplicate id '{row.id}'", field=f"{table}.id", row=index, valid="each id once per table"
            )
            seen.add(row.id)
    zones = {zone.id for zone in s.zones}
    categories = set(s.categories)
    for table in ("units", "industries"):
        if not getattr(s, table):
            raise ScenarioError(f"the {table} table is empty", field=table)
    for index, unit in enumerate(s.units):
        if unit.zone not in zones:
            raise ScenarioError(
                f"unit '{unit.id}' names zone '{unit.zone}', which is not in the zones table",
                field="units.zone",
                row=index,
                valid=_listing(zones),
            )
    missing = zones - set(s.zoning)
    if missing:
        raise ScenarioError(
            f"zones {_listing(missing)} have no zoning rule",
            field="zoning",
            valid="a rule for every zone of the zones table; `admits: []` closes a zone",
        )
    for zone, rule in s.zoning.items():
        if zone not in zones:
            raise ScenarioError(f"unknown zone '{zone}'", field=f"zoning.{zone}", valid=_listing(zones))
        for part in ("admits", "share_min", "share_max"):
            for category in getattr(rule, part):
                if category not in categories:
                    raise ScenarioError(
                        f"unknown category '{category}' (no industry has it)",
                        field=f"zoning.{zone}.{part}",
                        valid=_listing(categories),
                    )
    for zone in s.carbon_budget.by_zone_mt:
        if zone not in zones:
            raise ScenarioError(
                f"unknown zone '{zone}'", field=f"carbon_budget.by_zone_mt.{zone}", valid=_listing(zones)
            )
    from . import rules  # the families that exist, looked up now: a test or plug-in may add one

    families = {family.FAMILY for family in rules.RULE_FAMILIES}
    for family in s.limits:
        if family not in families:
            raise ScenarioError(
                f"unknown family of limits '{family}'", field=f"limits.{family}", valid=_listing(families)
            )


def _listing(names) -> str:
    names = sorted(names)
    shown = ", ".join(names[:40])
    return shown + (f", … ({len(names)} in all)" if len(names) > 40 else "")


# --------------------------------------------------------------------------- loading


class _Source:
    """Where each part of a merged scenario came from, to point errors at the right file/line."""

    def __init__(self):
        self.layers: list[tuple[Path, dict[tuple, int]]] = []  # child first
        self.tables: dict[str, tuple[Path | None, int]] = {}  # table -> (file, line of row 0)
        self.files: dict[str, str] = {}

    def locate(self, loc: tuple) -> tuple[Path | None, int | None]:
        for file, lines in self.layers:
            for cut in range(len(loc), 0, -1):
                if loc[:cut] in lines:
                    return file, lines[loc[:cut]]
        return (self.layers[0][0] if self.layers else None), None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file; None means the embedded default."""
    path = Path(path) if path is not None else default_scenario_path()
    source = _Source()
    data = _read_layers(path.resolve(), source, chain=())
    for table in TABLES:
        data[table] = _load_table(table, data.get(table), source)
    scenario = validate_scenario(data, source)
    scenario._files = source.files
    scenario._origin = str(path)
    return scenario


def validate_scenario(data: dict, sources: _Source | None) -> Scenario:
    """Validate a plain-dict scenario, turning every failure into one ScenarioError."""
    try:
        for table in TABLES:
            if table in data and isinstance(data[table], list):
                data[table] = [_validate_row(table, index, row, sources) for index, row in enumerate(data[table])]
        return Scenario.model_validate(data)
    except ScenarioError as error:
        raise _placed(error, sources) from None
    except ValidationError as error:
        raise _from_pydantic(error, sources) from None


def _validate_row(table: str, index: int, row: Any, sources: _Source | None) -> Row:
    try:
        return ROW_MODELS[table].model_validate(row)
    except ValidationError as error:
        detail = error.errors()[0]
        field = ".".join(str(part) for part in detail["loc"]) or None
        raise _placed(
            ScenarioError(
                _pydantic_problem(detail), field=f"{table}.{field}" if field else table, row=index,
                valid=_valid_for(detail),
            ),
            sources,
        ) from None


def _placed(error: ScenarioError, sources: _Source | None) -> ScenarioError:
    """Fill in the file and line of an error raised without them."""
    if error.file is not None:
        return error
    if sources is None:
        error.file = "with_changes()"
        return ScenarioError(**_fields(error))
    table = (error.field or "").split(".")[0]
    if table in sources.tables and error.row is not None:
        file, first_line = sources.tables[table]
        if file is not None and first_line:
            error.line, error.row = first_line + error.row, None
        elif error.row is not None:
            error.field = f"{error.field} (item {error.row + 1})"
            error.row = None
            file, error.line = sources.locate((table,))
        error.file = str(file) if file else None
    else:
        file, line = sources.locate(tuple((error.field or "").split(".")))
        error.file, error.line = (str(file) if file else None), line
    return ScenarioError(**_fields(error))


def _fields(error: ScenarioError) -> dict:
    return dict(
        problem=error.problem, file=error.file, field=error.field, row=error.row, line=error.line, valid=error.valid
    )


# What would be valid, by pydantic error type, where its message does not say it plainly.
VALID_BY_ERROR = {
    "string_pattern_mismatch": "an id: a letter, then letters, digits, _ or - (no spaces or other signs)",
    "finite_number": "a finite number (not nan or inf)",
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of ordinary size",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "list_type": "a list, e.g. [a, b]",
    "tuple_type": "a list, e.g. [a, b]",
    "missing": "a value: this field has no default",
}


def _pydantic_problem(detail: dict) -> str:
    if detail["type"] == "missing":
        return "this required field is missing"
    if detail["type"] == "extra_forbidden":
        return "unknown field"
    value = detail.get("input")
    if detail["type"] == "string_pattern_mismatch":
        return f"not a valid id (got {value!r})"
    message = detail["msg"].removeprefix("Value error, ")
    return message if isinstance(value, (dict, list)) else f"{message} (got {value!r})"


def _settings_at(loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings model at a location in the scenario, following mappings by their keys."""
    model, parts = Scenario, list(loc)
    while parts:
        annotation = getattr(model.model_fields.get(parts.pop(0)), "annotation", None)
        if get_origin(annotation) is dict:
            if not parts:
                return None
            annotation = get_args(annotation)[1]
            parts.pop(0)  # the key
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _from_pydantic(error: ValidationError, sources: _Source | None) -> ScenarioError:
    detail = error.errors()[0]
    loc = tuple(str(part) for part in detail["loc"])
    valid = _valid_for(detail)
    if detail["type"] == "extra_forbidden" and len(loc) >= 1:
        parent = _settings_at(loc[:-1])
        if parent is not None:
            valid = ", ".join(parent.model_fields)
    if detail["type"] == "literal_error":
        valid = ", ".join(CRITERIA)
    problem = ScenarioError(_pydantic_problem(detail), field=".".join(loc), valid=valid)
    return _placed(problem, sources)


def _read_yaml(path: Path, referrer: tuple[Path, str] | None) -> tuple[dict, dict[tuple, int]]:
    if not path.is_file():
        if referrer:
            raise ScenarioError(
                f"the file {path} does not exist", file=referrer[0], field=referrer[1], valid="an existing YAML file"
            )
        raise ScenarioError("the scenario file does not exist", file=path, valid="the path of a YAML scenario")
    text = _read_text(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise ScenarioError(
            f"not valid YAML: {reason}", file=path, line=mark.line + 1 if mark else None,
            valid="`key: value` lines, nested by indenting with spaces (not tabs)",
        ) from None
    except (ValueError, TypeError, OverflowError) as error:  # a value its tag cannot read, e.g. `!!int g`
        raise ScenarioError(
            f"not valid YAML: a value cannot be read as its tag says ({error})", file=path, line=_unreadable_line(node),
            valid="drop the tag (`!!int`, `!!float`, ...) or give a value of that type",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            "a scenario file must be a YAML mapping", file=path, line=1, valid="`key: value` lines, e.g. `name: my-variant`"
        )
    return data, _key_lines(node, file=path)


def _unreadable_line(node) -> int | None:
    """The line of the first scalar in a YAML node tree that its tag cannot construct."""
    constructor = yaml.SafeLoader("")
    pending = [node]
    while pending:
        item = pending.pop(0)
        if isinstance(item, yaml.ScalarNode):
            try:
                constructor.construct_object(item, deep=True)
            except Exception:
                return item.start_mark.line + 1
        elif isinstance(item, yaml.MappingNode):
            pending += [part for pair in item.value for part in pair]
        elif isinstance(item, yaml.SequenceNode):
            pending += list(item.value)
    return None


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            f"the file is not UTF-8 text (byte {error.start} cannot be decoded)",
            file=path,
            valid="save the file as UTF-8",
        ) from None
    except OSError as error:
        raise ScenarioError(f"cannot read the file: {error.strerror}", file=path) from None


def _key_lines(node, prefix: tuple = (), file: Path | None = None) -> dict[tuple, int]:
    """The line of every key path; a key given twice in one mapping is an error (YAML would keep the last)."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (str(key.value),)
            if path in lines:
                raise ScenarioError(
                    f"the key '{key.value}' is given twice (also on line {lines[path]})", file=file,
                    line=key.start_mark.line + 1, field=".".join(path), valid="each key once in its mapping",
                )
            lines[path] = key.start_mark.line + 1
            lines.update(_key_lines(value, path, file))
    return lines


def _read_layers(path: Path, source: _Source, chain: tuple[Path, ...]) -> dict:
    """Read a scenario file and its ``extends`` parents; the child's fields win."""
    referrer = (chain[-1], "extends") if chain else None
    data, lines = _read_yaml(path, referrer)
    source.layers.append((path, lines))
    source.files[str(path)] = _sha256(path)
    for table in TABLES:
        if table in data:
            data[table] = _table_spec(data[table], path, table)
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError(
            "extends must be the path of one YAML file", file=path, field="extends", line=lines.get(("extends",)),
            valid="e.g. `extends: chongqing.yaml`, relative to this file",
        )
    parent = (path.parent / parent_name).resolve()
    if parent in chain + (path,):
        cycle = " -> ".join(str(p.name) for p in chain + (path, parent))
        raise ScenarioError(
            f"extends forms a cycle: {cycle}", file=path, field="extends", line=lines.get(("extends",)),
            valid="a chain of parents that ends in a scenario without extends",
        )
    base = _read_layers(parent, source, chain + (path,))
    return _merge_layers(base, data)


def _table_spec(value: Any, declared_in: Path, table: str) -> dict:
    """Normalise a table entry to {file, rows, update}; files resolve against the declaring YAML."""
    if isinstance(value, str):
        value = {"file": value}
    elif isinstance(value, list):
        value = {"rows": value}
    if not isinstance(value, dict) or not set(value) <= {"file", "rows", "update"}:
        raise ScenarioError(
            "a table is a CSV path, a list of rows, or a mapping with file/rows/update",
            file=declared_in,
            field=table,
            valid="e.g. `units: data/units.csv` or `units: {update: {fuling: {land_km2: 9}}}`",
        )
    spec = dict(value)
    if "file" in spec:
        if not isinstance(spec["file"], str):
            raise ScenarioError("a table file must be a path", file=declared_in, field=f"{table}.file")
        spec["file"] = str((declared_in.parent / spec["file"]).resolve())
        spec["declared_in"] = str(declared_in)
    if "rows" in spec:
        spec["declared_in"] = str(declared_in)
    return spec


def _merge_layers(base: dict, child: dict) -> dict:
    merged = dict(base)
    for key, value in child.items():
        if key in TABLES and key in base:
            if "file" in value or "rows" in value:
                merged[key] = value  # a new base table drops the parent's updates too
            else:
                merged[key] = {**base[key], "update": _deep_merge(base[key].get("update", {}), value.get("update", {}))}
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _deep_merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _deep_merge(base: dict, change: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_table(table: str, spec: dict | None, source: _Source) -> list[dict]:
    if spec is None:
        file, _ = source.locate(())
        raise ScenarioError(
            f"the scenario has no {table} table", file=file, field=table, valid="a CSV path or a list of rows"
        )
    if "file" in spec:
        path = Path(spec["file"])
        rows = _read_csv(path, table, Path(spec["declared_in"]))
        source.tables[table] = (path, 2)  # row 0 is on line 2, under the header
        source.files[str(path)] = _sha256(path)
    elif "rows" in spec:
        rows = spec["rows"]
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ScenarioError(
                "inline rows must be a list of mappings", file=spec["declared_in"], field=table,
                valid="e.g. `- {id: a, name: Zone A}`, one per row",
            )
        source.tables[table] = (None, 0)
    else:
        file, line = source.locate((table,))
        raise ScenarioError(
            f"the {table} table has updates but no base table", file=file, field=table, line=line,
            valid="add `file:` or `rows:`, or extend a scenario that defines the table",
        )
    if spec.get("update"):
        file, _ = source.locate((table, "update"))
        rows = _updated_rows(rows, spec["update"], table, file=str(file))
    return rows


def _read_csv(path: Path, table: str, declared_in: Path) -> list[dict]:
    if not path.is_file():
        raise ScenarioError(
            f"the table file {path} does not exist", file=declared_in, field=table, valid="a path to an existing CSV file"
        )
    import io

    text = _read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ScenarioError(
            f"not a valid CSV table: {str(error).strip()}", file=path,
            valid="a header row, then rows with as many comma-separated cells; quote a cell that holds a comma",
        ) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated or any(column.startswith("Unnamed:") for column in frame.columns):
        raise ScenarioError(
            "the header has duplicate or empty column names", file=path, line=1,
            valid=", ".join(ROW_MODELS[table].model_fields) + ", or any source*/note* column, each once",
            field=", ".join(duplicated) or None,
        )
    required = [name for name, field in ROW_MODELS[table].model_fields.items() if field.is_required()]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ScenarioError(
            f"missing column(s) {', '.join(missing)}", file=path, line=1, valid=f"the {table} table needs {', '.join(required)}"
        )
    if frame.empty:
        raise ScenarioError(f"the {table} table has no rows", file=path, valid="at least one row under the header")
    return frame.to_dict("records")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

