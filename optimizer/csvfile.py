"""The CSV files the tool writes: one writer for every table, fast at 100,000s of rows, and one
reader for reading them back.

pandas formats each number in Python: about 1 s for the million numbers of a 50,000-cell run.
Arrow's writer formats them in C++ (about 0.1 s). The values read back the same, because every
float is written in its shortest form that round-trips. The look is a little different: strings
are quoted, ``1.0`` is written ``1``, and booleans are ``true``/``false``. A table that Arrow
cannot type or write (a column mixing Python objects, or holding lists) is written by pandas.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

_OPTIONS = arrow_csv.WriteOptions(quoting_style="needed")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV (UTF-8, header line, no index)."""
    buffer = io.BytesIO()
    try:
        arrow_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, _OPTIONS)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return frame.to_csv(index=False).encode("utf-8")  # lists, mixed objects, repeated column names
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    return csv_bytes(frame).decode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).write_bytes(csv_bytes(frame))


TEXT_COLUMNS = ("unit", "zone", "industry", "category", "project", "park", "name")  # ids and names


def read_csv(path: str | Path) -> pd.DataFrame:
    """A table the tool wrote, read back. Only an empty cell is missing: pandas would read the ids
    ``NA``, ``None``, ``null`` or ``nan`` as missing too. Id and name columns stay text."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dict.fromkeys(TEXT_COLUMNS, str))
