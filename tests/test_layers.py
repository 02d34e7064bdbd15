"""The package's layers (docs/architecture.md): a module imports only from its own layer and the
layers below it, and the package's imports form no cycle.

Every ``import`` and ``from … import`` counts wherever it stands: at the top of a module, inside a
function, under ``if TYPE_CHECKING``. The graph is read with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimizer"

# Bottom to top: a layer may use every layer before it in this list, never one after it.
LAYERS = (
    "core",  # leaf facts: errors, exit codes, units, criteria, result types, row-name templates
    "schema",  # pydantic vocabulary of scenario files
    "rules",  # one module per rule family, and the registry
    "scenario",  # the Scenario, loading, extends, cross-table checks
    "compile",  # Scenario → Model, soft limits, generic presolve checks
    "solvers",  # Model → Solution
    "reduction",  # exact reductions: one plan, one split kernel
    "results",  # Result and its planning tables
    "analysis",  # diagnosis, multi-criteria methods, frontier
    "reporting",  # results folders, reports, manifest, comparisons
    "workflows",  # solve, rerun, sweeps
    "cli",  # the console script
)
# The package's face (``optimizer/__init__.py``, ``__main__``) sits above every layer: it may import
# any of them, and no module of a layer may import it.

# Imports that point up, each allowed for the reason given: (module, function, imported module).
ALLOWED = {
    ("optimizer.scenario.model", "Scenario._repr_html_", "optimizer.reporting.html"):
        "a notebook shows a Scenario as HTML; the import runs only when Jupyter asks for it",
    ("optimizer.results.result", "Result._repr_html_", "optimizer.reporting.html"):
        "a notebook shows a Result as HTML; the import runs only when Jupyter asks for it",
    ("optimizer.results.result", "Result.save", "optimizer.reporting.folder"):
        "`result.save()` is the notebook's way to write a results folder (README); the import runs only then",
    ("optimizer.results.result", "Result.uniqueness", "optimizer.analysis.alternatives"):
        "`result.uniqueness` (README) is worked out when first asked for; the analysis that finds it reads a "
        "Result, so it cannot sit below results; the import runs only then",
}

MAX_LINES = 600  # no module longer (issue 19)


@dataclass(frozen=True)
class Edge:
    source: str  # importing module
    where: str  # the function (qualified name) holding the import, or "<module>"
    target: str  # imported module of the package
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: dict) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in known]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # ``from a import b`` imports module a.b when there is one, and a's own names otherwise.
    out = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target for alias in node.names]
    return [t for t in out if t in known]


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: dict):
        self.module, self.is_package, self.known = module, is_package, known
        self.scope: list[str] = []
        self.edges: list[Edge] = []
        self.private: list[tuple[str, str, int]] = []  # (imported module, private name, line)

    def _nested(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _nested

    def _import(self, node):
        where = ".".join(self.scope) or "<module>"
        for target in _targets(node, self.module, self.is_package, self.known):
            if target != self.module:
                self.edges.append(Edge(self.module, where, target, node.lineno))
        if isinstance(node, ast.ImportFrom):  # all names of one statement come from one module of ours, or none
            for target, alias in zip(_targets(node, self.module, self.is_package, self.known), node.names):
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    self.private.append((target, alias.name, node.lineno))

    visit_Import = visit_ImportFrom = _import


def read_imports(root: Path) -> tuple[list[Edge], list[str]]:
    """The package's import edges, and every private name imported from another of its modules."""
    known = modules(root)
    edges, private = [], []
    for module, path in known.items():
        visitor = _Imports(module, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        edges += visitor.edges
        private += [f"{module}:{line} imports {name} from {target}" for target, name, line in visitor.private
                    if target != module]
    return edges, private


def rank(module: str, package: str, layers: tuple[str, ...]) -> int | None:
    """The layer of a module (its index in ``layers``), ``len(layers)`` for the face, None outside any."""
    parts = module.split(".")
    if module in (package, f"{package}.__main__"):
        return len(layers)
    if len(parts) >= 2 and parts[1] in layers:
        return layers.index(parts[1])
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def layer_problems(root: Path, layers: tuple[str, ...] = LAYERS, allowed: dict = ALLOWED) -> list[str]:
    """Modules outside every layer, upward imports, cycles and stale exceptions, in words."""
    package = root.name
    known = modules(root)
    edges, _ = read_imports(root)
    problems = [f"{m} is in no layer (layers: {', '.join(layers)})" for m in known if rank(m, package, layers) is None]
    used = set()
    graph: dict[str, set[str]] = {m: set() for m in known}
    for e in edges:
        key = (e.source, e.where, e.target)
        if key in allowed:
            used.add(key)
            continue
        graph[e.source].add(e.target)
        low, high = rank(e.source, package, layers), rank(e.target, package, layers)
        if low is not None and high is not None and high > low:
            where = "" if e.where == "<module>" else f" (in {e.where})"
            problems.append(f"{e.source}:{e.line}{where} imports {e.target} from a layer above")
    problems += [f"import cycle: {' → '.join(c)}" for c in _cycles(graph)]
    problems += [f"allowed exception no longer occurs, remove it: {key}" for key in allowed if key not in used]
    return problems


# --------------------------------------------------------------------------- the package itself

def test_each_module_imports_only_its_own_layer_and_those_below_without_cycles():
    problems = layer_problems(PACKAGE)
    assert not problems, "\n".join(problems)


def test_no_private_name_crosses_modules():
    _, private = read_imports(PACKAGE)
    assert not private, "\n".join(private)


def test_no_module_is_longer_than_the_limit():
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules(PACKAGE).items()}
    long = {m: n for m, n in lines.items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


# --------------------------------------------------------------------------- the checker itself


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


TOY_LAYERS = ("low", "high")
CLEAN = {
    "low/__init__.py": "",
    "low/a.py": "X = 1\n",
    "low/b.py": "from .a import X\n",
    "high/__init__.py": "",
    "high/c.py": "from ..low import a\nfrom pkg.low.a import X\n",
}


def test_a_layered_package_passes(tmp_path):
    assert layer_problems(_package(tmp_path, CLEAN), TOY_LAYERS, {}) == []


def test_an_upward_import_inside_a_function_fails(tmp_path):
    root = _package(tmp_path, {**CLEAN, "low/b.py": "from .a import X\n\ndef f():\n    from ..high import c\n"})
    assert layer_problems(root, TOY_LAYERS, {}) == ["pkg.low.b:4 (in f) imports pkg.high.c from a layer above"]


def test_an_import_of_the_face_from_a_layer_fails(tmp_path):
    root = _package(tmp_path, {**CLEAN, "low/a.py": "from .. import VERSION\n", "__init__.py": "VERSION = 1\n"})
    assert layer_problems(root, TOY_LAYERS, {}) == ["pkg.low.a:1 imports pkg from a layer above"]


def test_a_cycle_within_a_layer_fails(tmp_path):
    root = _package(tmp_path, {**CLEAN, "low/a.py": "import typing\nif typing.TYPE_CHECKING:\n    from . import b\n"})
    assert layer_problems(root, TOY_LAYERS, {}) == ["import cycle: pkg.low.a → pkg.low.b"]


def test_a_module_outside_the_layers_fails(tmp_path):
    root = _package(tmp_path, {**CLEAN, "loose.py": ""})
    assert layer_problems(root, TOY_LAYERS, {}) == ["pkg.loose is in no layer (layers: low, high)"]


def test_an_allowed_exception_passes_and_a_stale_one_fails(tmp_path):
    root = _package(tmp_path, {**CLEAN, "low/b.py": "class B:\n    def show(self):\n        from ..high import c\n"})
    allowed = {("pkg.low.b", "B.show", "pkg.high.c"): "display"}
    assert layer_problems(root, TOY_LAYERS, allowed) == []
    stale = {**allowed, ("pkg.low.a", "f", "pkg.high.c"): "gone"}
    assert layer_problems(root, TOY_LAYERS, stale) == [
        "allowed exception no longer occurs, remove it: ('pkg.low.a', 'f', 'pkg.high.c')"
    ]


def test_a_private_name_from_another_module_is_found(tmp_path):
    root = _package(tmp_path, {**CLEAN, "high/c.py": "from ..low.a import _hidden, X\n"})
    assert read_imports(root)[1] == ["pkg.high.c:1 imports _hidden from pkg.low.a"]
