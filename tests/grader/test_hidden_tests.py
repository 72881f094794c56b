"""Hidden cases: seeded per student, pinned edge cases included, both references computed and in agreement."""

import numpy as np
import pytest

from grader.hidden_tests import EDGE_CASES, build_cases, recorded_call, with_edge_cases
from generator.kinds._code import exercise


@pytest.mark.parametrize("kind", sorted(EDGE_CASES))
def test_cases_are_seeded_and_both_references_agree(kind: str) -> None:
    hidden = with_edge_cases(kind, {"seed": 11, "cases": []})
    first, again, other = (build_cases(kind, with_edge_cases(kind, {"seed": s, "cases": []})) for s in (11, 11, 12))
    assert len(first) == len(EDGE_CASES[kind]) == len(hidden["cases"])
    assert all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(first, again))
    assert not np.array_equal(first[0].args[0], other[0].args[0]), "another student gets other inputs"
    for case in first:
        np.testing.assert_allclose(case.expected, case.expected_torch, rtol=1e-5, atol=1e-6)


def test_edge_cases_cover_the_issue_list() -> None:
    conv = EDGE_CASES["code_conv2d"]
    assert any(c["stride"] > 1 for c in conv) and any(c["padding"] > 0 for c in conv)
    assert any(c["x_shape"][2] != c["x_shape"][3] for c in conv) and any(c["x_shape"][1] > 1 for c in conv)
    assert any(c["x_shape"][0] > 1 for c in conv)
    pool = EDGE_CASES["code_max_pool2d"]
    assert any(c["stride"] is not None and c["stride"] < c["kernel_size"] for c in pool), "overlapping windows"


def test_recorded_call_matches_the_generator_signature() -> None:
    hidden = {"exercise": "code_conv2d", "seed": 1, "cases": list(EDGE_CASES["code_conv2d"][:1])}
    case = build_cases("code_conv2d", hidden)[0]
    assert len(case.args) == 3 and case.kwargs == {"stride": 2, "padding": 0}
    args, kwargs = recorded_call(exercise("code_max_pool2d").call, {"kernel_size": 2, "stride": None},
                                 {"x": np.zeros((1, 1, 2, 2))})
    assert args[1] == 2 and kwargs == {"stride": None}
