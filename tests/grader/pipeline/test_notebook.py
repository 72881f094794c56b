"""Reading untrusted notebooks: every kind of bad file gives a one-line NotebookError, never another exception."""

import json

import pytest

from grader.pipeline.notebook import NotebookError, cells, notebook_cnnlab, parse, source_text, strip_outputs


def _nb(**extra: object) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"cnnlab": {"student_id": "s1"}},
            "cells": [{"cell_type": "code", "source": ["x = ", "1"], "metadata": {"cnnlab": {"qid": "q1"}},
                       "outputs": [{"output_type": "stream", "text": "big"}], "execution_count": 3}], **extra}


def _deep(levels: int) -> list:
    nested: list = []
    for _ in range(levels - 1):
        nested = [nested]
    return nested


def _with(value: bytes) -> bytes:
    """A valid notebook with one more top-level value, as raw JSON text."""
    return json.dumps(_nb()).encode()[:-1] + b', "x": ' + value + b"}"


def test_parse_valid_notebook_with_bom() -> None:
    assert parse(b"\xef\xbb\xbf" + json.dumps(_nb()).encode())["nbformat"] == 4


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"  \n", "empty"), (b"\xff\xfe{", "not UTF-8"), (b"{not json", "not JSON"),
    (b"[1, 2]", "not a notebook"), (json.dumps({**_nb(), "nbformat": 3}).encode(), "unsupported nbformat version 3"),
    (b"[" * 100_000, "nested more than 100 levels deep"),  # json.loads: RecursionError
    (json.dumps(_nb(x=_deep(100))).encode(), "nested more than 100 levels deep"),  # parses, but deeper than allowed
    (_with(b"9" * 5000), "an integer of more than 4300 digits"),  # json.loads: ValueError (Python 3.11+)
    (_with(b"NaN"), "holds NaN, which is not JSON"), (_with(b"[Infinity]"), "holds Infinity, which is not JSON"),
    (_with(b"-1e400"), "a number too large for a float"), (_with(b'{"\\udc00": 1}'), "not valid Unicode"),
    (json.dumps(_nb(cells=[{}, None])).encode(), "cell 2 is null, not an object"),
])
def test_bad_files_give_one_line_messages(data: bytes, message: str) -> None:
    with pytest.raises(NotebookError, match=message) as error:
        parse(data)
    assert "\n" not in str(error.value)


def test_strip_outputs_removes_outputs_counts_and_widgets() -> None:
    nb = _nb(metadata={"widgets": {"state": "x" * 100}, "cnnlab": {}})
    stripped = strip_outputs(nb)
    assert stripped["cells"][0]["outputs"] == [] and stripped["cells"][0]["execution_count"] is None
    assert "widgets" not in stripped["metadata"]
    assert nb["cells"][0]["outputs"], "the input notebook is left alone"


def test_cells_and_metadata_tolerate_garbage() -> None:
    nb = _nb()
    nb["cells"].append({"cell_type": "code", "source": 5, "metadata": "junk"})
    found = cells(nb)
    assert found[0].source == "x = 1" and found[0].cnnlab == {"qid": "q1"}
    assert found[1].source == "" and found[1].cnnlab == {}
    assert notebook_cnnlab({"metadata": None}) == {} and notebook_cnnlab(nb) == {"student_id": "s1"}
    assert source_text(["a", 1]) == ""


def test_limits_leave_real_notebooks_alone() -> None:
    notebook = parse(json.dumps(_nb(x=_deep(98), n=int("9" * 4300), f=1e308, text="é")).encode())
    assert notebook["n"] == int("9" * 4300) and notebook["f"] == 1e308, "nested 99 deep with the notebook: fine"
    assert parse(b'{"nbformat": 3, "cells": [], "nbformat": 4}')["nbformat"] == 4, "duplicate keys: the last counts"
