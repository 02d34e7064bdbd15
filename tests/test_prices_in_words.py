"""What the console summary and the reports say in words: shadow prices in either sense, the
objective's value, the gap. On the tiny scenario (conftest.py) with lo ≥ 5 km² (lo: output 4,
carbon 100,000 t per km²; hi: output 10, carbon 500,000 t)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import industries, write_tiny
from optimizer.cli import main
from optimizer.reporting.words import price_in_words

FLOOR = "minimum land for Low carbon city-wide — one km² less would"


@pytest.mark.parametrize(
    "objective,sentence",
    [
        # Minimise carbon: lo 5, hi 0, 500,000 t; one km² less of lo takes 100,000 t away.
        ("carbon", f"{FLOOR} remove 100,000 t CO2 carbon"),
        # Maximise output: hi 10, lo 5 → 120; one km² less of lo gives it to hi: 6 (100m yuan) more.
        ("output", f"{FLOOR} add 600.0 million yuan output"),
    ],
)
def test_a_shadow_price_in_words_says_which_way_the_objective_moves(tmp_path, capsys, objective, sentence):
    path = write_tiny(tmp_path / "s", {"objective": objective}, industries=industries(lo=(5, None)))
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out)]) == 0
    assert f"binds:  industry_min[lo]: {sentence}" in capsys.readouterr().out
    assert f"- `industry_min[lo]`: {sentence}." in (out / "report.md").read_text(encoding="utf-8")
    assert f"<code>industry_min[lo]</code>: {sentence}." in (out / "report.html").read_text(encoding="utf-8")


def test_a_negative_price_in_either_sense():
    row = pd.Series({"sense": "<=", "unit": "km2", "meaning": "land available in u1", "shadow_price": -2.0,
                     "shadow_price_unit": "t CO2 carbon per km2"})
    assert price_in_words(row, "min").endswith("would add 2 t CO2 carbon")
    assert price_in_words(row.replace("t CO2 carbon per km2", "yuan output per km2"), "max").endswith("would cost 2 yuan output")
