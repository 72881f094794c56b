"""What `cnnlab validate --variety` measures (generator/variety.py): the seeds `cnnlab generate` derives, the draws'
counts in the report, the skew warning where constraints throw draws away, and the "draw the output, compute the
input" pattern that keeps an output size exact without any."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import sheet_for
from generator.params import Param
from generator.roster import Student
from generator.spec import load_spec
from generator.templates import MIN_DISTINCT_ANSWERS, load_template
from generator.validate import validate_file
from generator.variety import (SKEW_FACTOR, WIDE_VALUES, ParamDraws, Skew, class_variants, measure, measure_path,
                               student_ids, variety_report)
from solutions.shapes import output_size_is_exact
from tests.generator.conftest import SECRET, SPEC

SKEWED = """
    id: conv-out
    kind: output_size
    title: Output size
    points: 2
    params:
      H: {range: [10, 16]}
      W: {expr: H}
      C: 3
      K: {choices: [3, 5]}
      S: {choices: [1, 2, 3]}
      P: {choices: [0, 1]}
      F: 8
    constraints:
      - exact(H, K, S, P)
      - out_size(H, K, S, P) >= 6
    prompt: |
      A conv layer with {{ F }} filters of size {{ K }} x {{ K }}, stride {{ S }} and padding {{ P }} is applied
      to a {{ H }} x {{ W }} x {{ C }} input. What is the size of the output?
    """
DRAW_THE_OUTPUT = r"""
    id: conv-out-exact
    kind: output_size
    title: Output size, exact by construction
    points: 2
    params:
      H_out: {range: [4, 30]}
      K: {choices: [3, 5, 7]}
      S: {choices: [1, 2, 3]}
      P: {range: [0, 1]}
      H: {expr: (H_out - 1) * S + K - 2 * P}
      W: {expr: H}
      C: {choices: [1, 3]}
      F: {range: [4, 64, 4]}
    prompt: |
      A conv layer with $F = {{ F }}$ filters of size ${{ K }} \times {{ K }}$, stride $S = {{ S }}$ and
      {% if P %}zero padding $P = {{ P }}${% else %}no padding ($P = 0$){% endif %} is applied to a
      ${{ H }} \times {{ W }} \times {{ C }}$ input. What is the size of the output?
    """  # the pattern docs/TEMPLATES.md shows under Variety


def test_the_class_is_seeded_as_cnnlab_generate_seeds_it() -> None:
    spec = load_spec(SPEC)
    student = Student("s2025001", "Ada")
    sheet, _ = sheet_for(spec, student, SECRET)
    for question in sheet.questions[:5]:
        template = spec.templates[question.variant.qid]
        measured = class_variants(template, [student.student_id], SECRET, spec.id)[0]
        assert (measured.seed, measured.answer) == (question.variant.seed, question.variant.answer)
    assert student_ids(3) == ["s2025001", "s2025002", "s2025003"]


def test_a_skewed_draw_is_warned_about_at_the_parameters_line(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("skewed.yaml", SKEWED)
    [variety] = measure_path(path)
    s_draws = next(d for d in variety.draws if d.param.name == "S")
    counts = [s_draws.counts[str(value)] for value in (1, 2, 3)]
    assert sum(counts) == 300 and counts[0] > SKEW_FACTOR * 100  # the constraints favour S = 1
    lines, warnings = variety_report([variety])
    assert f"  S: 1 ×{counts[0]}, 2 ×{counts[1]}, 3 ×{counts[2]}" in lines
    assert f"  P: 0 ×{variety.draws[-1].counts['0']}, 1 ×{variety.draws[-1].counts['1']}" in lines
    skew = [w for w in warnings if ": S = 1 " in w]
    assert skew == [f"{path}:10: warning: conv-out: S = 1 is drawn for {counts[0]} of 300 students, over 2 times "
                    "its fair share (100): draws thrown away by the constraints (or refused by the kind) favour it; "
                    "for an exact output size, draw the output and compute the input (docs/TEMPLATES.md, Variety)"]


def test_drawing_the_output_keeps_it_exact_without_rejection(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("exact.yaml", DRAW_THE_OUTPUT)
    assert "template 'conv-out-exact' (output_size) OK" in validate_file(path)
    [variety] = measure_path(path)
    lines, warnings = variety_report([variety])
    assert warnings == [] and variety.distinct >= MIN_DISTINCT_ANSWERS, "\n".join(lines + warnings)
    for variant in class_variants(variety.template, student_ids(50)):
        p = variant.params
        assert output_size_is_exact(p["H"], p["K"], p["S"], p["P"]) and variant.answer[0] == p["H_out"]
    s_draws = next(d for d in variety.draws if d.param.name == "S")
    assert max(s_draws.counts.values()) < 1.3 * 100  # no value favoured: nothing is thrown away


def test_a_wide_range_is_summarised_and_judged_by_slices(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("wide.yaml", DRAW_THE_OUTPUT.replace("F: {range: [4, 64, 4]}", "F: {range: [1, 200]}"))
    [variety] = measure_path(path)
    f_line = next(line for line in variety.report() if line.startswith("  F: "))
    assert re.fullmatch(r"  F: 1 to 200 \(200 values, \d+ drawn\): drawn \d+ to \d+, most drawn \d+ ×\d+", f_line)
    f_draws = next(d for d in variety.draws if d.param.name == "F")
    groups = f_draws.groups()
    assert [g.label for g in groups[:2]] == ["1 to 17", "18 to 34"] and groups[-1].label == "188 to 200"
    assert len(groups) == WIDE_VALUES and sum(g.share for g in groups) == pytest.approx(1.0)
    assert f_draws.skews() == []  # 300 draws over 200 values: no single value can be judged, a slice can


def test_variety_notes_are_checked_both_ways(write_yaml: Callable[[str, str], Path]) -> None:
    few = write_yaml("few.yaml", "id: c\nkind: concept\ntitle: C\npoints: 1\nprompt: x\n"
                                 "correct: [right]\ndistractors: [wrong, never, maybe]\n")
    noted = write_yaml("noted.yaml", DRAW_THE_OUTPUT + "variety: \"a layer too simple to vary\"\n")
    few_variety, noted_variety = measure_path(few)[0], measure_path(noted)[0]
    assert few_variety.warnings() == [
        f"{few}:1: warning: c: 4 distinct answers over 300 students, fewer than 50: widen the parameters' ranges, or "
        "say why it cannot in `variety:`"]
    assert noted_variety.warnings() == [
        f"{noted}:1: warning: conv-out-exact: {noted_variety.distinct} distinct answers over 300 students, yet its "
        "`variety:` note says it cannot have 50: remove the note"]
    assert noted_variety.report()[0].endswith("students (variety: a layer too simple to vary)")


def test_measure_counts_only_drawn_parameters(write_yaml: Callable[[str, str], Path]) -> None:
    template = load_template(write_yaml("t.yaml", DRAW_THE_OUTPUT))
    variety = measure(template, student_ids(30))
    assert [d.param.name for d in variety.draws] == ["H_out", "K", "S", "P", "C", "F"]  # not H, W (expressions)
    assert all(d.total == 30 for d in variety.draws) and variety.students == 30
    assert variety.draws[0].where == template.where  # no lines given: the template's own line


def test_many_choices_are_summarised_and_each_judged() -> None:
    letters = tuple("abcdefghijklmn")
    counts = Counter({json.dumps(letter): 10 for letter in letters[1:]} | {json.dumps("a"): 170})
    draws = ParamDraws(Param("word", "choices", letters), "t.yaml:7", counts)
    assert draws.summary() == "word: 14 choices, 14 drawn, most drawn a ×170"
    assert draws.skews() == [Skew("word", "t.yaml:7", "a", 170, 300 / 14)]
