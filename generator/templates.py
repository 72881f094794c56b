"""Reading question templates: one YAML mapping per file, checked key by key against the kind's needs."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from generator.errors import TemplateError, suggest
from generator.kinds import KINDS
from generator.model import Template
from generator.params import parse_space
from generator.render import compile_prompt
from generator.yamlio import Located, check_keys, load_yaml, plain

REQUIRED = ("id", "kind", "title", "prompt", "points")
OPTIONAL = ("params", "constraints", "answer", "notes", "variety", "topic")
TOPIC = "topic"  # the lecture section a question teaches; kept in Template.extra (the report's "What to reteach")
MIN_DISTINCT_ANSWERS = 50  # over 300 students, unless the template's `variety:` says why it cannot have that many
STUDENTS = 300
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}")


def is_template(data: Located) -> bool:
    """Templates have a kind; specs have questions."""
    return "kind" in data or "questions" not in data


def parse_template(data: Located) -> Template:
    """Check one template mapping and build its Template."""
    kind_name = data.get("kind")
    if "kind" in data and kind_name not in KINDS:
        raise data.error("kind", f"unknown kind {kind_name!r}{suggest(str(kind_name), KINDS)}; "
                                 f"known kinds: {', '.join(sorted(KINDS))}")
    kind = KINDS.get(kind_name)
    extras = tuple(kind.EXTRA_KEYS) if kind else ()
    check_keys(data, REQUIRED, OPTIONAL + extras, "a question template")
    for key, required in (kind.EXTRA_KEYS.items() if kind else ()):
        if required and key not in data:
            raise data.error(None, f"missing key {key!r}: kind {kind_name!r} needs it")
    qid = data["id"]
    if not isinstance(qid, str) or not ID_PATTERN.fullmatch(qid):
        raise data.error("id", f"id must be letters, digits, '-' or '_' (at most 61), got {qid!r}")
    for key in ("title", "prompt"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise data.error(key, f"{key} must be non-empty text")
    _variety(data)
    topic = _topic(data)
    points = _positive_number(data, "points")
    answer_format, tolerance = _answer(data, kind.FORMATS)
    space = parse_space(data.get("params"), data.get("constraints"), data)
    missing = [name for name in kind.REQUIRED if name not in space.names]
    if missing:
        raise data.error("params" if "params" in data else None,
                         f"kind {kind_name!r} needs parameter {missing[0]!r} under params "
                         f"(it needs {', '.join(kind.REQUIRED)})")
    locations = {key: data.where(key) for key in data}
    template = Template(qid, kind_name, data["title"].strip(), data["prompt"], space, points, answer_format, tolerance,
                        {**{key: plain(data[key]) for key in extras if key in data}, **topic}, data.where(), locations,
                        _compile(data))
    kind.check_template(template)
    return template


def _variety(data: Located) -> None:
    """`variety:` states why a template cannot give MIN_DISTINCT_ANSWERS distinct answers over STUDENTS students."""
    if "variety" in data and (not isinstance(data["variety"], str) or not data["variety"].strip()):
        raise data.error("variety", f"variety must be text saying why the template cannot give "
                                    f"{MIN_DISTINCT_ANSWERS} distinct answers over {STUDENTS} students "
                                    '(e.g. "a concept question: 4 options, the letter is shuffled")')


def _topic(data: Located) -> dict[str, str]:
    """`topic:` names the lecture section the question teaches (one line of text), carried into the key."""
    if TOPIC not in data:
        return {}
    if not isinstance(data[TOPIC], str) or not data[TOPIC].strip() or "\n" in data[TOPIC].strip():
        raise data.error(TOPIC, f"topic must be one line of text naming the lecture section, e.g. "
                                f'"2. Convolutional Layers: Convolution in Images", got {data[TOPIC]!r}')
    return {TOPIC: data[TOPIC].strip()}


def topic_of(template: Template) -> str | None:
    """The template's lecture section (`topic:`), or None when the instructor gave none."""
    topic = template.extra.get(TOPIC)
    return topic if isinstance(topic, str) else None


def variety_note(path: str | Path) -> str | None:
    """A template file's `variety:` statement, or None: the variety test reads it (Template does not carry it)."""
    note = load_yaml(path).get("variety")
    return note.strip() if isinstance(note, str) else None


def _positive_number(data: Located, key: str) -> float:
    """A positive int or float, as float."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise data.error(key, f"{key} must be a positive number, got {value!r}")
    return float(value)


def _answer(data: Located, formats: tuple[str, ...]) -> tuple[str, float]:
    """The `answer: {format, tolerance}` section; the format must be one the kind offers."""
    section = data.get("answer")
    if section is None:
        return formats[0], 0.0
    if not isinstance(section, Located):
        raise data.error("answer", "answer must be a mapping such as {format: number, tolerance: 0}")
    check_keys(section, (), ("format", "tolerance"), "the answer section")
    answer_format = section.get("format", formats[0])
    if answer_format not in formats:
        raise section.error("format", f"answer format {answer_format!r} is not offered by kind {data['kind']!r}"
                                      f"{suggest(str(answer_format), formats)}; choose one of {', '.join(formats)}")
    tolerance = section.get("tolerance", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise section.error("tolerance", f"tolerance must be a number >= 0, got {tolerance!r}")
    return answer_format, float(tolerance)


def _compile(data: Located) -> jinja2.Template:
    """Compile the prompt, pointing syntax errors at the file line inside the prompt."""
    try:
        return compile_prompt(data["prompt"])
    except jinja2.TemplateSyntaxError as error:
        block = 1 if data["prompt"].count("\n") > 0 else 0  # a `|` block starts on the line after the key
        line = data.lines["prompt"] + block + (error.lineno or 1) - 1
        raise TemplateError(f"{data.path}:{line}", f"prompt: template syntax error: {error.message}") from None


def template_files(folder: Path) -> list[Path]:
    """Every template file in a folder, in name order."""
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_template(path: str | Path) -> Template:
    """Read and check one template file."""
    return parse_template(load_yaml(path))


def load_templates(paths: list[Path]) -> dict[str, Template]:
    """Read many templates (skipping specs, so templates and specs can share a folder); ids must be unique."""
    found: dict[str, Template] = {}
    for path in paths:
        data = load_yaml(path)
        if not is_template(data):
            continue
        template = parse_template(data)
        if template.id in found:
            raise TemplateError(template.locations["id"], f"duplicate template id {template.id!r} "
                                                          f"(also in {found[template.id].where})")
        found[template.id] = template
    return found

