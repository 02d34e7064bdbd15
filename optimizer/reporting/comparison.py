"""Comparing runs: what changed in the inputs, and what that did to the plan.

``compare([a, b, ...])`` takes results folders (or :class:`~optimizer.Result` objects) and
compares each run with the first, the baseline:

- ``scenario_changes``: the scenario settings (dotted field names) that differ, the name aside
  (it is in ``runs``);
- ``data_changes``: table rows (zones, units, industries) added, removed or with changed cells;
- ``kpis``: each headline figure with its delta and delta in percent;
- ``allocation_changes``: unit–industry pairs whose land appeared, vanished, or changed by more
  than ``threshold`` (relative to the baseline's land, and at least 1e-6 km²); where both runs
  have land ranges (``land_ranges.csv``, ``optimizer.analysis.alternatives``), only pairs whose ranges do
  not overlap (by more than that): a move within the plans both runs find optimal is no change;
- ``decision_changes``: the decisions that family tables record and the allocation does not
  (``DECISIONS``: project sites, retirements, park land), compared the same way;
- ``constraint_changes``: limits that became binding or slack, appeared or vanished;
- ``zones``: land, output and carbon by zone in every run (for the charts).

Inputs are compared as the resolved scenario records them (``scenario.yaml`` and
``scenario/*.csv`` in a results folder; a Result's scenario goes through the same CSV writing),
so a comparison of two folders and of the same two results in Python agree.
``Comparison.save()`` writes comparison.md, comparison.html and one CSV per table.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml

from ..core.csvfile import csv_text, read_csv, write_csv
from ..core.errors import ScenarioError
from ..schema.tables import TABLES

KPIS = (  # key in summary.json "kpis", label, unit
    ("output_100m_yuan", "output", "100m yuan/yr"),
    ("carbon_mt", "carbon", "Mt CO2/yr"),
    ("land_km2", "land used", "km²"),
    ("jobs", "jobs", "persons"),
    ("energy_tce", "energy", "tce/yr"),
    ("pollutant_t", "pollutant", "t/yr"),
    ("carbon_budget_used", "carbon budget used", "share"),
    ("land_used_share", "land used share", "share"),
    ("output_per_t_co2_yuan", "output per t CO2", "yuan"),
)
NOISE_KM2 = 1e-6  # land changes below this are solver noise, never reported
TABLE_NAMES = ("runs", "scenario_changes", "data_changes", "kpis", "allocation_changes", "decision_changes",
               "constraint_changes", "zones")
# Family tables (<name>.csv) that record decisions allocation.csv does not: (key columns, decision column)
DECISIONS = {
    "projects": (["project"], "unit"),  # the project's unit, "" when it is left out
    "capacity_retirements": (["unit", "industry"], "retired_km2"),
    "parks": (["park"], "land_km2"),  # allocation.csv adds a park's land to its unit's
}


@dataclass
class Run:
    """One run as the comparison sees it: inputs as written, and the result tables."""

    label: str
    folder: Path | None
    status: str
    objective: float | None
    objective_unit: str
    kpis: dict
    settings: dict  # the resolved scenario without its tables
    tables: dict[str, pd.DataFrame]  # zones, units, industries: text cells, indexed by id
    allocation: pd.DataFrame
    constraints: pd.DataFrame
    by_zone: pd.DataFrame
    decisions: dict[str, pd.DataFrame] = field(default_factory=dict)  # DECISIONS tables the run has
    ranges: pd.DataFrame | None = None  # land_ranges.csv, when the run has it


def decisions_in_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: read_csv(folder / f"{name}.csv") for name in DECISIONS if (folder / f"{name}.csv").is_file()}


def decisions_of(result) -> dict[str, pd.DataFrame]:
    return {name: table for name, table in result.family_tables.items() if name in DECISIONS}


def decision_differences(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame], differ):
    """(table, key, column, change, before, after) for each decision that differs; numbers differ
    where ``differ(before, after)`` says so, text where it is not the same."""
    for name, (key, column) in DECISIONS.items():
        if name not in before and name not in after:
            continue
        empty = pd.DataFrame(columns=[*key, column])
        values = [table.get(name, empty).set_index(key)[column] for table in (before, after)]
        both = pd.concat(values, axis=1, keys=["before", "after"], sort=False)
        text = column == "unit"
        for place, (then, now) in zip(both.index, zip(both["before"], both["after"])):
            if text:
                then, now = ("" if pd.isna(then) else then), ("" if pd.isna(now) else now)
                if then == now:
                    continue
                change = "placed" if not then else "left out" if not now else "moved"
            elif pd.isna(then) or pd.isna(now):
                change = "appeared" if pd.isna(then) else "vanished"
            elif differ(then, now):
                change = "changed"
            else:
                continue
            yield name, ",".join(map(str, place if isinstance(place, tuple) else (place,))), column, change, then, now


def _text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, numbers and booleans spelt one way: writers differ (10.0 or 10, True or
    true), and a folder written by an older version must not differ from a newer one in that."""
    frame = frame.astype(str)
    for column in frame.columns.drop("id", errors="ignore"):
        text = frame[column]
        numbers = pd.to_numeric(text, errors="coerce")
        spelt = [repr(float(value)) for value in numbers[numbers.notna()]]
        lowered = text.str.lower()
        text = text.where(~lowered.isin(["true", "false"]), lowered)
        text[numbers.notna()] = spelt
        frame[column] = text
    return frame.set_index("id")


def run_from_folder(folder: str | Path) -> Run:
    folder = Path(folder)
    for name in ("summary.json", "scenario.yaml", "allocation.csv", "constraints.csv", "by_zone.csv"):
        if not (folder / name).is_file():
            raise ScenarioError(f"{folder} is not a results folder (it has no {name})", file=folder,
                                valid="a folder written by `optimizer run`")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    settings = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    tables = {}
    for table in TABLES:
        path = folder / settings.pop(table)
        tables[table] = _text_table(pd.read_csv(path, dtype=str, keep_default_na=False))
    return Run(
        label=folder.name,
        folder=folder,
        status=summary["status"],
        objective=summary["objective"]["value"],
        objective_unit=summary["objective"]["unit"],
        kpis=summary["kpis"],
        settings=settings,
        tables=tables,
        allocation=read_csv(folder / "allocation.csv"),
        constraints=read_csv(folder / "constraints.csv"),
        by_zone=read_csv(folder / "by_zone.csv"),
        decisions=decisions_in_folder(folder),
        ranges=read_csv(folder / "land_ranges.csv") if (folder / "land_ranges.csv").is_file() else None,
    )


def run_from_result(result, label: str | None = None) -> Run:
    settings = result.scenario.model_dump(mode="json")
    tables = {}
    for table in TABLES:
        text = csv_text(pd.DataFrame(settings.pop(table)))  # as write_scenario writes it
        tables[table] = _text_table(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))
    summary = result.summary()
    return Run(
        label=label or result.scenario.name,
        folder=None,
        status=result.status,
        objective=result.objective,
        objective_unit=summary["objective"]["unit"],
        kpis=result.kpis,
        settings=settings,
        tables=tables,
        allocation=result.allocation,
        constraints=result.constraints,
        by_zone=result.by_zone,
        decisions=decisions_of(result),
        ranges=result.method_tables.get("land_ranges"),
    )


# --------------------------------------------------------------------------- the comparison


@dataclass
class Comparison:
    """Runs compared with the first (the baseline); every part is a DataFrame."""

    runs: pd.DataFrame
    scenario_changes: pd.DataFrame
    data_changes: pd.DataFrame
    kpis: pd.DataFrame
    allocation_changes: pd.DataFrame
    decision_changes: pd.DataFrame
    constraint_changes: pd.DataFrame
    zones: pd.DataFrame
    threshold: float = 0.01
    names: dict = field(default_factory=dict, repr=False)  # unit/zone/industry id -> (English, Chinese)
    districts: dict | None = field(default=None, repr=False)  # run -> figures per district (optimizer.reporting.maps.by_run)

    @property
    def labels(self) -> list[str]:
        return list(self.runs["run"])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def kpi_table(self) -> pd.DataFrame:
        """KPIs wide: one row per KPI; the baseline's value, then value and change for each run."""
        wide = self.kpis.pivot(index=["kpi", "unit"], columns="run", values="value")[self.labels]
        order = [label for _, label, _ in KPIS] + ["objective"]
        wide = wide.reindex(sorted(wide.index, key=lambda key: order.index(key[0]) if key[0] in order else 99))
        for run in self.labels[1:]:
            pct = self.kpis[self.kpis["run"] == run].set_index(["kpi", "unit"])["delta_pct"]
            wide[f"{run} change %"] = pct.reindex(wide.index)
        return wide.reset_index()

    def markdown(self) -> str:
        from .html import auto_digits
        from ..core.formatting import number_text

        def show(frame: pd.DataFrame, empty: str) -> list[str]:
            if not len(frame):
                return [empty, ""]
            shown = frame.copy()
            for column in shown.select_dtypes("number"):
                shown[column] = [number_text(v, auto_digits(v)) for v in shown[column]]
            return [shown.to_markdown(index=False, disable_numparse=True), ""]

        base = self.labels[0]
        lines = [f"# Comparison of {len(self.labels)} runs", "", f"Baseline: **{base}**; every other run is "
                 f"compared with it.", ""]
        lines += ["## Runs", "", *show(self.runs, "")]
        lines += ["## Inputs: scenario settings", "", *show(self.scenario_changes, "No setting differs.")]
        lines += ["## Inputs: data rows", "", *show(self.data_changes, "No data row differs.")]
        lines += ["## Headline figures", "", *show(self.kpi_table(), "")]
        lines += [f"## Allocation changes (more than {number_text(100 * self.threshold, 1)} %)", "",
                  *show(self.allocation_changes, "No unit–industry assignment changed.")]
        lines += ["## Other decisions (project sites, retirements, park land)", "",
                  *show(self.decision_changes, "No other decision changed.")]
        lines += ["## Limits that became binding or slack", "",
                  *show(self.constraint_changes, "Every limit binds, or not, as in the baseline.")]
        return "\n".join(lines)

    def html(self) -> str:
        from .html import render

        return render("comparison.html.j2", **_html_context(self))

    def save(self, folder: str | Path | None = None, results_root: str | Path = "results") -> Path:
        """Write comparison.md, comparison.html and one CSV per table into a new folder."""
        from .folder import atomic_folder, new_folder_name

        target = Path(folder) if folder is not None else new_folder_name("comparison", Path(results_root))
        folder_writer = atomic_folder(target, numbered=folder is None)
        with folder_writer as partial:
            for name, frame in self.tables().items():
                write_csv(frame, partial / f"{name}.csv")
            (partial / "comparison.md").write_text(self.markdown(), encoding="utf-8")
            (partial / "comparison.html").write_text(self.html(), encoding="utf-8")
        return folder_writer.target

    def summary_lines(self) -> list[str]:
        lines = [f"baseline: {self.labels[0]}"]
        for run in self.labels[1:]:
            def count(frame: pd.DataFrame) -> int:
                return int((frame["run"] == run).sum())

            output = self.kpis[(self.kpis["run"] == run) & (self.kpis["kpi"] == "objective")]
            change = ""
            if len(output) and not pd.isna(output["delta_pct"].iloc[0]):
                change = f", objective {output['delta_pct'].iloc[0]:+.2f} %"
            lines.append(
                f"{run}: {count(self.scenario_changes)} setting(s) and {count(self.data_changes)} data cell(s) "
                f"differ{change}; {count(self.allocation_changes)} assignment(s) and "
                f"{count(self.decision_changes)} other decision(s) changed, "
                f"{count(self.constraint_changes)} limit(s) became binding or slack"
            )
        return lines

    def __repr__(self) -> str:
        return "Comparison(" + "; ".join(self.summary_lines()) + ")"

    def _repr_html_(self) -> str:
        from .html import render

        return render("comparison_summary.html.j2", c=self, kpis=self.kpi_table())


def compare(runs, threshold: float = 0.01) -> Comparison:
    """Compare runs (results folders or Result objects) with the first one.

    ``threshold`` is the relative change in a unit–industry pair's land that counts as changed
    (default 1 %).
    """
    loaded = _distinct([run if isinstance(run, Run) else
                        run_from_folder(run) if isinstance(run, (str, Path)) else run_from_result(run) for run in runs])
    if len(loaded) < 2:
        raise ScenarioError("a comparison needs at least two runs", field="runs", valid="two or more results folders")
    base, others = loaded[0], loaded[1:]
    return Comparison(
        runs=_runs_table(loaded),
        scenario_changes=_frame([row for run in others for row in _setting_changes(base, run)],
                                ["field", "run", "change", "baseline", "value"]),
        data_changes=_frame([row for run in others for row in _data_changes(base, run)],
                            ["table", "id", "column", "run", "change", "baseline", "value"]),
        kpis=_kpis(base, loaded),
        allocation_changes=_frame([row for run in others for row in _allocation_changes(base, run, threshold)],
                                  ["unit", "zone", "industry", "category", "run", "change", "baseline_km2",
                                   "value_km2", "delta_km2", "delta_pct"]),
        decision_changes=_frame([row for run in others for row in _decision_changes(base, run, threshold)],
                                ["table", "id", "column", "run", "change", "baseline", "value"]),
        constraint_changes=_frame([row for run in others for row in _constraint_changes(base, run)],
                                  ["name", "family", "meaning", "run", "change", "baseline_shadow_price",
                                   "shadow_price", "shadow_price_unit"]),
        zones=pd.concat([run.by_zone[["zone", "name", "land_km2", "output_100m_yuan", "carbon_t"]].assign(run=run.label)
                         for run in loaded], ignore_index=True),
        threshold=threshold,
        names=_names(loaded),
        districts=_districts(loaded),
    )


def _districts(runs: list[Run]) -> dict | None:
    from . import maps  # geometry libraries load only when a comparison is made

    return maps.by_run(runs)


def _names(runs: list[Run]) -> dict[str, tuple[pd.Series, pd.Series]]:
    """English and Chinese names of units, zones and industries, from every run (the baseline first)."""
    names = {}
    for column, table in (("unit", "units"), ("zone", "zones"), ("industry", "industries")):
        rows = pd.concat([run.tables[table] for run in runs])
        rows = rows[~rows.index.duplicated()]
        english = rows["name"] if "name" in rows else pd.Series(dtype=str)
        names[column] = (english[english != ""], rows["name_zh"] if "name_zh" in rows else pd.Series(dtype=str))
    return names


def _distinct(runs: list[Run]) -> list[Run]:
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run.label = f"{run.label} #{seen[run.label]}"
    return runs


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _runs_table(runs: list[Run]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": [run.label for run in runs],
            "folder": [str(run.folder) if run.folder else "" for run in runs],
            "scenario": [run.settings.get("name", "") for run in runs],
            "status": [run.status for run in runs],
            "objective": [run.objective for run in runs],
            "objective_unit": [run.objective_unit for run in runs],
            "solver": [run.settings.get("solver", {}).get("name", "") for run in runs],
        }
    )


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _flatten(settings: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif not (isinstance(value, dict) and not value):
            flat[f"{prefix}{key}"] = value
    return flat


def _setting_changes(base: Run, run: Run):
    before, after = _flatten(base.settings), _flatten(run.settings)
    before.pop("name", None), after.pop("name", None)
    for key in sorted(set(before) | set(after), key=list({**before, **after}).index):
        if key not in after:
            yield {"field": key, "run": run.label, "change": "removed", "baseline": _text(before[key]), "value": ""}
        elif key not in before:
            yield {"field": key, "run": run.label, "change": "added", "baseline": "", "value": _text(after[key])}
        elif before[key] != after[key]:
            yield {"field": key, "run": run.label, "change": "changed", "baseline": _text(before[key]),
                   "value": _text(after[key])}


def _data_changes(base: Run, run: Run):
    for table in TABLES:
        before, after = base.tables[table], run.tables[table]
        for row_id in before.index.difference(after.index, sort=False):
            yield {"table": table, "id": row_id, "column": "", "run": run.label, "change": "removed",
                   "baseline": "", "value": ""}
        for row_id in after.index.difference(before.index, sort=False):
            yield {"table": table, "id": row_id, "column": "", "run": run.label, "change": "added",
                   "baseline": "", "value": ""}
        columns = list(dict.fromkeys([*before.columns, *after.columns]))
        common = before.index.intersection(after.index, sort=False)
        left = before.reindex(index=common, columns=columns).fillna("")
        right = after.reindex(index=common, columns=columns).fillna("")
        differs = left.ne(right).stack()
        for row_id, column in differs[differs].index:
            yield {"table": table, "id": row_id, "column": column, "run": run.label, "change": "changed",
                   "baseline": left.at[row_id, column], "value": right.at[row_id, column]}


def _kpis(base: Run, runs: list[Run]) -> pd.DataFrame:
    rows = []
    for run in runs:
        values = [(label, unit, run.kpis.get(key), base.kpis.get(key)) for key, label, unit in KPIS]
        values.append(("objective", run.objective_unit, run.objective, base.objective))
        for label, unit, value, baseline in values:
            delta = value - baseline if value is not None and baseline is not None else None
            if delta is not None and abs(delta) <= 1e-9 * max(1.0, abs(baseline)):
                delta = 0.0  # solver noise
            pct = 100 * delta / abs(baseline) if delta is not None and baseline else None
            rows.append({"kpi": label, "unit": unit, "run": run.label, "baseline": baseline, "value": value,
                         "delta": delta, "delta_pct": pct})
    return pd.DataFrame(rows).astype({"baseline": float, "value": float, "delta": float, "delta_pct": float})


def _allocation_changes(base: Run, run: Run, threshold: float):
    key = ["unit", "industry"]
    place = pd.concat([base.allocation, run.allocation])[[*key, "zone", "category"]].drop_duplicates(key)
    land = (base.allocation.set_index(key)["land_km2"].rename("before").to_frame()
            .join(run.allocation.set_index(key)["land_km2"].rename("after"), how="outer")
            .join(place.set_index(key)))
    ranges = _unit_ranges(base, land.index), _unit_ranges(run, land.index)
    for (unit, industry), row in land.iterrows():
        before, after = row["before"], row["after"]
        if ranges[0] is not None and ranges[1] is not None:
            (low, high), (other_low, other_high) = ranges[0][unit, industry], ranges[1][unit, industry]
            apart = max(low, other_low) - min(high, other_high)  # > 0: no plan of either has the other's land
            if apart <= max(threshold * abs(0.0 if pd.isna(before) else before), NOISE_KM2):
                continue
        if pd.isna(before) or pd.isna(after):
            change = "appeared" if pd.isna(before) else "vanished"
        elif abs(after - before) > max(threshold * abs(before), NOISE_KM2):
            change = "changed"
        else:
            continue
        before, after = (0.0 if pd.isna(before) else before), (0.0 if pd.isna(after) else after)
        yield {"unit": unit, "zone": row["zone"], "industry": industry, "category": row["category"],
               "run": run.label, "change": change, "baseline_km2": before, "value_km2": after,
               "delta_km2": after - before, "delta_pct": 100 * (after - before) / before if before else math.nan}


def _decision_changes(base: Run, run: Run, threshold: float):
    def differ(before, after) -> bool:
        return abs(after - before) > max(threshold * abs(before), NOISE_KM2)

    for table, place, column, change, before, after in decision_differences(base.decisions, run.decisions, differ):
        yield {"table": table, "id": place, "column": column, "run": run.label, "change": change,
               "baseline": "" if pd.isna(before) else _text(before), "value": "" if pd.isna(after) else _text(after)}


def _unit_ranges(run: Run, pairs: pd.Index) -> dict | None:
    """(least, most) land per unit–industry pair over the run's optimal plans; None without unit ranges.
    A pair its table leaves out receives land in none of them."""
    if run.ranges is None or not (run.ranges["level"] == "unit").any():
        return None
    rows = run.ranges[run.ranges["level"] == "unit"]
    found = dict(zip(zip(rows["unit"], rows["industry"]), zip(rows["min_km2"], rows["max_km2"])))
    return {pair: found.get(pair, (0.0, 0.0)) for pair in pairs}


def _constraint_changes(base: Run, run: Run):
    columns = ["name", "family", "meaning", "binding", "shadow_price", "shadow_price_unit"]
    merged = base.constraints[columns].merge(run.constraints[columns], on="name", how="outer",
                                             suffixes=("_before", "_after"), indicator=True, sort=False)
    for row in merged.to_dict("records"):
        if row["_merge"] == "both":
            if bool(row["binding_before"]) == bool(row["binding_after"]):
                continue
            change = "became binding" if row["binding_after"] else "became slack"
        elif row["_merge"] == "right_only":
            change = "appeared, binding" if row["binding_after"] else "appeared, slack"
        else:
            change = "vanished"
        side = "after" if row["_merge"] != "left_only" else "before"
        yield {"name": row["name"], "family": row[f"family_{side}"], "meaning": row[f"meaning_{side}"],
               "run": run.label, "change": change, "baseline_shadow_price": row["shadow_price_before"],
               "shadow_price": row["shadow_price_after"], "shadow_price_unit": row[f"shadow_price_unit_{side}"]}


# --------------------------------------------------------------------------- HTML


def _html_context(c: Comparison) -> dict:
    from . import charts
    from . import maps
    from .html import table

    colors = charts.palette(len(c.labels))
    kpis = c.kpis.set_index(["kpi", "run"])["value"]
    panels = {f"{label} ({unit})": kpis.xs(label, level="kpi").reindex(c.labels).fillna(0.0)
              for _, label, unit in KPIS[:4]}
    land = c.zones.pivot_table(index="name", columns="run", values="land_km2", sort=False)[c.labels]
    return {
        "c": c,
        "generated": datetime.now().isoformat(timespec="seconds"),
        "tables": {name: table(frame, c.names, f"{name}.csv") for name, frame in c.tables().items() if name != "zones"},
        "kpi_table": table(c.kpi_table()),
        "kpi_chart": charts.runs_side_by_side(panels, colors),
        "zone_chart": charts.grouped_by_zone(land, "Land by zone (km²)", colors),
        "change_map": maps.change_map(c.districts) if c.districts else None,
    }
