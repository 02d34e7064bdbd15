"""Dual control of energy: a cap on total energy use and on energy use per unit of output.

Over every variable v with an energy or output effect (g_v tce, o_v 100 million yuan per unit of
v; retirements count with their negative effects), city-wide and optionally per zone z:

    energy_total:             Σ_v g_v · v ≤ G · 10⁶                          (tce)
    energy_intensity:         Σ_v (g_v − I · 10⁴ · o_v) · v ≤ 0               (tce)
    energy_total[z], energy_intensity[z]:  the same over the variables in zone z

G is the cap in Mt of standard coal equivalent per year; I the intensity cap in tce per 10,000
yuan of output (o_v is in 100 million yuan = 10⁴ × 10,000 yuan), so the intensity row says
Σ g·v ≤ I · (output in 10,000 yuan): linear, with no division. Its shadow price is the gain from
one more tce allowed above the intensity-capped amount.

Scenario section ``energy`` (off while both caps are null)::

    energy:
      total_mtce: 5.0
      intensity_tce_per_10k_yuan: 0.025
      by_zone:
        new_area: {intensity_tce_per_10k_yuan: 0.03}
"""

from __future__ import annotations

import pandas as pd

from ..core.units import TCE_PER_MTCE, TEN_THOUSAND_YUAN_PER_100M
from ..schema.types import Id, NonNegative, Settings
from .family import with_prices


class EnergyCaps(Settings):
    total_mtce: NonNegative | None = None  # Mt of standard coal equivalent per year
    intensity_tce_per_10k_yuan: NonNegative | None = None  # per 10,000 yuan of output


class EnergyControl(EnergyCaps):
    """Dual control of energy: total and intensity, city-wide and per zone (``rules.energy``)."""

    by_zone: dict[Id, EnergyCaps] = {}


FAMILY = "energy"


def _scopes(scenario):
    """(suffix, where, caps) for the city and each zone with caps."""
    energy = scenario.energy
    yield "", "city-wide", None, energy
    for zone, caps in energy.by_zone.items():
        yield f"[{zone}]", f"in zone {zone}", zone, caps


def add_constraints(builder) -> None:
    variables = builder.variables
    active = variables[(variables["energy"] != 0) | (variables["output"] != 0)]
    for suffix, where, zone, caps in _scopes(builder.scenario):
        rows = active if zone is None else active[active["zone"] == zone]
        if caps.total_mtce is not None:
            builder.add_terms(
                f"energy_total{suffix}",
                FAMILY,
                rows["energy"],
                "<=",
                caps.total_mtce * TCE_PER_MTCE,
                "tce",
                f"energy cap of {caps.total_mtce:g} Mt of standard coal equivalent {where}",
            )
        cap = caps.intensity_tce_per_10k_yuan
        if cap is not None:
            builder.add_terms(
                f"energy_intensity{suffix}",
                FAMILY,
                rows["energy"] - cap * TEN_THOUSAND_YUAN_PER_100M * rows["output"],
                "<=",
                0.0,
                "tce",
                f"energy-intensity cap of {cap:g} tce per 10,000 yuan of output {where}",
            )


def tables(result) -> dict[str, pd.DataFrame]:
    scopes = [s for s in _scopes(result.scenario) if s[3].total_mtce is not None or s[3].intensity_tce_per_10k_yuan is not None]
    if not scopes:
        return {}
    totals = result.contributions.groupby("zone")[["energy_tce", "output_100m_yuan"]].sum()
    rows = []
    for suffix, where, zone, caps in scopes:
        use, output = totals.sum() if zone is None else totals.reindex([zone]).fillna(0.0).iloc[0]
        for limit, value in (("total", caps.total_mtce), ("intensity", caps.intensity_tce_per_10k_yuan)):
            if value is None:
                continue
            rows.append(
                {
                    "scope": "city" if zone is None else zone,
                    "limit": limit,
                    "energy_tce": use,
                    "output_100m_yuan": output,
                    "intensity_tce_per_10k_yuan": use / (output * TEN_THOUSAND_YUAN_PER_100M) if output else None,
                    "cap": value,
                    "cap_unit": "Mt standard coal equivalent" if limit == "total" else "tce per 10,000 yuan",
                    "constraint": f"energy_{limit}{suffix}",
                }
            )
    return {"energy_control": with_prices(result, pd.DataFrame(rows))}


def units_apart(scenario) -> set[str]:
    """None: caps are city- or zone-wide."""
    return set()
