"""Where a run came from: ``manifest.json`` in every results folder (``optimizer rerun`` reads it:
``optimizer.workflows.rerun``).

The manifest records what an auditor needs to trace every number back: the scenario and every
file it was read from with their SHA-256, whether it was changed in Python after loading, the
resolved scenario's settings and the SHA-256 of the resolved copy in the folder (scenario.yaml and
scenario/*.csv), the package version and git commit (when run from a checkout), Python, PuLP and
solver versions, the solver options, the status with objective, bound and gap, the timings of
each stage (load, build, solve, report), when and on which host the run started, and the SHA-256
of every file written in the folder.
"""

from __future__ import annotations

import hashlib
import json
import platform
import socket
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..core.errors import ScenarioError
from ..core.formatting import jsonable
from ..schema.tables import TABLES

MANIFEST = "manifest.json"
PACKAGES = ("pulp", "highspy", "pandas", "numpy", "pydantic", "pyyaml", "matplotlib", "jinja2")
DISTRIBUTION = "cq-site-optimizer"


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_state(folder: Path | None = None) -> dict | None:
    """The commit (and whether tracked files differ from it) of the checkout the package runs from."""
    root = folder or Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                                  timeout=10).stdout.strip()

        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return None


def package_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _changed_after_loading(scenario) -> bool | None:
    """Whether the scenario differs from what its origin file gives today (None: cannot tell)."""
    if scenario.origin is None:
        return None
    from ..scenario.loading import load_scenario
    from ..schema.tables import TABLES

    tables = set(TABLES)
    loaded = scenario.loaded
    if loaded is not None and all(Path(file).is_file() and sha256(Path(file)) == digest
                                  for file, digest in scenario.files.items()):
        # Unchanged files give the same scenario again: no need to load it. A with_changes copy
        # with the same tables differs from it only where its settings do.
        return loaded is not scenario and loaded.model_dump(exclude=tables) != scenario.model_dump(exclude=tables)
    try:
        fresh = load_scenario(scenario.origin)
    except ScenarioError:
        return None
    return fresh.model_dump(exclude=tables) != scenario.model_dump(exclude=tables) or not all(
        fresh.table(table).equals(scenario.table(table)) for table in TABLES
    )


def collect(result) -> dict:
    """Everything the manifest says that is known before the folder is written."""
    from ..core.version import __version__

    s, solution = result.scenario, result.solution
    settings = s.model_dump(mode="json", exclude=set(TABLES))
    return {
        "manifest_version": 1,
        "tool": {"package": DISTRIBUTION, "version": __version__, "git": git_state()},
        "started": result.provenance.get("started"),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: package_version(name) for name in PACKAGES if package_version(name)},
        "scenario": {
            "name": s.name,
            "origin": s.origin,
            "files": s.files,
            "changed_after_loading": _changed_after_loading(s),
            "settings": settings,
        },
        "solver": {"name": solution.solver, "version": solution.solver_version, "options": solution.options},
        "result": {
            "status": solution.status,
            "message": solution.message,
            "objective": solution.objective,
            "best_bound": solution.best_bound,
            "gap": solution.gap,
        },
        "timings_s": dict(result.timings),
        **{key: value for key, value in result.provenance.items() if key != "started"},
    }


def folder_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (paths relative to it, with forward slashes)."""
    return {
        path.relative_to(folder).as_posix(): sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def write_manifest(folder: Path, provenance: dict, timings: dict) -> None:
    """Write manifest.json, last: it hashes every other file in the folder."""

    written = folder_hashes(folder)
    manifest = {
        **provenance,
        "timings_s": timings,
        "resolved_scenario": {path: digest for path, digest in written.items()
                              if path == "scenario.yaml" or path.startswith("scenario/")},
        "outputs": written,
    }
    (folder / MANIFEST).write_text(json.dumps(jsonable(manifest), indent=2, ensure_ascii=False), encoding="utf-8")


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# --------------------------------------------------------------------------- rerun
