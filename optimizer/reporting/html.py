"""Result → report.html: one self-contained page, and the HTML that objects show in Jupyter.

The page opens offline: CSS is inline, charts are inline SVG drawn by matplotlib
(``optimizer.reporting.charts``), and nothing is fetched. It shows the headline figures against their
limits, the Concentric Circle diagram of what each zone receives, land and output by zone and
category, the binding limits with their shadow prices in words, the tables by zone and industry,
the families' tables, the allocation, warnings, and where the run came from.

Every number in a table cell carries its exact value in ``data-value`` (names carry their id), so
that tests and scripts can read the page back and check it against the result's tables.
"""

from __future__ import annotations

import math
import textwrap
from functools import cache

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from . import charts, maps
from ..core.formatting import number_text
from ..core.units import TONNES_PER_MT
from .words import PRICE_ZERO, REPORT_ROWS, price_in_words, uniqueness_line

HEADERS = {
    "land_km2": "land (km²)",
    "land_available_km2": "land available (km²)",
    "land_used_share": "land used share",
    "output_100m_yuan": "output (100m yuan)",
    "carbon_t": "carbon (t CO2)",
    "energy_tce": "energy (tce)",
    "jobs": "jobs (persons)",
    "pollutant_t": "pollutant (t)",
    "min_km2": "min (km²)",
    "max_km2": "max (km²)",
}
DIGITS = {"land_km2": 3, "land_available_km2": 3, "output_100m_yuan": 2, "carbon_t": 0, "energy_tce": 0, "jobs": 0,
          "pollutant_t": 1, "land_used_share": 3, "min_km2": 2, "max_km2": 2, "units": 0, "units_used": 0}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("optimizer.reporting", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number_text
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


# --------------------------------------------------------------------------- table cells


def cell(value, digits: int | None = None, zh: str = "", text: str | None = None) -> dict:
    """A table cell: what it shows, its exact value (``data-value``), and a Chinese name if any."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing:
        return {"text": "–", "value": "", "zh": "", "kind": "num" if digits is not None else ""}
    if digits is not None:
        return {"text": text or number_text(float(value), digits), "value": repr(float(value)), "zh": "", "kind": "num"}
    return {"text": text if text is not None else str(value), "value": str(value), "zh": zh or "",
            "kind": "name" if text is not None else ""}


def auto_digits(value: float) -> int:
    """Decimals for a number of unknown kind: fewer as it grows."""
    size = abs(value)
    return 0 if size >= 1000 or size == 0 else 2 if size >= 1 else 4


def header(column: str) -> str:
    return HEADERS.get(column, column.replace("_", " "))


def table(frame: pd.DataFrame, names: dict[str, tuple[pd.Series, pd.Series]] | None = None, file: str = "") -> dict:
    """A DataFrame as headers and cells; ``names`` maps an id column to its (English, Chinese) names.

    A long table shows its first REPORT_ROWS rows and says how many more ``file`` (its CSV) has.
    """
    names = names or {}
    headers = [header(column) for column in frame.columns]
    rows = []
    for record in frame.head(REPORT_ROWS).to_dict("records"):
        row = []
        for column, value in record.items():
            if column in names:
                english, chinese = names[column]
                row.append(cell(value, zh=chinese.get(value, ""), text=english.get(value) or str(value)))
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                row.append(cell(value))
            else:
                row.append(cell(value, DIGITS.get(column, auto_digits(value))))
        rows.append(row)
    return {"columns": list(frame.columns), "headers": headers, "rows": rows, "more": len(frame) - len(rows),
            "file": file}


# --------------------------------------------------------------------------- the report


def html_report(result, provenance: dict | None = None) -> str:
    """The whole report page for a result (``report.html`` in its results folder)."""
    if provenance is None:
        from .manifest import collect

        provenance = collect(result)
    return render("report.html.j2", **report_context(result), provenance=provenance)


def _names(scenario, table_name: str) -> tuple[pd.Series, pd.Series]:
    frame = scenario.table(table_name)
    return frame["name"].where(frame["name"] != "", frame.index.to_series()), frame["name_zh"]


def report_context(result) -> dict:
    s = result.scenario
    criterion = result.model.criterion
    context = {
        "scenario": s,
        "status": result.status,
        "message": result.solution.message,
        "objective": {
            "sense": "maximise" if criterion.sense == "max" else "minimise",
            "label": criterion.label,
            "unit": criterion.unit,
            "value": result.objective,
        },
        "solver": {"name": result.solution.solver, "version": result.solution.solver_version,
                   "seconds": result.solution.seconds},
        "warnings": list(result.warnings),
        "has_solution": result.has_solution,
        "uniqueness": uniqueness_line(result) if result.has_solution else None,
        "diagnosis": result.diagnosis.to_dict() if result.diagnosis is not None else None,  # optimizer.analysis.diagnosis
        # A mixed-integer run: the proven bound, the gap, and what the shadow prices are duals of.
        "mip": {"bound": result.solution.best_bound, "gap": result.solution.gap, "basis": result.solution.dual_basis}
        if result.model.is_mip and result.solution.best_bound is not None else None,
    }
    if not result.has_solution:
        return context
    names = {"unit": _names(s, "units"), "zone": _names(s, "zones"), "industry": _names(s, "industries")}
    k = result.kpis
    context.update(
        kpis=_kpi_cards(result),
        limits_chart=_limits_chart(k),
        concentric_chart=_concentric_chart(result, names),
        category_chart=_category_chart(result, names),
        maps=maps.report_maps(result),  # None: the units do not map to the boundaries
        binding=_binding(result.constraints, result.model.criterion.sense, per_family=REPORT_ROWS),
        land_binding=_land_binding(result.constraints),
        by_zone=table(result.by_zone.drop(columns=["name", "name_zh", "carbon_budget_t"]), {"zone": names["zone"]}),
        by_industry=table(result.by_industry.drop(columns=["name", "name_zh"]), {"industry": names["industry"]}),
        family_tables={name: table(frame, file=f"{name}.csv") for name, frame in result.family_tables.items()},
        allocation=table(result.allocation.drop(columns=["unit_name", "industry_name"]), names, "allocation.csv"),
    )
    return context


def _kpi_cards(result) -> list[dict]:
    k = result.kpis
    budget = k["carbon_budget_mt"]
    cards = [
        ("output_100m_yuan", "Output", k["output_100m_yuan"], 1, "100m yuan / yr", ""),
        ("carbon_mt", "Carbon", k["carbon_mt"], 3, "Mt CO2 / yr",
         f"{100 * k['carbon_budget_used']:.1f} % of the {budget:g} Mt budget" if budget else "no city budget"),
        ("land_km2", "Land", k["land_km2"], 2, "km²",
         f"{100 * k['land_used_share']:.1f} % of {k['land_available_km2']:,.2f} km² available"
         if k["land_used_share"] is not None else "no land available"),
        ("jobs", "Jobs", k["jobs"], 0, "persons", ""),
        ("energy_tce", "Energy", k["energy_tce"], 0, "tce / yr", ""),
        ("pollutant_t", "Pollutant", k["pollutant_t"], 1, "t / yr", ""),
    ]
    if k["output_per_t_co2_yuan"]:
        cards.append(("output_per_t_co2_yuan", "Output per t CO2", k["output_per_t_co2_yuan"], 0, "yuan", ""))
    for name in result.scenario.indicators:
        indicator = result.model.criteria[name]
        cards.append((name, indicator.label, k[name], auto_digits(k[name]), indicator.unit, "scenario indicator"))
    return [{"key": key, "label": label, **cell(value, digits), "unit": unit, "note": note}
            for key, label, value, digits, unit, note in cards]


def _limits_chart(k: dict) -> str | None:
    rows = []
    if k["carbon_budget_mt"]:
        rows.append(("carbon (Mt CO2/yr)", k["carbon_mt"], k["carbon_budget_mt"],
                     f"{k['carbon_mt']:,.3f} of {k['carbon_budget_mt']:g} Mt CO2 ({100 * k['carbon_budget_used']:.1f} %)"))
    if k["land_available_km2"]:
        rows.append(("land (km²)", k["land_km2"], k["land_available_km2"],
                     f"{k['land_km2']:,.2f} of {k['land_available_km2']:,.2f} km² ({100 * k['land_used_share']:.1f} %)"))
    if not rows:
        return None
    return charts.used_of_limit(pd.DataFrame(rows, columns=["label", "used", "limit", "text"]))


def rings(scenario) -> list[list[str]]:
    """The diagram's rings: as the scenario's ``report.rings`` says, then every other zone alone."""
    listed = [list(ring) for ring in scenario.report.rings]
    drawn = {zone for ring in listed for zone in ring}
    return listed + [[zone.id] for zone in scenario.zones if zone.id not in drawn]


def _concentric_chart(result, names) -> str:
    s = result.scenario
    english, chinese = names["zone"]
    industry_names = names["industry"][0]
    by_zone = result.by_zone.set_index("zone")
    allocation = result.allocation
    rows = {}
    for zone, row in by_zone.iterrows():
        here = allocation[allocation["zone"] == zone].groupby("industry")["land_km2"].sum().nlargest(3)
        if row["land_available_km2"]:
            share = f" ({100 * row['land_km2'] / row['land_available_km2']:.0f} %)"
        else:
            share = ""
        lines = [f"land {row['land_km2']:,.2f} of {row['land_available_km2']:,.2f} km²{share}"]
        if row["land_km2"] > 0:
            lines += [f"output {row['output_100m_yuan']:,.1f} (100m yuan), carbon {row['carbon_t'] / TONNES_PER_MT:,.2f} Mt"]
            lines += [f"· {_short(industry_names.get(k, k))}: {v:,.2f} km²" for k, v in here.items()]
        else:
            admits = s.zoning[zone].admits
            lines.append("receives nothing" + ("" if admits else " (closed to new industry)"))
        rows[zone] = {"title": english.get(zone, zone), "subtitle": chinese.get(zone, ""),
                      "details": "\n".join(lines), "badge": f"{row['land_km2']:,.1f} km²"}
    return charts.concentric(pd.DataFrame.from_dict(rows, orient="index"), rings(s))


def _short(name: str, width: int = 30) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip(" ,") + "…"


def _zone_label(english: str, chinese: str) -> str:
    return "\n".join([*textwrap.wrap(english, 26), *([chinese] if chinese else [])])


def _category_chart(result, names) -> str:
    english, chinese = names["zone"]
    contributions = result.contributions.assign(category=result.contributions["category"].replace("", "other"))
    labels = {zone: _zone_label(english.get(zone, zone), chinese.get(zone, "")) for zone in result.by_zone["zone"]}
    panels = {}
    for column, title in (("land_km2", "Land by zone and category (km²)"),
                          ("output_100m_yuan", "Output by zone and category (100m yuan/yr)")):
        frame = contributions.pivot_table(index="zone", columns="category", values=column, aggfunc="sum", fill_value=0)
        frame = frame.reindex(index=result.by_zone["zone"], fill_value=0.0).rename(index=labels)
        panels[title] = frame.rename(columns=lambda c: c.replace("_", " "))
    categories = set(result.scenario.categories) | set(contributions["category"].unique())
    colors = {c.replace("_", " "): color for c, color in charts.category_colors(categories).items()}
    return charts.stacked_by_zone(panels, colors)


def _binding(constraints: pd.DataFrame, sense: str, per_family: int | None = None) -> list[dict]:
    """Binding limits in words, most valuable first within each family (at most ``per_family`` each)."""
    binding = constraints[constraints["binding"] & (constraints["shadow_price"].abs() > PRICE_ZERO)].copy()
    binding["order"] = -binding["shadow_price"].abs()
    binding = binding.sort_values(["family", "order"])
    if per_family is not None:
        binding = binding.groupby("family", sort=False).head(per_family)
    return [
        {"name": row["name"], "family": row["family"], "sentence": price_in_words(row, sense),
         "price": cell(row["shadow_price"], 2)}
        for _, row in binding.iterrows()
    ]


def _land_binding(constraints: pd.DataFrame) -> int:
    return int(((constraints["family"] == "land") & constraints["binding"]).sum())


# --------------------------------------------------------------------------- Jupyter


def scenario_html(scenario) -> str:
    """The compact summary a scenario shows in Jupyter."""
    return render("scenario.html.j2", s=scenario, rings=rings(scenario))


def result_html(result) -> str:
    """The compact summary a result shows in Jupyter: status, headline figures, binding limits."""
    context = {"result": result, "status": result.status, "message": result.solution.message, "kpis": [],
               "binding": [], "land_binding": 0}
    if result.has_solution:
        context["kpis"] = _kpi_cards(result)
        context["binding"] = [b for b in _binding(result.constraints, result.model.criterion.sense, per_family=8)
                              if b["family"] != "land"][:8]
        context["land_binding"] = _land_binding(result.constraints)
    return render("result.html.j2", **context)
