"""Running a sweep's runs: serially, on local processes, or on a Dask cluster; resumably.

Each run is one call of :func:`run_record`: a scenario in, a compact JSON-able record out. The
process that drives the sweep persists each record as soon as it arrives, as
``runs/<run_id>.json`` (written to a temporary file and renamed, so a file is whole or absent);
a run whose file exists is skipped when the sweep starts again. A crash or Ctrl-C therefore
loses at most the runs in flight, and a rerun does each remaining run once.

Engines: ``workers=1`` runs in this process; more workers run on a
``concurrent.futures.ProcessPoolExecutor`` (spawned processes, which ignore Ctrl-C and exit
when the driving process dies); a scheduler address runs on a Dask distributed cluster through
its ``concurrent.futures`` interface. At most a few runs per worker are in flight at a time, so a
sweep of any size holds little in memory.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ...core.errors import ScenarioError
from ...scenario.model import Scenario
from .spec import Run, Sweep

RUNS = "runs"


def run_record(scenario: Scenario, results_folder: str | Path | None = None) -> dict:
    """Solve one scenario and return what a sweep keeps of it (JSON-able).

    status, message, objective, kpis, the allocation as [unit, industry, land_km2] rows, the
    shadow price of every binding limit except land, and the seconds it took. With
    ``results_folder`` the run's full results folder is written there too (unless it exists).
    A run that raises is recorded with status ``error`` and the exception as its message.
    """
    from ..run import solve

    started = time.perf_counter()
    try:
        result = solve(scenario, diagnose=results_folder is not None)  # explain infeasibility only where it is kept
        if results_folder is not None and not Path(results_folder).exists():
            result.save(results_folder)
        record = _compact(result)
    except Exception as error:  # noqa: BLE001 - one failing run must not stop the sweep
        record = {"status": "error", "message": f"{type(error).__name__}: {error}", "objective": None,
                  "kpis": {}, "allocation": [], "binding": {}}
    record["seconds"] = time.perf_counter() - started
    return record


def _compact(result) -> dict:
    allocation = result.allocation
    constraints = result.constraints
    binding = constraints[constraints["binding"] & (constraints["family"] != "land")]
    return {
        "status": result.status,
        "message": result.solution.message,
        "objective": result.objective,
        "kpis": {name: _finite(value) for name, value in result.kpis.items()},
        "allocation": [[u, k, float(x)] for u, k, x in allocation[["unit", "industry", "land_km2"]].itertuples(index=False)],
        "binding": {name: _finite(price) for name, price in zip(binding["name"], binding["shadow_price"])},
        **_ranges(result),
    }


def _ranges(result) -> dict:
    """The land ranges of unit–industry pairs, when the scenario asks for them (``analysis.ranges``)."""
    table = result.method_tables.get("land_ranges")
    if table is None:
        return {}
    rows = table[table["level"] == "unit"]
    return {"ranges": [[u, k, float(low), float(high)] for u, k, low, high in
                       rows[["unit", "industry", "min_km2", "max_km2"]].itertuples(index=False)]}


def _finite(value) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else float(value)


# --------------------------------------------------------------------------- one run, anywhere


@dataclass(frozen=True)
class Task:
    """One run for a worker: its id, its varied values, where to keep its full results."""

    run_id: str
    varied: dict
    results_folder: str | None = None


_SWEEP: Sweep | None = None  # in a pool worker: the sweep it runs, given once when it starts


def execute(task: Task, sweep: Sweep | None = None) -> dict:
    """One run on any engine (top-level, so that it pickles by name).

    The worker rebuilds the run's scenario from the sweep, which reaches each worker once, so a
    task carries only the varied values and the driving process stays light.
    """
    return run_record((sweep or _SWEEP).scenario(task.varied), task.results_folder)


def _worker_started(parent: int, sweep: Sweep) -> None:
    global _SWEEP
    _SWEEP = sweep
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the driving process to handle
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """Exit when the driving process is gone (killed), instead of waiting for work forever."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


# --------------------------------------------------------------------------- the sweep folder


class SweepFolder:
    """``runs/<run_id>.json`` per finished run (and ``runs/<run_id>/`` with kept results)."""

    def __init__(self, path: Path):
        self.path = path
        self.runs = path / RUNS

    def prepare(self) -> None:
        if self.path.exists() and any(self.path.iterdir()) and not self.runs.is_dir():
            raise ScenarioError(
                "this folder exists and is not a sweep folder; a sweep never writes into other folders",
                file=self.path, valid="a new folder, or the folder of the same sweep to resume it",
            )
        self.runs.mkdir(parents=True, exist_ok=True)
        for leftover in self.runs.glob(".*.tmp-*"):  # from a run killed while writing
            leftover.unlink(missing_ok=True)

    def record_file(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.json"

    def results_folder(self, run_id: str) -> Path:
        return self.runs / run_id

    def finished(self) -> set[str]:
        """Runs with a record, except those that ended in error: a rerun tries those again, and
        those whose record is empty or cut short (a disk that filled up, a copy that stopped)."""
        records = {path.stem: self.read(path.stem) for path in self.runs.glob("*.json")}
        damaged = sorted(run_id for run_id, record in records.items() if record is None)
        if damaged:
            print(f"note: {len(damaged)} run record(s) in {self.runs} are empty or incomplete and will be run again: "
                  + ", ".join(damaged[:5]) + (", …" if len(damaged) > 5 else ""), file=sys.stderr)
        return {run_id for run_id, record in records.items() if record is not None and record["status"] != "error"}

    def read(self, run_id: str) -> dict | None:
        """A run's record, or None if there is none or it is not a whole record."""
        try:
            record = json.loads(self.record_file(run_id).read_bytes())
        except (OSError, ValueError):  # ValueError: not JSON, or not UTF-8
            return None
        return record if isinstance(record, dict) and RECORD_KEYS <= record.keys() else None

    def save(self, run: Run, base_hash: str, record: dict) -> None:
        data = {"run_id": run.run_id, "base": base_hash, "varied": run.varied, **record,
                "finished": datetime.now().isoformat(timespec="seconds")}
        write_atomic(self.record_file(run.run_id), json.dumps(data, indent=1, allow_nan=False))

    def load(self, run_id: str) -> dict:
        record = self.read(run_id)
        if record is None:
            raise ScenarioError("the run's record is empty or incomplete", file=self.record_file(run_id),
                                valid="resume the sweep (`optimizer sweep` on the same folder) to run it again")
        return record


# What every record holds (see run_record and SweepFolder.save); a record without them was cut short.
RECORD_KEYS = {"run_id", "base", "varied", "status", "objective", "kpis", "seconds", "binding", "allocation",
               "message", "finished"}


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed into place."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- driving the runs


class RunsLost(RuntimeError):
    """Some runs did not finish because the engine failed (a worker died); a rerun retries them."""


class Progress:
    """One line on stderr at most every `every` seconds: runs done, rate, time left."""

    def __init__(self, name: str, total: int, skipped: int, enabled: bool = True, every: float = 1.0):
        self.name, self.total, self.skipped, self.enabled, self.every = name, total, skipped, enabled, every
        self.done = 0
        self.statuses: Counter = Counter()
        self.started = self.shown = self.first = time.perf_counter()
        if skipped == total:
            self._say(f"all {total} runs finished earlier")
        elif skipped:
            self._say(f"{skipped} of {total} runs finished earlier; running the other {total - skipped}")

    def update(self, status: str) -> None:
        self.done += 1
        self.statuses[status] += 1
        now = time.perf_counter()
        if self.done == 1:
            self.first = now  # the rate to come is measured from here: the engine has started
        if now - self.shown >= self.every or self.skipped + self.done == self.total:
            self.shown = now
            self._say(self.line(now))

    def line(self, now: float) -> str:
        done = self.skipped + self.done
        text = f"{done}/{self.total} runs done"
        if done == self.total:
            rate = self.done / (now - self.started) if now > self.started else 0.0
            statuses = ", ".join(f"{n} {status}" for status, n in self.statuses.most_common())
            return f"{text} in {_duration(now - self.started)}, {rate:.1f} runs/s ({statuses})"
        if self.done >= 2 and now > self.first:
            rate = (self.done - 1) / (now - self.first)
            text += f", {rate:.1f} runs/s, about {_duration((self.total - done) / rate)} left"
        return text

    def _say(self, text: str) -> None:
        if self.enabled:
            print(f"sweep {self.name}: {text}", file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def run_sweep(
    sweep: Sweep,
    runs: list[Run],
    folder: SweepFolder,
    *,
    workers: int | None = None,
    client=None,
    keep_results: bool = False,
    progress: bool = True,
) -> int:
    """Run every run of `runs` not finished in `folder`; returns how many ran.

    On `client` (a Dask distributed client, see :func:`connect`) if given, else on `workers`
    local processes (default: one per core), or in this process with ``workers=1``.

    Raises KeyboardInterrupt after stopping the engine (finished runs are saved), and RunsLost
    when the engine failed on some runs.
    """
    finished = folder.finished()
    todo = [
        run for run in runs
        if run.run_id not in finished or (keep_results and not folder.results_folder(run.run_id).exists())
    ]
    meter = Progress(sweep.name, len(runs), len(runs) - len(todo), enabled=progress)
    tasks = (
        Task(run.run_id, run.varied, str(folder.results_folder(run.run_id)) if keep_results else None)
        for run in todo
    )
    by_id = {run.run_id: run for run in todo}

    def finish(task: Task, record: dict) -> None:
        folder.save(by_id[task.run_id], sweep.base_hash, record)
        meter.update(record["status"])

    workers = workers or os.cpu_count() or 1
    lost: list[str] = []
    if not todo:
        return 0
    if client is not None:
        lost = _on_dask(client, sweep, tasks, finish)
    elif workers > 1:
        lost = _on_processes(workers, sweep, tasks, finish)
    else:
        for task in tasks:
            finish(task, execute(task, sweep))
    if lost:
        raise RunsLost(f"{len(lost)} runs did not finish ({lost[0]}); run the sweep again to retry them")
    return len(todo)


def _on_processes(workers: int, sweep: Sweep, tasks: Iterable[Task], finish) -> list[str]:
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started,
        initargs=(os.getpid(), sweep),
    )
    try:
        return _drive(pool, 2 * workers, tasks, finish)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class EngineNotInstalled(ImportError):
    """A Dask scheduler was asked for but Dask distributed, an optional extra, is not installed."""


def connect(address: str):
    """A Dask distributed client of the scheduler at `address` (bad input if it cannot be reached)."""
    try:
        from distributed import Client
    except ImportError:
        raise EngineNotInstalled(
            "a sweep on a Dask scheduler needs Dask distributed, which is not installed here: "
            'python -m pip install "cq-site-optimizer[distributed]" (in a clone: python -m pip install ".[distributed]")'
        ) from None

    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as error:
        raise ScenarioError(f"cannot reach the Dask scheduler at {address}: {error}", field="--scheduler",
                            valid="the address of a running dask scheduler, e.g. tcp://10.0.0.5:8786") from None


def _on_dask(client, sweep: Sweep, tasks: Iterable[Task], finish) -> list[str]:
    slots = sum(client.nthreads().values()) or 1
    shared = client.scatter(sweep, broadcast=True)  # once to every worker; tasks refer to it
    return _drive(client.get_executor(pure=False), 2 * slots, tasks, finish, shared)


def _drive(engine: Executor, limit: int, tasks: Iterable[Task], finish: Callable[[Task, dict], None], *args) -> list[str]:
    """Keep `limit` runs in flight (``execute(task, *args)``); hand each record to `finish`. Returns lost runs."""
    pending: dict[Future, Task] = {}
    lost: list[str] = []
    queue = iter(tasks)
    try:
        while True:
            for task in queue:
                try:
                    pending[engine.submit(execute, task, *args)] = task
                except BrokenExecutor as error:  # a worker died and took the pool with it
                    lost.extend(f"run {t.run_id}: {type(error).__name__}: {error}" for t in [task, *queue])
                if len(pending) >= limit:
                    break
            if not pending:
                return lost
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                try:
                    record = future.result()
                except Exception as error:  # noqa: BLE001 - the engine failed (a worker died), not the run
                    lost.append(f"run {task.run_id}: {type(error).__name__}: {error}")
                    continue
                finish(task, record)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
