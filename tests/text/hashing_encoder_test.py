import numpy as np
import pytest

from tfcompress.text import HashingEncoder, WordTokenizer, fnv1a_32


def test_fnv1a_matches_published_test_vectors():
    assert fnv1a_32(b"") == 0x811C9DC5
    assert fnv1a_32(b"a") == 0xE40C292C
    assert fnv1a_32(b"foobar") == 0xBF9CF968


def test_tokenizer_keeps_inner_apostrophes_and_splits_punctuation():
    assert WordTokenizer().tokenize("Don't PANIC, it's great! snake_case café 3.5") == [
        "don't", "panic", ",", "it's", "great", "!", "snake", "_", "case", "café", "3", ".", "5"]


def test_token_spans_point_into_the_text():
    text = "A fine, fine film."
    assert [text[a:b] for a, b in WordTokenizer().spans(text)] == ["A", "fine", ",", "fine", "film", "."]


def test_encoder_pads_truncates_and_hashes_per_spec():
    encoder = HashingEncoder(num_buckets=100, max_length=4)
    ids = encoder.encode(["Fine film", "one two three four five", ""])
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    assert list(ids[0]) == [1 + fnv1a_32(b"fine") % 100, 1 + fnv1a_32(b"film") % 100, 0, 0]
    assert list(ids[1]) == [1 + fnv1a_32(w.encode()) % 100 for w in ["one", "two", "three", "four"]]
    assert not ids[2].any()
    assert ids.min() >= 0 and ids.max() <= 100


def test_encoder_rejects_a_bare_string_and_empty_lists_work():
    encoder = HashingEncoder(10, 3)
    with pytest.raises(TypeError):
        encoder.encode("just one text")
    assert encoder.encode([]).shape == (0, 3)


def test_spec_describes_the_encoding():
    spec = HashingEncoder(5000, 48).spec()
    assert spec["num_buckets"] == 5000 and spec["max_length"] == 48
    assert "FNV-1a" in spec["hash"] and spec["padding"] == "right-pad with id 0"


def test_word_positions_align_and_stop_at_max_length():
    from tfcompress.text import TernaryProjectionEncoder

    for encoder in (HashingEncoder(100, 4), TernaryProjectionEncoder(8, 4)):
        inputs, word_index = encoder.encode_with_words(["Fine film!", "one two three four five", ""])
        assert inputs.shape[:2] == (3, 4)
        assert word_index.tolist() == [[0, 1, 2, -1], [0, 1, 2, 3], [-1, -1, -1, -1]]
        assert encoder.words("Fine film!") == ["fine", "film", "!"]
