"""What both exports share: seeds from the secret, a bank per pool template, code left out, Canvas's blank texts."""

from __future__ import annotations

from dataclasses import replace

from generator.fields import Box
from generator.lms import variants as shared
from generator.lms.qti_items import alternatives, blank_names
from generator.seeds import question_seed, read_secret
from generator.spec import load_spec
from tests.generator.conftest import SPEC
from tests.generator.lms.conftest import COUNT, SECRET_FILE


def test_variants_come_from_the_secret_and_a_pool_gives_each_template_a_bank(quiz: shared.Quiz) -> None:
    secret = read_secret(SECRET_FILE)
    qids = [bank.qid for bank in quiz.banks]
    assert {"output-size", "pool-output-size", "concept-sharing", "concept-pooling"} <= set(qids)
    for bank in quiz.banks:
        seeds = [question_seed(secret, quiz.spec.id, f"lms-variant-{i}", bank.qid) for i in range(COUNT)]
        assert bank.variants[0].seed == seeds[0] and {v.seed for v in bank.variants} <= set(seeds)
    spec = load_spec(SPEC)  # an entry's own points win over its template's
    worth = replace(spec, entries=tuple(replace(e, points=7.0) if e.pool == ("receptive-field",) else e
                                        for e in spec.entries))
    assert next(b for b in shared.draw(worth, secret, 1).banks if b.qid == "receptive-field").variants[0].points == 7
    other = shared.draw(load_spec(SPEC), b"another-course-secret-0123", COUNT)
    assert [v.seed for v in other.banks[1].variants] != [v.seed for v in quiz.banks[1].variants]


def test_code_questions_are_left_out_one_line_each(quiz: shared.Quiz) -> None:
    code = [qid for entry in quiz.spec.entries for qid in entry.pool if qid.startswith("code-")]
    assert len(quiz.left_out) == len(code) and all(f"left out {qid} " in line for qid, line in
                                                   zip(code, quiz.left_out))
    assert not {bank.qid for bank in quiz.banks} & set(code)


def test_each_kind_is_asked_as_a_number_a_choice_or_parts(quiz: shared.Quiz) -> None:
    kinds = {bank.qid: shared.shape(bank.variants[0])[0] for bank in quiz.banks}
    assert kinds["receptive-field"] == "number" and kinds["concept-sharing"] == "choice"
    assert kinds["lenet-table"] == kinds["output-size"] == kinds["flat-patch"] == "parts"
    concept = next(b for b in quiz.banks if b.qid == "concept-sharing").variants[0]
    assert "**A.**" not in shared.stem(concept, "choice") and "**A.**" in shared.stem(concept, "parts")


def test_canvas_blanks_take_every_spelling_within_the_tolerance() -> None:
    assert alternatives(Box((), "p", "q", 0.0345), 0.01, 2) == (
        "0.0345", ".0345", "+0.0345", "+.0345", "0.03", ".03", "+0.03", "+.03", "0.04", ".04", "+0.04", "+.04",
        "0.034", ".034", "+0.034", "+.034", "0.035", ".035", "+0.035", "+.035")
    assert alternatives(Box((), "p", "q", 7.25), 0.0, None) == ("7.25", "+7.25")
    assert alternatives(Box((), "p", "q", 6.0), 0.01, 2) == ("6", "6.0", "6.00", "+6", "+6.0", "+6.00",
                                                              "5.99", "+5.99", "6.01", "+6.01")
    assert alternatives(Box((), "p", "q", -10.0), 0.0, None) == ("-10", "-10.0", "-10.00")
    assert {"1091940", "1,091,940", "1091940.00", "+1,091,940.0"} <= set(alternatives(Box((), "p", "q", 1091940), 0.0,
                                                                                       None))
    assert alternatives(Box((), "p", "q", 0), 0.0, None) == ("0", "0.0", "0.00")
    assert alternatives(Box((), "why", "q.why", "B", ("x", "y")), 0.0, None) == ("B", "(B)", "B.", "B)")


def test_blank_ids_are_words_named_after_the_columns() -> None:
    found = tuple(Box((), "", column, 1) for column in ("q", "q.1", "q.conv1.C", "q.even_pads.2"))
    assert list(blank_names("q", found).values()) == ["answer", "b1", "conv1_C", "even_pads_2"]


def test_a_part_neither_number_nor_lettered_choice_is_left_out(quiz: shared.Quiz) -> None:
    concept = next(b for b in quiz.banks if b.qid == "concept-sharing").variants[0]
    bare = replace(concept, params={**concept.params, "options": []})  # a letter with no options to choose from
    assert "neither a number nor a lettered choice" in shared.why_not_gradable(bare)
    assert shared.why_not_gradable(concept) == ""
