"""Template validation: every error names the file and line, and says what is wrong."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.limits import MAX_DRAWS
from generator.templates import load_template, template_files, topic_of

GOOD = textwrap.dedent("""
    id: conv-out
    kind: output_size
    title: Output size
    points: 3
    params:
      H: {range: [16, 64]}
      W: {expr: H}
      C: 3
      K: {choices: [3, 5]}
      S: {choices: [1, 2]}
      P: {range: [0, 2]}
      F: 8
    prompt: |
      Input {{ H }}x{{ W }}x{{ C }}, {{ F }} filters {{ K }}x{{ K }}, stride {{ S }}, padding {{ P }}.
    """).lstrip("\n")


def error_of(write_yaml: Callable[[str, str], Path], text: str) -> str:
    """The one-line message of the TemplateError a template file raises."""
    path = write_yaml("t.yaml", text)
    with pytest.raises(TemplateError) as caught:
        template = load_template(path)
        KINDS[template.kind].generate(template, 0)
    return str(caught.value)


def test_good_template_loads(write_yaml: Callable[[str, str], Path]) -> None:
    template = load_template(write_yaml("t.yaml", GOOD))
    assert (template.id, template.kind, template.points, template.answer_format) == ("conv-out", "output_size", 3.0,
                                                                                     "shape")
    assert template.space.names == ("H", "W", "C", "K", "S", "P", "F")


def test_yaml_syntax_error_gives_file_and_line(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("t.yaml", "id: x\nkind: concept\ntitle: 'unclosed\npoints: 1\n")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert str(caught.value).startswith(f"{path}:5: YAML syntax error")


def test_yaml_bad_indentation_gives_line(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, "id: x\nkind: concept\n  title: bad\n")
    assert "t.yaml:3:" in message and "YAML syntax error" in message


def test_missing_key(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("points: 3\n", ""))
    assert "t.yaml:1:" in message and "missing key 'points'" in message


def test_misspelt_key_suggests_the_closest(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("prompt: |", "promt: |"))
    assert "t.yaml:13:" in message
    assert "unknown key 'promt'" in message and "did you mean 'prompt'?" in message


def test_misspelt_param_form_suggests_the_closest(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("K: {choices: [3, 5]}", "K: {choises: [3, 5]}"))
    assert "t.yaml:9:" in message and "did you mean 'choices'?" in message


def test_unknown_kind(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("kind: output_size", "kind: output_sizes"))
    assert "t.yaml:2:" in message and "unknown kind 'output_sizes'" in message and "'output_size'" in message


def test_empty_range(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("H: {range: [16, 64]}", "H: {range: [64, 16]}"))
    assert "t.yaml:6:" in message and "empty range [64, 16]" in message


def test_empty_choices(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("K: {choices: [3, 5]}", "K: {choices: []}"))
    assert "t.yaml:9:" in message and "empty range" in message


def test_unsatisfiable_constraint_is_named_after_max_tries(write_yaml: Callable[[str, str], Path]) -> None:
    text = GOOD + "constraints:\n  - name: the output is huge\n    check: out_size(H, K, S, P) > 1000\n"
    message = error_of(write_yaml, text)
    assert message.endswith(f"t.yaml:17: constraint 'the output is huge': no draw out of {MAX_DRAWS} met it; "
                            "e.g. H=57, K=5, S=2, P=0: out_size(H, K, S, P) > 1000 is false")


def test_constraint_with_unknown_name(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD + "constraints:\n  - exact(H, K, S, Q)\n")
    assert "t.yaml:16:" in message and "unknown name 'Q'" in message


def test_constraint_cannot_run_code(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD + "constraints:\n  - H.__class__ == 1\n")
    assert "t.yaml:16:" in message and "Attribute" in message


def test_kind_needs_its_parameters(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("  S: {choices: [1, 2]}\n", ""))
    assert "t.yaml:5:" in message and "needs parameter 'S'" in message


def test_output_size_prompt_must_state_padding(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace(", padding {{ P }}", ", zero padding"))
    assert "t.yaml:13:" in message and "{{ P }}" in message and "ambiguous" in message


def test_prompt_with_undefined_variable(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("stride {{ S }}", "stride {{ stride }}"))
    assert "t.yaml:13:" in message and "'stride' is undefined" in message


def test_prompt_syntax_error_points_inside_the_prompt(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("padding {{ P }}.", "padding {{ P }}.\n  {% if %}"))
    assert "t.yaml:15:" in message and "template syntax error" in message


def test_answer_format_not_offered(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD + "answer:\n  format: shap\n")
    assert "t.yaml:16:" in message and "did you mean 'shape'?" in message


def test_duplicate_key(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD + "points: 4\n")
    assert "t.yaml:15:" in message and "duplicate key 'points'" in message


def test_bad_points(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("points: 3", "points: -1"))
    assert "t.yaml:4:" in message and "positive number" in message


def test_not_a_mapping(write_yaml: Callable[[str, str], Path]) -> None:
    assert "must hold a mapping" in error_of(write_yaml, "- just\n- a list\n")


def test_concept_needs_its_statements(write_yaml: Callable[[str, str], Path]) -> None:
    text = "id: c\nkind: concept\ntitle: C\npoints: 1\nprompt: Why?\ncorrect: [Because.]\n"
    message = error_of(write_yaml, text)
    assert "t.yaml:1:" in message and "missing key 'distractors'" in message


def test_layer_expressions_are_checked(write_yaml: Callable[[str, str], Path]) -> None:
    text = ("id: r\nkind: receptive_field\ntitle: R\npoints: 1\nprompt: Field?\nparams:\n  k: 3\n"
            "layers:\n  - {type: conv2d, out_channels: 4, kernel_size: kk}\n")
    message = error_of(write_yaml, text)
    assert message.endswith("t.yaml:9: layer 1 (conv2d): kernel_size: expression 'kk' uses unknown name 'kk' "
                            "(did you mean 'k'?)")


def test_unknown_filter_name(write_yaml: Callable[[str, str], Path]) -> None:
    text = "id: f\nkind: named_filter\ntitle: F\npoints: 1\nprompt: x\nparams:\n  filter: blur\n  H: 4\n"
    assert "unknown filter 'blur'" in error_of(write_yaml, text)


def test_missing_file() -> None:
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(Path("/nonexistent/t.yaml"))


def test_topic_is_optional_one_line_and_every_bundled_template_names_its_lecture_section(
        write_yaml: Callable[[str, str], Path]) -> None:
    assert topic_of(load_template(write_yaml("t.yaml", GOOD))) is None, "an instructor's own template may leave it out"
    named = load_template(write_yaml("t.yaml", GOOD.replace("points: 3", 'topic: "3. Pooling Layers"\npoints: 3')))
    assert topic_of(named) == "3. Pooling Layers"
    message = error_of(write_yaml, GOOD.replace("points: 3", "topic: [Pooling]\npoints: 3"))
    assert "t.yaml:4:" in message and "topic must be one line of text" in message
    bundled = template_files(Path(__file__).resolve().parents[2] / "assignments" / "templates")
    sections = ("1. Limitations of Multi-Layer Perceptrons", "2. Convolutional Layers", "3. Pooling Layers",
                "4. ConvNets Architectures for Computer Vision", "5. Summary", "Homework",
                "Beyond the lecture: ")  # the course goes on after LeNet-5: batch norm, cost, residual blocks, ...
    for path in bundled:
        topic = topic_of(load_template(path))
        assert topic is not None and topic.startswith(sections), f"{path.name}: topic {topic!r}"


def test_every_error_of_a_file_is_reported_at_once_each_at_its_line(write_yaml: Callable[[str, str], Path]) -> None:
    text = (GOOD.replace("points: 3", "pionts: 3").replace("H: {range: [16, 64]}", "H: {range: [64, 16]}")
            .replace("K: {choices: [3, 5]}", "K: {choises: [3, 5]}") + "constraints:\n  - exact(H, K, S, Q)\n")
    path = write_yaml("t.yaml", text)
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:{n}" for n in (4, 6, 9, 16)]
    assert "unknown key 'pionts'" in lines[0] and "did you mean 'points'?" in lines[0]  # no second "missing points"
    assert "empty range [64, 16]" in lines[1] and "did you mean 'choices'?" in lines[2]
    assert "unknown name 'Q'" in lines[3]
    assert [str(one) for one in caught.value.problems] == lines and caught.value.where == f"{path}:4"


def test_one_error_is_reported_as_before(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("t.yaml", GOOD.replace("H: {range: [16, 64]}", "H: {range: [64, 16]}"))
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert str(caught.value) == f"{path}:6: parameter 'H': empty range [64, 16] (low is above high)"
    assert caught.value.problems == (caught.value,)


def test_an_unknown_kind_stops_at_once(write_yaml: Callable[[str, str], Path]) -> None:
    message = error_of(write_yaml, GOOD.replace("kind: output_size", "kind: output_sizes").replace("[16, 64]", "[64, 16]"))
    assert "\n" not in message and "unknown kind 'output_sizes'" in message
