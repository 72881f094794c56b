"""Page tokens: what a QR code on a page says, signed so that a page off the floor is matched to its key."""

from __future__ import annotations

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
    assert svg.startswith("<svg") and svg.count("h1v1h-1z") > 300  # a version-4 code: 33 x 33 modules
    assert svg == qr_svg(sign(SECRET, "cnn-midterm", "s2025001", 1))
