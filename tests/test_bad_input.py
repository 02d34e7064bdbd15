"""Bad input: a one-paragraph message naming file, field and line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import BASE, INDUSTRIES, UNITS, ZONES, write_tiny
from optimizer.cli import main


def run_cli(args, tmp_path, capsys):
    root = tmp_path / "results"
    code = main([*args, "--results-root", str(root)] if args[0] == "run" else args)
    err = capsys.readouterr().err
    assert not root.exists() or not any(root.iterdir()), "bad input must not write a results folder"
    return code, err


# (case id, how to break the tiny scenario, fragments the message must contain)
CASES = [
    ("yaml-syntax", {"yaml_text": "name: tiny\nzoning: [a, b\n"}, ["tiny.yaml", "line", "not valid YAML"]),
    ("yaml-not-mapping", {"yaml_text": "- just\n- a list\n"}, ["tiny.yaml", "mapping"]),
    ("yaml-duplicate-key", {"yaml_text": "name: tiny\nzoning:\n  a: {admits: [m]}\n  a: {admits: [g]}\n"},
     ["tiny.yaml", "line 4", "zoning.a", "given twice (also on line 3)"]),
    ("unknown-field", {"changes": {"carbon_budgt": {"total_mt": 5}}}, ["tiny.yaml", "carbon_budgt", "Valid", "carbon_budget"]),
    ("unknown-nested-field", {"changes": {"carbon_budget": {"total": 5}}}, ["tiny.yaml", "carbon_budget.total", "total_mt"]),
    ("wrong-type", {"changes": {"carbon_budget": {"total_mt": "lots"}}}, ["tiny.yaml", "carbon_budget.total_mt", "line"]),
    ("negative-budget", {"changes": {"carbon_budget": {"total_mt": -1}}}, ["carbon_budget.total_mt", "greater than or equal to 0"]),
    ("unknown-objective", {"changes": {"objective": "happiness"}}, ["objective", "output", "carbon"]),
    ("unknown-zone-in-zoning", {"changes": {"zoning": {"a": {"admits": ["m"]}, "b": {"admits": ["m"]}, "zz": {"admits": []}}}},
     ["tiny.yaml", "zoning.zz", "Valid: a, b"]),
    ("unknown-category", {"changes": {"zoning": {"a": {"admits": ["m", "steel"]}, "b": {"admits": ["m"]}}}},
     ["tiny.yaml", "zoning.a.admits", "steel", "Valid: g, m"]),
    ("zone-without-rule", {"changes": {"zoning": {"a": {"admits": ["m"]}}}}, ["zoning", "b", "admits: []"]),
    ("share-above-one", {"changes": {"zoning": {"a": {"admits": ["m"], "share_min": {"m": 1.5}}, "b": {"admits": ["m"]}}}},
     ["zoning.a.share_min.m", "less than or equal to 1"]),
    ("missing-table-file", {"changes": {"units": "nowhere/units.csv"}}, ["tiny.yaml", "units", "does not exist"]),
    ("missing-column", {"units": "id,name,zone\nu1,One,a\n"}, ["units.csv", "land_km2", "line 1"]),
    ("unknown-column", {"units": "id,zone,land_km2,colour\nu1,a,3,red\n"}, ["units.csv", "colour", "line 2"]),
    ("not-a-number", {"units": UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,b,five,1")},
     ["units.csv", "line 3", "land_km2", "five"]),
    ("negative-land", {"units": UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,b,-5,1")},
     ["units.csv", "line 3", "land_km2", "greater than or equal to 0"]),
    ("negative-coefficient", {"industries": INDUSTRIES.replace("lo,Low carbon,g,4,100000", "lo,Low carbon,g,4,-100000")},
     ["industries.csv", "line 3", "carbon_t_per_km2"]),
    ("nan", {"industries": INDUSTRIES.replace("lo,Low carbon,g,4,100000", "lo,Low carbon,g,nan,100000")},
     ["industries.csv", "line 3", "output_100m_yuan_per_km2"]),
    ("inf", {"industries": INDUSTRIES.replace("lo,Low carbon,g,4,100000", "lo,Low carbon,g,4,inf")},
     ["industries.csv", "line 3", "carbon_t_per_km2"]),
    ("min-above-max", {"industries": INDUSTRIES.replace("hi,High output,m,10,500000,1000,100,50,,", "hi,High output,m,10,500000,1000,100,50,9,3")},
     ["industries.csv", "line 2", "min_km2"]),
    ("unknown-unit-zone", {"units": UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,q,5,1")},
     ["units.csv", "line 3", "units.zone", "'q'", "Valid: a, b"]),
    ("duplicate-id", {"units": UNITS + "u1,Again,a,1,1\n"}, ["units.csv", "line 4", "duplicate id 'u1'"]),
    # an update of the table found its rows by id and merged the two u1 rows into one
    ("duplicate-id-updated", {"units": UNITS + "u1,Again,a,1,1\n", "changes": {"units": {"file": "units.csv", "update": {"u2": {"land_km2": 6}}}}},
     ["units.csv", "duplicate id 'u1' on lines 2 and 4"]),
    ("empty-table", {"industries": INDUSTRIES.splitlines()[0] + "\n"}, ["industries.csv", "no rows"]),
    ("empty-file", {"zones": ""}, ["zones.csv", "not a valid CSV"]),
    ("bad-encoding", {"zones_bytes": "id,name,name_zh\na,Zone A,甲区\nb,Zone B,乙区\n".encode("gb18030")}, ["zones.csv", "UTF-8"]),
    # a blank cell in a column that has no default is "missing", whatever pydantic version
    ("blank-required-id", {"zones": ZONES.replace("a,Zone A", ",Zone A")}, ["zones.csv", "line 2", "zones.id", "required"]),
    ("blank-required-land", {"units": UNITS.replace("u2,Unit two,b,5,1", "u2,Unit two,b, ,1")},
     ["units.csv", "line 3", "units.land_km2", "required"]),
    ("bad-id", {"units": UNITS.replace("u2,Unit two", "u 2,Unit two")}, ["units.csv", "line 3", "units.id"]),
    ("limits-unknown-family", {"changes": {"limits": {"carbn": {"firm": True}}}},
     ["tiny.yaml", "line", "limits.carbn", "Valid: agglomeration, balance, capacity_replacement, carbon, energy,"]),
    ("limits-firm-and-soft", {"changes": {"limits": {"carbon": {"firm": True, "soft": True, "penalty_per_unit": 1}}}},
     ["tiny.yaml", "limits.carbon", "either firm or soft"]),
    ("limits-soft-without-penalty", {"changes": {"limits": {"land": {"soft": True}}}},
     ["tiny.yaml", "limits.land", "penalty_per_unit"]),
    ("limits-negative-penalty", {"changes": {"limits": {"land": {"soft": True, "penalty_per_unit": -3}}}},
     ["tiny.yaml", "limits.land.penalty_per_unit", "greater than 0"]),
    ("solver-bad-option", {"changes": {"solver": {"options": {"presolve": "maybe"}}}},
     ["tiny.yaml", "solver.options.presolve", "Valid"]),
]


@pytest.mark.parametrize("case,breakage,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_explained(tmp_path, capsys, case, breakage, fragments):
    tables = {k: breakage[k] for k in ("zones", "units", "industries") if k in breakage}
    path = write_tiny(tmp_path / "s", breakage.get("changes"), **tables)
    if "yaml_text" in breakage:
        path.write_text(breakage["yaml_text"], encoding="utf-8")
    if "zones_bytes" in breakage:
        (path.parent / "zones.csv").write_bytes(breakage["zones_bytes"])
    for command in (["validate", str(path)], ["run", str(path)]):
        code, err = run_cli(command, tmp_path, capsys)
        assert code == 2, err
        assert err.startswith("error: ") and "Traceback" not in err
        for fragment in fragments:
            assert fragment in err, f"{fragment!r} not in: {err}"


def test_missing_scenario_file(tmp_path, capsys):
    code, err = run_cli(["run", str(tmp_path / "nope.yaml")], tmp_path, capsys)
    assert code == 2 and "nope.yaml" in err and "does not exist" in err


def test_extends_cycle(tmp_path, capsys):
    write_tiny(tmp_path)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    code, err = run_cli(["run", str(tmp_path / "a.yaml")], tmp_path, capsys)
    assert code == 2 and "cycle" in err and "a.yaml -> b.yaml -> a.yaml" in err


def test_extends_missing_parent(tmp_path, capsys):
    (tmp_path / "child.yaml").write_text("extends: ../elsewhere/parent.yaml\n", encoding="utf-8")
    code, err = run_cli(["run", str(tmp_path / "child.yaml")], tmp_path, capsys)
    assert code == 2 and "child.yaml" in err and "parent.yaml" in err and "extends" in err


def test_error_in_a_child_names_the_child_and_its_line(tmp_path, capsys):
    write_tiny(tmp_path)
    (tmp_path / "variant.yaml").write_text(
        "extends: tiny.yaml\nname: variant\ncarbon_budget:\n  total_mt: lots\n", encoding="utf-8"
    )
    code, err = run_cli(["run", str(tmp_path / "variant.yaml")], tmp_path, capsys)
    assert code == 2 and "variant.yaml, line 4" in err


def test_update_of_a_row_that_does_not_exist(tmp_path, capsys):
    write_tiny(tmp_path)
    (tmp_path / "variant.yaml").write_text(
        "extends: tiny.yaml\nindustries:\n  update:\n    steel: {max_km2: 3}\n", encoding="utf-8"
    )
    code, err = run_cli(["run", str(tmp_path / "variant.yaml")], tmp_path, capsys)
    assert code == 2 and "steel" in err and "Valid: hi, lo" in err


def test_a_bad_value_in_an_update_names_the_yaml_line(tmp_path, capsys):
    write_tiny(tmp_path)
    (tmp_path / "variant.yaml").write_text(
        "extends: tiny.yaml\nunits:\n  update:\n    u2:\n      land_km2: -3\n", encoding="utf-8"
    )
    code, err = run_cli(["run", str(tmp_path / "variant.yaml")], tmp_path, capsys)
    assert code == 2 and "variant.yaml, line 5" in err and "units.land_km2" in err


def test_existing_out_folder_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("earlier run", encoding="utf-8")
    assert main(["run", str(write_tiny(tmp_path / "s")), "--out", str(out)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_console_has_no_traceback(tmp_path):
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": "lots"}})
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "run", str(path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "carbon_budget.total_mt" in done.stderr
    assert not (tmp_path / "results").exists()
