"""Code compared across a class: normalised token k-grams, names and comments stripped, starter code left out.

Python's own tokenize module reads the source (no dependency; it knows every token of the language, and a cell
that does not parse is tokenised line by line). Identifiers become `V` (attribute names such as `np.zeros`, modules
before their dot and builtins stay: they are the language, not the student's choice), strings `S`, comments and
docstrings go.
Lines of the starter code, and k-grams that many students share (the obvious way to write a loop), are left out;
pairs are found through an index of k-grams, never a pairwise scan, and reported above a Jaccard threshold.
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

# Jaccard of the rare k-gram sets at and above which a pair is listed, measured by benchmarks/code_similarity.py
# (40 classes of 300): honest students who wrote the same approach reach 1.0, and 0.9 is the lowest of the sweep
# with <= 1 honest pair per 300 students (0.45; 0.85 gives 1.2). Copies disguised by names, comments and layout
# score 1.0 and are all found; copies that also swap two statements and add a dead line score 0.33 to 1.0
# (median 0.72), and only 7% of those are found: no threshold separates them from honest same-approach pairs.
SIMILARITY = 0.9
K = 10  # tokens per k-gram
MIN_GRAMS = 12  # solutions with fewer distinct rare k-grams are too short to compare
COMMON = 0.2  # a k-gram in more than this share of the class's solutions (at least 3) is common ground
MAX_SHARING = 30  # and in more than this many, whatever the class size
KEPT = frozenset(dir(builtins)) | {"self"}
MODULES = frozenset({"np", "numpy", "torch", "nn", "F"})  # kept as modules, before a dot: a variable F is a name
Line = tuple[int, str]  # (line number in the source, normalised text)


@dataclass(frozen=True)
class CodePair:
    """Two students' code for one question, its similarity and the shared lines side by side."""

    qid: str
    first: str
    second: str
    similarity: float
    shared: tuple[tuple[str, str], ...]  # (first's line, second's line), original text


def _tokens(source: str) -> list[tuple[int, str]]:
    """(line, normalised token) of a source; a source that does not tokenise is read one line at a time."""
    try:
        return _tokenise(source, 0)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        found = []
        for number, line in enumerate(source.splitlines(), start=1):
            try:
                found += _tokenise(line.strip() + "\n", number - 1)
            except (tokenize.TokenError, IndentationError, SyntaxError):
                continue
        return found


def _tokenise(source: str, offset: int) -> list[tuple[int, str]]:
    """Normalised tokens with their line numbers: names V, strings S, no comments, layout or docstrings."""
    found: list[tuple[int, str]] = []
    previous = ""
    line_start = True
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for number, token in enumerate(tokens):
        kind, text, line = token.type, token.string, token.start[0] + offset
        if kind in (tokenize.NEWLINE, tokenize.NL):
            line_start = True
            continue
        if kind in (tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING):
            continue
        if kind == tokenize.STRING and line_start:  # a docstring or a bare string statement
            continue
        line_start = False
        module = text in MODULES and number + 1 < len(tokens) and tokens[number + 1].string == "."
        if kind == tokenize.NAME and not keyword.iskeyword(text) and previous != "." and text not in KEPT \
                and not module:
            text = "V"
        elif kind == tokenize.STRING or kind == getattr(tokenize, "FSTRING_START", -1):
            text = "S"
        found.append((line, text))
        previous = text
    return found


def normalised_lines(source: str) -> dict[int, str]:
    """Each source line's normalised tokens joined, by line number."""
    return _joined(_tokens(source))


def _joined(tokens: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Tokens joined into their lines, by line number."""
    lines: dict[int, list[str]] = defaultdict(list)
    for line, token in tokens:
        lines[line].append(token)
    return {line: " ".join(items) for line, items in lines.items()}


@lru_cache(maxsize=64)
def _starter_lines(starter: str) -> frozenset[str]:
    """The starter code's normalised lines, read once per question rather than once per student."""
    return frozenset(normalised_lines(starter).values())


def grams(source: str, starter: str = "") -> set[tuple[str, ...]]:
    """The k-grams of the normalised tokens, lines that are the starter code's own left out."""
    stub, tokens = _starter_lines(starter), _tokens(source)
    lines = _joined(tokens)
    kept = [t for line, t in tokens if lines.get(line) not in stub]
    return {tuple(kept[i:i + K]) for i in range(max(len(kept) - K + 1, 0))}


def similar_code(sources: Mapping[str, Mapping[str, str]], starters: Mapping[str, str],
                 threshold: float = SIMILARITY) -> list[CodePair]:
    """Pairs of students whose code for one question shares more rare k-grams than the threshold allows."""
    found = []
    for qid, by_student in sorted(sources.items()):
        starter = starters.get(qid, "")
        for (a, b), value in similarities(by_student, starter).items():
            if value >= threshold:
                found.append(CodePair(qid, a, b, round(value, 2), side_by_side(by_student[a], by_student[b], starter)))
    return sorted(found, key=lambda p: (-p.similarity, p.qid, p.first, p.second))


def similarities(by_student: Mapping[str, str], starter: str = "") -> dict[tuple[str, str], float]:
    """Jaccard of the rare k-gram sets of every pair that shares one, both long enough to compare (measurable)."""
    sets = {s: grams(src, starter) for s, src in by_student.items() if src.strip()}
    index: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for student, kgrams in sets.items():
        for gram in kgrams:
            index[gram].append(student)
    limit = max(2, min(int(COMMON * len(sets)), MAX_SHARING))
    rare = {s: {g for g in kgrams if len(index[g]) <= limit} for s, kgrams in sets.items()}
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for gram, students in index.items():
        if 2 <= len(students) <= limit:
            for i, a in enumerate(students):
                for b in students[i + 1:]:
                    shared[(min(a, b), max(a, b))] += 1
    return {(a, b): count / len(rare[a] | rare[b]) for (a, b), count in shared.items()
            if min(len(rare[a]), len(rare[b])) >= MIN_GRAMS}


def side_by_side(first: str, second: str, starter: str = "") -> tuple[tuple[str, str], ...]:
    """The lines whose normalised text the two sources share (starter lines left out), each with its partner."""
    stub = set(normalised_lines(starter).values())
    a_lines, b_lines = first.splitlines(), second.splitlines()
    waiting: dict[str, list[int]] = defaultdict(list)
    for line, text in sorted(normalised_lines(second).items()):
        if text not in stub:
            waiting[text].append(line)
    pairs = []
    for line, text in sorted(normalised_lines(first).items()):
        if waiting.get(text) and len(text) > 1:
            partner = waiting[text].pop(0)
            pairs.append((_line(a_lines, line), _line(b_lines, partner)))
    return tuple(pairs)


def _line(lines: Sequence[str], number: int) -> str:
    """A source line by its 1-based number, or '' when out of range."""
    return lines[number - 1].rstrip() if 0 < number <= len(lines) else ""
