"""Industry-chain docking (the "C-P-P" mode's industry supporting): a leading industry brings its
supporting industries with it.

For each chain c with leading industries L_c, supporting industries S_c and ratio r_c, and each
group g it applies in (each zone, the whole city, or each named cluster of units):

    chain[c,g]:  Σ_{v∈g, k(v)∈S_c} land_v · v  −  r_c · Σ_{v∈g, k(v)∈L_c} land_v · v  ≥ 0     (km²)

i.e. supporting land ≥ r_c × leading land within the group. The sums run over every land-using
variable placed in the group (x[u,k], park land, projects), weighted by its land use. A group
where no leading industry can be placed gets no row. The shadow price is what one km² less of
required supporting land would add to the objective.

Scenario section ``industry_chains`` (off when empty)::

    industry_chains:
      nev_parts: {leading: [nev], supporting: [auto_parts], ratio: 0.5}      # within each zone
      west_electronics:
        leading: [electronics]
        supporting: [supporting_general]
        ratio: 0.3
        within: {west: [bishan, yongchuan, jiangjin]}                       # named clusters
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..schema.types import Id, Ids, NonNegative, Settings
from .family import names, with_prices


class IndustryChain(Settings):
    """Industry-chain docking: supporting land ≥ ratio × leading land (``rules.industry_chains``)."""

    leading: Ids
    supporting: Ids
    ratio: NonNegative
    within: Literal["zone", "city"] | dict[Id, Ids] = "zone"  # or named clusters of units


FAMILY = "industry_chains"


def _land_rows(variables: pd.DataFrame) -> pd.DataFrame:
    return variables[(variables["land"] != 0) & (variables["industry"] != "")]


def _groups(variables: pd.DataFrame, within) -> dict[str, pd.Index]:
    """The rows of ``variables`` in each group a chain applies in."""
    if within == "city":
        return {"city": variables.index}
    if within == "zone":
        return {zone: rows.index for zone, rows in variables.groupby("zone", sort=True)}
    return {cluster: variables.index[variables["unit"].isin(members)] for cluster, members in within.items()}


def add_constraints(builder) -> None:
    variables = _land_rows(builder.variables)
    zone_names = {**names(builder.scenario, "zones"), "city": "the city"}  # a cluster keeps its own name
    for chain_id, chain in builder.scenario.industry_chains.items():
        leading = variables["industry"].isin(chain.leading)
        supporting = variables["industry"].isin(chain.supporting)
        coefficients = variables["land"] * (supporting.astype(float) - chain.ratio * leading)
        for group, index in _groups(variables, chain.within).items():
            if not leading[index].any():
                continue
            builder.add_terms(
                f"chain[{chain_id},{group}]",
                FAMILY,
                coefficients[index],
                ">=",
                0.0,
                "km2",
                f"supporting-land requirement of chain {chain_id} in {zone_names.get(group, group)} "
                f"({', '.join(chain.supporting)} ≥ {chain.ratio:g} × {', '.join(chain.leading)})",
            )


def tables(result) -> dict[str, pd.DataFrame]:
    chains = result.scenario.industry_chains
    if not chains:
        return {}
    variables = _land_rows(result.model.variables)
    land = variables["land"] * result.values[variables.index]
    rows = []
    for chain_id, chain in chains.items():
        for group, index in _groups(variables, chain.within).items():
            industry = variables.loc[index, "industry"]
            if not industry.isin(chain.leading).any():
                continue  # no row: the leading industries cannot be placed here
            leading = float(land[index][industry.isin(chain.leading)].sum())
            supporting = float(land[index][industry.isin(chain.supporting)].sum())
            rows.append(
                {
                    "chain": chain_id,
                    "within": group,
                    "leading": ", ".join(chain.leading),
                    "supporting": ", ".join(chain.supporting),
                    "leading_km2": leading,
                    "supporting_km2": supporting,
                    "required_km2": chain.ratio * leading,
                    "ratio_required": chain.ratio,
                    "ratio_achieved": supporting / leading if leading else None,
                    "constraint": f"chain[{chain_id},{group}]",
                }
            )
    columns = ["chain", "within", "leading", "supporting", "leading_km2", "supporting_km2", "required_km2",
               "ratio_required", "ratio_achieved", "constraint"]  # also when no group can take a leader
    return {"industry_chains": with_prices(result, pd.DataFrame(rows, columns=columns))}


def units_apart(scenario) -> set[str]:
    """The units named in a chain's clusters (zone- and city-wide chains name none)."""
    return {unit for chain in scenario.industry_chains.values() if isinstance(chain.within, dict)
            for members in chain.within.values() for unit in members}
