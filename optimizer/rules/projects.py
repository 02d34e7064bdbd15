"""Discrete transfer projects: each is placed in one admitted unit, or left out.

Variables. y[p,u] ∈ {0, 1}: project p is placed in unit u. One exists for each unit u that p may
use: among its ``allowed_units`` (unit or zone ids; all units if blank), not among its
``forbidden_units``, and admitted by the same rules as land (``zoning.admit`` and every other
family's ``admit`` hook, applied to p's own figures at u): zone z(u) admits the category of p's
industry, and p's carbon and pollutant intensity at u are within the zone's caps.

Effects. Placing p in u uses a[p,u] km² of land and adds o[p,u] output, e[p,u] t CO2, energy,
jobs and pollutant: the project's own figures, or those of its row (p, u) in ``projects.sites``
where a site changes them. They are absolute: no land intensity scales them. Blank energy, jobs
or pollutant default to the industry's per-km² coefficient × the project's land. Every limit that
counts the criteria (land[u], carbon budgets, zone shares, industry bounds, ...) counts y[p,u]
with these effects, alongside any continuous land allocation x[u,k].

Constraints (U(p): the units of p's variables; P(g): the projects of group g; s: a unit or a
zone, u ∈ s meaning the unit itself or the zone's units; I[p,u]: investment, 100m yuan):

    project_once[p]:          Σ_u y[p,u] ≤ 1                       (= 1 if p is mandatory)
    project_exclusive[g]:     Σ_{p∈P(g)} Σ_u y[p,u] ≤ 1
    project_requires[b,a]:    Σ_u y[b,u] − Σ_u y[a,u] ≤ 0           (b only if a)
    project_colocate[b,a,u]:  y[b,u] − y[a,u] ≤ 0   for u ∈ U(b)    (b in the same unit as a)
    project_colocate[b,a,z]:  Σ_{u∈z} y[b,u] − Σ_{u∈z} y[a,u] ≤ 0   (b in the same zone as a)
    project_count_max[s]:     Σ_{u∈s} Σ_p y[p,u] ≤ N_s
    project_count_min[s]:     Σ_{u∈s} Σ_p y[p,u] ≥ n_s
    investment_budget:        Σ_{p,u} I[p,u] · y[p,u] ≤ I

Investment is not a criterion: it enters only the budget row. With ``land_allocation: false`` no
x[u,k] exists and the projects are sited alone.

Why a project is left out (``projects.csv``): with the rest of the plan held as it is, each
admitted unit of p is tried alone; the limits that placing p there would break are listed. A
limit broken in every admitted unit explains it on its own; otherwise the report says that no
single limit explains it, or that p fits somewhere but would not improve the objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FAMILY = "projects"
KIND = "project"
# criterion -> column of the project table (the same names as the result tables)
EFFECTS = {
    "land": "land_km2",
    "output": "output_100m_yuan",
    "carbon": "carbon_t",
    "energy": "energy_tce",
    "jobs": "jobs",
    "pollutant": "pollutant_t",
}
INVESTMENT = "investment_100m_yuan"
VALUES = [*EFFECTS.values(), INVESTMENT]


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    """``land_allocation: false``: no continuous land allocation, the projects are sited alone."""
    if scenario.projects is not None and not scenario.projects.land_allocation:
        return pairs.iloc[:0]
    return pairs


def project_table(scenario) -> pd.DataFrame:
    """One row per project, with blank energy, jobs and pollutant filled from its industry."""
    from ..criteria import CRITERIA

    projects = pd.DataFrame([dict(project) for project in scenario.projects.table])
    industries = scenario.table("industries")
    for criterion in ("energy", "jobs", "pollutant"):
        per_km2 = industries[CRITERIA[criterion].column].reindex(projects["industry"]).to_numpy()
        column = EFFECTS[criterion]
        projects[column] = projects[column].astype(float).fillna(pd.Series(per_km2 * projects["land_km2"]))
    projects["category"] = industries["category"].reindex(projects["industry"]).to_numpy()
    return projects


def possible_sites(scenario, projects: pd.DataFrame) -> pd.DataFrame:
    """Every (project, unit) its allowed and forbidden units leave, with per-site figures."""
    units = scenario.table("units")[["zone"]].rename_axis("unit").reset_index()
    pairs = projects.merge(units, how="cross")

    def named(column):
        return np.array([unit in ids or zone in ids for ids, unit, zone in zip(pairs[column], pairs["unit"], pairs["zone"])])

    allowed = pairs["allowed_units"].map(len).eq(0).to_numpy() | named("allowed_units")
    pairs = pairs[allowed & ~named("forbidden_units")]
    if scenario.projects.sites:
        sites = pd.DataFrame([site.model_dump() for site in scenario.projects.sites]).rename(columns={"project": "id"})
        sites = sites.set_index(["id", "unit"])[VALUES].astype(float)
        pairs = pairs.set_index(["id", "unit"])
        pairs[VALUES] = sites.reindex(pairs.index).combine_first(pairs[VALUES])
        pairs = pairs.reset_index()
    return pairs.rename(columns={"id": "project"}).reset_index(drop=True)


def candidates(scenario) -> pd.DataFrame:
    """The admitted (project, unit) pairs: one y[p,u] each, in variable-table form plus extras."""
    from . import RULE_FAMILIES

    sites = possible_sites(scenario, project_table(scenario))
    frame = pd.DataFrame(
        {
            "name": "y[" + sites["project"] + "," + sites["unit"] + "]",
            "project": sites["project"],
            "unit": sites["unit"],
            "zone": sites["zone"],
            "industry": sites["industry"],
            "category": sites["category"],
            "lower": 0.0,
            "upper": 1.0,
            "integer": True,
            **{criterion: sites[column].astype(float) for criterion, column in EFFECTS.items()},
            "penalty": 0.0,
            "investment": sites[INVESTMENT].astype(float),
        }
    )
    for family in RULE_FAMILIES:
        if family.FAMILY != FAMILY and hasattr(family, "admit"):
            frame = family.admit(scenario, frame)
    return frame.reset_index(drop=True)


def add_variables(builder) -> None:
    if builder.scenario.projects is not None:
        builder.add_variables(KIND, candidates(builder.scenario))


def _sites(scenario, variables: pd.DataFrame) -> pd.DataFrame:
    """The candidates, indexed by their positions in the variable table."""
    sites = candidates(scenario)
    ours = variables[variables["kind"] == KIND]
    sites.index = pd.Series(ours.index, index=ours["name"]).reindex(sites["name"]).to_numpy()
    return sites


def add_constraints(builder) -> None:
    settings = builder.scenario.projects
    if settings is None:
        return
    projects = project_table(builder.scenario).set_index("id")
    sites = _sites(builder.scenario, builder.variables).assign(one=1.0)
    by_project = sites.groupby("project").groups
    empty = pd.Index([], dtype=np.int64)

    def positions(project, where=None):
        index = by_project.get(project, empty)
        return index if where is None else index[where(sites.loc[index])]

    for project, row in projects.iterrows():
        index = positions(project)
        if row["mandatory"] or len(index):  # a mandatory project with nowhere to go: an empty, infeasible row
            builder.add(
                f"project_once[{project}]", FAMILY, index, np.ones(len(index)), "==" if row["mandatory"] else "<=", 1,
                "project", f"project {project} is placed" + (" (mandatory)" if row["mandatory"] else " at most once"),
            )

    groups = projects["exclusive_groups"].explode().dropna()
    members = pd.DataFrame({"project": groups.index, "group": groups.to_numpy()})
    in_groups = sites.reset_index(names="position").merge(members, on="project").set_index("position")
    builder.add_grouped(
        FAMILY, "group", "one", "<=", 1, "project", rows=in_groups,
        name="project_exclusive[{key}]", meaning="at most one project of group {key}",
    )

    def only_if(name, meaning, b_index, a_index):
        if len(b_index):
            builder.add(
                name, FAMILY, np.concatenate([b_index, a_index]),
                np.concatenate([np.ones(len(b_index)), -np.ones(len(a_index))]), "<=", 0, "project", meaning,
            )

    for b, row in projects.iterrows():
        for a in row["requires"]:
            only_if(f"project_requires[{b},{a}]", f"{b} only if {a} is placed", positions(b), positions(a))
        for level in ("unit", "zone"):
            a = row[f"same_{level}_as"]
            if a is None:
                continue
            for place in sites.loc[positions(b), level].unique():
                at = lambda frame: frame[level].eq(place).to_numpy()  # noqa: E731
                only_if(
                    f"project_colocate[{b},{a},{place}]", f"{b} in {level} {place} only if {a} is there too",
                    positions(b, at), positions(a, at),
                )

    units = builder.scenario.table("units")
    limits = {"max": {**dict.fromkeys(units.index, settings.max_per_unit), **settings.count_max},
              "min": dict(settings.count_min)}
    for bound, sense in (("max", "<="), ("min", ">=")):
        for place, count in limits[bound].items():
            inside = sites[(sites["unit"] == place) | (sites["zone"] == place)]
            if count is None or (bound == "max" and count >= len(inside)):
                continue  # no limit, or one that cannot bind
            builder.add(
                f"project_count_{bound}[{place}]", FAMILY, inside.index, inside["one"], sense, count, "project",
                f"{'at most' if bound == 'max' else 'at least'} {count} projects in {place}",
            )

    if settings.investment_budget_100m_yuan is not None:
        investing = sites[sites["investment"] != 0]
        builder.add(
            "investment_budget", FAMILY, investing.index, investing["investment"], "<=",
            settings.investment_budget_100m_yuan, "100m yuan",
            f"investment budget of {settings.investment_budget_100m_yuan:g} (100m yuan)",
        )


# --------------------------------------------------------------------------- reporting


def tables(result) -> dict[str, pd.DataFrame]:
    scenario = result.scenario
    if scenario.projects is None:
        return {}
    projects = project_table(scenario)
    sites = _sites(scenario, result.model.variables)
    placed = sites[result.values[sites.index] > 0.5].set_index("project")
    table = projects[["id", "name", "industry", "category", "mandatory"]].rename(columns={"id": "project"})
    table["placed"] = table["project"].isin(placed.index)
    table["unit"] = placed["unit"].reindex(table["project"]).fillna("").to_numpy()
    table["zone"] = placed["zone"].reindex(table["project"]).fillna("").to_numpy()
    # Placed: the figures at its site; left out: the project's own.
    at_site = placed.rename(columns={**EFFECTS, "investment": INVESTMENT})[VALUES]
    own = projects.set_index("id")[VALUES]
    table[VALUES] = at_site.reindex(table["project"]).fillna(own.reindex(table["project"])).to_numpy()
    explained = _why_not(result, projects, sites, table.loc[~table["placed"], "project"])
    table["limit"] = explained["limit"].reindex(table["project"]).fillna("").to_numpy()
    table["why_not"] = explained["why_not"].reindex(table["project"]).fillna("").to_numpy()

    zones = scenario.table("zones").index
    chosen = table[table["placed"]]
    by_zone = chosen.groupby("zone")[VALUES].sum().reindex(zones, fill_value=0.0)
    by_zone.insert(0, "projects", chosen.groupby("zone").size().reindex(zones, fill_value=0))
    return {"projects": table, "projects_by_zone": by_zone.rename_axis("zone").reset_index()}


def _why_not(result, projects: pd.DataFrame, sites: pd.DataFrame, left_out: pd.Series) -> pd.DataFrame:
    """For each project left out: the limit(s) that explain it (see the module docstring)."""
    breaks = _breaks(result, sites[sites["project"].isin(left_out)].index.to_numpy())
    constraints = result.constraints
    possible = possible_sites(result.scenario, projects)["project"].value_counts()
    objective = result.model.objective_vector()
    better = 1.0 if result.model.sense == "max" else -1.0
    rows = {}
    for project in left_out:
        mine = sites[sites["project"] == project]
        if mine.empty:
            rows[project] = ("", _nowhere(project, possible.get(project, 0)))
            continue
        broken = {position: breaks.get(position, {}) for position in mine.index}
        free = [position for position, limits in broken.items() if not limits]
        if free:
            best = max(free, key=lambda position: better * objective[position])
            gain = better * objective[best]
            unit = mine.loc[best, "unit"]
            rows[project] = ("", (
                f"it fits in {unit} without breaking a limit, and would improve the objective by {gain:,.4g}: "
                "left out within the solver's gap or limit" if gain > 1e-9 else
                f"it fits in {unit} without breaking a limit, but would not improve the objective"
            ))
            continue
        common = set.intersection(*(set(limits) for limits in broken.values()))
        if common:
            names = sorted(common, key=lambda c: constraints.at[c, "name"])
            words = [
                f"{constraints.at[c, 'name']} ({constraints.at[c, 'meaning']}) by at least "
                f"{min(limits[c] for limits in broken.values()):,.4g} {constraints.at[c, 'unit']}"
                for c in names
            ]
            where = "in its only admitted unit" if len(broken) == 1 else "in every admitted unit"
            rows[project] = (
                ";".join(constraints.at[c, "name"] for c in names),
                f"placing it would break {' and '.join(words)} {where}, the rest of the plan held as it is",
            )
            continue
        by_unit = "; ".join(
            f"{mine.loc[position, 'unit']}: {', '.join(constraints.at[c, 'name'] for c in sorted(limits))}"
            for position, limits in broken.items()
        )
        rows[project] = ("", f"no single limit explains it: different limits block each admitted unit ({by_unit})")
    return pd.DataFrame.from_dict(rows, orient="index", columns=["limit", "why_not"])


def _nowhere(project: str, possible: int) -> str:
    if possible == 0:
        return "no admitted unit: its allowed and forbidden units leave none"
    return (
        f"no admitted unit: the zone rules (admitted categories, intensity caps) exclude all {possible} "
        "units it may use"
    )


def _breaks(result, positions: np.ndarray) -> dict[int, dict[int, float]]:
    """For each variable position: {constraint index: excess} of the limits that setting it to 1 would break.

    The rest of the solution is held as it is; only the rows that the variable enters can change.
    """
    from ..result import _tolerance

    constraints = result.model.constraints
    rows = np.repeat(np.arange(len(constraints)), [len(c.positions) for c in constraints])
    columns = np.concatenate([c.positions for c in constraints]) if constraints else np.zeros(0, dtype=np.int64)
    coefficients = np.concatenate([c.coefficients for c in constraints]) if constraints else np.zeros(0)
    keep = np.isin(columns, positions)
    rows, columns, coefficients = rows[keep], columns[keep], coefficients[keep]
    table = result.constraints
    after = table["activity"].to_numpy()[rows] + coefficients * (1.0 - result.values[columns])
    rhs = table["rhs"].to_numpy()[rows]
    sense = table["sense"].to_numpy()[rows]
    excess = np.select([sense == "<=", sense == ">="], [after - rhs, rhs - after], np.abs(after - rhs))
    tolerance = np.array([_tolerance(value) for value in rhs])
    broken: dict[int, dict[int, float]] = {}
    for row, column, amount in zip(rows[excess > tolerance], columns[excess > tolerance], excess[excess > tolerance]):
        broken.setdefault(int(column), {})[int(row)] = float(amount)
    return broken
