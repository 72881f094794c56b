"""Question text for an LMS: Markdown to HTML, LaTeX in MathJax delimiters and escaped, labels escaped too."""

from __future__ import annotations

from generator.fields import Box, Group
from generator.lms.html import escape, inline_html, markdown_to_html, math_delimiters
from generator.lms.layout import answer_html


def test_inline_and_display_math_get_mathjax_delimiters() -> None:
    text = "Let $x_1 < y$ and $a_b * c_d$.\n\n$$w = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$$"
    rendered = markdown_to_html(text)
    assert r"\(x_1 &lt; y\)" in rendered and r"\(a_b * c_d\)" in rendered  # no <em> from the underscores
    assert r"<p>\[w = \begin{bmatrix} 1 &amp; 2 \\ 3 &amp; 4 \end{bmatrix}\]</p>" in rendered
    assert "$" not in rendered and math_delimiters("$a$ and $$b$$") == r"\(a\) and \[b\]"


def test_raw_html_in_a_prompt_is_escaped() -> None:
    assert markdown_to_html("a <script>x</script> & **b**") == \
        "<p>a &lt;script&gt;x&lt;/script&gt; &amp; <strong>b</strong></p>"
    assert inline_html("**A.** $P$") == r"<strong>A.</strong> \(P\)"
    assert escape('conv <6> "x" $k$') == r"conv &lt;6&gt; &quot;x&quot; \(k\)"


def test_answer_labels_are_escaped_and_tables_laid_out() -> None:
    first = Group("a<b", "row", (Box(("x",), "n", "q.x", 1), Box(("y",), "p", "q.y", 3)), note="5 & 6")
    table = Group("", "table", (first,
                                Group("total", "row", (Box(("t",), "t", "q.t", 2),))),
                  header=("layer", "description", "output", "parameters"))
    html = answer_html(table, lambda box: f"[{box.column}]")
    assert "<td>a&lt;b</td><td>5 &amp; 6</td><td>[q.x]</td><td>[q.y]</td>" in html
    assert "<td>total</td><td></td><td></td><td>[q.t]</td>" in html  # short rows fill from the right
    shape = Group("", "row", tuple(Box((i,), name, f"q.{name}", i) for i, name in enumerate("HWC")))
    assert answer_html(shape, lambda box: "[ ]") == "<p>H [ ] &nbsp; W [ ] &nbsp; C [ ]</p>"
