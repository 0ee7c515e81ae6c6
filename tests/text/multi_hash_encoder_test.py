"""MultiHashEncoder: k seeded FNV-1a ids per token, and the CNN student that sums their rows."""
import json
from collections import Counter

import numpy as np
import pytest

from tfcompress.text import (HashingEncoder, MultiHashEncoder, WordTokenizer, deserialize_encoder, fnv1a_32,
                             seeded_fnv1a_32, serialize_encoder)

TEXTS = ["A fine film!", "dull , dull , dull", "x", ""]


@pytest.fixture(scope="module")
def train_vocabulary(rotten_tomatoes):
    """Every distinct token of the rotten_tomatoes training split."""
    tokenizer = WordTokenizer()
    return sorted({token for text in rotten_tomatoes.train.texts for token in tokenizer.tokenize(text)})


def test_shapes_and_dtype():
    encoder = MultiHashEncoder(num_buckets=64, num_hashes=3, max_length=5)
    ids = encoder.encode(TEXTS)
    assert ids.shape == (4, 5, 3) and ids.dtype == np.int32
    assert encoder.input_shape == (5, 3) and encoder.input_dtype == "int32" and encoder.input_name == "token_ids"
    assert encoder.encode([]).shape == (0, 5, 3) and encoder.encode([]).dtype == np.int32
    with pytest.raises(TypeError, match="not a single string"):
        encoder.encode("one text")


def test_ids_follow_the_seeded_fnv1a_rule_and_are_pinned():
    encoder = MultiHashEncoder(num_buckets=4096, num_hashes=2, max_length=4)
    ids = encoder.encode(["A fine film!", "x"])
    for position, token in enumerate(["a", "fine", "film", "!"]):
        assert ids[0, position].tolist() == [1 + fnv1a_32(bytes([j]) + token.encode()) % 4096 for j in (0, 1)]
    assert seeded_fnv1a_32(1, "fine") == fnv1a_32(b"\x01fine")
    # Pinned: an app written against the spec of an exported model must keep getting these ids.
    assert ids.tolist() == [[[3419, 1560], [1080, 3341], [2842, 547], [2203, 344]],
                            [[2342, 285], [0, 0], [0, 0], [0, 0]]]


def test_encoding_is_deterministic_across_instances():
    texts = TEXTS + ["Don't panic, it's GREAT!!", "l'été — déjà vu…"]
    first, second = MultiHashEncoder(500, 2, 8), MultiHashEncoder(500, 2, 8)
    np.testing.assert_array_equal(first.encode(texts), second.encode(texts))
    np.testing.assert_array_equal(first.encode(texts), first.encode(texts))
    assert first.token_id("film") == second.token_id("film") == tuple(first.encode(["film"])[0, 0])


def test_padding_is_all_zero_and_tokens_never_use_id_zero():
    encoder = MultiHashEncoder(num_buckets=7, num_hashes=2, max_length=6)
    ids = encoder.encode(TEXTS)
    lengths = [len(WordTokenizer().tokenize(text)) for text in TEXTS]  # 4, 5, 1, 0
    for row, length in zip(ids, lengths):
        assert not row[length:].any()
        assert (row[:length] >= 1).all() and (row[:length] <= 7).all()
    assert not ids[3].any()


def test_long_texts_keep_their_first_max_length_tokens():
    encoder = MultiHashEncoder(num_buckets=1000, num_hashes=2, max_length=4)
    words = ["one", "two", "three", "four", "five", "six"]
    ids = encoder.encode([" ".join(words)])[0]
    assert ids.tolist() == [list(encoder.token_id(word)) for word in words[:4]]


def test_config_and_serialize_round_trip():
    encoder = MultiHashEncoder(num_buckets=300, num_hashes=3, max_length=12)
    assert encoder.get_config() == {"num_buckets": 300, "num_hashes": 3, "max_length": 12}
    serialized = json.loads(json.dumps(serialize_encoder(encoder)))
    assert serialized == {"class": "MultiHashEncoder", "config": encoder.get_config()}
    rebuilt = deserialize_encoder(serialized)
    assert type(rebuilt) is MultiHashEncoder and rebuilt.get_config() == encoder.get_config()
    assert rebuilt.spec() == encoder.spec()
    np.testing.assert_array_equal(rebuilt.encode(TEXTS), encoder.encode(TEXTS))
    assert MultiHashEncoder(**encoder.get_config()).spec() == encoder.spec()


def test_spec_states_the_whole_rule():
    spec = MultiHashEncoder(4096, 2, 48).spec()
    assert spec["seeds"] == [0, 1] and spec["num_hashes"] == 2 and spec["num_buckets"] == 4096
    assert spec["id"] == "for each seed j: 1 + hash_j mod 4096" and spec["max_length"] == 48
    assert "0x811C9DC5" in spec["hash"] and "0x01000193" in spec["hash"] and "seed byte j" in spec["hash"]
    assert spec["layout"].startswith("ids[position][j]") and spec["dtype"] == "int32"
    assert spec["tokenizer"] == WordTokenizer.spec()


@pytest.mark.parametrize("arguments", [dict(num_hashes=0), dict(num_hashes=256), dict(num_buckets=0),
                                       dict(max_length=0)])
def test_bad_arguments_are_refused(arguments):
    with pytest.raises(ValueError):
        MultiHashEncoder(**{"num_buckets": 100, "num_hashes": 2, "max_length": 8, **arguments})


def test_the_k_ids_of_a_token_differ_for_most_tokens(train_vocabulary):
    encoder = MultiHashEncoder(4096, 2, 48)
    same = [word for word in train_vocabulary if len(set(encoder.token_id(word))) < 2]
    assert len(train_vocabulary) > 10_000
    assert len(same) / len(train_vocabulary) < 0.01, same[:20]


def test_far_fewer_words_share_all_their_ids_than_share_a_single_hash_bucket(train_vocabulary):
    def sharing(ids):
        counts = Counter(ids)
        return sum(1 for value in ids if counts[value] > 1) / len(ids)

    multi, single = MultiHashEncoder(4096, 2, 48), HashingEncoder(4096, 48)
    multi_sharing = sharing([multi.token_id(word) for word in train_vocabulary])
    single_sharing = sharing([single.token_id(word) for word in train_vocabulary])
    # ~18.7k words in 4,096 buckets: almost every word shares its single bucket; with 2 ids a word
    # shares its vector only when both coincide (measured: 0.19% of the words, vs 99% for one hash).
    assert single_sharing > 0.9
    assert multi_sharing < 0.01 and multi_sharing < single_sharing / 50


def test_cnn_student_with_two_hashes_saves_and_loads_with_identical_predictions(tmp_path):
    from tfcompress.models import CNNStudent, load_model, save_model

    student = CNNStudent(num_hashes=2, num_buckets=512, max_length=16, embedding_dim=8, filters=8).build_for_inputs()
    assert student.embedding.get_weights()[0].shape == (513, 8)
    config = student.get_config()
    assert config["num_hashes"] == 2 and config["num_buckets"] == 512 and config["max_length"] == 16
    assert config["encoder"] == {"class": "MultiHashEncoder",
                                 "config": {"num_buckets": 512, "num_hashes": 2, "max_length": 16}}
    path = tmp_path / "student.keras"
    save_model(student, path)
    loaded = load_model(path)
    assert type(loaded) is CNNStudent and type(loaded.encoder) is MultiHashEncoder
    assert loaded.get_config() == config and loaded.encoder.get_config() == student.encoder.get_config()
    texts = TEXTS + ["a gripping , funny film", "dull and far too long"]
    logits = student.predict_texts(texts)
    assert logits.shape == (6, 2) and np.ptp(logits[:, 0]) > 0  # not a constant function of the text
    np.testing.assert_array_equal(loaded.predict_texts(texts), logits)
