"""Pollution charges (the seeds' "low-carbon development mode"): emissions above a zone's standard
are allowed, but charged, and the charge is deducted from the objective.

Zone z has a pollutant standard S_z (t per year). The excess above it is charged in tiers: tier t
covers loads from a_{t−1}·S_z to a_t·S_z (a_0 = 1, a_t the tier's ``up_to``; the last tier may
have no end) at the base charge β (yuan per t) times the tier's multiple μ_t, with
μ_1 ≤ μ_2 ≤ …: the charge is piecewise linear and convex in the load. Variables (kind
``charge``): e[z,t] ≥ 0, t of the excess charged in tier t, with upper bound (a_t − a_{t−1})·S_z
and penalty β·μ_t (in 100 million yuan per t, the objective's units):

    pollution_standard[z]:  Σ_{v∈z} p_v · v − Σ_t e[z,t] ≤ S_z       (t per year)

p_v is a variable's pollutant effect (negative for retirements). Because the multiples do not
decrease, filling a cheaper tier first is always optimal, so no binaries are needed; at the
optimum Σ_t e[z,t] = max(0, load − S_z) and the charge is Σ_t β·μ_t·e[z,t]. A last tier with an
``up_to`` makes a_T·S_z a hard limit (the total-amount limit). The shadow price of the row is the
marginal charge: the yuan one more t of standard would save. The charge is money, so it needs the
output objective (the scenario says so otherwise).

Scenario section ``pollution_charges`` (off while ``standards_t`` is empty)::

    pollution_charges:
      base_charge_yuan_per_t: 3500
      standards_t: {new_area: 15000, northeast: 800}
      tiers:                              # multiples of the standard; multiples of the base charge
        - {up_to: 1.5, multiple: 1}
        - {up_to: 2, multiple: 2}
        - {multiple: 4}
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..core.units import YUAN_PER_100M
from ..schema.types import Id, NonNegative, Positive, Settings
from .family import names, values_of, with_prices


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


FAMILY = "pollution_charges"


def _tiers(settings) -> pd.DataFrame:
    """One row per (zone, tier) with a width: the e[z,t] variables."""
    starts = [1.0, *[tier.up_to for tier in settings.tiers[:-1]]]
    rows = []
    for zone, standard in settings.standards_t.items():
        for number, (start, tier) in enumerate(zip(starts, settings.tiers), start=1):
            width = np.inf if tier.up_to is None else (tier.up_to - start) * standard
            if width > 0:
                rate = settings.base_charge_yuan_per_t * tier.multiple
                rows.append({"name": f"e[{zone},{number}]", "zone": zone, "tier": number, "upper": width, "rate": rate})
    return pd.DataFrame(rows, columns=["name", "zone", "tier", "upper", "rate"])


def add_variables(builder) -> None:
    tiers = _tiers(builder.scenario.pollution_charges)
    if not tiers.empty:
        builder.add_variables("charge", tiers.assign(penalty=tiers["rate"] / YUAN_PER_100M))


def add_constraints(builder) -> None:
    variables = builder.variables
    charged = variables[variables["kind"] == "charge"]
    polluting = variables[variables["pollutant"] != 0]
    zone_names = names(builder.scenario, "zones")
    for zone, standard in builder.scenario.pollution_charges.standards_t.items():
        excess = charged[charged["zone"] == zone]
        load = polluting[polluting["zone"] == zone]
        builder.add(
            f"pollution_standard[{zone}]",
            FAMILY,
            np.concatenate([excess.index.to_numpy(), load.index.to_numpy()]),
            np.concatenate([-np.ones(len(excess)), load["pollutant"].to_numpy()]),
            "<=",  # load − excess ≤ standard: relaxing it raises the standard
            standard,
            "t",
            f"pollutant standard of {standard:g} t for {zone_names.get(zone, zone)} (the load above it is charged)",
        )


def tables(result) -> dict[str, pd.DataFrame]:
    settings = result.scenario.pollution_charges
    if not settings.standards_t:
        return {}
    tiers = _tiers(settings)
    tiers["excess_t"] = values_of(result, "charge")["value"].to_numpy(dtype=float)
    tiers["charge_yuan"] = tiers["excess_t"] * tiers["rate"]
    load = result.contributions.groupby("zone")["pollutant_t"].sum()
    zones = list(settings.standards_t)
    table = pd.DataFrame(
        {
            "zone": zones,
            "standard_t": [settings.standards_t[z] for z in zones],
            "pollutant_t": load.reindex(zones, fill_value=0.0).to_numpy(),
        }
    )
    by_tier = tiers.pivot_table(index="zone", columns="tier", values="charge_yuan", aggfunc="sum")
    for tier in by_tier.columns:
        table[f"charge_tier{tier}_yuan"] = by_tier[tier].reindex(zones).fillna(0.0).to_numpy()
    table["excess_t"] = tiers.groupby("zone")["excess_t"].sum().reindex(zones, fill_value=0.0).to_numpy()
    table["charge_yuan"] = tiers.groupby("zone")["charge_yuan"].sum().reindex(zones, fill_value=0.0).to_numpy()
    table["constraint"] = [f"pollution_standard[{z}]" for z in zones]
    return {"pollution_charges": with_prices(result, table)}


def units_apart(scenario) -> set[str]:
    """None: standards and charges are per zone."""
    return set()
