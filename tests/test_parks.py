"""Low-carbon parks on the tiny scenario (conftest.py): park P of 2 km² inside u2 (5 km², zone b).
hi: output 10, carbon 500,000 t per km²; lo: output 4, carbon 100,000 t. Without parks: 150."""

from __future__ import annotations

import pytest

import optimizer
from conftest import write_tiny
from test_rules import land_of, price, solve


def parks(admits=("hi",), only=(), **park):
    site = {"unit": "u2", "name": "Park P", "land_km2": 2, "admits": list(admits), **park}
    return {"parks": {"sites": {"P": site}, "only_in_parks": list(only)}}


def test_a_park_is_part_of_its_units_land(tmp_path):
    # The park only adds a second way to use u2's land: still all hi, 150.
    result = solve(tmp_path, parks())
    assert result.objective == pytest.approx(150)
    assert set(result.model.coefficients("land[u2]").index) == {"x[u2,hi]", "x[u2,lo]", "w[P,hi]"}
    assert result.model.coefficients("park_land[P]").to_dict() == {"w[P,hi]": 1.0}
    assert result.constraints.set_index("name").loc["land[u2]", "activity"] == pytest.approx(5)


def test_only_in_parks(tmp_path):
    # hi only in P: 2 km² of hi (20); the rest lo: u1 10 (40), u2 3 (12). Total 72.
    # One more km² of park: hi instead of lo, 10 − 4 = 6 → 6e8 yuan; u2's land is worth 4e8.
    result = solve(tmp_path, parks(only=["hi"]))
    assert result.objective == pytest.approx(72)
    assert not (result.model.pairs["industry"] == "hi").any()
    assert price(result, "park_land[P]") == pytest.approx(6e8)
    assert price(result, "land[u2]") == pytest.approx(4e8)
    # The allocation counts park land in its unit; the parks table reports fill and output.
    assert land_of(result, "u2", "hi") == pytest.approx(2)
    assert land_of(result, "u2", "lo") == pytest.approx(3)
    park = result.family_tables["parks"].set_index("park").loc["P"]
    assert park["fill"] == pytest.approx(1)
    assert park["output_100m_yuan"] == pytest.approx(20)
    assert park["carbon_t_per_10k_yuan"] == pytest.approx(5)  # 1e6 t / (20 · 10⁴)
    assert park["shadow_price"] == pytest.approx(6e8)


def test_park_carbon_intensity_cap(tmp_path):
    # P admits hi and lo, averages ≤ 3 t per 10k yuan: 5e5·h + 1e5·l ≤ 3·10⁴·(10h + 4l) → l ≥ 10h.
    # u1 all lo (40). u2 fills its 5 km² with lo plus h of park hi: 20 + 6h, h + 10h ≤ 2 → h = 2/11.
    # Total 60 + 12/11.
    result = solve(tmp_path, parks(admits=["hi", "lo"], only=["hi"], max_carbon_intensity_t_per_10k_yuan=3))
    assert result.objective == pytest.approx(60 + 12 / 11)
    park = result.family_tables["parks"].set_index("park").loc["P"]
    assert park["carbon_t_per_10k_yuan"] == pytest.approx(3)
    assert park["land_km2"] == pytest.approx(2)
    assert result.model.coefficients("park_carbon_intensity[P]").to_dict() == pytest.approx(
        {"w[P,hi]": 5e5 - 3e5, "w[P,lo]": 1e5 - 1.2e5}
    )


def test_a_park_keeps_to_its_zones_rules(tmp_path):
    # Zone b admits only g: the park's hi gets no variable there.
    zoning = {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}}
    result = solve(tmp_path, {**parks(admits=["hi", "lo"]), **zoning})
    assert set(result.model.variables.query("kind == 'park'")["name"]) == {"w[P,lo]"}


@pytest.mark.parametrize(
    "settings,fragments",
    [
        (parks(unit="u9"), ["parks.sites.P.unit", "u9", "Valid: u1, u2"]),
        (parks(land_km2=6), ["parks in unit 'u2' hold 6 km²", "5 km²"]),
        (parks(admits=["steel"]), ["parks.sites.P.admits", "steel"]),
        (parks(only=["lo"]), ["parks.only_in_parks", "no park admits it"]),
    ],
)
def test_bad_park_settings(tmp_path, settings, fragments):
    with pytest.raises(optimizer.ScenarioError) as error:
        optimizer.load_scenario(write_tiny(tmp_path, settings))
    for fragment in fragments:
        assert fragment in str(error.value)
    assert "tiny.yaml" in str(error.value)
