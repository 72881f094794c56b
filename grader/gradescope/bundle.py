"""What an autograder.zip carries beside the keys: the training data its questions need, the two notebooks of the
upload-time check, and the pins of the Python packages grading installs.

Training data: a LeNet-5 question trains on the first `train_subset`/`test_subset` images of its data set (CPU
budget: Gradescope has no GPU), so the zip carries exactly those, as MNIST-style IDX files, gzipped with mtime 0:
the same arrays, so the same fingerprint and the same committed bar, at a sixth of the full set's size.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from email import message_from_bytes
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator.kinds import KINDS, training_data
from generator.notebook import INSTRUCTOR_STEPS, STUDENT_STEPS, Question, Sheet, build_notebook, dumps
from grader.pipeline.answer_key import KeyDir
from solutions.idx import Split, load_dataset, write_folder

DATA_FOLDER = "data"  # in the zip: data/<dataset>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
CHECK_FOLDER = "check"  # in the zip: check/correct.ipynb and check/blank.ipynb
GRADING_DEVICE = "cpu"  # Gradescope's machines have no GPU


@dataclass(frozen=True)
class DataNeed:
    """How many leading images of one data set the keys' questions train and test on, and which questions."""

    dataset: str
    train: int
    test: int
    qids: tuple[str, ...]


def data_needs(keys: KeyDir) -> list[DataNeed]:
    """Every data set some key's question trains on, with the largest CPU budget asked of it."""
    needs: dict[str, DataNeed] = {}
    for student in keys.paths:
        key = keys.load(student)
        for question in key.questions if key else ():
            try:
                needed = training_data(question, GRADING_DEVICE)
            except ValueError as error:
                raise ValueError(f"{error}, and Gradescope grades on a CPU") from None
            if needed is None:
                continue
            dataset, train, test = needed
            old = needs.get(dataset, DataNeed(dataset, 0, 0, ()))
            qids = old.qids if question.qid in old.qids else (*old.qids, question.qid)
            needs[dataset] = DataNeed(dataset, max(old.train, train), max(old.test, test), qids)
    return sorted(needs.values(), key=lambda need: need.dataset)


def data_files(needs: list[DataNeed], data: str | None) -> dict[str, bytes]:
    """Zip member name -> bytes of each needed data set's leading images; a set not found is a one-line error."""
    files: dict[str, bytes] = {}
    for need in needs:
        try:
            full = load_dataset(need.dataset, data)
        except (OSError, ValueError) as error:
            raise OSError(f"question {need.qids[0]!r} trains on {need.dataset!r}, which the zip must carry: "
                          f"{str(error).split(';')[0]}; pass --data DIR (a folder holding {need.dataset}/)") from None
        for split, count in (("train", need.train), ("test", need.test)):
            have = len(getattr(full, split).labels)
            if count > have:
                raise OSError(f"question {need.qids[0]!r} trains on {count:,} {split} images of {need.dataset!r}; "
                              f"{full.source} has {have:,}; pass --data DIR with the whole set")
        with tempfile.TemporaryDirectory(prefix="cnnlab-data-") as folder:
            written = write_folder(Path(folder) / need.dataset,
                                   Split(full.train.images[:need.train], full.train.labels[:need.train]),
                                   Split(full.test.images[:need.test], full.test.labels[:need.test]))
            for path in sorted(written.iterdir()):
                files[f"{DATA_FOLDER}/{need.dataset}/{path.name}"] = path.read_bytes()
    return files


def check_notebooks(keys: KeyDir) -> dict[str, bytes]:
    """A correct (instructor) and a blank (student) notebook rebuilt from the first key, for `autograde --check`."""
    student = sorted(keys.paths)[0]
    key = keys.load(student)
    if key is None:
        raise ValueError(f"{keys.paths[student]}: not a valid answer key; the upload-time check needs one")
    questions = tuple(Question(number, variant, KINDS[variant.kind])
                      for number, variant in enumerate(key.questions, start=1))
    sheet = Sheet(key.assignment, key.assignment, "", "", key.student_id, "", questions)
    return {f"{CHECK_FOLDER}/correct.ipynb": dumps(build_notebook(sheet, INSTRUCTOR_STEPS, "instructor")).encode(),
            f"{CHECK_FOLDER}/blank.ipynb": dumps(build_notebook(sheet, STUDENT_STEPS, "student")).encode()}


def _required(lines: list[str]) -> list[str]:
    """The names of requirement lines needed unconditionally here (no extras; markers for this interpreter)."""
    names = []
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def wheel_requirements(wheel: Path) -> list[str]:
    """The Requires-Dist lines of a wheel: what installing it (no extras) asks for."""
    with zipfile.ZipFile(wheel) as archive:
        name = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), None)
        if name is None:
            raise OSError(f"{wheel}: no .dist-info/METADATA; not a wheel")
        return message_from_bytes(archive.read(name)).get_all("Requires-Dist") or []


def grading_pins(wheel: Path) -> list[str]:
    """`name==version` of everything installing the wheel pulls in, as installed here (pip freeze, restricted)."""
    seen: dict[str, str] = {}
    todo = _required(wheel_requirements(wheel))
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        try:
            seen[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise OSError(f"{name}: a grading dependency of {wheel.name} is not installed here, so it cannot be "
                          "pinned to a tested version; install cnnlab first") from None
        todo.extend(_required(metadata.requires(name) or []))
    return [f"{name}=={version}" for name, version in sorted(seen.items())]
