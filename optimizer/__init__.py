"""Chongqing low-carbon site-allocation optimizer.

    import optimizer
    scenario = optimizer.load_scenario()          # the embedded Chongqing default
    result = optimizer.solve(scenario)            # HiGHS by default
    result.allocation, result.by_zone, result.constraints, result.kpis
    result.save()                                 # a new folder under results/
"""

from .api import solve
from .errors import ScenarioError, SolverUnavailable
from .model import Model, build
from .result import Result
from .scenario import Scenario, default_scenario_path, load_scenario
from .sweeps import sweep, sweep_result

__version__ = "0.1.0"

__all__ = [
    "Model",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolverUnavailable",
    "build",
    "default_scenario_path",
    "load_scenario",
    "solve",
    "sweep",
    "sweep_result",
    "__version__",
]
