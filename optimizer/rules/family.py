"""Helpers the families share: solution values by kind, the prices of rows, and what a planner calls a zone or unit."""

from __future__ import annotations

import pandas as pd


def values_of(result, kind: str) -> pd.DataFrame:
    """The variables of one kind (in model order) with their solution ``value``."""
    variables = result.model.variables
    rows = variables["kind"] == kind
    return variables[rows].assign(value=result.values[rows.to_numpy()])


def with_prices(result, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the shadow price (and its unit) of the constraint named in its ``constraint`` column.

    A row whose constraint was not built (nothing could be placed there) gets price 0.
    """
    prices = result.constraints.set_index("name")[["shadow_price", "shadow_price_unit"]]
    joined = table.join(prices, on="constraint")
    joined["shadow_price"] = joined["shadow_price"].fillna(0.0)
    joined["shadow_price_unit"] = joined["shadow_price_unit"].fillna("")
    return joined


def prices(result) -> pd.Series:
    """Shadow price of every constraint, by name."""
    return result.constraints.set_index("name")["shadow_price"]


def names(scenario, table: str) -> dict[str, str]:
    """What a planner calls each zone or unit in a limit's meaning: its name, else e.g. 'zone core'."""
    kind = table.removesuffix("s")
    return {key: name.strip() if isinstance(name, str) and name.strip() else f"{kind} {key}"
            for key, name in scenario.table(table)["name"].items()}
