import pytest

from tfcompress.distill.augment import augment_texts
from tfcompress.text import WordTokenizer

TEXTS = ["a sharp, funny and moving film", "dull, dull and far too long", "the best thing in it is the score"]


def test_copies_are_deterministic_perturbations_of_the_sources():
    first = augment_texts(TEXTS, copies=4, seed=7)
    assert first == augment_texts(TEXTS, copies=4, seed=7)
    assert first != augment_texts(TEXTS, copies=4, seed=8)
    sources = [" ".join(WordTokenizer().tokenize(text)) for text in TEXTS]
    vocabulary = {word for text in TEXTS for word in WordTokenizer().tokenize(text)}
    assert 0 < len(first) <= 12
    for copy in first:
        assert copy not in sources and copy.strip()
        assert set(copy.split()) <= vocabulary


def test_each_perturbation_alone():
    dropped = augment_texts(TEXTS, copies=3, drop=0.5, swap=0.0, ngram=0.0, seed=1)
    assert all(len(c.split()) < 9 for c in dropped)
    windows = augment_texts(TEXTS, copies=3, drop=0.0, swap=0.0, ngram=1.0, seed=1)
    assert windows and all(1 <= len(c.split()) <= 5 for c in windows)
    assert augment_texts(TEXTS, copies=3, drop=0.0, swap=0.0, ngram=0.0) == []


def test_probabilities_are_checked():
    with pytest.raises(ValueError, match="drop must be a probability"):
        augment_texts(TEXTS, drop=1.5)
