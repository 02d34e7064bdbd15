"""Indicator sharing on the tiny scenario (conftest.py): hi (output 10 per km²) is transferred
from a coastal region that keeps a share of its output; lo (4 per km²) is local. Land only: all
hi, output 150, carbon 7.5 Mt."""

from __future__ import annotations

import pytest

from test_rules import solve


def sharing(share, maximise=False):
    return {
        "indicator_sharing": {
            "maximise_host_output": maximise,
            "industries": {"hi": {"source": "coast", "output_share": share}},
        }
    }


def test_sharing_is_accounting(tmp_path):
    # The plan is unchanged (150); 70 % of hi's output is credited to the coast: 105, host 45.
    result = solve(tmp_path, sharing(0.7))
    assert result.objective == pytest.approx(150)
    by_industry = result.family_tables["indicator_sharing"].set_index("industry").loc["hi"]
    assert by_industry["source"] == "coast"
    assert by_industry["source_credited_100m_yuan"] == pytest.approx(105)
    assert by_industry["host_credited_100m_yuan"] == pytest.approx(45)
    city = result.family_tables["host_credited_output"].set_index("zone").loc["city"]
    assert city["host_credited_100m_yuan"] == pytest.approx(45)
    assert city["carbon_t"] == pytest.approx(7.5e6)  # the host city counts all of the carbon
    assert city["host_credited_yuan_per_t_co2"] == pytest.approx(45e8 / 7.5e6)


@pytest.mark.parametrize(
    "share,objective,output",
    [
        (0.5, 75, 150),  # hi keeps 10·0.5 = 5 > 4 for the host: all hi, host gets 75
        (0.7, 60, 60),  # hi keeps 3 < 4: all lo, host gets all 60
    ],
)
def test_maximising_host_credited_output(tmp_path, share, objective, output):
    result = solve(tmp_path, sharing(share, maximise=True))
    assert result.objective == pytest.approx(objective)
    assert result.kpis["output_100m_yuan"] == pytest.approx(output)
