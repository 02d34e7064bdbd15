"""Cross-table checks: every name a section or table uses must be defined, every number in range.

Each check takes the ``Scenario`` being validated (``s``) and raises ``ScenarioError``."""

from __future__ import annotations

import math

import pandas as pd

from ..core.criteria import CRITERIA, criteria_of
from ..core.errors import ScenarioError, listing
from ..rules.projects import ProjectSettings
from ..schema.tables import INTENSITY_PREFIX, TABLES
from ..schema.types import split_ids


def check_references(s) -> None:
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


def _check_criteria(s) -> None:
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


def _check_projects(s, p: ProjectSettings) -> None:
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


def _check_limits(s) -> None:
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


def _check_policy_instruments(s) -> None:
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


def _check_sites(s) -> None:
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
            for industry in split_ids(str(extra.get("leading_industries") or "")):
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


def _check_unit_intensities(s, categories: set[str]) -> None:
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
