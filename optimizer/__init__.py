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

from .analysis.multicriteria import frontier, payoff_table
from .compile.model import Model, build
from .core.errors import ScenarioError, SolverUnavailable
from .core.version import __version__
from .reporting.comparison import Comparison, compare
from .results.result import Result
from .scenario.files import default_scenario_path
from .scenario.loading import load_scenario
from .scenario.model import Scenario
from .workflows.rerun import rerun
from .workflows.run import solve
from .workflows.sweeps import sweep, sweep_result


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
