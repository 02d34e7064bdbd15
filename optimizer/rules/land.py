"""Land: no unit gives out more land than it has available.

    land[u]:  Σ_{v in u} land_v · v ≤ L_u        (km²)

over the variables v placed in unit u that use land: the x[u,k] (land_v = 1) and any that other
families add. Units with no admitted industry get no row.
"""

from __future__ import annotations

from .family import names

FAMILY = "land"
NAME, MEANING = "land[{key}]", "land available in {key}"  # key: the unit


def add_constraints(builder) -> None:
    units = builder.scenario.table("units")
    builder.add_grouped(
        FAMILY,
        "unit",
        "land",
        "<=",
        units["land_km2"].to_dict(),
        "km2",
        name=NAME,
        meaning=MEANING,
        names=names(builder.scenario, "units"),
    )


def units_apart(scenario) -> set[str]:
    """None: each unit's land row is the one row a class of alike units merges into (optimizer.reduction.scenario_merge)."""
    return set()
