"""How much memory does the Gradescope autograder take to grade one bundled submission? Target: under 600 MB.

Generates the bundled problem set's keys, exports its autograder.zip (the LeNet-5 question's data included),
unpacks it into a fake /autograder tree and runs `cnnlab autograde --check` there (it grades the zip's correct and
blank notebooks) as a child process, sampling every 50 ms the proportional set size (PSS: shared pages split among
the processes that map them) summed over that process and all its children (the sandbox's zygote and jobs), and
the largest single resident set. Prints the peaks and what each check notebook scored.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cnnlab import main as cnnlab  # noqa: E402
from solutions.idx import SYSTEM_DATA  # noqa: E402

PROBLEM_SET = Path(__file__).resolve().parents[1] / "assignments" / "cnn-problem-set.yaml"
MIB = 2**20


def tree_memory(root: psutil.Process) -> tuple[int, int]:
    """(PSS summed over the process and its descendants, the largest single RSS), in bytes."""
    pss, largest = 0, 0
    for process in (root, *root.children(recursive=True)):
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss, largest = pss + info.pss, max(largest, info.rss)
    return pss, largest


def autograder_tree(folder: Path, memory: int | None, data: str) -> Path:
    """A fake /autograder whose source/ is the bundled problem set's unpacked autograder.zip."""
    (folder / "roster.csv").write_text("student_id,name,email\ns001,One,one@uni.example\n")
    (folder / "secret").write_text("an-autograde-memory-benchmark-secret")
    assert cnnlab(["generate", str(PROBLEM_SET), "--roster", str(folder / "roster.csv"), "--secret-file",
                   str(folder / "secret"), "--out", str(folder / "gen")]) == 0
    export = ["export", "gradescope", "--key", str(folder / "gen" / "key"), "--out", str(folder / "autograder.zip"),
              "--spec", str(PROBLEM_SET), "--data", data]
    assert cnnlab(export + (["--memory", str(memory)] if memory else [])) == 0
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        archive.extractall(folder / "tree" / "source")
    return folder / "tree"


def main() -> None:
    """Build the tree, grade, print the peaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=None, help="the zip's sandbox memory (MB; default the cap's)")
    parser.add_argument("--data", default=str(SYSTEM_DATA), help="where the Fashion-MNIST IDX files are")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnnlab-autograde-memory-") as folder:
        tree = autograder_tree(Path(folder), args.memory, args.data)
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "cnnlab", "autograde", "--check", "--root", str(tree)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        watched, peak_pss, peak_rss = psutil.Process(child.pid), 0, 0
        while child.poll() is None:
            pss, rss = tree_memory(watched)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(0.05)
        output = child.stdout.read() if child.stdout else ""
    checks = [line for line in output.splitlines() if line.startswith("check:")]
    print(f"cnnlab autograde --check (2 submissions, sandbox memory {args.memory or 'default'} MB): "
          f"{time.monotonic() - started:.1f} s, exit {child.returncode}")
    print("\n".join(f"  {line}" for line in checks) or output[-2000:])
    print(f"peak PSS of the grader and its sandbox processes: {peak_pss / MIB:.0f} MiB; largest single process "
          f"(RSS): {peak_rss / MIB:.0f} MiB; target < 600 MB")


if __name__ == "__main__":
    main()
