"""The sandbox's shell accepts what Jupyter, Colab and VS Code accept: magics, display() and google.colab imports."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from generator.limits import Limits
from grader.sandbox import Job, Outcome, Sandbox

LIMITS = Limits(cell_timeout_s=10.0, total_timeout_s=30.0, cpu_s=30.0, memory_mb=1024, max_processes=16,
                max_output_bytes=20_000)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(workers=1, limits=LIMITS) as box:
        yield box


def run(sandbox: Sandbox, *cells: str, variables: tuple[str, ...]) -> Outcome:
    return sandbox.run(Job("habits", tuple(cells), variables))


def test_matplotlib_magic_with_any_backend_leaves_the_rest_of_the_cell_running(sandbox: Sandbox) -> None:
    backends = ("inline", "", "notebook", "widget", "ipympl", "qt", "tk", "osx")
    cells = [f"%matplotlib {backend}\nimport numpy as np\nx_{index} = int(np.sum(np.ones({index + 1})))"
             for index, backend in enumerate(backends)]
    outcome = run(sandbox, *cells, "%gui qt\ny = 1", variables=(*(f"x_{i}" for i in range(len(backends))), "y"))
    assert outcome.status == "ok" and outcome.cell_errors == (), (outcome.reason, outcome.cell_errors)
    assert outcome.variables == {**{f"x_{i}": i + 1 for i in range(len(backends))}, "y": 1}


def test_config_autoreload_capture_and_display_of_figures(sandbox: Sandbox) -> None:
    outcome = run(sandbox,
                  "%config InlineBackend.figure_format = 'retina'\n%config Completer.use_jedi = False\na = 1",
                  "%load_ext autoreload\n%autoreload 2\nb = 2",
                  "%%capture captured\nprint('only in the capture')\nc = 3",
                  "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2, 3])\ndisplay(fig)\n"
                  "plt.show()\nd = len(fig.axes)",
                  "e = captured.stdout.strip()",
                  variables=("a", "b", "c", "d", "e"))
    assert outcome.status == "ok" and outcome.cell_errors == (), (outcome.reason, outcome.cell_errors)
    assert outcome.variables == {"a": 1, "b": 2, "c": 3, "d": 1, "e": "only in the capture"}
    assert "only in the capture" not in outcome.stdout
    assert "<Figure size" in outcome.stdout, "display() of a figure shows it as text, as a console would"


def test_google_colab_imports_run_against_a_stand_in(sandbox: Sandbox) -> None:
    outcome = run(sandbox,
                  "from google.colab import drive, files\ndrive.mount('/content/drive')\nuploaded = files.upload()\n"
                  "import numpy as np\na = int(np.arange(4).sum())",
                  "from google.colab.patches import cv2_imshow\ncv2_imshow(None)\nimport google.colab\n"
                  "google.colab.output.clear()\nb = uploaded is None",
                  "import no_such_module_here",
                  variables=("a", "b"))
    assert outcome.variables == {"a": 6, "b": True}
    assert [(e.cell, e.name) for e in outcome.cell_errors] == [(2, "ModuleNotFoundError")], \
        "only google.colab gets a stand-in; other missing modules stay missing"
