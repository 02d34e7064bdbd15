"""The scenario: what the planner states, validated and immutable.

A scenario is a YAML file plus CSV tables (zones, units, industries). ``load_scenario`` reads
them, follows ``extends`` chains (a variant names its parent and overrides a few fields),
validates everything with pydantic and returns a frozen :class:`Scenario`. The scenario knows
nothing of PuLP; ``optimizer.compile.model`` turns it into a linear program.

Units of the data, fixed for every scenario (the column names carry them):

- land in km², output in 100 million yuan (亿元) per year, carbon in t CO2 per year,
  energy in t of standard coal equivalent (tce) per year, jobs in persons, pollutant in t per year;
- industry coefficients are per km² of land at land intensity 1; a unit's ``land_intensity``
  multiplies all of them for industry placed there."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..core.errors import ScenarioError
from ..rules.agglomeration import Agglomeration
from ..rules.balance import RegionalBalance
from ..rules.capacity_replacement import CapacityReplacement
from ..rules.carbon import CarbonBudget
from ..rules.energy import EnergyControl
from ..rules.indicator_sharing import IndicatorSharing
from ..rules.industry_chains import IndustryChain
from ..rules.intake import Intake
from ..rules.parks import Parks
from ..rules.pollution_charges import PollutionCharges
from ..rules.projects import ProjectSettings
from ..rules.resources import Resource, declared_columns
from ..rules.site_admission import SiteAdmission
from ..rules.site_preference import SitePreference
from ..rules.sites import SitesSettings
from ..rules.zoning import ZoneRule
from ..schema.placement import column_validator, from_pydantic, placed, pydantic_problem, Source
from ..schema.run_settings import (
    AnalysisSettings,
    Indicator,
    LimitRule,
    METHOD_FIELDS,
    MultiCriteria,
    ReportSettings,
    SolverSection,
    SolverSettings,
)
from ..schema.tables import (
    declared_indicator_columns,
    Industry,
    Row,
    ROW_MODELS,
    section_tables,
    SECTION_TABLES,
    TABLES,
    Unit,
    Zone,
)
from ..schema.types import Id, MAX_LABEL, Settings, valid_for
from .extends import deep_merge, updated_rows
from .references import check_references


class Scenario(Settings):
    """A validated, immutable scenario. Build variants with :meth:`with_changes`."""

    name: Id = "scenario"
    description: Annotated[str, Field(max_length=10 * MAX_LABEL)] = ""
    zones: tuple[Zone, ...]
    units: tuple[Unit, ...]
    industries: tuple[Industry, ...]
    zoning: dict[Id, ZoneRule]
    carbon_budget: CarbonBudget = CarbonBudget()
    indicators: dict[Id, Indicator] = {}
    objective: Id | MultiCriteria = "output"  # a criterion name, or a multi-criteria method
    solver: SolverSettings = SolverSettings()
    industry_chains: dict[Id, IndustryChain] = {}
    parks: Parks = Parks()
    energy: EnergyControl = EnergyControl()
    capacity_replacement: CapacityReplacement = CapacityReplacement()
    balance: RegionalBalance = RegionalBalance()
    pollution_charges: PollutionCharges = PollutionCharges()
    indicator_sharing: IndicatorSharing = IndicatorSharing()
    resources: dict[Id, Resource] = {}
    report: ReportSettings = ReportSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    projects: ProjectSettings | None = None
    sites: SitesSettings | None = None
    site_admission: SiteAdmission | None = None
    agglomeration: Agglomeration | None = None
    intake: Intake | None = None
    site_preference: SitePreference | None = None
    limits: dict[Id, LimitRule] = {}  # by constraint family

    _files: dict[str, str] = PrivateAttr(default_factory=dict)  # data file -> SHA-256
    _origin: str | None = PrivateAttr(default=None)
    _as_loaded: bool = PrivateAttr(default=False)  # exactly what load_scenario read (no with_changes)
    _loaded: Any = PrivateAttr(default=None)  # what load_scenario read, for a copy with the same tables
    _tables: dict[str, pd.DataFrame] = PrivateAttr(default_factory=dict)  # built once: rows are frozen

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_method(cls, value):
        # Validated here, not by the union, so that an error names the method's own field.
        if isinstance(value, Mapping):
            try:
                return MultiCriteria.model_validate(value)
            except ValidationError as error:
                detail = error.errors()[0]
                field = ".".join(("objective", *(str(part) for part in detail["loc"])))
                valid = ", ".join(METHOD_FIELDS) if detail["loc"] == ("method",) else None
                raise ScenarioError(pydantic_problem(detail), field=field, valid=valid) from None
        if not isinstance(value, (str, MultiCriteria)):
            raise ScenarioError(
                f"objective must be a criterion name or a method (got {value!r})",
                field="objective",
                valid="e.g. `objective: output` or `objective: {method: weighted, weights: {output: 1, carbon: 1}}`",
            )
        return value

    @model_validator(mode="after")
    def _references_resolve(self):
        check_references(self)
        return self

    # ---- views for notebooks and the model builder

    def table(self, name: str) -> pd.DataFrame:
        """One table (``zones``, ``units``, ``industries``) as a new DataFrame indexed by id."""
        if name not in TABLES:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLES)}")
        if name not in self._tables:
            self._tables[name] = _frame(getattr(self, name))
        return self._tables[name].copy()

    @property
    def objective_criteria(self) -> list[str]:
        """The criteria the objective involves: one, or those of its multi-criteria method."""
        return [self.objective] if isinstance(self.objective, str) else self.objective.criteria

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

    @property
    def as_loaded(self) -> bool:
        """Whether this is exactly what ``load_scenario`` read (not a ``with_changes`` copy)."""
        return self._as_loaded

    @property
    def loaded(self) -> Scenario | None:
        """What ``load_scenario`` read, if this is it or a ``with_changes`` copy of it with the same tables."""
        return self if self._as_loaded else self._loaded

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with fields changed; nested settings merge, tables accept rows or updates.

        ``scenario.with_changes(carbon_budget={"total_mt": 5})`` changes one budget;
        ``with_changes(industries={"chemicals": {"max_km2": 2}})`` updates rows by id;
        a list of rows or a DataFrame replaces a table. ``None`` restores a setting's default,
        at any depth: ``with_changes(industry_chains=None)`` drops every chain,
        ``with_changes(carbon_budget={"by_zone_mt": None})`` the zone budgets (an empty mapping
        would merge into them and change nothing).
        """
        if changes.keys() == {"solver"} and isinstance(changes["solver"], Mapping):
            return self._with_solver(changes["solver"])
        data = self.model_dump(exclude=set(TABLES))
        for table in TABLES:  # validated rows pass through as they are; changed tables as dicts
            rows = getattr(self, table)
            data[table] = [row.model_dump() for row in rows] if table in changes else list(rows)
        for key, value in changes.items():
            if key not in type(self).model_fields:
                raise ScenarioError(
                    f"unknown field '{key}'",
                    file="with_changes()",
                    valid=", ".join(type(self).model_fields),
                )
            if value is None:  # the default: clears a section or a setting
                data.pop(key, None)
                continue
            if isinstance(value, Mapping) and any(table.startswith(f"{key}.") for table in SECTION_TABLES):
                value = _changed_section_tables(key, data.get(key) or {}, value)
            if key in TABLES:
                data[key] = _changed_table(key, data[key], value)
            elif key == "objective" and _switches_method(data[key], value):
                data[key] = dict(value)
            elif isinstance(value, BaseModel):
                data[key] = value.model_dump()
            elif isinstance(value, Mapping) and isinstance(data.get(key), dict):
                data[key] = deep_merge(data[key], dict(value), none_clears=True)
            else:
                data[key] = value
        changed = validate_scenario(data, sources=None)
        changed._files = dict(self._files)
        changed._origin = self._origin
        changed._loaded = None if set(changes) & set(TABLES) else self.loaded
        changed._tables = {name: frame for name, frame in self._tables.items() if name not in changes}
        return changed

    def _with_solver(self, change: Mapping) -> Scenario:
        """A copy with other solver settings. Nothing else in a scenario refers to them, so they are
        validated alone: re-validating 50,000 unit rows for a time limit took 0.3 s."""
        settings = deep_merge(self.solver.model_dump(), dict(change), none_clears=True)
        try:
            solver = SolverSection.model_validate({"solver": settings}).solver
        except ValidationError as error:
            raise from_pydantic(error, None, Scenario) from None
        changed = self.model_copy(update={"solver": solver})  # shares the validated tables
        changed._as_loaded, changed._loaded, changed._tables = False, self.loaded, dict(self._tables)
        return changed

    def __repr__(self) -> str:
        budget = self.carbon_budget.total_mt
        return (
            f"Scenario({self.name!r}: {len(self.units)} units in {len(self.zones)} zones, "
            f"{len(self.industries)} industries, carbon budget "
            f"{'none' if budget is None else f'{budget:g} Mt'}, objective {self.objective}, "
            f"solver {self.solver.name}"
            + (f", {len(self.projects.table)} projects" if self.projects is not None else "")
            + ")"
        )

    def _repr_html_(self) -> str:
        from ..reporting.html import scenario_html

        return scenario_html(self)


def with_solver(scenario: Scenario, solver: str | None, solver_settings: dict) -> Scenario:
    """The scenario with its solver settings overridden (``solver`` by name, others by keyword)."""
    if solver is None and not solver_settings:
        return scenario
    changes = dict(solver_settings)
    if solver is not None:
        changes["name"] = solver
    return scenario.with_changes(solver=changes)


def _frame(rows: tuple[Row, ...], columns: dict[str, list] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame indexed by id, built column by column (fast for 50,000 rows); ``columns``:
    the rows' values column by column, where the caller has them already."""
    if columns is None:
        columns = {name: [getattr(row, name) for row in rows] for name in type(rows[0]).model_fields}
        extras = [row.model_extra or {} for row in rows]
        for name in dict.fromkeys(itertools.chain.from_iterable(extras)):  # in order of appearance
            columns[name] = [extra.get(name) for extra in extras]
    return pd.DataFrame(columns).set_index("id")


def _switches_method(old: Any, new: Any) -> bool:
    """Settings of another objective method replace the old method's instead of merging into them."""
    old_method = old.get("method") if isinstance(old, Mapping) else None
    return isinstance(new, Mapping) and "method" in new and new["method"] != old_method


def _changed_table(name: str, rows: list[dict], change: Any) -> list[dict]:
    if isinstance(change, pd.DataFrame):
        frame = change.reset_index() if change.index.name == "id" else change
        return frame.astype(object).where(frame.notna(), None).to_dict("records")
    if isinstance(change, Mapping):
        return updated_rows(rows, change, name, file="with_changes()")
    return [row.model_dump() if isinstance(row, BaseModel) else dict(row) for row in change]


def _changed_section_tables(section: str, current: dict, change: Mapping) -> dict:
    """A section's change with its tables (e.g. ``projects.table``) changed as tables are."""
    return {
        field: _changed_table(f"{section}.{field}", current.get(field) or [], value)
        if f"{section}.{field}" in SECTION_TABLES
        else value
        for field, value in change.items()
    }


def validate_scenario(data: dict, sources: Source | None) -> Scenario:
    """Validate a plain-dict scenario, turning every failure into one ScenarioError."""
    try:
        context = {
            "indicator_columns": declared_indicator_columns(data),
            "resource_columns": {
                table: columns - set(ROW_MODELS[table].model_fields)
                for table, columns in declared_columns(data.get("resources")).items()
            },
        }
        frames = {}  # tables validated column by column, kept as the DataFrames Scenario.table gives
        for table in TABLES:
            if isinstance(data.get(table), pd.DataFrame):  # read from CSV: all text
                validated = _validate_columns(table, data[table], context)
                if validated is None:
                    data[table] = data[table].to_dict("records")
                else:
                    data[table], frames[table] = validated
            if table in data and isinstance(data[table], list) and table not in frames:
                data[table] = [
                    _validate_row(table, index, row, sources, context) for index, row in enumerate(data[table])
                ]
        for table, section, field in section_tables(data):
            if isinstance(section[field], list):
                section[field] = [
                    _validate_row(table, index, row, sources, context) for index, row in enumerate(section[field])
                ]
        scenario = Scenario.model_validate(data, context=context)
        scenario._tables.update(frames)
        return scenario
    except ScenarioError as error:
        raise placed(error, sources) from None
    except ValidationError as error:
        raise from_pydantic(error, sources, Scenario) from None


def _validate_row(table: str, index: int, row: Any, sources: Source | None, context: dict) -> Row:
    try:
        numeric = context["resource_columns"].get(table, set())
        if numeric and isinstance(row, Mapping):
            row = {**row, **{column: _declared_number(row[column], table, column, index) for column in numeric & row.keys()}}
        return ROW_MODELS[table].model_validate(row, context=context)
    except ValidationError as error:
        detail = error.errors()[0]
        field = ".".join(str(part) for part in detail["loc"]) or None
        raise placed(
            ScenarioError(
                pydantic_problem(detail), field=f"{table}.{field}" if field else table, row=index,
                valid=valid_for(detail),
            ),
            sources,
        ) from None


def _declared_number(value: Any, table: str, column: str, index: int) -> float | None:
    """A value of a declared numeric column: blank means not given, otherwise a number ≥ 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (0 <= number < float("inf")) or isinstance(value, bool):
        raise ScenarioError(
            f"'{value}' is not a number ≥ 0 (column declared in the scenario's resources)",
            field=f"{table}.{column}",
            row=index,
            valid="a finite number ≥ 0, or blank",
        )
    return number


def _validate_columns(table: str, frame: pd.DataFrame, context: dict) -> tuple[list[Row], pd.DataFrame] | None:
    """Validate a CSV table column by column (fast for 50,000 grid cells): its rows and the table as
    ``Scenario.table`` gives it, or None.

    Each declared column goes through pydantic's own validator for the field's type, once per
    column; rows are then assembled without validating again. Anything this path cannot
    settle alike (a blank required cell, a value pydantic rejects, an unknown column, columns
    declared by indicators or resources, a row type with validators beyond those of ``Row``)
    returns None, and the row-by-row validation reports it with the usual message, file and line.
    """
    model = ROW_MODELS[table]
    known = model.__pydantic_decorators__
    if (
        known.field_validators
        or set(known.model_validators) != {"_known_columns"}
        or model.__pydantic_post_init__
        or context["resource_columns"].get(table)
        or (model.takes_indicators and context["indicator_columns"])
    ):
        return None
    columns: dict[str, list] = {
        name: [field.get_default(call_default_factory=True)] * len(frame)
        for name, field in model.model_fields.items()
        if not field.is_required()
    }  # every field given, in the model's order
    dropped_blanks = False
    first_given: dict[str, int | None] = {}  # a number column: the first row that gives it (None: none)
    for name in frame.columns:
        text = frame[name].astype(str)
        blank = text.str.strip().eq("").to_numpy()
        field = model.model_fields.get(name)
        if field is not None:
            if blank.any() and field.is_required():
                return None
            try:
                valid = column_validator(table, name).validate_python(text[~blank].tolist())
            except ValidationError:
                return None
            values = np.full(len(text), field.get_default(call_default_factory=True), dtype=object)
            values[~blank] = valid
            columns[name] = values.tolist()
        elif name.startswith(("source", "note")) or name in model.TEXT_COLUMNS:
            columns[name] = text.tolist()
        elif name.startswith(model.NUMBER_PREFIXES):
            values = np.full(len(text), np.nan)
            try:
                values[~blank] = text[~blank].astype(float).to_numpy()  # float(), as _known_columns
            except ValueError:
                return None
            if not np.isfinite(values[~blank]).all():
                return None  # `nan` or `inf` written in a cell: reported by the row-by-row path
            columns[name] = values.tolist()
            dropped_blanks |= bool(blank.any())
            first_given[name] = int(np.argmin(blank)) if not blank.all() else None
        else:
            return None
    fields = list(model.model_fields)
    extras = [name for name in columns if name not in model.model_fields]
    field_rows = zip(*(columns[name] for name in fields))
    extra_rows = zip(*(columns[name] for name in extras)) if extras else itertools.repeat(())
    if dropped_blanks:  # NaN: a blank number cell, not given
        extra_dicts = ({k: v for k, v in zip(extras, row) if v == v} for row in extra_rows)
    else:
        extra_dicts = (dict(zip(extras, row)) for row in extra_rows)
    rows = [_constructed(model, dict(zip(fields, row)), extra) for row, extra in zip(field_rows, extra_dicts)]
    # The table's extra columns as _frame finds them in the rows: in order of first appearance,
    # none that no row gives.
    given = [name for name in extras if first_given.get(name, 0) is not None]
    given.sort(key=lambda name: first_given.get(name, 0))
    return rows, _frame(rows, {name: columns[name] for name in fields + given})


def _constructed(model: type[Row], fields: dict, extra: dict) -> Row:
    """``model.model_construct`` for a row whose every field is given and validated already.

    It sets what pydantic's ``model_construct`` sets (the row types have no post-init), without
    its per-field bookkeeping: 50,000 grid cells take a tenth of the time.
    """
    row = model.__new__(model)
    object.__setattr__(row, "__dict__", fields)
    object.__setattr__(row, "__pydantic_fields_set__", set(fields))
    object.__setattr__(row, "__pydantic_extra__", extra)
    object.__setattr__(row, "__pydantic_private__", None)
    return row
