"""The candidate pairs: every (unit, industry) land variable x[u,k] with its effects, and the land
intensity m[u,k] that scales them. The model compiles from them and rule families read them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.criteria import criteria_of
from ..schema.tables import INTENSITY_PREFIX



def candidate_pairs(scenario) -> pd.DataFrame:
    """Every (unit, industry) land variable x[u,k], its effects scaled by the unit's land intensity."""
    units = scenario.table("units")
    industries = scenario.table("industries")
    unit_at = np.repeat(np.arange(len(units)), len(industries))  # pair → its unit's row, industry's row
    industry_at = np.tile(np.arange(len(industries)), len(units))
    unit_ids = _gathered(units.index.to_numpy(dtype=object), unit_at)
    industry_ids = _gathered(industries.index.to_numpy(dtype=object), industry_at)
    intensity = land_intensity(units, industries["category"]).to_numpy().ravel()
    columns = {
        "name": pair_names(unit_ids, industry_ids),
        "kind": "land",
        "unit": unit_ids,
        "zone": _gathered(units["zone"].to_numpy(dtype=object), unit_at),
        "industry": industry_ids,
        "category": _gathered(industries["category"].to_numpy(dtype=object), industry_at),
        "lower": 0.0,
        "upper": np.inf,
        "integer": False,
    }
    for criterion in criteria_of(scenario).values():
        if criterion.column is None:
            columns[criterion.name] = 1.0
        else:
            columns[criterion.name] = np.tile(industries[criterion.column].to_numpy(dtype=float), len(units)) * intensity
    columns["penalty"] = 0.0
    return pd.DataFrame(columns)


TEXT = pd.Series(["text"]).dtype  # how this pandas keeps text: in Arrow from pandas 3 on ("str")


def _gathered(values: np.ndarray, at: np.ndarray):
    """values[at] as a text column. Where pandas keeps text in Arrow, Arrow gathers it from the
    few distinct values: 800,000 pairs' places without converting 800,000 Python strings."""
    if getattr(TEXT, "storage", None) != "pyarrow":
        return values[at]
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string()).take(at), dtype=TEXT)


def pair_names(unit_ids, industry_ids):
    """x[u,k] for every pair (joined by Arrow where the ids are in Arrow)."""
    if isinstance(unit_ids, np.ndarray):
        return [f"x[{u},{k}]" for u, k in zip(unit_ids.tolist(), industry_ids.tolist())]
    import pyarrow as pa
    import pyarrow.compute as pc

    text = [pa.scalar(part, pa.large_string()) for part in ("x[", ",", "]", "")]
    joined = pc.binary_join_element_wise(text[0], pa.array(unit_ids), text[1], pa.array(industry_ids), text[2], text[3])
    return pd.array(joined, dtype=TEXT)


def land_intensity(units: pd.DataFrame, categories: pd.Series) -> pd.DataFrame:
    """m[u,k]: unit u's multiplier for industry k (a unit × industry table).

    A unit's ``land_intensity_<category>`` column, where given, applies to industries of that
    category; elsewhere its ``land_intensity`` does.
    """
    general = units["land_intensity"].to_numpy(dtype=float)
    table = np.repeat(general[:, None], len(categories), axis=1)
    for j, category in enumerate(categories):
        column = INTENSITY_PREFIX + category
        if column in units:
            specific = units[column].to_numpy(dtype=float)
            table[:, j] = np.where(np.isnan(specific), general, specific)
    return pd.DataFrame(table, index=units.index, columns=categories.index)


def land_intensity_at(scenario, unit_ids, industry_ids) -> np.ndarray:
    """m[u,k] for each (unit, industry) pair given: ``land_intensity`` read as above."""
    table = land_intensity(scenario.table("units"), scenario.table("industries")["category"])
    return table.to_numpy()[table.index.get_indexer(unit_ids), table.columns.get_indexer(industry_ids)]
