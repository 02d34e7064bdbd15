"""Multi-criteria methods and the Pareto frontier on the tiny scenario, where every figure is on paper.

The tiny scenario (conftest.py): u1 10 km², u2 5 km² (15 km² in all, intensity 1); per km²
hi: output 10, carbon 0.5 Mt, energy 1000, jobs 100, pollutant 50;
lo: output 4,  carbon 0.1 Mt, energy 200,  jobs 300, pollutant 5. No budget, no bounds.

The output–carbon frontier (ε = carbon bound in t): lo yields 4e-5 output per t, hi 2e-5, so
scarce carbon goes to lo first:
    ε ≤ 1.5e6 (15 km² of lo):  output = 4e-5·ε               slope 4,000 yuan per t CO2
    1.5e6 ≤ ε ≤ 7.5e6:          h + l = 15, 0.5h + 0.1l = ε/1e6 → output = 60 + 1.5e-5·(ε − 1.5e6)
                                                               slope 1,500 yuan per t CO2
ending at all hi: output 150, carbon 7.5e6. Minimum carbon is 0 (nothing allocated).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import optimizer
import optimizer.reporting.markdown
from conftest import INDUSTRIES, UNITS, write_tiny
from optimizer.cli import main


def tiny(tmp_path, objective=None, **changes):
    path = write_tiny(tmp_path / "s", {"objective": objective} if objective else None, **changes)
    return optimizer.load_scenario(path)


def allocated(result, industry):
    return float(result.allocation.loc[result.allocation["industry"] == industry, "land_km2"].sum())


def test_payoff_table(tmp_path):
    # Output alone: all hi. Jobs alone: all lo. Carbon, energy, pollutant, land alone: nothing.
    table = optimizer.payoff_table(tiny(tmp_path)).set_index("optimised")
    assert list(table.index) == ["output", "carbon", "energy", "jobs", "pollutant", "land"]
    assert (table["status"] == "optimal").all()
    assert table.loc["output", ["output", "carbon", "energy", "jobs", "pollutant", "land"]].tolist() == pytest.approx(
        [150, 7.5e6, 15_000, 1500, 750, 15]
    )
    assert table.loc["jobs", ["output", "carbon", "jobs", "land"]].tolist() == pytest.approx([60, 1.5e6, 4500, 15])
    for alone in ("carbon", "energy", "pollutant", "land"):
        assert table.loc[alone, ["output", "carbon", "land"]].tolist() == pytest.approx([0, 0, 0], abs=1e-2)


def test_weighted_sum_normalises_by_ideal_and_nadir(tmp_path):
    # Over the rows output and carbon: output ideal 150, nadir 0; carbon ideal 0, nadir 7.5e6.
    # Score = ½(150 − out)/150 + ½·carbon/7.5e6; per km², hi changes it by −1/30 + 1/30 = 0 and
    # lo by −4/300 + 1/150 = −1/150, so all land goes to lo: out 60, carbon 1.5e6, score
    # ½·0.6 + ½·0.2 = 0.4.
    result = optimizer.solve(tiny(tmp_path, {"method": "weighted", "weights": {"output": 1, "carbon": 1}}))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(0.4)
    assert allocated(result, "lo") == pytest.approx(15) and allocated(result, "hi") == pytest.approx(0, abs=1e-9)
    criteria = result.method_tables["criteria"].set_index("criterion")
    assert criteria.loc["output", ["ideal", "nadir", "weight", "normalised"]].tolist() == pytest.approx([150, 0, 0.5, 0.6])
    assert criteria.loc["carbon", ["ideal", "nadir", "normalised"]].tolist() == pytest.approx([0, 7.5e6, 0.2], rel=1e-6)
    assert set(result.method_tables) == {"criteria", "payoff"}


@pytest.mark.parametrize(
    "tolerance,hi,jobs",
    [
        # max jobs s.t. output ≥ 150·0.9 = 135: each km² moved from hi to lo costs 6 output and
        # adds 200 jobs, so 2.5 km² move: 12.5 hi + 2.5 lo, jobs 2,000.
        ({"relative": 0.1}, 12.5, 2000),
        # output ≥ 150 − 30 = 120: 5 km² move, jobs 2,500.
        ({"absolute": 30}, 10, 2500),
    ],
)
def test_lexicographic_keeps_the_first_within_its_tolerance(tmp_path, tolerance, hi, jobs):
    objective = {"method": "lexicographic", "order": ["output", "jobs"], "tolerance": {"output": tolerance}}
    result = optimizer.solve(tiny(tmp_path, objective))
    assert result.status == "optimal"
    assert allocated(result, "hi") == pytest.approx(hi, rel=1e-6)
    assert result.kpis["jobs"] == pytest.approx(jobs, rel=1e-6)
    steps = result.method_tables["lexicographic"]
    assert steps["criterion"].tolist() == ["output", "jobs"]
    assert steps["optimum"].tolist() == pytest.approx([150, jobs], rel=1e-6)
    assert result.constraints.set_index("name").loc["criterion_bound[output]", "binding"]


def test_lexicographic_without_tolerance_only_breaks_ties(tmp_path):
    result = optimizer.solve(tiny(tmp_path, {"method": "lexicographic", "order": ["output", "jobs"]}))
    assert result.kpis["output_100m_yuan"] == pytest.approx(150, rel=1e-6)
    assert result.kpis["jobs"] == pytest.approx(1500, rel=1e-6)


def test_epsilon_constraint_and_the_price_of_a_lower_bound(tmp_path):
    # max output s.t. jobs ≥ 4,000: 100h + 300(15 − h) ≥ 4,000 → h ≤ 2.5: output 25 + 50 = 75.
    # One job less in the bound frees 1/200 km² for hi: +6/200 (100m yuan) = 3,000,000 yuan per person.
    objective = {"method": "epsilon", "optimize": "output", "bounds": {"jobs": 4000}}
    result = optimizer.solve(tiny(tmp_path, objective))
    assert result.objective == pytest.approx(75)
    row = result.constraints.set_index("name").loc["criterion_bound[jobs]"]
    assert (row["sense"], row["family"], row["rhs"]) == (">=", "criteria", 4000)
    assert row["shadow_price"] == pytest.approx(3e6)
    assert row["shadow_price_unit"] == "yuan output per persons"
    # The carbon bound of the frontier's second piece: 3 Mt → 60 + 15·1.5 = 82.5, 1,500 yuan per t.
    result = optimizer.solve(tiny(tmp_path, {"method": "epsilon", "optimize": "output", "bounds": {"carbon": 3e6}}))
    assert result.objective == pytest.approx(82.5)
    assert result.constraints.set_index("name").loc["criterion_bound[carbon]", "shadow_price"] == pytest.approx(1500)


def test_with_changes_switches_or_adjusts_a_method(tmp_path):
    weighted = tiny(tmp_path, {"method": "weighted", "weights": {"output": 1, "carbon": 1}})
    adjusted = weighted.with_changes(objective={"weights": {"jobs": 2}})  # same method: settings merge
    assert adjusted.objective.weights == {"output": 1, "carbon": 1, "jobs": 2}
    switched = weighted.with_changes(objective={"method": "epsilon", "optimize": "output", "bounds": {"carbon": 3e6}})
    assert switched.objective.weights == {} and optimizer.solve(switched).objective == pytest.approx(82.5)
    assert switched.with_changes(objective="jobs").objective == "jobs"


def test_custom_indicator_is_a_criterion(tmp_path):
    # water: hi 8, lo 2 m³ per km², doubled in u2 (land intensity 2). Max output with water ≤ 60.
    # u2 at intensity 2 yields 20 (hi) or 8 (lo) output and uses 16 or 4 water per km²:
    # output per water: hi 10/8 = 1.25 everywhere, lo 4/2 = 2 everywhere; land is plentiful
    # (lo everywhere would use 10·2 + 5·4 = 40 water), so fill lo, then swap lo→hi where the
    # output gained per extra water is best: u1 swap gains 6 output for 6 water (1.0), u2 swap
    # 12 for 12 (1.0). 20 water left: output = 40 + 40 + 20 = 100.
    industries = INDUSTRIES.replace(",source\n", ",water_m3_per_km2,source\n", 1)
    industries = industries.replace("50,,,test", "50,,,8,test").replace("5,,,test", "5,,,2,test")
    units = UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,b,5,2")
    indicators = {"water": {"column": "water_m3_per_km2", "sense": "min", "unit": "m3", "label": "water use"}}
    path = write_tiny(tmp_path / "s", {"indicators": indicators, "objective": {
        "method": "epsilon", "optimize": "output", "bounds": {"water": 60}}}, industries=industries, units=units)
    result = optimizer.solve(path)
    assert result.objective == pytest.approx(100)
    assert result.kpis["water"] == pytest.approx(60)
    assert result.model.coefficients("criterion_bound[water]").to_dict() == pytest.approx(
        {"x[u1,hi]": 8, "x[u1,lo]": 2, "x[u2,hi]": 16, "x[u2,lo]": 4}
    )
    assert "water" in result.method_tables["payoff"].columns
    # A single-criterion objective may be the indicator itself; its total shows in the KPIs.
    alone = optimizer.solve(result.scenario.with_changes(objective="water"))
    assert alone.objective == pytest.approx(0) and "water use (m3)" in optimizer.reporting.markdown.markdown_report(alone)


def test_frontier_on_paper(tmp_path):
    ticks = []
    table = optimizer.frontier(tiny(tmp_path), x="carbon", y="output", points=6, progress=lambda *t: ticks.append(t))
    assert ticks == [(done, 10) for done in range(1, 11)]  # 4 solves for the ends, one per point
    eps = np.array([0, 1.5, 3, 4.5, 6, 7.5]) * 1e6
    assert table["bound"].to_numpy() == pytest.approx(eps, abs=1)
    assert table["y"].tolist() == pytest.approx([0, 60, 82.5, 105, 127.5, 150], abs=1e-4)
    assert table["x"].tolist() == pytest.approx(eps.tolist(), abs=1)
    assert table["efficient"].all() and (table["status"] == "optimal").all()
    # Slopes 4,000 then 1,500 yuan per t; at the kink (1.5 Mt) the price lies between them, and
    # at the top end between 0 and 1,500.
    prices = table["shadow_price"].to_numpy()
    assert prices[0] == pytest.approx(4000) and prices[2:5] == pytest.approx([1500] * 3)
    assert 1500 - 1e-6 <= prices[1] <= 4000 + 1e-6 and -1e-6 <= prices[5] <= 1500 + 1e-6
    assert table.attrs["shadow_price_unit"] == "yuan output per t CO2"
    # Knee: normalised (u, v) = (ε/7.5e6, y/150); v − u is largest (0.2) at the kink.
    assert table.loc[table["knee"], "point"].tolist() == [2]
    # Every point's full solution is attached, and each rule holds in it.
    second = table["result"][1]
    assert allocated(second, "lo") == pytest.approx(15) and second.kpis["carbon_t"] == pytest.approx(1.5e6)
    assert table["land_km2[g]"].tolist()[1] == pytest.approx(15)


def test_frontier_of_two_criteria_to_maximise(tmp_path):
    # Jobs against output: all hi gives output 150, jobs 1,500; all lo 60 and 4,500. Between
    # them, output ≥ ε with h + l = 15: h = (ε − 60)/6, jobs = 4,500 − 200·h.
    table = optimizer.frontier(tiny(tmp_path), x="output", y="jobs", points=4)
    assert table["bound"].tolist() == pytest.approx([150, 120, 90, 60], rel=1e-6)
    assert table["y"].tolist() == pytest.approx([1500, 2500, 3500, 4500], rel=1e-6)
    # Lowering the output floor by one (100m yuan) adds 200/6 jobs, from the ≥ bound's price.
    assert table["shadow_price"].iloc[1:3].tolist() == pytest.approx([200 / 6] * 2)


def test_frontier_cli_writes_a_whole_folder(tmp_path, capsys):
    path = write_tiny(tmp_path / "s")
    out = tmp_path / "front"
    code = main(["frontier", str(path), "--x", "carbon", "--y", "output", "--points", "6", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "<- knee" in text and "yuan output per t CO2" in text
    assert {p.name for p in out.iterdir()} == {"frontier.csv", "frontier.png", "frontier.svg", "payoff.csv", "points",
                                                "report.md", "scenario", "scenario.yaml", "summary.json"}
    frontier = pd.read_csv(out / "frontier.csv")
    assert len(frontier) == 6 and "result" not in frontier.columns
    assert frontier["y"].tolist() == pytest.approx([0, 60, 82.5, 105, 127.5, 150], abs=1e-4)
    assert (out / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["knee_point"] == 2 and summary["statuses"] == {"optimal": 6}
    assert len(pd.read_csv(out / "payoff.csv")) == 6
    # A point's folder is a full results folder whose scenario repeats that point exactly.
    point = out / "points" / "point-03"
    assert main(["run", str(point / "scenario.yaml"), "--out", str(tmp_path / "again"), "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(point / "allocation.csv"), pd.read_csv(tmp_path / "again" / "allocation.csv"))


def test_frontier_of_an_infeasible_scenario_says_so(tmp_path, capsys):
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,20,")
    out = tmp_path / "front"
    path = write_tiny(tmp_path / "s", industries=industries)
    assert main(["frontier", str(path), "--out", str(out)]) == 3
    printed = capsys.readouterr().out
    assert "point 1: infeasible" in printed
    # why, in planning terms: lo needs 20 km² and both units together have 15
    assert "why:" in printed and "industry_min[lo]" in printed and "5 km² short" in printed, printed
    assert pd.read_csv(out / "frontier.csv")["status"].tolist() == ["infeasible"]
    assert "industry_min[lo]" in (out / "points" / "point-01" / "diagnosis.md").read_text(encoding="utf-8")
    assert "industry_min[lo]" in (out / "report.md").read_text(encoding="utf-8")
    table = optimizer.frontier(optimizer.load_scenario(path), points=3)
    assert [c.name for c in table["result"].iloc[0].diagnosis.changes] == ["industry_min[lo]"]


def test_run_chooses_a_method_on_the_command_line(tmp_path, capsys):
    path = write_tiny(tmp_path / "s")
    root = tmp_path / "r"
    args = ["run", str(path), "--results-root", str(root), "--quiet"]
    assert main([*args, "--lexicographic", "output,jobs", "--tolerance", "output=10%"]) == 0
    (folder,) = root.iterdir()
    assert {"payoff.csv", "criteria.csv", "lexicographic.csv"} <= {p.name for p in folder.iterdir()}
    assert json.loads((folder / "summary.json").read_text())["kpis"]["jobs"] == pytest.approx(2000)
    assert "## Lexicographic" in (folder / "report.md").read_text()
    assert main([*args, "--weights", "output=1,carbon=1"]) == 0
    assert main([*args, "--objective", "output", "--bound", "carbon=3e6"]) == 0
    summaries = [json.loads((f / "summary.json").read_text()) for f in sorted(root.iterdir())]
    assert sorted(s["objective"]["value"] for s in summaries) == pytest.approx([0.4, 82.5, 2000], rel=1e-6)


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--weights", "output=lots"], ["--weights", "'lots' is not a number"]),
        (["--weights", "happiness=1"], ["--weights", "unknown criterion 'happiness'", "Valid: output, carbon"]),
        (["--tolerance", "output=1%"], ["--tolerance needs --lexicographic"]),
        (["--weights", "output=1", "--objective", "jobs"], ["exclude each other"]),
        (["--lexicographic", "output,jobs", "--tolerance", "jobs=1%"], ["tolerance applies to the criteria before"]),
    ],
)
def test_bad_method_on_the_command_line(tmp_path, capsys, args, fragments):
    root = tmp_path / "r"
    assert main(["run", str(write_tiny(tmp_path / "s")), "--results-root", str(root), *args]) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err
    assert not root.exists()


@pytest.mark.parametrize(
    "args,fragment",
    [(["--x", "water"], "unknown criterion 'water'"), (["--points", "1"], "at least 2 points")],
)
def test_bad_frontier_request(tmp_path, capsys, args, fragment):
    assert main(["frontier", str(write_tiny(tmp_path / "s")), "--results-root", str(tmp_path / "r"), *args]) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


WATER = INDUSTRIES.replace(",source\n", ",water_m3_per_km2,source\n", 1).replace(",,,test", ",,,1,test")
INDICATORS = {"water": {"column": "water_m3_per_km2", "sense": "min", "unit": "m3"}}
BAD = [
    ("unknown-method", {"objective": {"method": "pareto"}}, {}, ["tiny.yaml", "objective.method", "Valid: weighted, lexicographic, epsilon"]),
    ("stray-field", {"objective": {"method": "weighted", "weights": {"output": 1}, "order": ["output"]}}, {},
     ["objective", "order does not apply to method weighted"]),
    ("unknown-weighted-criterion", {"objective": {"method": "weighted", "weights": {"happiness": 1}}}, {},
     ["tiny.yaml", "objective.weights", "unknown criterion 'happiness'", "Valid: output, carbon, energy"]),
    ("negative-weight", {"objective": {"method": "weighted", "weights": {"output": -1}}}, {},
     ["objective.weights.output", "greater than or equal to 0"]),
    ("zero-weights", {"objective": {"method": "weighted", "weights": {"output": 0}}}, {}, ["at least one above 0"]),
    ("two-tolerances", {"objective": {"method": "lexicographic", "order": ["output", "jobs"],
                                      "tolerance": {"output": {"relative": 0.1, "absolute": 3}}}}, {},
     ["objective.tolerance.output", "exactly one of relative"]),
    ("epsilon-without-bounds", {"objective": {"method": "epsilon", "optimize": "output"}}, {}, ["needs optimize", "bounds"]),
    ("epsilon-bounds-itself", {"objective": {"method": "epsilon", "optimize": "output", "bounds": {"output": 3}}}, {},
     ["cannot also be bounded"]),
    ("objective-not-a-name", {"objective": 3}, {}, ["objective must be a criterion name or a method"]),
    ("undeclared-indicator-column", {}, {"industries": WATER}, ["industries.csv", "line 2", "unknown column 'water_m3_per_km2'",
                                                                "declared under `indicators`"]),
    ("indicator-column-missing", {"indicators": {"water": {"column": "water_m3", "sense": "min"}}}, {},
     ["indicators.water.column", "no numeric column 'water_m3'", "Valid: carbon_t_per_km2"]),
    ("indicator-name-taken", {"indicators": {"carbon": {"column": "water_m3_per_km2", "sense": "min"}}}, {"industries": WATER},
     ["indicators.carbon", "taken"]),
    ("indicator-bad-sense", {"indicators": {"water": {"column": "water_m3_per_km2", "sense": "less"}}}, {"industries": WATER},
     ["indicators.water.sense", "'max' or 'min'"]),
    ("indicator-not-a-number", {"indicators": INDICATORS}, {"industries": WATER.replace(",1,test", ",lots,test", 1)},
     ["industries.csv", "line 2", "indicator column 'water_m3_per_km2' needs a finite number", "'lots'"]),
    ("indicator-blank", {"indicators": INDICATORS}, {"industries": WATER.replace(",1,test", ",,test", 1)},
     ["industries.csv", "line 2", "needs a finite number"]),
]


@pytest.mark.parametrize("case,changes,tables,fragments", BAD, ids=[c[0] for c in BAD])
def test_bad_multicriteria_input_is_explained(tmp_path, capsys, case, changes, tables, fragments):
    path = write_tiny(tmp_path / "s", changes, **tables)
    root = tmp_path / "r"
    for command in (["validate", str(path)], ["run", str(path), "--results-root", str(root)],
                    ["frontier", str(path), "--results-root", str(root)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err
        for fragment in fragments:
            assert fragment in err, f"{fragment!r} not in: {err}"
    assert not root.exists()


def test_a_declared_indicator_survives_with_changes_and_the_resolved_copy(tmp_path):
    path = write_tiny(tmp_path / "s", {"indicators": INDICATORS, "objective": "water"}, industries=WATER)
    result = optimizer.solve(optimizer.load_scenario(path).with_changes(industries={"lo": {"water_m3_per_km2": 0.5}}))
    folder = result.save(tmp_path / "run")
    again = optimizer.load_scenario(folder / "scenario.yaml")
    assert again.table("industries")["water_m3_per_km2"].tolist() == [1.0, 0.5]
    assert repr(again).endswith("objective water, solver highs)")
