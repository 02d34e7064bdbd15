"""Pydantic's errors placed as ``ScenarioError``s: the file, field, CSV row or YAML line, and what
would be valid."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..core.errors import ScenarioError
from .tables import ROW_MODELS, SECTION_TABLES, TABLES
from .types import valid_for


class Source:
    """Where each part of a merged scenario came from, to point errors at the right file/line."""

    def __init__(self):
        self.layers: list[tuple[Path, dict[tuple, int]]] = []  # child first
        self.tables: dict[str, tuple[Path | None, int]] = {}  # table -> (file, line of row 0)
        self.updated: dict[tuple[str, int, str], tuple[Path | None, int | None]] = {}  # (table, row, column) -> YAML
        self.files: dict[str, str] = {}

    def locate(self, loc: tuple) -> tuple[Path | None, int | None]:
        for file, lines in self.layers:
            for cut in range(len(loc), 0, -1):
                if loc[:cut] in lines:
                    return file, lines[loc[:cut]]
        return (self.layers[0][0] if self.layers else None), None


@functools.cache
def column_validator(table: str, name: str) -> TypeAdapter:
    field = ROW_MODELS[table].model_fields[name]
    kind = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    return TypeAdapter(list[kind])


def placed(error: ScenarioError, sources: Source | None) -> ScenarioError:
    """Fill in the file and line of an error raised without them."""
    if error.file is not None:
        return error
    if sources is None:
        error.file = "with_changes()"
        return ScenarioError(**error.fields())
    field = error.field or ""
    table = next((t for t in (*SECTION_TABLES, *TABLES) if field == t or field.startswith(f"{t}.")), "")
    column = field[len(table) + 1:]
    if (table, error.row, column) in sources.updated:  # the bad value came from a YAML `update:`
        file, error.line = sources.updated[(table, error.row, column)]
        error.file, error.row = str(file), None
    elif table in sources.tables and error.row is not None:
        file, first_line = sources.tables[table]
        if file is not None and first_line:
            error.line, error.row = first_line + error.row, None
        elif error.row is not None:
            error.field = f"{error.field} (item {error.row + 1})"
            error.row = None
            file, error.line = sources.locate(tuple(table.split(".")))
        error.file = str(file) if file else None
    else:
        file, line = sources.locate(tuple((error.field or "").split(".")))
        error.file, error.line = (str(file) if file else None), line
    return ScenarioError(**error.fields())


def pydantic_problem(detail: dict) -> str:
    if detail["type"] == "missing":
        return "this required field is missing"
    if detail["type"] == "extra_forbidden":
        return "unknown field"
    value = detail.get("input")
    if detail["type"] == "string_pattern_mismatch":
        return f"not a valid id (got {_clipped(value)})"
    message = detail["msg"].removeprefix("Value error, ")
    return message if isinstance(value, (dict, list)) else f"{message} (got {_clipped(value)})"


def _clipped(value: Any, most: int = 60) -> str:
    """A value as a message shows it: a 100 KB name is not repeated whole."""
    text = repr(value)
    return text if len(text) <= most else f"{text[:most]}… ({len(text):,} characters)"


def _settings_at(root: type[BaseModel], loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings model at a location in the scenario, following mappings by their keys and optional sections."""
    model, parts = root, list(loc)
    while parts:
        annotation = getattr(model.model_fields.get(parts.pop(0)), "annotation", None)
        if get_origin(annotation) is dict:
            if not parts:
                return None
            annotation = get_args(annotation)[1]
            parts.pop(0)  # the key
        options = (annotation, *get_args(annotation))  # a section may be optional (X | None)
        model = next((a for a in options if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return None
    return model


def from_pydantic(error: ValidationError, sources: Source | None, root: type[BaseModel]) -> ScenarioError:
    """The first error of a validation of ``root`` (the Scenario), placed in the files it came from."""
    detail = error.errors()[0]
    loc = tuple(str(part) for part in detail["loc"])
    valid = valid_for(detail)
    if detail["type"] == "extra_forbidden" and len(loc) >= 1:
        parent = _settings_at(root, loc[:-1])
        if parent is not None:
            valid = ", ".join(parent.model_fields)
    problem = ScenarioError(pydantic_problem(detail), field=".".join(loc), valid=valid)
    return placed(problem, sources)
