"""Land: no unit gives out more land than it has available.

    land[u]:  Σ_{v in u} land_v · v ≤ L_u        (km²)

over the variables v placed in unit u that use land: the x[u,k] (land_v = 1) and any that other
families add. Units with no admitted industry get no row.
"""

from __future__ import annotations

FAMILY = "land"


def add_constraints(builder) -> None:
    units = builder.scenario.table("units")
    builder.add_grouped(
        FAMILY,
        "unit",
        "land",
        "<=",
        units["land_km2"].to_dict(),
        "km2",
        name="land[{key}]",
        meaning="land available in {key}",
    )
