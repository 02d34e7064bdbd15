"""Shared fixtures: a tiny two-zone scenario written to disk as YAML + CSV.

The tiny scenario (all numbers chosen so optima can be worked out on paper):

    zones a, b;  units u1 (zone a, 10 km²), u2 (zone b, 5 km²)
    industries  hi (category m): output 10, carbon 500,000 t per km²
                lo (category g): output  4, carbon 100,000 t per km²
    both zones admit m and g; no budget, no bounds.

With land only, every km² goes to hi: output 150 (100m yuan).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# Property tests draw the same examples on every run, so that the suite's verdict depends on the
# code alone (CI never turns red by chance); HYPOTHESIS_PROFILE=explore draws new ones each run.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ZONES = "id,name,name_zh\na,Zone A,甲区\nb,Zone B,乙区\n"
UNITS = "id,name,zone,land_km2,land_intensity\nu1,Unit one,a,10,1\nu2,Unit two,b,5,1\n"
INDUSTRIES = textwrap.dedent(
    """\
    id,name,category,output_100m_yuan_per_km2,carbon_t_per_km2,energy_tce_per_km2,jobs_per_km2,pollutant_t_per_km2,min_km2,max_km2,source
    hi,High output,m,10,500000,1000,100,50,,,test
    lo,Low carbon,g,4,100000,200,300,5,,,test
    """
)
BASE = {
    "name": "tiny",
    "zones": "zones.csv",
    "units": "units.csv",
    "industries": "industries.csv",
    "zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m", "g"]}},
}


def write_tiny(folder: Path, changes: dict | None = None, *, zones=ZONES, units=UNITS, industries=INDUSTRIES) -> Path:
    """Write the tiny scenario (with top-level YAML fields replaced by ``changes``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zones.csv").write_text(zones, encoding="utf-8")
    (folder / "units.csv").write_text(units, encoding="utf-8")
    (folder / "industries.csv").write_text(industries, encoding="utf-8")
    data = {**BASE, **(changes or {})}
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_tiny(tmp_path / "tiny")


DISTRICTS = Path(__file__).resolve().parents[1] / "inputs" / "chongqing-districts.yaml"  # the default before the sites


@pytest.fixture(scope="session")
def default_result():
    import optimizer

    return optimizer.solve()


@pytest.fixture(scope="session")
def districts_result():
    """The whole-district scenario: the tests that pin its figures (the default's until the real sites)."""
    import optimizer

    return optimizer.solve(DISTRICTS)


def industries(**bounds) -> str:
    """The tiny industries table with (min_km2, max_km2) bounds, e.g. ``industries(lo=(20, None))``."""
    header, *rows = INDUSTRIES.splitlines()
    out = [header]
    for row in rows:
        cells = row.split(",")
        low, high = bounds.get(cells[0], (None, None))
        cells[8:10] = ["" if low is None else str(low), "" if high is None else str(high)]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"
