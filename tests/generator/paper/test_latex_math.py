"""LaTeX math as templates write it -> Typst math: the lecture's formulas, exactly; anything else goes to pandoc."""

from __future__ import annotations

import pytest
import typst

from generator.paper.latex_math import UnknownLatex, to_typst_math
from generator.paper.markup import to_typst


@pytest.mark.parametrize(("latex", "typst_math"), [
    (r"W_{out} = \lfloor (W - K + 2P) / S \rfloor + 1", r"W_(o u t) = floor.l ( W - K + 2 P ) \/ S floor.r + 1"),
    (r"y_i = \sum_m w_m \, x_{i + m}", "y_i = sum_m w_m thin x_(i + m)"),
    (r"\begin{bmatrix} 1 & -2 \\ 0 & 3 \end{bmatrix}", 'mat(delim: "[", 1, - 2; 0, 3)'),
    (r"1{,}000 \times 1{,}000", '1","000 times 1","000'),
    (r"F (K^2 C_{in} + 1)", "F ( K^2 C_(i n) + 1 )"),
    (r"\frac{a}{b} \le \text{max pool}", '(a)/(b) <= "max pool"'),
    (r"\frac{1}{16} \begin{bmatrix} 1 \end{bmatrix}", '(1)/(16) mat(delim: "[", 1)'),
    (r"\frac{(a)}{b}", "(( a ))/(b)"),
    (r"\alpha \cdot \varepsilon", "alpha dot epsilon.alt"),
    (r"\frac{\partial L}{\partial w}", "(partial L)/(partial w)"),  # Typst 0.12 renamed diff to partial
    (r"\hat x = \sqrt 2", "hat(x) = sqrt(2)"),  # an argument without braces is still an argument, never hatx
    (r"a \odot b \otimes c \oplus d", "a dot.o b times.o c plus.o d"),  # Typst 0.15's names
    (r"\langle x \rangle \cap B", "chevron.l x chevron.r inter B"),
])
def test_known_formulas(latex: str, typst_math: str) -> None:
    assert to_typst_math(latex) == typst_math
    typst.compile(f"${typst_math}$".encode(), ignore_system_fonts=True)  # every name is one this Typst knows


@pytest.mark.parametrize("latex", [r"\unknowncommand x", r"\begin{align} x \end{align}", "{x", "x}"])
def test_what_it_does_not_know_it_refuses(latex: str) -> None:
    with pytest.raises(UnknownLatex):
        to_typst_math(latex)


def test_unknown_latex_goes_to_pandoc_and_compiles() -> None:
    """\\binom is not in the table: pandoc's texmath converts it, in the same batch as the rest."""
    known, unknown = to_typst([r"Known $a \times b$.", r"Unknown $\binom{n}{k}$ here."])
    assert known == "Known $a times b$." and "binom" in unknown and "\\binom" not in unknown
    typst.compile(f"{known}\n\n{unknown}".encode(), ignore_system_fonts=True)
