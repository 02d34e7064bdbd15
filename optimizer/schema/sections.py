"""The schemas of the rule families' scenario sections."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from .tables import ChainPartner, District, Project, ProjectSite
from .types import Count, Flag, Id, Ids, Invalid, Label, NonNegative, Positive, Settings, Share


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


class ProjectSettings(Settings):
    """Discrete transfer projects and the rules on them (see ``optimizer.rules.projects``)."""

    table: Annotated[tuple[Project, ...], Field(min_length=1)]
    sites: tuple[ProjectSite, ...] = ()
    land_allocation: Flag = True  # false: site the projects alone, no continuous x[u,k]
    investment_budget_100m_yuan: NonNegative | None = None
    max_per_unit: Count | None = None  # every unit
    count_max: dict[Id, Count] = {}  # by unit or zone id
    count_min: dict[Id, Count] = {}


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
