"""The bad-input promise, for every mutation of a valid scenario (property-based, hypothesis).

Each example breaks a valid scenario one way: a YAML value replaced, a key dropped or added, the
YAML text corrupted, a CSV cell, column or row changed, a file re-encoded, a path or ``extends``
pointed somewhere wrong. Whatever happens, ``optimizer run`` and ``optimizer validate`` must:

- never raise (no traceback), and exit 0, 2, 3 or 4 (a mutation may leave the scenario valid);
- on exit 2 (bad input), print one ``error: in <file>, ...`` message that names a file of the
  scenario, where in it (line, row or field) unless the whole file is the problem, and what
  would be valid; and write nothing;
- otherwise write exactly one complete results folder and no partial one.

A CI run draws ``BAD_INPUT_EXAMPLES`` mutated scenarios (default 1,000): 40 % YAML, 30 % CSV
and 30 % file-level (any kind) mutations, plus the unmutated scenario.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_tiny
from optimizer.cli import main

EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "1000"))


def share(fraction: float):
    return settings(max_examples=max(1, round(EXAMPLES * fraction)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# A valid scenario that uses every section, so that mutations reach every part of the schema.
FULL = {
    "description": "every section",
    "zoning": {
        "a": {"admits": ["m", "g"], "share_min": {"g": 0.2}, "max_carbon_intensity_t_per_10k_yuan": 10},
        "b": {"admits": ["m", "g"], "share_max": {"m": 0.9}, "max_pollutant_intensity_kg_per_10k_yuan": 5},
    },
    "carbon_budget": {"total_mt": 6, "by_zone_mt": {"b": 2}},
    "objective": "output",
    "limits": {"land": {"firm": True}, "carbon": {"soft": True, "penalty_per_unit": 2000}},
    "solver": {"name": "highs", "time_limit_s": 30, "mip_gap": 0.001, "threads": 1, "msg": False},
}
TABLES = ("zones.csv", "units.csv", "industries.csv")
# Problems that concern a whole file, where no line or field can be named.
WHOLE_FILE = ("not valid YAML", "not UTF-8", "not a valid CSV", "does not exist", "has no rows", "YAML mapping",
              "extends forms a cycle", "must be the path", "loop of symbolic links")

odd_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "nan", "inf", "-1", "1e400", "abc", "zz", "a b", "１２", "é", "m", "g", "a"]),
    st.text(max_size=8),
)
odd_values = st.one_of(odd_scalars, st.lists(odd_scalars, max_size=3),
                       st.dictionaries(st.sampled_from(["a", "b", "m", "g", "x", "id"]), odd_scalars, max_size=2))
odd_cells = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "-1", "-0.5", "1e400", "1e-400", "abc", "0x10", "None",
                     "null", '"', "1,5", "\t", "a b", "q", "２", "1" * 400, "Z" * 300, "true", "1e30"]),
    st.text(max_size=6),
)


@dataclass(frozen=True)
class Mutation:
    """One way to break the scenario in ``folder`` (its repr is what hypothesis reports)."""

    kind: str
    target: str = ""
    detail: object = None

    def apply(self, folder: Path) -> None:
        path = folder / "tiny.yaml"
        target = folder / self.target if self.kind in ("cell", "lines", "encoding", "empty", "link") else path
        if target.is_symlink() and not target.exists():
            return  # an earlier mutation made it a loop of links
        if self.kind in ("set", "delete", "reference") and not isinstance(_yaml(path), dict):
            return  # an earlier mutation broke the YAML already
        if self.kind in ("set", "delete"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            *parents, last = self.target.split(".")
            node = data
            for key in parents:
                node = node.setdefault(key, {}) if isinstance(node, dict) else node
            if isinstance(node, dict):
                if self.kind == "set":
                    node[last] = self.detail
                else:
                    node.pop(last, None)
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        elif self.kind == "yaml_text" and not _utf8(path):
            return  # an earlier mutation re-encoded it
        elif self.kind == "yaml_text":
            text = path.read_text(encoding="utf-8")
            position, insert = self.detail
            position %= len(text) + 1
            path.write_text(text[:position] + insert + text[position:], encoding="utf-8")
        elif self.kind == "yaml_line" and _utf8(path):
            lines = path.read_text(encoding="utf-8").splitlines()
            index = self.detail % len(lines)
            lines.insert(index, lines[index])  # a key given twice, or an item repeated
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif self.kind in ("cell", "lines") and not _utf8(folder / self.target):
            return  # an earlier mutation re-encoded or emptied it
        elif self.kind == "cell":
            table = folder / self.target
            row, column, value = self.detail
            lines = table.read_text(encoding="utf-8").splitlines()
            row %= len(lines)
            cells = lines[row].split(",")
            cells[column % len(cells)] = value
            lines[row] = ",".join(cells)
            table.write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif self.kind == "lines":
            table = folder / self.target
            lines = table.read_text(encoding="utf-8").splitlines()
            operation, index = self.detail
            index %= len(lines)
            if operation == "drop":
                del lines[index]
            elif operation == "duplicate":
                lines.insert(index, lines[index])
            elif operation == "drop_column":
                lines = [",".join(c for i, c in enumerate(line.split(",")) if i != index % len(line.split(",")))
                         for line in lines]
            elif operation == "short_row":
                lines[index] = ",".join(lines[index].split(",")[:-2])
            elif operation == "long_row":
                lines[index] += ",extra,cells"
            elif operation == "header_only":
                lines = lines[:1]
            table.write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif self.kind == "encoding":
            file = folder / self.target
            if _utf8(file):  # not re-encoded already
                text = file.read_text(encoding="utf-8") + "é"  # something that is not ASCII, whatever the file
                tail = b"\xff\xfe\x00garbage\x81"
                file.write_bytes(text.encode() + tail if self.detail == "bytes" else text.encode(self.detail, "replace"))
        elif self.kind == "empty":
            (folder / self.target).write_bytes(b"")
        elif self.kind == "link":
            file = folder / self.target
            if self.detail == "outside":  # the same content, through a link out of the scenario's folder
                outside = folder.parent / f"outside-{self.target}"
                if not file.is_symlink():
                    outside.write_bytes(file.read_bytes())
                    file.unlink()
                    file.symlink_to(outside)
            else:
                file.unlink(missing_ok=True)
                file.symlink_to(file.name)
        elif self.kind == "reference":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if self.target == "extends-self":
                data["extends"] = "tiny.yaml"
            elif self.target == "extends-cycle":
                (folder / "parent.yaml").write_text("extends: tiny.yaml\n", encoding="utf-8")
                data["extends"] = "parent.yaml"
            else:
                data[self.target] = self.detail
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # not YAML, not UTF-8, a tag its value does not fit
        return None


def _utf8(path: Path) -> bool:
    try:
        return bool(path.read_text(encoding="utf-8").strip())
    except (UnicodeDecodeError, OSError):  # OSError: a loop of links
        return False


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield ".".join((*prefix, str(key)))
            yield from _paths(value, (*prefix, str(key)))


YAML_PATHS = sorted(set(_paths({**FULL, "name": "tiny", "zones": 0, "units": 0, "industries": 0})))

yaml_mutations = st.one_of(
    st.builds(Mutation, st.just("set"), st.sampled_from(YAML_PATHS + ["unknown", "zoning.a.unknown", "zoning.c"]),
              odd_values),
    st.builds(Mutation, st.just("delete"), st.sampled_from(YAML_PATHS)),
    st.builds(Mutation, st.just("yaml_text"), st.just("tiny.yaml"),
              st.tuples(st.integers(0, 2000), st.sampled_from(["\n", ":", "- ", "[", "{", "  ", "\t", "'", '"', "&a ",
                                                             "*b", "? ", "!!int ", "#", "%", "@", "`", "\n  x: 1",
                                                             "[" * 60, "&a [*a] ", " yes", " 1e30"]))),
    st.builds(Mutation, st.just("yaml_line"), st.just("tiny.yaml"), st.integers(0, 100)),
)
csv_mutations = st.one_of(
    st.builds(Mutation, st.just("cell"), st.sampled_from(TABLES),
              st.tuples(st.integers(0, 10), st.integers(0, 12), odd_cells)),
    st.builds(Mutation, st.just("lines"), st.sampled_from(TABLES),
              st.tuples(st.sampled_from(["drop", "duplicate", "drop_column", "short_row", "long_row", "header_only"]),
                        st.integers(0, 12))),
)
file_mutations = st.one_of(
    st.builds(Mutation, st.just("encoding"), st.sampled_from(("tiny.yaml", *TABLES)),
              st.sampled_from(["utf-16", "gb18030", "latin-1", "bytes"])),
    st.builds(Mutation, st.just("empty"), st.sampled_from(("tiny.yaml", *TABLES))),
    st.builds(Mutation, st.just("reference"), st.sampled_from(["zones", "units", "industries", "extends"]),
              st.sampled_from(["../nowhere/x.csv", "/nonexistent/abs.csv", "missing.csv", ".", "..", "", "tiny.yaml",
                               "zones.csv", 3, None, ["a"]])),
    st.builds(Mutation, st.just("reference"), st.sampled_from(["extends-self", "extends-cycle"])),
    st.builds(Mutation, st.just("link"), st.sampled_from(("tiny.yaml", *TABLES)), st.sampled_from(["loop", "outside"])),
)


def run_quietly(args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, err.getvalue()


def assert_promise_holds(mutations) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenario"
        path = write_tiny(folder, FULL)
        for mutation in mutations:
            mutation.apply(folder)
        files = {str(p) for p in Path(tmp).rglob("*")} | {str(folder)}  # links may lead out of the folder
        root = Path(tmp) / "results"
        validated, validate_err = run_quietly(["validate", str(path)])
        code, err = run_quietly(["run", str(path), "--results-root", str(root), "--quiet"])
        assert "Traceback" not in err + validate_err
        assert code in (0, 2, 3, 4), err
        assert (validated == 2) == (code == 2), (validate_err, err)
        written = list(root.iterdir()) if root.exists() else []
        if code == 2:
            assert not written, "bad input must write nothing"
            assert err.startswith("error: in "), err
            named = re.match(r"error: in (.+?)(, line \d+|, row \d+|, field '|: )", err)
            assert named and named.group(1) in files, err
            assert named.group(2) != ": " or any(what in err for what in WHOLE_FILE), err
            assert re.search(r"Valid: |valid columns: |should (be|have) ", err), f"what would be valid? {err}"
        else:
            assert len(written) == 1 and (written[0] / "summary.json").is_file(), (code, err, written)


@share(0.4)
@given(st.lists(yaml_mutations, min_size=1, max_size=3))
def test_any_yaml_mutation(mutations):
    assert_promise_holds(mutations)


@share(0.3)
@given(st.lists(csv_mutations, min_size=1, max_size=3))
def test_any_csv_mutation(mutations):
    assert_promise_holds(mutations)


@share(0.3)
@given(st.lists(st.one_of(file_mutations, yaml_mutations, csv_mutations), min_size=1, max_size=3))
def test_any_file_mutation(mutations):
    assert_promise_holds(mutations)


def test_the_unmutated_scenario_is_valid():
    assert_promise_holds([])
