"""Teachers as plain functions for the tests: one that works and the bad ones a run must refuse. NumPy only, so a
teacher process serving them starts fast."""
import numpy as np

POSITIVE = {"good", "great", "best", "fun", "funny", "moving", "beautiful", "wonderful", "smart", "entertaining"}
NEGATIVE = {"bad", "dull", "worst", "boring", "mess", "flat", "tedious", "lame", "fails", "stupid"}


def lexicon_scores(texts):
    """(fresh, rotten) logits from counting a few polar words."""
    rows = []
    for text in texts:
        words = text.lower().split()
        polarity = sum(word in POSITIVE for word in words) - sum(word in NEGATIVE for word in words)
        rows.append([polarity, -polarity])
    return np.asarray(rows, np.float32)


def wrong_shape(texts):
    return np.zeros(len(texts))


def with_nan(texts):
    scores = lexicon_scores(texts)
    scores[[index for index, text in enumerate(texts) if "dull" in text], 0] = np.nan
    return scores


def three_classes(texts):
    return np.zeros((len(texts), 3), np.float32)


def numbers_only(texts):
    return np.asarray([[float(text), 0.0] for text in texts])
