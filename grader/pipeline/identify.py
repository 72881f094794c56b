"""Whose submission is this? Notebook metadata, cross-checked against the file name and the roster.

The file name is the LMS's: Canvas's `<name>_<userid>_<subid>_<file>` (the user id is a roster alias), or Moodle's
folder per submission `<Full Name>_<participant id>_assignsubmission_file_/<file>` (the participant id is a roster
alias such as lms_id or the worksheet's Identifier; failing that, the one roster student of that full name).

The file name (what the LMS or the instructor says) wins over the metadata (what the notebook says),
because a student can edit metadata but not the name their LMS gives the upload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from grader.pipeline.collect import MOODLE_FOLDER
from grader.pipeline.records import Identity
from grader.pipeline.roster import Roster


def ids_in_filename(filename: str, aliases: Mapping[str, str]) -> tuple[str, ...]:
    """Known student ids that appear in the file name as whole tokens (Canvas: `<name>_<userid>_<subid>_<file>`)."""
    found: list[str] = []
    for alias in sorted(aliases, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?![A-Za-z0-9])", filename):
            student = aliases[alias]
            if student not in found:
                found.append(student)
    return tuple(found)


def _from_filename(filename: str, known: Roster) -> tuple[str | None, tuple[str, ...]]:
    """The one student the file name names, or None with a flag when it names several."""
    ids = ids_in_filename(filename, known.aliases)
    if len(ids) > 1:
        return None, (f"the file name {filename!r} names several students ({', '.join(ids)}); ignored it",)
    if ids:
        return ids[0], ()
    moodle = MOODLE_FOLDER.match(filename.split("/")[0]) if "/" in filename else None
    return (known.by_name(moodle.group("name")) if moodle else None), ()


def identify(metadata_id: object, filename: str, known: Roster, roster: Roster | None) -> Identity:
    """Resolve the student from metadata and file name; every disagreement or fallback becomes a flag."""
    meta = metadata_id.strip() if isinstance(metadata_id, str) and metadata_id.strip() else None
    meta = known.aliases.get(meta, meta) if meta else None
    named, flags = _from_filename(filename, known)
    if meta and named and meta != named:
        identity = Identity(named, "file name", (
            *flags, f"the notebook's metadata says student {meta!r} but the file name says {named!r}: "
                    f"graded against {named!r}'s answer key; flagged for review"))
    elif meta and named:
        identity = Identity(meta, "metadata+file name", flags)
    elif named:
        identity = Identity(named, "file name", (
            *flags, f"the notebook metadata has no student id (cleared?); identified as {named!r} from the file name"))
    elif meta:
        identity = Identity(meta, "metadata", flags)
    else:
        return Identity(None, "none", (*flags, f"cannot identify the student: no student id in the notebook "
                                               f"metadata and no known id in the file name {filename!r}"))
    if roster is not None and identity.student_id not in roster:
        return Identity(identity.student_id, identity.source,
                        (*identity.flags, f"student {identity.student_id!r} is not on the roster"))
    return identity
