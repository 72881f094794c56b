"""`cnnlab validate` logic: parse templates and specs, then draw variants and self-test each kind on them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import TemplateError
from generator.grading.misconceptions import gives_the_key
from generator.grading.read import read, rules_for, to_plain
from generator.kinds import CODE_KINDS, KINDS, as_returned, misconceptions, score
from generator.model import SELF_TEST_CONTEXT, Returned, Score, Template, Variant
from generator.spec import parse_spec
from generator.templates import is_template, parse_template, template_files
from generator.yamlio import load_yaml

CHECK_SEEDS = 20  # variants drawn per template when validating
CODE_CHECK_SEEDS = 3  # coding exercises run their hidden tests, so fewer
MIN_WRONG_SHARE = 0.95  # a misconception must give a wrong answer on this share of the variants it applies to


def scored(variant: Variant, submitted: object) -> Score:
    """A self-test submission scored as the grader scores what the sandbox returns (plain data, no torch)."""
    return score(variant, as_returned(variant, submitted), SELF_TEST_CONTEXT)


def self_test(template: Template, seed: int) -> list[str]:
    """Problems with one variant: the solution must score full, a blank 0, and a near miss less than full."""
    kind = KINDS[template.kind]
    variant = kind.generate(template, seed)
    problems = []
    full = scored(variant, kind.model_submission(variant))
    if full.points != variant.points:
        problems.append(f"the worked solution scores {full.points}/{variant.points}: "
                        f"{full.feedback.splitlines()[0]}")  # the summary: an error stays one line
    blank = scored(variant, Returned({}, {}))
    if blank.points != 0:
        problems.append(f"a blank answer scores {blank.points}")
    near = scored(variant, kind.near_miss(variant))
    if near.points >= variant.points:
        problems.append(f"a near miss scores full marks ({near.feedback})")
    return [f"{template.id} (seed {seed}): {p}" for p in problems]


@dataclass(frozen=True)
class MistakeCheck:
    """One misconception over a template's seeds: the variants it applies to, those it answers wrongly, problems."""

    name: str
    drawn: int  # variants drawn
    applies: int  # of those, the ones it gives an answer for (None: it does not apply, or changes nothing)
    wrong: int  # of those, the ones where its answer is not the key's
    problems: tuple[str, ...]

    @property
    def share(self) -> float:
        """The share of the variants it applies to on which its answer is wrong (1.0 when it applies to none)."""
        return self.wrong / self.applies if self.applies else 1.0


def check_misconceptions(template: Template, seeds: range) -> tuple[list[MistakeCheck], list[str]]:
    """Each misconception over the seeds: it must answer wrongly on at least MIN_WRONG_SHARE of the variants it
    applies to, and the grader must recognise its answer (its name among the score's, less than full marks).
    A kind that declares neither MISCONCEPTIONS nor NO_MISCONCEPTIONS is a problem of its own."""
    module = KINDS[template.kind]
    if not hasattr(module, "MISCONCEPTIONS") and not hasattr(module, "NO_MISCONCEPTIONS"):
        return [], [f"{template.id}: kind {template.kind!r} declares neither MISCONCEPTIONS (its typical mistakes) "
                    f"nor NO_MISCONCEPTIONS (why it has none) in generator/kinds/{template.kind}.py"]
    counts: dict[str, list[int]] = {m.name: [0, 0] for m in getattr(module, "MISCONCEPTIONS", ())}
    problems: dict[str, list[str]] = {name: [] for name in counts}
    for seed in seeds:
        variant = module.generate(template, seed)
        for misconception, value in misconceptions(variant):
            counts[misconception.name][0] += 1
            if gives_the_key(variant, read(variant.answer, to_plain(value), rules_for(variant)), rules_for(variant)):
                continue
            counts[misconception.name][1] += 1
            got = scored(variant, value)
            if misconception.name not in got.misconceptions or got.points >= variant.points:
                problems[misconception.name].append(
                    f"{template.id} (seed {seed}): the grader does not recognise misconception "
                    f"{misconception.name!r} in its own answer {value!r}: {got.points:g}/{variant.points:g}, "
                    f"{got.feedback.splitlines()[0]}")
    checks = [MistakeCheck(name, len(seeds), applies, wrong, tuple(problems[name]))
              for name, (applies, wrong) in counts.items()]
    found = [problem for check in checks for problem in check.problems]
    found += [f"{template.id}: misconception {check.name!r} gives the right answer on {check.applies - check.wrong} "
              f"of the {check.applies} variants it applies to (wrong on {check.share:.0%}, at least "
              f"{MIN_WRONG_SHARE:.0%} needed): make it return None where the mistake changes nothing"
              for check in checks if check.share < MIN_WRONG_SHARE]
    return checks, found


def check_template(template: Template) -> list[MistakeCheck]:
    """Draw variants (raising TemplateError for unsatisfiable constraints), self-test them and their misconceptions;
    returns the misconceptions' checks, for the summary."""
    seeds = range(CODE_CHECK_SEEDS if template.kind in CODE_KINDS else CHECK_SEEDS)
    for seed in seeds:
        problems = self_test(template, seed)
        if problems:
            raise TemplateError(template.where, problems[0])
    checks, problems = check_misconceptions(template, seeds)
    if problems:
        raise TemplateError(template.where, problems[0])
    return checks


def mistakes_summary(checks: list[MistakeCheck]) -> str:
    """'; misconceptions wrong on (the variants each applies to, of 20 drawn): bias forgotten 100% (20/20), ...'."""
    if not checks:
        return ""
    return f"; misconceptions wrong on (the variants each applies to, of {checks[0].drawn} drawn): " + ", ".join(
        f"{c.name} {c.share:.0%} ({c.wrong}/{c.applies})" if c.applies else f"{c.name} (applies to none)"
        for c in checks)


def validate_file(path: Path) -> str:
    """Check one template or spec file; returns a one-line summary, raises TemplateError on the first problem."""
    data = load_yaml(path)
    if is_template(data):
        template = parse_template(data)
        checks = check_template(template)
        return f"{path}: template {template.id!r} ({template.kind}) OK, variants drawn and self-tested" + \
            mistakes_summary(checks)
    spec = parse_spec(data, path.parent)
    for template in spec.templates.values():
        check_template(template)
    return (f"{path}: spec {spec.id!r} OK: {len(spec.entries)} question entries, "
            f"{len(spec.templates)} templates self-tested")


def validate_path(path: Path) -> list[str]:
    """Check a file, or every YAML file in a folder and its templates/ folder."""
    return [validate_file(f) for f in yaml_files(path)]


def yaml_files(path: Path) -> list[Path]:
    """The file, or every YAML file in a folder and its templates/ folder."""
    if path.is_dir():
        files = template_files(path) + template_files(path / "templates")
        if not files:
            raise TemplateError(str(path), "no .yaml files here")
        return files
    if not path.exists():
        raise TemplateError(str(path), "no such file or folder")
    return [path]


def templates_at(path: Path) -> list[Template]:
    """Every template a path holds or (a spec) uses, each once, in a stable order."""
    found: dict[str, Template] = {}
    for file in yaml_files(path):
        data = load_yaml(file)
        if is_template(data):
            template = parse_template(data)
            found.setdefault(template.id, template)
        else:
            for template in parse_spec(data, file.parent).templates.values():
                found.setdefault(template.id, template)
    return list(found.values())
