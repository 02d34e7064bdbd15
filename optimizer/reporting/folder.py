"""Result → results folder: CSV tables, summary.json, the resolved scenario, report.md and
report.html (``optimizer.html_report``), and manifest.json (``optimizer.provenance``).

A folder is written whole or not at all: everything goes into a hidden temporary folder beside
the target, which is renamed into place only when complete (a rename within one file system is
atomic), and removed if anything fails or the run is interrupted. An existing folder is never
overwritten.
"""

from __future__ import annotations

import hashlib
import json
import math
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
from ..scenario.model import TABLES, section_tables

TABLE_FILES = ("allocation", "by_zone", "by_industry", "constraints")
PRICE_ZERO = 1e-9  # |shadow price| at or below this: the limit is worth nothing at the margin
REPORT_ROWS = 200  # rows of a long table shown in report.md (grid scenarios have 100,000s)


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
    from .html import html_report
    from ..core.progress import Progress
    from .manifest import collect, write_manifest

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
    (folder / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2), encoding="utf-8")


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


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


# --------------------------------------------------------------------------- markdown


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _named(row_name: str, row_name_zh: str) -> str:
    return f"{row_name} ({row_name_zh})" if row_name_zh else row_name


def price_in_words(row: pd.Series, sense: str) -> str:
    """'city carbon budget of 20 Mt CO2 — one t CO2 more would add 1,234 yuan output'.

    A limit's meaning is a noun phrase ("land available in Fuling") or a clause ("health takes
    at least 20% of …"): the dash reads right after either. A shadow price is the objective's gain
    (positive: better) per unit relaxed, so for a minimised objective (``sense`` "min") a positive
    price takes that much away from it.
    """
    relax = "more" if row["sense"] != ">=" else "less"
    unit = row["unit"].replace("km2", "km²")
    gain = row["shadow_price"]
    what = row["shadow_price_unit"].split(" per ")[0]
    change = gain if sense == "max" else -gain  # of the objective's value
    verb = "add" if change >= 0 else "cost" if sense == "max" else "remove"
    return f"{row['meaning']} — one {unit} {relax} would {verb} {_amount(abs(gain))} {what}"


def _amount(value: float) -> str:
    """0.0312 / 1,500 / 36.4 million / 12.3 billion: readable at any size."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{value / size:,.1f} {word}"
    return _fmt(value, 0) if value >= 100 or value == 0 else f"{value:.3g}"


def _mip_lines(result) -> list[str]:
    """The best bound and gap of a mixed-integer run."""
    s = result.solution
    if not result.model.is_mip or s.best_bound is None:
        return []
    return [f"- Best bound: {_fmt(s.best_bound)}, relative gap {_fmt(100 * s.gap, 4) if s.gap is not None else '–'}%"]


def uniqueness_line(result) -> str:
    """Whether the plan is the only optimal one, in a sentence, and what the run did about it."""
    line = result.uniqueness.words()
    if "tie_break" in result.solution.options:
        line += " This plan is the one the tie-break rule picks (least carbon, then fixed weights per pair)."
    elif result.uniqueness.verdict == "not unique" and "land_ranges" not in result.method_tables:
        line += " Ask for ranges (--ranges) to see which parts are forced and which are free."
    ranges = result.method_tables.get("land_ranges")
    if ranges is not None:
        pairs = ranges[ranges["level"] == "unit"]
        tolerance = float(ranges["tolerance"].iloc[0]) if len(ranges) else 0.0
        if not len(pairs):
            line += " The ranges (land_ranges.csv) are by zone and industry."
        elif tolerance == 0:
            line += (f" Of the {len(pairs):,} unit–industry pairs that receive land in some optimal plan, "
                     f"{int(pairs['forced'].sum()):,} are forced (the same land in every one; land_ranges.csv).")
        else:
            line += (f" Within {tolerance:.3g} of the optimum, {len(pairs):,} unit–industry pairs can receive land; "
                     f"their least and most are in land_ranges.csv.")
    return line


def markdown_report(result) -> str:
    s = result.scenario
    criterion = result.model.criterion
    lines = [f"# Site allocation: {s.name}", ""]
    if s.description:
        lines += [s.description.strip(), ""]
    lines += [
        f"- Status: **{result.status}**" + (f" ({result.solution.message})" if result.solution.message else ""),
        f"- Objective: {'maximise' if criterion.sense == 'max' else 'minimise'} {criterion.label}"
        f" = {_fmt(result.objective)} {criterion.unit}",
        f"- Solver: {result.solution.solver} {result.solution.solver_version}, "
        f"{result.solution.seconds:.2f} s",
        *_mip_lines(result),
        *([f"- Uniqueness: {uniqueness_line(result)}"] if result.has_solution else []),
        "",
    ]
    if result.warnings:
        lines += ["## Warnings", "", *[f"- {warning}" for warning in result.warnings], ""]
    if result.diagnosis is not None:
        lines.append(result.diagnosis.markdown(level=2))
    if not result.has_solution:
        lines += ["No solution to report: the solver's verdict is above.", ""]
        return "\n".join(lines)
    if result.status != "optimal":
        lines += ["**Not optimal:** the tables below are the best solution the solver found before it stopped.", ""]
    k = result.kpis
    lines += ["## Headline", "", "| indicator | value | limit | used |", "|---|---:|---:|---:|"]
    lines.append(f"| output (100m yuan/yr) | {_fmt(k['output_100m_yuan'])} | | |")
    budget = k["carbon_budget_mt"]
    lines.append(
        f"| carbon (Mt CO2/yr) | {_fmt(k['carbon_mt'], 3)} | {_fmt(budget, 3) if budget else 'none'} | "
        f"{_fmt(100 * k['carbon_budget_used'], 1) + '%' if k['carbon_budget_used'] is not None else '–'} |"
    )
    lines.append(
        f"| land (km²) | {_fmt(k['land_km2'])} | {_fmt(k['land_available_km2'])} | "
        f"{_fmt(100 * k['land_used_share'], 1) + '%' if k['land_used_share'] is not None else '–'} |"
    )
    lines.append(f"| jobs (persons) | {_fmt(k['jobs'], 0)} | | |")
    lines.append(f"| energy (tce/yr) | {_fmt(k['energy_tce'], 0)} | | |")
    lines.append(f"| pollutant (t/yr) | {_fmt(k['pollutant_t'], 1)} | | |")
    for name in s.indicators:
        indicator = result.model.criteria[name]
        lines.append(f"| {indicator.label} ({indicator.unit}) | {_fmt(k[name])} | | |")
    lines.append("")

    zones = result.by_zone.copy()
    zones.insert(1, "zone name", [_named(n, z) for n, z in zip(zones.pop("name"), zones.pop("name_zh"))])
    lines += ["## By zone", "", _markdown(zones.drop(columns=["carbon_budget_t"]), ",.2f"), ""]
    industries = result.by_industry.copy()
    industries.insert(1, "industry name", [_named(n, z) for n, z in zip(industries.pop("name"), industries.pop("name_zh"))])
    lines += ["## By industry", "", _markdown(industries, ",.2f"), ""]

    binding = result.constraints[result.constraints["binding"]]
    free = binding["shadow_price"].abs() <= PRICE_ZERO
    binding = binding[~free]
    lines += ["## Binding limits and their shadow prices", ""]
    if result.model.is_mip and result.solution.dual_basis:
        lines += [
            f"Shadow prices of this mixed-integer run come from the {result.solution.dual_basis} at their "
            "solution values: they price a small change in a limit with the discrete choices held as they are.",
            "",
        ]
    if binding.empty:
        lines += ["No limit has a price: relaxing any one alone would not change the objective.", ""]
    for _, row in binding.sort_values("family", kind="stable").head(REPORT_ROWS).iterrows():
        lines.append(f"- `{row['name']}`: {price_in_words(row, criterion.sense)}.")
    if len(binding) > REPORT_ROWS:
        lines.append(f"- … and {len(binding) - REPORT_ROWS:,} more binding limits: see `constraints.csv`.")
    if free.any():
        lines.append(f"- {free.sum():,} more limit(s) are met exactly but have price 0: relaxing one alone would not "
                     "change the objective (`constraints.csv` lists them).")
    lines.append("")
    for name, table in result.family_tables.items():
        lines += [f"## {name.replace('_', ' ').capitalize()}", "", *_markdown_table(table, f"{name}.csv")]
    lines += ["## Allocation", "", *_markdown_table(result.allocation, "allocation.csv")]
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame, file: str) -> list[str]:
    """A table for the report, cut to its first REPORT_ROWS rows (the CSV file has them all)."""
    lines = [_markdown(table.head(REPORT_ROWS), ",.3f"), ""]
    if len(table) > REPORT_ROWS:
        lines += [f"The first {REPORT_ROWS} of {len(table):,} rows; `{file}` has them all.", ""]
    return lines


def _markdown(table: pd.DataFrame, floatfmt: str) -> str:
    """A markdown table with "–" for no value (tabulate writes a missing float as "nan")."""
    cells = table.astype(object).where(table.notna(), None)
    return cells.to_markdown(index=False, floatfmt=floatfmt, missingval="–")
