"""The policy-instruments example (inputs/policy-instruments.yaml) on the Chongqing default.

Each instrument is turned on alone on the default and must move the plan the way its math says:
a new limit never raises the optimum, and the quantity it limits moves towards the limit. Then
all eight together: every rule holds in the solution, checked from the result tables (not from
the model's own rows), and every family's rows carry shadow prices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import optimizer

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "policy-instruments.yaml"
SECTIONS = (
    "industry_chains",
    "parks",
    "energy",
    "capacity_replacement",
    "balance",
    "pollution_charges",
    "indicator_sharing",
    "resources",
)
TOL = 1e-6


@pytest.fixture(scope="module")
def example():
    return optimizer.load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def default(districts_result):
    return districts_result


@pytest.fixture(scope="module")
def solved(example):
    result = optimizer.solve(example)
    assert result.status == "optimal"
    return result


def with_one(districts_result, example, section, **changes):
    """The default with one of the example's instruments (resources also need its labour column)."""
    settings = {section: getattr(example, section)}
    if section == "resources":
        settings["units"] = example.table("units")
    result = optimizer.solve(districts_result.scenario.with_changes(**settings).with_changes(**changes))
    assert result.status == "optimal"
    return result


def land(result, industries=None, zone=None):
    a = result.allocation
    if industries is not None:
        a = a[a["industry"].isin(industries)]
    if zone is not None:
        a = a[a["zone"] == zone]
    return float(a["land_km2"].sum())


# ---------------------------------------------------------------- every rule, checked from tables


def check_chains(result):
    for chain in result.scenario.industry_chains.values():
        for zone in result.scenario.zoning:
            leading, supporting = land(result, chain.leading, zone), land(result, chain.supporting, zone)
            assert supporting >= chain.ratio * leading - TOL, zone


def check_parks(result):
    parks = result.scenario.parks
    placed = result.family_tables["parks"].set_index("park")
    assert (placed["land_km2"] <= placed["capacity_km2"] + TOL).all()
    capped = placed["max_carbon_t_per_10k_yuan"].notna() & (placed["output_100m_yuan"] > 0)
    assert (placed.loc[capped, "carbon_t_per_10k_yuan"] <= placed.loc[capped, "max_carbon_t_per_10k_yuan"] + TOL).all()
    # Industries kept to parks have no land outside them.
    outside = result.contributions[(result.contributions["kind"] == "land")]
    assert not outside["industry"].isin(parks.only_in_parks).any()


def check_energy(result):
    energy, k = result.scenario.energy, result.kpis
    if energy.total_mtce is not None:
        assert k["energy_tce"] <= energy.total_mtce * 1e6 * (1 + 1e-9)
    if energy.intensity_tce_per_10k_yuan is not None:
        assert k["energy_tce"] / (k["output_100m_yuan"] * 1e4) <= energy.intensity_tce_per_10k_yuan * (1 + 1e-9)


def check_replacement(result):
    settings = result.scenario.capacity_replacement
    retired = result.family_tables["capacity_retirements"]
    assert (retired["retired_km2"] <= retired["existing_km2"] + TOL).all()
    assert retired["retired_km2"].sum() >= settings.ratio * land(result, settings.industries) - TOL


def check_balance(result):
    settings = result.scenario.balance
    units = result.scenario.table("units")
    residents = units.groupby("zone")["population_10k"].sum()[list(settings.members)]
    output = result.by_zone.set_index("zone")["output_100m_yuan"][list(settings.members)]
    city = output.sum() / residents.sum()
    per_resident = output / residents
    assert (per_resident <= (1 + settings.tolerance) * city * (1 + 1e-9)).all()
    assert (per_resident >= (1 - settings.tolerance) * city * (1 - 1e-9)).all()


def charge(settings, load, standard):
    """The piecewise-linear charge, straight from the tier definition (yuan)."""
    total, start = 0.0, 1.0
    for tier in settings.tiers:
        end = np.inf if tier.up_to is None else tier.up_to
        charged = min(max(load - start * standard, 0.0), (end - start) * standard)
        total += charged * settings.base_charge_yuan_per_t * tier.multiple
        start = end
    return total


def check_charges(result):
    settings = result.scenario.pollution_charges
    load = result.by_zone.set_index("zone")["pollutant_t"]
    table = result.family_tables["pollution_charges"].set_index("zone")
    expected = {zone: charge(settings, load[zone], standard) for zone, standard in settings.standards_t.items()}
    assert table["charge_yuan"].to_dict() == pytest.approx(expected, abs=1.0)
    # The charge is deducted from the objective (in 100m yuan).
    assert result.objective == pytest.approx(result.kpis["output_100m_yuan"] - sum(expected.values()) / 1e8, abs=1e-6)


def check_sharing(result):
    city = result.family_tables["host_credited_output"].set_index("zone").loc["city"]
    assert city["host_credited_100m_yuan"] + city["source_credited_100m_yuan"] == pytest.approx(city["output_100m_yuan"])
    assert city["carbon_t"] == pytest.approx(result.kpis["carbon_t"])


def check_resources(result):
    units = result.scenario.table("units")
    capacity = units["labour_persons"].dropna()
    jobs = result.allocation.groupby("unit")["jobs"].sum().reindex(capacity.index, fill_value=0.0)
    assert (jobs <= capacity * (1 + 1e-9)).all()


CHECKS = dict(
    zip(
        SECTIONS,
        (check_chains, check_parks, check_energy, check_replacement, check_balance, check_charges, check_sharing,
         check_resources),
    )
)


# ---------------------------------------------------------------- each instrument alone on the default


@pytest.mark.parametrize("section", SECTIONS)
def test_each_instrument_alone_holds_and_costs_output(default, example, section):
    result = with_one(default, example, section)
    CHECKS[section](result)
    assert result.objective <= default.objective + 1e-6
    family = result.constraints[result.constraints["family"] == section]
    if section != "indicator_sharing":  # accounting only: no rows
        assert not family.empty and family["shadow_price"].notna().all()


def test_chains_move_leaders_to_their_suppliers(default, example):
    # The default puts electronics in the extension zone, where no supporting industry is admitted.
    assert land(default, ["electronics"], "extension") > 1
    result = with_one(default, example, "industry_chains")
    assert land(result, ["electronics"], "extension") == pytest.approx(0, abs=TOL)
    assert result.objective < default.objective - 100


def test_parks_confine_chemicals(default, example):
    # The default places 5.35 km² of chemicals outside any park; the chemical parks hold 4.5.
    assert land(default, ["chemicals"]) > 4.5
    result = with_one(default, example, "parks")
    assert land(result, ["chemicals"]) <= 4.5 + TOL
    assert result.constraints.set_index("name").loc["park_land[changshou_etdz]", "shadow_price"] > 0


def test_energy_intensity_falls_to_its_cap(default, example):
    cap = example.energy.intensity_tce_per_10k_yuan
    intensity = lambda r: r.kpis["energy_tce"] / (r.kpis["output_100m_yuan"] * 1e4)  # noqa: E731
    assert intensity(default) > cap
    result = with_one(default, example, "energy")
    assert intensity(result) == pytest.approx(cap)
    assert result.constraints.set_index("name").loc["energy_intensity", "shadow_price"] > 0


def test_replacement_makes_two_high_land_costly(default, example):
    two_high = example.capacity_replacement.industries
    result = with_one(default, example, "capacity_replacement")
    assert land(result, two_high) < land(default, two_high)
    # A stricter ratio never helps.
    stricter = with_one(default, example, "capacity_replacement", capacity_replacement={"ratio": 2.5})
    assert stricter.objective <= result.objective + 1e-6
    assert land(stricter, two_high) <= land(result, two_high) + TOL


def test_balance_narrows_the_gap(default, example):
    def spread(result):
        zones = result.by_zone.set_index("zone").loc[list(example.balance.members)]
        residents = result.scenario.table("units").groupby("zone")["population_10k"].sum()[zones.index]
        per_resident = zones["output_100m_yuan"] / residents
        return per_resident.max() / per_resident.min()

    result = with_one(default, example, "balance")
    assert spread(result) < spread(default)
    assert result.objective < default.objective


def test_charges_at_statutory_rates_barely_matter_and_high_rates_cut_pollution(default, example):
    # At 3,500 yuan per t the charge is small against output: the plan stays, the objective falls
    # by the charge. At 10 million yuan per t, chemicals and consumer goods give way.
    result = with_one(default, example, "pollution_charges")
    assert result.kpis["output_100m_yuan"] == pytest.approx(default.objective)
    assert result.objective < default.objective
    steep = with_one(default, example, "pollution_charges", pollution_charges={"base_charge_yuan_per_t": 1e7})
    CHECKS["pollution_charges"](steep)
    assert steep.kpis["pollutant_t"] < default.kpis["pollutant_t"] * 0.9


def test_maximising_host_output_favours_local_industry(default, example):
    shared = list(example.indicator_sharing.industries)
    plain = with_one(default, example, "indicator_sharing")
    host = with_one(default, example, "indicator_sharing", indicator_sharing={"maximise_host_output": True})
    credited = lambda r: r.family_tables["host_credited_output"].set_index("zone").loc["city", "host_credited_100m_yuan"]  # noqa: E731
    assert host.objective == pytest.approx(credited(host))
    assert credited(host) > credited(plain)
    assert land(host, shared) < land(plain, shared)


def test_labour_limits_bind_in_the_new_area(default, example):
    result = with_one(default, example, "resources")
    rows = result.constraints[result.constraints["family"] == "resources"]
    assert len(rows) == 12 and rows["binding"].any() and (rows["shadow_price"] >= 0).all()


# ---------------------------------------------------------------- all eight together


def test_all_instruments_together(solved):
    for section in SECTIONS:
        CHECKS[section](solved)
    families = set(solved.constraints["family"])
    assert set(SECTIONS) - {"indicator_sharing"} <= families
    assert {"industry_chains", "parks", "energy_control", "capacity_replacement", "capacity_retirements",
            "regional_balance", "pollution_charges", "indicator_sharing", "host_credited_output",
            "resources"} == set(solved.family_tables)


def test_the_example_writes_its_tables(solved, tmp_path):
    folder = solved.save(tmp_path / "run")
    for name in solved.family_tables:
        assert (folder / f"{name}.csv").is_file()
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Parks" in report and "## Pollution charges" in report
    # The resolved scenario repeats the run, declared labour column included.
    again = optimizer.solve(folder / "scenario.yaml")
    assert again.objective == pytest.approx(solved.objective)
