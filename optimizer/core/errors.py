"""Errors a user can act on.

A :class:`ScenarioError` is the one way bad input leaves the loader: it names the file, the
field (with the CSV row or YAML line where known) and what would be valid. The command line
prints its message as one paragraph and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path


def listing(names) -> str:
    """Valid values as an error names them: sorted, the first 40 and how many in all."""
    names = sorted(names)
    shown = ", ".join(names[:40])
    return shown + (f", … ({len(names)} in all)" if len(names) > 40 else "")


class ScenarioError(Exception):
    """A scenario (YAML or one of its CSV tables) is malformed or inconsistent.

    Not a ValueError on purpose: pydantic wraps ValueErrors raised in validators, and this one
    must reach the loader intact to be placed in its file and line.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        row: int | None = None,
        line: int | None = None,
        valid: str | None = None,
    ):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.field = field
        self.row = row
        self.line = line
        self.valid = valid
        super().__init__(self.message)

    def fields(self) -> dict:
        """Its parts as keywords: ``ScenarioError(**error.fields())`` raises it again (e.g. with a traceback cut)."""
        return dict(problem=self.problem, file=self.file, field=self.field, row=self.row, line=self.line, valid=self.valid)

    @property
    def message(self) -> str:
        where = []
        if self.file:
            where.append(f"in {self.file}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = (", ".join(where) + ": " if where else "") + self.problem.rstrip(".") + "."
        if self.valid:
            text += f" Valid: {self.valid}."
        return text


class SolverUnavailable(RuntimeError):
    """The requested solver is unknown or not installed."""


class SolverNotInstalled(SolverUnavailable):
    """The requested solver is a known one, but it is not installed here (exit 4, not bad input)."""
