"""Real sites: the attributes of each planning unit that the site families read, and why each won.

A units table of real sites (``inputs/chongqing/sites.csv``, docs/sites-model.md §1) gives every
unit u, besides its land L_u, a type τ(u) (``unit_type``), its leading industries Λ(u)
(``leading_industries``, ids separated by ``;``), its existing output Q_u
(``existing_output_100m_yuan`` of kind ``output_kind``), its transport nodes (``port``,
``port_class``, ``rail_hub``, ``road_hub``, ``airport``), its district (``adcode``) and its zone
under each framework (``zone_2013``, ``zone_2020``). The partners P(k) of industry k come from
the section's ``chain_partners`` (read both ways); P(Λ) = ∪_{k∈Λ} P(k) \\ Λ. H(u) is true when u
names a node. A park is a unit whose type is not one of ``non_park_types``.

This family adds no variable and no row. Loading reads ``zone_column`` into each unit's zone (the
framework: ``zone_2013`` or ``zone_2020``) and ``land_intensity`` (zone → m_z) into its land
intensity. Its table ``why_here`` lists every allocated pair (u,k) with the reasons it is there
(``leading``, ``partner:<leading industries>``, ``multiplier:<μ>``, ``port:<id>`` / ``rail:<id>`` /
``road:<id>`` / ``air:<id>``, ``land:<used>/<available>``, ``zone:<zone>``, ``tie_break:<rank>``),
the land row's shadow price, and the district's statistics (GDP, industrial output, population,
CO2, each with its year) joined by ``adcode``.

Scenario section ``sites``::

    sites:
      zone_column: zone_2013
      land_intensity: {core: 1.5, extension: 1.5, new_area: 1.0, northeast: 0.7, southeast: 0.7}
      districts: chongqing/districts.csv
      chain_partners: chongqing/chain_partners.csv
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema.tables import ChainPartner, District
from ..schema.types import Id, Positive, Settings
from . import agglomeration, site_preference
from .family import values_of
from .site_attributes import NODES, attributes, partner_sets


class SitesSettings(Settings):
    """A table of real sites: its framework's zone column, zone land intensities, district statistics
    and chain partners (``rules.sites``)."""

    zone_column: Id | None = None  # the units' zone column, e.g. zone_2013 or zone_2020 (read at loading)
    land_intensity: dict[Id, Positive] = {}  # zone -> every unit's land intensity there (read at loading)
    non_park_types: tuple[Id, ...] = ("cbd", "district_remainder")  # unit types that are not parks
    districts: tuple[District, ...] = ()
    chain_partners: tuple[ChainPartner, ...] = ()


FAMILY = "sites"


def add_constraints(builder) -> None:
    """None: the site attributes act through the admission, agglomeration and intake families."""


def units_apart(scenario) -> set[str]:
    """None: it adds no row or variable."""
    return set()


DISTRICT_COLUMNS = {
    "district_gdp_100m_yuan": "gdp_100m_yuan", "district_gdp_year": "gdp_year",
    "district_industrial_output_100m_yuan": "industrial_output_100m_yuan",
    "district_industrial_output_year": "industrial_output_year",
    "district_population": "population_2020_census", "district_co2_2017_mt": "co2_2017_mt",
}


def tables(result) -> dict[str, pd.DataFrame]:
    scenario = result.scenario
    if scenario.sites is None:
        return {}
    placed = values_of(result, "land")
    placed = placed[placed["value"] > 1e-9]
    site = attributes(scenario)
    units = scenario.table("units")
    multiplier = agglomeration.multipliers(scenario, placed) if scenario.agglomeration else np.ones(len(placed))
    ranks = site_preference.ranks(scenario, result.model.pairs) if scenario.site_preference else None
    used = placed.assign(km2=placed["value"] * placed["land"]).groupby("unit")["km2"].sum()
    prices = result.constraints.set_index("name")["shadow_price"]
    districts = pd.DataFrame([d.model_dump() for d in scenario.sites.districts])
    rows = []
    for (_, pair), mu in zip(placed.iterrows(), multiplier):
        u, k = pair["unit"], pair["industry"]
        at = site.loc[u]
        reasons = []
        if k in at["leading"]:
            reasons.append("leading")
        elif at["park"] and k in at["partners"]:
            reasons.append("partner:" + "+".join(sorted(lead for lead in at["leading"] if k in partner_sets(scenario).get(lead, ()))))
        if mu > 1:
            reasons.append(f"multiplier:{mu:.3f}")
        if k in _node_industries(scenario):
            reasons += [f"{NODES[c]}:{at[c]}" for c in NODES if at[c]]
        reasons.append(f"land:{used[u]:.3g}/{at['land_km2']:.3g}")
        reasons.append(f"zone:{pair['zone']}")
        if ranks is not None:
            reasons.append(f"tie_break:{ranks.get(pair['name'], 0)}")
        row = {
            "unit": u, "name": units.at[u, "name"], "district": units.get("district", pd.Series("", index=units.index))[u],
            "adcode": at["adcode"], "zone": pair["zone"], "unit_type": at["unit_type"], "industry": k,
            "land_km2": pair["value"] * pair["land"], "output_100m_yuan": pair["value"] * pair["output"],
            "multiplier": mu, "reasons": "; ".join(reasons),
            "land_shadow_price": float(prices.get(f"land[{u}]", 0.0)),
        }
        match = districts[districts["adcode"] == at["adcode"]] if len(districts) else districts
        for column, source in DISTRICT_COLUMNS.items():
            row[column] = match[source].iloc[0] if len(match) else None
        rows.append(row)
    return {"why_here": pd.DataFrame(rows)}


def _node_industries(scenario) -> set[str]:
    admission = scenario.site_admission
    return set(admission.needs_node) | set(admission.needs_port) if admission else set()
