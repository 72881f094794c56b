"""Every declared misconception, planted with a student's own numbers, is named in that student's feedback and counted.

A class is generated from every bundled answer template whose kind declares misconceptions. For each question,
each misconception that applies to some student's variant is planted in one such student's notebook (their own
numbers, computed from their own key), every other answer is right, and the class goes through the real
`cnnlab grade`: sandbox, feedback, results.json and OUT/report/misconceptions.csv.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

import cnnlab
from generator.grading.misconceptions import declared, gives_the_key
from generator.grading.read import rules_for
from generator.kinds import KINDS
from generator.model import Variant
from generator.templates import load_templates
from grader.pipeline.store import Store
from tests.support.simulate import simulate

TEMPLATES = Path(__file__).resolve().parents[2] / "assignments" / "templates"
STUDENTS = 24


def answer_templates() -> list[str]:
    """The bundled templates of kinds that declare misconceptions (code kinds declare none)."""
    templates = load_templates(sorted(TEMPLATES.glob("*.yaml")))
    return sorted(t.id for t in templates.values() if getattr(KINDS[t.kind], "MISCONCEPTIONS", ()))


def generate(root: Path, qids: list[str]) -> Path:
    """`cnnlab generate` for s001..sNNN on a spec of the given questions; returns its --out."""
    questions = "".join(f"  - id: {qid}\n" for qid in qids)
    (root / "spec.yaml").write_text(f"id: mistakes\ntitle: Mistakes\ntemplates: {TEMPLATES}\nquestions:\n{questions}")
    (root / "roster.csv").write_text("student_id,name\n" + "".join(f"s{i:03d},Student {i}\n"
                                                                   for i in range(1, STUDENTS + 1)))
    (root / "secret").write_text("a-misconception-test-secret-of-enough-bytes")
    out = root / "generated"
    assert cnnlab.main(["generate", str(root / "spec.yaml"), "--roster", str(root / "roster.csv"), "--out",
                        str(out), "--secret-file", str(root / "secret")]) == 0
    return out


def plant(generated: Path) -> dict[tuple[str, str], list[str]]:
    """Each applicable misconception in one student's answer (greedy, one per student and question); who has what."""
    keys = {p.stem: json.loads(p.read_text()) for p in sorted((generated / "key").glob("*.json"))}
    variants = {sid: {q["qid"]: Variant.from_key(q) for q in key["questions"]} for sid, key in keys.items()}
    planted: dict[tuple[str, str], list[str]] = defaultdict(list)
    answers: dict[str, dict[str, Any]] = defaultdict(dict)
    for qid in next(iter(variants.values())):
        for name in dict.fromkeys(m.name for sid in variants for m, _ in declared(variants[sid][qid])):
            free = [sid for sid in variants if qid not in answers[sid]]
            for sid in free:
                variant = variants[sid][qid]
                value = next((v for m, v in declared(variant) if m.name == name), None)
                if value is not None and not gives_the_key(variant, value, rules_for(variant)):
                    answers[sid][qid] = value
                    planted[(qid, name)].append(sid)
                    break
    for sid, key in keys.items():
        load = lambda folder: json.loads((generated / folder / f"{sid}.ipynb").read_text())  # noqa: E731
        notebook = simulate(load("students"), load("instructor"), key, "correct")
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("cnnlab", {})
            if meta.get("role") == "answer" and meta.get("qid") in answers[sid]:
                cell["source"] = f"{meta['variable']} = {json.dumps(answers[sid][meta['qid']])}"
        (generated.parent / "submissions").mkdir(exist_ok=True)
        (generated.parent / "submissions" / f"{sid}.ipynb").write_text(json.dumps(notebook))
    return planted


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], list[str]]]:
    """The class graded through the real CLI, and who was given which misconception."""
    root = tmp_path_factory.mktemp("mistakes")
    generated = generate(root, answer_templates())
    planted = plant(generated)
    out = root / "graded"
    assert cnnlab.main(["grade", str(root / "submissions"), "--key", str(generated / "key"), "--out", str(out)]) == 0
    return out, planted


def test_every_declared_kind_has_its_misconceptions_planted(graded: tuple[Path, dict[tuple[str, str], list[str]]]
                                                            ) -> None:
    _, planted = graded
    assert set(answer_templates()) == {qid for qid, _ in planted}, "a question with no misconception planted"
    assert len(planted) >= 40, f"only {len(planted)} (question, misconception) pairs were planted"


def test_each_planted_misconception_is_named_in_that_question_s_feedback(
        graded: tuple[Path, dict[tuple[str, str], list[str]]]) -> None:
    out, planted = graded
    records = {r.student_id: {s.qid: s for s in r.scores} for r in Store(out).records()}
    missed = []
    for (qid, name), students in planted.items():
        for sid in students:
            score = records[sid][qid]
            if name not in score.misconceptions or name not in score.feedback or score.points >= score.max_points:
                missed.append(f"{sid} {qid} {name!r}: {score.feedback.splitlines()[0]}")
    assert not missed, "\n".join(missed)
    results = json.loads((out / "students" / "s001" / "results.json").read_text())
    named = {n for (q, n), who in planted.items() if "s001" in who}
    assert all(any(n in test.get("output", "") for test in results["tests"]) for n in named), "results.json output"


def test_misconceptions_csv_counts_the_students_who_showed_each(
        graded: tuple[Path, dict[tuple[str, str], list[str]]]) -> None:
    out, planted = graded
    with (out / "report" / "misconceptions.csv").open(newline="") as file:
        reader = csv.reader(file)
        assert next(reader) == ["qid", "misconception", "students", "share"]
        rows = {(qid, name): (int(students), float(share)) for qid, name, students, share in reader}
    shown = Counter({key: len(students) for key, students in planted.items()})
    for (qid, name), count in shown.items():
        assert (qid, name) in rows, (qid, name)
        students, share = rows[(qid, name)]
        # a value two mistakes share (padding forgotten = padding counted once, on some geometries) counts for both
        assert students >= count and share == pytest.approx(students / STUDENTS, abs=1e-4)
    assert all(0 < share <= 1 for _, share in rows.values())
