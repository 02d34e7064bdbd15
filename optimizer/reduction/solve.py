"""The one place a model is reduced before it is solved: exact reductions (if on), the solve, the split."""

from __future__ import annotations

import time

from ..compile.model import Model
from ..core.outcomes import Solution
from ..core.progress import Progress
from ..schema.run_settings import SolverSettings
from ..solvers.dispatch import solve_as_built
from .matrix_merge import reduction_of


def solve_model(model: Model, settings: SolverSettings, progress: Progress | None = None) -> Solution:
    """Solve the model (after exact reductions, if on) and report what the solver proved."""
    progress = progress or Progress(enabled=False)
    if settings.reduce:
        started = time.perf_counter()
        reduction = reduction_of(model)  # found already when optimizer.solve ran its checks on it
        if reduction is not None:
            solution = reduction.expand(solve_as_built(reduction.model, settings, progress))
            solution.seconds = time.perf_counter() - started  # splitting counts too
            return solution
    return solve_as_built(model, settings, progress)
