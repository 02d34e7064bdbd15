"""Intake: market bounds on the land the parks take, from sourced totals and shares
(docs/sites-model.md §6, where every figure is derived).

With P_land = Σ_{u park} Σ_k x[u,k] (notation of ``optimizer.rules.sites``; sums over every
land-using variable, weighted by its land use):

    intake[city]:            P_land ≤ I_city                                                  (km²)
    intake[riverside]:       Σ_{u park, riverside} Σ_k x[u,k] ≤ I_riverside                    (km²)
    intake_share[z]:         Σ_{u park, z(u)=z} Σ_k x[u,k] − s_z · P_land ≥ 0                  (km²)
    industry_cap[g]:         Σ_{u park} Σ_{k∈g} x[u,k] ≤ C_g       for each cap g of industries (km²)
    industry_cap[k]:         Σ_{u park} x[u,k] ≤ C_other           for each other industry k placed in parks
    hub_ports_min[k]:        Σ_{u : port_class(u) = hub} x[u,k] ≥ M_k                          (km²)
    hub_share[u]:            Σ_k (1[k = h] − s_h) · x[u,k] ≥ 0      for each unit of type logistics_hub

(the last for each industry h of ``hub_share_min``; its row is named ``hub_share[u,h]``). A row
whose sum has no variable is not built. Shadow prices are in the objective's units per km².

Scenario section ``intake`` (off when absent)::

    intake:
      city_max_km2: 118.4
      riverside_max_km2: 54.3
      zone_share_min: {new_area: 0.475}
      caps: {electronics: {industries: [electronics], max_km2: 32.2}, ...}
      other_industries_max_km2: 29.8
      hub_ports_min_km2: {logistics: 5.77}
      hub_share_min: {logistics: 0.5}
"""

from __future__ import annotations

import pandas as pd

from ..schema.types import Id, Ids, NonNegative, Settings, Share
from . import site_attributes


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


FAMILY = "intake"
HUB_TYPE, HUB_PORT = "logistics_hub", "hub"


def _placed(builder) -> tuple[pd.DataFrame, pd.DataFrame]:
    variables = builder.variables
    rows = variables[(variables["land"] != 0) & (variables["unit"] != "")]
    site = site_attributes.attributes(builder.scenario).reindex(rows["unit"].to_numpy())
    site.index = rows.index
    return rows, site


def add_constraints(builder) -> None:
    rule = builder.scenario.intake
    if rule is None:
        return
    rows, site = _placed(builder)
    land = rows["land"]
    park = site["park"].astype(bool)

    def row(name, mask, coefficients, sense, rhs, meaning):
        terms = coefficients[mask]
        if (terms != 0).any():
            builder.add_terms(name, FAMILY, terms, sense, rhs, "km2", meaning)

    if rule.city_max_km2 is not None:
        row("intake[city]", park, land, "<=", rule.city_max_km2, f"park land of the city at most {rule.city_max_km2:g} km²")
    if rule.riverside_max_km2 is not None:
        row("intake[riverside]", park & site["riverside"].astype(bool), land, "<=", rule.riverside_max_km2,
            f"park land of the Riverside transfer zone at most {rule.riverside_max_km2:g} km²")
    for zone, share in rule.zone_share_min.items():
        row(f"intake_share[{zone}]", park, land * ((rows["zone"] == zone).astype(float) - share), ">=", 0.0,
            f"the parks of {zone} take at least {share:.1%} of all park land")
    capped = set()
    for cap_id, cap in rule.caps.items():
        capped |= set(cap.industries)
        row(f"industry_cap[{cap_id}]", park & rows["industry"].isin(cap.industries), land, "<=", cap.max_km2,
            f"park land of {', '.join(cap.industries)} at most {cap.max_km2:g} km²")
    if rule.other_industries_max_km2 is not None:
        for industry in sorted(set(rows.loc[park, "industry"]) - capped):
            row(f"industry_cap[{industry}]", park & (rows["industry"] == industry), land, "<=",
                rule.other_industries_max_km2, f"park land of {industry} at most {rule.other_industries_max_km2:g} km²")
    hub_port = site["port_class"] == HUB_PORT
    for industry, least in rule.hub_ports_min_km2.items():
        row(f"hub_ports_min[{industry}]", hub_port & (rows["industry"] == industry), land, ">=", least,
            f"land of {industry} at the hub ports at least {least:g} km²")
    hubs = site["unit_type"] == HUB_TYPE
    for industry, share in rule.hub_share_min.items():
        for unit in sorted(set(rows.loc[hubs, "unit"])):
            mine = hubs & (rows["unit"] == unit)
            row(f"hub_share[{unit},{industry}]", mine, land * ((rows["industry"] == industry).astype(float) - share),
                ">=", 0.0, f"{industry} takes at least {share:.0%} of the land allocated in hub {unit}")


def units_apart(scenario) -> set[str]:
    """The logistics hubs, which get rows of their own; the other rows sum over unit columns alike units share."""
    if scenario.intake is None or not scenario.intake.hub_share_min:
        return set()
    site = site_attributes.attributes(scenario)
    return set(site.index[site["unit_type"] == HUB_TYPE])
