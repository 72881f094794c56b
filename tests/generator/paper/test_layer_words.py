"""The LeNet table and the receptive-field stack say their layers in words on paper, padding stated even when 0:
'6 filters, 3 × 3, stride 1, no padding' rather than 'conv 6@3x3'; the notebook keeps the lecture's notation."""

from __future__ import annotations

import re

from generator.kinds import KINDS, answer_fields
from generator.kinds._layers import stack_in_words
from generator.media import prompt_for
from generator.seeds import read_secret
from generator.spec import load_spec
from tests.generator.conftest import ASSIGNMENTS, bundled
from tests.generator.paper.typeset_probe import pages_text, typeset


def test_layers_in_words() -> None:
    layers = [{"type": "conv2d", "out_channels": 6, "kernel_size": 3},
              {"type": "conv2d", "out_channels": 1, "kernel_size": [3, 5], "stride": 2, "padding": 1},
              {"type": "maxpool2d", "kernel_size": 2}, {"type": "avgpool2d", "kernel_size": 3, "stride": 1},
              {"type": "flatten"}, {"type": "dense", "out_features": 1}]
    assert stack_in_words(layers) == ["6 filters, 3 × 3, stride 1, no padding",
                                      "1 filter, 3 × 5, stride 2, zero padding 1",
                                      "max pool 2 × 2, stride 2, no padding",
                                      "average pool 3 × 3, stride 1, no padding", "flatten", "dense, 1 unit"]


def test_the_table_and_the_stack_in_words_on_paper_only() -> None:
    table = KINDS["layer_table"].generate(bundled("lenet-table"), 5)
    notes = [row.note for row in answer_fields(table).items if row.label != "total"]
    assert notes == stack_in_words(table.params["layers"]) and all("@" not in note for note in notes)
    field = KINDS["receptive_field"].generate(bundled("receptive-field"), 5)
    paper, notebook = prompt_for(field, "paper"), prompt_for(field, "notebook")
    assert "@" in notebook and "@" not in paper and paper.count("padding") >= 5


def test_the_bundled_exam_and_its_keys_print_no_layer_notation() -> None:
    for paper in typeset(load_spec(ASSIGNMENTS / "cnn-exam.yaml"), read_secret(ASSIGNMENTS / "demo.secret"), 2):
        for document in (paper.exam, paper.key):
            text = re.sub(r"\s+", " ", " ".join(pages_text(document)))
            assert not re.search(r"\d@\d", text) and "filters, " in text and "no padding" in text
