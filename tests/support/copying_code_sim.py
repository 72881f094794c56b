"""A simulated class's code for the conv2d question, to measure grader.copying.code.SIMILARITY against.

Ten independent ways to write `conv2d_forward` (the conv2d code question's kind), each a template whose choice
points are where independent students differ (`«a¦b»`, or `«label|a¦b»` for choices made together; names `$N`
come from each student's own naming). Honest students draw their own choices, names, comments, docstring and
layout; a copier takes another student's code and disguises it: every local renamed, comments and docstring
changed, layout changed, two independent statements swapped, a dead line added. All draws come from the seed.
"""

from __future__ import annotations

import ast
import io
import random
import re
import string
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from generator.kinds import KINDS

QID = "code-conv2d"
ENTRY = "conv2d_forward"
EXERCISE = next(kind.EXERCISE for kind in KINDS.values()  # through the registry: the grader names no kind
                if getattr(getattr(kind, "EXERCISE", None), "entry_point", None) == ENTRY)
SIGNATURE = EXERCISE.signature({})
STARTER = f"{SIGNATURE}\n{EXERCISE.stub_body}\n"  # the stub the students start from (answer_stub)
PARAMS = ("x", "w", "b", "stride", "padding")
CHOICE = re.compile(r"«(?:(\w+)\|)?([^«»]*)»")  # an innermost choice point, its label optional

# Each student's names for the template's placeholders, drawn in this order, never two alike.
NAMES: dict[str, tuple[str, ...]] = {
    "N": ("N", "batch", "n_batch", "num", "B", "m", "bs"), "C": ("C", "channels", "c_in", "n_c", "C_in", "cin"),
    "H": ("H", "height", "h_in", "H_in", "n_h", "ih"), "W": ("W", "width", "w_in", "W_in", "n_w", "iw"),
    "F": ("F", "filters", "n_f", "num_filters", "C_out", "K"), "KH": ("KH", "kh", "HH", "fh", "k_h", "kernel_h"),
    "KW": ("KW", "kw", "WW", "fw", "k_w", "kernel_w"), "HO": ("H_out", "h_out", "Ho", "out_h", "OH", "n_H"),
    "WO": ("W_out", "w_out", "Wo", "out_w", "OW", "n_W"), "XP": ("xp", "x_pad", "x_padded", "padded", "X_pad"),
    "OUT": ("out", "output", "y", "result", "res", "Z"), "S": ("stride", "stride", "stride", "s", "st", "step"),
    "n": ("n", "i_n", "idx", "sample", "ni"), "f": ("f", "k", "fi", "oc", "filt"), "c": ("c", "ch", "ci", "chan"),
    "i": ("i", "r", "row", "oh", "h"), "j": ("j", "col", "ow", "jj", "wi"), "p": ("p", "u", "ki", "di", "kr"),
    "q": ("q", "v", "kj", "dj", "kc"), "HS": ("h_start", "hs", "vert_start", "r0", "y0", "top"),
    "WS": ("w_start", "ws", "horiz_start", "c0", "x0", "left"), "HE": ("h_end", "he", "vert_end", "r1", "bottom"),
    "WE": ("w_end", "we", "horiz_end", "c1", "right"), "PATCH": ("patch", "window", "region", "x_slice", "piece"),
    "ACC": ("acc", "total", "val", "tmp", "summ"), "R": ("rr", "row_in", "yy", "hi"), "CC": ("cc", "col_in", "xx"),
    "WFLAT": ("w_flat", "w_mat", "W_col", "filters_2d", "wr"), "COLS": ("cols", "X_col", "patches", "x_cols"),
    "ROW": ("row_idx", "cnt", "pos", "ptr"), "WIN": ("windows", "win", "view", "blocks"),
    "SHIFTED": ("shifted", "xs", "sub", "tile"), "XN": ("x_n", "a_prev_pad", "xi", "img"),
    "IM": ("im2col", "to_columns", "unfold", "get_patches"), "ZP": ("zero_pad", "pad_input", "add_padding"),
    "CSS": ("conv_single_step", "conv_step", "single_conv", "apply_filter"), "XA": ("X", "arr", "a", "A_prev"),
    "PADN": ("pad", "amount", "npad", "pw"), "SLICE": ("a_slice_prev", "a_slice", "chunk"),
    "WK": ("Wf", "kernel", "wk", "weights"), "BK": ("bias", "bf", "b_f", "bk"), "SS": ("prod", "mult", "s_"),
    "Z": ("z", "value", "conv"), "XPAD2": ("x_out", "padded_x", "res_pad"), "KH2": ("k1", "fh2", "kh_"),
    "KW2": ("k2", "fw2", "kw_"), "S2": ("s2", "sd", "stp"), "N2": ("nb", "n2", "count"),
    "HO2": ("ho", "oh2", "rows"), "WO2": ("wo", "ow2", "colsn"),
}

PAD_NP = ("    $XP = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))",
          '    $XP = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], mode="constant")',
          '    $XP = np.pad(x, ((0,), (0,), (padding,), (padding,)), "constant", constant_values=0)',
          "    $XP = x\n    if padding > 0:\n"
          '        $XP = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode="constant")')
BY_HAND = ("    $XP = np.zeros(($N, $C, $H + 2 * padding, $W + 2 * padding))\n"
           "    $XP[:, :, padding:padding + $H, padding:padding + $W] = x")
UNPACK = ("«    $N, $C, $H, $W = x.shape\n    $F, _, $KH, $KW = w.shape¦    $N, $C, $H, $W = x.shape\n"
          "    $F, $C, $KH, $KW = w.shape¦    $N = x.shape[0]\n    $C = x.shape[1]\n    $H = x.shape[2]\n"
          "    $W = x.shape[3]\n    $F = w.shape[0]\n    $KH = w.shape[2]\n    $KW = w.shape[3]¦"
          "    $N, $C, $H, $W = x.shape\n    $F, $KH, $KW = w.shape[0], w.shape[2], w.shape[3]¦"
          "    ($N, $C, $H, $W), ($F, _, $KH, $KW) = x.shape, w.shape»"
          '«¦¦\n    assert $C == w.shape[1]¦\n    assert x.shape[1] == w.shape[1], "channels differ"»')
OUTSIZE = ("«    $HO = ($H + 2 * padding - $KH) // stride + 1\n    $WO = ($W + 2 * padding - $KW) // stride + 1¦"
           "    $HO = 1 + ($H + 2 * padding - $KH) // stride\n    $WO = 1 + ($W + 2 * padding - $KW) // stride¦"
           "    $HO = ($H - $KH + 2 * padding) // stride + 1\n    $WO = ($W - $KW + 2 * padding) // stride + 1¦"
           "    $HO, $WO = ($H + 2 * padding - $KH) // stride + 1, ($W + 2 * padding - $KW) // stride + 1¦"
           "    $HO = int(($H + 2 * padding - $KH) / stride) + 1\n"
           "    $WO = int(($W + 2 * padding - $KW) / stride) + 1»")
PAD = "«" + "¦".join(PAD_NP + (BY_HAND, BY_HAND)) + "»"  # by hand as often as np.pad
PAD_NP_CHOICE = "«" + "¦".join(PAD_NP) + "»"


def _setup(pad: str = PAD) -> str:
    """Shapes, then padding and output size in either order, then an optional stride alias."""
    return f"{UNPACK}\n«po|{pad}\n{OUTSIZE}¦{OUTSIZE}\n{pad}»\n    $S = stride"


def _window(indent: int) -> tuple[str, str]:
    """Window starts defined before a statement at `indent` spaces (or not), and the window's two slices."""
    nl = "\n" + " " * indent
    return (f"«win|¦$HS = $i * $S{nl}$WS = $j * $S{nl}¦$HS, $WS = $i * $S, $j * $S{nl}¦"
            f"$HS = $i * $S{nl}$HE = $HS + $KH{nl}$WS = $j * $S{nl}$WE = $WS + $KW{nl}»",
            "«win|$i * $S:$i * $S + $KH, $j * $S:$j * $S + $KW¦$HS:$HS + $KH, $WS:$WS + $KW¦"
            "$HS:$HS + $KH, $WS:$WS + $KW¦$HS:$HE, $WS:$WE»")


D12, S12 = _window(12)
D16, S16 = _window(16)
D20, S20 = _window(20)
STYLES: dict[str, str] = {
    "loops": f"""%DEF%
{_setup()}
    $OUT = «np.zeros¦np.empty»(($N, $F, $HO, $WO))
    «o|for $n in range($N):¦for $f in range($F):»
        «o|for $f in range($F):¦for $n in range($N):»
            for $i in range($HO):
                for $j in range($WO):
                    {D20}$PATCH = $XP[$n, :, {S20}]
                    $OUT[$n, $f, $i, $j] = «np.sum($PATCH * w[$f])¦($PATCH * w[$f]).sum()¦\
np.sum(np.multiply($PATCH, w[$f]))¦np.sum(w[$f] * $PATCH)» + b[$f]
    return $OUT
""",
    "scalar": f"""%DEF%
{_setup("«bd|" + PAD + "¦»")}
    $OUT = np.zeros(($N, $F, $HO, $WO))
    «o|for $n in range($N):¦for $f in range($F):»
        «o|for $f in range($F):¦for $n in range($N):»
            for $i in range($HO):
                for $j in range($WO):
                    «a|$ACC = b[$f]¦$ACC = 0.0¦$ACC = 0»
                    for $c in range($C):
                        for $p in range($KH):
                            for $q in range($KW):
                                «bd|$ACC += «$XP[$n, $c, $i * $S + $p, $j * $S + $q] * w[$f, $c, $p, $q]¦\
w[$f, $c, $p, $q] * $XP[$n, $c, $i * $S + $p, $j * $S + $q]»¦«$R = $i * $S + $p - padding
                                $CC = $j * $S + $q - padding¦$R = $i * $S - padding + $p
                                $CC = $j * $S - padding + $q»
                                «if 0 <= $R < $H and 0 <= $CC < $W:
                                    $ACC += x[$n, $c, $R, $CC] * w[$f, $c, $p, $q]¦\
if $R >= 0 and $R < $H and $CC >= 0 and $CC < $W:
                                    $ACC += x[$n, $c, $R, $CC] * w[$f, $c, $p, $q]¦\
if $R < 0 or $R >= $H or $CC < 0 or $CC >= $W:
                                    continue
                                $ACC += x[$n, $c, $R, $CC] * w[$f, $c, $p, $q]»»
                    $OUT[$n, $f, $i, $j] = «a|$ACC¦$ACC + b[$f]¦$ACC + b[$f]»
    return $OUT
""",
    "tensordot": f"""%DEF%
{_setup()}
    $OUT = «np.zeros¦np.empty»(($N, $F, $HO, $WO))
    for $i in range($HO):
        for $j in range($WO):
            {D12}$PATCH = $XP[:, :, {S12}]
            $OUT[:, :, $i, $j] = np.tensordot($PATCH, w, «axes=([1, 2, 3], [1, 2, 3])¦axes=[(1, 2, 3), (1, 2, 3)]¦\
([1, 2, 3], [1, 2, 3])»)«bias| + b¦¦»
«bias|¦    $OUT += b[None, :, None, None]
¦    $OUT = $OUT + b.reshape(1, -1, 1, 1)
»    return $OUT
""",
    "matmul": f"""%DEF%
{_setup()}
    $WFLAT = w.reshape($F, -1)«t|¦.T»
    $OUT = «np.zeros¦np.empty»(($N, $F, $HO, $WO))
    for $i in range($HO):
        for $j in range($WO):
            {D12}$PATCH = $XP[:, :, {S12}].reshape(«$N, -1¦$N, $C * $KH * $KW¦x.shape[0], -1»)
            $OUT[:, :, $i, $j] = «t|«$PATCH @ $WFLAT.T¦np.dot($PATCH, $WFLAT.T)¦($WFLAT @ $PATCH.T).T»¦\
«$PATCH @ $WFLAT¦np.dot($PATCH, $WFLAT)»» + b
    return $OUT
""",
    "im2col": f"""«h|¦def $IM($XA, $KH2, $KW2, $S2):
    $N2 = $XA.shape[0]
    $HO2 = ($XA.shape[2] - $KH2) // $S2 + 1
    $WO2 = ($XA.shape[3] - $KW2) // $S2 + 1
    $COLS = []
    for $i in range($HO2):
        for $j in range($WO2):
            $COLS.append($XA[:, :, $i * $S2:$i * $S2 + $KH2, $j * $S2:$j * $S2 + $KW2].reshape(«$N2¦\
$XA.shape[0]», -1))
    return «np.stack($COLS, axis=1)¦np.array($COLS).transpose(1, 0, 2)¦np.stack($COLS).transpose(1, 0, 2)»


»%DEF%
{_setup()}
«h|    $COLS = np.zeros(($N * $HO * $WO, $C * $KH * $KW))
    $ROW = 0
    for $n in range($N):
        for $i in range($HO):
            for $j in range($WO):
                {D16}$COLS[$ROW] = $XP[$n, :, {S16}].«ravel()¦reshape(-1)¦flatten()»
                $ROW += 1
    $OUT = $COLS @ w.reshape($F, -1).T + b
    return $OUT.reshape($N, $HO, $WO, $F).transpose(0, 3, 1, 2)¦    $COLS = $IM($XP, $KH, $KW, $S)
    $OUT = $COLS @ w.reshape($F, -1).T + b
    return $OUT.transpose(0, 2, 1).reshape($N, $F, $HO, $WO)»
""",
    "einsum": f"""«imp|from numpy.lib.stride_tricks import sliding_window_view


¦»%DEF%
«    $KH, $KW = w.shape[2:]¦    $KH, $KW = w.shape[-2:]¦{UNPACK}»
{PAD_NP_CHOICE}
    $WIN = «imp|sliding_window_view¦np.lib.stride_tricks.sliding_window_view»($XP, «($KH, $KW)¦\
w.shape[2:]», axis=(2, 3))«sl|[:, :, ::stride, ::stride]¦»
«sl|¦    $WIN = $WIN[:, :, ::stride, ::stride]
»    $OUT = «np.einsum("nchwij,fcij->nfhw", $WIN, w«¦, optimize=True»)¦\
np.tensordot($WIN, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)»
    return $OUT + b«[None, :, None, None]¦.reshape(1, -1, 1, 1)¦[:, None, None]»
""",
    "helpers": f"""def $ZP($XA, $PADN):
«    return np.pad($XA, ((0, 0), (0, 0), ($PADN, $PADN), ($PADN, $PADN)), mode="constant", constant_values=(0, 0))¦\
    return np.pad($XA, ((0, 0), (0, 0), ($PADN, $PADN), ($PADN, $PADN)))¦\
    $XPAD2 = np.zeros(($XA.shape[0], $XA.shape[1], $XA.shape[2] + 2 * $PADN, $XA.shape[3] + 2 * $PADN))
    $XPAD2[:, :, $PADN:$PADN + $XA.shape[2], $PADN:$PADN + $XA.shape[3]] = $XA
    return $XPAD2»


def $CSS($SLICE, $WK, $BK):
«    $SS = np.multiply($SLICE, $WK)
    $Z = np.sum($SS)
    $Z = $Z + float($BK)
    return $Z¦    return np.sum($SLICE * $WK) + $BK¦    return float(np.sum($SLICE * $WK) + $BK)»


%DEF%
{UNPACK}
{OUTSIZE}
    $S = stride
    $XP = $ZP(x, padding)
    $OUT = np.zeros(($N, $F, $HO, $WO))
    for $n in range($N):
        $XN = $XP[$n]
        for $i in range($HO):
            for $j in range($WO):
                {D16}for $f in range($F):
                    $PATCH = $XN[:, {S16}]
                    $OUT[$n, $f, $i, $j] = $CSS($PATCH, w[$f], b[$f])
    return $OUT
""",
    "comprehension": f"""%DEF%
{_setup()}
«    $OUT = «np.array¦np.asarray»([[[[«np.sum($XP[$n, :, $i * $S:$i * $S + $KH, $j * $S:$j * $S + $KW] * w[$f])¦\
($XP[$n, :, $i * $S:$i * $S + $KH, $j * $S:$j * $S + $KW] * w[$f]).sum()» + b[$f]
                        for $j in range($WO)]
                       for $i in range($HO)]
                      for $f in range($F)]
                     for $n in range($N)])
    return $OUT¦\
    $COLS = [np.tensordot($XP[:, :, $i * $S:$i * $S + $KH, $j * $S:$j * $S + $KW], w, axes=([1, 2, 3], [1, 2, 3]))
            for $i in range($HO) for $j in range($WO)]
    $OUT = np.array($COLS).reshape($HO, $WO, $N, $F).transpose(2, 3, 0, 1)
    return $OUT + b[None, :, None, None]»
""",
    "channels": f"""%DEF%
{_setup()}
    $OUT = np.zeros(($N, $F, $HO, $WO))
    «o|for $c in range($C):¦for $i in range($HO):»
        «o|for $i in range($HO):¦for $j in range($WO):»
            «o|for $j in range($WO):¦for $c in range($C):»
                {D16}$PATCH = $XP[:, $c, {S16}]
                $OUT[:, :, $i, $j] += «np.einsum("nkl,fkl->nf", $PATCH, w[:, $c])¦\
np.tensordot($PATCH, w[:, $c], axes=([1, 2], [1, 2]))¦$PATCH.reshape($N, -1) @ w[:, $c].reshape($F, -1).T»
«    $OUT += b[None, :, None, None]¦    $OUT += b.reshape(1, $F, 1, 1)¦    for $f in range($F):
        $OUT[:, $f] += b[$f]»
    return $OUT
""",
    "shifts": f"""%DEF%
{_setup()}
    $OUT = np.zeros(($N, $F, $HO, $WO))«bias|¦ + b[None, :, None, None]»
    for $p in range($KH):
        for $q in range($KW):
            $SHIFTED = $XP[:, :, $p:$p + $S * $HO:$S, $q:$q + $S * $WO:$S]
            $OUT += «np.einsum("nchw,fc->nfhw", $SHIFTED, w[:, :, $p, $q])¦\
np.tensordot(w[:, :, $p, $q], $SHIFTED, axes=([1], [1])).transpose(1, 0, 2, 3)»
«bias|    $OUT += b.reshape(1, -1, 1, 1)
¦»    return $OUT
""",
}
SHAPES = {"N": "x.shape[0]", "C": "x.shape[1]", "F": "w.shape[0]", "KH": "w.shape[2]", "KW": "w.shape[3]"}
# Habits a student has or not, each a rewrite of the whole text that keeps the code right (share of students).
HABITS: tuple[tuple[float, Callable[[str], str]], ...] = (
    (0.25, lambda text: text.replace("range(", "range(0, ")),
    (0.3, lambda text: re.sub(r"(\$[ij]) \* (\$S\b)", r"\2 * \1", text)),
    (0.3, lambda text: re.sub(r"^(\s*)(\$\w+(?:\[[^\]\n]*\])?) \+= ", r"\1\2 = \2 + ", text, flags=re.M)),
    (0.2, lambda text: re.sub(r"(range\((?:0, )?)\$(N|F|C|KH|KW)\)", lambda m: m[1] + SHAPES[m[2]] + ")", text)),
    (0.25, lambda text: re.sub(r"(?<=[\w\]])\[([^\[\]:,()\n]+(?:, [^\[\]:,()\n]+)+)\]",
                               lambda m: "[" + "][".join(m.group(1).split(", ")) + "]", text)),
)
# How many students write each style: the plain loops most, the vectorised tricks least (an assumption).
POPULARITY = {"loops": 5, "scalar": 3, "tensordot": 2, "matmul": 2, "im2col": 2, "einsum": 1, "helpers": 2,
              "comprehension": 1, "channels": 1, "shifts": 1}
COMMENTS = ("pad the input", "output size", "loop over every output position", "slice the window", "add the bias",
            "apply the filter", "sum over channels and kernel", "TODO: vectorise this", "shape of the output",
            "zero padding", "convolution step", "cross-correlation, no flip", "reshape for the matmul", "done")
DOCSTRINGS = ("Naive forward pass for a convolutional layer.", "Convolution forward.", "My conv2d.",
              "Computes the conv layer output.", "2D cross-correlation with stride and zero padding.")
DEAD = ("debug = False", "eps = 1e-8", "verbose = 0", "count = 0", "tmp = None", "dtype = x.dtype",
        "in_shape = x.shape", "n_params = w.size")
DISGUISE = ("a1", "bb", "res1", "tmp1", "arr", "val1", "acc1", "mat", "data", "cnt1", "idx1", "ii", "kk", "p1",
            "q1", "xx1", "yy1", "zz", "u1", "v1", "t1", "m1", "m2", "o1", "dims", "lim", "aa", "g", "e1", "d1")


@dataclass(frozen=True)
class CodeClass:
    """One question's code across a class: each student's source and style, and who copied from whom."""

    sources: Mapping[str, str]
    styles: Mapping[str, str]  # the style a student wrote, a copier's being the source's
    copied: tuple[tuple[str, str], ...]  # (source, copier)


def render(style: str, rng: random.Random) -> str:
    """One honest student's code in a style: their choices, names, docstring, comments and layout."""
    used: set[str] = set()
    names = {}
    for key, pool in NAMES.items():
        names[key] = rng.choice([name for name in pool if name not in used])
        used.add(names[key])
    chosen: dict[str, tuple[int, int]] = {}

    def pick(match: re.Match[str]) -> str:
        """One choice point's alternative; a labelled one as its label's first."""
        options = match.group(2).split("¦")
        if match.group(1) is None:
            return rng.choice(options)
        index, count = chosen.setdefault(match.group(1), (rng.randrange(len(options)), len(options)))
        assert count == len(options), f"choice {match.group(1)} has {len(options)} options, not {count}"
        return options[index]

    text = STYLES[style]
    while "«" in text:
        text = CHOICE.sub(pick, text)
    for share, habit in HABITS:
        text = habit(text) if rng.random() < share else text
    text = string.Template(text).substitute(names).replace("%DEF%", SIGNATURE)
    source = "\n".join(line for line in text.splitlines() if not re.fullmatch(r"\s*(\w+) = \1", line)) + "\n"
    roll = rng.random()
    if roll < 0.35:  # a fifth write their own docstring, some delete the starter's, the rest keep it
        source = _docstring(source, rng.choice(DOCSTRINGS) if roll < 0.2 else None)
    return _reformat(_insert(source, rng, rng.randint(0, 3), lambda: "# " + rng.choice(COMMENTS)), rng)


def disguise(source: str, rng: random.Random, edits: bool = True) -> str:
    """A copier's version: renamed, recommented, relaid out; with edits also a swap and a dead line (token changes)."""
    source = _docstring(_rename(_strip_comments(source), rng), rng.choice((None,) + DOCSTRINGS))
    if edits:
        source = _swap(source, rng)
        dead = [line for line in DEAD if line.split(" = ")[0] not in _words(source)]
        source = _insert(source, rng, 1, lambda: rng.choice(dead), top=True)
    return _reformat(_insert(source, rng, rng.randint(1, 3), lambda: "# " + rng.choice(COMMENTS)), rng)


def simulate_class(students: int, copiers: int, seed: int) -> CodeClass:
    """`students` students (copiers among them), each an honest style but for `copiers` who copy another's code."""
    rng = random.Random(seed)
    ids = [f"s{number:04d}" for number in range(students)]
    styles = dict(zip(ids, rng.choices(list(POPULARITY), list(POPULARITY.values()), k=students)))
    sources = {sid: render(styles[sid], random.Random(f"{seed}/{sid}")) for sid in ids}
    chosen = rng.sample(ids, 2 * copiers)
    copied = tuple(zip(chosen[:copiers], chosen[copiers:]))
    for original, copier in copied:
        sources[copier] = disguise(sources[original], random.Random(f"{seed}/{copier}/copies"))
        styles[copier] = styles[original]
    return CodeClass(sources, styles, copied)


def _entry(tree: ast.Module) -> ast.FunctionDef:
    """The graded function's definition."""
    return next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == ENTRY)


def _docstring(source: str, text: str | None) -> str:
    """The graded function's docstring replaced by a one-line one, or removed (None)."""
    function = _entry(ast.parse(source))
    first, lines = function.body[0], source.splitlines()
    new = [f'{" " * first.col_offset}"""{text}"""'] if text else []
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines[first.lineno - 1:first.end_lineno] = new
    else:
        lines[first.lineno - 1:first.lineno - 1] = new
    return "\n".join(lines) + "\n"


def _insert(source: str, rng: random.Random, count: int, make: Callable[[], str], top: bool = False) -> str:
    """`count` lines from make() put before random statements (the graded function's own, with top), indented."""
    tree = ast.parse(source)
    nodes = _entry(tree).body if top else [n for n in ast.walk(tree) if isinstance(n, ast.stmt)
                                           and not isinstance(n, ast.FunctionDef | ast.ImportFrom)]
    places = [n for n in nodes if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    lines = source.splitlines()
    for node in sorted(rng.sample(places, min(count, len(places))), key=lambda n: -n.lineno):
        line = make()
        lines.insert(node.lineno - 1, " " * node.col_offset + line if line else "")
    return "\n".join(lines) + "\n"


def _reformat(source: str, rng: random.Random) -> str:
    """Another layout, the same tokens: indentation width, spaces around `*`, blank lines."""
    width, tight = rng.choice((4, 4, 2)), rng.random() < 0.3
    unit = min(n.col_offset for n in ast.walk(ast.parse(source)) if isinstance(n, ast.stmt) and n.col_offset)
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip(" ")
        line = " " * ((len(line) - len(stripped)) // unit * width + (len(line) - len(stripped)) % unit) + stripped
        lines.append(line.replace(" * ", "*") if tight else line)
    return _insert("\n".join(lines) + "\n", rng, rng.randint(0, 2), lambda: "")


def _words(source: str) -> set[str]:
    """Every name token of a source."""
    return {t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.NAME}


def _rename(source: str, rng: random.Random) -> str:
    """Every local variable, helper function and helper parameter renamed (the graded signature kept)."""
    tree = ast.parse(source)
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name != ENTRY:
            local |= {node.name} | {a.arg for a in node.args.args}
    free = [name for name in DISGUISE if name not in _words(source)]
    rng.shuffle(free)
    mapping = {old: free.pop() if free else f"{old}_" for old in sorted(local - set(PARAMS))}
    lines = source.splitlines(keepends=True)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    depth, depths = 0, []
    for token in tokens:
        depths.append(depth)
        depth += (token.string in "([{") - (token.string in ")]}") if token.type == tokenize.OP else 0
    for k in range(len(tokens) - 2, 0, -1):  # right to left, so that columns stay right; the last is ENDMARKER
        token, keyword_arg = tokens[k], tokens[k + 1].string == "=" and depths[k] > 0
        if token.type == tokenize.NAME and token.string in mapping and not keyword_arg and tokens[k - 1].string != ".":
            (row, start), (_, end) = token.start, token.end
            lines[row - 1] = lines[row - 1][:start] + mapping[token.string] + lines[row - 1][end:]
    return "".join(lines)


def _strip_comments(source: str) -> str:
    """The source without its comments (lines that were only a comment go)."""
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col].rstrip() or "\0"
    return "\n".join(line for line in lines if line != "\0") + "\n"


def _swap(source: str, rng: random.Random) -> str:
    """Two adjacent one-line statements that do not depend on each other swapped (if there are any)."""
    pairs = []
    for node in ast.walk(ast.parse(source)):
        block = getattr(node, "body", None)
        if isinstance(block, list):
            pairs += [(a.lineno, b.lineno) for a, b in zip(block, block[1:]) if _independent(a, b)]
    lines = source.splitlines()
    if pairs:
        first, second = rng.choice(pairs)
        lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
    return "\n".join(lines) + "\n"


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    """Two one-line assignments or asserts, neither of which writes a name the other reads or writes."""
    kinds = ast.Assign | ast.AugAssign | ast.Assert
    if not (isinstance(a, kinds) and isinstance(b, kinds) and a.lineno == a.end_lineno and b.lineno == b.end_lineno):
        return False

    def written(s: ast.stmt) -> set[str]:
        """Names in the statement's targets."""
        targets = s.targets if isinstance(s, ast.Assign) else [s.target] if isinstance(s, ast.AugAssign) else []
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}

    def read(s: ast.stmt) -> set[str]:
        """Every name in the statement."""
        return {n.id for n in ast.walk(s) if isinstance(n, ast.Name)}

    return not (written(a) & read(b) or written(b) & read(a))
