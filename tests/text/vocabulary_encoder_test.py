"""VocabularyEncoder: closed vocabulary, typo recovery to the most frequent one-edit word, the shipped spec."""
import json

import numpy as np
import pytest

from tfcompress.distill.typo_edits import random_typo
from tfcompress.text import VocabularyEncoder, deserialize_encoder, one_edit_variants, serialize_encoder
from tfcompress.text.vocabulary_encoder import (UNKNOWN_ID, class_information, pack_vocabulary, unpack_vocabulary,
                                                vocabulary_from_spec, vocabulary_from_texts)

WORDS = ["the", "film", "good", ".", "bad", "fine", "find", "don't"]


def test_ids_pad_unknown_and_rank():
    encoder = VocabularyEncoder(WORDS, max_length=7)
    ids = encoder.encode(["The film is good.", ""])
    assert ids.dtype == np.int32 and ids.shape == (2, 7)
    assert ids.tolist() == [[2, 3, 1, 4, 5, 0, 0], [0] * 7]  # "is" has no vocabulary word one edit away
    assert encoder.num_buckets == len(WORDS) + 1 and encoder.input_shape == (7,)


def test_typos_recover_to_the_word_or_the_more_frequent_neighbour():
    encoder = VocabularyEncoder(WORDS, max_length=4)
    for typo, word in [("flim", "film"), ("goood", "good"), ("gd", None), ("bbad", "bad"), ("dont", "don't"),
                       ("fxlm", "film"), ("ilm", "film")]:
        assert encoder.canonical_word(typo) == word, typo
    # "fina" is one edit from both "fine" (rank 5) and "find" (rank 6): the more frequent wins.
    assert encoder.canonical_word("fina") == "fine"
    assert VocabularyEncoder(WORDS, typo_recovery=False).canonical_id("flim") == UNKNOWN_ID


def test_one_edit_variants_cover_the_four_edit_kinds():
    variants = one_edit_variants("abc", alphabet="xy")
    assert {"bc", "ac", "ab"} <= variants  # deletions
    assert {"bac", "acb"} <= variants  # adjacent swaps
    assert {"xbc", "ayc", "abx"} <= variants  # substitutions
    assert {"xabc", "axbc", "abcy"} <= variants  # insertions, the ends included
    assert "abc" not in variants
    rng = np.random.RandomState(0)
    for _ in range(200):  # every training typo is one of the variants the recovery searches
        assert random_typo("wonderful", rng) in one_edit_variants("wonderful") | {"wonderful"}


def test_vocabulary_from_texts_ranks_by_frequency_then_alphabet():
    assert vocabulary_from_texts(["b a b", "c a b", "d"], 3) == ["b", "a", "c"]


def test_class_information_is_the_class_entropy_for_a_word_that_names_the_class_and_zero_for_one_that_does_not():
    texts = [["orbit", "the"], ["orbit", "the"], ["goal", "the"], ["goal", "the", "ball"]]
    information = class_information(texts, ["space", "space", "sport", "sport"])
    assert information["orbit"] == pytest.approx(np.log(2)) and information["goal"] == pytest.approx(np.log(2))
    assert information["the"] == pytest.approx(0.0)
    assert 0.0 < information["ball"] < np.log(2)
    with pytest.raises(ValueError, match="one label per text: 4 texts, 3 labels"):
        class_information(texts, ["space", "space", "sport"])


def test_a_labelled_vocabulary_keeps_the_frequent_words_and_adds_the_informative_ones_in_frequency_order():
    texts = ["the the a orbit", "the a orbit rare", "the a goal", "the a goal noise noise noise"]
    labels = [0, 0, 1, 1]
    assert vocabulary_from_texts(texts, 3) == ["the", "a", "noise"]
    # "the" kept as the most frequent word, then the two words that name a class, ranked by frequency
    assert vocabulary_from_texts(texts, 3, labels=labels, frequent_words=1) == ["the", "goal", "orbit"]
    assert vocabulary_from_texts(texts, 3, labels=labels, frequent_words=3) == vocabulary_from_texts(texts, 3)
    encoder = VocabularyEncoder.from_texts(texts, 3, max_length=4, labels=labels, frequent_words=1)
    assert encoder.vocabulary == ["the", "goal", "orbit"]


def test_bad_vocabularies_are_refused():
    for words in ([], ["a", "a"], ["A"], ["a\nb"], [""]):
        with pytest.raises(ValueError, match="vocabulary"):
            VocabularyEncoder(words)


def test_config_round_trip_and_spec_reproduces_the_vocabulary(rotten_tomatoes):
    encoder = VocabularyEncoder.from_texts(rotten_tomatoes.train.texts, 500, max_length=20)
    rebuilt = deserialize_encoder(json.loads(json.dumps(serialize_encoder(encoder))))
    texts = rotten_tomatoes.test.texts[:300]
    np.testing.assert_array_equal(rebuilt.encode(texts), encoder.encode(texts))
    spec = json.loads(json.dumps(encoder.spec()))
    assert unpack_vocabulary(spec["vocabulary"]["data"]) == encoder.vocabulary
    assert vocabulary_from_spec(spec["vocabulary"]) == encoder.vocabulary
    assert pack_vocabulary(encoder.vocabulary) == spec["vocabulary"]["data"]  # gzip with mtime 0: deterministic
    tampered = {**spec["vocabulary"], "size": 499}
    with pytest.raises(ValueError, match="states 499 words"):
        vocabulary_from_spec(tampered)


def test_recovery_reads_most_attack_typos_of_frequent_words_as_the_word(rotten_tomatoes):
    encoder = VocabularyEncoder.from_texts(rotten_tomatoes.train.texts, 4000)
    words = [word for word in encoder.vocabulary[:1000] if word.isalpha() and len(word) >= 5]
    rng = np.random.RandomState(0)
    recovered = np.mean([encoder.canonical_word(random_typo(word, rng)) == word for word in words])
    assert recovered > 0.7, recovered


def test_known_words_are_never_recovered_into_another_word(rotten_tomatoes):
    from tfcompress.text.english_words import english_words

    words = english_words()
    encoder = VocabularyEncoder.from_texts(rotten_tomatoes.train.texts, 3000, real_words=words)
    rewritten = [word for word in words if encoder.canonical_id(word) not in (UNKNOWN_ID, encoder.word_ids.get(word))]
    assert rewritten == []  # every listed English word is itself or unknown
    without = VocabularyEncoder.from_texts(rotten_tomatoes.train.texts, 3000)
    assert without.canonical_word("lie") == "like" and encoder.canonical_word("lie") is None
    for typo, word in [("flim", "film"), ("grat", "great"), ("awfull", "awful"), ("boirng", "boring")]:
        assert encoder.canonical_word(typo) == word, typo  # misspellings still recover
    rebuilt = deserialize_encoder(json.loads(json.dumps(serialize_encoder(encoder))))
    assert rebuilt.known_words == encoder.known_words and rebuilt.canonical_id("lie") == UNKNOWN_ID
    spec = encoder.spec()
    assert spec["known_words"]["bits"] == encoder.known_words.bits and "known word" in spec["typo_recovery"]["rule"]
    assert "known_words" not in without.spec() and "known_words" not in without.get_config()
