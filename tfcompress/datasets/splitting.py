"""Seeded stratified splitting, stable across NumPy versions (legacy RandomState)."""
import numpy as np


def stratified_indices(labels, fractions, seed):
    """Split row indices into len(fractions)+1 groups, stratified by label.

    Each class's rows are permuted with ``RandomState(seed)``; the first ``round(f * n)`` rows of
    each class go to each fraction in turn and the rest to the last group. Groups come back sorted.
    """
    labels = np.asarray(labels)
    groups = [[] for _ in range(len(fractions) + 1)]
    rng = np.random.RandomState(seed)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        start = 0
        for group, fraction in zip(groups, fractions):
            count = int(round(fraction * len(rows)))
            group.extend(rows[start:start + count])
            start += count
        groups[-1].extend(rows[start:])
    return [np.sort(np.asarray(group, dtype=np.int64)) for group in groups]
