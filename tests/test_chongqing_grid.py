"""benchmarks/chongqing_grid.py at 20 km: every cell tagged, land kept, the scenario runs and draws."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
import shapely

import optimizer
from conftest import DISTRICTS
from optimizer.reporting import maps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import chongqing_grid  # noqa: E402


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    path = chongqing_grid.generate(20, tmp_path_factory.mktemp("grid") / "grid-20km")
    return path, pd.read_csv(path.parent / "units.csv")


def test_every_cell_is_tagged_with_the_district_it_lies_in(grid):
    _, cells = grid
    # ~82,400 km² / 400 km² a cell; each centre inside the district it names, in that district's zone.
    assert 180 < len(cells) < 230
    default = optimizer.load_scenario(DISTRICTS).table("units").set_index("adcode")
    districts = maps.districts()["geometry"]
    x, y = maps.to_plane(cells["lon"], cells["lat"])
    for (code, zone), xi, yi in zip(cells[["adcode", "zone"]].itertuples(index=False), x, y):
        assert districts[code].contains(shapely.Point(xi, yi)) and zone == default.at[code, "zone"]
    # Each district with cells keeps its land; every multiplier is positive.
    land = cells.groupby("adcode")["land_km2"].sum()
    assert land.to_numpy() == pytest.approx(default.loc[land.index, "land_km2"].to_numpy(), rel=1e-6)
    assert (cells.filter(like="land_intensity_") > 0).all().all()


def test_the_grid_runs_and_draws_as_a_raster(grid):
    path, cells = grid
    result = optimizer.solve(optimizer.load_scenario(path))
    assert result.status == "optimal" and len(result.scenario.units) == len(cells)
    found = maps.cells(result)
    assert found is not None and found["step"] == pytest.approx(20_000, rel=1e-6)
    svg = maps.cell_map(result)
    assert 'id="cells-raster"' in svg and "<image" in svg
    assert svg.count("<title>") == len(maps.districts())
