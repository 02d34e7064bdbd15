"""Agglomeration: a park's leading industries, and their chain partners, yield more per km²
(docs/sites-model.md §5: the C-P-P mode's chain docking with the cluster already there).

For a park u (notation of ``optimizer.rules.sites``) and industry k:

    μ[u,k] = min(μ_max, 1 + a + g · log2(1 + Q_u / Q0))   if k ∈ Λ(u)
    μ[u,k] = 1 + b                                        if k ∈ P(Λ(u))
    μ[u,k] = 1                                            otherwise, and in every unit that is no park

with Q_u the unit's ``existing_output_100m_yuan`` where its ``output_kind`` is one of
``output_kinds`` (a comparable gross output), else 0. μ multiplies the output coefficient only:

    output[u,k] = o_k · m_u · μ[u,k]        (carbon, energy, jobs, pollutant stay e_k · m_u, …)

so a cluster yields more from the same inputs and its carbon per yuan falls. μ is data, not a
decision: the model stays linear and the family adds no rows. Defaults (assumptions, basis in
docs/sites-model.md §5): a = 0.05, g = 0.02 per doubling, b = 0.02, Q0 = 100 (100m yuan),
μ_max = 1.2.

Scenario section ``agglomeration`` (off when absent; ``{}`` takes the defaults)::

    agglomeration: {leading: 0.05, per_doubling: 0.02, partner: 0.02,
                    reference_output_100m_yuan: 100, max_multiplier: 1.2}
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from ..schema.types import NonNegative, Positive, Settings
from . import site_attributes


class Agglomeration(Settings):
    """Output multiplier of a park's leading industries and their chain partners (``rules.agglomeration``)."""

    leading: NonNegative = 0.05  # a
    per_doubling: NonNegative = 0.02  # g, per doubling of existing output
    partner: NonNegative = 0.02  # b
    reference_output_100m_yuan: Positive = 100.0  # Q0
    max_multiplier: Annotated[float, Field(ge=1, allow_inf_nan=False)] = 1.2  # μ_max
    output_kinds: tuple[str, ...] = ("gross_output", "gross_output_district")  # comparable existing output


FAMILY = "agglomeration"


def multipliers(scenario, pairs: pd.DataFrame) -> np.ndarray:
    """μ[u,k] for each pair given (1 everywhere when the section is off)."""
    rule = scenario.agglomeration
    if rule is None or pairs.empty:
        return np.ones(len(pairs))
    site = site_attributes.attributes(scenario)
    q = np.where(site["output_kind"].isin(rule.output_kinds), site["output"], 0.0)
    leading_mu = np.minimum(rule.max_multiplier, 1 + rule.leading + rule.per_doubling * np.log2(1 + q / rule.reference_output_100m_yuan))
    at = site.index.get_indexer(pairs["unit"].to_numpy())
    park = site["park"].to_numpy(dtype=bool)[at]
    leads = np.array([k in lead for k, lead in zip(pairs["industry"], site["leading"].to_numpy()[at])], dtype=bool)
    partner = np.array([k in p for k, p in zip(pairs["industry"], site["partners"].to_numpy()[at])], dtype=bool)
    mu = np.where(leads, leading_mu[at], np.where(partner, 1 + rule.partner, 1.0))
    return np.where(park, mu, 1.0)


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with their output scaled by μ (no pair is removed)."""
    if scenario.agglomeration is None or pairs.empty:
        return pairs
    return pairs.assign(output=pairs["output"].to_numpy() * multipliers(scenario, pairs))


def add_constraints(builder) -> None:
    """None: the multiplier changes coefficients only."""


def units_apart(scenario) -> set[str]:
    """None: μ reads unit columns, which alike units share."""
    return set()
