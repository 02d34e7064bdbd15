"""Industry bounds: each industry's city-wide land stays within its market size.

    industry_min[k]:  Σ_v land_v · v ≥ lo_k        (km²)
    industry_max[k]:  Σ_v land_v · v ≤ hi_k

over the variables v of industry k that use land (the x[u,k], with land_v = 1, and any that
other families add),
where lo_k, hi_k are the ``min_km2`` / ``max_km2`` columns of the industries table (blank: no bound).
A minimum for an industry no zone admits yields a row with no terms, which makes the scenario
infeasible, as it should.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILY = "industry_bounds"


def add_constraints(builder) -> None:
    land = builder.variables["land"].to_numpy()
    using_land = np.flatnonzero(land != 0)
    codes, ids = pd.factorize(builder.variables["industry"])
    code_of = {industry: code for code, industry in enumerate(ids)}
    for industry in builder.scenario.industries:
        mine = using_land[codes[using_land] == code_of.get(industry.id, -2)]
        for bound, sense, value in (("min", ">=", industry.min_km2), ("max", "<=", industry.max_km2)):
            if value is None or (bound == "min" and value == 0):
                continue
            builder.add(
                f"industry_{bound}[{industry.id}]",
                FAMILY,
                mine,
                land[mine],
                sense,
                value,
                "km2",
                f"{'minimum' if bound == 'min' else 'maximum'} land for {industry.name or industry.id} city-wide",
            )


def units_apart(scenario) -> set[str]:
    """None: bounds are per industry, city- or zone-wide."""
    return set()
