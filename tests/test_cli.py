"""The command line end to end: results folders, exit codes, reruns, atomic writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import optimizer
from conftest import INDUSTRIES, industries, write_tiny
from optimizer.cli import main

FILES = {"allocation.csv", "by_zone.csv", "by_industry.csv", "constraints.csv", "summary.json", "scenario.yaml",
         "scenario", "report.md", "report.html", "manifest.json"}


def test_run_with_no_argument_solves_the_default(tmp_path):
    command = [shutil.which("optimizer") or sys.executable, "run"]
    if not command[0].endswith("optimizer"):
        command = [sys.executable, "-m", "optimizer", "run"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "status: optimal" in done.stdout and "chongqing-default" in done.stdout
    (folder,) = (tmp_path / "results").iterdir()
    assert {p.name for p in folder.iterdir()} == FILES | {"why_here.csv", "site_admission.csv"}  # the sites' tables
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    allocation = pd.read_csv(folder / "allocation.csv")
    assert list(allocation.columns[:8]) == ["unit", "unit_name", "zone", "industry", "industry_name", "category",
                                            "land_km2", "output_100m_yuan"]
    # The objective is the output plus the sites' tie-break bonus, at most 10⁻³ per km² allocated.
    assert allocation["output_100m_yuan"].sum() == pytest.approx(summary["objective"]["value"], rel=1e-5)
    assert allocation["output_100m_yuan"].sum() < summary["objective"]["value"]


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The console script as a user runs it (``python -m optimizer`` where it is not on the PATH)."""
    script = shutil.which("optimizer")
    command = [script, *args] if script else [sys.executable, "-m", "optimizer", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def test_standard_output_holds_only_the_tools_own_lines(tmp_path):
    # highspy 1.16 prints a banner to the C-level stdout at its first Highs(): `folder=$(optimizer
    # run --quiet)` must still get the folder and nothing else, and every other line must be ours.
    quiet = _console("run", "--quiet", "--out", str(tmp_path / "q"), cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == f"{tmp_path / 'q'}\n"
    loud = _console("run", "--out", str(tmp_path / "l"), cwd=tmp_path)
    assert loud.returncode == 0, loud.stderr
    lines = loud.stdout.splitlines()
    assert lines[0].startswith("Scenario('chongqing-default'") and lines[1] == "status: optimal"
    assert lines[-1] == f"results: {tmp_path / 'l'}"
    assert all(line.startswith(("Scenario(", "status:", "output:", "carbon:", "land:", "plan:", "binds:", "        (+"))
               for line in lines[:-1]), lines
    checked = _console("validate", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "HiGHS" not in checked.stdout and checked.stdout.startswith("Scenario('chongqing-default'")
    code = "import optimizer; print(optimizer.solve().status)"
    api = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert api.stdout == "optimal\n", api.stdout + api.stderr


def test_results_folder_contents_and_exact_rerun(tmp_path):
    root = tmp_path / "results"
    path = write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5}})
    assert main(["run", str(path), "--results-root", str(root), "--quiet"]) == 0
    (first,) = root.iterdir()
    assert {p.name for p in first.iterdir()} == FILES
    constraints = pd.read_csv(first / "constraints.csv")
    assert list(constraints.columns) == ["name", "family", "meaning", "sense", "rhs", "unit", "activity", "slack",
                                         "shadow_price", "shadow_price_unit", "binding"]
    assert constraints.set_index("name").loc["carbon_budget", "shadow_price"] == pytest.approx(1500)
    report = (first / "report.md").read_text(encoding="utf-8")
    assert "city carbon budget of 5 Mt CO2 — one t CO2 more would add 1,500 yuan output" in report
    # The resolved scenario repeats the run exactly, into a new folder.
    assert main(["run", str(first / "scenario.yaml"), "--results-root", str(root), "--quiet"]) == 0
    second = next(p for p in root.iterdir() if p != first)
    for table in ("allocation.csv", "by_zone.csv", "constraints.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(first / table), pd.read_csv(second / table))


def test_runs_never_overwrite_each_other(tmp_path):
    root = tmp_path / "results"
    path = write_tiny(tmp_path / "s")
    for _ in range(3):
        assert main(["run", str(path), "--results-root", str(root), "--quiet"]) == 0
    assert len(list(root.iterdir())) == 3


def test_infeasible_exits_3_and_says_so(tmp_path, capsys):
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,20,")
    path = write_tiny(tmp_path / "s", industries=industries)
    assert main(["run", str(path), "--results-root", str(tmp_path / "r")]) == 3
    assert "status: infeasible" in capsys.readouterr().out
    (folder,) = (tmp_path / "r").iterdir()
    assert json.loads((folder / "summary.json").read_text())["status"] == "infeasible"


def test_time_limit_exits_4(tmp_path):
    path = write_tiny(tmp_path / "s")
    assert main(["run", str(path), "--time-limit", "1e-9", "--results-root", str(tmp_path / "r"), "--quiet"]) == 4


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    import optimizer.reporting.folder

    def interrupted(result):
        raise KeyboardInterrupt

    monkeypatch.setattr(optimizer.reporting.folder, "markdown_report", interrupted)
    root = tmp_path / "results"
    assert main(["run", str(write_tiny(tmp_path / "s")), "--results-root", str(root)]) == 130
    assert list(root.iterdir()) == []


def test_validate_reports_the_model_size(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "chongqing-default" in out and "admitted unit-industry pairs" in out


def test_solvers_lists_highs_and_cbc(capsys):
    assert main(["solvers"]) == 0
    assert {"highs", "cbc"} <= set(capsys.readouterr().out.split())


def test_python_api_save(tmp_path):
    result = optimizer.solve(write_tiny(tmp_path / "s"))
    folder = result.save(tmp_path / "mine")
    assert folder == tmp_path / "mine" and (folder / "summary.json").is_file()
    with pytest.raises(FileExistsError):
        result.save(tmp_path / "mine")


def test_a_run_does_without_numpys_huge_pages_unless_told(tmp_path, monkeypatch):
    import numpy as np

    toggle = np._core.multiarray._set_madvise_hugepage  # returns the setting it replaces
    previous = toggle(True)
    try:
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
        assert main(["run", str(write_tiny(tmp_path / "a")), "--out", str(tmp_path / "ra"), "--quiet"]) == 0
        assert toggle(True) is False  # the run turned them off
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's choice stands
        assert main(["run", str(write_tiny(tmp_path / "b")), "--out", str(tmp_path / "rb"), "--quiet"]) == 0
        assert toggle(True) is True
    finally:
        toggle(previous)


def test_report_sentences_read_right(tmp_path):
    """Names rather than ids, no 'nan', a share rule in words, and no 'binding' line worth nothing."""
    # Zone a must give g (lo) half its 10 km²: lo 5 and hi 5 there, hi 5 in u2 (output 120). One km²
    # less of lo in zone a goes to hi: 10 − 4 = 6 (100m yuan); one more km² in u1 is half hi, half
    # lo: 7. Three binding rows and three basic variables: the prices are unique.
    zoning = {"a": {"admits": ["m", "g"], "share_min": {"g": 0.5}}, "b": {"admits": ["m", "g"]}}
    assert main(["run", str(write_tiny(tmp_path / "s", {"zoning": zoning})), "--out", str(tmp_path / "out"),
                 "--quiet"]) == 0
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "nan" not in report and "| –" in report  # industries without min_km2
    assert ("- `share_min[a,g]`: g takes at least 50% of the land allocated in Zone A — one km² less would add 600.0 "
            "million yuan output.") in report
    assert "- `land[u1]`: land available in Unit one — one km² more would add 700.0 million yuan output." in report
    # With lo at most 5 km², that maximum is met exactly too: the rows' prices are then not unique
    # (HiGHS versions split them differently), but every limit met at price 0 is counted, not listed.
    bounded = write_tiny(tmp_path / "b", {"zoning": zoning}, industries=industries(lo=(None, 5)))
    assert main(["run", str(bounded), "--out", str(tmp_path / "bounded"), "--quiet"]) == 0
    report = (tmp_path / "bounded" / "report.md").read_text(encoding="utf-8")
    constraints = pd.read_csv(tmp_path / "bounded" / "constraints.csv")
    free = constraints[constraints["binding"] & (constraints["shadow_price"].abs() <= 1e-9)]
    assert len(free) >= 1 and "would add 0 yuan" not in report
    assert f"- {len(free)} more limit(s) are met exactly but have price 0" in report
    assert all(f"`{name}`" not in report for name in free["name"])


@pytest.mark.parametrize("args, message", [
    (["run", "{s}", "--time-limit", "-1"], "error: in command line, field '--time-limit': Input should be greater than 0"),
    (["frontier", "{s}", "--x", "bogus"], "error: in command line, field '--x': unknown criterion 'bogus'"),
    (["frontier", "{s}", "--points", "1"], "error: in command line, field '--x, --y, --points': a frontier needs"),
])
def test_command_line_errors_name_the_option(tmp_path, capsys, args, message):
    path = write_tiny(tmp_path / "s")
    assert main([arg.format(s=path) for arg in args] + ["--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith(message) and not (tmp_path / "out").exists()
