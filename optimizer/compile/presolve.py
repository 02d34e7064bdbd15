"""Presolve checks: conflicts and traps found in a compiled scenario before any solve.

Each check is a function of the compiled :class:`~optimizer.compile.model.Model` returning findings: a
severity, the check's name, a message in planning words and a suggested fix. An ``error`` stops
the run: exit 3 when it proves the scenario infeasible, exit 2 when the input cannot be used as
it is; a ``warning`` is printed and recorded in the results. ``optimizer validate`` runs them all.

The infeasibility checks are quick proofs, each valid under the assumptions it states (every
land-using variable sits in a unit whose land row bounds it; no variable has negative carbon);
a check whose assumptions fail, or whose family of limits is soft, stays silent. The elastic
diagnosis (``optimizer.analysis.diagnosis``) finds every infeasibility, with exact amounts, after a solve.

- ``share_rules``: a zone's minimum shares cannot all be met by what it admits, so the zone can
  receive no land at all (warning; the checks below count its land as closed).
- ``industries_admitted``: an industry no zone admits (error when it has a minimum).
- ``minimums_vs_land``: minimum land totals above the land of the units that admit them, for one
  industry, one category, or all minimums together.
- ``minimums_vs_carbon``: minimum land totals whose least-carbon placement already exceeds the
  city's (or a zone's) carbon budget.
- ``empty_limits``: any limit no variable can count towards, which fails at zero.
- ``unreachable_limits``: any hard limit its variables cannot reach even at their bounds.
- ``coefficient_range``: coefficients so far apart, after row and column scaling, that the
  solver's answer cannot be trusted.
- ``names``: duplicate names in the compiled model; zones without units, settings without effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.exit_codes import BAD_INPUT, INFEASIBLE
from ..core.outcomes import Finding
from ..core.units import TONNES_PER_MT

SCALED_RANGE = (1e-6, 1e6)  # coefficients outside it after scaling make the answer untrustworthy
_TOLERANCE = 1e-9


CHECKS = []


def _check(function):
    CHECKS.append(function)
    return function


def run_checks(model) -> list[Finding]:
    """Every check's findings, errors first; a generic finding about limits a specific one explains is dropped."""
    findings: list[Finding] = []
    for check in CHECKS:
        explained = {name for finding in findings for name in finding.constraints}
        findings += [f for f in check(model) if not (f.constraints and set(f.constraints) <= explained)]
    return sorted(findings, key=lambda f: f.severity != "error")


# --------------------------------------------------------------------------- helpers


def _soft(model, family: str) -> bool:
    rule = model.scenario.limits.get(family)
    return bool(rule and rule.soft)


def _land_variables(model) -> pd.DataFrame:
    variables = model.variables
    return variables[(variables["land"] > 0) & (variables["kind"] != "violation")]


def _closed_zones(model) -> dict[str, str]:
    """Zones whose minimum shares cannot all be met: zone -> why. They can receive no land."""
    if _soft(model, "zoning"):
        return {}
    land = _land_variables(model)
    closed = {}
    for zone, rule in model.scenario.zoning.items():
        wanted = {category: share for category, share in rule.share_min.items() if share > 0}
        present = set(land.loc[land["zone"] == zone, "category"].unique())
        missing = sorted(set(wanted) - present)
        if missing:
            closed[zone] = (
                f"its minimum share of {', '.join(missing)} cannot be met: no industry of "
                f"{'that category' if len(missing) == 1 else 'those categories'} is admitted there"
            )
        elif sum(wanted.values()) > 1 + _TOLERANCE:
            closed[zone] = f"its minimum shares add up to {sum(wanted.values()):.0%}, more than all of its land"
    return closed


def _by_industry(land: pd.DataFrame, column: str) -> dict[str, set]:
    """industry -> the set of values of ``column`` among its variables (on plain arrays: fast)."""
    values = land[column].to_numpy(dtype=object)
    return {k: set(values[where]) for k, where in land.groupby("industry").indices.items()}


def _unit_land(model) -> pd.Series:
    """Land available per open unit (units of closed zones have none to give)."""
    units = model.scenario.table("units")
    return units["land_km2"].where(~units["zone"].isin(_closed_zones(model)), 0.0)


def _minimums(model) -> dict[str, float]:
    return {k.id: k.min_km2 for k in model.scenario.industries if k.min_km2}


def _km2(value: float) -> str:
    return f"{value:,.4g} km²"


def _mt(tonnes: float) -> str:
    return f"{tonnes / TONNES_PER_MT:,.4g} Mt CO2"


def _closing_note(model, zones) -> str:
    closed = _closed_zones(model)
    notes = [f"zone {zone} can take no land ({closed[zone]})" for zone in sorted(zones) if zone in closed]
    return f" ({'; '.join(notes)})" if notes else ""


# --------------------------------------------------------------------------- checks


@_check
def share_rules(model) -> list[Finding]:
    land = _land_variables(model)
    units = model.scenario.table("units")
    findings = []
    for zone, why in _closed_zones(model).items():
        available = float(units.loc[units["zone"] == zone, "land_km2"].sum())
        if available <= 0 or land["zone"].eq(zone).sum() == 0:
            continue
        findings.append(
            Finding(
                "share_rules",
                "warning",
                f"zone {zone} can receive no land: {why}; its {_km2(available)} stay empty",
                f"admit an industry of the category in zone {zone}, or lower zoning.{zone}.share_min",
                constraints=tuple(f"share_min[{zone},{c}]" for c in model.scenario.zoning[zone].share_min),
            )
        )
    return findings


@_check
def industries_admitted(model) -> list[Finding]:
    admitted = set(_land_variables(model)["industry"].unique())
    zoning = model.scenario.zoning
    findings = []
    for industry in model.scenario.industries:
        if industry.id in admitted:
            continue
        zones = sorted(z for z, rule in zoning.items() if industry.category in rule.admits)
        why = (
            f"no zone admits its category {industry.category}"
            if not zones
            else f"the zones that admit {industry.category} ({', '.join(zones)}) exclude it by their intensity caps "
            f"or have no units"
        )
        if industry.min_km2:
            findings.append(
                Finding(
                    "industries_admitted",
                    "error",
                    f"industry minimum for {industry.id} cannot be met: it needs {_km2(industry.min_km2)}, but {why}",
                    f"admit category {industry.category} in a zone with land, loosen that zone's intensity caps, "
                    f"or remove min_km2 of {industry.id}",
                    INFEASIBLE,
                    (f"industry_min[{industry.id}]",),
                )
            )
        else:
            findings.append(
                Finding(
                    "industries_admitted",
                    "warning",
                    f"industry {industry.id} can receive no land: {why}",
                    f"admit category {industry.category} somewhere, or drop {industry.id} from the industries table",
                )
            )
    return findings


@_check
def minimums_vs_land(model) -> list[Finding]:
    if _soft(model, "land") or _soft(model, "industry_bounds"):
        return []
    land = _land_variables(model)
    units_of = _by_industry(land[land["industry"].isin(_minimums(model))], "unit")  # only those with a minimum
    minimums = {k: low for k, low in _minimums(model).items() if k in units_of}  # others: industries_admitted
    unit_land = _unit_land(model)
    zone_of = model.scenario.table("units")["zone"]
    category = model.scenario.table("industries")["category"]

    groups = [[k] for k in minimums]
    groups += [sorted(g) for g in category[list(minimums)].groupby(category).groups.values() if len(g) > 1]
    groups += [sorted(minimums)] if len(minimums) > 1 else []
    findings, failed = [], set()
    for group in groups:
        if failed & set(group):
            continue  # a smaller group with these industries is short already
        where = sorted(set().union(*(units_of[k] for k in group)))
        available = float(unit_land[where].sum())
        needed = sum(minimums[k] for k in group)
        if needed - available <= _TOLERANCE * max(1.0, available):
            continue
        failed |= set(group)
        zones = sorted(set(zone_of[where]))
        open_zones = sorted(set(zone_of[where][unit_land[where] > 0])) or zones
        many = len(group) > 1
        needs = f"{' + '.join(f'{k} {_km2(minimums[k])}' for k in group)} = {_km2(needed)}" if many else _km2(needed)
        findings.append(
            Finding(
                "minimums_vs_land",
                "error",
                f"industry minimum{'s' if many else ''} for {', '.join(group)} cannot be met: "
                f"{'they need' if many else 'it needs'} {needs}, but the units that admit {'them' if many else 'it'} "
                f"have {_km2(available)}: {_km2(needed - available)} of admitted land is missing in zone"
                f"{'s' if len(open_zones) > 1 else ''} {', '.join(open_zones)}{_closing_note(model, zones)}",
                f"lower min_km2 by {_km2(needed - available)} in all, add land to units of {', '.join(zones)}, "
                f"or admit {'these industries' if many else group[0]} in more zones",
                INFEASIBLE,
                tuple(f"industry_min[{k}]" for k in group),
            )
        )
    return findings


@_check
def minimums_vs_carbon(model) -> list[Finding]:
    budget = model.scenario.carbon_budget
    variables = model.variables
    if _soft(model, "carbon") or (variables["carbon"] < 0).any():
        return []
    minimums = _minimums(model)
    land = _land_variables(model)
    land = land[land["zone"].isin(set(model.scenario.zoning) - set(_closed_zones(model)))]
    rate = (land["carbon"] / land["land"]).groupby(land["industry"]).min()  # t CO2 per km², cleanest placement
    zones_of = pd.Series(_by_industry(land[land["industry"].isin(minimums)], "zone"), dtype=object)
    limits = [("carbon_budget", "carbon_budget.total_mt", "the city carbon budget", budget.total_mt, list(minimums))]
    limits += [
        (f"carbon_budget[{zone}]", f"carbon_budget.by_zone_mt.{zone}", f"the carbon budget of zone {zone}", mt,
         [k for k in minimums if zones_of.get(k) == {zone}])  # industries that can only go to this zone
        for zone, mt in budget.by_zone_mt.items()
    ]
    findings = []
    for name, setting, words, mt, group in limits:
        group = [k for k in group if k in rate.index]
        if mt is None or not group:
            continue
        least = {k: minimums[k] * float(rate[k]) for k in group}
        total = sum(least.values())
        if total <= mt * TONNES_PER_MT * (1 + 1e-9) + _TOLERANCE:
            continue
        largest = sorted(least, key=least.get, reverse=True)[:4]
        parts = ", ".join(f"{k} {_km2(minimums[k])} → {_mt(least[k])}" for k in largest)
        findings.append(
            Finding(
                "minimums_vs_carbon",
                "error",
                f"the industry minimums emit at least {_mt(total)} even placed where each is cleanest "
                f"({parts}{', …' if len(group) > len(largest) else ''}), above {words} of {mt:g} Mt CO2: "
                f"carbon budget short by {_mt(total - mt * TONNES_PER_MT)} (needs ≥ {_mt(total)})",
                f"raise {setting} to at least {total / TONNES_PER_MT:,.4g}, or lower the minimums of {', '.join(largest)}",
                INFEASIBLE,
                (name,),
            )
        )
    return findings


@_check
def empty_limits(model) -> list[Finding]:
    findings = []
    for c in model.constraints:
        if len(c.positions) or len(c.violation_positions):
            continue
        fails = {"<=": 0 > c.rhs, ">=": 0 < c.rhs, "==": c.rhs != 0}[c.sense]
        if fails:
            findings.append(
                Finding(
                    "empty_limits",
                    "error",
                    f"{c.name} ({c.meaning}) cannot hold: no variable of the plan counts towards it, "
                    f"and it needs {c.sense} {c.rhs:g} {c.unit}",
                    f"admit what this limit counts, or remove the limit",
                    INFEASIBLE,
                    (c.name,),
                )
            )
    return findings


@_check
def unreachable_limits(model) -> list[Finding]:
    """A limit its variables cannot reach even at their bounds (e.g. at least 10^30 projects)."""
    matrix = model.matrix
    if not matrix.shape[0]:
        return []
    lower = model.variables["lower"].to_numpy(float)[matrix.column]
    upper = model.variables["upper"].to_numpy(float)[matrix.column]
    positive = matrix.value > 0
    # Only stored (nonzero) entries: no 0 × inf. Highest and lowest activity of every row.
    high = np.bincount(matrix.index, np.where(positive, matrix.value * upper, matrix.value * lower), matrix.shape[0])
    low = np.bincount(matrix.index, np.where(positive, matrix.value * lower, matrix.value * upper), matrix.shape[0])
    with np.errstate(invalid="ignore"):  # an open side (±inf) is never out of reach
        short = high < matrix.row_lower - 1e-6 * np.maximum(1.0, np.abs(matrix.row_lower))
        over = low > matrix.row_upper + 1e-6 * np.maximum(1.0, np.abs(matrix.row_upper))
    findings = []
    for i in np.flatnonzero(short | over):
        c = model.constraints[i]
        if not len(c.positions):
            continue  # empty_limits says it
        reach = f"at most {high[i]:,.6g}" if high[i] < matrix.row_lower[i] else f"at least {low[i]:,.6g}"
        findings.append(Finding(
            "unreachable_limits", "error",
            f"{c.name} ({c.meaning}) cannot hold: it needs {c.sense} {c.rhs:,.6g} {c.unit}, and what counts "
            f"towards it reaches {reach}", "lower (or raise) the limit to what the plan can reach", INFEASIBLE, (c.name,),
        ))
    return findings


@_check
def coefficient_range(model) -> list[Finding]:
    matrix = model.matrix  # the solved rows (terms and violation variables), as the solver gets them
    labels = [c.name for c in model.constraints] + ["the objective"]
    objective = model.objective_vector()
    rows = np.concatenate([matrix.index, np.full(len(objective), len(labels) - 1)])
    columns = np.concatenate([matrix.column, np.arange(len(objective))])
    values = np.concatenate([matrix.value, objective])
    keep = values != 0
    rows, columns, values = rows[keep], columns[keep].astype(np.int64), values[keep]
    if not len(values):
        return []
    scaled = _equilibrated_log10(rows.astype(np.int64), columns, np.log10(np.abs(values)))
    low, high = np.log10(SCALED_RANGE)
    outside = (scaled < low) | (scaled > high)
    if not outside.any():
        return []
    names = model.variables["name"].to_numpy()

    def entry(at: int) -> str:
        return f"{values[at]:.3g} for {names[columns[at]]} in {labels[rows[at]]} (scaled to 1e{scaled[at]:+.0f})"

    return [
        Finding(
            "coefficient_range",
            "warning",
            f"{int(outside.sum())} coefficient(s) lie outside {SCALED_RANGE[0]:g}..{SCALED_RANGE[1]:g} even after "
            f"scaling rows and columns, from {entry(int(np.argmin(scaled)))} to {entry(int(np.argmax(scaled)))}: "
            f"the solver's answer cannot be trusted",
            "check the units of the numbers behind them (t against Mt, km² against m², a misplaced decimal point)",
        )
    ]


def _equilibrated_log10(rows, columns, logs, passes: int = 8) -> np.ndarray:
    """log10 of |coefficients| after geometric-mean scaling of rows and columns (alternating passes).

    A row's shift makes the mean of its scaled logs zero given the columns' shifts:
    r_i = −(Σ_{e∈i} log|a_e| + Σ_{e∈i} c_{col(e)}) / n_i, and likewise for columns. The sums of
    the logs are taken once, so a pass costs one gather and one sum per side.
    """
    row_count = np.maximum(np.bincount(rows), 1)
    column_count = np.maximum(np.bincount(columns), 1)
    row_logs = np.bincount(rows, logs, len(row_count))
    column_logs = np.bincount(columns, logs, len(column_count))
    column_shift = np.zeros(len(column_count))
    for _ in range(passes):
        row_shift = -(row_logs + np.bincount(rows, column_shift[columns], len(row_count))) / row_count
        column_shift = -(column_logs + np.bincount(columns, row_shift[rows], len(column_count))) / column_count
    return logs + row_shift[rows] + column_shift[columns]


@_check
def names(model) -> list[Finding]:
    findings = []
    for what, labels in (("constraint", [c.name for c in model.constraints]), ("variable", model.variables["name"])):
        labels = pd.Series(labels)
        if labels.nunique(dropna=False) == len(labels):
            continue  # the usual case: counting distinct names is quicker than marking duplicates
        duplicated = sorted(set(labels[labels.duplicated()]))
        if duplicated:
            findings.append(
                Finding(
                    "names",
                    "error",
                    f"the compiled model has duplicate {what} names: {', '.join(duplicated[:10])}",
                    "give every id in the scenario's tables its own name (a rule family built the duplicates from them)",
                    BAD_INPUT,
                )
            )
    scenario = model.scenario
    with_units = {unit.zone for unit in scenario.units}
    for zone in sorted({z.id for z in scenario.zones} - with_units):
        settings = [f"zoning.{zone}"] + ([f"carbon_budget.by_zone_mt.{zone}"] if zone in scenario.carbon_budget.by_zone_mt else [])
        findings.append(
            Finding(
                "names",
                "warning",
                f"zone {zone} has no units, so {' and '.join(settings)} have no effect",
                f"assign units to zone {zone} in the units table, or remove the zone",
            )
        )
    for zone, rule in scenario.zoning.items():
        for category in sorted(set(rule.share_max) - set(rule.admits)):
            findings.append(
                Finding(
                    "names",
                    "warning",
                    f"zoning.{zone}.share_max.{category} has no effect: zone {zone} does not admit {category}",
                    f"add {category} to zoning.{zone}.admits, or remove the share rule",
                )
            )
    families = {c.family for c in model.constraints}
    for family in sorted(set(scenario.limits) - families):
        findings.append(
            Finding(
                "names",
                "warning",
                f"limits.{family} has no effect: this scenario has no {family} limits",
                f"remove limits.{family}, or set the limits it should govern",
            )
        )
    return findings
