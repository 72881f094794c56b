"""Softmax and cross-entropy for class labels, and the gradient p - y that makes the pair popular.

Logits are (K,) for one example or (N, K) for a batch; a batch's loss is the mean over its examples, as
torch.nn.functional.cross_entropy's default reduction, so its gradient is (p - y) / N.
"""

from __future__ import annotations

import numpy as np


def _check_logits(logits: np.ndarray) -> np.ndarray:
    """Logits are one example's (K,) scores or a batch's (N, K), with at least one class."""
    logits = np.asarray(logits, dtype=float)
    if logits.ndim not in (1, 2) or logits.size == 0:
        raise ValueError(f"logits must be (K,) or (N, K) with N, K >= 1, got shape {logits.shape}")
    return logits


def _check_labels(labels: int | np.ndarray, logits: np.ndarray) -> np.ndarray:
    """One integer label in [0, K) per example: an int for (K,) logits, an (N,) array for (N, K)."""
    labels = np.asarray(labels)
    expected = logits.shape[:-1]
    if labels.shape != expected or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape {expected} for logits of shape {logits.shape}, "
                         f"got {labels.dtype} of shape {labels.shape}")
    return _check_range(labels, logits.shape[-1])


def _check_range(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Every label is an integer class index in [0, num_classes)."""
    if not np.issubdtype(labels.dtype, np.integer) or (labels.size and (labels.min() < 0
                                                                        or labels.max() >= num_classes)):
        raise ValueError(f"labels must be class indices in [0, {num_classes}), got {labels.tolist()}")
    return labels


def softmax(logits: np.ndarray) -> np.ndarray:
    """exp(z_k) / sum_j exp(z_j) over the last axis; the max is subtracted first so exp never overflows."""
    logits = _check_logits(logits)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """z_k - logsumexp(z), computed with the max subtracted, so that tiny probabilities keep their logarithm."""
    logits = _check_logits(logits)
    top = logits.max(axis=-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))


def one_hot(labels: int | np.ndarray, num_classes: int) -> np.ndarray:
    """y: 1 at each example's label and 0 elsewhere, the target the gradient p - y compares against."""
    labels = _check_range(np.asarray(labels), num_classes)
    return (np.arange(num_classes) == labels[..., None]).astype(float)


def cross_entropy(logits: np.ndarray, labels: int | np.ndarray) -> float:
    """-log p_label, averaged over a batch: the loss is small exactly when the right class gets the probability."""
    logits = _check_logits(logits)
    labels = _check_labels(labels, logits)
    picked = np.take_along_axis(log_softmax(logits), labels[..., None], axis=-1)
    return float(-picked.mean())


def cross_entropy_grad(logits: np.ndarray, labels: int | np.ndarray) -> np.ndarray:
    """dL/dz = p - y for one example, (p - y) / N for a batch's mean loss."""
    logits = _check_logits(logits)
    labels = _check_labels(labels, logits)
    examples = 1 if logits.ndim == 1 else logits.shape[0]
    return (softmax(logits) - one_hot(labels, logits.shape[-1])) / examples
