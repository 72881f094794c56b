"""`cnnlab validate` logic: parse templates and specs, then draw variants and self-test each kind on them."""

from __future__ import annotations

from pathlib import Path

from generator.errors import TemplateError
from generator.kinds import CODE_KINDS, KINDS, as_returned, score
from generator.model import SELF_TEST_CONTEXT, Returned, Score, Template, Variant
from generator.spec import parse_spec
from generator.templates import is_template, parse_template, template_files
from generator.yamlio import load_yaml

CHECK_SEEDS = 20  # variants drawn per template when validating
CODE_CHECK_SEEDS = 3  # coding exercises run their hidden tests, so fewer


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
        problems.append(f"the worked solution scores {full.points}/{variant.points}: {full.feedback}")
    blank = scored(variant, Returned({}, {}))
    if blank.points != 0:
        problems.append(f"a blank answer scores {blank.points}")
    near = scored(variant, kind.near_miss(variant))
    if near.points >= variant.points:
        problems.append(f"a near miss scores full marks ({near.feedback})")
    return [f"{template.id} (seed {seed}): {p}" for p in problems]


def check_template(template: Template) -> None:
    """Draw variants (raising TemplateError for unsatisfiable constraints) and self-test them."""
    for seed in range(CODE_CHECK_SEEDS if template.kind in CODE_KINDS else CHECK_SEEDS):
        problems = self_test(template, seed)
        if problems:
            raise TemplateError(template.where, problems[0])


def validate_file(path: Path) -> str:
    """Check one template or spec file; returns a one-line summary, raises TemplateError on the first problem."""
    data = load_yaml(path)
    if is_template(data):
        template = parse_template(data)
        check_template(template)
        return f"{path}: template {template.id!r} ({template.kind}) OK, variants drawn and self-tested"
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
