"""Capacity replacement for "two high" (high energy use, high emission) industries.

New land for a two-high industry must be matched by retiring at least ρ times as much existing
two-high capacity. Existing capacity R[u,k] (km² of industry k operating in unit u) is input;
retiring it is a decision. Variables (kind ``retirement``): r[u,k] ≥ 0, km² of existing industry k
retired in unit u. Retiring one km² removes that km²'s effects at the unit's land intensity m_u
for the industry (``land_intensity_<category>`` where given, else ``land_intensity``),
each times the scenario's multiplier μ for existing capacity (default 1; μ_carbon = 1.2 says an
old works emits 20 % more than a new one of its industry): output −μ_o·o_k·m_u, carbon
−μ_e·e_k·m_u, energy −μ_g·g_k·m_u, jobs −μ_j·j_k·m_u, pollutant −μ_p·p_k·m_u. So it costs output,
and frees carbon budget, energy caps and pollutant standards for other uses.

Retirement does not free land: land_r = 0. The land rows describe land available to new industry
in the planning period; a retired two-high site (often a contaminated works) is not assumed to
be ready for reuse within it. Nor does it count in industry bounds or shares, which are about new
land.

    existing_capacity[u,k]:     r[u,k] ≤ R[u,k]                                        (km²)
    capacity_replacement:       Σ_{u,k} r[u,k] − ρ · Σ_{v: k(v)∈H} land_v · v ≥ 0        (km²)
    capacity_replacement[z]:    the same within zone z (with ``within: zone``)

H is the set of two-high industries; the second sum runs over every variable of a two-high
industry that uses new land (x[u,k], park land, projects). The model may retire more than the
rule requires where that pays, e.g. to free carbon budget for cleaner industry. With every
multiplier 1 and ρ ≥ 1, replacing is a net loss in every criterion unless the new site's land
intensity exceeds the retired one's, so new two-high land appears only where it does.

Scenario section ``capacity_replacement`` (off while ``industries`` is empty)::

    capacity_replacement:
      industries: [materials, chemicals]
      ratio: 1.25
      within: city                  # or zone: retire in the zone that receives the new land
      existing_km2:
        changshou: {chemicals: 3.0}
        qijiang: {materials: 2.0}
      existing_multipliers: {carbon: 1.2, energy: 1.2, pollutant: 1.5}     # optional, default 1
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..core.criteria import criteria_of
from ..schema.types import Id, NonNegative, Settings
from .family import values_of, with_prices
from .pairs import land_intensity_at


class CapacityReplacement(Settings):
    """New "two high" land needs retired existing capacity (``rules.capacity_replacement``)."""

    industries: tuple[Id, ...] = ()  # the "two high" industries
    ratio: NonNegative = 1.0  # km² retired per km² of new two-high land
    within: Literal["city", "zone"] = "city"
    existing_km2: dict[Id, dict[Id, NonNegative]] = {}  # unit -> industry -> km²
    # Per criterion, existing capacity's effect per km² as a multiple of new capacity's (default 1).
    existing_multipliers: dict[Literal["output", "carbon", "energy", "jobs", "pollutant"], NonNegative] = {}


FAMILY = "capacity_replacement"


def add_variables(builder) -> None:
    settings = builder.scenario.capacity_replacement
    stock = [(u, k, km2) for u, by_industry in settings.existing_km2.items() for k, km2 in by_industry.items()]
    if not settings.industries or not stock:
        return
    units = builder.scenario.table("units")
    industries = builder.scenario.table("industries")
    unit_ids, industry_ids, _ = zip(*stock)
    intensity = land_intensity_at(builder.scenario, unit_ids, industry_ids)
    frame = pd.DataFrame(
        {
            "name": [f"r[{u},{k}]" for u, k in zip(unit_ids, industry_ids)],
            "unit": unit_ids,
            "zone": units["zone"].reindex(unit_ids).to_numpy(),
            "industry": industry_ids,
            "category": industries["category"].reindex(industry_ids).to_numpy(),
        }
    )
    for criterion in criteria_of(builder.scenario).values():  # the scenario's indicators too
        if criterion.column is not None:
            old_vs_new = settings.existing_multipliers.get(criterion.name, 1.0)
            frame[criterion.name] = -industries[criterion.column].reindex(industry_ids).to_numpy() * intensity * old_vs_new
    frame["land"] = 0.0  # retiring frees no land (see above)
    builder.add_variables("retirement", frame)


def add_constraints(builder) -> None:
    settings = builder.scenario.capacity_replacement
    if not settings.industries:
        return
    variables = builder.variables
    retirements = variables[variables["kind"] == "retirement"]
    for position, row in zip(retirements.index, retirements.itertuples()):
        builder.add(
            f"existing_capacity[{row.unit},{row.industry}]",
            FAMILY,
            [position],
            [1.0],
            "<=",
            settings.existing_km2[row.unit][row.industry],
            "km2",
            f"existing {row.industry} capacity in {row.unit} that can be retired",
        )
    new = variables[(variables["land"] != 0) & variables["industry"].isin(settings.industries)]
    terms = pd.concat([pd.Series(1.0, index=retirements.index), -settings.ratio * new["land"]])
    groups = {"": terms.index} if settings.within == "city" else variables.loc[terms.index].groupby("zone").groups
    for zone, index in sorted(groups.items()):
        if not variables.loc[index, "land"].any():
            continue  # retirements only: nothing to replace here
        where = "city-wide" if settings.within == "city" else f"in zone {zone}"
        builder.add_terms(
            "capacity_replacement" + (f"[{zone}]" if zone else ""),
            FAMILY,
            terms[index],
            ">=",
            0.0,
            "km2",
            f"replacement requirement {where} (retired two-high capacity ≥ {settings.ratio:g} × new "
            f"{', '.join(settings.industries)} land)",
        )


def tables(result) -> dict[str, pd.DataFrame]:
    settings = result.scenario.capacity_replacement
    if not settings.industries:
        return {}
    retired = values_of(result, "retirement")
    places = list(zip(retired["unit"], retired["industry"]))
    retirements = pd.DataFrame(
        {
            "unit": retired["unit"],
            "zone": retired["zone"],
            "industry": retired["industry"],
            "existing_km2": [settings.existing_km2[u][k] for u, k in places],
            "retired_km2": retired["value"],
            "output_lost_100m_yuan": -retired["output"] * retired["value"],
            "carbon_freed_t": -retired["carbon"] * retired["value"],
            "energy_freed_tce": -retired["energy"] * retired["value"],
            "jobs_lost": -retired["jobs"] * retired["value"],
            "constraint": [f"existing_capacity[{u},{k}]" for u, k in places],
        }
    ).reset_index(drop=True)

    # The rule's balance in each scope: new two-high land, the retirement it requires, and retired.
    contributions = result.contributions
    new = contributions[(contributions["land_km2"] != 0) & contributions["industry"].isin(settings.industries)]
    scope_of = (lambda zones: zones) if settings.within == "zone" else (lambda zones: zones.map(lambda _: "city"))
    new_land = new.groupby(scope_of(new["zone"]))["land_km2"].sum()
    retired_land = retirements.groupby(scope_of(retirements["zone"]))["retired_km2"].sum()
    rows = [c.name for c in result.model.constraints if c.name.startswith("capacity_replacement")]
    scopes = [name.partition("[")[2].rstrip("]") or "city" for name in rows]
    balance = pd.DataFrame({"within": scopes})
    balance["new_two_high_km2"] = new_land.reindex(scopes, fill_value=0.0).to_numpy()
    balance["required_retirement_km2"] = settings.ratio * balance["new_two_high_km2"]
    balance["retired_km2"] = retired_land.reindex(scopes, fill_value=0.0).to_numpy()
    balance["constraint"] = rows
    return {
        "capacity_replacement": with_prices(result, balance),
        "capacity_retirements": with_prices(result, retirements),
    }


def units_apart(scenario) -> set[str]:
    """The units with existing capacity: they have retirement variables of their own."""
    settings = scenario.capacity_replacement
    return set(settings.existing_km2) if settings.industries else set()
