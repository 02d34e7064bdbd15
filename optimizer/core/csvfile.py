"""The CSV files the tool writes: one writer for every table, fast at 100,000s of rows, and one
reader for reading them back.

pandas formats each number in Python: about 1 s for the million numbers of a 50,000-cell run.
Arrow's writer formats them in C++ (about 0.1 s). The look is a little different from pandas':
strings are quoted, ``1.0`` is written ``1``, and booleans are ``true``/``false``. A table that
Arrow cannot type or write (a column mixing Python objects, or holding lists) is written by pandas.

Every file starts with a UTF-8 byte-order mark, so that Excel on a Chinese (or any) Windows reads
the names as UTF-8 rather than in the local code page; pandas and the scenario loader skip it.

Two kinds of table are written (``write_csv``):

- ``exact=True`` (the resolved scenario under ``scenario/``, read again by ``optimizer run``):
  every value as it was, each float in the shortest form that reads back to the same value.
- results tables (the default): each float rounded to ``SIGNIFICANT_DIGITS`` significant digits,
  so that ``0.1 + 0.2`` reads ``0.3`` rather than ``0.30000000000000004``. That is far below the
  solver's own tolerance (1e-7) and ``rerun``'s (1e-6). Text that a spreadsheet would take for a
  formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
  ``'``, as OWASP advises against CSV injection; so does text that begins with ``'``, so that
  ``read_csv`` can take exactly one ``'`` off again. Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

_OPTIONS = arrow_csv.WriteOptions(quoting_style="needed")
BOM = "\ufeff".encode("utf-8")
SIGNIFICANT_DIGITS = 10
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as CSV (UTF-8 without a byte-order mark, header line, no index), every value as it is."""
    buffer = io.BytesIO()
    try:
        arrow_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, _OPTIONS)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        return frame.to_csv(index=False).encode("utf-8")  # lists, mixed objects, repeated column names
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    return csv_bytes(frame).decode("utf-8")


def table_bytes(frame: pd.DataFrame, exact: bool = False) -> bytes:
    """The file a person opens: a results table unless ``exact`` (see the module's docstring)."""
    return BOM + csv_bytes(frame if exact else for_reading(frame))


def write_csv(frame: pd.DataFrame, path: str | Path, exact: bool = False) -> None:
    Path(path).write_bytes(table_bytes(frame, exact))


TEXT_COLUMNS = ("unit", "zone", "industry", "category", "project", "park", "name")  # ids and names


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a results table that ``write_csv`` wrote, with the text as it was before the leading ``'``.

    Only an empty cell is missing: pandas would read the ids ``NA``, ``None``, ``null`` or ``nan``
    as missing too. Id and name columns stay text."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dict.fromkeys(TEXT_COLUMNS, str))
    for column in frame.columns:
        values = frame[column]
        if not _is_text(values):
            continue
        quoted = values.map(lambda value: isinstance(value, str) and value.startswith("'"))
        if quoted.any():
            frame[column] = values.where(~quoted, values[quoted].str[1:])
    return frame


def for_reading(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its floats rounded to SIGNIFICANT_DIGITS and formula-like text neutralised."""
    frame = frame.copy()
    for position in range(frame.shape[1]):  # by position: pandas allows repeated column names
        values = frame.iloc[:, position]
        if pd.api.types.is_float_dtype(values.dtype):
            frame.isetitem(position, _significant(values.to_numpy(dtype=float)))
        elif _is_text(values):
            frame.isetitem(position, _neutralised(values))
    return frame


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def _neutralised(values: pd.Series) -> pd.Series:
    # Vectorized: a Python test per cell cost 0.2 s per 200,000 ids; only the few flagged are checked.
    cells = values.to_numpy(dtype=object)
    flagged = np.flatnonzero(values.astype(str).str.startswith(_FORMULA_START).to_numpy(dtype=bool))
    flagged = [i for i in flagged if isinstance(cells[i], str) and not _is_number(cells[i])]
    if not flagged:
        return values
    cells = cells.copy()
    cells[flagged] = ["'" + cells[i] for i in flagged]
    return pd.Series(cells, index=values.index, name=values.name)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def _significant(values: np.ndarray) -> np.ndarray:
    """Each value rounded to SIGNIFICANT_DIGITS, as the nearest float to its decimal rounding."""
    rounded = values.copy()
    finite = np.isfinite(values) & (values != 0)
    exponent = np.zeros(len(values), dtype=int)
    exponent[finite] = SIGNIFICANT_DIGITS - 1 - np.floor(np.log10(np.abs(values[finite]))).astype(int)
    # Powers of ten up to 1e22 are exact floats: scaling by one, rounding to a whole number and
    # scaling back gives the float nearest the decimal. Other magnitudes go through Python's format.
    up = finite & (exponent >= 0) & (exponent <= 22)
    down = finite & (exponent < 0) & (exponent >= -22)
    rounded[up] = np.round(values[up] * 10.0 ** exponent[up]) / 10.0 ** exponent[up]
    rounded[down] = np.round(values[down] / 10.0 ** -exponent[down]) * 10.0 ** -exponent[down]
    for index in np.flatnonzero(finite & ~up & ~down):
        rounded[index] = float(f"{values[index]:.{SIGNIFICANT_DIGITS}g}")
    return rounded
