"""`cnnlab validate`'s last check: every template's worked solution graded through the real grading path.

Each variant becomes a two-cell notebook (the setup cell, then the solution or the untouched stub), runs in the
sandbox with exactly the request its kind declares, and is scored by its kind: the solution must score full
marks and the stub 0. A kind whose request the sandbox cannot serve, or whose score cannot read what comes
back, fails here, in front of the instructor, not in front of a class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.kinds import KINDS
from generator.model import SETUP_SOURCE, Context, Variant
from grader.sandbox import Sandbox
from grader.sandbox.api import Job
from grader.pipeline.scoring import Asked, ask, score_submission, stop_line
from generator.limits import LIMITS


@dataclass(frozen=True)
class Trial:
    """One notebook to grade: a variant answered by its worked solution or left as the stub."""

    asked: Asked
    answered: bool

    @property
    def job(self) -> Job:
        """The setup cell and the answer cell, with the kind's own request."""
        variant = self.asked.variant
        kind = KINDS[variant.kind]
        cell = kind.solution_source(variant) if self.answered else kind.answer_stub(variant)
        request = self.asked.request
        return Job(self.name, (SETUP_SOURCE, cell), request.variables, self.asked.calls, dict(request.files),
                   seed=variant.seed, checkpoints={name: 1 for name in self.asked.names})

    @property
    def name(self) -> str:
        """The job's id: the question and which trial."""
        return f"{self.asked.variant.qid}:{'solution' if self.answered else 'stub'}"


def grade_worked_solutions(variants: Sequence[Variant], context: Context = Context(), workers: int = 2) -> list[str]:
    """Problems found: a worked solution that does not score full marks, or a stub that scores any."""
    asked = [ask(v, context) for v in variants]
    trials = {t.name: t for a in asked for t in (Trial(a, True), Trial(a, False))}
    problems = []
    with Sandbox(workers=workers, limits=LIMITS) as sandbox:
        for outcome in sandbox.map([t.job for t in trials.values()]):
            trial = trials[outcome.job_id]
            variant = trial.asked.variant
            got = score_submission(trial.asked, outcome, None, context, (),
                                   stop_line(outcome, (1, 2), trial.asked.calls))
            if trial.answered and got.points != variant.points:
                problems.append(f"{variant.qid}: the worked solution scores {got.points:g}/{variant.points:g} "
                                f"through the grader: {got.feedback.splitlines()[0]}")  # the summary line
            elif not trial.answered and got.points != 0:
                problems.append(f"{variant.qid}: the untouched stub scores {got.points:g} through the grader")
    return sorted(problems)
