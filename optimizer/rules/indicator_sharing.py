"""Indicator sharing between the region an industry leaves and the region that receives it.

National guidance on orderly industrial transfer lets the source and host regions share the output
value (and tax) of a transferred industry. For each shared industry k, a share σ_k of its output
is credited to its source region; the host city keeps the rest:

    host-credited output = Σ_v (1 − σ_{k(v)}) · o_v · v,    source-credited = Σ_v σ_{k(v)} · o_v · v

over the variables of new industry (output o_v > 0: land, park land, projects; retirements of
existing capacity are not shared). Carbon is accounted where it is emitted: the host city counts
all of it, so the report shows credited output beside the city's full carbon.

This family adds no constraint. It reports the split by industry and by zone; with
``maximise_host_output: true`` the objective becomes the host-credited output, by a penalty of
σ_k · o_v on each shared variable (the output objective minus the output credited away).

Scenario section ``indicator_sharing`` (off while ``industries`` is empty)::

    indicator_sharing:
      maximise_host_output: false
      industries:
        electronics: {source: eastern coastal provinces, output_share: 0.3}
"""

from __future__ import annotations

import pandas as pd

from ..core.units import YUAN_PER_100M
from ..schema.types import Flag, Id, Label, Settings, Share


class SharedIndustry(Settings):
    source: Label = ""  # the region the industry is transferred from
    output_share: Share  # share of its output credited to that region


class IndicatorSharing(Settings):
    """Output credited back to source regions (``rules.indicator_sharing``)."""

    industries: dict[Id, SharedIndustry] = {}
    maximise_host_output: Flag = False  # objective: output credited to the host city


FAMILY = "indicator_sharing"


def _shares(scenario, variables: pd.DataFrame) -> pd.Series:
    """σ of every variable that produces new output (0 for the others)."""
    shares = {k: shared.output_share for k, shared in scenario.indicator_sharing.industries.items()}
    return variables["industry"].map(shares).fillna(0.0).where(variables["output"] > 0, 0.0)


def add_constraints(builder) -> None:
    sharing = builder.scenario.indicator_sharing
    if sharing.industries and sharing.maximise_host_output:
        variables = builder.variables
        variables["penalty"] += _shares(builder.scenario, variables) * variables["output"]


def tables(result) -> dict[str, pd.DataFrame]:
    sharing = result.scenario.indicator_sharing
    if not sharing.industries:
        return {}
    variables = result.model.variables
    output = variables["output"] * result.values
    frame = pd.DataFrame(
        {
            "zone": variables["zone"],
            "industry": variables["industry"],
            "output_100m_yuan": output,
            "source_credited_100m_yuan": _shares(result.scenario, variables) * output,
            "carbon_t": variables["carbon"] * result.values,
        }
    )
    frame["host_credited_100m_yuan"] = frame["output_100m_yuan"] - frame["source_credited_100m_yuan"]
    columns = ["output_100m_yuan", "host_credited_100m_yuan", "source_credited_100m_yuan", "carbon_t"]

    by_industry = frame.groupby("industry")[columns].sum().reindex(list(sharing.industries), fill_value=0.0)
    by_industry.insert(0, "source", [shared.source for shared in sharing.industries.values()])
    by_industry.insert(1, "output_share", [shared.output_share for shared in sharing.industries.values()])

    by_zone = frame[frame["zone"] != ""].groupby("zone")[columns].sum()
    by_zone.loc["city"] = by_zone.sum()
    by_zone["host_credited_yuan_per_t_co2"] = (
        by_zone["host_credited_100m_yuan"] * YUAN_PER_100M / by_zone["carbon_t"].where(by_zone["carbon_t"] > 0)
    )
    return {
        "indicator_sharing": by_industry.rename_axis("industry").reset_index(),
        "host_credited_output": by_zone.rename_axis("zone").reset_index(),
    }


def units_apart(scenario) -> set[str]:
    """None: shares are per industry."""
    return set()
