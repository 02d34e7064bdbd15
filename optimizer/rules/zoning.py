"""Concentric Circle zoning: which industries a zone admits, and in what proportions.

Admission (no variable exists for a forbidden pair). For unit u in zone z = z(u) and industry k
of category c(k), x[u,k] exists only if

    c(k) ∈ A_z                                    (the zone admits the category)
    e_k / o_k ≤ ĉ_z    when the zone caps carbon intensity   (t CO2 per 10,000 yuan)
    p_k / o_k ≤ p̂_z    when the zone caps pollutant intensity (kg per 10,000 yuan)

with e_k, p_k, o_k the per-km² carbon, pollutant and output coefficients (an industry with no
output has infinite intensity). Land intensity scales numerator and denominator alike.

Shares, per zone z and category c (land shares, summed over the zone's units):

    share_min[z,c]:  Σ_{u∈z, k} (1[c(k)=c] − s_min) · x[u,k] ≥ 0
    share_max[z,c]:  Σ_{u∈z, k} (1[c(k)=c] − s_max) · x[u,k] ≤ 0

i.e. land of category c ≥ s_min (≤ s_max) × all land allocated in the zone. Unit of the row: km².
The sums run over every land-using variable in the zone (x[u,k] and any other family's, each
weighted by its land use).

With ``site_admission.leading_override_zone`` a park's leading industries are admitted whatever
its zone's rule says (``optimizer.rules.site_admission``, test A1; ``zone_exceptions`` below).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import model_validator

from ..core.units import TEN_THOUSAND_YUAN_PER_100M
from ..schema.types import Id, Invalid, NonNegative, Settings, Share
from . import site_attributes
from .family import names


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


FAMILY = "zoning"


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    admitted = np.zeros(len(pairs), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        output_10k_yuan = pairs["output"].to_numpy() * TEN_THOUSAND_YUAN_PER_100M
        carbon_intensity = np.where(pairs["carbon"] > 0, pairs["carbon"] / output_10k_yuan, 0.0)
        pollutant_intensity = np.where(pairs["pollutant"] > 0, pairs["pollutant"] * 1000 / output_10k_yuan, 0.0)
    for zone, rule in scenario.zoning.items():
        ok = (pairs["zone"] == zone).to_numpy() & pairs["category"].isin(rule.admits).to_numpy()
        if rule.max_carbon_intensity_t_per_10k_yuan is not None:
            ok &= carbon_intensity <= rule.max_carbon_intensity_t_per_10k_yuan
        if rule.max_pollutant_intensity_kg_per_10k_yuan is not None:
            ok &= pollutant_intensity <= rule.max_pollutant_intensity_kg_per_10k_yuan
        admitted |= ok
    admitted |= zone_exceptions(scenario, pairs)  # a park's leading industries (when on)
    return pairs if admitted.all() else pairs[admitted]


def add_constraints(builder) -> None:
    variables = builder.variables
    land = variables["land"].to_numpy()
    zone_names = names(builder.scenario, "zones")
    for zone, rule in builder.scenario.zoning.items():
        in_zone = np.flatnonzero((variables["zone"] == zone).to_numpy() & (land != 0))
        for bound, sense, shares in (("min", ">=", rule.share_min), ("max", "<=", rule.share_max)):
            for category, share in shares.items():
                of_category = (variables["category"] == category).to_numpy()[in_zone]
                coefficients = land[in_zone] * (of_category.astype(float) - share)
                builder.add(
                    f"share_{bound}[{zone},{category}]",
                    FAMILY,
                    in_zone,
                    coefficients,
                    sense,
                    0.0,
                    "km2",
                    f"{category.replace('_', ' ')} takes {'at least' if bound == 'min' else 'at most'} {share:.0%} "
                    f"of the land allocated in {zone_names.get(zone, zone)}",
                )


def describe_change(model, constraint, by: float, values) -> str | None:
    """A share rule's needed change as a share: the row counts km², the planner states a fraction.

    With the land T the zone receives and the land C of the category in the elastic plan, the
    rule holds at a share of C / T.
    """
    if not constraint.name.startswith("share_"):
        return None
    zone, category = constraint.name[constraint.name.index("[") + 1 : -1].split(",")
    placed = model.variables.iloc[constraint.positions]
    land = placed["land"].to_numpy() * values[constraint.positions]
    total = float(land.sum())
    if total <= 0:
        return None
    share = float(land[(placed["category"] == category).to_numpy()].sum()) / total
    at_least = constraint.sense == ">="
    return (
        f"the {'minimum' if at_least else 'maximum'} share of {category} in zone {zone} cannot be met: {by:,.4g} km² of "
        f"{category} land {'short' if at_least else 'too many'} (needs a share {'≤' if at_least else '≥'} {share:.1%} "
        f"of the {total:,.4g} km² the zone then receives)"
    )


def units_apart(scenario) -> set[str]:
    """None: zoning reads a unit's zone and category multipliers only, and shares sum over a zone's units."""
    return set()


def zone_exceptions(scenario, pairs: pd.DataFrame) -> np.ndarray:
    """A1's override: the pairs of a park and one of its leading industries (all False when off)."""
    rule = scenario.site_admission
    if rule is None or not rule.leading_override_zone:
        return np.zeros(len(pairs), dtype=bool)
    site = site_attributes.attributes(scenario).reindex(pairs["unit"].to_numpy())
    leading = [k in lead for k, lead in zip(pairs["industry"], site["leading"])]
    return site["park"].to_numpy(dtype=bool) & np.array(leading, dtype=bool)
