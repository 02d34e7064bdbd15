"""What the site families read of each unit: its type, park, leading industries and their chain
partners, transport nodes, existing output and district (the meaning of each is in
``optimizer/rules/sites.py``)."""

from __future__ import annotations

import pandas as pd

NODES = {"port": "port", "rail_hub": "rail", "road_hub": "road", "airport": "air"}


def _text(units: pd.DataFrame, column: str) -> pd.Series:
    if column not in units:
        return pd.Series("", index=units.index)
    return units[column].fillna("").astype(str).str.strip()


def _adcodes(units: pd.DataFrame) -> pd.Series:
    """The units' district codes as text (the units table reads them as numbers: a blank makes them floats)."""
    if "adcode" not in units:
        return pd.Series("", index=units.index)
    return units["adcode"].map(lambda code: "" if pd.isna(code) else str(int(code)))


def attributes(scenario) -> pd.DataFrame:
    """Per unit: type, park, leading (frozenset), partners (frozenset), node ids, hub flag, Q, riverside."""
    units = scenario.table("units")
    settings = scenario.sites
    frame = pd.DataFrame(index=units.index)
    frame["unit_type"] = _text(units, "unit_type")
    frame["park"] = ~frame["unit_type"].isin(settings.non_park_types) & frame["unit_type"].ne("")
    frame["leading"] = [frozenset(k.strip() for k in text.split(";") if k.strip()) for text in _text(units, "leading_industries")]
    partners = partner_sets(scenario)
    frame["partners"] = [frozenset().union(*(partners.get(k, set()) for k in lead)) - lead for lead in frame["leading"]]
    for column in NODES:
        frame[column] = _text(units, column)
    frame["port_class"] = _text(units, "port_class")
    frame["node"] = frame[list(NODES)].ne("").any(axis=1)
    frame["output"] = pd.to_numeric(_text(units, "existing_output_100m_yuan"), errors="coerce").fillna(0.0)
    frame["output_kind"] = _text(units, "output_kind")
    frame["riverside"] = _text(units, "riverside_transfer_2011").eq("yes")
    frame["adcode"] = _adcodes(units)
    frame["land_km2"] = units["land_km2"].astype(float)
    return frame


def partner_sets(scenario) -> dict[str, set[str]]:
    """P(k): the chain partners of each industry, both ways."""
    partners: dict[str, set[str]] = {}
    for pair in scenario.sites.chain_partners if scenario.sites else ():
        partners.setdefault(pair.industry, set()).add(pair.partner)
        partners.setdefault(pair.partner, set()).add(pair.industry)
    return partners
