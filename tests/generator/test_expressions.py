"""Template expressions: arithmetic and the allowed functions only."""

from __future__ import annotations

import pytest

from generator.expressions import compile_expression


def test_arithmetic_and_functions() -> None:
    expr = compile_expression("exact(H, K, S, P) and out_size(H, K, S, P) == 32", ["H", "K", "S", "P"])
    assert expr({"H": 63, "K": 5, "S": 2, "P": 2}) is True
    assert expr({"H": 64, "K": 5, "S": 2, "P": 2}) is False  # floor(63 / 2) + 1 = 32, but not exact
    assert compile_expression("[a, b][:1] + [a * 2]", ["a", "b"])({"a": 3, "b": 4}) == [3, 6]
    assert compile_expression("(k - 1) // 2 if s == 28 else 0", ["k", "s"])({"k": 5, "s": 28}) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os')", "calls something other than"),
    ("H.real", "Attribute"),
    ("(lambda: 1)()", "calls something other than"),
    ("lambda: 1", "Lambda"),
    ("[x for x in H]", "ListComp"),
    ("H +", "invalid expression"),
    ("", "non-empty"),
    ("open('f')", "calls something other than"),
    ("G + 1", "unknown name 'G'"),
])
def test_forbidden(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        compile_expression(text, ["H"])
