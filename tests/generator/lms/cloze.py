"""Moodle's own reading of a cloze question's embedded answers, ported from question/type/multianswer/questiontype.php
(qtype_multianswer_extract_question and its ANSWER_ALTERNATIVE regexes), so tests read the export as Moodle does."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"  # PHP's (?<!\\\\|&|&amp;): Python needs one fixed width each
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"  # groups: 1 fraction, 2 percent, 3 answer, 5 feedback
BLANK = re.compile(r"\{([0-9]*):(NUMERICAL|MULTICHOICE):(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}", re.S)
ONE_ALTERNATIVE = re.compile("~?" + ALTERNATIVE, re.S)


@dataclass(frozen=True)
class Alternative:
    """One answer of a blank as Moodle stores it: its fraction (0 to 1), its text and its feedback."""

    fraction: float
    answer: str
    feedback: str


@dataclass(frozen=True)
class Blank:
    """One embedded sub-question: its weight (its share of the question's mark), type and answers."""

    weight: int
    kind: str
    alternatives: tuple[Alternative, ...]


def blanks(text: str) -> list[Blank]:
    """Every embedded answer of a cloze question's text, in order, read as Moodle reads them."""
    found = []
    while match := BLANK.search(text):
        rest, alternatives = match.group(3), []
        while part := ONE_ALTERNATIVE.search(rest):
            fraction = 1.0 if part.group(1) == "=" else float(part.group(2).replace(",", ".")) / 100 \
                if part.group(2) else 0.0
            feedback = html.unescape(part.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            alternatives.append(Alternative(fraction, part.group(3), feedback))
            rest = rest.split(part.group(0), 1)[1]
        found.append(Blank(int(match.group(1) or 1), match.group(2), tuple(alternatives)))
        text = text.replace(match.group(0), f"{{#{len(found)}}}", 1)
    return found
