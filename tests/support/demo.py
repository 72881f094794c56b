"""The grading half of `make demo`: simulated submissions from the generated class, grade, report.

Usage: python -m tests.support.demo GENERATED_DIR WORK_DIR [ROSTER]. GENERATED_DIR is `cnnlab generate --out`; four
students' notebooks are answered one each way (correct, partly wrong, blank, crashing), graded, and reported on.
ROSTER (the roster the class was generated from) gives the gradebooks and the report the students' names.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cnnlab import main as cnnlab
from tests.support.simulate import FLAVOURS, write_simulated


def main(argv: list[str]) -> int:
    """Simulate, grade (summary table printed by `cnnlab grade`), report, and print where the report is."""
    if len(argv) not in (2, 3):
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    generated, work = Path(argv[0]), Path(argv[1])
    roster = ["--roster", argv[2]] if len(argv) == 3 else []
    keys = sorted((generated / "key").glob("*.json"))[: len(FLAVOURS)]
    if len(keys) < len(FLAVOURS):
        print(f"demo: need at least {len(FLAVOURS)} students in {generated}/key", file=sys.stderr)
        return 2
    subset = work / "generated-subset"
    for folder in ("key", "students", "instructor"):
        (subset / folder).mkdir(parents=True, exist_ok=True)
        for key in keys:
            ext = "json" if folder == "key" else "ipynb"
            (subset / folder / f"{key.stem}.{ext}").write_bytes((generated / folder / f"{key.stem}.{ext}").read_bytes())
    submissions = write_simulated(subset, work / "submissions", list(FLAVOURS))
    print("simulated submissions: " + ", ".join(p.name for p in submissions))
    code = cnnlab(["grade", str(work / "submissions"), "--key", str(generated / "key"), "--out", str(work / "graded"),
                   "--junit", str(work / "graded" / "junit.xml"), "--regrade", *roster])
    if code not in (0, 1):
        return code
    return cnnlab(["report", str(work / "graded")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
