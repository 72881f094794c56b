"""How long does `cnnlab --help` take? The start-up a user waits for before any command runs.

Prints the median wall time of `cnnlab --help` (and `cnnlab --version`) over several runs, each a fresh process,
and whether torch was imported (it must not be: only the chosen command's module is imported). Target: <= 0.3 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def wall(command: list[str]) -> float:
    """Median wall seconds of a command over RUNS fresh processes (one warm-up first)."""
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Print the start-up figures."""
    for args in (["--help"], ["--version"]):
        print(f"cnnlab {' '.join(args):10s} median of {RUNS}: {wall([sys.executable, '-m', 'cnnlab', *args]):.3f} s")
    probe = "import sys, cnnlab; cnnlab.build_parser(); print('torch' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    print(f"torch imported by the top-level parser: {imported.strip()} (target: False); target <= 0.3 s")


if __name__ == "__main__":
    main()
