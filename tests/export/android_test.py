import io
import json
import os
import zipfile

import numpy as np
import pytest

from tfcompress.tflite import (TFLiteClassifier, TFLiteTextClassifier, load_android_model, metadata_writers_available,
                               read_android_metadata, sidecar_paths)
from tfcompress.evaluation import argmax_agreement
from tfcompress.export import export_android
from tfcompress.export.android import without_zip_timestamps
from tfcompress.pipeline import load_text_model


@pytest.fixture(scope="module")
def exported(small_student, small_data, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("android") / "student.tflite")
    return path, export_android(small_student, path, small_data.train.texts, class_names=small_data.class_names)


def test_export_writes_int8_builtin_model_labels_and_sidecar_spec(exported, small_data):
    path, info = exported
    spec_path, labels_path = sidecar_paths(path)
    assert info["builtin_ops_only"] and info["bytes"] == os.path.getsize(path)
    assert open(labels_path).read().splitlines() == list(small_data.class_names)
    spec = json.load(open(spec_path))
    assert spec["format"] == "tfcompress-android-v1" and spec["labels"] == list(small_data.class_names)
    assert spec["input"] == {"name": "token_ids", "dtype": "int32", "shape": [1, 32],
                             "made_by": "the preprocessing below, applied in app code"}
    assert spec["preprocessing"]["num_buckets"] == 1000 and spec["preprocessing"]["tokenizer"]["name"] == \
        "tfcompress-word-v1"
    runner = TFLiteClassifier(path)
    assert runner.input["dtype"] == np.int32 and runner.output["dtype"] == np.float32


@pytest.mark.skipif(not metadata_writers_available(), reason="tflite-support (full stack, Python 3.11) is not "
                                                              "installed: only the sidecar JSON is written")
def test_metadata_read_back_from_the_tflite_itself(exported, small_data):
    path, info = exported
    assert info["metadata"] == "embedded"
    metadata = read_android_metadata(path)
    assert metadata["source"] == "embedded"
    assert metadata["associated_files"] == ["labels.txt", "tfcompress_text_spec.json"]
    assert metadata["labels"] == list(small_data.class_names)
    assert metadata["spec"] == json.load(open(sidecar_paths(path)[0]))
    described = metadata["metadata"]
    assert described["name"] == "tfcompress cnn" and "full-int8" in described["description"]
    tensors = described["subgraph_metadata"][0]
    (model_input,), (model_output,) = tensors["input_tensor_metadata"], tensors["output_tensor_metadata"]
    assert model_input["name"] == "token_ids"
    assert model_input["associated_files"][0]["name"] == "tfcompress_text_spec.json"
    assert model_output["associated_files"][0] == {
        "name": "labels.txt", "description": "Labels for categories that the model can recognize.",
        "type": "TENSOR_AXIS_LABELS"}


@pytest.mark.skipif(not metadata_writers_available(), reason="tflite-support (full stack, Python 3.11) is not "
                                                              "installed: no zip of associated files is embedded")
def test_the_same_model_exports_to_the_same_bytes(exported, small_student, small_data, tmp_path):
    path, _ = exported
    again = str(tmp_path / "student.tflite")
    export_android(small_student, again, small_data.train.texts, class_names=small_data.class_names)
    content = open(path, "rb").read()
    assert open(again, "rb").read() == content  # the metadata writer's export time is not in the file
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None
    assert without_zip_timestamps(b"TFL3 without associated files") == b"TFL3 without associated files"


def test_zip_times_are_fixed_in_place_and_a_damaged_zip_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr(zipfile.ZipInfo("labels.txt", date_time=(2026, 12, 7, 15, 0, 0)), "fresh\nrotten\n")
    content = b"TFL3 model bytes" + archive.getvalue()
    fixed = without_zip_timestamps(content)
    assert len(fixed) == len(content) and sum(a != b for a, b in zip(fixed, content)) <= 8
    with zipfile.ZipFile(io.BytesIO(fixed)) as read_back:
        assert read_back.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0) and read_back.read("labels.txt") == \
            b"fresh\nrotten\n"
    damaged = content.replace(b"PK\x03\x04", b"PK\x00\x00", 1)
    with pytest.raises(ValueError, match="no local header for labels.txt"):
        without_zip_timestamps(damaged)


def test_sidecar_is_the_fallback_and_a_bare_file_is_refused(exported, small_student, small_data, tmp_path):
    path, _ = exported
    from tfcompress.tflite import convert_to_int8

    bare = tmp_path / "bare.tflite"
    bare.write_bytes(convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts))))
    with pytest.raises(ValueError, match="bare.tflite carries no tfcompress text spec"):
        read_android_metadata(bare)
    with pytest.raises(ValueError, match="carries no text spec"):
        load_text_model(str(bare))
    sidecar = tmp_path / "bare.json"
    sidecar.write_text(open(sidecar_paths(path)[0]).read())
    assert read_android_metadata(bare)["source"] == str(sidecar)


def test_exported_file_runs_from_its_own_spec_like_the_keras_pairing(exported, small_student, small_data):
    path, _ = exported
    standalone = load_android_model(path)
    paired = TFLiteTextClassifier(path, small_student.encoder)
    texts = list(small_data.test.texts)
    np.testing.assert_array_equal(standalone.predict_texts(texts), paired.predict_texts(texts))
    assert standalone.class_names == list(small_data.class_names)
    assert argmax_agreement(standalone.predict_texts(texts), small_student.predict_texts(texts)) >= 0.99
    assert type(load_text_model(path)).__name__ == "TFLiteTextClassifier"


def test_qat_student_exports_with_its_learnt_ranges(small_student, small_data, tmp_path):
    from tfcompress.quantize import quantize_student

    qat = quantize_student(small_student, calibration_inputs=small_student.encoder.encode(
        list(small_data.train.texts[:256])))
    info = export_android(qat, tmp_path / "qat.tflite", small_data.train.texts, class_names=small_data.class_names)
    assert info["builtin_ops_only"]
    texts = list(small_data.test.texts)
    assert argmax_agreement(load_android_model(tmp_path / "qat.tflite").predict_texts(texts),
                            qat.predict_texts(texts)) >= 0.98


def test_bad_export_arguments_are_refused(small_student, tmp_path):
    with pytest.raises(ValueError, match="needs representative texts"):
        export_android(small_student, tmp_path / "x.tflite", [])
    with pytest.raises(ValueError, match="3 class names for a model with 2 classes"):
        export_android(small_student, tmp_path / "x.tflite", ["a film"], class_names=["a", "b", "c"])
    assert not os.path.exists(tmp_path / "x.tflite")
