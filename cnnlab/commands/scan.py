"""`cnnlab scan SCANS... --exam EXAMDIR --out SCANDIR`: a paper exam read from its scans into a marks sheet, with a
review page for what a person must check; `cnnlab scan train`: train the digit reader it uses."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELP = ("Read filled paper exams from their scans (PDFs or PNG, JPEG, TIFF images, in any order; a form's papers "
        "cover first, as scanned): pages found by their QR codes, aligned by their registration marks, letters and "
        "digits read, into SCANDIR/marks.csv for `cnnlab grade --answers`, with SCANDIR/review.html for every box a "
        "person must check. `cnnlab scan train [--out WEIGHTS] [--mnist DIR]` trains the digit reader.")
TRAIN = "train"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab scan` and `cnnlab scan train`."""
    parser.add_argument("scans", nargs="*", metavar="SCAN",
                        help="scanned PDFs or images; or the word 'train' to train the digit reader")
    parser.add_argument("--exam", type=Path, metavar="EXAMDIR", help="the folder `cnnlab exam --out` wrote")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where marks.csv, review.html, crops/ and scan.json go (train: the weights file, "
                             "default: the shipped grader/scan/digits_lenet5.pt)")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="file holding the course secret that signed the pages' QR codes (default: "
                             "$CNNLAB_SECRET)")
    parser.add_argument("--corrections", type=Path, action="append", metavar="CSV",
                        help="a review.csv saved from review.html (again for more, applied in order); without SCANs, "
                             "applied to the reading saved in DIR/scan.json, earlier corrections kept")
    parser.add_argument("--threshold", type=float, metavar="X",
                        help="confidence (0 to 1) under which a box goes to review (default: the digit reader's "
                             "calibrated threshold)")
    parser.add_argument("--weights", type=Path, metavar="PT",
                        help="the digit reader's weights (default: the shipped ones; `cnnlab scan train --out PT` "
                             "makes others, with their threshold in PT's .json beside it)")
    parser.add_argument("--mnist", type=Path, metavar="DIR", help="train: MNIST's IDX files to add to the training")
    parser.add_argument("--images", type=int, default=None, help="train: generated training digits (default: the "
                                                                 "trainer's)")
    parser.add_argument("--epochs", type=int, default=None, help="train: epochs (default: the trainer's)")
    parser.add_argument("--seed", type=int, default=0, help="train: the seed of the data and the network")


def _train(args: argparse.Namespace) -> int:
    """`cnnlab scan train`: the digit reader trained, its weights and report written, its figures printed."""
    if len(args.scans) > 1 or args.exam or args.corrections or args.weights:
        raise ValueError("cnnlab scan train takes only --out, --mnist, --images, --epochs and --seed")
    from grader.scan.digits import WEIGHTS
    from grader.scan.train_digits import EPOCHS, TRAINING_IMAGES, train_digits

    report = train_digits(args.out or WEIGHTS, args.seed, args.mnist, args.images or TRAINING_IMAGES,
                          args.epochs or EPOCHS, progress=lambda line: print(line, flush=True))
    print("\n".join(report.lines()))
    return 0


def run(args: argparse.Namespace) -> int:
    """Read (or apply corrections), write the scan folder, and say what waits for review."""
    if args.scans[:1] == [TRAIN]:
        return _train(args)
    if args.exam is None or args.out is None:
        raise ValueError("cnnlab scan needs --exam EXAMDIR (the folder `cnnlab exam` wrote) and --out SCANDIR")
    if not args.scans and not args.corrections:
        raise ValueError("nothing to read: give the scans (PDFs or images), or --corrections to apply to an "
                         "earlier reading")
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise ValueError(f"--threshold must be between 0 and 1, got {args.threshold}")
    from grader.scan.extra import require_scan_extra

    require_scan_extra()  # a grading install has no zxing-cpp: one line naming the extra
    from generator.seeds import read_secret
    from grader.scan.exam_folder import load_exam
    from grader.scan.scan_exam import load_run, read_scans, settle, write_outputs

    started = time.perf_counter()
    exam = load_exam(args.exam)
    if args.scans:
        from grader.scan.digits import DigitClassifier

        secret = read_secret(args.secret_file)
        classifier = DigitClassifier.load(args.weights) if args.weights else DigitClassifier.load()
        threshold = classifier.threshold if args.threshold is None else args.threshold
        scan_run = read_scans([Path(s) for s in args.scans], exam, secret, classifier, threshold)
    else:
        scan_run = load_run(args.out, exam, args.threshold)
    settle(scan_run, exam, args.corrections or ())
    write_outputs(scan_run, exam, args.out)
    seconds = time.perf_counter() - started
    for problem in scan_run.problems:
        print(f"cnnlab: scan: {problem}", file=sys.stderr)
    known = sum(1 for paper in scan_run.papers if paper.student)
    pages = len(scan_run.pages)
    if args.scans:
        print(f"{exam.title}: {pages} pages read into {len(scan_run.papers)} papers ({known} with their student) "
              f"in {seconds:.1f} s ({pages / max(seconds, 1e-9):.1f} pages/s)")
    else:
        print(f"{exam.title}: corrections applied to {len(scan_run.papers)} papers ({known} with their student)")
    print(f"  marks      {args.out / 'marks.csv'} (grade with cnnlab grade --answers {args.out / 'marks.csv'} "
          f"--key {args.exam / 'key'} --out GRADED)")
    print(f"  review     {args.out / 'review.html'} ({scan_run.to_review()} boxes to check, "
          f"{len(scan_run.problems)} problems)")
    print(f"  crops      {args.out / 'crops'}/<student>/<column>.png")
    return 0
