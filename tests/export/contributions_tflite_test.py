"""The self-explaining student's int8 .tflite: a second output with each word's contribution, from one invoke."""
import json

import numpy as np
import pytest

from tfcompress.explain import fidelity
from tfcompress.explain.contributions import contribution_maps
from tfcompress.export import export_android
from tfcompress.quantize import quantize_student
from tfcompress.tflite import TFLiteClassifier, convert_to_int8, load_android_model, sidecar_paths


@pytest.fixture(scope="module")
def exported(small_explaining_student, small_data, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("explaining") / "student.tflite")
    info = export_android(small_explaining_student, path, small_data.train.texts, class_names=small_data.class_names)
    return path, info


def test_the_file_outputs_logits_and_contributions_that_sum_to_them_within_quantization_error(exported, small_data):
    path, info = exported
    runner = TFLiteClassifier(path)
    assert info["builtin_ops_only"] and runner.explains_itself
    texts = [text for text in small_data.test.texts[:100] if text.strip()]
    model = load_android_model(path)
    ids = model.encoder.encode(texts)
    logits, contributions = runner.predict_with_contributions(ids)
    assert contributions.shape == (len(texts), 32, 2)
    np.testing.assert_allclose(logits, runner.predict(ids))
    error = np.abs(contributions.sum(axis=1) - logits)  # the cnn's contributions carry the bias: no constant left
    assert np.median(error) <= 0.02 * np.abs(logits).max() and error.max() <= 0.1 * np.abs(logits).max()
    lengths = (ids != 0).sum(axis=1)
    for row, length in enumerate(lengths):
        assert not contributions[row, length:].any()  # padding contributes exactly nothing in int8


def test_the_phone_reads_the_same_explanation_as_the_keras_model(exported, small_explaining_student, small_data):
    path, _ = exported
    texts = [text for text in small_data.test.texts[:60] if len(text.split()) > 3]
    keras_maps = contribution_maps(small_explaining_student, texts, target=1)
    phone_maps = contribution_maps(load_android_model(path), texts, target=1)
    assert [item["words"] for item in phone_maps] == [item["words"] for item in keras_maps]
    assert fidelity(keras_maps, phone_maps)["spearman"] >= 0.9


def test_the_spec_names_each_output_and_a_file_without_the_second_output_is_refused(exported, small_explaining_student,
                                                                                     small_data, tmp_path):
    path, info = exported
    spec = json.load(open(sidecar_paths(path)[0]))
    runner = TFLiteClassifier(path)
    outputs = runner.interpreter.get_output_details()
    assert [list(outputs[spec["output"]["index"]]["shape"]), list(outputs[spec["contributions"]["index"]]["shape"])] \
        == [[1, 2], [1, 32, 2]]
    assert spec["contributions"]["shape"] == [1, 32, 2] and "sum to the logit" in spec["contributions"]["meaning"]
    plain = tmp_path / "student.tflite"
    ids = small_explaining_student.encoder.encode(small_data.train.texts[:100])
    plain.write_bytes(convert_to_int8(small_explaining_student, ids, with_contributions=False))
    for sidecar in sidecar_paths(path):
        (tmp_path / sidecar.rsplit("/", 1)[-1]).write_bytes(open(sidecar, "rb").read())
    with pytest.raises(ValueError, match="the file has 1 outputs"):
        load_android_model(str(plain))


def test_a_qat_student_exports_its_contributions_too(small_explaining_student, small_data, tmp_path):
    qat = quantize_student(small_explaining_student, small_explaining_student.encoder.encode(small_data.train.texts[:256]))
    path = str(tmp_path / "qat.tflite")
    export_android(qat, path, small_data.train.texts, class_names=small_data.class_names)
    model = load_android_model(path)
    texts = small_data.test.texts[:40]
    words, values = model.word_contributions(texts)
    logits = model.predict_texts(texts)
    sums = np.asarray([v.sum() for v in values])
    assert np.abs(sums - logits.max(axis=1)).max() <= 0.1 * np.abs(logits).max()
