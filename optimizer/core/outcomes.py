"""What a solve, the checks and the diagnosis find, as plain records: a solver's solution, a presolve
finding, a limit to move, the diagnosis of an infeasible scenario. Nothing here computes them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

STATUSES = ("optimal", "infeasible", "unbounded", "time_limit", "not_solved", "error")


@dataclass
class Solution:
    status: str  # one of STATUSES
    objective: float | None
    values: np.ndarray  # per variable, in Model.variables order (NaN when no solution)
    duals: np.ndarray  # per constraint, d(objective)/d(rhs) (NaN when not available)
    solver: str
    solver_version: str
    seconds: float
    message: str = ""
    best_bound: float | None = None
    gap: float | None = None
    options: dict = field(default_factory=dict)
    dual_basis: str = "LP"  # what the duals are duals of; "" when there are none

    @property
    def has_solution(self) -> bool:
        """A solution to report: optimal, or the best found before the solver stopped (not optimal)."""
        return self.objective is not None


@dataclass(frozen=True)
class Finding:
    """One result of a presolve check."""

    check: str
    severity: str  # "error" stops the run; "warning" is recorded in the results
    message: str
    fix: str
    exit_code: int = 0  # for an error: 3 proves infeasibility, 2 means unusable input
    constraints: tuple[str, ...] = field(default=(), compare=False)  # the limits it concerns

    @property
    def text(self) -> str:
        return f"[{self.check}] {self.message.rstrip('.')}. Fix: {self.fix.rstrip('.')}."

    def __str__(self) -> str:
        return f"{self.severity} {self.text}"

    def to_dict(self) -> dict:
        return {"check": self.check, "severity": self.severity, "message": self.message, "fix": self.fix,
                "exit_code": self.exit_code, "constraints": list(self.constraints)}


@dataclass
class Change:
    """One limit to move: by how much, in its unit, and the value it needs."""

    name: str
    family: str
    meaning: str
    sense: str
    unit: str
    rhs: float  # as stated in the scenario, in the row's unit
    needed: float  # what it needs to be (together with the other changes)
    by: float  # |needed − rhs|
    sentence: str

    def to_dict(self) -> dict:
        return {"name": self.name, "family": self.family, "meaning": self.meaning, "sense": self.sense,
                "unit": self.unit, "rhs": self.rhs, "needed": self.needed, "by": self.by, "sentence": self.sentence}


@dataclass
class Diagnosis:
    """What makes a scenario infeasible and the least set of changes that restores feasibility."""

    status: str  # explained | not_explained | feasible | failed
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # presolve errors and warnings
    firm: list[str] = field(default_factory=list)  # families held as stated
    fewest: bool = False  # the number of changes is proved the least
    message: str = ""

    def table(self) -> pd.DataFrame:
        columns = ["name", "family", "meaning", "sense", "unit", "rhs", "needed", "by", "sentence"]
        return pd.DataFrame([c.to_dict() for c in self.changes], columns=columns)

    def to_dict(self) -> dict:
        return {"status": self.status, "message": self.message, "fewest_proved": self.fewest, "firm": self.firm,
                "changes": [c.to_dict() for c in self.changes], "findings": [f.to_dict() for f in self.findings]}

    def lines(self) -> list[str]:
        """The explanation for a terminal: verdict, one line per change, presolve errors."""
        lines = [self.message]
        lines += [f"  - {c.sentence}  [{c.name}]" for c in self.changes]
        lines += [f"  presolve {f}" for f in self.findings if f.severity == "error"]
        if self.firm:
            lines.append(f"  held firm (never relaxed): {', '.join(self.firm)}")
        return lines

    def markdown(self, level: int = 1) -> str:
        """The explanation as Markdown, its title at heading ``level``."""
        title, section = "#" * level, "#" * (level + 1)
        lines = [f"{title} Why the scenario is infeasible", "", self.message, ""]
        if self.changes:
            lines += [f"{i}. {c.sentence} (`{c.name}`)" for i, c in enumerate(self.changes, 1)]
            table = self.table()[["name", "family", "sense", "rhs", "needed", "by", "unit"]]
            lines += ["", table.to_markdown(index=False, floatfmt=",.6g"), ""]
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            lines += [f"{section} Presolve checks", "", *[f"- {f}" for f in errors], ""]
        lines += [
            f"{section} How this was found",
            "",
            "Each limit of a relaxable family was allowed to move, measured relative to its size; the answer is "
            f"the fewest limits that must move{'' if self.fewest else ' (not proved the fewest: the search stopped early)'}, "
            "then the smallest moves among those. The changes hold together: applied all at once they make the "
            "scenario feasible.",
            f"Families held firm: {', '.join(self.firm) if self.firm else 'none'}. Declare a family firm "
            "(`limits: {family: {firm: true}}`) to look for another way out.",
            "",
        ]
        return "\n".join(lines)

    def write(self, folder: Path) -> None:
        (folder / "diagnosis.md").write_text(self.markdown(), encoding="utf-8")
        (folder / "diagnosis.json").write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_markdown_(self) -> str:
        return self.markdown()
