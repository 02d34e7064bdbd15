"""The multi-criteria methods on the Chongqing default: the frontier's shape, its prices, and how the
weighted and lexicographic solutions sit against it."""

from __future__ import annotations

import numpy as np
import pytest

import optimizer
from conftest import DISTRICTS


@pytest.fixture(scope="module")
def default():
    return optimizer.load_scenario(DISTRICTS)


@pytest.fixture(scope="module")
def front(default):
    return optimizer.frontier(default, x="carbon", y="output", points=9)


def epsilon(scenario, carbon_t):
    return scenario.with_changes(objective={"method": "epsilon", "optimize": "output", "bounds": {"carbon": carbon_t}})


def test_frontier_shape(front, default):
    assert (front["status"] == "optimal").all()
    # Output never decreases as the carbon bound loosens, and every point meets its bound.
    assert (np.diff(front["bound"]) > 0).all()
    assert (np.diff(front["y"]) >= -1e-6).all()
    assert (front["x"] <= front["bound"] * (1 + 1e-9)).all()
    # No point is dominated by another (checked here independently of the table's own flag).
    xs, ys = front["x"].to_numpy(), front["y"].to_numpy()
    for i in range(len(front)):
        others = np.arange(len(front)) != i
        dominated = (xs[others] <= xs[i] + 1e-3) & (ys[others] >= ys[i] - 1e-6) & (
            (xs[others] < xs[i] - 1e-3) | (ys[others] > ys[i] + 1e-6)
        )
        assert not dominated.any(), i
    assert front["efficient"].all()
    # The end with the most output is the default's single-objective optimum, under its 20 Mt budget.
    assert front["y"].iloc[-1] == pytest.approx(optimizer.solve(default).objective, rel=1e-6)
    assert front["x"].iloc[-1] <= 20e6 * (1 + 1e-9)
    assert front["knee"].sum() == 1


def test_shadow_prices_match_finite_differences(front, default):
    # Concave frontier: at an interior point the price (yuan per t) lies between the slopes of
    # the chords to its neighbours ...
    slopes = np.diff(front["y"]) / np.diff(front["x"]) * 1e8
    prices = front["shadow_price"].to_numpy()
    for i in range(1, len(front) - 1):
        assert slopes[i] * (1 - 1e-6) - 1e-6 <= prices[i] <= slopes[i - 1] * (1 + 1e-6) + 1e-6, i
    # ... and equals the central difference of output over ±1 t of bound around two points.
    for i in (2, 5):
        bound = front["bound"].iloc[i]
        up, down = (optimizer.solve(epsilon(default, bound + d)).objective for d in (1.0, -1.0))
        assert (up - down) / 2 * 1e8 == pytest.approx(prices[i], rel=1e-4)


def test_weighted_solution_lies_on_the_frontier(default):
    weighted = optimizer.solve(default.with_changes(objective={"method": "weighted", "weights": {"output": 1, "carbon": 1}}))
    assert weighted.status == "optimal"
    carbon, output = weighted.kpis["carbon_t"], weighted.kpis["output_100m_yuan"]
    # Bounding carbon at the weighted plan's emissions, the most output there is is its output.
    on_frontier = optimizer.solve(epsilon(default, carbon * (1 + 1e-9)))
    assert on_frontier.objective == pytest.approx(output, rel=1e-6)
    # It is a compromise, strictly inside both ends.
    payoff = weighted.method_tables["payoff"].set_index("optimised")
    assert payoff.loc["carbon", "carbon"] < carbon < payoff.loc["output", "carbon"]


def test_lexicographic_keeps_output_and_gains_jobs(default):
    single = optimizer.solve(default)
    objective = {"method": "lexicographic", "order": ["output", "jobs"], "tolerance": {"output": {"relative": 0.01}}}
    lexicographic = optimizer.solve(default.with_changes(objective=objective))
    assert lexicographic.status == "optimal"
    assert lexicographic.kpis["output_100m_yuan"] >= 0.99 * single.objective * (1 - 1e-9)
    assert lexicographic.kpis["jobs"] > single.kpis["jobs"] * 1.001
    assert lexicographic.kpis["carbon_t"] <= 20e6 * (1 + 1e-9)


def test_the_frontier_chart_reads_in_mt_with_ticks_apart(front):
    from optimizer.reporting.frontier import plot_frontier

    figure = plot_frontier(front)
    figure.canvas.draw()
    axes = figure.axes[1]
    assert axes.get_xlabel() == "carbon emissions bound (Mt CO2)"
    ticks = [label for label in axes.get_xticklabels() if label.get_text() and label.get_visible()]
    shown = [label for label in ticks if axes.get_xlim()[0] <= label.get_position()[0] <= axes.get_xlim()[1]]
    assert all(float(label.get_text().replace(",", "")) < 100 for label in shown)  # Mt, not t
    boxes = sorted((label.get_window_extent() for label in shown), key=lambda box: box.x0)
    assert len(boxes) >= 3 and all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:]))
    import matplotlib.pyplot as plt

    plt.close(figure)
