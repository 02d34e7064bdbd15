"""Discrete transfer projects: optima against brute force, project rules, bounds and gaps, why-not.

The instances extend the tiny scenario of conftest.py: u1 (zone a, 10 km²) and u2 (zone b, 5 km²),
both admitting hi (output 10, 0.5 Mt CO2 per km²) and lo (output 4, 0.1 Mt per km²). With land
only, every free km² yields 10, so a project of land a and output o placed anywhere changes the
optimum by o − 10·a: its "net" in the comments below.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
from conftest import INDUSTRIES, write_tiny
from optimizer.cli import main
from optimizer.reduction.solve import solve_model
from optimizer.solvers.dispatch import relative_gap, within_gap

UNITS = {"u1": ("a", 10.0), "u2": ("b", 5.0)}  # unit: (zone, land km²)
EXACT = {"mip_gap": 0.0}


def project(id, land, output, *, industry="hi", investment=1.0, carbon=0.0, **extra):
    return {"id": id, "industry": industry, "land_km2": land, "investment_100m_yuan": investment,
            "output_100m_yuan": output, "carbon_t": carbon, **extra}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return optimizer.load_scenario(write_tiny(tmp_path_factory.mktemp("tiny"), {"solver": EXACT}))


def solve(base, projects, *, solver=None, carbon_mt=None, **options):
    scenario = base.with_changes(projects={"table": projects, **options}, carbon_budget={"total_mt": carbon_mt})
    return optimizer.solve(scenario, solver=solver)


def placements(result) -> dict[str, str]:
    table = result.family_tables["projects"]
    return {p: unit if placed else None for p, unit, placed in zip(table["project"], table["unit"], table["placed"])}


def why(result, project) -> pd.Series:
    return result.family_tables["projects"].set_index("project").loc[project]


def assert_every_limit_holds(result):
    c = result.constraints
    assert (c["slack"] >= -1e-6 * np.maximum(1, c["rhs"].abs())).all(), c[c["slack"] < -1e-6]


# --------------------------------------------------------------------------- hand-solved cases


def test_a_project_competes_with_land_allocation_for_land_and_carbon(base):
    # Budget 7 Mt. Without the project: h + l ≤ 15, 0.5h + 0.1l ≤ 7 → h = 13.75, l = 1.25: 142.5.
    # With P in u2 (4 km², 45, 1 Mt): h + l ≤ 11, 0.5h + 0.1l ≤ 6 → h = 11 (5.5 Mt): 110 + 45 = 155.
    result = solve(base, [project("P", 4, 45, carbon=1e6, allowed_units="u2")], carbon_mt=7)
    assert result.status == "optimal" and result.model.is_mip
    assert result.objective == pytest.approx(155)
    assert placements(result) == {"P": "u2"}
    model = result.model
    assert model.coefficients("land[u2]")["y[P,u2]"] == 4
    assert model.coefficients("carbon_budget")["y[P,u2]"] == 1e6
    assert model.coefficients("project_once[P]").to_dict() == {"y[P,u2]": 1.0}
    c = result.constraints.set_index("name")
    assert c.loc["land[u2]", "activity"] == pytest.approx(5)  # 4 km² of P + 1 of hi
    # Prices from the LP with P fixed: land binds at 10 (100m yuan) per km², carbon is slack.
    assert result.summary()["shadow_price_basis"] == "LP with integer decisions fixed"
    assert c.loc["land[u1]", "shadow_price"] == pytest.approx(10e8)
    assert c.loc["carbon_budget", "shadow_price"] == pytest.approx(0)
    zones = result.family_tables["projects_by_zone"].set_index("zone")
    assert zones.loc["b", "projects"] == 1 and zones.loc["a", "projects"] == 0
    assert zones.loc["b", "output_100m_yuan"] == pytest.approx(45)


def test_per_unit_values_override_the_project(base):
    # In u1: 4 km², 45 → net +5. In u2 (override): 3 km², 36 → net +6. Best: u2, 156.
    result = solve(base, [project("P", 4, 45)], sites=[{"project": "P", "unit": "u2", "land_km2": 3, "output_100m_yuan": 36}])
    assert result.objective == pytest.approx(156)
    assert placements(result) == {"P": "u2"}
    assert why(result, "P")["land_km2"] == 3  # the figures at its site


def test_a_mandatory_project_is_placed_even_at_a_loss(base):
    # Q: 2 km² yielding 5, net −15. Optional: left out (150); mandatory: 135.
    optional = solve(base, [project("Q", 2, 5)])
    assert optional.objective == pytest.approx(150) and placements(optional) == {"Q": None}
    # Its land is worth 2 × 10 = 20 > 5 at the plan's prices: land alone explains it.
    assert why(optional, "Q")["limit"] == "land[u1]"
    assert "does not pay" in why(optional, "Q")["why_not"]
    mandatory = solve(base, [project("Q", 2, 5, mandatory=True)])
    assert mandatory.objective == pytest.approx(135) and placements(mandatory)["Q"] is not None


def test_at_most_one_project_of_an_exclusive_group(base):
    # Nets: A +5, B +8, C +3, all in group g: B alone, 158.
    projects = [project("A", 1, 15, exclusive_groups="g"), project("B", 1, 18, exclusive_groups="g"),
                project("C", 1, 13, exclusive_groups="g")]
    result = solve(base, projects)
    assert result.objective == pytest.approx(158)
    assert [p for p, unit in placements(result).items() if unit] == ["B"]
    assert why(result, "A")["limit"] == "project_exclusive[g]"


def test_prerequisites(base):
    # B requires A. A net −2, B net +5: both (153). With B net +1 instead: neither (150).
    result = solve(base, [project("A", 1, 8), project("B", 1, 15, requires="A")])
    assert result.objective == pytest.approx(153)
    assert all(placements(result).values())
    result = solve(base, [project("A", 1, 8), project("B", 1, 11, requires="A")])
    assert result.objective == pytest.approx(150)
    assert why(result, "B")["limit"] == "project_requires[B,A]"


def test_co_location_in_the_same_unit_or_zone(base):
    # A only in u1 (net +1). B must share A's unit: net +2 in u1, +5 in u2 (override) but A
    # cannot go there: A and B in u1, 153 (B alone in u2 is not allowed; A alone: 151).
    projects = [project("A", 1, 11, allowed_units="u1"), project("B", 1, 12, same_unit_as="A")]
    sites = [{"project": "B", "unit": "u2", "output_100m_yuan": 15}]
    result = solve(base, projects, sites=sites)
    assert result.objective == pytest.approx(153)
    assert placements(result) == {"A": "u1", "B": "u1"}
    # Same zone: zone b is u2 alone, so the same holds with same_zone_as.
    projects[1] = project("B", 1, 12, same_zone_as="A")
    assert solve(base, projects, sites=sites).objective == pytest.approx(153)


def test_investment_budget_is_a_knapsack(base):
    # Investment 3, 3, 4 with nets +5, +4, +8; budget 6: {A, B} (9) beats {C} (8): 159.
    projects = [project("A", 1, 15, investment=3), project("B", 1, 14, investment=3), project("C", 1, 18, investment=4)]
    result = solve(base, projects, investment_budget_100m_yuan=6)
    assert result.objective == pytest.approx(159)
    assert placements(result)["C"] is None
    assert why(result, "C")["limit"] == "investment_budget"
    assert "by 4 (100m yuan)" in why(result, "C")["why_not"]  # 6 + 4 against 6


def test_counts_per_unit_and_zone(base):
    # Three projects of net +5 each; at most one per unit: two are placed, 160.
    projects = [project(p, 1, 15) for p in "ABC"]
    assert solve(base, projects, max_per_unit=1).objective == pytest.approx(160)
    # At least two in zone b (u2); A is worth +5, B and C −5 each: A and one of B, C in u2, 150.
    projects = [project("A", 1, 15), project("B", 1, 5), project("C", 1, 5)]
    result = solve(base, projects, count_min={"b": 2})
    assert result.objective == pytest.approx(150)
    assert placements(result)["A"] == "u2" and list(placements(result).values()).count("u2") == 2


def test_projects_alone_without_land_allocation(base):
    # No x[u,k]. Land 10 (u1) and 5 (u2); A 6 km² → 10, B 5 → 9, C 4 → 8, D 6 → 1.
    # Best: A + C in u1 (10 km²), B in u2 (5 km²): 27. D fits nowhere.
    projects = [project("A", 6, 10), project("B", 5, 9), project("C", 4, 8), project("D", 6, 1)]
    result = solve(base, projects, land_allocation=False)
    assert result.objective == pytest.approx(27)
    assert result.model.pairs.empty
    assert placements(result) == {"A": "u1", "B": "u2", "C": "u1", "D": None}
    d = why(result, "D")
    assert d["limit"] == "" and "no single limit explains it" in d["why_not"]
    assert "u1: land[u1]" in d["why_not"] and "u2: land[u2]" in d["why_not"]


def test_admission_uses_the_projects_own_intensity(base):
    # Zone b caps carbon at 3 t per 10,000 yuan: x[u2,hi] (5 t) is out, and so is the dirty project
    # D (5e5 t / 10e4 = 5 t), but the clean hi project C (1e5 t / 10e4 = 1 t) may go to u2.
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m", "g"], "max_carbon_intensity_t_per_10k_yuan": 3}}
    scenario = base.with_changes(zoning=zoning, projects={"table": [
        project("C", 1, 10, carbon=1e5), project("D", 1, 10, carbon=5e5, allowed_units="b")]})
    names = set(optimizer.build(scenario).variables["name"])
    assert {"y[C,u1]", "y[C,u2]"} <= names
    assert not {"x[u2,hi]", "y[D,u2]"} & names
    result = optimizer.solve(scenario)
    assert why(result, "D")["why_not"].startswith("no admitted unit: the admission rules")


def test_blank_energy_jobs_pollutant_and_indicators_come_from_the_industry(tmp_path):
    # hi: energy 1000, jobs 100, pollutant 50 and (an indicator) water 7 per km². A 2 km² project
    # giving only its jobs: energy 2000, pollutant 100, water 14; in u2, where it needs 3 km²: 3000, 150, 21.
    industries = INDUSTRIES.replace("pollutant_t_per_km2,", "pollutant_t_per_km2,water_m3_per_km2,").replace(
        "50,,,test", "50,7,,,test").replace("5,,,test", "5,1,,,test")
    path = write_tiny(tmp_path, {
        "indicators": {"water": {"column": "water_m3_per_km2", "sense": "min", "unit": "m3"}},
        "projects": {"table": [project("P", 2, 30, jobs=7)], "sites": [{"project": "P", "unit": "u2", "land_km2": 3}]},
    }, industries=industries)
    variables = optimizer.build(optimizer.load_scenario(path)).variables.set_index("name")
    assert variables.loc["y[P,u1]", ["energy", "jobs", "pollutant", "water"]].tolist() == [2000, 7, 100, 14]
    assert variables.loc["y[P,u2]", ["energy", "jobs", "pollutant", "water"]].tolist() == [3000, 7, 150, 21]


def test_a_mandatory_project_with_nowhere_to_go_is_infeasible(base):
    result = solve(base, [project("P", 1, 10, mandatory=True, allowed_units="u1", forbidden_units="a")])
    assert result.status == "infeasible" and result.exit_code == 3


# --------------------------------------------------------------------------- brute force


def continuous_optimum(land: float, budget_t: float | None) -> float:
    """max 10h + 4l s.t. h + l ≤ land, 5e5·h + 1e5·l ≤ budget: the tiny scenario's land allocation."""
    if budget_t is None or 5e5 * land <= budget_t:
        return 10 * land
    if 1e5 * land <= budget_t:
        hi = (budget_t - 1e5 * land) / 4e5
        return 10 * hi + 4 * (land - hi)
    return 4 * budget_t / 1e5


def brute_force(projects, sites, options, budget_t):
    """The best objective over every placement of every project (None if none is feasible)."""
    at = {(s["project"], s["unit"]): s for s in sites}

    def value(p, unit, column):
        return at.get((p["id"], unit), {}).get(column, p[column])

    def may_use(p, unit):
        allowed = p.get("allowed_units", "").split(";") if p.get("allowed_units") else None
        return (allowed is None or unit in allowed or UNITS[unit][0] in allowed)

    best = None
    choices = [[None] + [u for u in UNITS if may_use(p, u)] for p in projects]
    for plan in itertools.product(*choices):
        where = {p["id"]: unit for p, unit in zip(projects, plan)}
        placed = [(p, unit) for p, unit in zip(projects, plan) if unit]
        if any(p.get("mandatory") and not where[p["id"]] for p in projects):
            continue
        groups = [g for p, _ in placed for g in p.get("exclusive_groups", "").split(";") if g]
        if len(groups) != len(set(groups)):
            continue
        if any(p.get("requires") and not where[p["requires"]] for p, _ in placed):
            continue
        if any(p.get("same_unit_as") and where[p["same_unit_as"]] != unit for p, unit in placed):
            continue
        if any(p.get("same_zone_as") and (where[p["same_zone_as"]] is None or UNITS[where[p["same_zone_as"]]][0] != UNITS[unit][0])
               for p, unit in placed):
            continue
        counts = {u: sum(1 for _, unit in placed if unit == u) for u in UNITS}
        if options.get("max_per_unit") is not None and max(counts.values()) > options["max_per_unit"]:
            continue
        if any(counts[u] < n for u, n in options.get("count_min", {}).items()):
            continue
        investment = sum(value(p, unit, "investment_100m_yuan") for p, unit in placed)
        if investment > options.get("investment_budget_100m_yuan", np.inf) + 1e-9:
            continue
        free = {u: land - sum(value(p, unit, "land_km2") for p, unit in placed if unit == u) for u, (_, land) in UNITS.items()}
        carbon = sum(value(p, unit, "carbon_t") for p, unit in placed)
        left = None if budget_t is None else budget_t - carbon
        if min(free.values()) < -1e-9 or (left is not None and left < -1e-9):
            continue
        total = sum(value(p, unit, "output_100m_yuan") for p, unit in placed) + continuous_optimum(sum(free.values()), left)
        best = total if best is None else max(best, total)
    return best


@st.composite
def instances(draw):
    n = draw(st.integers(1, 4))
    ids = [f"p{i}" for i in range(n)]
    amount = st.integers(1, 12).map(lambda v: v / 2)
    projects = []
    for i, pid in enumerate(ids):
        p = project(pid, draw(amount), draw(st.integers(0, 80)), investment=draw(amount),
                    carbon=draw(st.sampled_from([0.0, 2e5, 1e6, 3e6])))
        if draw(st.integers(0, 5)) == 0:
            p["mandatory"] = True
        if draw(st.booleans()):
            p["allowed_units"] = draw(st.sampled_from(["u1", "u2", "a", "b"]))
        if draw(st.booleans()):
            p["exclusive_groups"] = draw(st.sampled_from(["g", "h", "g;h"]))
        others = [o for o in ids if o != pid]
        if others and draw(st.integers(0, 2)) == 0:
            p["requires"] = draw(st.sampled_from(others))
        if others and draw(st.integers(0, 3)) == 0:
            p[draw(st.sampled_from(["same_unit_as", "same_zone_as"]))] = draw(st.sampled_from(others))
        projects.append(p)
    sites = [{"project": pid, "unit": "u2", "land_km2": draw(amount), "output_100m_yuan": draw(st.integers(0, 80))}
             for pid in draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))]
    options = {}
    if draw(st.booleans()):
        options["investment_budget_100m_yuan"] = draw(amount)
    if draw(st.booleans()):
        options["max_per_unit"] = draw(st.integers(0, 2))
    if draw(st.integers(0, 3)) == 0:
        options["count_min"] = {draw(st.sampled_from(["u1", "u2"])): 1}
    budget_mt = draw(st.sampled_from([None, 2.0, 6.5]))
    return projects, sites, options, budget_mt


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instance=instances())
def test_optimum_matches_brute_force_and_the_lp_relaxation_bounds_it(base, instance):
    projects, sites, options, budget_mt = instance
    result = solve(base, projects, carbon_mt=budget_mt, sites=sites, **options)
    expected = brute_force(projects, sites, options, None if budget_mt is None else budget_mt * 1e6)
    if expected is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert_every_limit_holds(result)
    # The reported bound and gap agree with each other and with the objective.
    s = result.solution
    assert s.best_bound >= result.objective - 1e-6
    assert s.gap == pytest.approx(relative_gap(result.objective, s.best_bound), abs=1e-12)
    # The LP relaxation (y continuous in [0, 1]) is never below the integer optimum, nor below
    # the solver's bound.
    model = optimizer.build(result.scenario)
    for variable in model.lp_variables:
        variable.cat = pulp.LpContinuous
    relaxation = solve_model(model, result.scenario.solver)
    assert relaxation.status == "optimal"
    assert relaxation.objective >= s.best_bound - 1e-6 >= expected - 2e-6


# --------------------------------------------------------------------------- limits and gaps


def knapsack(n=40, seed=7):
    """Projects alone, a carbon and an investment budget: hard enough that CBC's root leaves a gap."""
    rng = np.random.default_rng(seed)
    return [project(f"p{i}", round(rng.uniform(0.5, 3), 2), round(rng.uniform(5, 30), 2),
                    investment=round(rng.uniform(1, 5), 2), carbon=round(rng.uniform(1e5, 5e5), -3)) for i in range(n)]


def test_a_run_stopped_at_a_limit_keeps_its_incumbent_and_an_honest_gap(base, tmp_path):
    scenario = base.with_changes(
        projects={"table": knapsack(), "land_allocation": False, "investment_budget_100m_yuan": 30},
        carbon_budget={"total_mt": 5},
    )
    stopped = optimizer.solve(scenario, solver="cbc", options={"maxNodes": 0})
    assert stopped.status == "time_limit" and stopped.exit_code == 4
    assert "node limit" in stopped.solution.message
    s = stopped.solution
    assert stopped.has_solution and s.best_bound > stopped.objective > 0
    assert s.gap == pytest.approx((s.best_bound - stopped.objective) / stopped.objective)
    assert_every_limit_holds(stopped)
    assert stopped.family_tables["projects"]["placed"].any()
    # The full solve reaches an optimum between the incumbent and the bound.
    proven = optimizer.solve(scenario, solver="cbc")
    assert proven.status == "optimal"
    assert stopped.objective <= proven.objective + 1e-6 <= s.best_bound + 2e-6
    folder = stopped.save(tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "time_limit" and summary["objective"]["gap"] == pytest.approx(s.gap)
    assert "relative gap" in (folder / "report.md").read_text()
    assert "best bound" in (folder / "report.html").read_text()


def test_a_stopped_run_within_the_requested_gap_counts_as_optimal():
    assert within_gap(0.004, 0.01) and within_gap(0.01, 0.01)
    assert not within_gap(0.02, 0.01)
    assert not within_gap(0.0001, None)  # no gap asked for: a stopped run stays stopped
    assert not within_gap(None, 0.01)


def test_highs_and_cbc_agree_on_a_project_model(base):
    scenario = base.with_changes(projects={"table": knapsack(n=12), "investment_budget_100m_yuan": 20},
                                 carbon_budget={"total_mt": 6})
    highs, cbc = optimizer.solve(scenario), optimizer.solve(scenario, solver="cbc")
    assert highs.status == cbc.status == "optimal"
    assert highs.objective == pytest.approx(cbc.objective, rel=1e-9)
    assert highs.solution.best_bound == pytest.approx(highs.objective, rel=1e-9)
    assert cbc.solution.best_bound == pytest.approx(cbc.objective, rel=1e-9)


# --------------------------------------------------------------------------- files and command line


PROJECTS_CSV = (
    "id,industry,land_km2,investment_100m_yuan,output_100m_yuan,carbon_t,exclusive_groups,source\n"
    "A,hi,1,2,15,0,g,test\n"
    "B,hi,1,2,18,0,g,test\n"
    "C,lo,1,1,13,0,,test\n"
)
SITES_CSV = "project,unit,output_100m_yuan\nC,u2,16\n"


def write_project_scenario(folder, projects=PROJECTS_CSV, sites=SITES_CSV, **section):
    path = write_tiny(folder, {"projects": {"table": "data/projects.csv", "sites": "data/sites.csv", **section}})
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "projects.csv").write_text(projects, encoding="utf-8")
    (folder / "data" / "sites.csv").write_text(sites, encoding="utf-8")
    return path


def test_results_folder_and_exact_rerun_with_project_tables(tmp_path):
    # B (+8) wins the group; C is worth +3 in u1 and +6 in u2: 150 + 8 + 6 = 164.
    path = write_project_scenario(tmp_path / "s")
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root), "--gap", "0", "--quiet"]) == 0
    (first,) = root.iterdir()
    projects = pd.read_csv(first / "projects.csv", keep_default_na=False)
    assert list(projects.columns) == [
        "project", "name", "industry", "category", "mandatory", "placed", "unit", "zone", "investment_100m_yuan", "land_km2",
        "output_100m_yuan", "carbon_t", "energy_tce", "jobs", "pollutant_t", "limit", "why_not"]
    assert projects.set_index("project").loc["C", "unit"] == "u2"
    assert (first / "projects_by_zone.csv").is_file()
    summary = json.loads((first / "summary.json").read_text())
    assert summary["objective"]["value"] == pytest.approx(164)
    assert summary["solver"]["options"]["mip_gap"] == 0
    assert {p.name for p in (first / "scenario").iterdir()} >= {"projects_table.csv", "projects_sites.csv"}
    assert main(["run", str(first / "scenario.yaml"), "--results-root", str(root), "--quiet"]) == 0
    second = next(p for p in root.iterdir() if p != first)
    pd.testing.assert_frame_equal(projects, pd.read_csv(second / "projects.csv", keep_default_na=False))


def test_a_variant_updates_projects_and_keeps_the_parents_tables(tmp_path):
    write_project_scenario(tmp_path)
    (tmp_path / "variant.yaml").write_text(
        "extends: tiny.yaml\nprojects:\n  investment_budget_100m_yuan: 1\n  table:\n    update:\n      C: {mandatory: true}\n",
        encoding="utf-8",
    )
    s = optimizer.load_scenario(tmp_path / "variant.yaml")
    assert s.projects.investment_budget_100m_yuan == 1
    assert [p.mandatory for p in s.projects.table] == [False, False, True]
    assert s.projects.sites[0].output_100m_yuan == 16
    assert s.projects.table[0].exclusive_groups == ("g",)
    # Only C fits the budget of 1: 150 + 6.
    assert optimizer.solve(s).objective == pytest.approx(156)


def test_gap_on_the_command_line_must_be_a_fraction(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", str(write_project_scenario(tmp_path)), "--gap", "2", "--results-root", str(tmp_path / "r")])
    assert stop.value.code == 2 and "not a fraction" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


BAD = [
    ("unknown-industry", {"projects": PROJECTS_CSV.replace("C,lo,", "C,steel,")},
     ["projects.csv", "line 4", "projects.table.industry", "steel", "Valid: hi, lo"]),
    ("unknown-unit", {"projects": "id,industry,land_km2,investment_100m_yuan,output_100m_yuan,carbon_t,allowed_units\n"
                                  "A,hi,1,2,15,0,u1;u9\n"},
     ["projects.csv", "line 2", "allowed_units", "'u9'", "Valid: a, b, u1, u2"]),
    ("unknown-prerequisite", {"projects": PROJECTS_CSV.replace("source\n", "source,requires\n").replace("C,lo,1,1,13,0,,test", "C,lo,1,1,13,0,,test,Z")},
     ["projects.csv", "line 4", "requires", "'Z'", "Valid: A, B, C"]),
    ("duplicate-project", {"projects": PROJECTS_CSV + "A,hi,1,1,1,0,,test\n"}, ["projects.csv", "line 5", "duplicate id 'A'"]),
    ("negative-land", {"projects": PROJECTS_CSV.replace("C,lo,1,", "C,lo,-1,")}, ["projects.csv", "line 4", "land_km2"]),
    ("missing-column", {"projects": "id,industry\nA,hi\n"}, ["projects.csv", "line 1", "land_km2"]),
    ("unknown-column", {"projects": PROJECTS_CSV.replace(",source", ",colour")}, ["projects.csv", "colour"]),
    ("site-unknown-unit", {"sites": "project,unit,output_100m_yuan\nC,u7,16\n"}, ["sites.csv", "line 2", "projects.sites.unit", "u7"]),
    ("site-twice", {"sites": SITES_CSV + "C,u2,17\n"}, ["sites.csv", "line 3", "a second row"]),
    ("count-unknown-place", {"count_max": {"x9": 2}}, ["tiny.yaml", "projects.count_max.x9", "neither a unit nor a zone"]),
    ("unknown-section-field", {"budget": 3}, ["tiny.yaml", "projects.budget", "Valid", "investment_budget_100m_yuan"]),
    ("negative-count", {"max_per_unit": -1}, ["tiny.yaml", "projects.max_per_unit", "greater than or equal to 0"]),
]


@pytest.mark.parametrize("case,breakage,fragments", BAD, ids=[c[0] for c in BAD])
def test_bad_project_input_is_explained(tmp_path, capsys, case, breakage, fragments):
    tables = {k: breakage.pop(k) for k in ("projects", "sites") if k in breakage}
    path = write_project_scenario(tmp_path / "s", **tables, **breakage)
    code = main(["run", str(path), "--results-root", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in: {err}"
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- the example


def test_the_illustrative_example_solves_and_keeps_every_project_rule():
    result = optimizer.solve(optimizer.default_scenario_path().parent / "transfer-projects.yaml")
    assert result.status == "optimal" and result.model.is_mip
    assert_every_limit_holds(result)
    table = result.family_tables["projects"].set_index("project")
    placed = table[table["placed"]]
    assert table.loc["laptop_odm", "placed"]  # mandatory
    assert placed.index.isin(["battery_a", "battery_b"]).sum() <= 1
    if table.loc["drive_motors", "placed"]:
        assert table.loc["nev_plant", "placed"] and table.loc["drive_motors", "zone"] == table.loc["nev_plant", "zone"]
    if table.loc["chip_packaging", "placed"]:
        assert table.loc["chip_packaging", "unit"] == table.loc["sic_wafer", "unit"]
    assert placed["investment_100m_yuan"].sum() <= 40 + 1e-9
    assert table.loc["konjac", "why_not"].startswith("no admitted unit")
    assert (table.loc[~table["placed"], "why_not"] != "").all()
    by_zone = result.family_tables["projects_by_zone"].set_index("zone")
    assert by_zone["projects"].sum() == len(placed)
    assert (by_zone.loc[["northeast", "southeast"], "projects"] >= 2).all()
    # The projects add to the default's totals: everything placed counts in the city KPIs.
    assert result.kpis["carbon_mt"] <= 20 + 1e-6
