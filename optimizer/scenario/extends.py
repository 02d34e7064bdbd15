"""``extends``: a scenario file layered on another, its tables merged by id."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import ScenarioError, listing
from ..schema.placement import Source
from ..schema.tables import section_tables, SECTION_TABLES, TABLES
from .files import check_readable, read_csv, read_yaml, sha256


def updated_rows(rows: list[dict], update: Mapping, table: str, file: str) -> list[dict]:
    if not all("id" in row for row in rows):
        raise ScenarioError(
            f"the rows of {table} have no id to update them by",
            file=file,
            field=f"{table}.update",
            valid="replace the whole table (a CSV path, a list of rows or a DataFrame)",
        )
    by_id = {row["id"]: dict(row) for row in rows}
    for row_id, fields in update.items():
        if row_id not in by_id:
            raise ScenarioError(
                f"update names {table} row '{row_id}', which does not exist",
                file=file,
                field=f"{table}.update",
                valid=listing(by_id),
            )
        if not isinstance(fields, Mapping):
            raise ScenarioError(
                f"the update of {table} row '{row_id}' must map column names to values",
                file=file,
                field=f"{table}.update.{row_id}",
            )
        by_id[row_id].update(fields)
    return list(by_id.values())


def read_layers(path: Path, source: Source, chain: tuple[Path, ...]) -> dict:
    """Read a scenario file and its ``extends`` parents; the child's fields win."""
    referrer = (chain[-1], "extends") if chain else None
    data, lines = read_yaml(path, referrer)
    source.layers.append((path, lines))
    source.files[str(path)] = sha256(path)
    for table in TABLES:
        if table in data:
            data[table] = _table_spec(data[table], path, table)
    for table, section, field in section_tables(data):
        section[field] = _table_spec(section[field], path, table)
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError(
            "extends must be the path of one YAML file", file=path, field="extends", line=lines.get(("extends",)),
            valid="e.g. `extends: chongqing.yaml`, relative to this file",
        )
    parent = resolved(path.parent / parent_name, path, "extends", lines.get(("extends",)))
    if parent in chain + (path,):
        cycle = " -> ".join(str(p.name) for p in chain + (path, parent))
        raise ScenarioError(
            f"extends forms a cycle: {cycle}", file=path, field="extends", line=lines.get(("extends",)),
            valid="a chain of parents that ends in a scenario without extends",
        )
    base = read_layers(parent, source, chain + (path,))
    return _merge_layers(base, data)


def resolved(path: Path, referrer: Path | None, field: str | None, line: int | None = None) -> Path:
    """``path`` with its symbolic links followed; a loop of links is bad input, not a traceback."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13 on a loop
        raise ScenarioError(
            f"the path {path} is a loop of symbolic links", file=referrer or path, field=field, line=line,
            valid="a path to a file, or a link that ends at one",
        ) from None


def _table_spec(value: Any, declared_in: Path, table: str) -> dict:
    """Normalise a table entry to {file, rows, update}; files resolve against the declaring YAML."""
    if isinstance(value, str):
        value = {"file": value}
    elif isinstance(value, list):
        value = {"rows": value}
    if not isinstance(value, dict) or not set(value) <= {"file", "rows", "update"}:
        raise ScenarioError(
            "a table is a CSV path, a list of rows, or a mapping with file/rows/update",
            file=declared_in,
            field=table,
            valid="e.g. `units: data/units.csv` or `units: {update: {fuling: {land_km2: 9}}}`",
        )
    spec = dict(value)
    if "file" in spec:
        if not isinstance(spec["file"], str):
            raise ScenarioError("a table file must be a path", file=declared_in, field=f"{table}.file")
        spec["file"] = str(resolved(declared_in.parent / spec["file"], declared_in, f"{table}.file"))
        spec["declared_in"] = str(declared_in)
    if "rows" in spec:
        spec["declared_in"] = str(declared_in)
    return spec


def _merge_layers(base: dict, child: dict, prefix: str = "") -> dict:
    merged = dict(base)
    for key, value in child.items():
        if f"{prefix}{key}" in (*TABLES, *SECTION_TABLES) and key in base:
            if "file" in value or "rows" in value:
                merged[key] = value  # a new base table drops the parent's updates too
            else:
                merged[key] = {**base[key], "update": deep_merge(base[key].get("update", {}), value.get("update", {}))}
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge_layers(base[key], value, f"{prefix}{key}.")
        else:
            merged[key] = value
    return merged


def deep_merge(base: dict, change: dict, none_clears: bool = False) -> dict:
    """``base`` with ``change`` merged in, mapping by mapping; ``none_clears``: a None value
    removes the key (its default then applies) instead of setting it."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        if value is None and none_clears:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value, none_clears)
        else:
            out[key] = value
    return out


def zone_column(data: dict) -> str | None:
    sites = data.get("sites")
    return sites.get("zone_column") if isinstance(sites, Mapping) and isinstance(sites.get("zone_column"), str) else None


def site_zones(rows: list[dict] | pd.DataFrame, sites: Any) -> list[dict] | pd.DataFrame:
    """A sites table's units take their zone from the framework's column (``sites.zone_column``,
    e.g. ``zone_2013``) and their land intensity from their zone (``sites.land_intensity``)."""
    column = zone_column({"sites": sites})
    if column is None:
        return rows
    intensity = sites.get("land_intensity") if isinstance(sites.get("land_intensity"), Mapping) else {}
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if column not in frame.columns:
        raise ScenarioError(
            f"the units table has no column '{column}'", field="sites.zone_column",
            valid=listing(c for c in frame.columns if str(c).startswith("zone")) or "a zone column of the units table",
        )
    frame = frame.assign(zone=frame[column])
    given = frame["zone"].map(lambda zone: intensity.get(zone))
    if given.notna().any():
        frame["land_intensity"] = given.map(lambda m: None if m is None else str(m)).where(
            given.notna(), frame.get("land_intensity", pd.Series("", index=frame.index)))
    if isinstance(rows, pd.DataFrame):
        return frame.fillna("")
    return [{k: v for k, v in row.items() if v is not None and v == v} for row in frame.to_dict("records")]


def load_table(table: str, spec: dict | None, source: Source, derived: tuple[str, ...] = ()) -> list[dict] | pd.DataFrame:
    """A table's rows; a main table read whole from CSV stays a DataFrame (validated by column)."""
    if spec is None:
        file, _ = source.locate(())
        raise ScenarioError(
            f"the scenario has no {table} table", file=file, field=table, valid="a CSV path or a list of rows"
        )
    if "file" in spec:
        path = Path(spec["file"])
        check_readable(path, table, Path(spec["declared_in"]), source)
        rows = read_csv(path, table, Path(spec["declared_in"]), derived)
        if table not in TABLES or spec.get("update"):
            rows = rows.to_dict("records")
        source.tables[table] = (path, 2)  # row 0 is on line 2, under the header
        source.files[str(path)] = sha256(path)
    elif "rows" in spec:
        rows = spec["rows"]
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ScenarioError(
                "inline rows must be a list of mappings", file=spec["declared_in"], field=table,
                valid="e.g. `- {id: a, name: Zone A}`, one per row",
            )
        source.tables[table] = (None, 0)
    else:
        file, line = source.locate(tuple(table.split(".")))
        raise ScenarioError(
            f"the {table} table has updates but no base table", file=file, field=table, line=line,
            valid="add `file:` or `rows:`, or extend a scenario that defines the table",
        )
    if spec.get("update"):
        _refuse_duplicate_ids(rows, table, source)
        file, _ = source.locate((*table.split("."), "update"))
        rows = updated_rows(rows, spec["update"], table, file=str(file))
        index = {row.get("id"): position for position, row in enumerate(rows)}
        for row_id, fields in spec["update"].items():
            for column in fields:
                source.updated[(table, index[row_id], column)] = source.locate(
                    (*table.split("."), "update", str(row_id), column)
                )
    return rows


def _refuse_duplicate_ids(rows: list[dict], table: str, source: Source) -> None:
    """Updating by id would merge a duplicated id's rows into one, so refuse it before (as without updates)."""
    positions: dict[Any, list[int]] = {}
    for position, row in enumerate(rows):
        if "id" in row:
            positions.setdefault(row["id"], []).append(position)
    for row_id, at in positions.items():
        if len(at) > 1:
            file, first_line = source.tables[table]
            if file is None:  # inline rows
                file, _ = source.locate(tuple(table.split(".")))
                numbers, what = [p + 1 for p in at], "items"
            else:
                numbers, what = [first_line + p for p in at], "lines"
            listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            raise ScenarioError(
                f"duplicate id '{row_id}' on {what} {listed}", file=file, field=f"{table}.id", valid="each id once per table"
            )
