"""pyproject.toml's version ranges agree with the constraints files that CI installs."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / "constraints" / name).read_text(encoding="utf-8").splitlines()
    pairs = [line.split("#")[0].strip().split("==") for line in lines]
    return {canonicalize_name(pair[0]): pair[1] for pair in pairs if len(pair) == 2}


def test_every_dependency_is_bounded_and_ci_runs_its_floor_and_a_newest_within_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    requirements = [Requirement(r) for r in listed if Requirement(r).name != project["name"]]
    lowest, locked = pins("lowest.txt"), pins("locked.txt")
    assert len(requirements) == 20
    for requirement in requirements:
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(floors) == 1 and [spec.operator for spec in requirement.specifier].count("<") == 1, requirement
        name = canonicalize_name(requirement.name)
        assert Version(lowest[name]) == Version(floors[0]), f"constraints/lowest.txt does not pin {requirement}'s floor"
        assert locked[name] in requirement.specifier, f"constraints/locked.txt's {name} is outside {requirement}"
