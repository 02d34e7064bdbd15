"""Low-carbon industrial parks: the "C-P-P" mode's physical carriers.

A park p lies in one unit u(p), has its own land capacity C_p (part of the unit's land), admits a
list of industries A_p, and may cap its average carbon intensity at ĉ_p. Variables (kind
``park``): w[p,k] ≥ 0, km² of park p's land given to industry k, for k ∈ A_p that the zoning
admits in u(p) (a park sits inside its zone's rules). w[p,k] carries the same per-km² effects as
x[u(p),k], so the unit's land row, the carbon budget, shares, industry bounds and every other
family count it like any land in u(p).

    park_land[p]:              Σ_k w[p,k] ≤ C_p                                  (km²)
    park_carbon_intensity[p]:  Σ_k (e_k − ĉ_p · 10⁴ · o_k) · m_u · w[p,k] ≤ 0    (t CO2)

the second saying that the park's carbon per 10,000 yuan of output, Σ e·y / (10⁴ Σ o·y), is at
most ĉ_p (o_k in 100 million yuan = 10⁴ × 10,000 yuan). Industries listed in ``only_in_parks``
lose their plain x[u,k] variables everywhere (``admit``), so they can be placed only in parks.

Scenario section ``parks`` (off when it has no sites)::

    parks:
      only_in_parks: [chemicals]
      sites:
        changshou_chem:
          unit: changshou
          name: Changshou chemical park
          land_km2: 2.5
          admits: [chemicals, materials]
          max_carbon_intensity_t_per_10k_yuan: 1.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.units import TEN_THOUSAND_YUAN_PER_100M
from ..schema.types import Id, Ids, Label, NonNegative, Settings
from . import zoning
from .family import values_of, with_prices
from .pairs import candidate_pairs


class Park(Settings):
    """A low-carbon industrial park inside a unit (``rules.parks``)."""

    unit: Id
    name: Label = ""
    land_km2: NonNegative
    admits: Ids  # industries
    max_carbon_intensity_t_per_10k_yuan: NonNegative | None = None  # the park's average


class Parks(Settings):
    sites: dict[Id, Park] = {}
    only_in_parks: tuple[Id, ...] = ()  # industries that may locate only inside parks


FAMILY = "parks"


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs[~pairs["industry"].isin(scenario.parks.only_in_parks)]


def park_variables(scenario) -> pd.DataFrame:
    """One row per w[p,k] (with its ``park``), effects as x[u(p),k]; the zoning decides admission."""
    sites = scenario.parks.sites
    if not sites:
        return pd.DataFrame()
    admitted = zoning.admit(scenario, candidate_pairs(scenario))
    frames = []
    for park_id, park in sites.items():
        here = admitted[(admitted["unit"] == park.unit) & admitted["industry"].isin(park.admits)]
        frames.append(here.assign(park=park_id, name=[f"w[{park_id},{k}]" for k in here["industry"]]))
    return pd.concat(frames, ignore_index=True)


def add_variables(builder) -> None:
    frame = park_variables(builder.scenario)
    if not frame.empty:
        builder.add_variables("park", frame)


def add_constraints(builder) -> None:
    sites = builder.scenario.parks.sites
    if not sites:
        return
    in_parks = builder.variables[builder.variables["kind"] == "park"]
    park_of = park_variables(builder.scenario)["park"].to_numpy()
    for park_id, park in sites.items():
        mine = in_parks[park_of == park_id]
        title = park.name or park_id
        builder.add_terms(
            f"park_land[{park_id}]",
            FAMILY,
            mine["land"],
            "<=",
            park.land_km2,
            "km2",
            f"land of park {title} in {park.unit}",
        )
        cap = park.max_carbon_intensity_t_per_10k_yuan
        if cap is not None:
            builder.add_terms(
                f"park_carbon_intensity[{park_id}]",
                FAMILY,
                mine["carbon"] - cap * TEN_THOUSAND_YUAN_PER_100M * mine["output"],
                "<=",
                0.0,
                "t CO2",
                f"carbon-intensity cap of park {title} ({cap:g} t CO2 per 10,000 yuan of output)",
            )


def tables(result) -> dict[str, pd.DataFrame]:
    sites = result.scenario.parks.sites
    if not sites:
        return {}
    placed = values_of(result, "park")
    placed["park"] = park_variables(result.scenario)["park"].to_numpy()
    for column in ("land", "output", "carbon"):
        placed[column] = placed[column] * placed["value"]
    rows = []
    for park_id, park in sites.items():
        mine = placed[placed["park"] == park_id]
        land, output, carbon = (float(mine[c].sum()) for c in ("land", "output", "carbon"))
        used = mine[mine["value"] > 0]
        rows.append(
            {
                "park": park_id,
                "name": park.name,
                "unit": park.unit,
                "capacity_km2": park.land_km2,
                "land_km2": land,
                "fill": land / park.land_km2 if park.land_km2 else np.nan,
                "output_100m_yuan": output,
                "carbon_t": carbon,
                "carbon_t_per_10k_yuan": carbon / (output * TEN_THOUSAND_YUAN_PER_100M) if output else np.nan,
                "max_carbon_t_per_10k_yuan": park.max_carbon_intensity_t_per_10k_yuan,
                "admitted": ", ".join(mine["industry"]),
                "placed": "; ".join(f"{k} {v:.3g} km²" for k, v in zip(used["industry"], used["land"])),
                "constraint": f"park_land[{park_id}]",
            }
        )
    return {"parks": with_prices(result, pd.DataFrame(rows))}


def units_apart(scenario) -> set[str]:
    """The units that hold a park: their land rows carry the park's land too."""
    return {park.unit for park in scenario.parks.sites.values()}
