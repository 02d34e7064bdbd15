"""Resources besides land: water, energy supply, labour… that units have and industries use per km².

Resource ρ names a capacity column of the units table (R_u^ρ; blank: no limit) and a use column
of the industries table (a_k^ρ per km² at land intensity 1; blank: none). Like every per-km²
coefficient, use scales with the unit's land intensity m_v for the industry (``land_intensity``,
or ``land_intensity_<category>`` where given). A variable v of industry k in unit u that uses
land_v km² (x[u,k], park land, projects; retirements use none) uses land_v·a_k^ρ·m_v, where a
project's m_v is 1: its figures are absolute, and like its blank energy or jobs its use is the
industry's per-km² use × its land:

    resource[ρ,u]:  Σ_{v∈u} land_v · a_{k(v)}^ρ · m_v · v ≤ R_u^ρ          (the resource's own unit)
    resource[ρ]:    Σ_v     land_v · a_{k(v)}^ρ · m_v · v ≤ R^ρ            (optional city total)

Each row's shadow price is what one more unit of the resource there would add to the objective.
The columns are declared here, so the tables accept them (any other unknown column is an error).

Scenario section ``resources`` (off when empty)::

    resources:
      water:
        name: fresh water
        measured_in: 10k m3 per year
        capacity_column: water_10k_m3            # in the units table
        use_column: water_10k_m3_per_km2         # in the industries table
        total: 1500                              # optional city-wide capacity
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..schema.types import Id, Label, NonNegative, Settings
from .family import names, with_prices
from .pairs import land_intensity_at
from .projects import KIND as PROJECT


class Resource(Settings):
    """A capacity besides land that industries use per km² (``rules.resources``)."""

    measured_in: Label  # e.g. "10k m3 per year", "persons"
    capacity_column: Id  # units table: capacity per unit (blank: no limit)
    use_column: Id  # industries table: use per km² at land intensity 1 (blank: none)
    name: Label = ""
    total: NonNegative | None = None  # city-wide capacity


def declared_columns(resources: Any) -> dict[str, set[str]]:
    """The numeric columns a scenario's ``resources`` section adds to the units and industries tables."""
    columns: dict[str, set[str]] = {"units": set(), "industries": set()}
    for resource in (resources or {}).values() if isinstance(resources, Mapping) else ():
        spec = resource.model_dump() if isinstance(resource, BaseModel) else resource
        if isinstance(spec, Mapping):
            for table, key in (("units", "capacity_column"), ("industries", "use_column")):
                if isinstance(spec.get(key), str):
                    columns[table].add(spec[key])
    return columns


FAMILY = "resources"


def _use(scenario, variables: pd.DataFrame, resource) -> pd.Series:
    """Use of the resource per unit of each variable (zeros dropped)."""
    industries = scenario.table("industries")
    per_km2 = pd.to_numeric(industries[resource.use_column], errors="coerce").fillna(0.0)
    rows = variables[(variables["land"] != 0) & (variables["industry"] != "")]
    intensity = np.where(rows["kind"] == PROJECT, 1.0, land_intensity_at(scenario, rows["unit"], rows["industry"]))
    use = rows["land"] * per_km2.reindex(rows["industry"]).to_numpy() * intensity
    return use[use != 0]


def _capacities(scenario, resource) -> pd.Series:
    capacity = pd.to_numeric(scenario.table("units")[resource.capacity_column], errors="coerce")
    return capacity.dropna()


def add_constraints(builder) -> None:
    for resource_id, resource in builder.scenario.resources.items():
        use = _use(builder.scenario, builder.variables, resource)
        title = resource.name or resource_id
        builder.add_grouped(
            FAMILY,
            "unit",
            use.reindex(builder.variables.index, fill_value=0.0),
            "<=",
            _capacities(builder.scenario, resource).to_dict(),
            resource.measured_in,
            name=f"resource[{resource_id},{{key}}]",
            meaning=f"{title} available in {{key}}",
            names=names(builder.scenario, "units"),
        )
        if resource.total is not None:
            builder.add_terms(
                f"resource[{resource_id}]",
                FAMILY,
                use,
                "<=",
                resource.total,
                resource.measured_in,
                f"{title} available city-wide",
            )


def tables(result) -> dict[str, pd.DataFrame]:
    frames = []
    for resource_id, resource in result.scenario.resources.items():
        use = _use(result.scenario, result.model.variables, resource)
        used = (use * result.values[use.index]).groupby(result.model.variables.loc[use.index, "unit"]).sum()
        capacity = _capacities(result.scenario, resource)
        units = sorted(set(used.index) | set(capacity.index))
        frame = pd.DataFrame(
            {
                "resource": resource_id,
                "measured_in": resource.measured_in,
                "unit": units,
                "capacity": capacity.reindex(units).to_numpy(),
                "used": used.reindex(units, fill_value=0.0).to_numpy(),
            }
        )
        if resource.total is not None:
            frame.loc[len(frame)] = [resource_id, resource.measured_in, "city", resource.total, used.sum()]
        frame["used_share"] = frame["used"] / frame["capacity"].where(frame["capacity"] > 0)
        frame["constraint"] = [
            f"resource[{resource_id}]" if unit == "city" else f"resource[{resource_id},{unit}]" for unit in frame["unit"]
        ]
        frames.append(with_prices(result, frame))
    return {"resources": pd.concat(frames, ignore_index=True)} if frames else {}


def units_apart(scenario) -> set[str]:
    """Every unit while any resource is listed: capacities are per unit."""
    return set(scenario.table("units").index) if scenario.resources else set()
