"""Discrete transfer projects: each is placed in one admitted unit, or left out.

Variables. y[p,u] ∈ {0, 1}: project p is placed in unit u. One exists for each unit u that p may
use: among its ``allowed_units`` (unit or zone ids; all units if blank), not among its
``forbidden_units``, and admitted by the same rules as land (``zoning.admit`` and every other
family's ``admit`` hook, applied to p's own figures at u): zone z(u) admits the category of p's
industry, and p's carbon and pollutant intensity at u are within the zone's caps.

Effects. Placing p in u uses a[p,u] km² of land and adds o[p,u] output, e[p,u] t CO2, energy,
jobs and pollutant: the project's own figures, or those of its row (p, u) in ``projects.sites``
where a site changes them. They are absolute: no land intensity scales them. Blank energy, jobs
or pollutant, and the scenario's own indicators, are the industry's per-km² coefficient × a[p,u]. Every limit that
counts the criteria (land[u], carbon budgets, zone shares, industry bounds, ...) counts y[p,u]
with these effects, alongside any continuous land allocation x[u,k].

Constraints (U(p): the units of p's variables; P(g): the projects of group g; s: a unit or a
zone, u ∈ s meaning the unit itself or the zone's units; I[p,u]: investment, 100m yuan):

    project_once[p]:          Σ_u y[p,u] ≤ 1                       (= 1 if p is mandatory)
    project_exclusive[g]:     Σ_{p∈P(g)} Σ_u y[p,u] ≤ 1
    project_requires[b,a]:    Σ_u y[b,u] − Σ_u y[a,u] ≤ 0           (b only if a)
    project_same_unit[b,a,u]: y[b,u] − y[a,u] ≤ 0   for u ∈ U(b)    (b in the same unit as a)
    project_same_zone[b,a,z]: Σ_{u∈z} y[b,u] − Σ_{u∈z} y[a,u] ≤ 0   for each zone z of U(b)
    project_count_max[s]:     Σ_{u∈s} Σ_p y[p,u] ≤ N_s
    project_count_min[s]:     Σ_{u∈s} Σ_p y[p,u] ≥ n_s
    investment_budget:        Σ_{p,u} I[p,u] · y[p,u] ≤ I

A count row that cannot bind (no more candidates than the cap) is left out. Investment is not a
criterion: it enters only the budget row. With ``land_allocation: false`` no x[u,k] exists and the
projects are sited alone.

Why a project is left out (``projects.csv``). Each admitted unit u of p is tried with the rest of
the plan held as it is. A *rigid* limit (one that only integer decisions enter: counts, groups,
prerequisites, co-location, the investment budget) broken in every u explains it. Otherwise the
continuous allocation could make room in the *flexible* limits (land, carbon, shares, ...), so p is
priced at the plan's shadow prices d (from the LP with integer decisions fixed): in its best unit
its gain is c[p,u] − Σ_i d_i · a_i[p,u] (objective sense), and each limit i whose cost d_i · a_i[p,u]
alone exceeds the shortfall explains it. Failing both, the report says that no single limit
explains it, or that p fits somewhere without improving the objective.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from ..core.criteria import CRITERIA, TOTAL_COLUMNS, criteria_of
from ..schema.tables import Project, ProjectSite
from ..schema.types import Count, Flag, Id, NonNegative, Settings


class ProjectSettings(Settings):
    """Discrete transfer projects and the rules on them (see ``optimizer.rules.projects``)."""

    table: Annotated[tuple[Project, ...], Field(min_length=1)]
    sites: tuple[ProjectSite, ...] = ()
    land_allocation: Flag = True  # false: site the projects alone, no continuous x[u,k]
    investment_budget_100m_yuan: NonNegative | None = None
    max_per_unit: Count | None = None  # every unit
    count_max: dict[Id, Count] = {}  # by unit or zone id
    count_min: dict[Id, Count] = {}


FAMILY = "projects"
KIND = "project"
EFFECTS = TOTAL_COLUMNS  # criterion -> column of the project table
INVESTMENT = "investment_100m_yuan"
VALUES = [INVESTMENT, *EFFECTS.values()]


def admit(scenario, pairs: pd.DataFrame) -> pd.DataFrame:
    """``land_allocation: false``: no continuous land allocation, the projects are sited alone."""
    if scenario.projects is not None and not scenario.projects.land_allocation:
        return pairs.iloc[:0]
    return pairs


def project_table(scenario) -> pd.DataFrame:
    """One row per project (blank energy, jobs and pollutant are NaN), with its category."""
    projects = pd.DataFrame([dict(project) for project in scenario.projects.table])
    projects[VALUES] = projects[VALUES].astype(float)
    projects["category"] = scenario.table("industries")["category"].reindex(projects["industry"]).to_numpy()
    return projects


def _filled(scenario, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank energy, jobs and pollutant as the industry's per-km² coefficient × the land."""
    industries = scenario.table("industries")
    frame = frame.copy()
    for criterion in ("energy", "jobs", "pollutant"):
        per_km2 = industries[CRITERIA[criterion].column].reindex(frame["industry"]).to_numpy()
        frame[EFFECTS[criterion]] = frame[EFFECTS[criterion]].fillna(pd.Series(per_km2 * frame["land_km2"], index=frame.index))
    return frame


def possible_sites(scenario, projects: pd.DataFrame) -> pd.DataFrame:
    """Every (project, unit) its allowed and forbidden units leave, with the figures at that site."""
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
    return _filled(scenario, pairs.rename(columns={"id": "project"}).reset_index(drop=True))


def candidates(builder) -> pd.DataFrame:
    """The admitted (project, unit) pairs: one y[p,u] each, in variable-table form plus extras."""
    scenario = builder.scenario
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
            **_indicators(scenario, sites),
            "penalty": 0.0,
            "investment": sites[INVESTMENT].astype(float),
        }
    )
    return builder.admit_others(FAMILY, frame).reset_index(drop=True)


def _indicators(scenario, sites: pd.DataFrame) -> dict[str, pd.Series]:
    """The scenario's own indicators for each site: the industry's per-km² value × the land there."""
    industries = scenario.table("industries")
    return {
        name: industries[criterion.column].reindex(sites["industry"]).to_numpy() * sites["land_km2"]
        for name, criterion in criteria_of(scenario).items()
        if name not in CRITERIA
    }


def add_variables(builder) -> None:
    if builder.scenario.projects is not None:
        sites = candidates(builder)
        sites.index = builder.add_variables(KIND, sites)
        builder.family_data[FAMILY] = sites


def _sites(model) -> pd.DataFrame:
    """The candidates the model was built with, indexed by their positions in its variable table."""
    sites = model.family_data[FAMILY].reset_index(drop=True)
    variables = model.variables
    ours = variables[variables["kind"] == KIND]
    sites.index = pd.Series(ours.index, index=ours["name"]).reindex(sites["name"]).to_numpy()
    return sites


def add_constraints(builder) -> None:
    settings = builder.scenario.projects
    if settings is None:
        return
    projects = project_table(builder.scenario).set_index("id")
    sites = builder.family_data[FAMILY].assign(one=1.0)
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
            if pd.isna(a):
                continue
            for place in sites.loc[positions(b), level].unique():
                at = lambda frame: frame[level].eq(place).to_numpy()  # noqa: E731
                only_if(
                    f"project_same_{level}[{b},{a},{place}]", f"{b} in {level} {place} only if {a} is there too",
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
    sites = _sites(result.model)
    placed = sites[result.values[sites.index] > 0.5].set_index("project")
    table = projects[["id", "name", "industry", "category", "mandatory"]].rename(columns={"id": "project"})
    table["placed"] = table["project"].isin(placed.index)
    table["unit"] = placed["unit"].reindex(table["project"]).fillna("").to_numpy()
    table["zone"] = placed["zone"].reindex(table["project"]).fillna("").to_numpy()
    # Placed: the figures at its site; left out: the project's own.
    at_site = placed.rename(columns={**EFFECTS, "investment": INVESTMENT})[VALUES]
    own = _filled(scenario, projects).set_index("id")[VALUES]
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
    """For each project left out: (the limit or limits that explain it, the explanation in words)."""
    candidates = sites[sites["project"].isin(left_out)]
    effects = _Effects(result, candidates.index.to_numpy())
    possible = possible_sites(result.scenario, projects)["project"].value_counts()
    rows = {}
    for project in left_out:
        mine = candidates[candidates["project"] == project]
        units = dict(zip(mine.index, mine["unit"]))
        rows[project] = _nowhere(possible.get(project, 0)) if mine.empty else effects.explain(units)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["limit", "why_not"])


def _nowhere(possible: int) -> tuple[str, str]:
    if possible == 0:
        return "", "no admitted unit: its allowed and forbidden units leave none"
    return "", (f"no admitted unit: the admission rules (zone categories and intensity caps, and any rule on where "
                f"its industry may go) exclude all {possible} units it may use")


class _Effects:
    """What setting one left-out y[p,u] to 1 would do, the rest of the plan held as it is.

    A limit is *rigid* when only integer decisions enter it (project counts, groups, the investment
    budget): the plan can make room in it only by dropping other projects. Other limits (land,
    carbon, shares, ...) are *flexible*: the continuous allocation can give way, at the price that
    the limit's dual (from the LP with integer decisions fixed) puts on it.
    """

    def __init__(self, result, positions: np.ndarray):
        from ..core.numbers import binding_tolerance

        model, table = result.model, result.constraints
        self.table = table
        constraints = model.constraints
        rows = np.repeat(np.arange(len(constraints)), [len(c.positions) for c in constraints])
        columns = np.concatenate([c.positions for c in constraints] or [np.zeros(0, dtype=np.int64)])
        coefficients = np.concatenate([c.coefficients for c in constraints] or [np.zeros(0)])
        continuous = ~model.variables["integer"].to_numpy(dtype=bool)
        self.rigid = np.ones(len(constraints), dtype=bool)
        self.rigid[np.unique(rows[continuous[columns] & (coefficients != 0)])] = False
        keep = np.isin(columns, positions)
        rows, columns, coefficients = rows[keep], columns[keep], coefficients[keep]
        # Broken limits if the variable were set to 1 as the plan stands.
        after = table["activity"].to_numpy()[rows] + coefficients * (1.0 - result.values[columns])
        rhs, sense = table["rhs"].to_numpy()[rows], table["sense"].to_numpy()[rows]
        excess = np.select([sense == "<=", sense == ">="], [after - rhs, rhs - after], np.abs(after - rhs))
        broken = excess > np.array([binding_tolerance(value) for value in rhs])
        self.broken: dict[int, dict[int, float]] = {}
        for row, column, amount in zip(rows[broken], columns[broken], excess[broken]):
            self.broken.setdefault(int(column), {})[int(row)] = float(amount)
        # Gain in the objective at the shadow prices of the flexible limits (better: positive).
        self.better = 1.0 if model.sense == "max" else -1.0
        self.unit = _unit(model.criterion.unit)
        duals = result.solution.duals
        self.priced = not np.isnan(duals).all()
        flexible = ~self.rigid[rows]
        cost = self.better * np.nan_to_num(duals[rows]) * coefficients
        self.costs: dict[int, dict[int, float]] = {}
        for row, column, amount in zip(rows[flexible], columns[flexible], cost[flexible]):
            if amount > 0:
                self.costs.setdefault(int(column), {})[int(row)] = float(amount)
        self.worth = self.better * model.objective_vector()

    def gain(self, position: int) -> float:
        return self.worth[position] - sum(self.costs.get(position, {}).values())

    def explain(self, units: dict[int, str]) -> tuple[str, str]:
        rigid = {p: {r: e for r, e in self.broken.get(p, {}).items() if self.rigid[r]} for p in units}
        open_ = [p for p in units if not rigid[p]]
        if not open_:
            return self._blocked(rigid, units)
        fits = [p for p in open_ if not self.broken.get(p)]
        if fits:
            best = max(fits, key=lambda p: self.worth[p])
            if self.worth[best] > 1e-9:
                return "", (f"it fits in {units[best]} without breaking a limit and would add {self.worth[best]:,.4g} "
                            f"{self.unit} to the objective: left out within the solver's gap or limit")
            return "", f"it fits in {units[best]} without breaking a limit, but would not improve the objective"
        if not self.priced:
            return self._blocked({p: self.broken[p] for p in units}, units)
        best = max(open_, key=self.gain)
        gain = self.gain(best)
        costs = self.costs.get(best, {})
        listed = ", ".join(f"{self._name(r)} {c:,.4g}" for r, c in sorted(costs.items(), key=lambda item: -item[1]))
        if gain > 1e-9:
            return "", (f"at the plan's shadow prices it would gain {gain:,.4g} {self.unit} in {units[best]}, but it "
                        f"breaks {self._names(self.broken[best])} as the plan stands: too large a change for the prices "
                        "to tell, or left out within the solver's gap")
        alone = sorted((r for r, c in costs.items() if c >= -gain), key=self._name)
        words = (f"it does not pay: in {units[best]}, its best unit, it adds {self.worth[best]:,.4g} {self.unit} but "
                 f"the limits it uses are worth {self.worth[best] - gain:,.4g} at the plan's shadow prices ({listed})")
        if alone:
            which = self._names(alone) if len(alone) == 1 else f"any one of {self._names(alone)}"
            return ";".join(self._name(r) for r in alone), f"{words}; without the price of {which} it would pay"
        return "", "no single limit explains it: " + words

    def _blocked(self, broken: dict[int, dict[int, float]], units: dict[int, str]) -> tuple[str, str]:
        # A co-location rule is one row per place: the rule, not the row, is the limit.
        rules = [{self._rule(row): row for row in limits} for limits in broken.values()]
        common = sorted(set.intersection(*(set(by_rule) for by_rule in rules)))
        if common:
            words = []
            for rule in common:
                rows = [by_rule[rule] for by_rule in rules]
                amount = min(limits[row] for limits, row in zip(broken.values(), rows))
                meaning = self.table.at[rows[0], "meaning"] if rule == self._name(rows[0]) else _same_place(rule)
                words.append(f"{rule} ({meaning}) by {amount:,.4g} {_unit(self.table.at[rows[0], 'unit'])}")
            where = "in its only admitted unit" if len(units) == 1 else "in every admitted unit"
            return ";".join(common), f"placing it would break {' and '.join(words)} {where}, as the plan stands"
        each = "; ".join(f"{units[p]}: {self._names(limits)}" for p, limits in broken.items())
        return "", f"no single limit explains it: different limits block each admitted unit ({each})"

    def _rule(self, row: int) -> str:
        name = self._name(row)
        return name.rsplit(",", 1)[0] + "]" if name.startswith(("project_same_unit[", "project_same_zone[")) else name

    def _name(self, row: int) -> str:
        return self.table.at[row, "name"]

    def _names(self, rows) -> str:
        return ", ".join(sorted(self._name(r) for r in rows))


def _same_place(rule: str) -> str:
    """'project_same_unit[b,a]' → 'b in the same unit as a'."""
    kind, pair = rule.rstrip("]").split("[")
    b, a = pair.split(",")
    return f"{b} in the same {kind.rsplit('_', 1)[1]} as {a}"


def _unit(unit: str) -> str:
    """'100m yuan' reads as '(100m yuan)' after a number."""
    return f"({unit})" if unit[:1].isdigit() else unit


def units_apart(scenario) -> set[str]:
    """Every unit while any project is listed: a project is sited in one unit, not in a class."""
    return set(scenario.table("units").index) if scenario.projects is not None else set()
