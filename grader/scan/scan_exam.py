"""`cnnlab scan`'s work: the scans read into papers, a TA's corrections applied, and the scan folder written.

SCANDIR/marks.csv     the marks sheet (grader/scan/marks.py): what was read surely, and every correction
SCANDIR/review.html   what a person must check (grader/scan/review.py), with the crops; saves review.csv
SCANDIR/crops/        every box as scanned: crops/<student>/<column>.png (the students' feedback names them)
SCANDIR/scan.json     every page (file, page, identified as, rotation, skew, the fit's residual), the problems,
                      every paper's boxes (reading, confidence, doubt, review or not): a later --corrections run
                      rereads this instead of the scans

Every file is written whole or not at all, crops/ swapped in as one folder; the same scans, exam and weights give
the same bytes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.files import PRIVATE, folder_mode, make_folder, write_bytes_atomic, write_text_atomic
from grader.scan.digits import DigitClassifier
from grader.scan.exam_folder import ExamFolder
from grader.scan.crops import CROPS, crop_name
from grader.scan.marks import apply_corrections, marks_csv, read_corrections
from grader.scan.page_read import BoxRead, PageRead, read_page
from grader.scan.pages import scan_pages
from grader.scan.papers import ID_COLUMN, Paper, gather, resolve_students
from grader.scan.review import review_html, review_rows

FORMAT = 1
SCAN_JSON = "scan.json"


@dataclass
class ScanRun:
    """A reading of an exam's scans: its pages, papers, problems and the confidence under which a box is checked."""

    scans: list[str]
    threshold: float
    pages: list[PageRead] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_review(self) -> int:
        """How many boxes wait for a person."""
        return len(review_rows(self.papers, self.threshold))


def read_scans(scans: Sequence[Path], exam: ExamFolder, secret: bytes, classifier: DigitClassifier,
               threshold: float, progress: Callable[[PageRead], None] = lambda page: None) -> ScanRun:
    """Every page of the scans read, gathered into papers; `progress` hears of each page."""
    import torch

    run = ScanRun([str(path) for path in scans], threshold)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a page's digits are a batch of tens: threads would cost 25x the work on a busy machine
    try:
        for page in scan_pages(scans):
            read = read_page(page, exam, secret, classifier)
            run.pages.append(read)
            progress(read)
    finally:
        torch.set_num_threads(threads)
    run.papers, run.problems = gather(run.pages, exam)
    return run


def settle(run: ScanRun, exam: ExamFolder, corrections: Sequence[Path] = ()) -> None:
    """Students found, the TA's corrections applied file by file (they may name a paper by its key or its
    student), students found again with each, and the papers put in the roster's order."""
    resolve_students(run.papers, exam, run.threshold)
    for path in corrections:
        apply_corrections(run.papers, read_corrections(path), exam, path)
        resolve_students(run.papers, exam, run.threshold)
    order = {sid: i for i, sid in enumerate(exam.students)}
    run.papers.sort(key=lambda paper: (order.get(paper.student, len(order)), paper.key))


def not_scanned(run: ScanRun, exam: ExamFolder) -> list[str]:
    """The roster's students with no paper found (their paper missing, or its id still to check)."""
    found = {paper.student for paper in run.papers}
    return [sid for sid in exam.students if sid not in found]


def _box_json(paper: Paper, box: BoxRead, threshold: float) -> dict[str, Any]:
    """A box in scan.json; the id box of a paper whose student is not taken (the paper's id_doubt says why) is
    under review."""
    id_doubt = paper.id_doubt if box.column == ID_COLUMN else ""
    return {"column": box.column, "page": box.page, "holds": box.holds, "reading": box.value,
            "confidence": box.confidence, "doubt": box.doubt, "review": box.needs_review(threshold) or bool(id_doubt),
            "corrected": box.corrected,
            "crop": crop_name(paper.name, box.column) if box.crop else None}


def _page_json(page: PageRead) -> dict[str, Any]:
    """A scanned page in scan.json."""
    return {"file": page.file, "page": page.number, "identified": f"{page.who} page {page.page}" if page.used else None,
            "who": page.who, "exam_page": page.page, "blank": page.blank, "rotation": page.turn, "skew": page.skew,
            "residual_pt": page.residual_pt, "problem": page.problem}


def run_json(run: ScanRun, exam: ExamFolder) -> dict[str, Any]:
    """scan.json's content."""
    return {"format": FORMAT, "exam": exam.spec, "threshold": run.threshold, "scans": run.scans,
            "pages": [_page_json(page) for page in run.pages], "problems": run.problems,
            "papers": [{"key": paper.key, "who": paper.who, "form": paper.form, "student": paper.student,
                        "id_doubt": paper.id_doubt,
                        "pages": {str(n): {"file": paper.pages[n].file, "page": paper.pages[n].number}
                                  for n in sorted(paper.pages)},
                        "boxes": [_box_json(paper, box, run.threshold) for box in paper.boxes]}
                       for paper in run.papers],
            "not_scanned": not_scanned(run, exam), "review": run.to_review()}


def load_run(folder: Path, exam: ExamFolder, threshold: float | None) -> ScanRun:
    """The reading saved in SCANDIR/scan.json (and its crops), to apply corrections without reading the scans."""
    path = folder / SCAN_JSON
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: missing; give the scans to read (a corrections run without scans rereads the "
                         "scan.json of an earlier run)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} line {error.lineno}: not JSON ({error.msg})") from None
    if saved.get("format") != FORMAT or saved.get("exam") != exam.spec:
        raise ValueError(f"{path}: a reading of exam {saved.get('exam')!r} (format {saved.get('format')!r}), not of "
                         f"{exam.spec!r}")
    run = ScanRun(saved["scans"], saved["threshold"] if threshold is None else threshold,
                  problems=saved["problems"])
    run.pages = [PageRead(p["file"], p["page"], p["who"], p["exam_page"], p["problem"], p["blank"], p["rotation"],
                          p["skew"], p["residual_pt"]) for p in saved["pages"]]
    for entry in saved["papers"]:
        paper = Paper(entry["key"], entry["who"], entry["form"], student=entry["student"])
        paper.pages = {int(n): PageRead(where["file"], where["page"]) for n, where in entry["pages"].items()}
        paper.boxes = [BoxRead(b["column"], b["holds"], b["page"], b["reading"], b["confidence"], b["doubt"],
                               (folder / b["crop"]).read_bytes() if b["crop"] else b"", b["corrected"])
                       for b in entry["boxes"]]
        run.papers.append(paper)
    return run


def write_outputs(run: ScanRun, exam: ExamFolder, out: Path) -> None:
    """marks.csv, review.html, crops/ and scan.json (private: they hold students' answers)."""
    make_folder(out, folder_mode(PRIVATE))
    fresh, old = out / f".{CROPS}.new", out / f".{CROPS}.old"
    for stale in (fresh, old):
        shutil.rmtree(stale, ignore_errors=True)
    for paper in run.papers:
        for box in paper.boxes:
            if box.crop:
                write_bytes_atomic(fresh / crop_name(paper.name, box.column).removeprefix(f"{CROPS}/"), box.crop,
                                   mode=PRIVATE)
    make_folder(fresh, folder_mode(PRIVATE))
    if (out / CROPS).exists():
        (out / CROPS).rename(old)
    fresh.rename(out / CROPS)
    shutil.rmtree(old, ignore_errors=True)
    write_bytes_atomic(out / "marks.csv", marks_csv(run.papers, exam, run.threshold), mode=PRIVATE)
    rows = review_rows(run.papers, run.threshold)
    write_text_atomic(out / "review.html", review_html(exam.title, rows, run.problems, not_scanned(run, exam)),
                      mode=PRIVATE)
    write_text_atomic(out / SCAN_JSON, json.dumps(run_json(run, exam), indent=1, ensure_ascii=False) + "\n",
                      mode=PRIVATE)
