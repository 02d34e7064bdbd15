"""Site preference: the data's tie-break between pairs the objective values alike (docs/sites-model.md §7).

Parks with the same zone, leading industries and multiplier, or remainders that differ only in
land, are interchangeable: the solver's pivoting, not the data, would pick among them. This
family ranks every admitted pair (u,k) by the key, best last (notation of ``optimizer.rules.sites``):

    (k ∈ Λ(u)) > (k ∈ P(Λ(u))) > μ[u,k] > (H(u), for industries that need a node or a port)
    > Q_u > L_u > unit id > industry id

(ids alphabetically, so that the order is total), r[u,k] ∈ {1…N} for N admitted pairs, and gives
each a bonus in the objective (as a negative penalty, so it never counts in any criterion):

    bonus[u,k] = δ · (r[u,k] / N)²      per km², δ = ``per_km2`` (objective units per km²)

Among plans of equal objective the bonus prefers the higher-ranked pairs. The square matters: a
bonus additive in the ranks (a_u + b_k) is the same for every plan with the same land per unit and
per industry, so it cannot choose which of two alike units takes which industry; the square's
cross term does (the better unit takes the better industry). The ranks differ, so the preferred
plan is one plan in practice (an LP optimum is unique when no reduced cost is zero). A plan with
bonus can lose at most δ · Σ_u L_u of the true optimum (the bonus it could
win at most), and the reported objective includes the bonus, at most δ · Σ_u x[u,·] more than
the output of the plan: with δ = 10⁻³ (100m yuan per km², i.e. 100,000 yuan) and the default's
under 250 km² allocated, under 0.25 (100m yuan), 10⁻⁵ of its objective; on the default, 0.09.
The smallest swap gain, 2δ/N² per km² (2.6 · 10⁻⁸ for the default's 254 pairs, times the km²
swapped), is what the solvers must see: HiGHS and CBC agree on every pair of the default to
10⁻⁷ km² (``tests/test_sites_default.py``).

Scenario section ``site_preference`` (off when absent): ``site_preference: {per_km2: 1.0e-3}``.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from ..schema.types import Settings
from . import agglomeration, site_attributes


class SitePreference(Settings):
    """The tie-break: a tiny bonus per km² by a documented ranking of the pairs (``rules.site_preference``)."""

    per_km2: Annotated[float, Field(gt=0, le=0.01, allow_inf_nan=False)] = 1e-3  # objective units per km², at most


FAMILY = "site_preference"


def ranks(scenario, pairs: pd.DataFrame) -> dict[str, int]:
    """r[u,k] for each pair given, by name (1: least preferred)."""
    site = site_attributes.attributes(scenario).reindex(pairs["unit"].to_numpy())
    needs = set()
    if scenario.site_admission is not None:
        needs = set(scenario.site_admission.needs_node) | set(scenario.site_admission.needs_port)
    industry = pairs["industry"].to_numpy()
    key = pd.DataFrame({
        "leading": [k in lead for k, lead in zip(industry, site["leading"])],
        "partner": [k in p for k, p in zip(industry, site["partners"])],
        "mu": agglomeration.multipliers(scenario, pairs),
        "node": site["node"].to_numpy(dtype=bool) & np.isin(industry, list(needs)),
        "output": site["output"].to_numpy(dtype=float),
        "land": site["land_km2"].to_numpy(dtype=float),
        "unit": pairs["unit"].to_numpy(dtype=object),
        "industry": industry,
    })
    order = key.sort_values(list(key.columns), kind="stable").index.to_numpy()
    rank = np.empty(len(key), dtype=int)
    rank[order] = np.arange(1, len(key) + 1)
    return dict(zip(pairs["name"], rank.tolist()))


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with their bonus (a negative penalty); none is removed."""
    rule = scenario.site_preference
    if rule is None or pairs.empty:
        return pairs
    rank = pairs["name"].map(ranks(scenario, pairs)).to_numpy(dtype=float)
    return pairs.assign(penalty=pairs["penalty"].to_numpy() - rule.per_km2 * (rank / len(pairs)) ** 2)


def add_constraints(builder) -> None:
    """None: the preference changes objective coefficients only."""


def units_apart(scenario) -> set[str]:
    """Every unit when on: each pair's bonus is its own, so no two units are alike."""
    return set() if scenario.site_preference is None else {unit.id for unit in scenario.units}
