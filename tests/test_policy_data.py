"""The policy-instrument data (inputs/policy/, inputs/chongqing/value_added.csv): every row says where
its figure comes from, and the derived figures follow from the sourced ones."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
FILES = sorted((INPUTS / "policy").glob("*.csv")) + [INPUTS / "chongqing" / "value_added.csv"]
KINDS = ("sourced", "derived", "estimate")


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def by(path: str, key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows(INPUTS / path)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_row_labels_its_provenance(path):
    table = rows(path)
    assert table, path
    for line, row in enumerate(table, start=2):
        assert None not in row and None not in row.values(), f"{path.name}:{line}: wrong number of fields"
        source = row["source"]
        assert source.startswith(KINDS), f"{path.name}:{line}: source must start with one of {KINDS}"
        if source.startswith("sourced"):  # an address, or the row it shares one with ("as the first row")
            assert re.search(r"http|data-sources\.md|[ (]as ", source), f"{path.name}:{line}: no address"


def test_value_added_covers_every_industry_in_order():
    industries = [r["id"] for r in rows(INPUTS / "chongqing" / "industries.csv")]
    va = rows(INPUTS / "chongqing" / "value_added.csv")
    assert [r["id"] for r in va] == industries
    for r in va:
        assert 0 < float(r["va_ratio"]) < 1, r["id"]


def test_value_added_ratios_follow_from_the_input_output_table():
    # total value added / total input of the NBS table's sectors, as the source column states them
    # (pooled sectors: the sums of both).
    for r in rows(INPUTS / "chongqing" / "value_added.csv"):
        value_added, total_input = r["source"].rsplit(" = ", 1)[1].replace(",", "").split(" / ")
        ratio = sum(map(float, re.findall(r"\d+", value_added))) / sum(map(float, re.findall(r"\d+", total_input)))
        assert float(r["va_ratio"]) == pytest.approx(ratio, abs=5e-5), r["id"]
        assert r["source"].startswith("sourced" if len(r["sector_codes"].split()) == 1 else "derived"), r["id"]


def test_dual_control_caps_follow_from_targets_and_base_year():
    t = {k: float(r["value"]) for k, r in by("policy/dual_control_targets.csv", "id").items()}
    intensity = t["cq_energy_2020"] / t["cq_gdp_2020"]
    assert t["cq_energy_per_gdp_2020"] == pytest.approx(intensity, abs=5e-4)
    assert t["cq_energy_per_gdp_cap_2025"] == pytest.approx(intensity * (1 - t["cq_energy_per_gdp_reduction_2025"]), abs=5e-4)
    carbon = t["cq_energy_co2_2020"] * 100 / t["cq_gdp_2020"]  # Mt over 100m yuan -> t per 10,000 yuan
    assert t["cq_co2_per_gdp_2020"] == pytest.approx(carbon, abs=5e-4)
    assert t["cq_co2_per_gdp_cap_2025"] == pytest.approx(carbon * (1 - t["cn_co2_per_gdp_reduction_2025"]), abs=5e-4)


def test_carbon_prices_and_their_derived_averages():
    prices = rows(INPUTS / "policy" / "carbon_price.csv")
    assert [int(r["year"]) for r in prices] == list(range(2021, 2021 + len(prices)))
    for r in prices:
        if "average is derived" in r["note"]:
            assert float(r["average_yuan_per_t"]) == pytest.approx(
                float(r["turnover_100m_yuan"]) * 100 / float(r["volume_mt"]), rel=2e-3
            ), r["year"]


def test_ept_rates_lie_within_the_laws_range():
    rates = rows(INPUTS / "policy" / "ept_rates.csv")
    bounds = {(r["region"].split("_")[1], r["pollutant_class"]): float(r["yuan_per_equivalent"]) for r in rates if r["region"].startswith("national")}
    for r in rates:
        if not r["region"].startswith("national"):
            rate = float(r["yuan_per_equivalent"])
            assert bounds["minimum", r["pollutant_class"]] <= rate <= bounds["maximum", r["pollutant_class"]], r
