"""Result → results folder: CSV tables, summary.json, the resolved scenario, report.md and
report.html (``optimizer.html_report``), and manifest.json (``optimizer.provenance``).

A folder is written whole or not at all: everything goes into a hidden temporary folder beside
the target, which is renamed into place only when complete (a rename within one file system is
atomic), and removed if anything fails or the run is interrupted. An existing folder is never
overwritten.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from .csvfile import write_csv
from .scenario import TABLES, section_tables

TABLE_FILES = ("allocation", "by_zone", "by_industry", "constraints")
REPORT_ROWS = 200  # rows of a long table shown in report.md (grid scenarios have 100,000s)


class ResultsFolderExists(FileExistsError):
    """The requested results folder exists already; runs never overwrite one another."""


def new_folder_name(scenario_name: str, results_root: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = results_root / f"{scenario_name}-{stamp}"
    number = 2
    while candidate.exists():
        candidate = results_root / f"{scenario_name}-{stamp}-{number}"
        number += 1
    return candidate


def write_results(result, folder=None, results_root="results", report_started: float | None = None) -> Path:
    from .html_report import html_report
    from .provenance import collect, write_manifest

    started = report_started or time.perf_counter()
    target = Path(folder) if folder is not None else new_folder_name(result.scenario.name, Path(results_root))
    with atomic_folder(target) as partial:
        for name in TABLE_FILES:
            write_csv(getattr(result, name), partial / f"{name}.csv")
        for name, table in result.family_tables.items():
            write_csv(table, partial / f"{name}.csv")
        if result.diagnosis is not None:
            result.diagnosis.write(partial)
        write_scenario(result.scenario, partial)
        (partial / "report.md").write_text(markdown_report(result), encoding="utf-8")
        provenance = collect(result)
        (partial / "report.html").write_text(html_report(result, provenance), encoding="utf-8")
        summary = result.summary()
        summary["timings_s"] = {**summary["timings_s"], "report": time.perf_counter() - started}
        write_summary(summary, partial)
        write_manifest(partial, provenance, summary["timings_s"])
    return target


@contextmanager
def atomic_folder(target: Path):
    """Yield a hidden temporary folder beside ``target``, renamed to it when the block completes.

    The folder appears whole or not at all: on any failure or interruption the temporary folder
    is removed. An existing ``target`` is never overwritten (ResultsFolderExists).
    """
    if target.exists():
        raise ResultsFolderExists(f"{target} exists already; results folders are never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(target.parent)
    partial = target.parent / f".{target.name}.partial-{os.getpid()}"
    try:
        partial.mkdir()
        yield partial
        if target.exists():
            raise ResultsFolderExists(f"{target} appeared while writing; results folders are never overwritten")
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_summary(summary: dict, folder: Path) -> None:
    summary["written"] = datetime.now().isoformat(timespec="seconds")
    (folder / "summary.json").write_text(json.dumps(_jsonable(summary), indent=2), encoding="utf-8")


def remove_abandoned(results_root: Path) -> None:
    """Remove the hidden partial folders of runs that were killed outright (SIGKILL, power loss).

    Interrupted runs (Ctrl-C, SIGTERM) remove their own; a killed one cannot, so the next run
    does, once the process that wrote it is gone.
    """
    for partial in results_root.glob(".*.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
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
        write_csv(scenario.table(table).reset_index(), tables / f"{table}.csv")
        data[table] = f"scenario/{table}.csv"
    for table, section, field in section_tables(data):
        if section[field]:
            name = table.replace(".", "_")
            write_csv(pd.DataFrame(section[field]), tables / f"{name}.csv")
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


def price_in_words(row: pd.Series) -> str:
    """'one more t CO2 of the city carbon budget would add 1,234 yuan output'."""
    relax = "one more" if row["sense"] != ">=" else "one less"
    unit = row["unit"].replace("km2", "km²")
    gain = row["shadow_price"]
    what = row["shadow_price_unit"].split(" per ")[0]
    verb = "add" if gain >= 0 else "cost"
    return f"{relax} {unit} of the {row['meaning']} would {verb} {_amount(abs(gain))} {what}"


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
    lines += ["## By zone", "", zones.drop(columns=["carbon_budget_t"]).to_markdown(index=False, floatfmt=",.2f"), ""]
    industries = result.by_industry.copy()
    industries.insert(1, "industry name", [_named(n, z) for n, z in zip(industries.pop("name"), industries.pop("name_zh"))])
    lines += ["## By industry", "", industries.to_markdown(index=False, floatfmt=",.2f"), ""]

    binding = result.constraints[result.constraints["binding"]]
    lines += ["## Binding limits and their shadow prices", ""]
    if result.model.is_mip and result.solution.dual_basis:
        lines += [
            f"Shadow prices of this mixed-integer run come from the {result.solution.dual_basis} at their "
            "solution values: they price a small change in a limit with the discrete choices held as they are.",
            "",
        ]
    if binding.empty:
        lines += ["No limit binds.", ""]
    for _, row in binding.sort_values("family", kind="stable").head(REPORT_ROWS).iterrows():
        lines.append(f"- `{row['name']}`: {price_in_words(row)}.")
    if len(binding) > REPORT_ROWS:
        lines.append(f"- … and {len(binding) - REPORT_ROWS:,} more binding limits: see `constraints.csv`.")
    lines.append("")
    for name, table in result.family_tables.items():
        lines += [f"## {name.replace('_', ' ').capitalize()}", "", *_markdown_table(table, f"{name}.csv")]
    lines += ["## Allocation", "", *_markdown_table(result.allocation, "allocation.csv")]
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame, file: str) -> list[str]:
    """A table for the report, cut to its first REPORT_ROWS rows (the CSV file has them all)."""
    lines = [table.head(REPORT_ROWS).to_markdown(index=False, floatfmt=",.3f"), ""]
    if len(table) > REPORT_ROWS:
        lines += [f"The first {REPORT_ROWS} of {len(table):,} rows; `{file}` has them all.", ""]
    return lines
