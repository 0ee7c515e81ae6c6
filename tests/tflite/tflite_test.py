import numpy as np
import pytest

from tfcompress.backend import tf
from tfcompress.tflite import TFLiteClassifier, convert_to_int8, op_names, uses_builtin_ops_only
from tfcompress.evaluation import argmax_agreement
from tfcompress.atomic import write_bytes_atomic


@pytest.fixture(scope="module")
def student_tflite(small_student, small_data):
    return convert_to_int8(small_student, small_student.encoder.encode(list(small_data.train.texts)))


def test_int8_student_uses_builtin_ops_only(student_tflite):
    ops = op_names(student_tflite)
    assert uses_builtin_ops_only(student_tflite)
    assert {"GATHER", "CONV_2D", "FULLY_CONNECTED"} <= set(ops)


def test_int8_student_matches_keras_on_the_test_slice(student_tflite, small_student, small_data):
    ids = small_student.encoder.encode(list(small_data.test.texts))
    tflite_logits = TFLiteClassifier(student_tflite).predict(ids)
    assert argmax_agreement(tflite_logits, small_student.predict(ids, verbose=0)) >= 0.99


def test_weights_and_activations_are_int8_only_the_logits_are_float(student_tflite):
    interpreter = TFLiteClassifier(student_tflite).interpreter
    details = interpreter.get_tensor_details()
    float_tensors = [t["index"] for t in details if t["dtype"] == np.float32]
    assert float_tensors == [interpreter.get_output_details()[0]["index"]]
    embedding = [t for t in details if len(t["shape"]) == 2 and t["shape"][0] == 1001]
    assert embedding and embedding[0]["dtype"] == np.int8


def test_the_op_check_catches_flex_ops():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def lengths(texts):
        return tf.strings.length(tf.strings.lower(texts))

    converter = tf.lite.TFLiteConverter.from_concrete_functions([lengths.get_concrete_function()], lengths)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    flex_model = converter.convert()
    assert not uses_builtin_ops_only(flex_model)
    assert any(op.startswith("CUSTOM:Flex") for op in op_names(flex_model))


def test_latency_and_file_writes(student_tflite, small_student, tmp_path):
    path = tmp_path / "student.tflite"
    write_bytes_atomic(student_tflite, path)
    runner = TFLiteClassifier(str(path))
    assert runner.runtime == "builtin kernels + XNNPACK"
    ids = small_student.encoder.encode(["a fine film", "awful"])
    assert runner.median_latency_us(ids) > 0
    assert runner.predict(ids[:0]).shape == (0, 2)
    assert list(tmp_path.iterdir()) == [path]


def test_missing_model_and_empty_calibration_are_clear_errors(small_student, tmp_path):
    with pytest.raises(FileNotFoundError, match="no TFLite model at"):
        TFLiteClassifier(str(tmp_path / "missing.tflite"))
    with pytest.raises(ValueError, match="at least one representative example"):
        convert_to_int8(small_student, np.zeros((0, 32), np.int32))
    assert argmax_agreement(np.zeros((0, 2)), np.zeros((0, 2))) == 1.0


def test_measure_tflite_reports_size_ops_parity_and_accuracy(student_tflite, small_student, small_data):
    from tfcompress.evaluation import accuracy
    from tfcompress.tflite import measure_tflite

    ids = small_student.encoder.encode(list(small_data.test.texts))
    keras_logits = small_student.predict(ids, verbose=0)
    measured = measure_tflite(student_tflite, ids, keras_logits, small_data.test.labels)
    assert measured["bytes"] == len(student_tflite) and measured["builtin_ops_only"] is True
    assert measured["ops"] == op_names(student_tflite) and measured["parity"] >= 0.99
    assert abs(measured["test_accuracy"] - accuracy(keras_logits, small_data.test.labels)) <= 0.01
    assert measured["input_dtype"] == "int32" and measured["output_dtype"] == "float32"
    assert measured["latency_us"] > 0


def test_short_tensor_names_keep_outputs_and_io_names_and_save_bytes(small_student, small_data):
    ids = small_student.encoder.encode(list(small_data.test.texts[:50]))
    long_names = convert_to_int8(small_student, ids, short_names=False)
    short_names = convert_to_int8(small_student, ids)
    assert len(short_names) < len(long_names)
    long_runner, short_runner = TFLiteClassifier(long_names), TFLiteClassifier(short_names)
    np.testing.assert_array_equal(long_runner.predict(ids), short_runner.predict(ids))
    assert short_runner.input["name"] == long_runner.input["name"]
    assert short_runner.output["name"] == long_runner.output["name"]
    from tensorflow.lite.python import schema_py_generated as schema

    graph = schema.Model.GetRootAsModel(short_names, 0).Subgraphs(0)
    names = [graph.Tensors(i).Name() for i in range(graph.TensorsLength())]
    assert all(names) and len(set(names)) == len(names)
    assert short_runner.interpreter.get_signature_list() == long_runner.interpreter.get_signature_list()
