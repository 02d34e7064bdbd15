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

import contextlib
import copy
import functools
import gc
import hashlib
import itertools
import math
import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from ..core.criteria import CRITERIA, SENSES, criteria_of
from ..core.errors import ScenarioError
from ..rules.pairs import INTENSITY_PREFIX

MAX_LABEL = 200  # characters of a name or label: longer ones are mistakes, and drawn they cost minutes


def _not_a_flag(value):
    """Settings numbers are numbers: YAML reads `yes`, `no`, `on`, `off` as true/false, never as 1 or 0."""
    if isinstance(value, bool):
        raise Invalid(f"a number is needed here, not {str(value).lower()}", "a number (YAML reads yes/no/on/off as true/false)")
    return value


Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
Label = Annotated[str, Field(max_length=MAX_LABEL)]
# Table cells (zones, units, industries) are read column by column from CSV text: no flags there,
# and the number check below would cost a Python call per cell.
CellNonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
CellPositive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, BeforeValidator(_not_a_flag), Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, BeforeValidator(_not_a_flag), Field(gt=0, allow_inf_nan=False)]
Share = Annotated[float, BeforeValidator(_not_a_flag), Field(ge=0, le=1, allow_inf_nan=False)]
Flag = Annotated[bool, Field(strict=True)]  # true or false, not 1, 0 or text

TABLES = ("zones", "units", "industries")
# Site attributes a units table may carry (inputs/chongqing/sites.csv; optimizer.rules.sites reads them).
SITE_COLUMNS = ("district", "zone_2013", "zone_2020", "unit_type", "level", "planned_km2", "built_km2",
                "land_basis", "land_year", "leading_industries", "existing_output_100m_yuan", "output_kind",
                "output_metric", "output_year", "port", "port_class", "rail_hub", "road_hub", "airport",
                "riverside_transfer_2011", "chengyu_coop_park_2021")
SECTION_TABLES = ("projects.table", "projects.sites", "sites.districts", "sites.chain_partners")  # tables inside a section
DEFAULT_SCENARIO = "chongqing.yaml"


def default_scenario_path() -> Path:
    """The embedded Chongqing default: packaged copy when installed, ``inputs/`` in a checkout."""
    here = Path(__file__).resolve().parents[1]  # the package folder
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
    """A table row: named columns only, plus free-text ``source*`` / ``note*`` columns.

    The industries table also takes the columns that the scenario's ``indicators`` declare
    (passed in the validation context as ``indicator_columns``); their values are numbers. The
    units and industries tables take the columns its ``resources`` declare (context
    ``resource_columns``: table -> columns), numbers ≥ 0 or blank, read in ``_validate_row``.
    A row type may also take numeric columns named by a prefix (``NUMBER_PREFIXES``: a unit's
    ``land_intensity_<category>``); their values become floats, a blank cell is dropped, and the
    scenario checks the rest (``_check_unit_intensities``).
    """

    model_config = ConfigDict(frozen=True, extra="allow")
    takes_indicators: ClassVar[bool] = False
    TEXT_COLUMNS: ClassVar[frozenset[str]] = frozenset()  # optional free-text columns a family reads
    NUMBER_PREFIXES: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _known_columns(cls, data, info: ValidationInfo):
        # Checked on the raw row (a validated row passes as it is): unknown columns are errors.
        if not isinstance(data, Mapping):
            return data
        indicators = _indicator_columns(cls, info)
        declared = indicators | _resource_columns(cls, info)
        data = dict(data)
        for key, value in list(data.items()):
            if key in cls.model_fields:
                if isinstance(value, str) and not value.strip():
                    del data[key]  # an empty CSV cell is not given: the default, or "missing" if none
                elif isinstance(value, bool) and bool not in (cls.model_fields[key].annotation, *get_args(
                        cls.model_fields[key].annotation)):
                    raise Invalid(f"'{key}' needs a number or text, not {str(value).lower()}",
                                  "a number (YAML reads yes/no/on/off as true/false)")
                continue
            if not isinstance(key, str) or key.startswith(("source", "note")) or key in cls.TEXT_COLUMNS:
                continue
            if key in indicators:
                data[key] = _indicator_value(key, value)
            elif key in declared:
                continue
            elif key.startswith(cls.NUMBER_PREFIXES):
                if value is None or (isinstance(value, str) and not value.strip()) or value != value:
                    del data[key]  # blank (or NaN from a DataFrame): not given
                elif isinstance(value, str):
                    with contextlib.suppress(ValueError):  # else kept as text, reported with its row by the checks
                        number = float(value)
                        if math.isfinite(number):  # `nan` is not a blank: reported, not dropped
                            data[key] = number
            else:
                prefixes = "".join(f", any {prefix}* column" for prefix in cls.NUMBER_PREFIXES)
                valid = ", ".join(cls.model_fields) + prefixes + ", or any source*/note* column"
                if cls.takes_indicators:
                    valid += ", or a column declared under `indicators`"
                if cls is not Zone:
                    valid += ", or a column declared under `resources`"
                raise ValueError(f"unknown column '{key}' (valid columns: {valid})")
        return data


class Zone(Row):
    TEXT_COLUMNS: ClassVar[frozenset[str]] = frozenset({"districts"})  # zones_2020.csv: how many districts

    id: Id
    name: Label = ""
    name_zh: Label = ""
    area_km2: CellNonNegative | None = None
    population_10k: CellNonNegative | None = None
    gdp_2016_100m_yuan: CellNonNegative | None = None


class Unit(Row):
    """A planning unit; ``land_intensity_<category>`` columns override ``land_intensity`` per category."""

    NUMBER_PREFIXES: ClassVar[tuple[str, ...]] = (INTENSITY_PREFIX,)
    TEXT_COLUMNS: ClassVar[frozenset[str]] = frozenset(SITE_COLUMNS)  # read by the sites families

    id: Id
    name: Label = ""
    name_zh: Label = ""
    zone: Id
    land_km2: CellNonNegative
    land_intensity: CellPositive = 1.0
    area_km2: CellNonNegative | None = None
    population_10k: CellNonNegative | None = None
    # Where the unit is, for the report's maps (optimizer/maps.py); the model never reads them.
    adcode: Annotated[int, Field(ge=100000, le=999999)] | None = None  # its district's code
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None  # a point in it (degrees)
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None


class Industry(Row):
    takes_indicators: ClassVar[bool] = True

    id: Id
    name: Label = ""
    name_zh: Label = ""
    category: Id
    output_100m_yuan_per_km2: CellNonNegative
    carbon_t_per_km2: CellNonNegative
    energy_tce_per_km2: CellNonNegative = 0.0
    jobs_per_km2: CellNonNegative = 0.0
    pollutant_t_per_km2: CellNonNegative = 0.0
    min_km2: CellNonNegative | None = None
    max_km2: CellNonNegative | None = None

    @model_validator(mode="after")
    def _bounds_ordered(self):
        if self.min_km2 is not None and self.max_km2 is not None and self.min_km2 > self.max_km2:
            raise Invalid(f"min_km2 ({self.min_km2}) exceeds max_km2 ({self.max_km2})", "min_km2 ≤ max_km2")
        return self


def _split_ids(value):
    return tuple(part.strip() for part in value.split(";") if part.strip()) if isinstance(value, str) else value


# Several ids in one CSV cell, separated by ";" (written back the same way).
IdList = Annotated[tuple[Id, ...], BeforeValidator(_split_ids), PlainSerializer(lambda ids: ";".join(ids))]


class Project(Row):
    """One discrete transfer project (see ``optimizer.rules.projects``): placed in one unit or none."""

    id: Id
    name: Label = ""
    name_zh: Label = ""
    industry: Id
    land_km2: NonNegative
    investment_100m_yuan: NonNegative
    output_100m_yuan: NonNegative
    carbon_t: NonNegative
    # Blank: the industry's per-km² coefficient × the land at the site (at land intensity 1).
    energy_tce: NonNegative | None = None
    jobs: NonNegative | None = None
    pollutant_t: NonNegative | None = None
    mandatory: bool = False
    allowed_units: IdList = ()  # unit or zone ids; blank: every unit
    forbidden_units: IdList = ()
    exclusive_groups: IdList = ()  # at most one project of each group is placed
    requires: IdList = ()  # placed only if all of these are placed
    same_unit_as: Id | None = None
    same_zone_as: Id | None = None


class ProjectSite(Row):
    """Values of one project in one unit that differ from the project's own (blank: unchanged)."""

    project: Id
    unit: Id
    land_km2: NonNegative | None = None
    investment_100m_yuan: NonNegative | None = None
    output_100m_yuan: NonNegative | None = None
    carbon_t: NonNegative | None = None
    energy_tce: NonNegative | None = None
    jobs: NonNegative | None = None
    pollutant_t: NonNegative | None = None


class District(Row):
    """A district's statistics (``sites.districts``), joined to its units by ``adcode`` in the reports."""

    id: Id
    adcode: str
    name: str = ""
    name_zh: str = ""
    zone_2013: Id | None = None
    zone_2020: Id | None = None
    riverside_transfer_2011: str = ""
    area_km2: NonNegative | None = None
    area_km2_geojson: NonNegative | None = None
    population_2020_census: NonNegative | None = None
    gdp_100m_yuan: NonNegative | None = None
    gdp_year: str = ""
    secondary_va_100m_yuan: NonNegative | None = None
    secondary_va_year: str = ""
    industrial_output_100m_yuan: NonNegative | None = None
    industrial_output_metric: str = ""
    industrial_output_year: str = ""
    co2_2017_mt: NonNegative | None = None
    co2_2012_mt: NonNegative | None = None


class ChainPartner(Row):
    """Two industries that supply each other (``sites.chain_partners``), read both ways."""

    industry: Id
    partner: Id
    sites_listing_both: Annotated[int, Field(ge=0)] | None = None


ROW_MODELS: dict[str, type[Row]] = {
    "zones": Zone,
    "units": Unit,
    "industries": Industry,
    "projects.table": Project,
    "projects.sites": ProjectSite,
    "sites.districts": District,
    "sites.chain_partners": ChainPartner,
}


def _indicator_columns(row_model: type[Row], info: ValidationInfo) -> set[str]:
    if not row_model.takes_indicators or not info.context:
        return set()
    return set(info.context.get("indicator_columns", ()))


def _indicator_value(column: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"indicator column '{column}' needs a finite number in every row (got {value!r})")
    return number


def _resource_columns(row_model: type[Row], info: ValidationInfo) -> set[str]:
    table = next(name for name, model in ROW_MODELS.items() if model is row_model)
    return set((info.context or {}).get("resource_columns", {}).get(table, ()))


def _declared_indicator_columns(data: dict) -> set[str]:
    """The columns a raw scenario's ``indicators`` section names (leniently: it is validated later)."""
    indicators = data.get("indicators")
    if not isinstance(indicators, Mapping):
        return set()
    return {spec["column"] for spec in indicators.values() if isinstance(spec, Mapping) and isinstance(spec.get("column"), str)}


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


# More CO2 than the world emits in a year (about 37,000 Mt): a budget above it was typed in tonnes.
MAX_BUDGET_MT = 100_000


class CarbonBudget(Settings):
    """City and zone carbon budgets in Mt CO2 per year (see ``optimizer.rules.carbon``)."""

    total_mt: NonNegative | None = None
    by_zone_mt: dict[Id, NonNegative] = {}

    @field_validator("total_mt")
    @classmethod
    def _in_mt(cls, value):
        return _megatonnes(value)

    @field_validator("by_zone_mt")
    @classmethod
    def _zones_in_mt(cls, budgets):
        return {zone: _megatonnes(value) for zone, value in budgets.items()}

    @model_validator(mode="after")
    def _zones_within_city(self):
        for zone, budget in self.by_zone_mt.items():
            if self.total_mt is not None and budget > self.total_mt:
                raise Invalid(f"the budget of zone '{zone}' ({budget:g} Mt) is above the city's ({self.total_mt:g} Mt)",
                              "zone budgets at most total_mt (the city's budget covers its zones)")
        return self


def _megatonnes(value: float | None) -> float | None:
    if value is not None and value > MAX_BUDGET_MT:
        raise Invalid(
            f"{value:,.15g} Mt CO2 a year is more than the world emits (about 37,000 Mt): was it given in tonnes? "
            f"{value:,.15g} t is {value / 1e6:,.6g} Mt",
            f"a budget in Mt CO2 per year, at most {MAX_BUDGET_MT:,}",
        )
    return value


class LimitRule(Settings):
    """How one family of limits is treated (see ``optimizer.limits``): hard (default), firm or soft."""

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


# --------------------------------------------------------------------------- policy instruments
# The rule families beyond zoning and the carbon budget, one section each (the family's module in
# optimizer/rules/ has the mathematics). Every section is off unless the scenario fills it in;
# names are checked against the tables in _check_policy_instruments.

Ids = Annotated[tuple[Id, ...], Field(min_length=1)]


class IndustryChain(Settings):
    """Industry-chain docking: supporting land ≥ ratio × leading land (``rules.industry_chains``)."""

    leading: Ids
    supporting: Ids
    ratio: NonNegative
    within: Literal["zone", "city"] | dict[Id, Ids] = "zone"  # or named clusters of units


class Park(Settings):
    """A low-carbon industrial park inside a unit (``rules.parks``)."""

    unit: Id
    name: Label = ""
    land_km2: NonNegative
    admits: Ids  # industries
    max_carbon_intensity_t_per_10k_yuan: NonNegative | None = None  # the park's average


class Parks(Settings):
    sites: dict[Id, Park] = {}
    only_in_parks: tuple[Id, ...] = ()  # industries that may locate only inside parks


class EnergyCaps(Settings):
    total_mtce: NonNegative | None = None  # Mt of standard coal equivalent per year
    intensity_tce_per_10k_yuan: NonNegative | None = None  # per 10,000 yuan of output


class EnergyControl(EnergyCaps):
    """Dual control of energy: total and intensity, city-wide and per zone (``rules.energy``)."""

    by_zone: dict[Id, EnergyCaps] = {}


class CapacityReplacement(Settings):
    """New "two high" land needs retired existing capacity (``rules.capacity_replacement``)."""

    industries: tuple[Id, ...] = ()  # the "two high" industries
    ratio: NonNegative = 1.0  # km² retired per km² of new two-high land
    within: Literal["city", "zone"] = "city"
    existing_km2: dict[Id, dict[Id, NonNegative]] = {}  # unit -> industry -> km²
    # Per criterion, existing capacity's effect per km² as a multiple of new capacity's (default 1).
    existing_multipliers: dict[Literal["output", "carbon", "energy", "jobs", "pollutant"], NonNegative] = {}


class RegionalBalance(Settings):
    """Each zone's (unit's) development within a tolerance of the city-wide value (``rules.balance``)."""

    tolerance: NonNegative | None = None  # relative to the city-wide value; None: off
    measure: Literal["land_share", "output_per_resident"] = "land_share"
    level: Literal["zone", "unit"] = "zone"
    members: tuple[Id, ...] | None = None  # None: every zone (unit) where some industry is admitted


class ChargeTier(Settings):
    up_to: Annotated[float, Field(gt=1, allow_inf_nan=False)] | None = None  # × the standard; None: no end
    multiple: Positive = 1.0  # of the base charge


class PollutionCharges(Settings):
    """Emissions above a zone's standard are charged, in escalating tiers (``rules.pollution_charges``)."""

    standards_t: dict[Id, NonNegative] = {}  # zone -> pollutant standard, t per year
    base_charge_yuan_per_t: Positive | None = None
    tiers: Annotated[tuple[ChargeTier, ...], Field(min_length=1)] = (ChargeTier(),)

    @model_validator(mode="after")
    def _tiers_convex(self):
        if self.standards_t and self.base_charge_yuan_per_t is None:
            raise ValueError("base_charge_yuan_per_t is required when standards_t is given")
        ends = [tier.up_to for tier in self.tiers]
        if None in ends[:-1]:
            raise ValueError("only the last tier may leave out up_to (it then has no end)")
        if any(b <= a for a, b in zip(ends[:-1], ends[1:]) if b is not None):
            raise ValueError(f"tier ends up_to must increase (got {ends})")
        multiples = [tier.multiple for tier in self.tiers]
        if any(b < a for a, b in zip(multiples, multiples[1:])):
            raise ValueError(f"tier multiples must not decrease, so that the charge is convex (got {multiples})")
        return self


class SharedIndustry(Settings):
    source: Label = ""  # the region the industry is transferred from
    output_share: Share  # share of its output credited to that region


class IndicatorSharing(Settings):
    """Output credited back to source regions (``rules.indicator_sharing``)."""

    industries: dict[Id, SharedIndustry] = {}
    maximise_host_output: Flag = False  # objective: output credited to the host city


class Resource(Settings):
    """A capacity besides land that industries use per km² (``rules.resources``)."""

    measured_in: Label  # e.g. "10k m3 per year", "persons"
    capacity_column: Id  # units table: capacity per unit (blank: no limit)
    use_column: Id  # industries table: use per km² at land intensity 1 (blank: none)
    name: Label = ""
    total: NonNegative | None = None  # city-wide capacity


def declared_columns(resources: Any) -> dict[str, set[str]]:
    """The numeric columns a scenario's ``resources`` section adds to the units and industries tables."""
    columns: dict[str, set[str]] = {"units": set(), "industries": set()}
    for resource in (resources or {}).values() if isinstance(resources, Mapping) else ():
        spec = resource.model_dump() if isinstance(resource, BaseModel) else resource
        if isinstance(spec, Mapping):
            for table, key in (("units", "capacity_column"), ("industries", "use_column")):
                if isinstance(spec.get(key), str):
                    columns[table].add(spec[key])
    return columns


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
    """``objective: {method: ...}``: several criteria at once (see ``optimizer.multicriteria``).

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


Count = Annotated[int, BeforeValidator(_not_a_flag), Field(ge=0)]


class ProjectSettings(Settings):
    """Discrete transfer projects and the rules on them (see ``optimizer.rules.projects``)."""

    table: Annotated[tuple[Project, ...], Field(min_length=1)]
    sites: tuple[ProjectSite, ...] = ()
    land_allocation: Flag = True  # false: site the projects alone, no continuous x[u,k]
    investment_budget_100m_yuan: NonNegative | None = None
    max_per_unit: Count | None = None  # every unit
    count_max: dict[Id, Count] = {}  # by unit or zone id
    count_min: dict[Id, Count] = {}


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


# --------------------------------------------------------------------------- real sites
# The sites model of docs/sites-model.md; each family's module in optimizer/rules/ has its mathematics.
# (The schemas sit here with the other sections: optimizer.rules imports the model, which imports this.)


class SitesSettings(Settings):
    """A table of real sites: its framework's zone column, zone land intensities, district statistics
    and chain partners (``rules.sites``)."""

    zone_column: Id | None = None  # the units' zone column, e.g. zone_2013 or zone_2020 (read at loading)
    land_intensity: dict[Id, Positive] = {}  # zone -> every unit's land intensity there (read at loading)
    non_park_types: tuple[Id, ...] = ("cbd", "district_remainder")  # unit types that are not parks
    districts: tuple[District, ...] = ()
    chain_partners: tuple[ChainPartner, ...] = ()


class SiteAdmission(Settings):
    """Which industries a site may take, by its type, leading industries and transport (``rules.site_admission``)."""

    leading_override_zone: bool = False  # A1: a park takes its leading industries whatever its zone admits
    only_in_unit_types: dict[Id, tuple[Id, ...]] = {}  # A2: industry -> the only unit types that take it
    only_in_parks: tuple[Id, ...] = ()  # A2: industries only in parks
    unit_type_admits: dict[Id, tuple[Id, ...]] = {}  # A2: unit type -> the industries or categories it takes
    dock: bool = False  # A3: a park takes its leading industries, their partners and logistics at a node
    needs_node: tuple[Id, ...] = ()  # A4: only in units with a port, rail, road or air node
    needs_port: tuple[Id, ...] = ()  # A4: only in units with a port, unless a leading industry there


class Agglomeration(Settings):
    """Output multiplier of a park's leading industries and their chain partners (``rules.agglomeration``)."""

    leading: NonNegative = 0.05  # a
    per_doubling: NonNegative = 0.02  # g, per doubling of existing output
    partner: NonNegative = 0.02  # b
    reference_output_100m_yuan: Positive = 100.0  # Q0
    max_multiplier: Annotated[float, Field(ge=1, allow_inf_nan=False)] = 1.2  # μ_max
    output_kinds: tuple[str, ...] = ("gross_output", "gross_output_district")  # comparable existing output


class IndustryCap(Settings):
    industries: Ids
    max_km2: NonNegative


class Intake(Settings):
    """Market bounds on the land the parks take (``rules.intake``)."""

    city_max_km2: NonNegative | None = None
    riverside_max_km2: NonNegative | None = None
    zone_share_min: dict[Id, Share] = {}  # zone -> its parks' least share of all park land
    caps: dict[Id, IndustryCap] = {}  # park land of a group of industries
    other_industries_max_km2: NonNegative | None = None  # park land of each industry in no cap
    hub_ports_min_km2: dict[Id, NonNegative] = {}  # industry -> least land in units with port_class hub
    hub_share_min: dict[Id, Share] = {}  # industry -> least share of a logistics hub's allocated land


class SitePreference(Settings):
    """The tie-break: a tiny bonus per km² by a documented ranking of the pairs (``rules.site_preference``)."""

    per_km2: Annotated[float, Field(gt=0, le=0.01, allow_inf_nan=False)] = 1e-3  # objective units per km², at most


class SolverSettings(Settings):
    name: Label = "highs"
    time_limit_s: Positive | None = None
    mip_gap: Annotated[float, BeforeValidator(_not_a_flag), Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    threads: Annotated[int, BeforeValidator(_not_a_flag), Field(ge=1)] | None = None
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
    """How reports draw the scenario (see ``optimizer.charts``).

    ``rings`` lays out the Concentric Circle diagram from the centre outward, one list of zones
    per ring; zones sharing a ring are drawn as arcs on its east side, the first at the top.
    Zones not listed get a ring each, outside the listed ones, in table order.
    """

    rings: tuple[Annotated[tuple[Id, ...], Field(min_length=1)], ...] = ()


class AnalysisSettings(Settings):
    """What a run works out about alternative optima (``optimizer.alternatives``), besides its plan.

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


class _SolverSection(Settings):
    """Solver settings validated on their own, their errors placed under ``solver.``."""

    solver: SolverSettings


# --------------------------------------------------------------------------- the scenario


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
        _check_references(self)
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
            solver = _SolverSection.model_validate({"solver": settings}).solver
        except ValidationError as error:
            raise _from_pydantic(error, None) from None
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
        return _updated_rows(rows, change, name, file="with_changes()")
    return [row.model_dump() if isinstance(row, BaseModel) else dict(row) for row in change]


def _changed_section_tables(section: str, current: dict, change: Mapping) -> dict:
    """A section's change with its tables (e.g. ``projects.table``) changed as tables are."""
    return {
        field: _changed_table(f"{section}.{field}", current.get(field) or [], value)
        if f"{section}.{field}" in SECTION_TABLES
        else value
        for field, value in change.items()
    }


def _updated_rows(rows: list[dict], update: Mapping, table: str, file: str) -> list[dict]:
    if not all("id" in row for row in rows):
        raise ScenarioError(
            f"the rows of {table} have no id to update them by",
            file=file,
            field=f"{table}.update",
            valid="replace the whole table (a CSV path, a list of rows or a DataFrame)",
        )
    by_id = {row["id"]: dict(row) for row in rows}
    for row_id, fields in update.items():
        if row_id not in by_id:
            raise ScenarioError(
                f"update names {table} row '{row_id}', which does not exist",
                file=file,
                field=f"{table}.update",
                valid=listing(by_id),
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
    for table in TABLES:
        if not getattr(s, table):
            raise ScenarioError(f"the {table} table is empty", field=table, valid="at least one row")
    for index, unit in enumerate(s.units):
        if unit.zone not in zones:
            raise ScenarioError(
                f"unit '{unit.id}' names zone '{unit.zone}', which is not in the zones table",
                field="units.zone",
                row=index,
                valid=listing(zones),
            )
        if unit.area_km2 is not None and unit.land_km2 > unit.area_km2 * (1 + 1e-9):
            raise ScenarioError(
                f"unit '{unit.id}' has {unit.land_km2:g} km² of land to allocate, more than its area of "
                f"{unit.area_km2:g} km²", field="units.land_km2", row=index, valid=f"at most area_km2 ({unit.area_km2:g})",
            )
    _check_unit_intensities(s, categories)
    missing = zones - set(s.zoning)
    if missing:
        raise ScenarioError(
            f"zones {listing(missing)} have no zoning rule",
            field="zoning",
            valid="a rule for every zone of the zones table; `admits: []` closes a zone",
        )
    for zone, rule in s.zoning.items():
        if zone not in zones:
            raise ScenarioError(f"unknown zone '{zone}'", field=f"zoning.{zone}", valid=listing(zones))
        for part in ("admits", "share_min", "share_max"):
            for category in getattr(rule, part):
                if category not in categories:
                    raise ScenarioError(
                        f"unknown category '{category}' (no industry has it)",
                        field=f"zoning.{zone}.{part}",
                        valid=listing(categories),
                    )
    for zone in s.carbon_budget.by_zone_mt:
        if zone not in zones:
            raise ScenarioError(
                f"unknown zone '{zone}'", field=f"carbon_budget.by_zone_mt.{zone}", valid=listing(zones)
            )
    drawn = [zone for ring in s.report.rings for zone in ring]
    for zone in drawn:
        if zone not in zones or drawn.count(zone) > 1:
            problem = "unknown zone" if zone not in zones else "zone drawn in more than one ring"
            raise ScenarioError(f"{problem} '{zone}'", field="report.rings", valid=listing(zones))
    _check_criteria(s)
    _check_policy_instruments(s)
    _check_sites(s)
    if s.projects is not None:
        _check_projects(s, s.projects)
    _check_limits(s)


def _check_criteria(s: Scenario) -> None:
    """Indicators name new criteria and existing columns; the objective names known criteria."""
    reserved = set(CRITERIA) | {"name", "kind", "unit", "zone", "industry", "category", "lower", "upper", "integer",
                                "penalty", "weighted"}
    columns = set(s.table("industries").columns) - {"name", "name_zh", "category", "min_km2", "max_km2"}
    for name, indicator in s.indicators.items():
        if name in reserved:
            raise ScenarioError(
                f"indicator name '{name}' is taken (built-in criteria: {', '.join(CRITERIA)})", field=f"indicators.{name}"
            )
        if indicator.column not in columns or indicator.column.startswith(("source", "note")):
            numeric = sorted(c for c in columns if not c.startswith(("source", "note")))
            raise ScenarioError(
                f"the industries table has no numeric column '{indicator.column}'",
                field=f"indicators.{name}.column",
                valid=listing(numeric),
            )
    criteria = criteria_of(s)
    objective = s.objective
    named = {"objective": [objective]} if isinstance(objective, str) else {
        "objective.weights": list(objective.weights),
        "objective.order": list(objective.order),
        "objective.tolerance": list(objective.tolerance),
        "objective.optimize": [objective.optimize] if objective.optimize else [],
        "objective.bounds": list(objective.bounds),
    }
    for field, names in named.items():
        for name in names:
            if name not in criteria:
                raise ScenarioError(f"unknown criterion '{name}'", field=field, valid=", ".join(criteria))


def _check_projects(s: Scenario, p: ProjectSettings) -> None:
    """Project ids unique; industries, units, zones and projects named in the section exist."""
    units = {unit.id for unit in s.units}
    places = units | {zone.id for zone in s.zones}
    industries = {industry.id for industry in s.industries}
    ids: set[str] = set()
    for index, project in enumerate(p.table):
        if project.id in ids:
            raise ScenarioError(f"duplicate id '{project.id}'", field="projects.table.id", row=index)
        ids.add(project.id)
    for index, project in enumerate(p.table):
        checks = [("industry", [project.industry], industries, "industry")]
        checks += [(column, getattr(project, column), places, "unit or zone") for column in ("allowed_units", "forbidden_units")]
        checks += [("requires", project.requires, ids, "project")]
        checks += [(column, [getattr(project, column)], ids, "project") for column in ("same_unit_as", "same_zone_as")]
        for column, named, known, kind in checks:
            for name in named:
                if name is not None and name not in known:
                    raise ScenarioError(
                        f"project '{project.id}' names {kind} '{name}', which does not exist",
                        field=f"projects.table.{column}",
                        row=index,
                        valid=listing(known),
                    )
    sites: set[tuple[str, str]] = set()
    for index, site in enumerate(p.sites):
        for column, known in (("project", ids), ("unit", units)):
            if getattr(site, column) not in known:
                raise ScenarioError(
                    f"unknown {column} '{getattr(site, column)}'", field=f"projects.sites.{column}", row=index,
                    valid=listing(known),
                )
        if (site.project, site.unit) in sites:
            raise ScenarioError(
                f"a second row for project '{site.project}' in unit '{site.unit}'", field="projects.sites", row=index
            )
        sites.add((site.project, site.unit))
    ambiguous = units & {zone.id for zone in s.zones}
    for part in ("count_max", "count_min"):
        for name in getattr(p, part):
            if name not in places or name in ambiguous:
                problem = "names both a unit and a zone" if name in ambiguous else "is neither a unit nor a zone"
                raise ScenarioError(f"'{name}' {problem}", field=f"projects.{part}.{name}", valid=listing(places - ambiguous))


def _check_limits(s: Scenario) -> None:
    """Limits name families that exist; a soft family's penalty is in the units of one optimised criterion."""
    from .. import rules  # the families that exist, looked up now: a test or plug-in may add one

    families = {family.FAMILY for family in rules.RULE_FAMILIES}
    for family in s.limits:
        if family not in families:
            raise ScenarioError(
                f"unknown family of limits '{family}'", field=f"limits.{family}", valid=listing(families)
            )
    soft = [family for family, rule in s.limits.items() if rule.soft]
    if soft and not isinstance(s.objective, str) and s.objective.optimize is None:
        raise ScenarioError(
            f"soft limits ({', '.join(soft)}) charge their penalty in the units of the criterion optimised, "
            f"but the objective is {s.objective}",
            field=f"limits.{soft[0]}",
            valid="a single-criterion objective or an epsilon method, or firm/hard limits",
        )


def _known(names, valid, field: str, what: str) -> None:
    for name in names:
        if name not in valid:
            raise ScenarioError(f"unknown {what} '{name}'", field=field, valid=listing(valid))


def _check_policy_instruments(s: Scenario) -> None:
    """Every name the policy-instrument sections use is defined, and each section is coherent."""
    zones = {zone.id for zone in s.zones}
    units = {unit.id: unit for unit in s.units}
    industries = {industry.id for industry in s.industries}
    for chain_id, chain in s.industry_chains.items():
        field = f"industry_chains.{chain_id}"
        _known(chain.leading, industries, f"{field}.leading", "industry")
        _known(chain.supporting, industries, f"{field}.supporting", "industry")
        if set(chain.leading) & set(chain.supporting):
            raise ScenarioError("an industry cannot be both leading and supporting in one chain", field=field)
        for cluster, members in (chain.within.items() if isinstance(chain.within, dict) else ()):
            _known(members, units, f"{field}.within.{cluster}", "unit")

    parks = s.parks
    in_parks: dict[str, float] = {}
    for park_id, park in parks.sites.items():
        _known([park.unit], units, f"parks.sites.{park_id}.unit", "unit")
        _known(park.admits, industries, f"parks.sites.{park_id}.admits", "industry")
        in_parks[park.unit] = in_parks.get(park.unit, 0.0) + park.land_km2
    for unit, land in in_parks.items():
        if land > units[unit].land_km2 * (1 + 1e-9):
            raise ScenarioError(
                f"the parks in unit '{unit}' hold {land:g} km², more than its {units[unit].land_km2:g} km² of land",
                field="parks.sites",
                valid="park land within the land_km2 of its unit",
            )
    _known(parks.only_in_parks, industries, "parks.only_in_parks", "industry")
    admitted_in_parks = {industry for park in parks.sites.values() for industry in park.admits}
    for industry in parks.only_in_parks:
        if industry not in admitted_in_parks:
            raise ScenarioError(
                f"'{industry}' may locate only in parks, but no park admits it",
                field="parks.only_in_parks",
                valid="add it to a park's admits, or take it off only_in_parks",
            )

    _known(s.energy.by_zone, zones, "energy.by_zone", "zone")

    replacement = s.capacity_replacement
    _known(replacement.industries, industries, "capacity_replacement.industries", "industry")
    for unit, stock in replacement.existing_km2.items():
        _known([unit], units, "capacity_replacement.existing_km2", "unit")
        _known(stock, set(replacement.industries), f"capacity_replacement.existing_km2.{unit}", "two-high industry")

    balance = s.balance
    if balance.members is not None:
        _known(balance.members, zones if balance.level == "zone" else units, "balance.members", balance.level)
    if balance.tolerance is not None and balance.measure == "output_per_resident":
        for index, unit in enumerate(s.units):
            if unit.population_10k is None:
                raise ScenarioError(
                    "balancing output per resident needs every unit's population",
                    field="units.population_10k",
                    row=index,
                )

    charges = s.pollution_charges
    _known(charges.standards_t, zones, "pollution_charges.standards_t", "zone")
    sharing = s.indicator_sharing
    _known(sharing.industries, industries, "indicator_sharing.industries", "industry")
    # Both deduct yuan from the objective: it must be output (alone, or optimised under epsilon bounds).
    optimised = s.objective if isinstance(s.objective, str) else s.objective.optimize
    for section, on in (("pollution_charges", bool(charges.standards_t)), ("indicator_sharing", sharing.maximise_host_output)):
        if on and optimised != "output":
            raise ScenarioError(
                f"{section} deducts yuan from the objective, but the objective is {s.objective}",
                field=section,
                valid="objective: output (or an epsilon method optimising output), or turn the section off",
            )

    for resource_id, resource in s.resources.items():
        for table, column in (("units", resource.capacity_column), ("industries", resource.use_column)):
            values = [row.model_dump().get(column, _ABSENT) for row in getattr(s, table)]
            field = f"resources.{resource_id}.{'capacity_column' if table == 'units' else 'use_column'}"
            if all(value is _ABSENT for value in values):
                raise ScenarioError(f"the {table} table has no column '{column}'", field=field)
            if not all(value is _ABSENT or value is None or _is_number(value) for value in values):
                raise ScenarioError(f"the {table} column '{column}' is not numeric", field=field)


def _check_sites(s: Scenario) -> None:
    """The sites sections name known zones, industries and categories."""
    zones = {zone.id for zone in s.zones}
    industries = {industry.id for industry in s.industries}
    if s.sites is not None:
        _known(s.sites.land_intensity, zones, "sites.land_intensity", "zone")
        for index, unit in enumerate(s.units):
            extra = unit.model_extra or {}
            output = str(extra.get("existing_output_100m_yuan") or "").strip()
            if output and not (_is_number(_number_or_none(output)) and float(output) >= 0):
                raise ScenarioError(f"'{output}' is not a number ≥ 0", field="units.existing_output_100m_yuan", row=index,
                                    valid="a number ≥ 0 (100m yuan), or blank")
            for industry in _split_ids(str(extra.get("leading_industries") or "")):
                if industry not in industries:
                    raise ScenarioError(f"unknown industry '{industry}'", field="units.leading_industries", row=index,
                                        valid=listing(industries) + " (separated by ;)")
        for index, pair in enumerate(s.sites.chain_partners):
            for column in ("industry", "partner"):
                if getattr(pair, column) not in industries:
                    raise ScenarioError(f"unknown industry '{getattr(pair, column)}'", field=f"sites.chain_partners.{column}",
                                        row=index, valid=listing(industries))
    admission = s.site_admission
    if admission is not None:
        for field in ("only_in_unit_types", "only_in_parks", "needs_node", "needs_port"):
            _known(getattr(admission, field), industries, f"site_admission.{field}", "industry")
        for kind, admitted in admission.unit_type_admits.items():
            _known(admitted, industries | set(s.categories), f"site_admission.unit_type_admits.{kind}", "industry or category")
    if s.intake is not None:
        _known(s.intake.zone_share_min, zones, "intake.zone_share_min", "zone")
        for cap_id, cap in s.intake.caps.items():
            _known(cap.industries, industries, f"intake.caps.{cap_id}.industries", "industry")
        _known(s.intake.hub_ports_min_km2, industries, "intake.hub_ports_min_km2", "industry")
        _known(s.intake.hub_share_min, industries, "intake.hub_share_min", "industry")
    if any(getattr(s, name) is not None for name in ("site_admission", "agglomeration", "intake", "site_preference")):
        if s.sites is None:
            raise ScenarioError("the sites families read a table of real sites, but the scenario has no sites section",
                                field="sites", valid="e.g. `sites: {zone_column: zone_2013}` with a units table of sites")


def _number_or_none(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_ABSENT = object()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_unit_intensities(s: Scenario, categories: set[str]) -> None:
    """land_intensity_<category> columns: a known category, a positive finite number per cell."""
    extras = [unit.model_extra or {} for unit in s.units]
    columns = sorted(key for key in set().union(*extras) if key.startswith(INTENSITY_PREFIX))
    for key in columns:
        values = [extra.get(key) for extra in extras]
        if key.removeprefix(INTENSITY_PREFIX) not in categories:
            raise ScenarioError(
                f"column '{key}' names no category of the industries table",
                field=f"units.{key}",
                row=next(index for index, value in enumerate(values) if value is not None),
                valid=listing(INTENSITY_PREFIX + category for category in categories),
            )
        numbers = pd.Series(values)
        if numbers.dtype.kind in "iuf" and ((numbers > 0) & (numbers < math.inf) | numbers.isna()).all():
            continue  # the usual case, checked at once: numbers (None read as NaN), all positive
        for index, value in enumerate(values):
            if value is not None and not (type(value) in (int, float) and 0 < value < math.inf):
                raise ScenarioError(
                    f"must be a positive number or blank (got {value!r})", field=f"units.{key}", row=index
                )


def listing(names) -> str:
    names = sorted(names)
    shown = ", ".join(names[:40])
    return shown + (f", … ({len(names)} in all)" if len(names) > 40 else "")


# --------------------------------------------------------------------------- loading


class _Source:
    """Where each part of a merged scenario came from, to point errors at the right file/line."""

    def __init__(self):
        self.layers: list[tuple[Path, dict[tuple, int]]] = []  # child first
        self.tables: dict[str, tuple[Path | None, int]] = {}  # table -> (file, line of row 0)
        self.updated: dict[tuple[str, int, str], tuple[Path | None, int | None]] = {}  # (table, row, column) -> YAML
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
    with _collection_paused():
        data = _read_layers(_resolved(path, None, None), source, chain=())
        for table in TABLES:
            derived = ("zone",) if table == "units" and _zone_column(data) else ()
            data[table] = _load_table(table, data.get(table), source, derived)
        data["units"] = _site_zones(data["units"], data.get("sites"))
        for table, section, field in section_tables(data):
            section[field] = _load_table(table, section[field], source)
        scenario = validate_scenario(data, source)
    scenario._files = source.files
    scenario._origin = str(path)
    scenario._as_loaded = True
    return scenario


@contextlib.contextmanager
def _collection_paused():
    """Python's cycle collector off while a scenario's rows are made: 50,000 grid cells make
    hundreds of thousands of small objects, none of them garbage yet, and each full collection
    they trigger walks every object of the process (a third of the load time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def section_tables(data: dict):
    """(table, the section holding it, its field) for each table inside a section of ``data``."""
    for table in SECTION_TABLES:
        section, field = table.split(".")
        if isinstance(data.get(section), dict) and field in data[section]:
            yield table, data[section], field


def validate_scenario(data: dict, sources: _Source | None) -> Scenario:
    """Validate a plain-dict scenario, turning every failure into one ScenarioError."""
    try:
        context = {
            "indicator_columns": _declared_indicator_columns(data),
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
        raise _placed(error, sources) from None
    except ValidationError as error:
        raise _from_pydantic(error, sources) from None


def _validate_row(table: str, index: int, row: Any, sources: _Source | None, context: dict) -> Row:
    try:
        numeric = context["resource_columns"].get(table, set())
        if numeric and isinstance(row, Mapping):
            row = {**row, **{column: _declared_number(row[column], table, column, index) for column in numeric & row.keys()}}
        return ROW_MODELS[table].model_validate(row, context=context)
    except ValidationError as error:
        detail = error.errors()[0]
        field = ".".join(str(part) for part in detail["loc"]) or None
        raise _placed(
            ScenarioError(
                pydantic_problem(detail), field=f"{table}.{field}" if field else table, row=index,
                valid=_valid_for(detail),
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
                valid = _column_validator(table, name).validate_python(text[~blank].tolist())
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


@functools.cache
def _column_validator(table: str, name: str) -> TypeAdapter:
    field = ROW_MODELS[table].model_fields[name]
    kind = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    return TypeAdapter(list[kind])


def _placed(error: ScenarioError, sources: _Source | None) -> ScenarioError:
    """Fill in the file and line of an error raised without them."""
    if error.file is not None:
        return error
    if sources is None:
        error.file = "with_changes()"
        return ScenarioError(**error.fields())
    field = error.field or ""
    table = next((t for t in (*SECTION_TABLES, *TABLES) if field == t or field.startswith(f"{t}.")), "")
    column = field[len(table) + 1:]
    if (table, error.row, column) in sources.updated:  # the bad value came from a YAML `update:`
        file, error.line = sources.updated[(table, error.row, column)]
        error.file, error.row = str(file), None
    elif table in sources.tables and error.row is not None:
        file, first_line = sources.tables[table]
        if file is not None and first_line:
            error.line, error.row = first_line + error.row, None
        elif error.row is not None:
            error.field = f"{error.field} (item {error.row + 1})"
            error.row = None
            file, error.line = sources.locate(tuple(table.split(".")))
        error.file = str(file) if file else None
    else:
        file, line = sources.locate(tuple((error.field or "").split(".")))
        error.file, error.line = (str(file) if file else None), line
    return ScenarioError(**error.fields())


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
    "too_short": "at least one item",
    "string_too_long": f"at most {MAX_LABEL} characters for a name or label, 64 for an id",
}


def pydantic_problem(detail: dict) -> str:
    if detail["type"] == "missing":
        return "this required field is missing"
    if detail["type"] == "extra_forbidden":
        return "unknown field"
    value = detail.get("input")
    if detail["type"] == "string_pattern_mismatch":
        return f"not a valid id (got {_clipped(value)})"
    message = detail["msg"].removeprefix("Value error, ")
    return message if isinstance(value, (dict, list)) else f"{message} (got {_clipped(value)})"


def _clipped(value: Any, most: int = 60) -> str:
    """A value as a message shows it: a 100 KB name is not repeated whole."""
    text = repr(value)
    return text if len(text) <= most else f"{text[:most]}… ({len(text):,} characters)"


def _settings_at(loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings model at a location in the scenario, following mappings by their keys and optional sections."""
    model, parts = Scenario, list(loc)
    while parts:
        annotation = getattr(model.model_fields.get(parts.pop(0)), "annotation", None)
        if get_origin(annotation) is dict:
            if not parts:
                return None
            annotation = get_args(annotation)[1]
            parts.pop(0)  # the key
        options = (annotation, *get_args(annotation))  # a section may be optional (X | None)
        model = next((a for a in options if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return None
    return model


def _from_pydantic(error: ValidationError, sources: _Source | None) -> ScenarioError:
    detail = error.errors()[0]
    loc = tuple(str(part) for part in detail["loc"])
    valid = _valid_for(detail)
    if detail["type"] == "extra_forbidden" and len(loc) >= 1:
        parent = _settings_at(loc[:-1])
        if parent is not None:
            valid = ", ".join(parent.model_fields)
    problem = ScenarioError(pydantic_problem(detail), field=".".join(loc), valid=valid)
    return _placed(problem, sources)


def read_yaml(path: Path, referrer: tuple[Path, str] | None, kind: str = "scenario") -> tuple[dict, dict[tuple, int]]:
    if not path.is_file():
        if referrer:
            raise ScenarioError(
                f"the file {path} does not exist", file=referrer[0], field=referrer[1], valid="an existing YAML file"
            )
        raise ScenarioError(f"the {kind} file does not exist", file=path, valid=f"the path of a YAML {kind} file")
    text = _read_text(path)
    loader = _BoundedLoader(text, path)
    try:
        node = loader.get_single_node()
        _check_aliases(node, path)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise ScenarioError(
            f"not valid YAML: {reason}", file=path, line=mark.line + 1 if mark else None,
            valid="`key: value` lines, nested by indenting with spaces (not tabs)",
        ) from None
    except (ValueError, TypeError, OverflowError, IndexError) as error:  # a value its tag cannot read: `!!int g`, `!!int ''`
        raise ScenarioError(
            f"not valid YAML: a value cannot be read as its tag says ({error})", file=path, line=_unreadable_line(node),
            valid="drop the tag (`!!int`, `!!float`, ...) or give a value of that type",
        ) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a {kind} file must be a YAML mapping", file=path, line=1, valid="`key: value` lines, e.g. `name: my-variant`"
        )
    return data, _key_lines(node, file=path)


YAML_MAX_DEPTH = 40  # mappings and lists nested deeper than this are refused (a scenario needs about 6)
YAML_MAX_ALIAS_NODES = 10_000  # values that aliases (`*name`) may repeat, in all, in one file


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than ``YAML_MAX_DEPTH`` while it composes
    (PyYAML recurses per level: 1,000 levels exhaust Python's stack)."""

    def __init__(self, text: str, path: Path):
        super().__init__(text)
        self._depth, self._path = 0, path

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > YAML_MAX_DEPTH:
                raise _too_deep(self._path, self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep(path: Path, line: int | None) -> ScenarioError:
    return ScenarioError(
        f"the YAML is nested more than {YAML_MAX_DEPTH} levels deep", file=path, line=line,
        valid=f"at most {YAML_MAX_DEPTH} levels of nested mappings and lists, aliases (`*name`) expanded",
    )


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_aliases(node, path: Path) -> None:
    """Refuse aliases that repeat more than ``YAML_MAX_ALIAS_NODES`` values, nest deeper than
    ``YAML_MAX_DEPTH`` once expanded, or contain themselves: a few hundred bytes of nested aliases
    ("billion laughs") expand to billions of values once anything walks the data."""
    if node is None:
        return
    sizes: dict[int, tuple[int, int]] = {}  # by node id: (values, levels) with aliases expanded
    stack, open_nodes = [(node, False)], set()
    while stack:  # depth first, without recursion: a chain of aliases may be long
        item, done = stack.pop()
        key = id(item)
        if done:
            parts = [sizes[id(child)] for child in _children(item)]
            sizes[key] = (1 + sum(p[0] for p in parts), 1 + max((p[1] for p in parts), default=0))
            open_nodes.discard(key)
            if sizes[key][1] > YAML_MAX_DEPTH:
                raise _too_deep(path, item.start_mark.line + 1)
        elif key in open_nodes:
            raise ScenarioError(
                "an alias (`*name`) refers to a value that contains it", file=path, line=item.start_mark.line + 1,
                valid="aliases of values defined before them, not of the value they are in",
            )
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((item, True))
            stack += [(child, False) for child in _children(item)]
    repeated = sizes[id(node)][0] - len(sizes)
    if repeated > YAML_MAX_ALIAS_NODES:
        raise ScenarioError(
            f"aliases (`*name`) in this file repeat {repeated:,} values", file=path,
            valid=f"aliases that repeat at most {YAML_MAX_ALIAS_NODES:,} values in all; write the values out instead",
        )


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
    data, lines = read_yaml(path, referrer)
    source.layers.append((path, lines))
    source.files[str(path)] = _sha256(path)
    for table in TABLES:
        if table in data:
            data[table] = _table_spec(data[table], path, table)
    for table, section, field in section_tables(data):
        section[field] = _table_spec(section[field], path, table)
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError(
            "extends must be the path of one YAML file", file=path, field="extends", line=lines.get(("extends",)),
            valid="e.g. `extends: chongqing.yaml`, relative to this file",
        )
    parent = _resolved(path.parent / parent_name, path, "extends", lines.get(("extends",)))
    if parent in chain + (path,):
        cycle = " -> ".join(str(p.name) for p in chain + (path, parent))
        raise ScenarioError(
            f"extends forms a cycle: {cycle}", file=path, field="extends", line=lines.get(("extends",)),
            valid="a chain of parents that ends in a scenario without extends",
        )
    base = _read_layers(parent, source, chain + (path,))
    return _merge_layers(base, data)


def _resolved(path: Path, referrer: Path | None, field: str | None, line: int | None = None) -> Path:
    """``path`` with its symbolic links followed; a loop of links is bad input, not a traceback."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13 on a loop
        raise ScenarioError(
            f"the path {path} is a loop of symbolic links", file=referrer or path, field=field, line=line,
            valid="a path to a file, or a link that ends at one",
        ) from None


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
        spec["file"] = str(_resolved(declared_in.parent / spec["file"], declared_in, f"{table}.file"))
        spec["declared_in"] = str(declared_in)
    if "rows" in spec:
        spec["declared_in"] = str(declared_in)
    return spec


def _merge_layers(base: dict, child: dict, prefix: str = "") -> dict:
    merged = dict(base)
    for key, value in child.items():
        if f"{prefix}{key}" in (*TABLES, *SECTION_TABLES) and key in base:
            if "file" in value or "rows" in value:
                merged[key] = value  # a new base table drops the parent's updates too
            else:
                merged[key] = {**base[key], "update": deep_merge(base[key].get("update", {}), value.get("update", {}))}
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge_layers(base[key], value, f"{prefix}{key}.")
        else:
            merged[key] = value
    return merged


def deep_merge(base: dict, change: dict, none_clears: bool = False) -> dict:
    """``base`` with ``change`` merged in, mapping by mapping; ``none_clears``: a None value
    removes the key (its default then applies) instead of setting it."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        if value is None and none_clears:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value, none_clears)
        else:
            out[key] = value
    return out


def _zone_column(data: dict) -> str | None:
    sites = data.get("sites")
    return sites.get("zone_column") if isinstance(sites, Mapping) and isinstance(sites.get("zone_column"), str) else None


def _site_zones(rows: list[dict] | pd.DataFrame, sites: Any) -> list[dict] | pd.DataFrame:
    """A sites table's units take their zone from the framework's column (``sites.zone_column``,
    e.g. ``zone_2013``) and their land intensity from their zone (``sites.land_intensity``)."""
    column = _zone_column({"sites": sites})
    if column is None:
        return rows
    intensity = sites.get("land_intensity") if isinstance(sites.get("land_intensity"), Mapping) else {}
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if column not in frame.columns:
        raise ScenarioError(
            f"the units table has no column '{column}'", field="sites.zone_column",
            valid=listing(c for c in frame.columns if str(c).startswith("zone")) or "a zone column of the units table",
        )
    frame = frame.assign(zone=frame[column])
    given = frame["zone"].map(lambda zone: intensity.get(zone))
    if given.notna().any():
        frame["land_intensity"] = given.map(lambda m: None if m is None else str(m)).where(
            given.notna(), frame.get("land_intensity", pd.Series("", index=frame.index)))
    if isinstance(rows, pd.DataFrame):
        return frame.fillna("")
    return [{k: v for k, v in row.items() if v is not None and v == v} for row in frame.to_dict("records")]


def _load_table(table: str, spec: dict | None, source: _Source, derived: tuple[str, ...] = ()) -> list[dict] | pd.DataFrame:
    """A table's rows; a main table read whole from CSV stays a DataFrame (validated by column)."""
    if spec is None:
        file, _ = source.locate(())
        raise ScenarioError(
            f"the scenario has no {table} table", file=file, field=table, valid="a CSV path or a list of rows"
        )
    if "file" in spec:
        path = Path(spec["file"])
        _check_readable(path, table, Path(spec["declared_in"]), source)
        rows = _read_csv(path, table, Path(spec["declared_in"]), derived)
        if table not in TABLES or spec.get("update"):
            rows = rows.to_dict("records")
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
        file, line = source.locate(tuple(table.split(".")))
        raise ScenarioError(
            f"the {table} table has updates but no base table", file=file, field=table, line=line,
            valid="add `file:` or `rows:`, or extend a scenario that defines the table",
        )
    if spec.get("update"):
        _refuse_duplicate_ids(rows, table, source)
        file, _ = source.locate((*table.split("."), "update"))
        rows = _updated_rows(rows, spec["update"], table, file=str(file))
        index = {row.get("id"): position for position, row in enumerate(rows)}
        for row_id, fields in spec["update"].items():
            for column in fields:
                source.updated[(table, index[row_id], column)] = source.locate(
                    (*table.split("."), "update", str(row_id), column)
                )
    return rows


def _refuse_duplicate_ids(rows: list[dict], table: str, source: _Source) -> None:
    """Updating by id would merge a duplicated id's rows into one, so refuse it before (as without updates)."""
    positions: dict[Any, list[int]] = {}
    for position, row in enumerate(rows):
        if "id" in row:
            positions.setdefault(row["id"], []).append(position)
    for row_id, at in positions.items():
        if len(at) > 1:
            file, first_line = source.tables[table]
            if file is None:  # inline rows
                file, _ = source.locate(tuple(table.split(".")))
                numbers, what = [p + 1 for p in at], "items"
            else:
                numbers, what = [first_line + p for p in at], "lines"
            listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            raise ScenarioError(
                f"duplicate id '{row_id}' on {what} {listed}", file=file, field=f"{table}.id", valid="each id once per table"
            )


def _check_readable(path: Path, table: str, declared_in: Path, source: _Source) -> None:
    """A table is a ``.csv`` file (its links followed) inside the folder of a YAML file of the
    scenario (the file itself or one it extends) or inside the shipped inputs: a scenario cannot
    make a run read, and copy into its results folder, any other file of the machine."""
    folders = {file.parent for file, _ in source.layers} | {default_scenario_path().parent}
    if path.suffix.lower() == ".csv" and any(path.is_relative_to(folder) for folder in folders):
        return
    _, line = source.locate((*table.split("."), "file")) if table in TABLES else source.locate(tuple(table.split(".")))
    raise ScenarioError(
        f"the table file {path} is not a .csv file inside the scenario's folders", file=declared_in, field=table,
        line=line, valid="a .csv file in the folder of this YAML file (or of a file it extends), or below it",
    )


def _read_csv(path: Path, table: str, declared_in: Path, derived: tuple[str, ...] = ()) -> pd.DataFrame:
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
    required = [name for name, field in ROW_MODELS[table].model_fields.items() if field.is_required() and name not in derived]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ScenarioError(
            f"missing column(s) {', '.join(missing)}", file=path, line=1, valid=f"the {table} table needs {', '.join(required)}"
        )
    if frame.empty:
        raise ScenarioError(f"the {table} table has no rows", file=path, valid="at least one row under the header")
    return frame


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

