"""The instructor notebook runs top to bottom in a real Jupyter kernel (nbclient + ipykernel), checks included."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from generator.build import build_student
from generator.notebook import dumps
from generator.roster import Student
from generator.spec import load_spec
from tests.generator.conftest import SECRET, SPEC


def test_instructor_notebook_executes_in_a_kernel(tmp_path: Path) -> None:
    files = build_student(load_spec(SPEC), Student("s-kernel", "Kernel Test"), SECRET)
    notebook = nbformat.reads(files.texts["instructor"], as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",  # jupyter_client runs it with our python
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    checks = sum(1 for c in notebook.cells if c.metadata.get("cnnlab", {}).get("role") == "check")
    assert printed.count("sanity checks passed") == checks == 5  # conv2d, a pool, a backward pass, LeNet-5, filters
    assert dumps(notebook) != files.texts["instructor"]  # it really ran: outputs were recorded
