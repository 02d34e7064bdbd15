"""The rows of the scenario's tables (zones, units, industries, and the tables inside sections),
with their indicator and family-declared columns."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from .types import CellNonNegative, CellPositive, Id, IdList, Invalid, Label, NonNegative


INTENSITY_PREFIX = "land_intensity_"  # units: land_intensity_<category> columns
TABLES = ("zones", "units", "industries")


# Site attributes a units table may carry (inputs/chongqing/sites.csv; optimizer.rules.sites reads them).
SITE_COLUMNS = ("district", "zone_2013", "zone_2020", "unit_type", "level", "planned_km2", "built_km2",
                "land_basis", "land_year", "leading_industries", "existing_output_100m_yuan", "output_kind",
                "output_metric", "output_year", "port", "port_class", "rail_hub", "road_hub", "airport",
                "riverside_transfer_2011", "chengyu_coop_park_2021")


SECTION_TABLES = ("projects.table", "projects.sites", "sites.districts", "sites.chain_partners")  # tables inside a section


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
    # Where the unit is, for the report's maps (optimizer/reporting/maps.py); the model never reads them.
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


def declared_indicator_columns(data: dict) -> set[str]:
    """The columns a raw scenario's ``indicators`` section names (leniently: it is validated later)."""
    indicators = data.get("indicators")
    if not isinstance(indicators, Mapping):
        return set()
    return {spec["column"] for spec in indicators.values() if isinstance(spec, Mapping) and isinstance(spec.get("column"), str)}


def section_tables(data: dict):
    """(table, the section holding it, its field) for each table inside a section of ``data``."""
    for table in SECTION_TABLES:
        section, field = table.split(".")
        if isinstance(data.get(section), dict) and field in data[section]:
            yield table, data[section], field
