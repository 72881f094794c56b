"""The paper exam's own packages (typst, pandoc, segno) are the `exam` extra: a grading install leaves them out, so
`cnnlab exam` checks for them first and says in one line what to install, instead of a traceback."""

from __future__ import annotations

import importlib.util

EXAM_EXTRA = "exam"
EXAM_PACKAGES = {"typst": "typst", "pypandoc": "pypandoc-binary", "segno": "segno"}  # module -> distribution


def require_exam_extra() -> None:
    """Raise a one-line OSError naming the extra when any of the paper exam's packages is missing."""
    missing = [dist for module, dist in EXAM_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise OSError(f"printable exams need the '{EXAM_EXTRA}' extra ({', '.join(missing)} not installed): "
                      f"pip install 'cnnlab[{EXAM_EXTRA}]'")
