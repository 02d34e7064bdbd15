"""The model's shape: families that add variables are counted by every other limit."""

from __future__ import annotations

import types

import pandas as pd
import pytest

import optimizer
import optimizer.rules
from conftest import write_tiny


def test_a_family_adding_variables_is_covered_by_land_carbon_and_bounds(tmp_path, monkeypatch):
    # A toy family adds one binary "project" in u2 needing 4 km², yielding 45 and emitting 1 Mt.
    def add_variables(builder):
        builder.add_variables("project", pd.DataFrame({
            "name": ["y[p,u2]"], "unit": ["u2"], "zone": ["b"], "industry": ["hi"], "category": ["m"],
            "upper": [1.0], "integer": [True], "land": [4.0], "output": [45.0], "carbon": [1e6],
        }))

    def tables(result):
        placed = result.contributions[result.contributions["kind"] == "project"]
        return {"toy_projects": placed[["name", "unit", "value"]]}

    toy = types.SimpleNamespace(
        FAMILY="toy", add_variables=add_variables, add_constraints=lambda builder: None, tables=tables
    )
    monkeypatch.setattr(optimizer.rules, "RULE_FAMILIES", (*optimizer.rules.RULE_FAMILIES, toy))
    # Budget 6.5 Mt. Without the project: h + l ≤ 15, 0.5h + 0.1l ≤ 6.5 → h = 12.5, l = 2.5: 135.
    # With it (4 km² of u2, 1 Mt): h + l ≤ 11, 0.5h + 0.1l ≤ 5.5 → h = 11, l = 0: 110 + 45 = 155.
    result = optimizer.solve(write_tiny(tmp_path, {"carbon_budget": {"total_mt": 6.5}}))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(155)
    c = result.constraints.set_index("name")
    assert c.loc["land[u2]", "activity"] == pytest.approx(5)  # 4 km² of project + 1 of hi
    assert c.loc["carbon_budget", "activity"] == pytest.approx(6.5e6)
    assert result.kpis["output_100m_yuan"] == pytest.approx(155)
    assert result.by_zone.set_index("zone").loc["b", "land_km2"] == pytest.approx(5)
    assert result.model.is_mip and result.summary()["size"]["integer_variables"] == 1
    # The allocation table is x[u,k] only: 10 km² of hi in u1 and 1 in u2.
    assert result.allocation.set_index("unit")["land_km2"].to_dict() == pytest.approx({"u1": 10, "u2": 1})
    # The family's own table is reported in the results folder and report.
    folder = result.save(tmp_path / "run")
    assert pd.read_csv(folder / "toy_projects.csv").to_dict("records") == [{"name": "y[p,u2]", "unit": "u2", "value": 1.0}]
    assert "## Toy projects" in (folder / "report.md").read_text()


def test_candidate_pairs_are_the_same_whether_pandas_keeps_text_in_arrow_or_in_objects(monkeypatch):
    import numpy as np

    from optimizer.rules import pairs

    scenario = optimizer.load_scenario()  # 38 districts × 16 industries
    arrow = pairs.candidate_pairs(scenario)
    monkeypatch.setattr(pairs, "TEXT", np.dtype(object))  # pandas 2: text as Python strings
    plain = pairs.candidate_pairs(scenario)
    assert arrow.equals(plain) and list(arrow.dtypes) == list(plain.dtypes)
    assert arrow["name"].iloc[17] == f"x[{arrow['unit'].iloc[17]},{arrow['industry'].iloc[17]}]"
