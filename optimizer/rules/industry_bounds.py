"""Industry bounds: each industry's city-wide land stays within its market size.

    industry_min[k]:  Σ_u x[u,k] ≥ lo_k        (km²)
    industry_max[k]:  Σ_u x[u,k] ≤ hi_k

lo_k, hi_k are the ``min_km2`` / ``max_km2`` columns of the industries table (blank: no bound).
A minimum for an industry no zone admits yields a row with no terms, which makes the scenario
infeasible, as it should.
"""

from __future__ import annotations

FAMILY = "industry_bounds"


def add_constraints(builder) -> None:
    pairs = builder.pairs
    for industry in builder.scenario.industries:
        mine = pairs.index[pairs["industry"] == industry.id].to_numpy()
        for bound, sense, value in (("min", ">=", industry.min_km2), ("max", "<=", industry.max_km2)):
            if value is None or (bound == "min" and value == 0):
                continue
            builder.add(
                f"industry_{bound}[{industry.id}]",
                FAMILY,
                mine,
                [1.0] * len(mine),
                sense,
                value,
                "km2",
                f"{'minimum' if bound == 'min' else 'maximum'} land for {industry.id} city-wide",
            )
