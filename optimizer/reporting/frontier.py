"""Frontier → frontier folder: frontier.csv, frontier.png/.svg, payoff.csv, report.md, every point's results.

    <folder>/frontier.csv        one row per point (the table ``optimizer.frontier`` returns, less its results)
    <folder>/frontier.png, .svg  the frontier with its knee, and the shadow price of the bound along it
    <folder>/payoff.csv          every criterion optimised alone, the others evaluated
    <folder>/summary.json, report.md, scenario.yaml + scenario/
    <folder>/points/point-NN/    each point's full results folder (allocation, constraints, …)

Written whole or not at all, like every results folder (``report.atomic_folder``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from ..core.csvfile import write_csv
from ..core.formatting import number_text
from .folder import atomic_folder, new_folder_name, write_results, write_scenario, write_summary


def point_folder(point: int) -> str:
    return f"points/point-{point:02d}"


def write_frontier(table: pd.DataFrame, payoff: pd.DataFrame, scenario, folder=None, results_root="results",
                   progress=None) -> Path:
    """Write a frontier folder for ``table`` (from ``optimizer.frontier``); returns its path."""
    from ..core.progress import Progress

    progress = progress or Progress(enabled=False)
    started = time.perf_counter()
    a = table.attrs
    target = Path(folder) if folder is not None else new_folder_name(
        f"{scenario.name}-frontier-{a['x']}-{a['y']}", Path(results_root)
    )
    folder_writer = atomic_folder(target, numbered=folder is None)
    with folder_writer as partial:
        progress.stage("drawing the frontier")
        write_csv(table.drop(columns="result"), partial / "frontier.csv")
        write_csv(payoff, partial / "payoff.csv")
        figure = plot_frontier(table)
        figure.savefig(partial / "frontier.png", dpi=150)
        figure.savefig(partial / "frontier.svg")
        import matplotlib.pyplot as plt

        plt.close(figure)
        write_scenario(scenario, partial)
        (partial / "points").mkdir()
        points = progress.steps(f"writing the {len(table)} point folders", list(zip(table["point"], table["result"])))
        for point, result in points:
            write_results(result, partial / point_folder(point))
        (partial / "report.md").write_text(frontier_markdown(table, payoff, scenario), encoding="utf-8")
        write_summary(_summary(table, scenario, time.perf_counter() - started), partial)
    return folder_writer.target


def plot_frontier(table: pd.DataFrame):
    """Two panels: y against x with the knee marked; the shadow price of the x bound against the bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    a = table.attrs
    solved = table[table["efficient"]]
    x_per, x_unit = _scale(a["x_unit"], solved["x"])
    y_per, y_unit = _scale(a["y_unit"], solved["y"])
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    top.plot(solved["x"] / x_per, solved["y"] / y_per, "o-", color="#1f6f8b", label="Pareto frontier (epsilon-constraint)")
    knee = table[table["knee"]]
    if not knee.empty:
        top.plot(knee["x"] / x_per, knee["y"] / y_per, "*", markersize=16, color="#d1495b", label="knee")
    top.set_ylabel(f"{a['y_label']} ({y_unit})")
    top.set_title(f"{a['scenario']}: {a['y_label']} against {a['x_label']}")
    top.grid(alpha=0.3)
    top.legend()
    bottom.plot(solved["x"] / x_per, solved["shadow_price"], "o:", color="#edae49")
    bottom.set_ylabel(f"shadow price of the bound\n({a['shadow_price_unit']})")
    bottom.set_xlabel(f"{a['x_label']} bound ({x_unit})")
    bottom.grid(alpha=0.3)
    readable = FuncFormatter(lambda value, _: f"{value:,.6g}")
    for axis in (top.yaxis, bottom.xaxis, bottom.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6))  # few ticks: a label never runs into the next
        axis.set_major_formatter(readable)
    figure.tight_layout()
    return figure


def _scale(unit: str, values: pd.Series) -> tuple[float, str]:
    """Tonnes in the millions are drawn in Mt (t CO2 → Mt CO2, tce → Mtce), as planners state budgets."""
    if (unit in ("t", "tce") or unit.startswith("t ")) and values.abs().max() >= 1e5:
        return 1e6, "M" + unit
    return 1.0, unit


def frontier_markdown(table: pd.DataFrame, payoff: pd.DataFrame, scenario) -> str:
    a = table.attrs
    lines = [
        f"# Pareto frontier: {a['y_label']} against {a['x_label']} ({scenario.name})",
        "",
        f"Each point optimises {a['y_label']} with {a['x_label']} bounded by the `bound` column "
        f"(epsilon-constraint method, exact). The shadow price is the gain in {a['y']} per unit of "
        f"the bound relaxed" + (f": {a['shadow_price_unit']}" if a["shadow_price_unit"] else "")
        + ". Every point's full results are in `points/`.",
        "",
        "![frontier](frontier.png)",
        "",
    ]
    knee = table[table["knee"]]
    if not knee.empty:
        k = knee.iloc[0]
        lines += [
            f"**Knee** (the best compromise: farthest above the line between the ends): point {k['point']}, "
            f"{a['x']} {number_text(k['x'])} {a['x_unit']}, {a['y']} {number_text(k['y'])} {a['y_unit']}, "
            f"shadow price {number_text(k['shadow_price'], 0)} {a['shadow_price_unit']}.",
            "",
        ]
    failed = table[table["status"] != "optimal"]
    for point, status, result in zip(failed["point"], failed["status"], failed["result"]):
        lines.append(f"- point {point}: {status}" + (f" (why: `{point_folder(point)}/diagnosis.md`)" if result.diagnosis else ""))
    if not failed.empty:
        lines.append("")
    explained = next((r.diagnosis for r in failed["result"] if r.diagnosis is not None), None)
    if explained is not None:
        lines += [explained.markdown(level=2), ""]
    shown = ["point", "bound", "x", "y", "shadow_price", "efficient", "knee"]
    lines += ["## Points", "", table[shown].to_markdown(index=False, floatfmt=",.2f"), ""]
    lines += ["## Payoff table (each criterion optimised alone)", "", payoff.to_markdown(index=False, floatfmt=",.2f"), ""]
    return "\n".join(lines)


def _summary(table: pd.DataFrame, scenario, seconds: float) -> dict:
    a = table.attrs
    knee = table.loc[table["knee"], "point"]
    return {
        "scenario": scenario.name,
        "method": "epsilon-constraint",
        **{key: a[key] for key in ("x", "y", "x_unit", "y_unit", "shadow_price_unit")},
        "points": int(len(table)),
        "statuses": table["status"].value_counts().to_dict(),
        "knee_point": int(knee.iloc[0]) if not knee.empty else None,
        "solver": scenario.solver.model_dump(),
        "timings_s": {**a.get("timings_s", {}), "report": seconds},
    }
