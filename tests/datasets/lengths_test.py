import numpy as np
import pytest

from tfcompress.datasets.lengths import (FLOOR, WORD_CAP, WORDPIECE_CAP, fit_max_length, truncation_share,
                                         word_counts, wordpiece_counts)
from tfcompress.text import WordPieceEncoder, WordTokenizer

WORDS = "the film moves slowly but its ending is honest and quietly moving".split()


def document(words, offset=0):
    """A synthetic document of ``words`` plain English words (one WordPiece each)."""
    return " ".join(WORDS[(offset + i) % len(WORDS)] for i in range(words))


def test_word_counts_are_word_tokenizer_tokens(rotten_tomatoes):
    texts = rotten_tomatoes.train.texts[:200]
    tokenizer = WordTokenizer()
    assert list(word_counts(texts)) == [len(tokenizer.tokenize(text)) for text in texts]
    assert list(word_counts(["Don't panic, it's GREAT!", ""])) == [6, 0]


def test_snippets_get_the_smallest_multiple_of_8_holding_95_percent(rotten_tomatoes):
    texts = rotten_tomatoes.train.texts
    length = fit_max_length(texts)
    assert length % 8 == 0 and FLOOR <= length <= 48
    assert truncation_share(texts, length) <= 0.05 < truncation_share(texts, length - 8)


def test_long_documents_get_a_longer_length_up_to_the_cap():
    texts = [document(150 + i, i) for i in range(100)]  # 150..249 words
    assert fit_max_length(texts, cap=256) == 248  # the 95th text has 244 words
    assert fit_max_length(texts) == WORD_CAP == 128
    assert truncation_share(texts, 248) == pytest.approx(0.01) and truncation_share(texts, 48) == 1.0
    longer = texts + [document(2000)] * 20
    assert fit_max_length(longer, cap=256) == 256
    assert truncation_share(longer, 256) == pytest.approx(20 / 120)


def test_floor_cap_multiple_and_coverage():
    short = ["fine", "a dull film", "good"] * 10
    assert fit_max_length(short) == FLOOR
    assert fit_max_length(short, floor=1, multiple=1) == 3
    texts = [document(n) for n in range(1, 101)]  # 1..100 words
    assert fit_max_length(texts, coverage=1.0) == 104
    assert fit_max_length(texts, coverage=0.5, multiple=10) == 50
    assert fit_max_length(texts, cap=64) == 64
    assert fit_max_length([]) == FLOOR and truncation_share([], 10) == 0.0
    for bad in ({"coverage": 0}, {"coverage": 1.5}, {"floor": 300, "cap": 256}, {"multiple": 0}):
        with pytest.raises(ValueError):
            fit_max_length(texts, **bad)


def test_precomputed_counts_are_used_as_given():
    texts = ["a b", "c d"]
    assert fit_max_length(texts, counts=[100, 200], floor=8, cap=256) == 200
    assert truncation_share(texts, 150, counts=np.array([100, 200])) == 0.5


def test_wordpiece_counts_match_the_encoder_and_include_cls_and_sep(rotten_tomatoes):
    texts = list(rotten_tomatoes.train.texts[:300])
    counts = wordpiece_counts(texts)
    ids = WordPieceEncoder(max_length=128).encode(texts)
    assert list(counts) == list(np.count_nonzero(ids, axis=1))
    assert (counts >= word_counts(texts) + 2).all()
    assert fit_max_length(texts, cap=WORDPIECE_CAP, counts=counts) >= fit_max_length(texts)


def test_wordpiece_counts_of_texts_longer_than_the_limit_stay_longer():
    texts = [document(40), document(900), "unbelievably " * 30]  # "unbelievably" is 5 WordPieces
    counts = wordpiece_counts(texts, limit=64)
    assert counts[0] == 42  # 40 pieces + [CLS] + [SEP]
    assert counts[1] >= 902  # words + 2 at least: every word is one piece or more
    assert 48 < counts[2] <= 64  # cut at the limit (whole words), still longer than lengths below it
    assert truncation_share(texts, 48, counts=counts) == pytest.approx(2 / 3)
