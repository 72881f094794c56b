"""An instructor writes a course from docs/TEMPLATES.md alone, through the real CLI, planting each authoring mistake
once: every mistake is caught with the exact message at the line of the offending entry, and what is right passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cnnlab

DOCS = Path(__file__).resolve().parents[2] / "docs" / "TEMPLATES.md"


def docs_example() -> str:
    """The docs' first template, as an instructor copies it: the YAML block under '## A template'."""
    text = DOCS.read_text(encoding="utf-8")
    return re.search(r"## A template\n\n```yaml\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """cnnlab's exit code, stdout and stderr."""
    code = cnnlab.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line containing text."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The instructor's course folder, holding the docs' example unchanged."""
    (tmp_path / "output-size.yaml").write_text(docs_example())
    return tmp_path


def test_the_docs_example_validates_as_written(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(course / "output-size.yaml"), "--no-sandbox")
    assert code == 0 and err == "" and "template 'output-size' (output_size) OK" in out


def test_a_parameter_the_answer_ignores_is_an_error_at_its_line(course: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "grouped.yaml"
    path.write_text(docs_example().replace("id: output-size", "id: grouped")
                    .replace("  F: {range: [4, 64, 4]}", "  F: {range: [4, 64, 4]}\n  G: {choices: [1, 2]}")
                    .replace("is applied to", "in {{ G }} groups is applied to"))
    code, out, err = run(capsys, "validate", str(path), "--no-sandbox")
    assert code == 2 and out == ""
    assert err == (f"cnnlab: error: {path}:{line_of(path, '  G: ')}: parameter 'G' is not used by output_size: the "
                   "answer ignores it (output_size reads H, W, C, K, S, P, layer, F, D); if only the prompt shows it, "
                   "list it under display_only\n")
    path.write_text(path.read_text() + "display_only: [G]\n")  # shown on purpose: now it passes
    assert run(capsys, "validate", str(path), "--no-sandbox")[0] == 0


def test_dilation_changes_the_key_and_the_worked_solution_shows_it(course: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "dilated.yaml"
    path.write_text(docs_example().replace("id: output-size", "id: dilated")
                    .replace("  F: {range: [4, 64, 4]}", "  F: {range: [4, 64, 4]}\n  D: {choices: [2, 3]}")
                    .replace("check: exact(H, K, S, P)", "check: exact(H, K, S, P, D)")
                    .replace("filters of size", "filters (dilation $D = {{ D }}$) of size"))
    assert run(capsys, "validate", str(path), "--no-sandbox")[0] == 0
    code, out, _ = run(capsys, "preview", str(path), "--seed", "3", "--params")
    assert code == 0 and "D(K - 1) + 1" in out and re.search(r"- `D` = `[23]`", out)


def test_every_error_of_a_file_at_once(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "typos.yaml"
    path.write_text(docs_example().replace("  H: {range: [16, 128]}", "  H: {range: [128, 16]}")
                    .replace("title:", "titel:"))
    code, out, err = run(capsys, "validate", str(path), "--no-sandbox")
    assert code == 2 and out == ""
    assert err.splitlines() == [  # in the file's order
        f"cnnlab: error: {path}:{line_of(path, 'titel:')}: unknown key 'titel' in a question template (did you mean "
        f"'title'?); valid keys: {err.split('valid keys: ')[1].splitlines()[0]}",
        f"cnnlab: error: {path}:{line_of(path, 'H: {range')}: parameter 'H': empty range [128, 16] (low is above "
        "high)",
    ]


def test_an_unsatisfiable_constraint_shows_one_failing_draw(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "never.yaml"
    path.write_text(docs_example().replace("  H: {range: [16, 128]}", "  H: {choices: [9, 11]}")
                    .replace("  K: {choices: [3, 5, 7]}", "  K: 2").replace("  S: {choices: [1, 2, 3]}", "  S: 2")
                    .replace("  P: {range: [0, 3]}", "  P: 0"))
    code, _, err = run(capsys, "validate", str(path), "--no-sandbox")
    assert code == 2
    assert re.fullmatch(rf"cnnlab: error: {re.escape(str(path))}:{line_of(path, 'check: exact')}: constraint "
                        r"'the output size is an exact integer': no draw out of 1000 met it; e\.g\. H=(9|11), K=2, "
                        r"S=2, P=0: \((9|11) − 2 \+ 2 × 0\) / 2 = (3\.5|4\.5) is not whole\n", err), err


def test_a_layer_table_layer_without_its_filters_is_named_at_its_line(
        course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "table.yaml"
    path.write_text("id: table\nkind: layer_table\ntitle: A small CNN\npoints: 2\nparams:\n  c1: {choices: [4, 6]}\n"
                    "  input_shape: [1, 28, 28]\nlayers:\n  - {type: conv2d, out_channels: c1, kernel_size: 5}\n"
                    "  - {type: maxpool2d, kernel_size: 2}\n  - {type: conv2d, kernel_size: 3}\n"
                    "  - {type: flaten}\nprompt: |\n  {{ stack }}\n\n  Give the table.\n")
    code, _, err = run(capsys, "validate", str(path), "--no-sandbox")
    assert code == 2
    first, second = err.splitlines()
    assert first == f"cnnlab: error: {path}:11: layer 3 (conv2d): missing out_channels, the number of filters"
    assert second.startswith(f"cnnlab: error: {path}:12: layer 4: unknown type 'flaten' (did you mean 'flatten'?); "
                             "layer_table takes conv2d, ")
    assert "__init__" not in err and "tries" not in err


def test_a_receptive_field_stack_prints_what_its_key_uses(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "rf.yaml"
    path.write_text("id: rf\nkind: receptive_field\ntitle: Dilated stack\npoints: 2\nparams:\n  D: {choices: [2, 3]}\n"
                    "layers:\n  - {type: conv2d, kernel_size: 5, dilation: D}\n"
                    "  - {type: maxpool2d, kernel_size: 2, stride: 1}\nprompt: |\n  {{ stack }}\n\n"
                    "  What is the receptive field?\n")
    assert run(capsys, "validate", str(path), "--no-sandbox")[0] == 0  # no out_channels: it does not change a field
    code, out, _ = run(capsys, "preview", str(path), "--seed", "0", "--params")
    dilation = int(re.search(r"- `D` = `(\d)`", out).group(1))  # type: ignore[union-attr]
    assert code == 0 and f"1. conv 5x5, dilation {dilation}\n2. max pool 2x2, stride 1" in out
    assert f"answer_rf = {1 + dilation * 4 + 1}" in out  # the key uses the dilation the prompt shows


def test_a_block_tag_ending_a_line_keeps_its_newline(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = course / "windows.yaml"
    path.write_text(docs_example().replace(
        "  What is the size", "  The windows {% if S < K %}overlap.{% endif %}\n  What is the size"))
    code, out, _ = run(capsys, "preview", str(path), "--seed", "1")
    assert code == 0 and "overlap.What" not in out and "\nWhat is the size" in out


def test_variety_is_visible_to_the_instructor(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(course / "output-size.yaml"), "--no-sandbox", "--variety")
    distinct = int(re.search(r"output-size \(output_size\): (\d+) distinct answers over 300 students", out)
                   .group(1))  # type: ignore[union-attr]
    assert code == 0 and distinct >= 50 and re.search(r"\n  S: 1 ×\d+, 2 ×\d+, 3 ×\d+", out)
