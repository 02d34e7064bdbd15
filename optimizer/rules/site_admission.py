"""Site admission: which industries a real site may take (docs/sites-model.md §3).

A pair (u,k) keeps its variable x[u,k] when every test of the section passes (notation of
``optimizer.rules.sites``):

    A1 zone       the zoning admits k in z(u) (``optimizer.rules.zoning``), or, with
                  ``leading_override_zone``, u is a park and k ∈ Λ(u): a park's own leading industries
                  pass whatever its zone's categories and intensity caps say ("点上开发")
    A2 type       k ∈ only_in_unit_types ⇒ τ(u) is one of its types;  k ∈ only_in_parks ⇒ u is a park;
                  τ(u) ∈ unit_type_admits ⇒ k, or its category c(k), is listed for τ(u)
    A3 docking    with ``dock``, a park u takes only k ∈ Λ(u) ∪ P(Λ(u)) ∪ ({logistics} if H(u))
    A4 transport  k ∈ needs_node ⇒ H(u);  k ∈ needs_port ⇒ u names a port or k ∈ Λ(u)

The family adds no rows. Its table ``site_admission`` gives, per unit, the industries admitted
and, for each one left out, the first test that excluded it.

Scenario section ``site_admission`` (off when absent)::

    site_admission:
      leading_override_zone: true
      only_in_unit_types: {chemicals: [chemical_park], finance: [cbd]}
      only_in_parks: [electronics, nev, equipment, auto_parts, supporting_general, consumer_goods,
                      materials, chemicals, clean_energy_equipment]
      unit_type_admits: {cbd: [modern_service], district_remainder: [software_bigdata, design_culture,
                         health, eco_tourism, mountain_agri]}
      dock: true
      needs_node: [logistics]
      needs_port: [materials]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema.types import Id, Settings
from . import site_attributes, zoning
from .pairs import candidate_pairs


class SiteAdmission(Settings):
    """Which industries a site may take, by its type, leading industries and transport (``rules.site_admission``)."""

    leading_override_zone: bool = False  # A1: a park takes its leading industries whatever its zone admits
    only_in_unit_types: dict[Id, tuple[Id, ...]] = {}  # A2: industry -> the only unit types that take it
    only_in_parks: tuple[Id, ...] = ()  # A2: industries only in parks
    unit_type_admits: dict[Id, tuple[Id, ...]] = {}  # A2: unit type -> the industries or categories it takes
    dock: bool = False  # A3: a park takes its leading industries, their partners and logistics at a node
    needs_node: tuple[Id, ...] = ()  # A4: only in units with a port, rail, road or air node
    needs_port: tuple[Id, ...] = ()  # A4: only in units with a port, unless a leading industry there


FAMILY = "site_admission"
LOGISTICS = "logistics"  # the industry A3 lets into a park with a transport node


def exclusions(scenario, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair, the first of A2–A4 that excludes it ("" where none does)."""
    rule = scenario.site_admission
    site = site_attributes.attributes(scenario).reindex(pairs["unit"].to_numpy())
    reason = np.full(len(pairs), "", dtype=object)
    columns = zip(pairs["industry"], pairs["category"], site["unit_type"], site["park"], site["leading"],
                  site["partners"], site["node"], site["port"])
    for i, (k, c, kind, park, lead, partners, node, port) in enumerate(columns):
        if k in rule.only_in_unit_types and kind not in rule.only_in_unit_types[k]:
            reason[i] = f"type: {k} only in {', '.join(rule.only_in_unit_types[k])}"
        elif k in rule.only_in_parks and not park:
            reason[i] = f"type: {k} only in parks"
        elif kind in rule.unit_type_admits and not {k, c} & set(rule.unit_type_admits[kind]):
            reason[i] = f"type: a {kind} takes {', '.join(rule.unit_type_admits[kind])}"
        elif rule.dock and park and k not in lead | partners and not (k == LOGISTICS and node):
            reason[i] = "docking: neither a leading industry, a partner of one, nor logistics at a node"
        elif k in rule.needs_node and not node:
            reason[i] = f"transport: {k} needs a port, rail, road or air node"
        elif k in rule.needs_port and not port and k not in lead:
            reason[i] = f"transport: {k} needs a port unless it leads here"
    return reason


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    if scenario.site_admission is None or pairs.empty:
        return pairs
    return pairs[exclusions(scenario, pairs) == ""]


def add_constraints(builder) -> None:
    """None: admission decides which variables exist."""


def units_apart(scenario) -> set[str]:
    """None: the tests read unit columns, which alike units share."""
    return set()


def tables(result) -> dict[str, pd.DataFrame]:
    scenario = result.scenario
    if scenario.site_admission is None:
        return {}
    pairs = candidate_pairs(scenario)
    by_zone = pairs["name"].isin(zoning.admit(scenario, pairs)["name"]).to_numpy()
    reason = np.where(by_zone, exclusions(scenario, pairs), "zone: not admitted in the unit's zone")
    admitted = set(result.model.pairs["name"])
    rows = []
    for unit, mine in pairs.assign(reason=reason).groupby("unit", sort=False):
        inside = mine["name"].isin(admitted)
        left_out = mine[~inside].assign(reason=mine.loc[~inside, "reason"].replace("", "another family's rule"))
        rows.append({
            "unit": unit,
            "admitted": ", ".join(mine.loc[inside, "industry"]),
            "excluded": "; ".join(f"{reason}: {', '.join(group['industry'])}"
                                  for reason, group in left_out.groupby("reason", sort=False)),
        })
    return {"site_admission": pd.DataFrame(rows)}
