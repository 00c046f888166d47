"""docs/teaching.ipynb runs from top to bottom (nbclient), so the lecture cannot rot: every cell executes
without error, and its tables and figures are really shown (HTML and PNG outputs)."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "teaching.ipynb"


def test_teaching_notebook_executes(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        "the notebook is stored without outputs"
    # the kernel imports this checkout, whether or not it is installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if o.get("data", {}).get("text/html")]
    png = [o for o in outputs if o.get("data", {}).get("image/png")]
    assert len(html) >= 6 and len(png) >= 8
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "bits/symbol" in text and "golomb(m=" in text and "H0" in text
