"""Every notebook under analyses/ runs top to bottom and renders results as tables."""
import nbformat
import pytest
from nbclient import NotebookClient

from survrepro import paths

pytestmark = pytest.mark.slow  # starts a kernel per notebook

NOTEBOOKS = sorted(paths.ANALYSES.rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(paths.ANALYSES)))
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_notebook_executes(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    html = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert html, "no cell rendered an HTML table"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
