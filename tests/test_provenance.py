"""manifest.json in every results folder, and `optimizer rerun`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pulp
import pytest

import optimizer
from conftest import write_tiny
from optimizer.cli import main
from optimizer.core.csvfile import write_csv


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(tmp_path, changes=None) -> Path:
    root = tmp_path / "results"
    assert main(["run", str(write_tiny(tmp_path / "s", changes)), "--results-root", str(root), "--quiet"]) == 0
    return max(root.iterdir())


def test_the_manifest_says_where_every_number_came_from(tmp_path):
    folder = _run(tmp_path, {"carbon_budget": {"total_mt": 5}})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # The scenario and every data file it was read from, with their SHA-256.
    files = manifest["scenario"]["files"]
    assert {Path(p).name for p in files} == {"tiny.yaml", "zones.csv", "units.csv", "industries.csv"}
    for path, digest in files.items():
        assert _sha(Path(path)) == digest
    assert manifest["scenario"]["changed_after_loading"] is False
    assert manifest["scenario"]["settings"]["carbon_budget"]["total_mt"] == 5
    # The resolved copy in the folder, and every file written, hashed.
    assert set(manifest["resolved_scenario"]) == {"scenario.yaml", "scenario/zones.csv", "scenario/units.csv",
                                                  "scenario/industries.csv"}
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["outputs"]) == written
    for path, digest in manifest["outputs"].items():
        assert _sha(folder / path) == digest
    # Software, solver, status and timings.
    assert manifest["tool"]["version"] == optimizer.__version__
    git = manifest["tool"]["git"]
    if (Path(optimizer.__file__).parent.parent / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}", git["commit"]) and isinstance(git["dirty"], bool)
    assert manifest["packages"]["pulp"] == pulp.__version__
    assert re.fullmatch(r"3\.\d+\.\d+", manifest["python"])
    assert manifest["solver"]["name"] == "highs" and manifest["solver"]["version"]
    assert manifest["solver"]["options"]["name"] == "highs"
    # max 10h + 4l, h + l ≤ 15, 0.5h + 0.1l ≤ 5 (Mt → 100m yuan per km² units): h = 8.75, l = 6.25 → 112.5.
    assert manifest["result"]["status"] == "optimal"
    assert manifest["result"]["objective"] == pytest.approx(112.5)
    assert manifest["result"]["gap"] == 0.0
    assert set(manifest["timings_s"]) == {"load", "build", "reduce", "checks", "solve", "report"}
    assert manifest["started"] and manifest["host"]


def test_a_scenario_changed_in_python_says_so(tmp_path):
    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s"))
    folder = optimizer.solve(scenario.with_changes(carbon_budget={"total_mt": 5})).save(tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"]["changed_after_loading"] is True


def test_changed_settings_are_told_without_loading_the_files_again(tmp_path, monkeypatch):
    from optimizer.reporting import manifest as provenance
    from optimizer.scenario import loading as scenario_module

    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s"))
    monkeypatch.setattr(scenario_module, "load_scenario", None)  # unchanged files are not read again
    assert provenance._changed_after_loading(scenario.with_changes(solver={"reduce": False})) is True
    same = scenario.with_changes(solver={"reduce": False}).with_changes(solver={"reduce": scenario.solver.reduce})
    assert provenance._changed_after_loading(same) is False
    monkeypatch.undo()  # a changed table: the files are read again and compared
    assert provenance._changed_after_loading(scenario.with_changes(industries={"hi": {"max_km2": 2}})) is True


def test_rerun_of_a_fresh_folder_matches(tmp_path, capsys):
    folder = _run(tmp_path, {"carbon_budget": {"total_mt": 5}})
    capsys.readouterr()
    assert main(["rerun", str(folder), "--out", str(tmp_path / "again")]) == 0
    out = capsys.readouterr().out
    assert "match: status, objective, allocation and other decisions agree" in out
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rerun_of"] == str(folder)


def test_rerun_of_an_edited_folder_is_a_mismatch(tmp_path, capsys):
    folder = _run(tmp_path, {"carbon_budget": {"total_mt": 5}})
    units = folder / "scenario" / "units.csv"
    edited = pd.read_csv(units)
    assert edited.loc[edited["id"] == "u2", "land_km2"].tolist() == [5.0]
    write_csv(edited.assign(land_km2=edited["land_km2"].where(edited["id"] != "u2", 8.0)), units)
    capsys.readouterr()
    assert main(["rerun", str(folder), "--out", str(tmp_path / "again")]) == 5
    out = capsys.readouterr().out
    assert "scenario/units.csv was edited after the run" in out
    # 18 km² now: 0.4h = 5 − 1.8 → h = 8, l = 10 → 120 (was 112.5).
    assert "objective: 112.5 then, 120 now" in out and "mismatch" in out


def test_rerun_needs_a_results_folder(tmp_path, capsys):
    assert main(["rerun", str(tmp_path)]) == 2
    assert "is not a results folder" in capsys.readouterr().err


def test_rerun_compares_project_sites_too(tmp_path, capsys):
    # Projects alone: P (2 km²) may go only to u1, so a projects.csv that says u2 is not this plan.
    project = {"id": "P", "industry": "hi", "land_km2": 2, "investment_100m_yuan": 1, "output_100m_yuan": 30,
               "carbon_t": 0, "allowed_units": "u1"}
    folder = _run(tmp_path, {"projects": {"land_allocation": False, "table": [project]}})
    table = pd.read_csv(folder / "projects.csv", keep_default_na=False)
    assert table["unit"].tolist() == ["u1"]
    write_csv(table.assign(unit="u2"), folder / "projects.csv")
    capsys.readouterr()
    assert main(["rerun", str(folder), "--out", str(tmp_path / "again")]) == 5
    assert "differs: projects P: unit u2 then, u1 now" in capsys.readouterr().out


def test_rerun_and_compare_read_ids_such_as_NA_and_None_as_text(tmp_path, capsys):
    # pandas reads NA, None, null and nan as missing unless told not to: the plan "moved" from u1 to nan.
    from conftest import INDUSTRIES, UNITS

    path = write_tiny(tmp_path / "s", {"carbon_budget": {"total_mt": 5}}, units=UNITS.replace("u1,", "NA,"),
                      industries=INDUSTRIES.replace("lo,Low", "None,Low"))
    result = optimizer.solve(path)
    assert set(result.allocation["unit"]) == {"NA", "u2"} and set(result.allocation["industry"]) == {"hi", "None"}
    folder = result.save(tmp_path / "run")
    assert main(["rerun", str(folder), "--out", str(tmp_path / "again")]) == 0
    c = optimizer.compare([folder, tmp_path / "again"])
    assert c.allocation_changes.empty and c.data_changes.empty and c.constraint_changes.empty


def test_formula_like_ids_are_neutralised_in_the_tables_and_still_rerun(tmp_path, capsys):
    units = "id,name,zone,land_km2,land_intensity\nu1,=1+1,a,10,1\nu2,@SUM(A1),b,5,1\n"  # ids are letters first
    root = tmp_path / "results"
    assert main(["run", str(write_tiny(tmp_path / "s", units=units)), "--results-root", str(root), "--quiet"]) == 0
    folder = max(root.iterdir())
    allocation = (folder / "allocation.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in allocation and "'@SUM(A1)" in allocation
    assert (folder / "scenario" / "units.csv").read_text(encoding="utf-8-sig").split("\n")[1].startswith('"u1","=1+1"')
    capsys.readouterr()
    assert main(["rerun", str(folder), "--out", str(tmp_path / "again")]) == 0
    assert "match:" in capsys.readouterr().out
    assert main(["compare", str(folder), str(tmp_path / "again"), "--out", str(tmp_path / "cmp")]) == 0
    assert main(["run", str(folder / "scenario.yaml"), "--out", str(tmp_path / "repeat"), "--quiet"]) == 0
