"""`cnnlab table` prints the reference layer tables."""

from __future__ import annotations

import pytest

import cnnlab


def test_table_prints_lenet5_with_its_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert cnnlab.main(["table", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "61,706" in out and "16x5x5" in out and "conv 6@5x5" in out


def test_table_prints_the_lecture_mlp(capsys: pytest.CaptureFixture[str]) -> None:
    assert cnnlab.main(["table", "mlp"]) == 0
    assert "669,706" in capsys.readouterr().out


def test_unknown_architecture_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cnnlab.main(["table", "alexnet"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'alexnet'" in capsys.readouterr().err
