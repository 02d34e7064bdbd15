"""``optimizer rerun``: a results folder's scenario solved again.

``rerun(folder)`` solves the folder's resolved scenario again (its solver settings are part of
it) into a new folder and says whether the numbers match: status, objective and the land of every
unit–industry pair, each within a relative tolerance. It also checks that the folder's inputs
still have the hashes the manifest recorded.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.csvfile import read_csv
from ..core.errors import ScenarioError
from ..reporting.comparison import decision_differences, decisions_in_folder, decisions_of
from ..reporting.manifest import PACKAGES, package_version, read_manifest, sha256


@dataclass
class Rerun:
    """The outcome of repeating a run: where, and every difference found (none: a match)."""

    original: Path
    folder: Path
    result: object = field(repr=False)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what differs without making the numbers differ
    tolerance: float = 1e-6

    @property
    def matches(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        lines = [f"rerun of {self.original}", f"new run: {self.folder}"]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"differs: {difference}" for difference in self.differences]
        lines.append(f"match: status, objective, allocation and other decisions agree within {self.tolerance:g}" if self.matches
                     else f"mismatch: {len(self.differences)} difference(s)")
        return "\n".join(lines)


def rerun(folder: str | Path, out: str | Path | None = None, results_root: str | Path | None = None,
          tolerance: float = 1e-6) -> Rerun:
    """Solve a results folder's resolved scenario again, into a new folder, and compare the numbers."""
    from .run import solve

    original = Path(folder)
    summary = _results_file(original, "summary.json")
    _results_file(original, "scenario.yaml")
    manifest = read_manifest(original)
    result = solve(original / "scenario.yaml")
    result.provenance["rerun_of"] = str(original)
    new_folder = result.save(out, results_root=results_root if results_root is not None else original.parent)

    outcome = Rerun(original, new_folder, result, tolerance=tolerance)
    outcome.differences += _edited_inputs(original, manifest, outcome.notes)
    recorded = json.loads(summary.read_text(encoding="utf-8"))
    outcome.differences += _numbers_differ(recorded, read_csv(original / "allocation.csv"), result, tolerance)
    outcome.differences += _decisions_differ(decisions_in_folder(original), decisions_of(result), tolerance)
    if manifest:
        _note_versions(manifest, result, outcome.notes)
    return outcome


def _results_file(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise ScenarioError(f"{folder} is not a results folder (it has no {name})", file=folder,
                            valid="a folder written by `optimizer run`")
    return path


def _edited_inputs(folder: Path, manifest: dict | None, notes: list[str]) -> list[str]:
    if manifest is None:
        notes.append("the folder has no manifest.json: its inputs cannot be checked against their recorded hashes")
        return []
    edited = []
    for path, digest in manifest.get("resolved_scenario", {}).items():
        file = folder / path
        if not file.is_file():
            edited.append(f"{path} is missing from the results folder")
        elif sha256(file) != digest:
            edited.append(f"{path} was edited after the run (its SHA-256 differs from the manifest's)")
    return edited


def _numbers_differ(recorded: dict, allocation: pd.DataFrame, result, tolerance: float) -> list[str]:
    def close(a, b) -> bool:
        return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))

    differences = []
    if recorded["status"] != result.status:
        differences.append(f"status: {recorded['status']} then, {result.status} now")
    before, after = recorded["objective"]["value"], result.objective
    if (before is None) != (after is None) or (before is not None and not close(before, after)):
        differences.append(f"objective: {_number(before)} then, {_number(after)} now")
    key = ["unit", "industry"]
    land = (allocation.set_index(key)["land_km2"].rename("then").to_frame()
            .join(result.allocation.set_index(key)["land_km2"].rename("now"), how="outer").fillna(0.0))
    moved = land[[not close(a, b) for a, b in zip(land["then"], land["now"])]]
    for (unit, industry), row in moved.head(10).iterrows():
        differences.append(f"land of {industry} in {unit}: {row['then']:g} km2 then, {row['now']:g} km2 now")
    if len(moved) > 10:
        differences.append(f"… and {len(moved) - 10} more unit–industry pairs")
    return differences


def _decisions_differ(then: dict, now: dict, tolerance: float) -> list[str]:
    """Project sites, retirements and park land (comparison.DECISIONS), as allocation.csv's land."""
    def differ(a, b) -> bool:
        return abs(a - b) > tolerance * max(1.0, abs(a), abs(b))

    differences = [f"{table} {place}: {column} {_said(before)} then, {_said(after)} now"
                   for table, place, column, _, before, after in decision_differences(then, now, differ)]
    return differences[:10] + ([f"… and {len(differences) - 10} more decisions"] if len(differences) > 10 else [])


def _said(value) -> str:
    return "none" if value == "" or pd.isna(value) else value if isinstance(value, str) else f"{value:g}"


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:.10g}"


def _note_versions(manifest: dict, result, notes: list[str]) -> None:
    from ..core.version import __version__

    then = {"optimizer": manifest.get("tool", {}).get("version"), "solver": manifest.get("solver", {}).get("version"),
            "python": manifest.get("python"), **manifest.get("packages", {})}
    current = {"optimizer": __version__, "solver": result.solution.solver_version, "python": platform.python_version(),
               **{name: package_version(name) for name in PACKAGES}}
    for name, version in then.items():
        if version and current.get(name) and version != current[name]:
            notes.append(f"{name} was {version}, is now {current[name]}")
