"""What `cnnlab autograde` does in the autograder.zip's `run_autograder` on Gradescope: grade /autograder/submission,
write results.json.

The root is /autograder, or $CNNLAB_AUTOGRADER_ROOT (tests use a fake tree). The zip's files are in ROOT/source:
key/ (the answer keys), roster.csv (optional) and settings.json (per-question visibility). The student is the
Gradescope account's (submission_metadata.json: users[0] sid, e-mail or id, through the roster's aliases, or an
e-mail whose local part is a student id); failing that, the notebook's own metadata. Whatever happens, a
results.json is written: a failure is score 0 with the reason. Instructor-only lines (the sandbox's isolation,
WEAK where bubblewrap cannot make namespaces) go to stdout, which Gradescope shows to instructors only.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.pipeline.collect import collect
from grader.reports.results_json import results_json
from grader.pipeline.batch import Batch, grade_all
from grader.pipeline.records import GradedSubmission
from grader.pipeline.roster import Roster
from generator.limits import LIMITS
from grader.pipeline.steps import Env
from generator.files import PUBLIC, write_bytes_atomic
from grader.pipeline.store import Store, json_bytes


def autograder_root() -> Path:
    """/autograder, or where $CNNLAB_AUTOGRADER_ROOT says."""
    return Path(os.environ.get("CNNLAB_AUTOGRADER_ROOT") or "/autograder")


def account_student(metadata: dict[str, Any], known: Roster) -> tuple[str | None, str]:
    """The student of the Gradescope account that submitted, and how it was found (for the instructor's log)."""
    users = metadata.get("users") if isinstance(metadata, dict) else None
    user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    for field in ("sid", "email", "id"):
        value = str(user.get(field) or "").strip()
        if value and value in known.aliases:
            return known.aliases[value], f"the Gradescope account's {field} {value!r}"
    email = str(user.get("email") or "")
    local = email.partition("@")[0]
    if local and email.count("@") == 1 and local in known.aliases:
        return known.aliases[local], f"the Gradescope account's e-mail {email!r}"
    return None, f"the Gradescope account ({email or user.get('name') or 'no user'}) is on no roster"


def failure(reason: str, seconds: float) -> dict[str, Any]:
    """A results.json that says why nothing could be graded (Gradescope shows a failed autograder otherwise)."""
    return {"score": 0.0, "execution_time": max(0, round(seconds)), "output": f"Not graded: {reason}",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "extra_data": {"status": "error"}}


def grade(root: Path) -> tuple[dict[str, Any], list[str]]:
    """results.json's content and the instructor-only log lines."""
    from grader.pipeline.grade_class import load_env  # the same keys and roster loading as `cnnlab grade`

    started, source = time.monotonic(), root / "source"
    settings = json.loads((source / "settings.json").read_text("utf-8")) if (source / "settings.json").exists() else {}
    roster = source / "roster.csv"
    env: Env = load_env(str(source / "key"), str(roster) if roster.exists() else None)
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text("utf-8"))
    except (OSError, ValueError):
        metadata = {}
    student, how = account_student(metadata, env.known)
    log = [f"student: {student or 'from the notebook metadata'} ({how})"]
    try:
        raws = collect([root / "submission"], lambda line: log.append(f"warning: {line}"))
    except (OSError, ValueError) as error:
        return failure(f"no notebook (.ipynb) in the submission ({error})", time.monotonic() - started), log
    if student is not None:  # the account names the student: a file-name token wins over the notebook's metadata
        raws = [replace(raw, filename=f"{student}__{raw.filename}") for raw in raws]
    with tempfile.TemporaryDirectory(prefix="cnnlab-gradescope-") as folder:
        records = grade_all(raws, Batch(env, Store(Path(folder)), workers=1, limits=LIMITS))
    best: GradedSubmission = max(records, key=lambda r: (r.student_id is not None, r.points))
    key = env.keys.load(best.student_id) if best.student_id else None
    titles = {q.qid: q.title for q in key.questions} if key else {}
    data = results_json(best, titles, settings.get("visibility", {}), time.monotonic() - started)
    if len(records) > 1:
        data["output"] += f"\n{len(records)} notebooks were submitted; the best one counts: {best.filename}"
    log.append(f"sandbox: {best.isolation or 'not run'}")
    if "WEAK" in best.isolation:
        log.append("WARNING: bubblewrap could not create namespaces here: the sandbox ran in WEAK mode, so student "
                   "code could read the answer keys in /autograder/source")
    return data, log


def write_results(root: Path) -> list[str]:
    """Grade and write ROOT/results/results.json atomically, whatever happens; the instructor-only log lines."""
    started = time.monotonic()
    try:
        data, log = grade(root)
    except (OSError, ValueError) as error:  # a broken autograder.zip (no keys, bad roster): the instructor's to fix
        data, log = failure("the autograder is misconfigured; your instructor has been told", 0.0), [f"error: {error}"]
        data["execution_time"] = round(time.monotonic() - started)
    write_bytes_atomic(root / "results" / "results.json", json_bytes(data), mode=PUBLIC)
    return log
