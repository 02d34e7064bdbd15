"""Scenario sweeps: grids and Monte Carlo samples of a base scenario, run in parallel, resumable.

    import optimizer
    table = optimizer.sweep("inputs/sweeps/carbon-land.yaml")        # a DataFrame, one row per run
    table = optimizer.sweep(grid={"carbon_budget.total_mt": [10, 15, 20]}, workers=2)
    result = optimizer.sweep_result(table.attrs["folder"], table.run_id[0])   # one run, in full

``spec.py`` reads the sweep file and plans the runs, ``execute.py`` runs them on an engine and
persists each as it finishes, ``summary.py`` gathers the table, robustness summaries and plots.

The sweep folder (default ``results/<name>-sweep``) is the sweep's working folder: running the
same sweep again resumes it, skipping every run already recorded there.

    sweep.yaml                the sweep as run (base scenario as a path, grid, samples)
    bases/<hash>.json         the resolved base scenario of each sweep run into this folder
    runs/<run_id>.json        one per finished run: varied values, status, KPIs, allocation, …
    runs/<run_id>/            the run's full results folder (with keep_results / --keep-results)
    sweep.csv, sweep.parquet  one row per run
    selection.csv, kpi_ranges.csv, plots/*.png   robustness summaries
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import yaml

from ...core.errors import ScenarioError, listing
from ...scenario.model import Scenario, validate_scenario
from ...solvers.dispatch import make_solver
from .execute import EngineNotInstalled, RunsLost, SweepFolder, connect, run_record, run_sweep, write_atomic
from .spec import Sweep, SweepSpec, load_sweep
from .spec import run_id as run_id_of
from .summary import allocations, status_counts, sweep_table, write_outputs

__all__ = ["EngineNotInstalled", "RunsLost", "Sweep", "allocations", "load_sweep", "run_record", "sweep", "sweep_result"]


def sweep(
    spec: str | Path | Mapping | None = None,
    *,
    base: Scenario | str | Path | None = None,
    grid: Mapping[str, list] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    name: str | None = None,
    out: str | Path | None = None,
    results_root: str | Path = "results",
    workers: int | None = None,
    scheduler: str | None = None,
    solver: str | None = None,
    time_limit_s: float | None = None,
    keep_results: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run a sweep and return its table (one row per run); see the README's "Sweeps" section.

    ``spec`` is a SWEEP.yaml path or a mapping of the same shape; ``base``, ``grid``,
    ``samples``, ``seed`` and ``name`` override it. ``workers=1`` runs in this process, more run
    on local processes (default: one per core); ``scheduler="tcp://host:8786"`` runs on that Dask
    cluster. ``solver`` and ``time_limit_s`` override the base scenario's solver settings. The
    table's ``attrs["folder"]`` is the sweep folder.

    Raises ScenarioError for a bad sweep and SolverUnavailable for an unknown solver (nothing is
    run then), RunsLost when the engine lost runs and KeyboardInterrupt when interrupted (the
    finished runs are kept: calling again resumes).
    """
    loaded = load_sweep(spec, base=base, grid=grid, samples=samples, seed=seed, name=name)
    if solver is not None or time_limit_s is not None:
        changes = {"name": solver} if solver is not None else {}
        changes.update({"time_limit_s": time_limit_s} if time_limit_s is not None else {})
        loaded = Sweep(loaded.spec, loaded.base.with_changes(solver=changes), loaded.path, loaded.lines)
    runs = loaded.check()
    for settings in loaded.solvers.values():
        make_solver(settings)  # raises SolverUnavailable before anything runs
    folder = SweepFolder(Path(out) if out is not None else Path(results_root) / f"{loaded.name}-sweep")
    client = connect(scheduler) if scheduler else None  # before anything is written
    try:
        folder.prepare()
        _record_sweep(loaded, folder)
        run_sweep(loaded, runs, folder, workers=workers, client=client, keep_results=keep_results, progress=progress)
    finally:
        if client is not None:
            client.close()
    table = sweep_table(runs, folder)
    write_outputs(folder.path, table, loaded.base)
    table.attrs["folder"] = str(folder.path)
    table.attrs["statuses"] = status_counts(table)
    return table


def _record_sweep(sweep: Sweep, folder: SweepFolder) -> None:
    """The base scenario (exact, as JSON, which ``load_scenario`` reads too) and sweep.yaml.

    sweep.yaml names that base, so it is a sweep file of its own: running it again resumes this
    sweep, and any run can be solved again from the folder alone.
    """
    bases = folder.path / "bases"
    bases.mkdir(exist_ok=True)
    base_file = bases / f"{sweep.base_hash}.json"
    if not base_file.exists():
        write_atomic(base_file, sweep.base.model_dump_json(indent=1))
    spec = {"name": sweep.name, **sweep.spec.model_dump(mode="json", exclude_defaults=True),
            "base": f"bases/{base_file.name}"}
    header = f"# The sweep run into this folder ({len(sweep)} runs); `optimizer sweep <this file>` resumes it.\n"
    write_atomic(folder.path / "sweep.yaml", header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))


def sweep_result(folder: str | Path, run_id: str):
    """One run of a sweep solved again in full: a :class:`optimizer.Result` (``.save()`` writes its folder).

    The run's scenario is rebuilt from the recorded base scenario and the run's varied values, so
    the result is the one the sweep recorded.
    """
    from ..run import solve

    sweep_folder = SweepFolder(Path(folder))
    if not sweep_folder.record_file(run_id).is_file():
        known = [path.stem for path in sweep_folder.runs.glob("*.json")]
        raise ScenarioError(f"no run '{run_id}' in this sweep folder", file=folder, field="run_id",
                            valid=listing(known))
    record = sweep_folder.load(run_id)
    base_file = sweep_folder.path / "bases" / f"{record['base']}.json"
    base = validate_scenario(json.loads(base_file.read_text(encoding="utf-8")), sources=None)
    rebuilt = Sweep(SweepSpec(), base)
    if run_id_of(rebuilt.base_hash, record["varied"]) != run_id:
        raise ScenarioError("the recorded base scenario and varied values do not give this run's id",
                            file=sweep_folder.record_file(run_id))
    return solve(rebuilt.scenario(record["varied"]))

