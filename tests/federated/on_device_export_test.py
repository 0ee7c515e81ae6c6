import numpy as np

from tfcompress.backend import tf
from tfcompress.federated import export_on_device_training


def test_export_has_four_signatures_and_builtin_ops_only(small_student, small_data, tmp_path):
    info = export_on_device_training(small_student, tmp_path / "trainable.tflite", learning_rate=0.05)
    assert set(info["signatures"]) == {"infer", "train", "save", "restore"}
    assert info["signatures"]["train"] == {"inputs": ["x", "y"], "outputs": ["loss"]}
    assert info["builtin_ops_only"] and not any(op.startswith("CUSTOM") for op in info["ops"])
    assert {"ASSIGN_VARIABLE", "READ_VARIABLE", "GATHER", "CONV_2D"} <= set(info["ops"])
    assert (tmp_path / "trainable.tflite").stat().st_size == info["bytes"]


def test_infer_signature_matches_keras(small_student, small_data, tmp_path):
    export_on_device_training(small_student, tmp_path / "t.tflite")
    interpreter = tf.lite.Interpreter(model_path=str(tmp_path / "t.tflite"))
    ids = small_student.encoder.encode(list(small_data.test.texts[:40]))
    logits = interpreter.get_signature_runner("infer")(x=ids)["logits"]
    np.testing.assert_allclose(logits, small_student(ids, training=False).numpy(), atol=1e-4)
