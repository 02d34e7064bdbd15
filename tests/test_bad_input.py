"""Bad input: a one-paragraph message naming file, field and line, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import optimizer
from conftest import BASE, INDUSTRIES, UNITS, ZONES, write_tiny
from optimizer.cli import main


# 9 levels of 9 aliases each: 451 bytes that expand to 9**9 strings ("billion laughs").
ALIAS_BOMB = "name: tiny\n" + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")
) + "solver: {options: {presolve: *i}}\n"


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
    # Hostile or odd input (issue 14): each once gave a traceback, a hang or a silent acceptance.
    ("yaml-alias-bomb", {"yaml_text": ALIAS_BOMB}, ["tiny.yaml", "aliases", "values", "at most 10,000"]),
    ("yaml-empty-tagged-int", {"yaml_text": "name: tiny\nzoning: !!int\n"}, ["tiny.yaml", "line 2", "as its tag says"]),
    ("yaml-alias-in-itself", {"yaml_text": "name: &a [1, *a]\n"}, ["tiny.yaml", "line 1", "contains it"]),
    ("yaml-nested-1000-deep", {"yaml_text": "name: tiny\ndescription: " + "[" * 1000 + "]" * 1000 + "\n"},
     ["tiny.yaml", "line 2", "nested more than 40 levels"]),
    ("yaml-aliases-nested-deep", {"yaml_text": "".join(f"k{i}: &k{i} [*k{i - 1}]\n" if i else "k0: &k0 [1]\n"
                                                         for i in range(60))},
     ["tiny.yaml", "nested more than 40 levels", "aliases (`*name`) expanded"]),
    ("empty-ring", {"changes": {"report": {"rings": [["a"], []]}}}, ["tiny.yaml", "report.rings.1", "at least one"]),
    ("list-as-highs-option", {"changes": {"solver": {"options": {"presolve": ["on"]}}}},
     ["tiny.yaml", "solver.options.presolve", "one value", "a number, text or true/false"]),
    ("threads-100000", {"changes": {"solver": {"threads": 100000}}}, ["tiny.yaml", "solver.threads", "a whole number from 1 to"]),
    ("highs-threads-100000", {"changes": {"solver": {"options": {"threads": 100000}}}},
     ["tiny.yaml", "solver", "options.threads asks for 100000 threads", "a whole number from 1 to"]),
    ("long-zone-name", {"zones": ZONES.replace("Zone A", "Z" * 100_000)},
     ["zones.csv", "line 2", "zones.name", "at most 200 characters", "(100,002 characters)"]),
    ("land-above-area", {"units": "id,zone,land_km2,area_km2\nu1,a,10,4\nu2,b,5,\n"},
     ["units.csv", "line 2", "units.land_km2", "more than its area of 4 km²", "at most area_km2"]),
    ("budget-in-tonnes", {"changes": {"carbon_budget": {"total_mt": 20_000_000}}},
     ["tiny.yaml", "carbon_budget.total_mt", "given in tonnes", "20,000,000 t is 20 Mt", "at most 100,000"]),
    ("zone-budget-in-tonnes", {"changes": {"carbon_budget": {"by_zone_mt": {"a": 3e6}}}},
     ["tiny.yaml", "carbon_budget.by_zone_mt", "given in tonnes"]),
    ("zone-budget-above-city", {"changes": {"carbon_budget": {"total_mt": 5, "by_zone_mt": {"a": 10}}}},
     ["tiny.yaml", "carbon_budget", "zone 'a' (10 Mt) is above the city's (5 Mt)"]),
    ("mip-gap-5", {"changes": {"solver": {"mip_gap": 5}}}, ["tiny.yaml", "solver.mip_gap", "less than 1"]),
    ("yes-as-a-number", {"yaml_text": "\n".join(yaml.safe_dump(BASE, sort_keys=False).splitlines()
                                                + ["carbon_budget:", "  total_mt: yes"]) + "\n"},
     ["tiny.yaml", "carbon_budget.total_mt", "not true", "yes/no/on/off"]),
    ("number-as-a-flag", {"changes": {"solver": {"msg": 1}}}, ["tiny.yaml", "solver.msg", "true or false"]),
    ("yes-in-an-inline-row", {"changes": {"units": [{"id": "u1", "zone": "a", "land_km2": True},
                                                    {"id": "u2", "zone": "b", "land_km2": 5}]}},
     ["tiny.yaml", "units", "not true"]),
    ("nan-multiplier", {"units": "id,zone,land_km2,land_intensity_m\nu1,a,10,nan\nu2,b,5,\n"},
     ["units.csv", "line 2", "units.land_intensity_m", "positive number or blank", "'nan'"]),
    ("table-outside-the-scenario", {"changes": {"units": "/etc/hostname.csv"}},
     ["tiny.yaml", "line", "units", "not a .csv file inside the scenario's folders", "Valid"]),
    ("table-not-csv", {"changes": {"units": "tiny.yaml"}}, ["tiny.yaml", "units", "not a .csv file"]),
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
    tiny = str(write_tiny(tmp_path / "s"))
    for command in (["run", tiny], ["frontier", tiny, "--x", "carbon", "--y", "output", "--points", "3"],
                    ["compare", str(out), str(out)], ["rerun", str(out)]):  # each checks before any work
        assert main([*command, "--out", str(out)]) == 2, command
        assert f"--out {out} exists already; results folders are never overwritten" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_console_has_no_traceback(tmp_path):
    path = write_tiny(tmp_path, {"carbon_budget": {"total_mt": "lots"}})
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "run", str(path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "carbon_budget.total_mt" in done.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("where", ["extends", "units"])
def test_a_loop_of_symbolic_links(tmp_path, capsys, where):
    write_tiny(tmp_path)
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "loop.csv").symlink_to("loop.csv")
    child = tmp_path / "child.yaml"
    child.write_text("extends: loop.yaml\n" if where == "extends" else "extends: tiny.yaml\nunits: loop.csv\n",
                     encoding="utf-8")
    code, err = run_cli(["run", str(child)], tmp_path, capsys)
    assert code == 2 and "Traceback" not in err
    assert "child.yaml" in err and "loop of symbolic links" in err and f"field '{where}" in err


def test_a_link_out_of_the_scenario_folder_is_refused(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    write_tiny(elsewhere)
    scenario = write_tiny(tmp_path / "s")
    (scenario.parent / "units.csv").unlink()
    (scenario.parent / "units.csv").symlink_to(elsewhere / "units.csv")  # a link is followed, then checked
    code, err = run_cli(["run", str(scenario)], tmp_path, capsys)
    assert code == 2 and "elsewhere/units.csv is not a .csv file inside the scenario's folders" in err


def test_a_parent_in_another_folder_may_name_its_own_tables(tmp_path, capsys):
    parent = write_tiny(tmp_path / "base")
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "v.yaml").write_text(f"extends: ../base/{parent.name}\nname: v\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "variants" / "v.yaml")]) == 0


def test_an_impossible_project_count_is_infeasible_before_any_solve(tmp_path, capsys):
    project = {"id": "p1", "industry": "hi", "land_km2": 1, "investment_100m_yuan": 1, "output_100m_yuan": 1,
               "carbon_t": 1}
    path = write_tiny(tmp_path / "s", {"projects": {"table": [project], "count_min": {"a": 10**30}}})
    assert main(["validate", str(path)]) == 3
    assert "[unreachable_limits] project_count_min[a]" in capsys.readouterr().err
    assert main(["run", str(path), "--results-root", str(tmp_path / "r"), "--quiet"]) == 3


@pytest.mark.parametrize("option", ["--out", "--results-root"])
def test_a_results_folder_under_a_file_is_refused_before_the_solve(tmp_path, capsys, option):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    code = main(["run", str(write_tiny(tmp_path / "s")), option, str(tmp_path / "a-file" / "out")])
    err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err.err and "loading" not in err.err
    assert f"field '{option}'" in err.err and "a-file is a file, not a folder" in err.err


def test_runs_in_the_same_second_keep_their_own_folders(tmp_path, monkeypatch):
    from optimizer.reporting import folder as report

    monkeypatch.setattr(report, "new_folder_name", lambda name, root: root / f"{name}-20261204-120000")
    scenario = optimizer.load_scenario(write_tiny(tmp_path / "s"))
    first = optimizer.solve(scenario).save(results_root=tmp_path / "r")
    second = optimizer.solve(scenario).save(results_root=tmp_path / "r")  # the same name was chosen
    assert (first.name, second.name) == ("tiny-20261204-120000", "tiny-20261204-120000-2")
    assert (first / "summary.json").is_file() and (second / "summary.json").is_file()


def test_a_run_removes_no_partial_folder_it_cannot_prove_abandoned(tmp_path):
    root = tmp_path / "r"
    others = [root / ".mine.partial-999999999", root / ".tiny-x.partial-999999999-0badc0de-0123abcd"]
    for folder in others:
        folder.mkdir(parents=True)
        (folder / "keep.txt").write_text("someone's work", encoding="utf-8")
    assert main(["run", str(write_tiny(tmp_path / "s")), "--results-root", str(root), "--quiet"]) == 0
    assert all((folder / "keep.txt").is_file() for folder in others)

