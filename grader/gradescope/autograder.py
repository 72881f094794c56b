"""What `cnnlab autograde` does in the autograder.zip's `run_autograder` on Gradescope: grade /autograder/submission,
write results.json.

The root is /autograder, or $CNNLAB_AUTOGRADER_ROOT (tests use a fake tree). The zip's files are in ROOT/source:
key/ (the answer keys), roster.csv (optional), settings.json (per-question visibility, the sandbox's memory) and
data/ (the training data the questions need). The student is the roster entry of the Gradescope account
(grader/gradescope/identity.py); the notebook's own claim is only checked, and what the instructor must know goes
into a hidden test, extra_data and stdout, which Gradescope shows to instructors only. Whatever happens, a
results.json is written: a failure is score 0 with the reason. `--check` grades the zip's own correct and blank
notebooks (setup.sh runs it), so an upload that cannot grade fails to build.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.files import PUBLIC, write_bytes_atomic
from generator.limits import LIMITS
from generator.model import Context
from grader.gradescope.bundle import CHECK_FOLDER, DATA_FOLDER, GRADING_DEVICE
from grader.gradescope.identity import AccountIdentity, decide
from grader.pipeline.batch import Batch, grade_all
from grader.pipeline.collect import collect
from grader.pipeline.records import GradedSubmission, RawSubmission
from grader.pipeline.steps import Env
from grader.pipeline.store import Store, json_bytes
from grader.reports.results_json import results_json

def autograder_root() -> Path:
    """/autograder, or where $CNNLAB_AUTOGRADER_ROOT says."""
    return Path(os.environ.get("CNNLAB_AUTOGRADER_ROOT") or "/autograder")


def failure(reason: str, seconds: float) -> dict[str, Any]:
    """A results.json that says why nothing could be graded (Gradescope shows a failed autograder otherwise)."""
    return {"score": 0.0, "execution_time": max(0, round(seconds)), "output": f"Not graded: {reason}",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "extra_data": {"status": "error"}}


def _claim_and_data(raw: RawSubmission, student: str | None) -> tuple[str | None, RawSubmission]:
    """The notebook's own student_id, and the submission made to name `student` (the account's) instead.

    The account's student goes into the notebook's cnnlab metadata, so the pipeline grades it without a note that
    students would see; a notebook without that metadata gets it as a file-name token instead.
    """
    try:
        notebook = json.loads(raw.data.decode("utf-8-sig"))
        meta = notebook["metadata"]["cnnlab"]
        claim = meta.get("student_id") if isinstance(meta, dict) else None
    except (ValueError, KeyError, TypeError):
        notebook, meta, claim = None, None, None
    claim = claim.strip() if isinstance(claim, str) and claim.strip() else None
    if student is None:
        return claim, raw
    if isinstance(meta, dict):
        meta["student_id"] = student
        return claim, replace(raw, data=json.dumps(notebook, ensure_ascii=False).encode("utf-8"))
    return claim, replace(raw, filename=f"{student}__{raw.filename}")


def _settings(source: Path) -> dict[str, Any]:
    """settings.json of the zip ({} when absent)."""
    path = source / "settings.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _load_env(source: Path) -> Env:
    """The keys and roster of the zip, with its training data, on the CPU (Gradescope has no GPU)."""
    from grader.pipeline.grade_class import load_env  # the same keys and roster loading as `cnnlab grade`

    data = source / DATA_FOLDER
    roster = source / "roster.csv"
    # the NumPy reference alone (tests hold it to torch's to 1e-10): torch stays out of the grader's own process,
    # about 190 MB of the image's memory; the sandbox still has torch for students' code
    context = Context(data=str(data) if data.is_dir() else None, device=GRADING_DEVICE, torch_reference=False)
    return load_env(str(source / "key"), str(roster) if roster.exists() else None, context)


def _identity_note(data: dict[str, Any], identity: AccountIdentity) -> None:
    """The identity in extra_data, and any note about it as a hidden (instructor-only) test worth nothing."""
    data["extra_data"]["identity"] = {"accounts_on_roster": list(identity.members),
                                      "notes": list(identity.instructor_notes)}
    if identity.instructor_notes:
        data["tests"].append({"name": "identity check (instructor only)", "score": 0.0, "max_score": 0.0,
                              "status": "failed", "output": "\n".join(identity.instructor_notes),
                              "visibility": "hidden"})
    for line in identity.stated:
        data["output"] += f"\n{line}"


def grade(root: Path, memory_mb: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """results.json's content and the instructor-only log lines."""
    started, source = time.monotonic(), root / "source"
    settings = _settings(source)
    env = _load_env(source)
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text("utf-8"))
    except (OSError, ValueError):
        metadata = {}
    log: list[str] = []
    try:
        found = collect([root / "submission"], lambda line: log.append(f"warning: {line}"))
    except (OSError, ValueError) as error:
        return failure(f"no notebook (.ipynb) in the submission ({error})", time.monotonic() - started), log
    identities: dict[str, AccountIdentity] = {}
    raws = []
    for raw in found:
        claim, _ = _claim_and_data(raw, None)
        identity = decide(metadata, env.known, claim)
        _, named = _claim_and_data(raw, identity.student)
        identities[named.filename] = identity
        raws.append(named)
    limits = replace(LIMITS, memory_mb=int(memory_mb or settings.get("memory_mb") or LIMITS.memory_mb))
    with tempfile.TemporaryDirectory(prefix="cnnlab-gradescope-") as folder:
        records = grade_all(raws, Batch(env, Store(Path(folder)), workers=1, limits=limits))
    best: GradedSubmission = max(records, key=lambda r: (r.student_id is not None, r.points))
    key = env.keys.load(best.student_id) if best.student_id else None
    titles = {q.qid: q.title for q in key.questions} if key else {}
    data = results_json(best, titles, settings.get("visibility", {}), time.monotonic() - started)
    if len(records) > 1:
        data["output"] += f"\n{len(records)} notebooks were submitted; the best one counts: {best.filename}"
    identity = identities.get(best.filename) or decide(metadata, env.known, None)
    _identity_note(data, identity)
    log.append(f"student: {best.student_id or 'unknown'}; accounts on the roster: "
               f"{', '.join(identity.members) or 'none'}")
    log.extend(f"identity: {note}" for note in identity.instructor_notes)
    log.append(f"sandbox: {best.isolation or 'not run'}")
    if "WEAK" in best.isolation:
        log.append("WARNING: bubblewrap could not create namespaces here, so the sandbox ran in WEAK mode: student "
                   "code had only the protections named on the 'sandbox:' line above")
    return data, log


def write_results(root: Path, memory_mb: int | None = None) -> list[str]:
    """Grade and write ROOT/results/results.json atomically, whatever happens; the instructor-only log lines."""
    started = time.monotonic()
    try:
        data, log = grade(root, memory_mb)
    except (OSError, ValueError) as error:  # a broken autograder.zip (no keys, bad roster): the instructor's to fix
        data, log = failure("the autograder is misconfigured; your instructor has been told", 0.0), [f"error: {error}"]
        data["execution_time"] = round(time.monotonic() - started)
    write_bytes_atomic(root / "results" / "results.json", json_bytes(data), mode=PUBLIC)
    return log


CHECKS = {"correct.ipynb": "full marks", "blank.ipynb": "0"}  # the zip's check/ notebooks and what each must score


def check(root: Path, memory_mb: int | None = None) -> tuple[bool, list[str]]:
    """Grade the zip's correct and blank notebooks in a scratch tree beside ROOT/source: did each score as it must?"""
    source = root / "source"
    ok, lines = True, []
    with tempfile.TemporaryDirectory(prefix="cnnlab-check-") as folder:
        tree = Path(folder)
        (tree / "source").symlink_to(source.resolve())
        for name, expected in CHECKS.items():
            notebook = source / CHECK_FOLDER / name
            (tree / "submission").mkdir(exist_ok=True)
            for old in (tree / "submission").iterdir():
                old.unlink()
            (tree / "submission" / name).write_bytes(notebook.read_bytes())
            data, log = grade(tree, memory_mb)
            top = float(data.get("extra_data", {}).get("max_score") or 0)
            right = top > 0 and data["score"] == top if expected == "full marks" else data["score"] == 0 and top > 0
            ok = ok and right
            lines.append(f"check: {name} scored {data['score']:g}/{top:g} (expected {expected}): "
                         f"{'ok' if right else 'WRONG'}")
            if not right:
                lines.extend([*(f"  {line}" for line in data["output"].splitlines()[:20]), *(f"  {x}" for x in log)])
    return ok, lines
