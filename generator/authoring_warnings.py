"""What `cnnlab validate` warns a template or spec author about without failing: fairness a check cannot prove.

- A choice question whose correct option is, on average over its variants, more than LONG_OPTION times the mean
  length of the other options: a test-wise student picks the longest option without knowing the answer.
- A spec's `pick` whose questions differ in their templates' own points or in the number of answer parts by more
  than half (the larger over the smaller above UNEQUAL_LOAD): students who draw different questions do different
  work for the same points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from statistics import mean

from generator.fields import LETTERS, boxes
from generator.kinds import CODE_KINDS, KINDS, answer_fields
from generator.model import Template
from generator.spec import Entry, Spec, parse_spec
from generator.templates import is_template, parse_template
from generator.yamlio import load_yaml

LONG_OPTION = 1.3  # the correct option's length over the mean length of the others, averaged over the variants
UNEQUAL_LOAD = 1.5  # the larger over the smaller of a pick's points or answer parts ("differ by more than half")
OPTION_SEEDS = 20  # variants drawn to measure a choice question's options (as many as validate self-tests)


def warnings_at(files: Iterable[Path]) -> list[str]:
    """Every warning for the template and spec files, each template measured once, in file order."""
    found: list[str] = []
    seen: set[str] = set()
    for path in files:
        data = load_yaml(path)
        spec = None if is_template(data) else parse_spec(data, path.parent)
        templates = [parse_template(data)] if spec is None else \
            [spec.templates[qid] for entry in spec.entries for qid in entry.pool]  # the questions it asks
        for template in templates:
            if template.id not in seen:
                seen.add(template.id)
                found += long_option_warnings(template)
        if spec is not None:
            found += pick_warnings(spec)
    return found


def long_option_warnings(template: Template) -> list[str]:
    """A warning per choice part of the template whose correct option stands out by its length."""
    ratios: dict[str, list[tuple[float, int, float]]] = {}  # part label -> (ratio, correct, others' mean) per variant
    for seed in range(0 if template.kind in CODE_KINDS else OPTION_SEEDS):  # code has no options
        for box in boxes(answer_fields(KINDS[template.kind].generate(template, seed))):
            if len(box.options) < 2 or not isinstance(box.expected, str) or \
                    box.expected not in LETTERS[:len(box.options)]:
                continue
            index = LETTERS.index(box.expected)
            others = mean(len(option) for i, option in enumerate(box.options) if i != index)
            right = len(box.options[index])
            ratios.setdefault(box.label, []).append((right / max(others, 1.0), right, others))
    warnings = []
    for label, measured in ratios.items():
        ratio = mean(r for r, _, _ in measured)
        if ratio > LONG_OPTION:
            part = "" if label == "letter" else f" ({label.removesuffix(' (letter)')})"
            warnings.append(
                f"{template.where}: warning: {template.id}{part}: the correct option is on average {ratio:.1f} times "
                f"as long as the others ({mean(r for _, r, _ in measured):.0f} characters against "
                f"{mean(o for _, _, o in measured):.0f}), so a student can pick the longest without knowing the "
                f"answer; make the wrong options as long and as plausible (at most {LONG_OPTION} times)")
    return warnings


def pick_warnings(spec: Spec) -> list[str]:
    """A warning per `pick` whose questions are unequal loads: their own points, or their answers' parts."""
    warnings = []
    for entry in spec.entries:
        if entry.pick >= len(entry.pool):
            continue  # every question of the pool is asked: no student does less than another
        loads = {qid: _load(spec.templates[qid]) for qid in entry.pool}
        unequal = [what for what, index in (("points", 0), ("answer parts", 1))
                   if _uneven([load[index] for load in loads.values()])]
        if unequal:
            listed = "; ".join(f"{qid}: {points:g} points, {parts} part{'s' * (parts != 1)}"
                               for qid, (points, parts) in loads.items())
            warnings.append(f"{entry.where}: warning: {_pick_name(entry)} draws questions that differ in "
                            f"{' and '.join(unequal)} by more than half ({listed}), so students do unequal work for "
                            "the same points; give them equal loads, or move one out of the pick")
    return warnings


def _load(template: Template) -> tuple[float, int]:
    """A question's load: its template's own points, and the boxes of its answer (one for code)."""
    variant = KINDS[template.kind].generate(template, 0)
    return template.points, len(list(boxes(answer_fields(variant))))


def _uneven(values: Sequence[float]) -> bool:
    """Whether the largest is more than UNEQUAL_LOAD times the smallest."""
    return max(values) > UNEQUAL_LOAD * min(values)


def _pick_name(entry: Entry) -> str:
    """'pick 1 from [mlp-lecture, mlp-params]'."""
    return f"pick {entry.pick} from [{', '.join(entry.pool)}]"
