"""OneEditIndex finds exactly what looking up every one-edit variant finds (the spec's recovery rule)."""
import random

import numpy as np

from tfcompress.distill.typo_edits import random_typo
from tfcompress.text import one_edit_variants
from tfcompress.text.one_edit_index import OneEditIndex
from tfcompress.text.vocabulary_encoder import ALPHABET, vocabulary_from_texts


def lowest_id_by_every_variant(word_ids, token):
    found = [word_ids[variant] for variant in one_edit_variants(token, ALPHABET) if variant in word_ids]
    return min(found) if found else None


def test_the_index_agrees_with_every_variant_looked_up(rotten_tomatoes):
    vocabulary = vocabulary_from_texts(rotten_tomatoes.train.texts, 3500)
    word_ids = {word: rank + 2 for rank, word in enumerate(vocabulary)}
    index = OneEditIndex(word_ids, ALPHABET)
    rng, typo_rng = random.Random(0), np.random.RandomState(0)
    words = [word for word in rng.sample(vocabulary, 400) if len(word) > 1]
    once = [random_typo(word, typo_rng) for word in words]
    tokens = [*words, *once, *(random_typo(typo, typo_rng) for typo in once if len(typo) > 1),
              "", "a", "aa", "zzzz", "ﬁlm", "fílm", "film2", "12", "don't", "dont", "'s", "naïve", "cafe", "ß"]
    tokens += ["".join(rng.choice(ALPHABET + "0é-") for _ in range(rng.randint(1, 9))) for _ in range(300)]

    disagreeing = [token for token in tokens if index.lowest_id(token) != lowest_id_by_every_variant(word_ids, token)]

    assert not disagreeing
    assert sum(index.lowest_id(token) is not None for token in tokens) > 500  # the sample has many recoveries


def test_a_word_is_not_its_own_neighbour():
    index = OneEditIndex({"fine": 2, "find": 3, "aa": 4}, ALPHABET)
    assert index.lowest_id("fine") == 3 and index.lowest_id("find") == 2
    assert index.lowest_id("aa") is None and index.lowest_id("a") == 4 and index.lowest_id("aaa") == 4
