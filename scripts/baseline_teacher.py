"""The run's TF-IDF + logistic regression baseline as a teacher you bring (a plain function), for exploring whether
a student distils better from it than from a trained teacher.

Usage (the baseline of newsgroups_long's seed-0 split, fitted on the first call):
    PYTHONPATH=scripts tfcompress run --dataset newsgroups_long --preset quick --teacher baseline_teacher:newsgroups_long
"""
from functools import lru_cache


@lru_cache(maxsize=None)
def _fitted(dataset, seed=0):
    from tfcompress.baseline import fit_baseline
    from tfcompress.datasets import load

    return fit_baseline(load(dataset, seed=seed), seed=seed)


def newsgroups_long(texts):
    """Log-probabilities of the 20 newsgroups for each text."""
    return _fitted("newsgroups_long").predict_texts(list(texts))


def trec(texts):
    """Log-probabilities of trec's 6 question types for each text."""
    return _fitted("trec").predict_texts(list(texts))


def rotten_tomatoes(texts):
    """Log-probabilities of rotten_tomatoes' two classes for each text."""
    return _fitted("rotten_tomatoes").predict_texts(list(texts))
