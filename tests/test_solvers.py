"""HiGHS and CBC agree, statuses are honest, and an unknown solver is a clear input error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import optimizer
from conftest import INDUSTRIES, write_tiny
from optimizer.cli import main


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_tiny_optimum_and_prices_with_each_solver(tmp_path, solver):
    # See test_rules.test_city_carbon_budget_and_its_price for the working.
    result = optimizer.solve(write_tiny(tmp_path, {"carbon_budget": {"total_mt": 5}}), solver=solver)
    assert result.status == "optimal"
    assert result.solution.solver == solver
    assert result.objective == pytest.approx(112.5)
    prices = result.constraints.set_index("name")["shadow_price"]
    assert prices["carbon_budget"] == pytest.approx(1500)
    assert prices["land[u1]"] == pytest.approx(2.5e8)


def test_default_same_with_highs_and_cbc(default_result):
    cbc = optimizer.solve(solver="cbc")
    assert cbc.status == default_result.status == "optimal"
    assert cbc.objective == pytest.approx(default_result.objective, rel=1e-7)
    assert cbc.kpis["carbon_t"] == pytest.approx(default_result.kpis["carbon_t"], rel=1e-7)
    # The carbon budget's price is unique where the optimum is non-degenerate in it.
    highs_price = default_result.constraints.set_index("name").loc["carbon_budget", "shadow_price"]
    cbc_price = cbc.constraints.set_index("name").loc["carbon_budget", "shadow_price"]
    assert cbc_price == pytest.approx(highs_price, rel=1e-6)


def test_infeasible_is_reported_as_such(tmp_path):
    # lo ≥ 20 km² but only 15 km² exist.
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,20,")
    for solver in ("highs", "cbc"):
        result = optimizer.solve(write_tiny(tmp_path / solver, industries=industries), solver=solver)
        assert result.status == "infeasible"
        assert result.objective is None
        assert result.exit_code == 3


def test_minimum_for_an_industry_no_zone_admits_is_infeasible(tmp_path):
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,1,")
    zoning = {"a": {"admits": ["m"]}, "b": {"admits": ["m"]}}
    result = optimizer.solve(write_tiny(tmp_path, {"zoning": zoning}, industries=industries))
    assert result.status == "infeasible"


def test_a_time_limit_is_not_called_optimal(tmp_path):
    result = optimizer.solve(write_tiny(tmp_path), time_limit_s=1e-9)
    assert result.status in ("time_limit", "not_solved")
    assert result.exit_code == 4


def test_unknown_solver_exits_2_naming_the_valid_ones(tmp_path, capsys):
    code = main(["run", str(write_tiny(tmp_path)), "--solver", "gurobi-nope", "--results-root", str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "gurobi-nope" in err and "highs" in err and "cbc" in err
    assert not (tmp_path / "r").exists()


def test_unknown_solver_in_scenario_file(tmp_path, capsys):
    path = write_tiny(tmp_path, {"solver": {"name": "nosuch"}})
    assert main(["run", str(path), "--results-root", str(tmp_path / "r")]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_native_highs_runs_without_pulp(tmp_path):
    # PuLP serves the other solvers only; importing it cost every run a third of a second.
    code = ("import sys, optimizer; r = optimizer.solve(); r.save(sys.argv[1]); "
            "print(r.status, 'pulp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r")], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["optimal", "False"]
    with pytest.raises(optimizer.ScenarioError, match="no option 'bogus'"):
        optimizer.solve(write_tiny(tmp_path / "s"), options={"bogus": 1})  # still checked before any work


def test_highs_options_may_name_what_pulp_takes_as_keywords(tmp_path):
    # threads is a HiGHS option and a keyword of PuLP's HiGHS: both paths take it, a proved
    # infeasibility included (no solve is run then, but the solver is still named).
    industries = INDUSTRIES.replace("lo,Low carbon,g,4,100000,200,300,5,,", "lo,Low carbon,g,4,100000,200,300,5,20,")
    for solver in ("highs", "highs-pulp"):
        feasible = optimizer.solve(write_tiny(tmp_path / solver), solver=solver, options={"threads": 1})
        assert feasible.status == "optimal" and feasible.objective == pytest.approx(150)
        proved = optimizer.solve(write_tiny(tmp_path / f"{solver}-x", industries=industries), solver=solver,
                                 options={"threads": 1})
        assert (proved.status, proved.exit_code, proved.solution.solver) == ("infeasible", 3, solver)


def test_a_later_run_may_ask_for_another_number_of_threads(tmp_path):
    # HiGHS sizes one thread pool per process at its first run; a notebook's second run with
    # threads=1 failed ("Not Set") until the pool was made again for it. A fresh process, so that
    # the first run here is the one that sizes the pool.
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[2])
        from pathlib import Path
        import optimizer
        from conftest import write_tiny
        folder = Path(sys.argv[1])
        runs = [optimizer.solve(write_tiny(folder / "first"))]
        for solver in ("highs", "highs-pulp"):
            runs.append(optimizer.solve(write_tiny(folder / solver), solver=solver, threads=1))
        print(*[(run.status, round(run.objective)) for run in runs])
        """
    )
    tests = str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), tests], capture_output=True, text=True)
    assert out.stdout.split() == ["('optimal',", "150)"] * 3, out.stdout + out.stderr


def _on_path(monkeypatch, folder: Path, name: str, text: str) -> None:
    folder.mkdir()
    command = folder / name
    command.write_text(text)
    command.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_our_own_console_script_is_not_taken_for_xpress(tmp_path, monkeypatch, capsys):
    # PuLP runs XPRESS as a command named `optimizer`: where XPRESS is missing it found this
    # tool's console script, listed XPRESS twice, and `--solver XPRESS` ran the tool itself.
    _on_path(monkeypatch, tmp_path / "bin", "optimizer", f"#!{sys.executable}\nimport re\nimport sys\nfrom optimizer.cli import main\n"
             "if __name__ == '__main__':\n    sys.exit(main())\n")
    assert main(["solvers"]) == 0
    assert capsys.readouterr().out.split() == ["highs", "highs-pulp", "cbc"]
    for name in ("XPRESS", "xpress"):
        assert main(["run", str(write_tiny(tmp_path / name)), "--solver", name, "--results-root", str(tmp_path / "r")]) == 4
        assert "solver 'XPRESS' is known to PuLP but not installed here" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_real_xpress_command_is_listed_once(tmp_path, monkeypatch, capsys):
    _on_path(monkeypatch, tmp_path / "xpress", "optimizer", "#!/bin/sh\nexit 1\n")
    assert main(["solvers"]) == 0
    assert capsys.readouterr().out.split() == ["highs", "highs-pulp", "cbc", "XPRESS"]


@pytest.mark.parametrize("name", ["gurobi", "GUROBI", "Gurobi"])
def test_solver_names_are_case_insensitive(tmp_path, capsys, name):
    path = write_tiny(tmp_path)
    assert main(["run", str(path), "--solver", name, "--results-root", str(tmp_path / "r")]) == 4
    assert "solver 'GUROBI' is known to PuLP but not installed here" in capsys.readouterr().err

