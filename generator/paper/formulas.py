"""The formula sheet an exam spec may ask for (`exam: {formula_sheet: true}`): the lecture's formulas on one page,
in its terms (/work/shared/lecture), the same on every form and for every student.

It is Markdown with LaTeX, converted with the questions (generator/paper/markup.py), so it prints like them.
"""

from __future__ import annotations

from generator.kinds.named_filter import EDGE_KERNELS, FILTERS, kernel_latex

QUAD = r" \quad "  # LaTeX space between matrices in one formula



def _named_filters() -> str:
    """The lecture's table of named filters (its three edge-detection kernels side by side), as display math."""
    lines = ["| operation | filter |", "|---|---|"]
    for key, kernel in FILTERS.items():
        kernels = [(kernel[0], edge, 1) for edge in EDGE_KERNELS.values()] if key == "edge" else [kernel]
        lines.append(f"| {kernel[0]} | $${QUAD.join(kernel_latex(each) for each in kernels)}$$ |")
    return "\n".join(lines)


FORMULAS = rf"""Convolutions are cross-correlations, as in PyTorch: the kernel is not flipped. Every size below is the
same for the height and the width.

**1D convolution**: elementwise multiplication and sum of a filter $w$ and the signal $x$, zero-padded by $P$ at
each end, sliding by the stride $S$: $$y_i = \sum_k w_k \, x_{{iS + k}}$$

**Convolution in images**: a filter spans all $C$ channels of its input: $K \times K \times C$ weights plus a bias.
$$Y_{{ij}} = \sum_c \sum_m \sum_n w_{{c,m,n}} \, X_{{c, iS + m, jS + n}} + b$$

**Output size** of a conv or pooling layer, for an input of width $W$, kernel $K$, stride $S$ and zero padding $P$
(a last window that does not fit is dropped, as PyTorch does). A conv layer with $F$ filters gives $F$ feature
maps; pooling keeps the channels. $$W_{{out}} = \lfloor (W - K + 2P) / S \rfloor + 1$$

**Parameters**: a conv layer of $F$ filters of size $K \times K$ on $C$ input channels has $F (K^2 C + 1)$
(weights, plus one bias per filter), whatever the input image size. A dense (fully-connected) layer from $n$ to $m$
units has $n m$ weights and $m$ biases. Pooling and flatten have none.

**Pooling** (max or average) downsamples each channel separately over $K \times K$ windows with stride $S$ (by
default $S = K$); it has no learnable parameters.

**Receptive field** of a stack, from the input ($r_0 = 1$, $j_0 = 1$): a layer of kernel $K_l$ and stride $S_l$ gives
$$r_l = r_{{l-1}} + (K_l - 1) \, j_{{l-1}}, \qquad j_l = j_{{l-1}} \, S_l$$

**Named filters** ($3 \times 3$):

{_named_filters()}
"""
