"""Reading untrusted notebooks: every kind of bad file gives a one-line NotebookError, never another exception."""

import json

import pytest

from grader.notebook import NotebookError, cells, notebook_cnnlab, parse, source_text, strip_outputs


def _nb(**extra: object) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"cnnlab": {"student_id": "s1"}},
            "cells": [{"cell_type": "code", "source": ["x = ", "1"], "metadata": {"cnnlab": {"qid": "q1"}},
                       "outputs": [{"output_type": "stream", "text": "big"}], "execution_count": 3}], **extra}


def test_parse_valid_notebook_with_bom() -> None:
    assert parse(b"\xef\xbb\xbf" + json.dumps(_nb()).encode())["nbformat"] == 4


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"  \n", "empty"), (b"\xff\xfe{", "not UTF-8"), (b"{not json", "not JSON"),
    (b"[1, 2]", "not a notebook"), (json.dumps({**_nb(), "nbformat": 3}).encode(), "unsupported nbformat version 3"),
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
