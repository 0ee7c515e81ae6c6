"""A transfer set for distillation: perturbed copies of the training texts, labelled by the teacher.

After Tang et al. (2019), "Distilling Task-Specific Knowledge from BERT into Simple Neural
Networks": the student sees many more sentences than the labelled set, each with the teacher's soft
labels. Three perturbations, applied per copy with a seeded generator:
- word dropout: each word is removed with probability ``drop`` (Tang et al. replace it with [MASK],
  which the hashed students cannot read);
- word swap: each word is replaced, with probability ``swap``, by a word drawn from the corpus'
  own word frequencies (Tang et al. draw one of the same part of speech; no tagger is available
  offline);
- neighbour substitution: with ``neighbours`` (e.g. ``teacher_neighbours``: the teacher's nearest
  words), each word that has neighbours is replaced, with probability ``substitute``, by one of them
  (TinyBERT's augmentation draws from BERT's and GloVe's neighbours the same way);
- n-gram sampling: with probability ``ngram`` the copy is cut to a random window of 1-5 words.
Copies identical to their source or empty are dropped.
"""
import collections

import numpy as np

from tfcompress.text import WordTokenizer


def augment_texts(texts, copies=2, drop=0.1, swap=0.1, ngram=0.25, seed=0, neighbours=None, substitute=0.0):
    """Perturbed copies of ``texts`` (lower-cased words joined by spaces); deterministic per seed.

    Args:
        texts: the source texts (e.g. the training split).
        copies: perturbed copies made of each text.
        drop: per-word dropout probability.
        swap: per-word probability of replacement by a corpus word.
        ngram: probability that a copy is cut to a random 1-5 word window.
        seed: fixes every random choice.
        neighbours: ``{word: [candidate, ...]}`` substitution candidates (``None``: no substitution).
        substitute: per-word probability of replacement by one of its neighbours.

    Example:
        >>> transfer_texts = augment_texts(data.train.texts, copies=2, seed=0)
    """
    for name, value in (("drop", drop), ("swap", swap), ("ngram", ngram), ("substitute", substitute)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    tokenizer = WordTokenizer()
    sentences = [tokenizer.tokenize(text) for text in texts]
    counts = collections.Counter(word for sentence in sentences for word in sentence)
    vocabulary = np.array(sorted(counts))
    cumulative = np.cumsum([counts[word] for word in vocabulary], dtype=np.float64)
    cumulative /= cumulative[-1] if len(cumulative) else 1.0
    rng = np.random.RandomState(seed)
    augmented = []
    for words in sentences:
        for _ in range(copies):
            copy = _perturb(words, rng, drop, swap, ngram, vocabulary, cumulative)
            if neighbours and substitute:
                copy = _substitute(copy, rng, neighbours, substitute)
            if copy and copy != words:
                augmented.append(" ".join(copy))
    return augmented


def _perturb(words, rng, drop, swap, ngram, vocabulary, cumulative):
    copy = []
    for word in words:
        roll = rng.rand()
        if roll < drop:
            continue
        if roll < drop + swap and len(vocabulary):
            word = str(vocabulary[min(np.searchsorted(cumulative, rng.rand()), len(vocabulary) - 1)])
        copy.append(word)
    if copy and rng.rand() < ngram:
        size = rng.randint(1, 6)
        start = rng.randint(0, max(1, len(copy) - size + 1))
        copy = copy[start:start + size]
    return copy


def _substitute(words, rng, neighbours, probability):
    out = []
    for word in words:
        candidates = neighbours.get(word)
        if candidates and rng.rand() < probability:
            word = candidates[rng.randint(len(candidates))]
        out.append(word)
    return out


def with_transfer_copies(split, copies, seed=0, neighbours=None, substitute=0.0):
    """``split`` plus ``copies`` perturbed copies of each text, labelled -1 (unlabelled: KD only)."""
    from tfcompress.datasets import Split

    if not copies:
        return split
    extra = augment_texts(split.texts, copies=copies, seed=seed, neighbours=neighbours, substitute=substitute)
    return Split(list(split.texts) + extra, np.concatenate([split.labels, np.full(len(extra), -1, np.int32)]))
