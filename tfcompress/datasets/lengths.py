"""How many tokens per text a model reads: ``max_length`` fitted to the data, and the share it cuts off.

Every model reads a fixed number of tokens per text and drops the rest, so a ``max_length`` fixed for
short snippets classifies long documents from their first few words. ``fit_max_length`` picks the
smallest multiple of ``multiple`` that holds ``coverage`` of the texts whole, clipped to
``[floor, cap]``; ``truncation_share`` says which share of texts a length cuts.

Token counts come in two units:

- ``word_counts``: tokens of ``tfcompress.text.WordTokenizer`` (words and punctuation marks), what
  the hashed-word and projection encoders of the students and of the BiLSTM teacher read;
- ``wordpiece_counts``: ids of ``WordPieceEncoder`` with ``[CLS]`` and ``[SEP]`` (the MiniLM
  teacher's unit; a word is one or more WordPieces, so this count is the larger one).

The caps: ``WORD_CAP`` (128 word tokens) keeps a long-document student small and fast on a phone
(its input and activations grow linearly with the length) while reading far more than a snippet: on
newsgroups_long (20 newsgroups, 257 to 2,000 words a post) the first 128 tokens classify as well as the first
256 (TF-IDF + logistic regression 0.933 / 0.937 validation accuracy, the cnn student trained on the labels
0.835 / 0.839), and the BiLSTM teacher learns more in the same time from the shorter inputs;
``WORDPIECE_CAP`` (512) is MiniLM's ``max_positions``, the most its position embeddings cover.
``FLOOR`` (16) leaves room for every n-gram width of the convolutional students.

Example:
    >>> fit_max_length(["a fine film"] * 19 + ["word " * 100])
    16
    >>> truncation_share(["a fine film"] * 19 + ["word " * 100], 16)
    0.05
"""
import math

import numpy as np

from tfcompress.text.word_tokenizer import WordTokenizer

# From this many tokens a text is a document: the cnn student pools it with channel attention, and the student
# ``auto`` reads it as a bag of words (tfcompress.pipeline.presets.auto_student).
LONG_TEXT_TOKENS = 64
COVERAGE = 0.95
MULTIPLE = 8
FLOOR = 16
WORD_CAP = 128
WORDPIECE_CAP = 512
WORD_TOKENS, WORDPIECES = "word_tokens", "wordpieces"


def word_counts(texts):
    """int64 array: ``WordTokenizer`` tokens of each text."""
    tokenizer = WordTokenizer()
    return np.array([len(tokenizer.tokenize(text)) for text in texts], np.int64)


def wordpiece_counts(texts, encoder=None, limit=2 * WORDPIECE_CAP, batch_size=256):
    """int64 array: ``WordPieceEncoder`` ids of each text, ``[CLS]`` and ``[SEP]`` included.

    Counted from ``encode`` at the generous length ``limit`` (the non-padding ids), and never less
    than the text's words + 2 (every word is at least one piece), so a text longer than ``limit`` still
    counts as longer than any length up to about ``limit``.

    Args:
        texts: the texts.
        encoder: a ``WordPieceEncoder`` whose vocabulary is used (its ``max_length`` is not);
            ``None``: the pretrained MiniLM vocabulary.
        limit: the longest count resolved exactly.
        batch_size: texts encoded at a time.
    """
    from tfcompress.text.wordpiece_encoder import WordPieceEncoder

    counter = WordPieceEncoder(getattr(encoder, "custom_vocab_path", None), max_length=limit)
    texts = list(texts)
    counts = np.zeros(len(texts), np.int64)
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        ids = counter.encode(chunk)
        words = np.array([len(counter.words(text)) + 2 for text in chunk], np.int64)
        counts[start:start + len(chunk)] = np.maximum(np.count_nonzero(ids != counter.pad_id, axis=1), words)
    return counts


def _counts(texts, counts):
    return np.asarray(word_counts(texts) if counts is None else counts, np.int64)


def fit_max_length(texts, coverage=COVERAGE, cap=WORD_CAP, floor=FLOOR, multiple=MULTIPLE, counts=None):
    """The smallest multiple of ``multiple`` that holds at least ``coverage`` of the texts whole,
    clipped to ``[floor, cap]``.

    Args:
        texts: the (training) texts.
        coverage: the share of texts that must not be truncated, in (0, 1].
        cap: the longest length returned (the model's limit or budget).
        floor: the shortest length returned.
        multiple: lengths are rounded up to a multiple of this.
        counts: tokens per text in the model's unit, when already counted (e.g. ``wordpiece_counts``);
            ``None``: ``word_counts(texts)``.

    Returns:
        int: ``floor`` for no texts.

    Example:
        >>> fit_max_length(train_texts, cap=WORDPIECE_CAP, counts=wordpiece_counts(train_texts))
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    if multiple < 1 or floor < 1 or floor > cap:
        raise ValueError(f"need multiple >= 1 and 1 <= floor <= cap, got multiple={multiple}, floor={floor}, "
                         f"cap={cap}")
    counts = np.sort(_counts(texts, counts))
    if not len(counts):
        return int(floor)
    covered = max(1, math.ceil(coverage * len(counts) - 1e-9))  # texts that must fit
    needed = int(counts[covered - 1])
    length = math.ceil(needed / multiple) * multiple
    return int(min(max(length, floor), cap))


def truncation_share(texts, max_length, counts=None):
    """The share of texts with more tokens than ``max_length`` (0.0 for no texts).

    Args:
        texts: the texts.
        max_length: the model's tokens per text.
        counts: tokens per text in the model's unit; ``None``: ``word_counts(texts)``.
    """
    counts = _counts(texts, counts)
    return float(np.mean(counts > max_length)) if len(counts) else 0.0


__all__ = ["COVERAGE", "FLOOR", "MULTIPLE", "WORDPIECES", "WORDPIECE_CAP", "WORD_CAP", "WORD_TOKENS",
           "fit_max_length", "truncation_share", "word_counts", "wordpiece_counts"]
