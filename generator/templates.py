"""Reading question templates: one YAML mapping per file, checked key by key against the kind's needs."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from types import ModuleType

import jinja2

from generator.errors import Problems, TemplateError, suggest
from generator.kinds import KINDS
from generator.model import Template
from generator.param_use import DISPLAY_ONLY, use_problems
from generator.params import ParamSpace, parse_space
from generator.render import compile_prompt
from generator.yamlio import Located, check_keys, item_locations, load_yaml, plain

REQUIRED = ("id", "kind", "title", "prompt", "points")
OPTIONAL = ("params", "constraints", "answer", "notes", "variety", "topic", DISPLAY_ONLY)
TOPIC = "topic"  # the lecture section a question teaches; kept in Template.extra (the report's "What to reteach")
MIN_DISTINCT_ANSWERS = 50  # over 300 students, unless the template's `variety:` says why it cannot have that many
STUDENTS = 300
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}")


def is_template(data: Located) -> bool:
    """Templates have a kind; specs have questions."""
    return "kind" in data or "questions" not in data


def parse_template(data: Located) -> Template:
    """Check one template mapping and build its Template. Every independent problem is raised at once (one
    TemplateError, a `FILE:LINE: message` line each); only a missing or unknown kind stops the checks."""
    kind = _kind(data)
    extras = tuple(kind.EXTRA_KEYS)
    problems = Problems()
    needed = tuple(key for key, required in kind.EXTRA_KEYS.items() if required)
    problems.attempt(partial(check_keys, data, REQUIRED + needed, OPTIONAL + extras, "a question template",
                             {key: f"kind {data['kind']!r}" for key in needed}))
    qid = problems.attempt(partial(_id, data)) if "id" in data else None  # a missing key: check_keys said so
    title = problems.attempt(partial(_text, data, "title")) if "title" in data else None
    prompt = problems.attempt(partial(_text, data, "prompt")) if "prompt" in data else None
    compiled = problems.attempt(partial(_compile, data)) if prompt is not None else None
    problems.attempt(partial(_variety, data))
    topic = problems.attempt(partial(_topic, data))
    points = problems.attempt(partial(_positive_number, data, "points")) if "points" in data else None
    answer = problems.attempt(partial(_answer, data, kind.FORMATS))
    space = problems.attempt(partial(parse_space, data.get("params"), data.get("constraints"), data))
    if space is not None:  # the kind's own checks may read the parameters it requires: none without them
        space = problems.attempt(partial(_with_required_params, data, kind, space))
    if (any(key not in data for key in needed) or qid is None or title is None or prompt is None or compiled is None
            or topic is None or points is None or answer is None or space is None):
        problems.raise_any()  # the kind's own checks need a whole template: report what is wrong so far
        raise data.error(None, "the template is incomplete")  # not reached: each missing piece noted its error
    locations = {**{key: data.where(key) for key in data}, **item_locations(data, extras)}  # 'layers[0]' too
    template = Template(qid, data["kind"], title.strip(), prompt, space, points, *answer,
                        {**{key: plain(data[key]) for key in extras if key in data}, **topic}, data.where(), locations,
                        compiled)
    problems.attempt(partial(kind.check_template, template))
    problems.found += use_problems(template, kind, data)
    problems.raise_any()
    return template


def _kind(data: Located) -> ModuleType:
    """The template's kind module; without a known kind nothing else can be checked, so this stops at once."""
    if "kind" not in data:
        check_keys(data, REQUIRED, OPTIONAL, "a question template")  # names the missing kind, and any misspelling
        raise data.error(None, "missing key 'kind' in a question template")
    kind_name = data["kind"]
    if kind_name not in KINDS:
        raise data.error("kind", f"unknown kind {kind_name!r}{suggest(str(kind_name), KINDS)}; "
                                 f"known kinds: {', '.join(sorted(KINDS))}")
    return KINDS[kind_name]


def _id(data: Located) -> str:
    """The template's id, usable in file names and keys."""
    qid = data["id"]
    if not isinstance(qid, str) or not ID_PATTERN.fullmatch(qid):
        raise data.error("id", f"id must be letters, digits, '-' or '_' (at most 61), got {qid!r}")
    return qid


def _text(data: Located, key: str) -> str:
    """A key that must hold non-empty text (the title, the prompt)."""
    if not isinstance(data[key], str) or not data[key].strip():
        raise data.error(key, f"{key} must be non-empty text")
    return data[key]


def _with_required_params(data: Located, kind: ModuleType, space: ParamSpace) -> ParamSpace:
    """The parameter space, once every parameter the kind needs is in it."""
    missing = [name for name in kind.REQUIRED if name not in space.names]
    if missing:
        raise data.error("params" if "params" in data else None,
                         f"kind {data['kind']!r} needs parameter {missing[0]!r} under params "
                         f"(it needs {', '.join(kind.REQUIRED)})")
    return space


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

