"""`cnnlab bench lenet5`: train the reference LeNet-5 and record an honest, reproducible result; `cnnlab bench
lenet5-bar`: measure the bars trained LeNet-5s are graded against (solutions/bench.py does both)."""

from __future__ import annotations

import argparse

from solutions import lenet5_bar
from solutions.bench import DEFAULTS, RESULTS, bench
from solutions.idx import DATA_ENV

HELP = "train the reference LeNet-5 on Fashion-MNIST (or MNIST, or any IDX set) and record a benchmark result"


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `cnnlab bench`."""
    parser.add_argument("benchmark", choices=["lenet5", "lenet5-bar"],
                        help="lenet5: a full training run; lenet5-bar: grading bars for trained students' models")
    parser.add_argument("--device", choices=["cuda", "cpu"], default=None, help="default: cuda when available")
    parser.add_argument("--dataset", default="fashion-mnist",
                        help="fashion-mnist, mnist, or a folder of MNIST-style IDX files (default: fashion-mnist)")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help=f"folder holding named data sets as sub-folders (default: ${DATA_ENV}, then /usr/share/datasets)")
    parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs)
    parser.add_argument("--variant", choices=["classic", "modern"], default="modern")
    parser.add_argument("--out", metavar="DIR", default=str(RESULTS),
                        help="where the JSON result and the PNG curve go (default: solutions/benchmarks)")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    parser.add_argument("--lr", type=float, default=DEFAULTS.lr, help="peak learning rate of the OneCycle schedule")
    parser.add_argument("--flip", action="store_true", help="random horizontal flips (clothes, not digits)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the training step")
    parser.add_argument("--cuda-graphs", action="store_true", help="CUDA graphs via torch.compile (CUDA only)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch (default: torch's choice; lenet5-bar: 1, as in the sandbox)")
    bar = parser.add_argument_group("lenet5-bar (the grading budget; --epochs and --batch-size as above)")
    bar.add_argument("--train-subset", type=int, default=lenet5_bar.Budget.train_subset, metavar="N")
    bar.add_argument("--test-subset", type=int, default=lenet5_bar.Budget.test_subset, metavar="N")
    bar.add_argument("--styles", nargs="+", choices=["classic", "modern"], default=["classic", "modern"])
    bar.add_argument("--input-sizes", nargs="+", type=int, choices=lenet5_bar.SIZES, default=list(lenet5_bar.SIZES))
    bar.add_argument("--seeds", nargs="+", type=int, default=list(lenet5_bar.BAR_SEEDS))
    bar.add_argument("--bars", metavar="FILE", default=str(lenet5_bar.BARS), help="the bars file to add to")


def run(args: argparse.Namespace) -> int:
    """Train (or measure the bars) with the options as given."""
    return bench(**vars(args))
