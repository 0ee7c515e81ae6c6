"""load_android_model on a two-hash student: it runs from its own spec, and a bad or mismatched spec is
refused with one ValueError that names the problem and the file, never turned into wrong predictions.

Mismatches are written as a model file plus its spec in the place the reader takes it from: the sidecar
JSON (both stacks), and, where tflite-support is installed, the metadata embedded in the ``.tflite``
(which the reader prefers).
"""
import copy
import json

import numpy as np
import pytest

from tfcompress.evaluation import argmax_agreement
from tfcompress.export import export_android
from tfcompress.models import CNNStudent
from tfcompress.text import HashingEncoder, MultiHashEncoder, TernaryProjectionEncoder, serialize_encoder
from tfcompress.tflite import (convert_to_int8, encoder_from_spec, load_android_model, metadata_writers_available,
                               op_names, read_android_metadata, sidecar_paths, uses_builtin_ops_only)
from tfcompress.tflite.spec import check_model_matches_spec
from tests.conftest import train_classifier

SMALL = dict(num_hashes=2, num_buckets=512, max_length=16, embedding_dim=8, filters=8, kernel_sizes=(2, 3))
SOURCES = ["sidecar", pytest.param("embedded", marks=pytest.mark.skipif(
    not metadata_writers_available(), reason="tflite-support is not installed (current stack): no embedded metadata"))]


@pytest.fixture(scope="module")
def student(small_data):
    return train_classifier(CNNStudent(**SMALL), small_data.train, epochs=2)


@pytest.fixture(scope="module")
def exported(student, small_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("multi_hash") / "student.tflite"
    info = export_android(student, path, small_data.train.texts, class_names=small_data.class_names)
    return path, info


@pytest.fixture(scope="module")
def bare_bytes(student, small_data):
    """The student's int8 model without metadata, to pair with hand-written specs."""
    return convert_to_int8(student, student.encoder.encode(list(small_data.train.texts[:200])))


def write_model(folder, model_bytes, spec, source):
    """``folder/model.tflite`` whose reader finds ``spec``: in the sidecar, or embedded (no sidecar)."""
    from tfcompress.export.android import embed_metadata

    path = folder / "model.tflite"
    if source == "embedded":
        path.write_bytes(embed_metadata(model_bytes, spec))
    else:
        path.write_bytes(model_bytes)
        with open(sidecar_paths(path)[0], "w", encoding="utf-8") as handle:
            json.dump(spec, handle)
    expected_source = "embedded" if source == "embedded" else sidecar_paths(path)[0]
    assert read_android_metadata(path)["source"] == expected_source
    return path


def test_two_hash_student_exports_builtin_ops_only_and_runs_from_its_spec(exported, student, small_data):
    path, info = exported
    content = path.read_bytes()
    assert info["builtin_ops_only"] and uses_builtin_ops_only(content)
    assert {"GATHER", "SUM", "FULLY_CONNECTED"} <= set(op_names(content))
    spec = read_android_metadata(path)["spec"]
    assert spec["input"]["shape"] == [1, 16, 2] and spec["input"]["dtype"] == "int32"
    assert spec["encoder"] == serialize_encoder(student.encoder) and spec["preprocessing"] == student.encoder.spec()
    model = load_android_model(path)
    assert type(model.encoder) is MultiHashEncoder and model.encoder.get_config() == student.encoder.get_config()
    assert model.class_names == list(small_data.class_names)
    texts = list(small_data.test.texts[:200])
    assert argmax_agreement(model.predict_texts(texts), student.predict_texts(texts)) >= 0.99


@pytest.mark.parametrize("source", SOURCES)
def test_an_unchanged_spec_beside_the_bare_model_loads(exported, bare_bytes, student, small_data, tmp_path, source):
    path, _ = exported
    spec = read_android_metadata(path)["spec"]
    model = load_android_model(write_model(tmp_path, bare_bytes, spec, source))
    texts = list(small_data.test.texts[:200])
    assert argmax_agreement(model.predict_texts(texts), student.predict_texts(texts)) >= 0.99


def _set(spec, keys, value):
    target = spec
    for key in keys[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


_DELETE = object()

# name: ([(keys, value), ...], what the error must say)
BAD_SPECS = {
    "wrong seeds": ([(("preprocessing", "seeds"), [0, 2])],
                    r"preprocessing 'seeds' is \[0, 2\], the encoder's is \[0, 1\]"),
    "wrong num_buckets in preprocessing": ([(("preprocessing", "num_buckets"), 1024)],
                                           r"preprocessing 'num_buckets' is 1024, the encoder's is 512"),
    "wrong id rule": ([(("preprocessing", "id"), "for each seed j: 1 + hash_j mod 1024")],
                      r"preprocessing 'id' is .*mod 1024.*, the encoder's is .*mod 512"),
    "wrong hash rule": ([(("preprocessing", "hash"), "FNV-1 32-bit over the token's UTF-8 bytes")],
                        r"preprocessing 'hash' is .FNV-1 32-bit over the token's UTF-8 bytes., the encoder's is "
                        r".FNV-1a 32-bit"),
    "wrong num_hashes in preprocessing": ([(("preprocessing", "num_hashes"), 3)],
                                          r"preprocessing 'num_hashes' is 3, the encoder's is 2"),
    "wrong max_length in preprocessing": ([(("preprocessing", "max_length"), 24)],
                                          r"preprocessing 'max_length' is 24, the encoder's is 16"),
    "wrong max_length in the config": ([(("encoder", "config", "max_length"), 24)],
                                       r"preprocessing 'max_length' is 16, the encoder's is 24.*input shape is "
                                       r"\[1, 16, 2\], the encoder makes \[1, 24, 2\]"),
    "missing preprocessing": ([(("preprocessing",), _DELETE)], r"it has no 'preprocessing' section"),
    "missing seeds": ([(("preprocessing", "seeds"), _DELETE)], r"preprocessing has no 'seeds'"),
    "wrong input shape": ([(("input", "shape"), [1, 16, 3])], r"input shape is \[1, 16, 3\], the encoder makes"),
    "unknown encoder": ([(("encoder", "class"), "SentencePieceEncoder")],
                        r"unknown encoder 'SentencePieceEncoder' in the model's spec"),
    "bad config": ([(("encoder", "config", "num_hashes"), 0)],
                   r"does not build a MultiHashEncoder: num_hashes must be in 1..255"),
    # Self-consistent specs of another model: only the file tells.
    "max_length 24 everywhere": (
        [(("encoder", "config", "max_length"), 24), (("preprocessing", "max_length"), 24),
         (("input", "shape"), [1, 24, 2])],
        r"model.tflite does not match its text spec .*the file's input tensor is \[1, 16, 2\] int32, "
        r"the spec's input is \[1, 24, 2\] int32"),
    "num_buckets 1024 everywhere": (
        [(("encoder", "config", "num_buckets"), 1024), (("preprocessing", "num_buckets"), 1024),
         (("preprocessing", "id"), "for each seed j: 1 + hash_j mod 1024")],
        r"model.tflite does not match its text spec .*the embedding table has 513 rows, but num_buckets 1024 "
        r"needs 1025"),
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_a_bad_or_mismatched_spec_is_refused_naming_the_problem_and_the_file(exported, bare_bytes, tmp_path, source,
                                                                            case):
    if source == "embedded" and case == "missing preprocessing":
        pytest.skip("the metadata writer needs the preprocessing to describe the input tensor (the sidecar case "
                    "covers it)")
    path, _ = exported
    spec = copy.deepcopy(read_android_metadata(path)["spec"])
    changes, message = BAD_SPECS[case]
    for keys, value in changes:
        _set(spec, keys, value)
    written = write_model(tmp_path, bare_bytes, spec, source)
    with pytest.raises(ValueError, match=message) as error:
        load_android_model(written)
    named = str(written) if source == "embedded" else sidecar_paths(written)[0]
    assert named in str(error.value)


@pytest.fixture(scope="module")
def smaller_table_bytes(small_data):
    """An int8 model of the same input shape whose table has 257 rows (num_buckets 256)."""
    other = CNNStudent(**{**SMALL, "num_buckets": 256}).build_for_inputs()
    return convert_to_int8(other, other.encoder.encode(list(small_data.train.texts[:100])))


@pytest.mark.parametrize("source", SOURCES)
def test_a_model_file_whose_table_disagrees_with_the_spec_is_refused(exported, smaller_table_bytes, tmp_path, source):
    path, _ = exported
    spec = read_android_metadata(path)["spec"]  # num_buckets 512: ids up to 512 in a 257-row table
    written = write_model(tmp_path, smaller_table_bytes, spec, source)
    with pytest.raises(ValueError, match=r"model.tflite does not match its text spec .*the embedding table has 257 "
                                         r"rows, but num_buckets 512 needs 513 \(ids 1..512 and padding 0\)"):
        load_android_model(written)


def test_the_model_check_reads_input_output_and_table_from_the_file(exported, smaller_table_bytes):
    path, _ = exported
    spec = read_android_metadata(path)["spec"]
    check_model_matches_spec(path, spec)  # the exported pair agrees
    check_model_matches_spec(path.read_bytes(), spec)
    with pytest.raises(ValueError, match=r"<tflite bytes> does not match its text spec \(mine\): the embedding table "
                                         r"has 257 rows"):
        check_model_matches_spec(smaller_table_bytes, spec, source="mine")
    with pytest.raises(ValueError, match=r"the file's output tensor is \[1, 2\], the spec has 3 labels"):
        check_model_matches_spec(path, {**spec, "labels": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"input tensor is \[1, 16, 2\] int32, the spec's input is \[1, 16, 2\] "
                                         r"float32"):
        check_model_matches_spec(path, {**spec, "input": {**spec["input"], "dtype": "float32"}})


@pytest.mark.parametrize("encoder", [HashingEncoder(500, 16), MultiHashEncoder(500, 3, 16),
                                     TernaryProjectionEncoder(24, 12)], ids=["hashing", "multi_hash", "ternary"])
def test_encoder_from_spec_knows_the_app_side_encoders(encoder):
    spec = json.loads(json.dumps({"encoder": serialize_encoder(encoder), "preprocessing": encoder.spec(),
                                  "input": {"shape": [1, *encoder.input_shape], "dtype": encoder.input_dtype}}))
    rebuilt = encoder_from_spec(spec)
    assert type(rebuilt) is type(encoder) and rebuilt.get_config() == encoder.get_config()
    np.testing.assert_array_equal(rebuilt.encode(["a fine film"]), encoder.encode(["a fine film"]))
    spec["preprocessing"]["max_length"] += 1
    with pytest.raises(ValueError, match=r"^spec.json: bad text spec for its encoder entry .*'max_length'"):
        encoder_from_spec(spec, source="spec.json")


def test_a_sidecar_that_is_not_json_or_has_no_labels_is_refused(bare_bytes, tmp_path):
    path = tmp_path / "model.tflite"
    path.write_bytes(bare_bytes)
    spec_path = sidecar_paths(path)[0]
    with open(spec_path, "w") as handle:
        handle.write("{not json")
    with pytest.raises(ValueError, match=r"model.json: not valid JSON"):
        read_android_metadata(path)
    with open(spec_path, "w") as handle:
        json.dump({"format": "tfcompress-android-v1"}, handle)
    with pytest.raises(ValueError, match=r"model.json: has no 'labels' list"):
        load_android_model(path)
