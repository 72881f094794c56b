"""Who a Gradescope submission belongs to: the roster entry of the account that submitted it, never the notebook's
word alone.

Gradescope's submission_metadata.json lists the submitting accounts in `users[]`, each with `email`, `id` and `name`
(no student id: `sid` is not sent). Each account is looked up on the roster by e-mail, then by Gradescope id. The
notebook's own `student_id` is only checked against the accounts; a disagreement, or an account on no roster, is
graded with a note for the instructor only. A group submission is graded against the key of the member whose
notebook it is (else the first member's), and the output says that every member gets that grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.pipeline.roster import Roster

ACCOUNT_FIELDS = ("email", "id")  # in this order; Gradescope sends no `sid`


@dataclass(frozen=True)
class AccountIdentity:
    """The student whose key grades the submission, the group's students, and what to tell whom."""

    student: str | None  # None: no account is on the roster; the notebook's own claim is graded, with a note
    members: tuple[str, ...]  # the roster ids of every account of the submission
    instructor_notes: tuple[str, ...]  # hidden from students
    stated: tuple[str, ...]  # shown to students (a group's shared grade)


def users_of(metadata: Any) -> list[dict[str, Any]]:
    """The accounts of submission_metadata.json, [] when it is missing or malformed."""
    users = metadata.get("users") if isinstance(metadata, dict) else None
    return [user for user in users if isinstance(user, dict)] if isinstance(users, list) else []


def describe(user: dict[str, Any]) -> str:
    """An account in words, for the instructor's notes."""
    return f"{user.get('name') or 'unnamed'} <{user.get('email') or 'no e-mail'}> (Gradescope id {user.get('id')})"


def account_student(user: dict[str, Any], known: Roster) -> str | None:
    """The roster student of one account: its e-mail, then its Gradescope id, through the roster's aliases."""
    for field in ACCOUNT_FIELDS:
        value = str(user.get(field) or "").strip()
        if value and value in known.aliases:
            return known.aliases[value]
    return None


def decide(metadata: Any, known: Roster, claim: str | None) -> AccountIdentity:
    """The student to grade as, from the accounts; the notebook's claim (its metadata student_id) is only checked."""
    users = users_of(metadata)
    claimed = known.aliases.get(claim, claim) if claim else None
    notes: list[str] = []
    members: list[str] = []
    for user in users:
        student = account_student(user, known)
        if student is None:
            notes.append(f"the account {describe(user)} is on no roster (looked up by e-mail, then Gradescope id)")
        elif student not in members:
            members.append(student)
    if not users:
        notes.append("submission_metadata.json names no account")
    if not members:
        how = f"graded as the notebook's own claim, {claimed!r}" if claimed else "the notebook names no student either"
        return AccountIdentity(None, (), (*notes, f"{how}: check who submitted this"), ())
    student = claimed if claimed in members else members[0]
    if claimed and claimed != student:
        notes.append(f"the notebook says it is {claimed!r}'s, but the account is {student!r}'s: graded against "
                     f"{student!r}'s answer key")
    stated = ()
    if len(users) > 1:
        stated = (f"Group submission of {len(users)} accounts: graded against the answer key of {student} (the "
                  f"submitting member); every member ({', '.join(members)}) gets this grade.",)
    return AccountIdentity(student, tuple(members), tuple(notes), stated)
