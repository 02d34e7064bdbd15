"""Infeasible scenarios of each kind, explained with the exact change on paper.

The tiny scenario (conftest.py): u1 (zone a, 10 km²), u2 (zone b, 5 km²); hi: output 10,
carbon 0.5 Mt per km²; lo: output 4, carbon 0.1 Mt per km². The diagnosis reports the fewest
limits to change, then the smallest relative changes among those (optimizer/analysis/diagnosis.py).
"""

from __future__ import annotations

import json

import pytest

import optimizer
from conftest import DISTRICTS, industries, write_tiny
from optimizer.cli import main

FIRM = {"firm": True}


def diagnose(tmp_path, changes=None, **tables):
    result = optimizer.solve(write_tiny(tmp_path / "s", changes, **tables))
    assert result.status == "infeasible" and result.exit_code == 3
    return result


def changes_of(result) -> dict[str, tuple[float, float]]:
    return {c.name: (c.needed, c.by) for c in result.diagnosis.changes}


def test_industry_minimum_above_the_land_that_admits_it(tmp_path):
    # lo ≥ 20 km² but u1 + u2 hold 15: lowering the minimum by 5 (25 % of it) is the smallest single change;
    # raising land[u1] by 5 would be 50 % of it, land[u2] 100 %.
    result = diagnose(tmp_path, industries=industries(lo=(20, None)))
    d = result.diagnosis
    assert d.status == "explained" and d.fewest
    assert changes_of(result) == {"industry_min[lo]": pytest.approx((15, 5))}
    assert d.changes[0].sentence == "minimum land for Low carbon city-wide cannot be met: 5 km² short (needs ≤ 15 km²)"
    # The presolve check proved it before any solve, naming the missing admitted land.
    (finding,) = [f for f in d.findings if f.severity == "error"]
    assert finding.check == "minimums_vs_land"
    assert "5 km² of admitted land is missing in zones a, b" in finding.message


def test_firm_minimums_move_the_land_instead(tmp_path):
    # Minimums held firm: the least relative change is u1's land, 10 → 15 km² (u2's would double).
    result = diagnose(tmp_path, {"limits": {"industry_bounds": FIRM}}, industries=industries(lo=(20, None)))
    assert changes_of(result) == {"land[u1]": pytest.approx((15, 5))}
    assert result.diagnosis.changes[0].sentence == "land available in Unit one: short by 5 km² (needs ≥ 15 km²)"
    assert result.diagnosis.firm == ["industry_bounds"]


def test_carbon_budget_short_by_the_exact_amount(tmp_path):
    # hi ≥ 12 km² and zone b (5 km²) needs g ≥ 50 % of its land. u1 takes at most 10 of hi, so hi ≥ 2 in u2,
    # which needs g ≥ 2 there: the least carbon is 12 · 0.5 + 2 · 0.1 = 6.2 Mt. Budget 5 Mt, every other
    # family firm: the budget is short by 1.2 Mt. (The presolve bound, 12 · 0.5 = 6 Mt, ignores the share.)
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m", "g"], "share_min": {"g": 0.5}}}
    limits = {"industry_bounds": FIRM, "land": FIRM, "zoning": FIRM}
    result = diagnose(tmp_path, {"zoning": zoning, "carbon_budget": {"total_mt": 5}, "limits": limits},
                      industries=industries(hi=(12, None)))
    assert changes_of(result) == {"carbon_budget": pytest.approx((6.2e6, 1.2e6))}
    assert result.diagnosis.changes[0].sentence == (
        "city carbon budget of 5 Mt CO2: short by 1.2 Mt CO2 (needs ≥ 6.2 Mt CO2)"
    )
    (finding,) = [f for f in result.diagnosis.findings if f.severity == "error"]
    assert finding.check == "minimums_vs_carbon" and "needs ≥ 6 Mt CO2" in finding.message


def test_zone_carbon_budget(tmp_path):
    # hi ≥ 12 km² puts at least 2 km² of hi in u2 (zone b): 1 Mt there against a zone budget of 0.2 Mt.
    # No presolve check can prove it (hi may go to either zone); the solve finds it and the diagnosis says 0.8 Mt.
    limits = {"industry_bounds": FIRM, "land": FIRM}
    result = diagnose(tmp_path, {"carbon_budget": {"by_zone_mt": {"b": 0.2}}, "limits": limits},
                      industries=industries(hi=(12, None)))
    assert result.solution.message.startswith("HiGHS")
    assert not result.diagnosis.findings
    assert changes_of(result) == {"carbon_budget[b]": pytest.approx((1e6, 0.8e6))}
    assert "short by 0.8 Mt CO2 (needs ≥ 1 Mt CO2)" in result.diagnosis.changes[0].sentence


def test_share_rule_reported_as_the_share_it_needs(tmp_path):
    # Zone a admits only g, so hi ≥ 3 km² must sit in u2 (5 km²), where g must take ≥ 60 %: at most 2 km² of hi.
    # The least relative change is the share rule: 1 km² of g short, i.e. a share of 2/5 = 40 %.
    # (hi's minimum down to 2 would be a third of it; the share row's scale is the median km² limit, 5.)
    zoning = {"a": {"admits": ["g"]}, "b": {"admits": ["m", "g"], "share_min": {"g": 0.6}}}
    result = diagnose(tmp_path, {"zoning": zoning}, industries=industries(hi=(3, None)))
    assert changes_of(result) == {"share_min[b,g]": pytest.approx((-1, 1))}
    assert result.diagnosis.changes[0].sentence == (
        "the minimum share of g in zone b cannot be met: 1 km² of g land short "
        "(needs a share ≤ 40.0% of the 5 km² the zone then receives)"
    )


def test_industry_no_zone_admits(tmp_path):
    zoning = {"a": {"admits": ["m"]}, "b": {"admits": ["m"]}}
    result = diagnose(tmp_path, {"zoning": zoning}, industries=industries(lo=(3, None)))
    assert changes_of(result) == {"industry_min[lo]": pytest.approx((0, 3))}
    (finding,) = result.diagnosis.findings
    assert finding.check == "industries_admitted" and "no zone admits its category g" in finding.message


def test_two_changes_together_and_they_suffice(tmp_path):
    # Minimums firm: lo ≥ 20 needs 5 km² more land (u1: 50 % of it) and emits 2 Mt against a 1 Mt budget.
    # No single change suffices; both together do, and applying them makes the scenario feasible.
    changes = {"carbon_budget": {"total_mt": 1}, "limits": {"industry_bounds": FIRM}}
    result = diagnose(tmp_path, changes, industries=industries(lo=(20, None)))
    d = result.diagnosis
    assert d.fewest and d.message.startswith("the limits cannot all hold at once. No single change suffices")
    assert changes_of(result) == {"carbon_budget": pytest.approx((2e6, 1e6)), "land[u1]": pytest.approx((15, 5))}
    fixed = result.scenario.with_changes(carbon_budget={"total_mt": 2}, units={"u1": {"land_km2": 15}})
    assert optimizer.solve(fixed).status == "optimal"


def test_nothing_relaxable_is_said_plainly(tmp_path):
    limits = {"industry_bounds": FIRM, "land": FIRM}
    result = diagnose(tmp_path, {"limits": limits}, industries=industries(lo=(20, None)))
    d = result.diagnosis
    assert d.status == "not_explained" and not d.changes
    assert "families held firm (industry_bounds, land)" in d.message


def test_default_with_an_impossible_share(tmp_path):
    # The district scenario with supporting ≥ 90 % of the new area's land and chemicals ≥ 8 km². Supporting industry
    # can take at most 15 + 15 = 30 km² (auto_parts, supporting_general), so the new area holds at most
    # 30 / 0.9 = 33.33 km², of which 3.333 km² may be non-supporting: chemicals' minimum must fall by 4.667 km².
    scenario = optimizer.load_scenario(DISTRICTS).with_changes(
        zoning={"new_area": {"share_min": {"supporting": 0.9}}}, industries={"chemicals": {"min_km2": 8}}
    )
    result = optimizer.solve(scenario)
    assert result.status == "infeasible"
    assert changes_of(result) == {"industry_min[chemicals]": pytest.approx((10 / 3, 8 - 10 / 3))}


def test_cli_prints_and_writes_the_diagnosis(tmp_path, capsys):
    path = write_tiny(tmp_path / "s", industries=industries(lo=(20, None)))
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root)]) == 3
    out = capsys.readouterr().out
    assert "why: the limits cannot all hold at once" in out
    assert "minimum land for Low carbon city-wide cannot be met: 5 km² short (needs ≤ 15 km²)" in out
    (folder,) = root.iterdir()
    saved = json.loads((folder / "diagnosis.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(optimizer.solve(path).diagnosis.to_dict()))
    assert saved["changes"][0]["name"] == "industry_min[lo]" and saved["changes"][0]["needed"] == pytest.approx(15)
    markdown = (folder / "diagnosis.md").read_text(encoding="utf-8")
    assert "| industry_min[lo] |" in markdown and "5 km² short" in markdown
    assert "## Why the scenario is infeasible" in (folder / "report.md").read_text(encoding="utf-8")


def test_the_html_report_explains_too(tmp_path):
    result = optimizer.solve(write_tiny(tmp_path / "s", industries=industries(lo=(20, None))))
    html = (result.save(tmp_path / "run") / "report.html").read_text(encoding="utf-8")
    assert "Why it is infeasible" in html and "5 km² short (needs ≤ 15 km²)" in html


def test_an_epsilon_bound_is_a_limit_like_any_other(tmp_path):
    # Maximise output with carbon ≤ 1 Mt, hi ≥ 4 km² (2 Mt) held firm: the bound must rise to 2 Mt.
    objective = {"method": "epsilon", "optimize": "output", "bounds": {"carbon": 1e6}}
    result = diagnose(tmp_path, {"objective": objective, "limits": {"industry_bounds": FIRM}},
                      industries=industries(hi=(4, None)))
    assert changes_of(result) == {"criterion_bound[carbon]": pytest.approx((2e6, 1e6))}
