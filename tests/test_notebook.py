"""The example notebooks run from start to end."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.ipynb"))


def _outputs(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts += [str(value) for value in output.get("data", {}).values()] + [output.get("text", "")]
    return "\n".join(texts)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = _outputs(notebook)
    if path.stem == "compare-variants":
        assert "Comparison of 3 runs" in out and "Scenario chongqing-default" in out
        assert "budget-15: 1 setting(s) and 0 data cell(s) differ" in out
        assert "no-chemicals: 0 setting(s) and 1 data cell(s) differ" in out
        (folder,) = (tmp_path / "results").iterdir()
        assert (folder / "comparison.html").is_file()


def test_there_is_an_example():
    assert any(p.stem == "compare-variants" for p in EXAMPLES)
