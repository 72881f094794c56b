"""What most kinds share: the sampling loop, the default answer cell, solution cell, grading and near miss."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jinja2
import numpy as np

from generator.draw_failures import DrawFailures
from generator.errors import TemplateError
from generator.grading.read import SHAPE_ORDER, axes_hint, rules_for
from generator.grading.score import grade_answer
from generator.model import Score, Template, Variant, answer_variable
from generator.limits import MAX_DRAWS
from generator.render import undeclared

Compute = Callable[[Template, dict[str, Any], np.random.Generator], tuple[dict[str, Any], Any]]


def sample_variant(template: Template, seed: int, compute: Compute, **fields: Any) -> Variant:
    """Draw parameters until every constraint holds and the kind can answer; render the prompt."""
    rng = np.random.default_rng(seed)
    failures = DrawFailures(template)  # why draws were thrown away, for the error message
    for _ in range(MAX_DRAWS):
        try:
            params, broken = template.space.draw(rng)
        except ValueError as error:  # a parameter's expression cannot be computed for this draw
            failures.failed(error, {})
            continue
        if broken is not None:
            failures.broke(broken, params)
            continue
        try:
            params, answer = compute(template, params, rng)
        except ValueError as error:
            failures.failed(error, params)
            continue
        try:
            prompt = template.compiled_prompt.render(params).strip()
        except jinja2.UndefinedError as error:
            raise TemplateError(template.locations.get("prompt", template.where),
                                f"prompt: {error.message}; parameters: {', '.join(sorted(params))}") from None
        return Variant(template.id, template.kind, seed, params, answer, template.points, template.title, prompt,
                       template.answer_format, template.tolerance, answer_variable(template.id), **fields)
    raise failures.error(MAX_DRAWS)


def python_literal(value: Any, indent: int = 0) -> str:
    """Readable Python source for a plain JSON value: one line if it fits, else one item (matrix row) per line."""
    text = repr(value)
    if len(text) + indent <= 90 or not isinstance(value, (dict, list)):
        return text
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{key!r}: {python_literal(item, indent + 4)}," for key, item in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{python_literal(item, indent + 4)}," for item in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def solution_source(variant: Variant) -> str:
    """The instructor's answer cell: the correct value assigned to the answer variable."""
    return f"{variant.variable} = {python_literal(variant.answer)}"


def skeleton(value: Any) -> Any:
    """The answer's structure with every number replaced by None (what the student fills in)."""
    if isinstance(value, dict):
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(skeleton(item) for item in value)
    return None


ANSWER_HINTS = {
    "number": "None  # a number",
    "matrix": "None  # a list of rows, e.g. [[1, 2], [3, 4]], or a NumPy array",
    "vector": "None  # a list of numbers, e.g. [1, 2, 3], or a NumPy array",
    "choice": 'None  # one letter, e.g. "A"',
}


def answer_stub(variant: Variant) -> str:
    """The student's answer cell: the variable set to None, or to the answer's skeleton when that gives nothing away."""
    name = variant.variable
    if variant.answer_format in ANSWER_HINTS:
        return f"{name} = {ANSWER_HINTS[variant.answer_format]}"
    if isinstance(variant.answer, dict):
        body = "".join(f"    {key!r}: {skeleton(value)!r},\n" for key, value in variant.answer.items())
        return f"{name} = {{\n{body}}}"
    hint = f"  # {axes_hint(SHAPE_ORDER)}" if variant.answer_format == "shape" else ""
    return f"{name} = {skeleton(variant.answer)!r}{hint}"


def grade(variant: Variant, submitted: Any) -> Score:
    """The answer rules of generator.grading, as the variant's answer format implies them."""
    return grade_answer(variant, submitted, rules_for(variant))


def model_submission(variant: Variant) -> Any:
    """What a student who answers perfectly submits."""
    return copy.deepcopy(variant.answer)


def near_miss(variant: Variant) -> Any:
    """The right answer with one number off by one (or another option letter): must not score full."""
    wrong = copy.deepcopy(variant.answer)

    def nudge(value: Any) -> tuple[bool, Any]:
        if isinstance(value, dict):
            for key in value:
                done, value[key] = nudge(value[key])
                if done:
                    return True, value
            return False, value
        if isinstance(value, list):
            for index, item in enumerate(value):
                done, value[index] = nudge(item)
                if done:
                    return True, value
            return False, value
        if isinstance(value, str):
            return True, "A" if value.strip().upper() != "A" else "B"
        return True, value + 1 + 2 * variant.tolerance

    return nudge(wrong)[1]


def explain_answer(variant: Variant) -> str:
    """The closing line of every worked solution: the value the key holds."""
    source = f"{variant.variable} = {python_literal(variant.answer)}"
    return f"**Answer:** `{source}`" if "\n" not in source else f"**Answer:**\n\n```python\n{source}\n```"


def options_markdown(options: list[str]) -> str:
    """Lettered options for a multiple-choice question."""
    return "\n".join(f"- **{'ABCDEFGHIJ'[i]}.** {text}" for i, text in enumerate(options))


def extra_error(template: Template, key: str, message: str) -> TemplateError:
    """A TemplateError located at one of the template's keys."""
    return TemplateError(template.locations.get(key, template.where), f"{key}: {message}")


def require_in_prompt(template: Template, name: str, why: str) -> None:
    """Fail unless the prompt reads a parameter (e.g. the padding must be stated explicitly)."""
    if name not in undeclared(template.prompt):
        raise extra_error(template, "prompt", f"must mention {{{{ {name} }}}}: {why}")


def padding_stated(template: Template) -> None:
    """By-hand and output-size questions must state the padding: 'zero padding' alone is ambiguous."""
    require_in_prompt(template, "P", "state the padding explicitly ('zero padding' alone is ambiguous)")


def no_checks(template: Template) -> None:
    """Kinds without extra template rules."""


def render(variant: Variant) -> str:
    """The prompt as written by the instructor."""
    return variant.prompt


def prompt_on_paper(render_notebook: Callable[[Variant], str]) -> Callable[[Variant, str], str]:
    """render_for of a kind whose notebook adds a rule to the prompt: on paper the prompt alone, since
    generator/media.py adds the kind's PAPER_NOTE there, or its HINT where the spec asks for hints."""
    def render_for(variant: Variant, medium: str) -> str:
        """The prompt alone on paper, the notebook's text elsewhere (an LMS quiz shows the notebook's rule)."""
        return variant.prompt if medium == "paper" else render_notebook(variant)
    return render_for


def integer_array(rng: np.random.Generator, low: int, high: int, shape: tuple[int, ...]) -> np.ndarray:
    """Small integers in [low, high] (both included) as floats, for by-hand exercises."""
    if low > high:
        raise ValueError(f"value range [{low}, {high}] is empty")
    return rng.integers(low, high + 1, size=shape).astype(float)


def image_shape(params: dict[str, Any]) -> tuple[int, int]:
    """H x W, W defaulting to H (kept apart from draw_image: a kind that calls it reads W, tests/generator checks)."""
    return params["H"], params.get("W", params["H"])


def draw_image(rng: np.random.Generator, params: dict[str, Any], shape: tuple[int, int], high: int) -> np.ndarray:
    """An integer image of this shape with values in [x_low, x_high] (defaults 0 and `high`)."""
    return integer_array(rng, params.get("x_low", 0), params.get("x_high", high), shape)


def exact_list(values: np.ndarray) -> list[Any]:
    """Array to nested lists, integers where the value is whole, else rounded to 4 decimals."""
    rounded = np.round(values, 4)
    whole = np.rint(rounded)
    return whole.astype(int).tolist() if (whole == rounded).all() else rounded.tolist()
