"""Chongqing low-carbon site-allocation optimizer.

    import optimizer
    scenario = optimizer.load_scenario()          # the embedded Chongqing default
    result = optimizer.solve(scenario)            # HiGHS by default
    result.allocation, result.by_zone, result.constraints, result.kpis
    result.save()                                 # a new folder under results/
    optimizer.compare([result, other])            # or results folders: what changed, and what it did
    optimizer.frontier(scenario, x="carbon", y="output", points=11)   # Pareto frontier (DataFrame)
    optimizer.payoff_table(scenario)              # each criterion optimised alone
"""

from .api import solve
from .comparison import Comparison, compare
from .errors import ScenarioError, SolverUnavailable
from .model import Model, build
from .multicriteria import frontier, payoff_table
from .provenance import rerun
from .result import Result
from .scenario import Scenario, default_scenario_path, load_scenario
from .sweeps import sweep, sweep_result

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Model",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolverUnavailable",
    "build",
    "compare",
    "default_scenario_path",
    "frontier",
    "load_scenario",
    "payoff_table",
    "rerun",
    "solve",
    "sweep",
    "sweep_result",
    "__version__",
]
