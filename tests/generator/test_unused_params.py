"""No template parameter is drawn and shown while the answer ignores it: each kind declares what it reads, and
parsing rejects a parameter nothing uses unless the template lists it under `display_only:`."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.kinds import KINDS
from generator.param_use import kind_reads
from generator.templates import load_template
from tests.generator.test_templates import GOOD

KINDS_DIR = Path(__file__).resolve().parents[2] / "generator" / "kinds"
PACKAGE = "generator.kinds"
READS_OUTPUT_SIZE = "output_size reads H, W, C, K, S, P, layer, F, D"
OUTPUT_SIZE = (GOOD.replace("  F: 8\n", "  F: 8\n  G: {choices: [1, 2]}\n")
               .replace("padding {{ P }}.", "padding {{ P }}, groups {{ G }}."))
# G (line 13) is shown by the prompt and read by nothing: no kind has groups


def error_of(write_yaml: Callable[[str, str], Path], text: str) -> str:
    """The message of the TemplateError that parsing the template raises."""
    path = write_yaml("t.yaml", text)
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    return str(caught.value).replace(f"{path.parent}/", "")


# ---- each kind's declaration against what its module reads ------------------------------------------------------

@cache
def _module(name: str) -> tuple[dict[str, ast.FunctionDef], dict[str, tuple[str, str]], list[ast.stmt]]:
    """A generator.kinds module's top-level functions, its names imported from sibling modules, its statements."""
    tree = ast.parse((KINDS_DIR / f"{name}.py").read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    imported = {alias.asname or alias.name: (node.module.rsplit(".", 1)[1], alias.name) for node in tree.body
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{PACKAGE}.")
                for alias in node.names}
    return functions, imported, tree.body


def _is_params(node: ast.expr) -> bool:
    """A use of the name `params` (every kind's compute and helper functions take the drawn parameters so)."""
    return isinstance(node, ast.Name) and node.id == "params"


def _literal_keys(function: ast.FunctionDef | ast.Lambda) -> Iterator[str]:
    """The text keys read off a `params` argument: params["X"], params.get("X", ...), "X" in params."""
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and _is_params(node.value) and isinstance(node.slice, ast.Constant):
            yield node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and _is_params(node.func.value) and node.args and isinstance(node.args[0], ast.Constant)):
            yield node.args[0].value
        elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant)
              and any(_is_params(side) for side in node.comparators)):
            yield node.left.value


def _reads_of_params_arguments(node: ast.AST) -> set[str]:
    """The keys read in every function or lambda of `node` that takes an argument named params."""
    return {key for function in ast.walk(node) if isinstance(function, (ast.FunctionDef, ast.Lambda))
            and "params" in {arg.arg for arg in function.args.args} for key in _literal_keys(function)}


def scanned_reads(kind: str) -> set[str]:
    """The parameters a kind's module reads by name: in its own code and in every function of generator/kinds it
    names (called, or handed on as a value), followed from module to module."""
    seen: set[tuple[str, str | None]] = set()
    todo: list[tuple[str, str | None]] = [(kind, None)]  # None: the whole module
    found: set[str] = set()
    while todo:
        module, name = todo.pop()
        if (module, name) in seen:
            continue
        seen.add((module, name))
        functions, imported, body = _module(module)
        for node in (body if name is None else [functions[name]]):
            found |= _reads_of_params_arguments(node)
            for used in (n.id for n in ast.walk(node) if isinstance(n, ast.Name)):
                if used in functions:
                    todo.append((module, used))
                elif used in imported and imported[used][1] in _module(imported[used][0])[0]:
                    todo.append(imported[used])
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_declares_exactly_the_parameters_its_module_reads(kind: str) -> None:
    declared = kind_reads(KINDS[kind])
    assert len(set(declared)) == len(declared), f"{kind}: a parameter is declared twice (REQUIRED and OPTIONAL_PARAMS)"
    assert set(declared) == scanned_reads(kind), (
        f"generator/kinds/{kind}.py: declared {sorted(declared)}, reads {sorted(scanned_reads(kind))}: fix "
        "REQUIRED or OPTIONAL_PARAMS, or a template could set a parameter the answer ignores")


def test_the_scan_follows_helpers_into_other_modules() -> None:
    assert {"x_low", "x_high", "W"} <= scanned_reads("pooling_by_hand")  # via _common.draw_image and image_shape
    assert "W" not in scanned_reads("named_filter")  # its image is square: H by H, whatever W says
    assert {"n_cases", "max_stride"} <= scanned_reads("code_conv2d_backward")  # via code_conv2d.draw_conv_cases


# ---- unused parameters ------------------------------------------------------------------------------------------

def test_a_parameter_only_the_prompt_shows_is_an_error_naming_its_own_line(
        write_yaml: Callable[[str, str], Path]) -> None:
    assert error_of(write_yaml, OUTPUT_SIZE) == (
        f"t.yaml:13: parameter 'G' is not used by output_size: the answer ignores it ({READS_OUTPUT_SIZE}); "
        "if only the prompt shows it, list it under display_only")


def test_a_display_only_parameter_passes(write_yaml: Callable[[str, str], Path]) -> None:
    template = load_template(write_yaml("t.yaml", OUTPUT_SIZE + "display_only: [G]\n"))
    assert "G" in template.space.names and "groups" in template.compiled_prompt.render(G=2, H=8, W=8, C=1, F=1, K=3,
                                                                                        S=1, P=0)


def test_a_display_only_parameter_that_is_used_is_an_error(write_yaml: Callable[[str, str], Path]) -> None:
    assert error_of(write_yaml, OUTPUT_SIZE + "display_only: [G, S]\n") == (
        "t.yaml:16: display_only: parameter 'S' is not display-only: output_size reads it; remove it from display_only")


def test_display_only_must_name_parameters_the_prompt_shows(write_yaml: Callable[[str, str], Path]) -> None:
    assert error_of(write_yaml, OUTPUT_SIZE + "display_only:\n  - G\n  - Gs\n") == (
        "t.yaml:18: display_only: 'Gs' is not a parameter (did you mean 'G'?); the parameters are H, W, C, K, S, P, "
        "F, G")
    hidden = OUTPUT_SIZE.replace(", groups {{ G }}", "") + "display_only: [G]\n"
    assert error_of(write_yaml, hidden) == ("t.yaml:16: display_only: parameter 'G' is not shown by the prompt either: "
                                            "show it with {{ G }} or remove it")


def test_a_parameter_nothing_reads_says_remove_it_and_suggests_a_close_name(
        write_yaml: Callable[[str, str], Path]) -> None:
    text = OUTPUT_SIZE.replace("  G: {choices: [1, 2]}\n", "  layr: pool\n").replace(", groups {{ G }}", "")
    assert error_of(write_yaml, text) == (
        f"t.yaml:13: parameter 'layr' is used by nothing (did you mean 'layer'?): neither output_size nor the prompt "
        f"reads it ({READS_OUTPUT_SIZE}); remove it")


def test_a_parameter_used_only_by_a_constraint_or_an_expression_passes(
        write_yaml: Callable[[str, str], Path]) -> None:
    text = (OUTPUT_SIZE.replace("  G: {choices: [1, 2]}\n", "  M: {choices: [8, 16]}\n  N: {expr: M * 2}\n")
            .replace(", groups {{ G }}", "") + "constraints:\n  - H >= N\n")
    assert load_template(write_yaml("t.yaml", text)).space.names[-2:] == ("M", "N")


def test_what_feeds_only_a_display_only_parameter_is_display_only_too(
        write_yaml: Callable[[str, str], Path]) -> None:
    text = OUTPUT_SIZE.replace("  G: {choices: [1, 2]}\n", "  G: {choices: [1, 2]}\n  G2: {expr: G * 2}\n")
    text = text.replace("groups {{ G }}", "groups {{ G2 }}") + "display_only: [G2]\n"
    assert error_of(write_yaml, text) == (
        f"t.yaml:13: parameter 'G' is not used by output_size: the answer ignores it ({READS_OUTPUT_SIZE}); "
        "if only the prompt shows it, list it under display_only")
    assert load_template(write_yaml("t.yaml", text.replace("[G2]", "[G, G2]"))).space.names[-2:] == ("G", "G2")


def test_parameters_the_layers_refer_to_are_used(write_yaml: Callable[[str, str], Path]) -> None:
    text = textwrap.dedent("""
        id: r
        kind: receptive_field
        title: R
        points: 1
        prompt: "{{ stack }} with {{ extra }} channels"
        params:
          k: {choices: [3, 5]}
          extra: 4
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: k}
        """).lstrip("\n")
    assert error_of(write_yaml, text) == (
        "t.yaml:8: parameter 'extra' is not used by receptive_field: the answer ignores it (receptive_field reads "
        "none by name); if only the prompt shows it, list it under display_only")
    assert load_template(write_yaml("t.yaml", text.replace("out_channels: 4", "out_channels: extra"))).space.names \
        == ("k", "extra")


def test_the_docs_table_of_kinds_names_every_parameter_each_kind_reads() -> None:
    text = (KINDS_DIR.parents[1] / "docs" / "TEMPLATES.md").read_text(encoding="utf-8")
    rows = {cell.strip("` "): line.split("|")[2] for line in text.splitlines() if line.startswith("| `")
            for cell in line.split("|")[1].split(",")}
    for kind, module in KINDS.items():
        missing = [name for name in kind_reads(module) if f"`{name}`" not in rows[kind]]
        assert not missing, f"docs/TEMPLATES.md: the row of {kind} does not name {missing}"
