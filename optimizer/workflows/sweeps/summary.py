"""Run records → the sweep table, robustness summaries and plots (knows nothing of the solver).

- ``sweep.csv`` / ``sweep.parquet``: one row per run: ``run`` (position), ``run_id``, the varied
  values (one column per key; ``sample`` numbers the draw), ``status``, ``objective_value``, every KPI,
  ``seconds``, ``binding`` (JSON: binding limit → shadow price), ``allocation`` (JSON:
  ``"unit:industry"`` → km²) and ``message``.
- ``selection.csv``: per unit–industry pair chosen in any run with a solution: the share of those
  runs that give it land, and its land (mean over all of them, min, max, mean where chosen); when
  every run has land ranges (the scenario's ``analysis.ranges``), the share of runs in which every
  optimal plan gives it land and the share in which some optimal plan does.
- ``kpi_ranges.csv``: per KPI over the runs with a solution: count, mean, std, min, 5 %, 50 %,
  95 %, max.
- ``plots/kpis.png`` (histograms) and ``plots/selection.png`` (how often each pair is chosen);
  ``plots/map.svg`` (how often each district receives each category) where the base scenario's
  units map to the boundaries (``optimizer.reporting.maps``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from ...core.csvfile import table_bytes
from .execute import SweepFolder, write_atomic
from .spec import Run

PLOTTED_KPIS = {  # column -> axis label
    "output_100m_yuan": "output (100m yuan/yr)",
    "carbon_mt": "carbon (Mt CO2/yr)",
    "jobs": "jobs (persons)",
    "land_km2": "land used (km2)",
}
CHOSEN = 1e-6  # km²: less is solver noise, not a choice


def sweep_table(runs: list[Run], folder: SweepFolder) -> pd.DataFrame:
    """One row per run of `runs` that has a record in `folder`, in sweep order."""
    ids, varied, outcomes, kpis, details = [], [], [], [], []
    for run in runs:
        record = folder.read(run.run_id)
        if record is None:
            continue
        ids.append({"run": run.index, "run_id": run.run_id})
        varied.append({key: _cell(value) for key, value in record["varied"].items()})
        outcomes.append({"status": record["status"], "objective_value": record["objective"]})  # "objective" may vary
        kpis.append(record["kpis"])
        details.append({
            "seconds": record["seconds"],
            "binding": json.dumps(record["binding"]),
            "allocation": json.dumps({f"{u}:{k}": x for u, k, x in record["allocation"]}),
            "message": record["message"],
            **({"ranges": json.dumps({f"{u}:{k}": [low, high] for u, k, low, high in record["ranges"]})}
               if "ranges" in record else {}),
        })
    # Built in parts so that the columns keep their places when some runs lack some values.
    parts = [pd.DataFrame(rows, index=range(len(ids))) for rows in (ids, varied, outcomes, kpis, details)]
    return pd.concat(parts, axis=1)


def _cell(value):
    """A varied value as one table cell: scalars as they are, lists and mappings as JSON."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def allocations(table: pd.DataFrame) -> pd.DataFrame:
    """The sweep table's allocations in long form: run_id, unit, industry, land_km2."""
    rows = [
        (run_id, *pair.split(":", 1), land)
        for run_id, cell in zip(table["run_id"], table["allocation"])
        for pair, land in json.loads(cell).items()
    ]
    return pd.DataFrame(rows, columns=["run_id", "unit", "industry", "land_km2"])


def solved(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["status"].isin(["optimal", "time_limit"])] if len(table) else table


def selection(table: pd.DataFrame) -> pd.DataFrame:
    """How often and how much each unit–industry pair is chosen, over the runs with a solution."""
    columns = ["unit", "industry", "runs_chosen", "share_of_runs", "land_mean_km2", "land_min_km2",
               "land_max_km2", "land_mean_when_chosen_km2"]
    runs = solved(table)
    land = allocations(runs) if len(runs) else pd.DataFrame(columns=["run_id", "unit", "industry", "land_km2"])
    if land.empty:
        return pd.DataFrame(columns=columns)
    wide = land.pivot_table(index="run_id", columns=["unit", "industry"], values="land_km2", aggfunc="sum")
    wide = wide.reindex(runs["run_id"]).fillna(0.0)  # a pair a run leaves out has 0 km² there
    chosen = wide > CHOSEN
    result = pd.DataFrame({
        "runs_chosen": chosen.sum(),
        "share_of_runs": chosen.mean(),
        "land_mean_km2": wide.mean(),
        "land_min_km2": wide.min(),
        "land_max_km2": wide.max(),
        "land_mean_when_chosen_km2": wide.where(chosen).mean(),
    }).reset_index()
    order = land.drop_duplicates(["unit", "industry"])[["unit", "industry"]]  # the model's order
    result = order.merge(result, on=["unit", "industry"])
    if "ranges" in runs and runs["ranges"].notna().all():  # every run has land ranges (analysis.ranges)
        result = result.merge(_in_optimal_plans(runs), on=["unit", "industry"], how="left").fillna(
            {"share_in_every_plan": 0.0, "share_in_some_plan": 0.0})
        columns = [*columns, "share_in_every_plan", "share_in_some_plan"]
    return result.sort_values(["share_of_runs", "land_mean_km2"], ascending=False, kind="stable")[columns]


def _in_optimal_plans(runs: pd.DataFrame) -> pd.DataFrame:
    """Per pair: the share of runs in which every optimal plan gives it land (its least > 0), and
    in which some optimal plan does (its most > 0)."""
    rows = [(*pair.split(":", 1), low > CHOSEN, high > CHOSEN)
            for cell in runs["ranges"] for pair, (low, high) in json.loads(cell).items()]
    frame = pd.DataFrame(rows, columns=["unit", "industry", "every", "some"])
    shares = frame.groupby(["unit", "industry"], sort=False)[["every", "some"]].sum() / len(runs)
    return shares.rename(columns={"every": "share_in_every_plan", "some": "share_in_some_plan"}).reset_index()


def kpi_columns(table: pd.DataFrame) -> list[str]:
    """The objective and the KPI columns (those with numbers)."""
    start, end = table.columns.get_loc("objective_value"), table.columns.get_loc("seconds")
    return [c for c in table.columns[start:end] if pd.api.types.is_numeric_dtype(table[c])]


def kpi_ranges(table: pd.DataFrame) -> pd.DataFrame:
    """The range of each KPI (and the objective) over the runs with a solution."""
    runs = solved(table)
    numbers = runs[kpi_columns(table)].astype(float)
    if numbers.columns.empty:  # no run had KPIs (every run failed)
        return pd.DataFrame(columns=["kpi", "count", "mean", "std", "min", "p05", "p50", "p95", "max"])
    ranges = numbers.describe(percentiles=[0.05, 0.5, 0.95]).T
    ranges.index.name = "kpi"
    return ranges.rename(columns={"5%": "p05", "50%": "p50", "95%": "p95"}).reset_index()


def write_outputs(folder: Path, table: pd.DataFrame, base=None) -> list[Path]:
    """sweep.csv, sweep.parquet, selection.csv, kpi_ranges.csv and plots/ (each written whole);
    ``base``, the base scenario, places the units on a map."""
    files = {
        "sweep.csv": table_bytes(table),
        "sweep.parquet": _parquet(table),
        "selection.csv": table_bytes(selection(table)),
        "kpi_ranges.csv": table_bytes(kpi_ranges(table)),
    }
    (folder / "plots").mkdir(exist_ok=True)
    files.update({f"plots/{name}": image for name, image in plots(table).items()})
    if base is not None and len(solved(table)):
        from ...reporting.maps import selection_map

        runs = solved(table)
        svg = selection_map(base, allocations(runs), list(runs["run_id"]))
        if svg is not None:
            files["plots/map.svg"] = svg.encode("utf-8")
    for name, content in files.items():
        write_atomic(folder / name, content)
    return [folder / name for name in files]


def _parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame = table.copy()
    for column in frame.columns:
        kinds = {type(value) for value in frame[column] if value is not None}
        if len(kinds) > 1 and frame[column].dtype == object:  # Parquet columns have one type: mixed ones as text
            frame[column] = frame[column].map(lambda v: None if v is None else str(v))
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def plots(table: pd.DataFrame) -> dict[str, bytes]:
    """PNG images: KPI histograms and the selection frequency of unit–industry pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = solved(table)
    images = {}
    kpis = [c for c in PLOTTED_KPIS if c in runs]
    if len(runs) and kpis:
        figure, axes = plt.subplots(1, len(kpis), figsize=(3.2 * len(kpis), 3), squeeze=False)
        for axis, column in zip(axes[0], kpis):
            # Rounded: solver noise (15 vs 15.000000000000002) must not make bins narrower than a float.
            axis.hist(runs[column].astype(float).round(6), bins=min(30, max(5, len(runs) // 5)), color="#4477aa")
            axis.set_xlabel(PLOTTED_KPIS[column])
        axes[0][0].set_ylabel("runs")
        figure.suptitle(f"KPIs over {len(runs)} runs with a solution", fontsize=10)
        images["kpis.png"] = _png(figure)
    chosen = selection(table)
    if len(chosen):
        grid = chosen.pivot(index="unit", columns="industry", values="share_of_runs")
        grid = grid.reindex(index=_model_order(table), columns=sorted(grid.columns))
        figure, axis = plt.subplots(figsize=(max(5.0, 2.5 + 0.4 * grid.shape[1]), max(3.0, 1.5 + 0.3 * grid.shape[0])))
        image = axis.imshow(grid.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1, aspect="auto")
        axis.set_xticks(range(grid.shape[1]), grid.columns, rotation=90, fontsize=7)
        axis.set_yticks(range(grid.shape[0]), grid.index, fontsize=7)
        figure.colorbar(image, ax=axis, label="share of runs giving the pair land", fraction=0.05, pad=0.03)
        axis.set_title("How often each unit-industry pair gets land", fontsize=9)
        images["selection.png"] = _png(figure)
    return images


def _model_order(table: pd.DataFrame) -> list[str]:
    """Units in the order they first appear in the solved runs' allocations (the scenario's order)."""
    return list(dict.fromkeys(allocations(solved(table))["unit"]))


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in table["status"].value_counts().items()} if len(table) else {}

