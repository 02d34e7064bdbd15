"""Presolve checks: each finds its conflict before any solve, names it and says what to change."""

from __future__ import annotations

import json
import types

import pytest

import optimizer
import optimizer.rules
from conftest import INDUSTRIES, UNITS, ZONES, industries, write_tiny
from optimizer.compile.presolve import run_checks
from optimizer.cli import main


def findings(tmp_path, changes=None, **tables):
    return run_checks(optimizer.build(optimizer.load_scenario(write_tiny(tmp_path / "s", changes, **tables))))


def only(found, check):
    (finding,) = [f for f in found if f.check == check]
    return finding


def test_the_default_passes_every_check():
    assert run_checks(optimizer.build(optimizer.load_scenario())) == []


def test_minimums_of_a_category_together(tmp_path):
    # Zone a admits m only; zone b (5 km²) admits g only. Two g industries with minimums 3 and 4: each fits
    # alone in 5 km², together they miss 2 km².
    rows = INDUSTRIES + "lo2,Low carbon two,g,4,100000,200,300,5,4,,test\n"
    zoning = {"a": {"admits": ["m"]}, "b": {"admits": ["g"]}}
    finding = only(findings(tmp_path, {"zoning": zoning}, industries=rows.replace(
        "lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,3,")), "minimums_vs_land")
    assert finding.severity == "error" and finding.exit_code == 3
    assert "lo + lo2" not in finding.message and "lo 3 km² + lo2 4 km² = 7 km²" in finding.message
    assert "2 km² of admitted land is missing in zone b" in finding.message
    assert finding.constraints == ("industry_min[lo]", "industry_min[lo2]")


def test_a_share_rule_nothing_admitted_can_meet_closes_the_zone(tmp_path):
    # Zone b must give g ≥ 50 % of its land but admits only m: b takes no land. hi ≥ 12 then misses 2 km².
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m"], "share_min": {"g": 0.5}}}
    found = findings(tmp_path, {"zoning": zoning}, industries=industries(hi=(12, None)))
    closed = only(found, "share_rules")
    assert closed.severity == "warning" and "zone b can receive no land" in closed.message
    short = only(found, "minimums_vs_land")
    assert "2 km² of admitted land is missing" in short.message and "zone b can take no land" in short.message


def test_minimums_above_the_carbon_budget(tmp_path):
    # lo ≥ 5 emits at least 0.5 Mt, hi ≥ 2 at least 1 Mt: 1.5 Mt against 1.2 Mt.
    finding = only(findings(tmp_path, {"carbon_budget": {"total_mt": 1.2}},
                            industries=industries(hi=(2, None), lo=(5, None))), "minimums_vs_carbon")
    assert "carbon budget short by 0.3 Mt CO2 (needs ≥ 1.5 Mt CO2)" in finding.message
    assert "carbon_budget.total_mt to at least 1.5" in finding.fix


def test_a_soft_family_is_never_called_infeasible(tmp_path):
    limits = {"carbon": {"soft": True, "penalty_per_unit": 1e4}}
    assert findings(tmp_path, {"carbon_budget": {"total_mt": 1.2}, "limits": limits},
                    industries=industries(hi=(2, None), lo=(5, None))) == []


def test_coefficients_no_scaling_can_reconcile(tmp_path):
    # 1e-20 t CO2 per km² next to 5e5 in the same carbon row: 25 orders of magnitude.
    tiny_carbon = INDUSTRIES.replace("lo,Low carbon,g,4,100000", "lo,Low carbon,g,4,1e-20")
    finding = only(findings(tmp_path, {"carbon_budget": {"total_mt": 5}}, industries=tiny_carbon), "coefficient_range")
    assert finding.severity == "warning"
    assert "from 1e-20 for x[u1,lo] in carbon_budget" in finding.message and "cannot be trusted" in finding.message


def test_scaling_reconciles_what_row_and_column_factors_explain():
    import numpy as np
    from optimizer.compile.presolve import _equilibrated_log10

    rows, columns = np.repeat(np.arange(3), 4), np.tile(np.arange(4), 3)
    row_factor, column_factor = np.array([1e-9, 1.0, 1e7]), np.array([1e5, 1e-3, 1.0, 1e-8])
    logs = np.log10(row_factor[rows] * column_factor[columns])  # a 1e-20..1e12 spread that scaling removes
    np.testing.assert_allclose(_equilibrated_log10(rows, columns, logs), 0.0, atol=1e-9)
    logs[5] += 12  # one entry 1e12 out of line: scaling spreads it over its row and column, and
    # it keeps (1 − 1/4)(1 − 1/3) of it, 1e6, where its row and column met
    scaled = _equilibrated_log10(rows, columns, logs)
    assert scaled[5] == pytest.approx(6) and np.argmax(scaled) == 5


def test_settings_without_effect_and_dangling_zones(tmp_path):
    zones = ZONES + "c,Zone C,丙区\n"
    zoning = {"a": {"admits": ["m", "g"], "share_max": {"x": 0.5}}, "b": {"admits": ["m", "g"]}, "c": {"admits": ["m"]}}
    rows = INDUSTRIES + "xk,Other,x,1,1,,,,,,test\n"
    found = findings(tmp_path, {"zoning": zoning, "limits": {"carbon": {"firm": True}}}, zones=zones, industries=rows)
    messages = [f.message for f in found if f.check == "names"]
    assert "zone c has no units, so zoning.c have no effect" in messages
    assert "zoning.a.share_max.x has no effect: zone a does not admit x" in messages
    assert "limits.carbon has no effect: this scenario has no carbon limits" in messages
    assert "industry xk can receive no land: no zone admits its category x" in only(found, "industries_admitted").message


def test_validate_runs_the_checks_and_run_records_warnings(tmp_path, capsys):
    zoning = {"a": {"admits": ["m", "g"]}, "b": {"admits": ["m"], "share_min": {"g": 0.5}}}
    path = write_tiny(tmp_path / "s", {"zoning": zoning})
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning [share_rules] zone b can receive no land" in out and "valid (1 warning)" in out
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root), "--quiet"]) == 0
    assert capsys.readouterr().err.startswith("warning: [share_rules] zone b can receive no land")
    (folder,) = root.iterdir()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["warnings"][0].startswith("[share_rules] zone b can receive no land")
    assert "zone b can receive no land" in (folder / "report.md").read_text(encoding="utf-8")


def test_validate_exits_3_on_a_proved_infeasibility(tmp_path, capsys):
    path = write_tiny(tmp_path / "s", industries=industries(lo=(20, None)))
    assert main(["validate", str(path)]) == 3
    captured = capsys.readouterr()
    assert "error [minimums_vs_land]" in captured.err and "invalid" in captured.out


def test_duplicate_names_from_a_family_are_bad_input(tmp_path, monkeypatch, capsys):
    def add_constraints(builder):
        for _ in range(2):
            builder.add("twice[u1]", "toy", [0], [1.0], "<=", 100.0, "km2", "a limit named twice")

    toy = types.SimpleNamespace(FAMILY="toy", add_constraints=add_constraints)
    monkeypatch.setattr(optimizer.rules, "RULE_FAMILIES", (*optimizer.rules.RULE_FAMILIES, toy))
    path = write_tiny(tmp_path / "s")
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: in {path}") and "duplicate constraint names: twice[u1]" in err
    assert not root.exists()
