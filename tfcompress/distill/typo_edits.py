"""Random character edits of the kinds the character attacks make, for training on misspelled text.

DeepWordBug (Gao et al. 2018) swaps two adjacent characters, substitutes, deletes or inserts one,
anywhere in a word; Pruthi et al. (2019) do the same inside the word. ``random_typo`` draws one such
edit; ``with_typos`` edits a share of the texts, each of their words of 3+ letters with a given
probability. Used on the transfer set after the teacher has labelled the clean texts, so the student
learns to give a misspelled sentence the teacher's verdict on the clean one.
"""
import re

import numpy as np

LETTERS = "abcdefghijklmnopqrstuvwxyz"
KINDS = ("swap", "substitute", "delete", "insert")
_WORD = re.compile(r"[^\W\d_]{3,}")


def random_typo(word, rng):
    """``word`` with one random swap, substitution, deletion or insertion (``rng``: a ``RandomState``)."""
    kind = KINDS[rng.randint(len(KINDS))]
    if kind == "swap":
        at = rng.randint(len(word) - 1)
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    if kind == "insert":
        at = rng.randint(len(word) + 1)
        return word[:at] + LETTERS[rng.randint(26)] + word[at:]
    at = rng.randint(len(word))
    if kind == "delete":
        return word[:at] + word[at + 1:]
    return word[:at] + LETTERS[rng.randint(26)] + word[at + 1:]


def with_typos(texts, share=0.5, rate=0.25, seed=0):
    """``texts`` with ``share`` of them edited: each of their words of 3+ letters by ``random_typo`` with
    probability ``rate``; deterministic per seed.

    Example:
        >>> with_typos(["a truly wonderful film"], share=1.0, rate=1.0, seed=0)
        ['a truyl wondeful fil']
    """
    for name, value in (("typo_share", share), ("typo_rate", rate)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    rng = np.random.RandomState(seed)
    chosen = rng.rand(len(texts)) < share

    def edit(match):
        return random_typo(match.group(0), rng) if rng.rand() < rate else match.group(0)

    return [_WORD.sub(edit, text) if pick else text for text, pick in zip(texts, chosen)]
