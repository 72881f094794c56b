"""Page tokens: what a QR code on a page says, signed so that a page off the floor is matched to its key."""

from __future__ import annotations

import re

import pytest

from generator.paper.token import qr_svg, sign, verify

SECRET = b"a-course-secret-of-some-length"


def test_a_token_names_its_exam_sheet_and_page() -> None:
    assert verify(SECRET, sign(SECRET, "cnn-midterm", "form-B", 3)) == ("cnn-midterm", "form-B", 3)


@pytest.mark.parametrize("tamper", [lambda t: t.replace(":3:", ":4:"), lambda t: t.replace("form-B", "form-A"),
                                    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"), lambda t: "garbage"])
def test_a_changed_token_or_another_secret_fails(tamper) -> None:  # type: ignore[no-untyped-def]
    token = sign(SECRET, "cnn-midterm", "form-B", 3)
    with pytest.raises(ValueError):
        verify(SECRET, tamper(token))
    with pytest.raises(ValueError, match="does not match"):
        verify(b"another-secret-entirely", token)


def test_the_qr_code_is_an_svg_of_dark_modules() -> None:
    svg = qr_svg(sign(SECRET, "cnn-midterm", "s2025001", 1))
    assert svg.startswith("<svg") and 'viewBox="0 0 37 37"' in svg  # version 4: 33 x 33 modules, 2 quiet each side
    dark = sum(int(run) for run in re.findall(r"h(\d+)v1", svg))
    assert 33 * 33 * 0.35 < dark < 33 * 33 * 0.65  # about half the modules are dark
    assert svg == qr_svg(sign(SECRET, "cnn-midterm", "s2025001", 1))


def test_the_svg_draws_exactly_the_codes_modules() -> None:
    """Every run in the path, put back on a grid, gives segno's own matrix for the token (mask fixed at 0)."""
    import segno

    token = sign(SECRET, "cnn-midterm", "form-A", 2)
    matrix = segno.make(token, error="m", micro=False, mask=0).matrix
    drawn = [[0] * len(matrix) for _ in matrix]
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1", qr_svg(token)):
        for column in range(int(x) - 2, int(x) - 2 + int(run)):
            drawn[int(y) - 2][column] = 1
    assert drawn == [list(row) for row in matrix]
