"""Limits and verdicts in sentences: the shadow price of a limit in words, a name with its Chinese
name, whether the plan is the only optimal one. The markdown and HTML reports and the CLI say them alike."""

from __future__ import annotations

import pandas as pd

from ..core.formatting import number_text

PRICE_ZERO = 1e-9  # |shadow price| at or below this: the limit is worth nothing at the margin
REPORT_ROWS = 200  # rows of a long table shown in a report (grid scenarios have 100,000s)


def named(row_name: str, row_name_zh: str) -> str:
    return f"{row_name} ({row_name_zh})" if row_name_zh else row_name


def price_in_words(row: pd.Series, sense: str) -> str:
    """'city carbon budget of 20 Mt CO2 — one t CO2 more would add 1,234 yuan output'.

    A limit's meaning is a noun phrase ("land available in Fuling") or a clause ("health takes
    at least 20% of …"): the dash reads right after either. A shadow price is the objective's gain
    (positive: better) per unit relaxed, so for a minimised objective (``sense`` "min") a positive
    price takes that much away from it.
    """
    relax = "more" if row["sense"] != ">=" else "less"
    unit = row["unit"].replace("km2", "km²")
    gain = row["shadow_price"]
    what = row["shadow_price_unit"].split(" per ")[0]
    change = gain if sense == "max" else -gain  # of the objective's value
    verb = "add" if change >= 0 else "cost" if sense == "max" else "remove"
    return f"{row['meaning']} — one {unit} {relax} would {verb} {_amount(abs(gain))} {what}"


def _amount(value: float) -> str:
    """0.0312 / 1,500 / 36.4 million / 12.3 billion: readable at any size."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{value / size:,.1f} {word}"
    return number_text(value, 0) if value >= 100 or value == 0 else f"{value:.3g}"


def uniqueness_line(result) -> str:
    """Whether the plan is the only optimal one, in a sentence, and what the run did about it."""
    line = result.uniqueness.words()
    if "tie_break" in result.solution.options:
        line += " This plan is the one the tie-break rule picks (least carbon, then fixed weights per pair)."
    elif result.uniqueness.verdict == "not unique" and "land_ranges" not in result.method_tables:
        line += " Ask for ranges (--ranges) to see which parts are forced and which are free."
    ranges = result.method_tables.get("land_ranges")
    if ranges is not None:
        pairs = ranges[ranges["level"] == "unit"]
        tolerance = float(ranges["tolerance"].iloc[0]) if len(ranges) else 0.0
        if not len(pairs):
            line += " The ranges (land_ranges.csv) are by zone and industry."
        elif tolerance == 0:
            line += (f" Of the {len(pairs):,} unit–industry pairs that receive land in some optimal plan, "
                     f"{int(pairs['forced'].sum()):,} are forced (the same land in every one; land_ranges.csv).")
        else:
            line += (f" Within {tolerance:.3g} of the optimum, {len(pairs):,} unit–industry pairs can receive land; "
                     f"their least and most are in land_ranges.csv.")
    return line
