"""Reading scenario files: YAML within bounds, CSV with line numbers, the hash of each file read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

from ..core.errors import ScenarioError
from ..schema.placement import Source
from ..schema.tables import ROW_MODELS, TABLES


DEFAULT_SCENARIO = "chongqing.yaml"


def default_scenario_path() -> Path:
    """The embedded Chongqing default: packaged copy when installed, ``inputs/`` in a checkout."""
    here = Path(__file__).resolve().parents[1]  # the package folder
    for folder in (here / "_inputs", here.parent / "inputs"):
        if (folder / DEFAULT_SCENARIO).is_file():
            return folder / DEFAULT_SCENARIO
    raise ScenarioError(
        "the embedded default scenario is missing from this installation",
        file=here.parent / "inputs" / DEFAULT_SCENARIO,
        valid="reinstall the package, or pass a scenario file",
    )


def read_yaml(path: Path, referrer: tuple[Path, str] | None, kind: str = "scenario") -> tuple[dict, dict[tuple, int]]:
    if not path.is_file():
        if referrer:
            raise ScenarioError(
                f"the file {path} does not exist", file=referrer[0], field=referrer[1], valid="an existing YAML file"
            )
        raise ScenarioError(f"the {kind} file does not exist", file=path, valid=f"the path of a YAML {kind} file")
    text = _read_text(path)
    loader = _BoundedLoader(text, path)
    try:
        node = loader.get_single_node()
        _check_aliases(node, path)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise ScenarioError(
            f"not valid YAML: {reason}", file=path, line=mark.line + 1 if mark else None,
            valid="`key: value` lines, nested by indenting with spaces (not tabs)",
        ) from None
    except (ValueError, TypeError, OverflowError, IndexError) as error:  # a value its tag cannot read: `!!int g`, `!!int ''`
        raise ScenarioError(
            f"not valid YAML: a value cannot be read as its tag says ({error})", file=path, line=_unreadable_line(node),
            valid="drop the tag (`!!int`, `!!float`, ...) or give a value of that type",
        ) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a {kind} file must be a YAML mapping", file=path, line=1, valid="`key: value` lines, e.g. `name: my-variant`"
        )
    return data, _key_lines(node, file=path)


YAML_MAX_DEPTH = 40  # mappings and lists nested deeper than this are refused (a scenario needs about 6)


YAML_MAX_ALIAS_NODES = 10_000  # values that aliases (`*name`) may repeat, in all, in one file


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than ``YAML_MAX_DEPTH`` while it composes
    (PyYAML recurses per level: 1,000 levels exhaust Python's stack)."""

    def __init__(self, text: str, path: Path):
        super().__init__(text)
        self._depth, self._path = 0, path

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > YAML_MAX_DEPTH:
                raise _too_deep(self._path, self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_deep(path: Path, line: int | None) -> ScenarioError:
    return ScenarioError(
        f"the YAML is nested more than {YAML_MAX_DEPTH} levels deep", file=path, line=line,
        valid=f"at most {YAML_MAX_DEPTH} levels of nested mappings and lists, aliases (`*name`) expanded",
    )


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_aliases(node, path: Path) -> None:
    """Refuse aliases that repeat more than ``YAML_MAX_ALIAS_NODES`` values, nest deeper than
    ``YAML_MAX_DEPTH`` once expanded, or contain themselves: a few hundred bytes of nested aliases
    ("billion laughs") expand to billions of values once anything walks the data."""
    if node is None:
        return
    sizes: dict[int, tuple[int, int]] = {}  # by node id: (values, levels) with aliases expanded
    stack, open_nodes = [(node, False)], set()
    while stack:  # depth first, without recursion: a chain of aliases may be long
        item, done = stack.pop()
        key = id(item)
        if done:
            parts = [sizes[id(child)] for child in _children(item)]
            sizes[key] = (1 + sum(p[0] for p in parts), 1 + max((p[1] for p in parts), default=0))
            open_nodes.discard(key)
            if sizes[key][1] > YAML_MAX_DEPTH:
                raise _too_deep(path, item.start_mark.line + 1)
        elif key in open_nodes:
            raise ScenarioError(
                "an alias (`*name`) refers to a value that contains it", file=path, line=item.start_mark.line + 1,
                valid="aliases of values defined before them, not of the value they are in",
            )
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((item, True))
            stack += [(child, False) for child in _children(item)]
    repeated = sizes[id(node)][0] - len(sizes)
    if repeated > YAML_MAX_ALIAS_NODES:
        raise ScenarioError(
            f"aliases (`*name`) in this file repeat {repeated:,} values", file=path,
            valid=f"aliases that repeat at most {YAML_MAX_ALIAS_NODES:,} values in all; write the values out instead",
        )


def _unreadable_line(node) -> int | None:
    """The line of the first scalar in a YAML node tree that its tag cannot construct."""
    constructor = yaml.SafeLoader("")
    pending = [node]
    while pending:
        item = pending.pop(0)
        if isinstance(item, yaml.ScalarNode):
            try:
                constructor.construct_object(item, deep=True)
            except Exception:
                return item.start_mark.line + 1
        elif isinstance(item, yaml.MappingNode):
            pending += [part for pair in item.value for part in pair]
        elif isinstance(item, yaml.SequenceNode):
            pending += list(item.value)
    return None


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            f"the file is not UTF-8 text (byte {error.start} cannot be decoded)",
            file=path,
            valid="save the file as UTF-8",
        ) from None
    except OSError as error:
        raise ScenarioError(f"cannot read the file: {error.strerror}", file=path) from None


def _key_lines(node, prefix: tuple = (), file: Path | None = None) -> dict[tuple, int]:
    """The line of every key path; a key given twice in one mapping is an error (YAML would keep the last)."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (str(key.value),)
            if path in lines:
                raise ScenarioError(
                    f"the key '{key.value}' is given twice (also on line {lines[path]})", file=file,
                    line=key.start_mark.line + 1, field=".".join(path), valid="each key once in its mapping",
                )
            lines[path] = key.start_mark.line + 1
            lines.update(_key_lines(value, path, file))
    return lines


def check_readable(path: Path, table: str, declared_in: Path, source: Source) -> None:
    """A table is a ``.csv`` file (its links followed) inside the folder of a YAML file of the
    scenario (the file itself or one it extends) or inside the shipped inputs: a scenario cannot
    make a run read, and copy into its results folder, any other file of the machine."""
    folders = {file.parent for file, _ in source.layers} | {default_scenario_path().parent}
    if path.suffix.lower() == ".csv" and any(path.is_relative_to(folder) for folder in folders):
        return
    _, line = source.locate((*table.split("."), "file")) if table in TABLES else source.locate(tuple(table.split(".")))
    raise ScenarioError(
        f"the table file {path} is not a .csv file inside the scenario's folders", file=declared_in, field=table,
        line=line, valid="a .csv file in the folder of this YAML file (or of a file it extends), or below it",
    )


def read_csv(path: Path, table: str, declared_in: Path, derived: tuple[str, ...] = ()) -> pd.DataFrame:
    if not path.is_file():
        raise ScenarioError(
            f"the table file {path} does not exist", file=declared_in, field=table, valid="a path to an existing CSV file"
        )
    import io

    text = _read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ScenarioError(
            f"not a valid CSV table: {str(error).strip()}", file=path,
            valid="a header row, then rows with as many comma-separated cells; quote a cell that holds a comma",
        ) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated or any(column.startswith("Unnamed:") for column in frame.columns):
        raise ScenarioError(
            "the header has duplicate or empty column names", file=path, line=1,
            valid=", ".join(ROW_MODELS[table].model_fields) + ", or any source*/note* column, each once",
            field=", ".join(duplicated) or None,
        )
    required = [name for name, field in ROW_MODELS[table].model_fields.items() if field.is_required() and name not in derived]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ScenarioError(
            f"missing column(s) {', '.join(missing)}", file=path, line=1, valid=f"the {table} table needs {', '.join(required)}"
        )
    if frame.empty:
        raise ScenarioError(f"the {table} table has no rows", file=path, valid="at least one row under the header")
    return frame


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
