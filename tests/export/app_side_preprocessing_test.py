"""An app's preprocessing written from the exported spec alone, proved equal to the package's.

Nothing below the fixtures imports tfcompress' text code: the tokenizer, the FNV-1a hash, the
multi-hash ids and the ternary projection are re-implemented from the spec's words, as an Android
developer would in Kotlin.
"""
import json

import numpy as np
import pytest

from tfcompress.export import export_android
from tfcompress.export.golden_inputs import UNICODE_EDGE_CASES
from tfcompress.tflite import read_android_metadata


def app_lowercase_and_tokenize(text, spec):
    assert spec["name"] == "tfcompress-word-v1" and "str.lower" in spec["lowercase"]
    assert spec["apostrophe"] == "U+0027 only"
    text = text.lower()
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isalnum():  # spec["letter_or_digit"]
            end = i + 1
            while True:
                while end < len(text) and text[end].isalnum():
                    end += 1
                if end + 1 < len(text) and text[end] == "'" and text[end + 1].isalnum():
                    end += 2
                    continue
                break
            tokens.append(text[i:end])
            i = end
        elif char.isspace():  # spec["whitespace"]
            i += 1
        else:
            tokens.append(char)
            i += 1
    return tokens


def app_fnv1a_32(data):
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) % 2 ** 32
    return value


def app_hashed_ids(text, spec):
    assert spec["id"] == f"1 + hash mod {spec['num_buckets']}" and spec["padding"] == "right-pad with id 0"
    assert "0x811C9DC5" in spec["hash"] and "0x01000193" in spec["hash"]
    ids = [1 + app_fnv1a_32(token.encode("utf-8")) % spec["num_buckets"]
           for token in app_lowercase_and_tokenize(text, spec["tokenizer"])[:spec["max_length"]]]
    return ids + [0] * (spec["max_length"] - len(ids))


def app_multi_hash_ids(text, spec):
    """ids[position][j] = 1 + FNV-1a-32(byte j, then the token's UTF-8) mod num_buckets; all-zero padding."""
    assert spec["seeds"] == list(range(spec["num_hashes"]))
    assert spec["id"] == f"for each seed j: 1 + hash_j mod {spec['num_buckets']}"
    assert "0x811C9DC5" in spec["hash"] and "0x01000193" in spec["hash"]
    assert "one seed byte j followed by the token's UTF-8 bytes" in spec["hash"]
    assert spec["layout"].startswith("ids[position][j]") and spec["padding"] == "right-pad positions with all ids 0"
    rows = [[1 + app_fnv1a_32(bytes([seed]) + token.encode("utf-8")) % spec["num_buckets"] for seed in spec["seeds"]]
            for token in app_lowercase_and_tokenize(text, spec["tokenizer"])[:spec["max_length"]]]
    return rows + [[0] * spec["num_hashes"]] * (spec["max_length"] - len(rows))


def app_ternary_projections(text, spec):
    features, rows = spec["features"], []
    for token in app_lowercase_and_tokenize(text, spec["tokenizer"])[:spec["max_length"]]:
        stream = 0
        for k in range((2 * features + 31) // 32):
            stream |= app_fnv1a_32(bytes([k]) + token.encode("utf-8")) << (32 * k)
        pairs = [(stream >> (2 * i)) & 3 for i in range(features)]  # bit 2i low, 2i+1 high
        rows.append([{1: 1.0, 2: -1.0}.get(pair, 0.0) for pair in pairs])
    rows += [[0.0] * features] * (spec["max_length"] - len(rows))
    return rows


EDGE_CASES = UNICODE_EDGE_CASES


@pytest.fixture(scope="module")
def exported_spec(small_student, small_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "student.tflite"
    export_android(small_student, path, small_data.train.texts[:300], class_names=small_data.class_names)
    return path, read_android_metadata(path)["spec"]


def test_app_side_hashing_gives_identical_model_inputs_on_the_whole_test_split(exported_spec, small_student,
                                                                                rotten_tomatoes):
    _, spec = exported_spec
    texts = list(rotten_tomatoes.test.texts)
    app_inputs = np.array([app_hashed_ids(text, spec["preprocessing"]) for text in texts], dtype=spec["input"]["dtype"])
    np.testing.assert_array_equal(app_inputs, small_student.encoder.encode(texts))
    assert app_inputs.shape[1:] == tuple(spec["input"]["shape"][1:])


def test_app_side_inputs_drive_the_interpreter_to_the_package_predictions(exported_spec, small_data):
    from tfcompress.backend import tf
    from tfcompress.tflite import load_android_model

    path, spec = exported_spec
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    (model_input,), (model_output,) = interpreter.get_input_details(), interpreter.get_output_details()
    texts = list(small_data.test.texts[:100])
    logits = []
    for text in texts:
        interpreter.set_tensor(model_input["index"], np.array([app_hashed_ids(text, spec["preprocessing"])], np.int32))
        interpreter.invoke()
        logits.append(interpreter.get_tensor(model_output["index"])[0].copy())
    np.testing.assert_allclose(np.array(logits), load_android_model(path).predict_texts(texts), atol=1e-6)


def test_tokenizer_rule_holds_on_edge_cases(exported_spec, small_student):
    _, spec = exported_spec
    for text in EDGE_CASES:
        assert app_hashed_ids(text, spec["preprocessing"]) == small_student.encoder.encode([text])[0].tolist(), text


def test_app_side_ternary_projection_matches_the_prado_encoder(rotten_tomatoes):
    from tfcompress.text import TernaryProjectionEncoder

    encoder = TernaryProjectionEncoder(features=64, max_length=48)
    spec = json.loads(json.dumps(encoder.spec()))
    texts = list(rotten_tomatoes.test.texts[:300])
    app = np.array([app_ternary_projections(text, spec) for text in texts], np.float32)
    np.testing.assert_array_equal(app, encoder.encode(texts))


@pytest.fixture(scope="module")
def multi_hash_spec():
    """The spec (as JSON) that a two-hash CNN student over MultiHashEncoder(4096, 2, 48) exports."""
    from tfcompress.export.android import android_spec
    from tfcompress.models import CNNStudent

    student = CNNStudent(num_hashes=2, num_buckets=4096, max_length=48)
    spec = json.loads(json.dumps(android_spec(student, ["fresh", "rotten"])))
    assert spec["encoder"] == {"class": "MultiHashEncoder",
                               "config": {"num_buckets": 4096, "num_hashes": 2, "max_length": 48}}
    return spec


def test_app_side_multi_hash_ids_match_the_encoder_on_the_whole_test_split(multi_hash_spec, rotten_tomatoes):
    from tfcompress.text import MultiHashEncoder

    texts = list(rotten_tomatoes.test.texts)
    app_inputs = np.array([app_multi_hash_ids(text, multi_hash_spec["preprocessing"]) for text in texts],
                          dtype=multi_hash_spec["input"]["dtype"])
    assert app_inputs.shape == (len(texts), 48, 2)
    assert app_inputs.shape[1:] == tuple(multi_hash_spec["input"]["shape"][1:])
    np.testing.assert_array_equal(app_inputs, MultiHashEncoder(4096, 2, 48).encode(texts))


def test_app_side_multi_hash_ids_hold_on_the_tokenizer_edge_cases(multi_hash_spec):
    from tfcompress.text import MultiHashEncoder

    encoder = MultiHashEncoder(4096, 2, 48)
    for text in EDGE_CASES + [" ".join(f"w{index}" for index in range(60))]:  # the last one is truncated
        assert app_multi_hash_ids(text, multi_hash_spec["preprocessing"]) == encoder.encode([text])[0].tolist(), text


def app_vocabulary_ranks(spec):
    """The spec's gzip+base64 word list, decoded once: word -> rank."""
    import base64
    import gzip
    import hashlib

    section = spec["vocabulary"]
    assert section["format"].startswith("base64 (RFC 4648) of gzip (RFC 1952)")
    raw = gzip.decompress(base64.b64decode(section["data"]))
    words = raw.decode("utf-8").split("\n")
    assert len(words) == section["size"] and hashlib.sha256(raw).hexdigest() == section["sha256"]
    return {word: index for index, word in enumerate(words)}


def app_known_word(spec):
    """The spec's known-words Bloom filter as a membership test (always false without one)."""
    import base64

    section = spec.get("known_words")
    if section is None:
        return lambda token: False
    assert "FNV-1a 32-bit" in section["rule"] and "least significant first" in section["rule"]
    data, bits, hashes = base64.b64decode(section["data"]), section["bits"], section["hashes"]

    def known(token):
        positions = [app_fnv1a_32(bytes([j]) + token.encode("utf-8")) % bits for j in range(hashes)]
        return all(data[position // 8] >> (position % 8) & 1 for position in positions)
    return known


def app_vocabulary_ids(text, spec, rank):
    """Closed vocabulary ids; known words outside the vocabulary unknown; typo recovery by the one-edit rule."""
    assert spec["id"] == "0 padding; 1 unknown; the vocabulary word of rank r (0-based) is r + 2"
    alphabet = spec["typo_recovery"]["alphabet"]
    known = app_known_word(spec)

    def word_id(token):
        if token in rank:
            return rank[token] + 2
        if not spec["typo_recovery"]["enabled"] or known(token):
            return 1
        candidates = []
        for cut in range(len(token) + 1):
            left, right = token[:cut], token[cut:]
            if right:
                candidates.append(left + right[1:])  # delete
                candidates += [left + char + right[1:] for char in alphabet]  # substitute
            if len(right) > 1:
                candidates.append(left + right[1] + right[0] + right[2:])  # swap
            candidates += [left + char + right for char in alphabet]  # insert
        ranks = [rank[candidate] for candidate in candidates if candidate in rank and candidate != token]
        return min(ranks) + 2 if ranks else 1

    ids = [word_id(token) for token in app_lowercase_and_tokenize(text, spec["tokenizer"])[:spec["max_length"]]]
    return ids + [0] * (spec["max_length"] - len(ids))


def test_app_side_vocabulary_ids_match_on_the_test_split_and_on_misspelled_text(vocabulary_export, rotten_tomatoes):
    from tfcompress.distill.typo_edits import with_typos

    _, spec, encoder = vocabulary_export
    assert spec["encoder"]["config"]["vocabulary"] == "preprocessing.vocabulary"  # shipped once
    texts = list(rotten_tomatoes.test.texts)
    texts += with_typos(texts, share=1.0, rate=0.5, seed=1) + EDGE_CASES
    rank = app_vocabulary_ranks(spec["preprocessing"])
    app_inputs = [app_vocabulary_ids(text, spec["preprocessing"], rank) for text in texts]
    np.testing.assert_array_equal(np.array(app_inputs, np.int32), encoder.encode(texts))


def test_a_vocabulary_model_loads_from_its_own_file(vocabulary_export, rotten_tomatoes):
    from tfcompress.tflite import load_android_model

    path, _, encoder = vocabulary_export
    model = load_android_model(path)
    assert model.encoder.vocabulary == encoder.vocabulary and model.encoder.typo_recovery
    texts = list(rotten_tomatoes.test.texts[:50])
    assert np.isfinite(model.predict_texts(texts)).all()


def app_highlighted_words(interpreter, text, spec, rank, count=3):
    """The app's "why": the words with the largest positive contributions to the predicted class, read from
    the interpreter's second output at the index the spec gives (as docs/android.md's Kotlin sketch)."""
    outputs = interpreter.get_output_details()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"],
                           np.array([app_vocabulary_ids(text, spec["preprocessing"], rank)], np.int32))
    interpreter.invoke()
    logits = interpreter.get_tensor(outputs[spec["output"]["index"]]["index"])[0]
    contributions = interpreter.get_tensor(outputs[spec["contributions"]["index"]]["index"])[0]
    tokens = app_lowercase_and_tokenize(text, spec["preprocessing"]["tokenizer"])[:spec["preprocessing"]["max_length"]]
    predicted = int(np.argmax(logits))
    order = sorted(range(len(tokens)), key=lambda position: -contributions[position, predicted])
    return [tokens[position] for position in order[:count] if contributions[position, predicted] > 0]


def test_app_side_highlighting_reads_the_words_the_library_reports(vocabulary_export, rotten_tomatoes):
    from tfcompress.backend import tf
    from tfcompress.tflite import load_android_model

    path, spec, _ = vocabulary_export
    assert spec["contributions"]["shape"] == [1, 48, 2]
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    rank = app_vocabulary_ranks(spec["preprocessing"])
    model = load_android_model(path)
    texts = list(rotten_tomatoes.test.texts[:100])
    words, values = model.word_contributions(texts)
    for text, text_words, text_values in zip(texts, words, values):
        order = sorted(range(len(text_words)), key=lambda position: -text_values[position])
        expected = [text_words[position] for position in order[:3] if text_values[position] > 0]
        assert app_highlighted_words(interpreter, text, spec, rank) == expected, text
