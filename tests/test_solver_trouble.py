"""Solver trouble: limits, failures and missing solvers get a clear message and exit 4; the best
solution found so far is saved and marked as not optimal; interrupted runs leave no folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pulp
import pytest

import optimizer
from conftest import write_tiny
from optimizer.cli import main

# Primal simplex from x = 0 (feasible here), no presolve, stopped after one iteration: HiGHS holds a
# feasible, not optimal, plan. Its first pivot brings x[u1,hi] to 10 km²: output 100 (the optimum is 112.5).
ONE_ITERATION = {"presolve": "off", "simplex_strategy": 4, "simplex_iteration_limit": 1}


def test_a_solver_stopped_at_a_limit_saves_its_best_solution_marked_not_optimal(tmp_path, capsys):
    path = write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5}, "solver": {"options": ONE_ITERATION}})
    result = optimizer.solve(path)
    assert result.status == "time_limit" and result.exit_code == 4
    assert result.objective == pytest.approx(100)
    assert "before proving optimality" in result.solution.message and "not optimal" in result.solution.message
    # The plan is feasible: every limit holds.
    assert (result.constraints["slack"] >= -1e-9).all()
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root)]) == 4
    assert "status: time_limit" in capsys.readouterr().out
    (folder,) = root.iterdir()
    assert json.loads((folder / "summary.json").read_text())["status"] == "time_limit"
    assert pd.read_csv(folder / "allocation.csv")["land_km2"].sum() == pytest.approx(10)
    assert "**Not optimal:**" in (folder / "report.md").read_text(encoding="utf-8")


def test_a_limit_reached_before_any_solution_says_what_to_do(tmp_path):
    result = optimizer.solve(write_tiny(tmp_path), time_limit_s=1e-9)
    assert result.status == "not_solved" and result.exit_code == 4 and not result.has_solution
    assert "before finding any solution" in result.solution.message


def test_a_solver_failure_is_exit_4_with_a_message_not_a_traceback(tmp_path, capsys):
    # HiGHS refuses matrix values above large_matrix_value (here 1; carbon coefficients are 1e5..5e5),
    # and PuLP's wrapper then fails reading the rows back: a real failure inside the solver call.
    path = write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5},
                                       "solver": {"options": {"large_matrix_value": 1.0}}})
    root = tmp_path / "results"
    assert main(["run", str(path), "--results-root", str(root)]) == 4
    out = capsys.readouterr().out
    assert "status: error" in out and "the solver failed" in out and "--solver cbc" in out
    (folder,) = root.iterdir()
    assert json.loads((folder / "summary.json").read_text())["status"] == "error"


def test_a_known_solver_that_is_not_installed_is_exit_4(tmp_path, capsys):
    missing = next(name for name in pulp.listSolvers() if name not in pulp.listSolvers(onlyAvailable=True))
    root = tmp_path / "results"
    assert main(["run", str(write_tiny(tmp_path / "s")), "--solver", missing, "--results-root", str(root)]) == 4
    err = capsys.readouterr().err
    assert f"'{missing}' is known to PuLP but not installed here" in err and "highs" in err
    assert not root.exists()


# A run that pauses while writing its results folder, so that a test can signal it there.
PAUSED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import optimizer.reporting.folder

    def paused(result):
        Path(sys.argv[1]).write_text("writing")
        time.sleep(60)

    optimizer.reporting.folder.markdown_report = paused
    from optimizer.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


def start_paused_run(tmp_path):
    marker, root = tmp_path / "writing", tmp_path / "results"
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_WRITER, str(marker), "run", str(write_tiny(tmp_path / "s")),
         "--results-root", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    partial = [p.name for p in root.iterdir()]
    assert len(partial) == 1 and partial[0].startswith(".tiny-") and ".partial-" in partial[0]
    return process, root


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_interrupted_mid_write_leaves_no_folder(tmp_path, signum):
    process, root = start_paused_run(tmp_path)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted; nothing was written" in err
    assert list(root.iterdir()) == []


def test_a_run_killed_mid_write_is_cleaned_up_by_the_next(tmp_path):
    process, root = start_paused_run(tmp_path)
    process.kill()  # SIGKILL: nothing can clean up; the half-written folder is hidden and marked with its pid
    process.communicate(timeout=60)
    (abandoned,) = root.iterdir()
    assert f".partial-{process.pid}-" in abandoned.name
    assert main(["run", str(tmp_path / "s" / "tiny.yaml"), "--results-root", str(root), "--quiet"]) == 0
    (folder,) = root.iterdir()
    assert not folder.name.startswith(".") and (folder / "summary.json").is_file()
