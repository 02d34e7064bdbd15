"""Sweeps: the same numbers on every engine, known optima, resuming, sampling, summaries, bad input.

Known optima (the tiny scenario of conftest.py: land L = 15 km², or 7.5 with land_factor 0.5;
industry hi: output 10, carbon c_h Mt per km²; lo: output 4, carbon c_l; c_h = 0.5, c_l = 0.1
unless sampled). hi gives more output per km², lo more per t CO2, so with budget B (Mt):

    B >= c_h·L:          all hi,          output 10·L
    c_l·L <= B < c_h·L:  both limits bind, h = (B − c_l·L)/(c_h − c_l), output 4·L + 6·h
    B < c_l·L:           lo only,         output 4·B/c_l
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import optimizer
from conftest import write_tiny
from optimizer.cli import main
from optimizer.workflows.sweeps import load_sweep

CARBON_DRAWS = {"industries.*.carbon_t_per_km2": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.2,
                                                   "relative": True}}
SMALL = {  # 3 budgets x 2 land factors x 2 samples = 12 runs
    "name": "small",
    "grid": {"carbon_budget.total_mt": [2, 4, 8], "land_factor": [0.5, 1.0]},
    "samples": {"n": 2, "seed": 11, "coefficients": CARBON_DRAWS},
}


def tiny_optimum(budget_mt: float, land: float, c_hi: float, c_lo: float) -> float:
    """The output optimum of the tiny scenario (module docstring); coefficients in Mt per km²."""
    if budget_mt >= c_hi * land:
        return 10 * land
    if budget_mt >= c_lo * land:
        return 4 * land + 6 * (budget_mt - c_lo * land) / (c_hi - c_lo)
    return 4 * budget_mt / c_lo


def test_a_scheduler_without_dask_installed_says_what_to_install(tmp_path, monkeypatch, capsys):
    # Dask distributed is an extra: a None entry in sys.modules makes its import fail, as when missing.
    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "out"
    assert main(["sweep", "--grid", "land_factor=1", "--scheduler", "tcp://127.0.0.1:8786", "--out", str(out)]) == 4
    err = capsys.readouterr().err
    assert 'not installed here: python -m pip install "cq-site-optimizer[distributed]"' in err
    assert "Traceback" not in err and not out.exists()


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["seconds"]).reset_index(drop=True)


def test_same_numbers_serial_processes_and_dask(tmp_path):
    from distributed import LocalCluster

    base = write_tiny(tmp_path / "tiny")
    serial = optimizer.sweep(SMALL, base=base, out=tmp_path / "serial", workers=1, progress=False)
    processes = optimizer.sweep(SMALL, base=base, out=tmp_path / "processes", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = optimizer.sweep(SMALL, base=base, out=tmp_path / "dask", scheduler=cluster.scheduler_address,
                               progress=False)
    assert len(serial) == 12 and set(serial["status"]) == {"optimal"}
    pd.testing.assert_frame_equal(comparable(serial), comparable(processes))
    pd.testing.assert_frame_equal(comparable(serial), comparable(dask))
    for _, run in serial.iterrows():
        land = 15 * run["land_factor"]
        c_hi, c_lo = run["industries.hi.carbon_t_per_km2"] / 1e6, run["industries.lo.carbon_t_per_km2"] / 1e6
        expected = tiny_optimum(run["carbon_budget.total_mt"], land, c_hi, c_lo)
        assert run["output_100m_yuan"] == pytest.approx(expected, rel=1e-7)
        assert run["land_available_km2"] == pytest.approx(land)
    # Without samples the optima are the hand-worked ones: (B, land factor) in grid order.
    plain = optimizer.sweep({"grid": SMALL["grid"]}, base=base, out=tmp_path / "plain", workers=1, progress=False)
    assert plain["objective_value"].tolist() == pytest.approx([48.75, 67.5, 75, 97.5, 75, 150])
    # The folder holds the table in both formats, the summaries and the plots.
    folder = tmp_path / "serial"
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "sweep.parquet"), serial, check_dtype=False)
    assert len(pd.read_csv(folder / "sweep.csv")) == 12
    for plot in ("kpis.png", "selection.png"):
        assert (folder / "plots" / plot).read_bytes()[:4] == b"\x89PNG"


def test_samples_are_reproducible_and_independent_of_order(tiny):
    spec = {"grid": {"carbon_budget.total_mt": [2, 4]}, "samples": {"n": 5, "seed": 3, "coefficients": {
        **CARBON_DRAWS,
        "industries.hi.output_100m_yuan_per_km2": {"dist": "normal", "mean": 10, "sd": 2, "low": 9, "high": 11},
    }}}
    runs = [run.varied for run in load_sweep(spec, base=tiny).runs()]
    assert runs == [run.varied for run in load_sweep(spec, base=tiny).runs()]  # same seed, same samples
    other_seed = {**spec, "samples": {**spec["samples"], "seed": 4}}
    assert runs != [run.varied for run in load_sweep(other_seed, base=tiny).runs()]
    # Sample s draws the same values at every grid point (common random numbers).
    draws = [{k: v for k, v in varied.items() if k != "carbon_budget.total_mt"} for varied in runs]
    assert draws[:5] == draws[5:]
    # Adding a coefficient leaves the draws of the others unchanged.
    fewer = {**spec, "samples": {**spec["samples"], "coefficients": CARBON_DRAWS}}
    for reduced, full in zip(load_sweep(fewer, base=tiny).runs(), runs):
        assert reduced.varied.items() <= full.items()
    # Every draw lies within its distribution's bounds (relative: times the base value).
    hi = np.array([v["industries.hi.carbon_t_per_km2"] for v in runs]) / 500_000
    assert ((hi >= 0.8) & (hi <= 1.2)).all() and len(set(hi)) == 5
    output = np.array([v["industries.hi.output_100m_yuan_per_km2"] for v in runs])
    assert ((output >= 9) & (output <= 11)).all()


def test_selection_and_kpi_ranges(tmp_path):
    # Zone b admits only lo, so the allocation is unique. B = 8: u1 all hi (10 km²), u2 lo (5 km²),
    # output 120. B = 2: all 15 km² lo uses 1.5 Mt; the remaining 0.5 Mt turns 1.25 km² of u1 to hi
    # (0.4 Mt each): u1 hi 1.25 + lo 8.75, u2 lo 5, output 67.5. A 100 km² minimum for lo cannot fit.
    base = write_tiny(tmp_path / "tiny", {"zoning": {"a": {"admits": ["m", "g"]}, "b": {"admits": ["g"]}}})
    grid = {"carbon_budget.total_mt": [2, 8], "industries.lo.min_km2": [None, 100]}
    table = optimizer.sweep({"grid": grid}, base=base, out=tmp_path / "s", workers=1, progress=False)
    assert table["status"].tolist() == ["optimal", "infeasible", "optimal", "infeasible"]
    assert table["objective_value"].tolist()[::2] == pytest.approx([67.5, 120])
    selection = pd.read_csv(tmp_path / "s" / "selection.csv").set_index(["unit", "industry"])
    assert selection.loc[("u1", "hi")].to_dict() == pytest.approx({
        "runs_chosen": 2, "share_of_runs": 1.0, "land_mean_km2": 5.625, "land_min_km2": 1.25, "land_max_km2": 10,
        "land_mean_when_chosen_km2": 5.625})
    assert selection.loc[("u1", "lo")].to_dict() == pytest.approx({
        "runs_chosen": 1, "share_of_runs": 0.5, "land_mean_km2": 4.375, "land_min_km2": 0, "land_max_km2": 8.75,
        "land_mean_when_chosen_km2": 8.75})
    assert selection.loc[("u2", "lo"), "share_of_runs"] == 1.0 and len(selection) == 3
    for name in ("sweep.csv", "selection.csv", "kpi_ranges.csv"):  # opened in Excel like a results folder's tables
        assert (tmp_path / "s" / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
    ranges = pd.read_csv(tmp_path / "s" / "kpi_ranges.csv").set_index("kpi")
    assert ranges.loc["output_100m_yuan", ["count", "min", "max"]].tolist() == pytest.approx([2, 67.5, 120])
    assert json.loads(table.loc[0, "binding"]) == {"carbon_budget": pytest.approx(1500)}  # 6 per 0.4 Mt
    assert optimizer.workflows.sweeps.allocations(table.iloc[[0]]).set_index(["unit", "industry"])["land_km2"].to_dict() == (
        pytest.approx({("u1", "hi"): 1.25, ("u1", "lo"): 8.75, ("u2", "lo"): 5}))


def test_rerun_skips_finished_runs_and_any_run_can_be_solved_again(tmp_path):
    base = write_tiny(tmp_path / "tiny")
    out = tmp_path / "s"
    first = optimizer.sweep({"grid": {"carbon_budget.total_mt": [2, 4]}}, base=base, out=out, workers=1,
                            progress=False)
    stamps = {path.name: path.stat().st_mtime_ns for path in (out / "runs").glob("*.json")}
    # A larger grid keeps the ids of the runs it shares with the first: only the new one runs.
    larger = {"grid": {"carbon_budget.total_mt": [2, 4, 8]}}
    second = optimizer.sweep(larger, base=base, out=out, workers=1, progress=False)
    assert second["run_id"].tolist()[:2] == first["run_id"].tolist()
    assert {name: (out / "runs" / name).stat().st_mtime_ns for name in stamps} == stamps
    # keep_results writes each run's full results folder, solving again the runs that lack one.
    kept = optimizer.sweep(larger, base=base, out=out, workers=1, keep_results=True, progress=False)
    pd.testing.assert_frame_equal(comparable(kept), comparable(second))
    for run_id, output in zip(second["run_id"], second["output_100m_yuan"]):
        summary = json.loads((out / "runs" / run_id / "summary.json").read_text(encoding="utf-8"))
        assert summary["kpis"]["output_100m_yuan"] == pytest.approx(output)
    result = optimizer.sweep_result(out, second["run_id"][1])
    assert result.kpis["output_100m_yuan"] == second["output_100m_yuan"][1] == pytest.approx(97.5)
    assert result.scenario.carbon_budget.total_mt == 4
    # The folder's sweep.yaml is a sweep file of its own: running it resumes, running nothing.
    assert main(["sweep", str(out / "sweep.yaml"), "--out", str(out), "--quiet"]) == 0
    assert len(list((out / "runs").glob("*.json"))) == 3


def pool_workers(pid: int) -> list[int]:
    """The worker processes a process pool of process `pid` spawned (Linux: read from /proc)."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"spawn_main" in command:
            workers.append(int(stat.parent.name))
    return workers


def test_a_stopped_sweep_resumes_and_does_every_run_exactly_once(tmp_path):
    base = write_tiny(tmp_path / "tiny")
    spec = {"name": "stopped", "base": str(base), "samples": {"n": 100, "seed": 1, "coefficients": CARBON_DRAWS}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out"
    runs = out / "runs"
    command = [sys.executable, "-m", "optimizer", "sweep", str(path), "--out", str(out), "--workers"]

    def finished() -> dict:
        return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in runs.glob("*.json")}

    def stopped(workers: str, stop) -> tuple[int, str, dict]:
        """Run the sweep and `stop` it once 5 more runs are saved: exit code, stderr, saved runs."""
        before = finished() if runs.is_dir() else {}
        process = subprocess.Popen([*command, workers], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)  # its own process group, as a terminal's job
        deadline = time.monotonic() + 60
        while not (runs.is_dir() and len(list(runs.glob("*.json"))) >= len(before) + 5):
            assert time.monotonic() < deadline and process.poll() is None, "the sweep must be stopped halfway"
            time.sleep(0.005)
        stop(process.pid)
        _, err = process.communicate(timeout=60)
        for name, (stamp, content) in before.items():  # not run again
            assert (runs / name).stat().st_mtime_ns == stamp and (runs / name).read_bytes() == content
        if before:
            assert f"{len(before)} of 100 runs finished earlier; running the other {100 - len(before)}" in err
        return process.returncode, err, finished()

    # Ctrl-C in a terminal reaches the whole process group.
    code, err, _ = stopped("2", lambda pid: os.killpg(pid, signal.SIGINT))
    assert code == 130 and "run the same command again to resume" in err
    # A worker process dies: the runs in flight are lost, and said to be.
    code, err, _ = stopped("2", lambda pid: os.kill(pool_workers(pid)[0], signal.SIGKILL))
    assert code == 4 and "run the sweep again to retry them" in err
    # The driving process is killed outright (here running the sweep by itself).
    code, _, saved = stopped("1", lambda pid: os.kill(pid, signal.SIGKILL))
    assert code == -signal.SIGKILL and 15 <= len(saved) < 100

    again = subprocess.run([*command, "2"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{len(saved)} of 100 runs finished earlier" in again.stderr
    for name, (stamp, content) in saved.items():
        assert (runs / name).stat().st_mtime_ns == stamp and (runs / name).read_bytes() == content
    table = pd.read_csv(out / "sweep.csv")
    planned = [run.run_id for run in load_sweep(path).runs()]
    assert table["run_id"].tolist() == planned and len(set(planned)) == 100
    assert sorted(p.stem for p in runs.glob("*.json")) == sorted(planned)
    assert not list(runs.glob(".*")), "no temporary file is left behind"
    assert set(table["status"]) == {"optimal"}


BAD = [
    ("unknown-field", {"gird": {}}, ["sweep.yaml", "line 2", "field 'gird'", "Valid: name, description, base, grid"]),
    ("unknown-setting", {"grid": {"carbon_budgt.total_mt": [1]}},
     ["line 3", "carbon_budgt", "Valid:", "carbon_budget", "land_factor"]),
    ("unknown-row", {"grid": {"industries.steel.max_km2": [1]}}, ["no industries row 'steel'", "Valid: hi, lo, or *"]),
    ("unknown-column", {"grid": {"units.*.land": [1]}}, ["no units column 'land'", "land_km2"]),
    ("empty-values", {"grid": {"land_factor": []}}, ["grid.land_factor", "at least 1 item"]),
    ("negative-factor", {"grid": {"land_factor": [1, -1]}}, ["line 3", "land_factor", "number >= 0"]),
    ("invalid-run", {"grid": {"carbon_budget.total_mt": [1, -2]}},
     ["line 3", "run 1", "carbon_budget.total_mt", "greater than or equal to 0"]),
    ("unknown-distribution", {"samples": {"n": 2, "coefficients": {"land_factor": {"dist": "beta"}}}},
     ["line 5", "unknown distribution 'beta'", "Valid: uniform, triangular, normal"]),
    ("bad-triangle", {"samples": {"n": 2, "coefficients": {"land_factor": {"dist": "triangular", "low": 1, "mode": 3,
                                                                            "high": 2}}}},
     ["samples.coefficients.land_factor", "low <= mode <= high"]),
    ("unknown-draw-field", {"samples": {"n": 2, "coefficients": {"land_factor": {"dist": "uniform", "low": 0,
                                                                                  "high": 1, "sigma": 2}}}},
     ["sigma", "Valid: dist, relative, shared, low, high"]),
    ("negative-draw", {"samples": {"n": 20, "coefficients": {"industries.lo.carbon_t_per_km2": {
        "dist": "normal", "mean": 0, "sd": 1}}}},
     ["line 5", "field 'industries.lo.carbon_t_per_km2'", "greater than or equal to 0"]),
    ("missing-base", {"base": "nowhere.yaml", "grid": {"land_factor": [1]}}, ["line 1", "nowhere.yaml", "does not exist"]),
    ("grid-and-sampled", {"grid": {"industries.hi.carbon_t_per_km2": [4e5, 5e5]}, "samples": {"n": 2, "coefficients": {
        "industries.*.carbon_t_per_km2": {"dist": "uniform", "low": 0.9, "high": 1.1, "relative": True}}}},
     ["line 9", "industries.hi.carbon_t_per_km2 is both set by the grid and sampled"]),
]


@pytest.mark.parametrize("case, spec, fragments", BAD, ids=[case[0] for case in BAD])
def test_bad_sweep_files_name_file_line_field_and_valid_values(tmp_path, capsys, case, spec, fragments):
    write_tiny(tmp_path / "tiny")
    spec = {"base": "tiny/tiny.yaml", **spec}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    assert not out.exists(), "bad input must not write a sweep folder"


def test_bad_flags_exit_2(tmp_path, capsys):
    assert main(["sweep"]) == 2
    assert "nothing to sweep" in capsys.readouterr().err
    assert main(["sweep", "--grid", "land_factor"]) == 2
    assert "KEY=V1,V2" in capsys.readouterr().err
    folder = tmp_path / "not-a-sweep"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["sweep", "--grid", "land_factor=1", "--out", str(folder)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    out = tmp_path / "out"
    assert main(["sweep", "--grid", "land_factor=1", "--scheduler", "nowhere", "--out", str(out)]) == 2
    assert "cannot reach the Dask scheduler at nowhere" in capsys.readouterr().err
    assert main(["sweep", "--grid", "land_factor=1", "--solver", "nonesuch", "--out", str(out)]) == 2
    assert "solver 'nonesuch' is not available here" in capsys.readouterr().err
    assert not out.exists()


def test_multi_criteria_objectives_flow_through(tiny):
    # Epsilon-constraint: maximise output with carbon at most E, which is a budget of E:
    # E = 2 Mt -> 67.5, 3 Mt -> 4·15 + 6·(3 − 1.5)/0.4 = 82.5, 8 Mt -> all hi, 150 (module docstring).
    epsilon = optimizer.load_scenario(tiny).with_changes(
        objective={"method": "epsilon", "optimize": "output", "bounds": {"carbon": 1e6}})
    table = optimizer.sweep({"grid": {"objective.bounds.carbon": [2e6, 3e6, 8e6]}}, base=epsilon,
                            out=tiny.parent / "sweep", workers=1, progress=False)
    assert table["output_100m_yuan"].tolist() == pytest.approx([67.5, 82.5, 150])
    assert table["carbon_t"].tolist() == pytest.approx([2e6, 3e6, 7.5e6])


@pytest.mark.parametrize("damage", ["empty", "truncated", "not-utf8"])
def test_a_damaged_run_record_is_run_again_on_resume(tmp_path, capsys, damage):
    base = write_tiny(tmp_path / "tiny")
    out = tmp_path / "s"
    spec = {"grid": {"carbon_budget.total_mt": [2, 4]}}
    first = optimizer.sweep(spec, base=base, out=out, workers=1, progress=False)
    record = out / "runs" / f"{first['run_id'][0]}.json"
    text = record.read_bytes()
    record.write_bytes({"empty": b"", "truncated": text[: len(text) // 2], "not-utf8": b"\xff" + text}[damage])
    again = optimizer.sweep(spec, base=base, out=out, workers=1, progress=False)
    assert "1 run record(s)" in capsys.readouterr().err
    pd.testing.assert_frame_equal(comparable(again), comparable(first))
    assert json.loads(record.read_bytes())["status"] == "optimal"
