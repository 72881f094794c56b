"""Reading scans needs the `scan` extra (zxing-cpp, pypdfium2, scipy, segno), which a grading install leaves out:
`cnnlab scan` checks for it first and says in one line what to install, instead of a traceback."""

from __future__ import annotations

import importlib.util

SCAN_EXTRA = "scan"
SCAN_PACKAGES = {"zxingcpp": "zxing-cpp", "pypdfium2": "pypdfium2", "scipy": "scipy", "segno": "segno"}


def require_scan_extra() -> None:
    """Raise a one-line OSError naming the extra when any package the scan reader needs is missing."""
    missing = [dist for module, dist in SCAN_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise OSError(f"reading scans needs the '{SCAN_EXTRA}' extra ({', '.join(missing)} not installed): "
                      f"pip install 'cnnlab[{SCAN_EXTRA}]'")
