"""The one CSV writer: every value reads back as it was, whatever Arrow can or cannot type."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from packaging.version import Version

from optimizer.core.csvfile import csv_text, write_csv


# pandas before 3.1 parses "0.30000000000000004" as 0.3 unless told to round-trip (3.1 does by
# default, and deprecates the option): the text written is exact either way.
EXACT = {"float_precision": "round_trip"} if Version(pd.__version__) < Version("3.1") else {}


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], **EXACT)


def test_floats_read_back_exactly():
    floats = [0.1 + 0.2, 1e-20, 123456789012.0, 5e-324, 1.7976931348623157e308, -0.0, np.inf, -np.inf, np.nan, 2 / 3]
    frame = pd.DataFrame({"id": [f"u{i}" for i in range(len(floats))], "value": floats, "flag": [True, False] * 5})
    back = _read(csv_text(frame))
    assert back["id"].tolist() == frame["id"].tolist() and back["flag"].tolist() == frame["flag"].tolist()
    np.testing.assert_array_equal(back["value"].to_numpy(), frame["value"].to_numpy())  # NaN == NaN here
    assert np.signbit(back["value"].iloc[5])  # -0.0 stays negative


def test_text_with_commas_quotes_and_chinese_survives(tmp_path):
    frame = pd.DataFrame({"name": ['a, "b"', "渝中区", None], "x": [1.5, None, 3.0]})
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False, na_values=[""])
    assert back["name"].tolist()[:2] == ['a, "b"', "渝中区"] and pd.isna(back["name"].iloc[2])
    assert back["x"].tolist()[0] == 1.5 and pd.isna(back["x"].iloc[1])


def test_a_column_of_mixed_objects_is_still_written():
    frame = pd.DataFrame({"value": [1, "two", 3.5], "n": [1, 2, 3]})  # Arrow cannot type "value"
    assert _read(csv_text(frame)).astype(str).values.tolist() == [["1", "1"], ["two", "2"], ["3.5", "3"]]


def test_what_arrow_cannot_write_is_written_by_pandas():
    lists = pd.DataFrame({"ids": [["a", "b"], []], "n": [1, 2]})
    assert csv_text(lists) == lists.to_csv(index=False)
    repeated = pd.DataFrame([[1, 2]], columns=["x", "x"])
    assert csv_text(repeated) == "x,x\n1,2\n"


def test_results_tables_round_floats_for_reading(tmp_path):
    frame = pd.DataFrame({"x": [81.24199999999999, 0.1 + 0.2, -3.0000000000000004, 8.694419179217865, 1e-30, np.nan],
                          "n": range(6)})
    write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["81.242", "0.3", "-3", "8.694419179", "1e-30", ""]
    write_csv(frame, tmp_path / "exact.csv", exact=True)  # the resolved scenario: every digit
    # Read as text and parsed by float(), as the scenario loader does (pandas before 3 parses floats
    # to within an ulp unless asked for round trips).
    cells = pd.read_csv(tmp_path / "exact.csv", dtype=str, keep_default_na=False)["x"]
    np.testing.assert_array_equal([float(cell) if cell else np.nan for cell in cells], frame["x"].to_numpy())


def test_every_written_file_opens_as_utf8_in_excel(tmp_path):
    write_csv(pd.DataFrame({"name": ["渝中区"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # the mark Excel reads as UTF-8
    assert pd.read_csv(tmp_path / "t.csv").columns.tolist() == ["name"]


def test_formula_like_text_is_neutralised_and_reads_back():
    from optimizer.core.csvfile import for_reading, read_csv

    names = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "'quoted", "-5", "plain", None]
    frame = pd.DataFrame({"name": names, "value": [-1.5] * len(names)})
    written = for_reading(frame)
    assert written["name"].tolist()[:-1] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx",
                                             "''quoted", "-5", "plain"]
    assert written["value"].tolist() == [-1.5] * len(names)  # a negative number stays a number
    back = read_csv(io.StringIO(csv_text(written)))
    assert back["name"].tolist()[:-1] == names[:-1] and pd.isna(back["name"].iloc[-1])
