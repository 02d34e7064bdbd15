"""Dual control of energy on the tiny scenario (conftest.py): hi uses 1,000 tce and yields 10
(100m yuan) per km², lo 200 tce and 4. Land only: all hi, output 150, energy 15,000 tce."""

from __future__ import annotations

import pytest

from test_rules import price, solve


def test_total_energy_cap(tmp_path):
    # 1000h + 200l ≤ 12,000, h + l ≤ 15 → 800h = 9,000: h = 11.25, l = 3.75, output 127.5.
    # Duals: 10 = p + 1000q, 4 = p + 200q → q = 0.0075 (100m yuan per tce) = 750,000 yuan, p = 2.5.
    result = solve(tmp_path, {"energy": {"total_mtce": 0.012}})
    assert result.objective == pytest.approx(127.5)
    assert result.kpis["energy_tce"] == pytest.approx(12_000)
    assert price(result, "energy_total") == pytest.approx(750_000)
    assert price(result, "land[u1]") == pytest.approx(2.5e8)


def test_energy_intensity_cap(tmp_path):
    # hi: 1000 / 10⁵ = 0.01 tce per 10k yuan; lo: 200 / (4·10⁴) = 0.005. Cap 0.008:
    # 1000h + 200l ≤ 0.008·10⁴·(10h + 4l) = 800h + 320l → l ≥ 5h/3; with h + l = 15: h = 5.625,
    # l = 9.375, output 93.75. Row coefficients 200 (hi) and −120 (lo); duals 10 = p + 200q,
    # 4 = p − 120q → q = 0.01875 (100m yuan per tce) = 1,875,000 yuan.
    result = solve(tmp_path, {"energy": {"intensity_tce_per_10k_yuan": 0.008}})
    assert result.objective == pytest.approx(93.75)
    assert result.model.coefficients("energy_intensity").to_dict() == pytest.approx(
        {"x[u1,hi]": 200, "x[u1,lo]": -120, "x[u2,hi]": 200, "x[u2,lo]": -120}
    )
    assert price(result, "energy_intensity") == pytest.approx(1.875e6)
    table = result.family_tables["energy_control"].set_index("limit")
    assert table.loc["intensity", "intensity_tce_per_10k_yuan"] == pytest.approx(0.008)


def test_zone_energy_cap(tmp_path):
    # Zone a (u1, 10 km²) may use 5,000 tce: 800h = 3,000 → h = 3.75, l = 6.25: 62.5; u2 all hi: 50.
    result = solve(tmp_path, {"energy": {"by_zone": {"a": {"total_mtce": 0.005}}}})
    assert result.objective == pytest.approx(112.5)
    assert {"energy_total[a]"} == set(result.constraints.query("family == 'energy'")["name"])
    assert result.by_zone.set_index("zone").loc["a", "energy_tce"] == pytest.approx(5_000)
