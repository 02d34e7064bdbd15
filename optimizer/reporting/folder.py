"""Result → results folder: CSV tables, summary.json, the resolved scenario, report.md and
report.html (``optimizer.reporting.html``), and manifest.json (``optimizer.reporting.manifest``).

A folder is written whole or not at all: everything goes into a hidden temporary folder beside
the target, which is renamed into place only when complete (a rename within one file system is
atomic), and removed if anything fails or the run is interrupted. An existing folder is never
overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import secrets
import socket
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from ..core.csvfile import write_csv
from ..core.formatting import jsonable
from ..core.progress import Progress
from ..schema.tables import TABLES, section_tables
from .html import html_report
from .manifest import collect, write_manifest
from .markdown import markdown_report

TABLE_FILES = ("allocation", "by_zone", "by_industry", "constraints")


class ResultsFolderExists(FileExistsError):
    """The requested results folder exists already; runs never overwrite one another."""


def new_folder_name(scenario_name: str, results_root: Path) -> Path:
    """``<scenario>-<date>-<time>``, numbered ``-2``, ``-3``, ... if taken (see ``atomic_folder``)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = results_root / f"{scenario_name}-{stamp}"
    number = 2
    while candidate.exists():
        candidate = results_root / f"{scenario_name}-{stamp}-{number}"
        number += 1
    return candidate


def write_results(result, folder=None, results_root="results", report_started: float | None = None,
                  progress=None) -> Path:
    progress = progress or Progress(enabled=False)
    started = report_started or time.perf_counter()
    target = Path(folder) if folder is not None else new_folder_name(result.scenario.name, Path(results_root))
    folder_writer = atomic_folder(target, numbered=folder is None)
    with folder_writer as partial:
        progress.stage("writing the tables")
        for name in TABLE_FILES:
            write_csv(getattr(result, name), partial / f"{name}.csv")
        for name, table in result.family_tables.items():
            write_csv(table, partial / f"{name}.csv")
        if result.diagnosis is not None:
            result.diagnosis.write(partial)
        write_scenario(result.scenario, partial)
        progress.stage("writing report.md")
        (partial / "report.md").write_text(markdown_report(result), encoding="utf-8")
        progress.stage("drawing report.html")
        provenance = collect(result)
        (partial / "report.html").write_text(html_report(result, provenance), encoding="utf-8")
        summary = result.summary()
        summary["timings_s"] = {**summary["timings_s"], "report": time.perf_counter() - started}
        write_summary(summary, partial)
        progress.stage("hashing the folder for manifest.json")
        write_manifest(partial, provenance, summary["timings_s"])
    return folder_writer.target


class atomic_folder:
    """``with atomic_folder(target) as partial:`` writes into a hidden temporary folder beside
    ``target``, renamed to it when the block completes.

    The folder appears whole or not at all: on any failure or interruption the temporary folder
    is removed. An existing ``target`` is never overwritten (ResultsFolderExists); a ``numbered``
    one (a default name) takes the next free number instead, so that two runs started in the same
    second both keep their work. ``.target`` is the folder written.
    """

    def __init__(self, target: Path, numbered: bool = False):
        self.target, self.numbered = Path(target), numbered

    def __enter__(self) -> Path:
        if self.target.exists() and not self.numbered:
            raise ResultsFolderExists(f"{self.target} exists already; results folders are never overwritten")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(self.target.parent)
        # A name of this run alone (mkdir fails on a name taken), saying which process of which host
        # writes it, so that only a folder proven to be a killed run's is ever removed by another run.
        self.partial = self.target.parent / f".{self.target.name}.partial-{os.getpid()}-{_HOST}-{secrets.token_hex(4)}"
        self.partial.mkdir()
        return self.partial

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            try:
                self._publish()
                return False
            except BaseException:
                shutil.rmtree(self.partial, ignore_errors=True)
                raise
        shutil.rmtree(self.partial, ignore_errors=True)
        return False

    def _publish(self) -> None:
        base, number = self.target, 2
        while True:
            if self.target.exists() and not self.numbered:
                raise ResultsFolderExists(f"{self.target} appeared while writing; results folders are never overwritten")
            if not self.target.exists():
                try:
                    self.partial.rename(self.target)  # fails if another run's complete folder took the name
                    return
                except OSError:
                    if not self.numbered:
                        raise
            self.target = base.with_name(f"{base.name}-{number}")
            number += 1


_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]  # in partial folders' names
_PARTIAL = re.compile(r"\.partial-(\d+)-([0-9a-f]{8})-[0-9a-f]{8}$")  # .<name>.partial-<pid>-<host>-<random>


def write_summary(summary: dict, folder: Path) -> None:
    summary["written"] = datetime.now().isoformat(timespec="seconds")
    (folder / "summary.json").write_text(json.dumps(jsonable(summary), indent=2), encoding="utf-8")


def remove_abandoned(results_root: Path) -> None:
    """Remove the hidden partial folders of runs that were killed outright (SIGKILL, power loss).

    Interrupted runs (Ctrl-C, SIGTERM) remove their own; a killed one cannot, so the next run
    does: only a folder this tool marked as written by a process of this host that is gone (not
    a folder of someone else's named alike, nor one another host is writing on a shared disk).
    """
    for partial in results_root.glob(".*.partial-*"):
        mark = _PARTIAL.search(partial.name)
        if mark and mark.group(2) == _HOST and not _alive(int(mark.group(1))):
            shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write_scenario(scenario, folder: Path) -> None:
    """The fully resolved scenario: scenario.yaml plus its tables under scenario/."""
    data = scenario.model_dump(mode="json", exclude=set(TABLES))
    tables = folder / "scenario"
    tables.mkdir()
    for table in TABLES:
        write_csv(scenario.table(table).reset_index(), tables / f"{table}.csv", exact=True)
        data[table] = f"scenario/{table}.csv"
    for table, section, field in section_tables(data):
        if section[field]:
            name = table.replace(".", "_")
            write_csv(pd.DataFrame(section[field]), tables / f"{name}.csv", exact=True)
            section[field] = f"scenario/{name}.csv"
    header = "# The resolved scenario of this run; `optimizer run <this folder>/scenario.yaml` repeats it.\n"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (folder / "scenario.yaml").write_text(header + text, encoding="utf-8")
