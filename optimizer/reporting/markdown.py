"""report.md: the run's status, objective, KPIs, tables by zone and industry, binding limits."""

from __future__ import annotations

import pandas as pd

from ..core.formatting import number_text
from .words import PRICE_ZERO, REPORT_ROWS, named, price_in_words, uniqueness_line


def _mip_lines(result) -> list[str]:
    """The best bound and gap of a mixed-integer run."""
    s = result.solution
    if not result.model.is_mip or s.best_bound is None:
        return []
    return [f"- Best bound: {number_text(s.best_bound)}, relative gap {number_text(100 * s.gap, 4) if s.gap is not None else '–'}%"]


def markdown_report(result) -> str:
    s = result.scenario
    criterion = result.model.criterion
    lines = [f"# Site allocation: {s.name}", ""]
    if s.description:
        lines += [s.description.strip(), ""]
    lines += [
        f"- Status: **{result.status}**" + (f" ({result.solution.message})" if result.solution.message else ""),
        f"- Objective: {'maximise' if criterion.sense == 'max' else 'minimise'} {criterion.label}"
        f" = {number_text(result.objective)} {criterion.unit}",
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
    lines.append(f"| output (100m yuan/yr) | {number_text(k['output_100m_yuan'])} | | |")
    budget = k["carbon_budget_mt"]
    lines.append(
        f"| carbon (Mt CO2/yr) | {number_text(k['carbon_mt'], 3)} | {number_text(budget, 3) if budget else 'none'} | "
        f"{number_text(100 * k['carbon_budget_used'], 1) + '%' if k['carbon_budget_used'] is not None else '–'} |"
    )
    lines.append(
        f"| land (km²) | {number_text(k['land_km2'])} | {number_text(k['land_available_km2'])} | "
        f"{number_text(100 * k['land_used_share'], 1) + '%' if k['land_used_share'] is not None else '–'} |"
    )
    lines.append(f"| jobs (persons) | {number_text(k['jobs'], 0)} | | |")
    lines.append(f"| energy (tce/yr) | {number_text(k['energy_tce'], 0)} | | |")
    lines.append(f"| pollutant (t/yr) | {number_text(k['pollutant_t'], 1)} | | |")
    for name in s.indicators:
        indicator = result.model.criteria[name]
        lines.append(f"| {indicator.label} ({indicator.unit}) | {number_text(k[name])} | | |")
    lines.append("")

    zones = result.by_zone.copy()
    zones.insert(1, "zone name", [named(n, z) for n, z in zip(zones.pop("name"), zones.pop("name_zh"))])
    lines += ["## By zone", "", _markdown(zones.drop(columns=["carbon_budget_t"]), ",.2f"), ""]
    industries = result.by_industry.copy()
    industries.insert(1, "industry name", [named(n, z) for n, z in zip(industries.pop("name"), industries.pop("name_zh"))])
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
