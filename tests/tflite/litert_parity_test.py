"""The shipped ``.tflite`` under LiteRT (``ai-edge-litert``, the runtime an Android app links) predicts what
TensorFlow's interpreter predicts, on the whole test split."""
import os

import numpy as np
import pytest

from tfcompress.tflite import load_android_model

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "..", "saved_models", "rotten_tomatoes", "student.tflite")


def litert_outputs(path, inputs):
    """Per input row: every output of the file under LiteRT, in the file's output order."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    model_input, outputs = interpreter.get_input_details()[0], interpreter.get_output_details()
    rows = []
    for row in inputs:
        interpreter.set_tensor(model_input["index"], np.asarray(row, model_input["dtype"])[None])
        interpreter.invoke()
        rows.append([interpreter.get_tensor(detail["index"])[0].copy() for detail in outputs])
    return rows, outputs


def test_the_shipped_model_gives_the_same_predictions_under_litert(rotten_tomatoes):
    model = load_android_model(SHIPPED)
    texts = list(rotten_tomatoes.test.texts)
    inputs = model.encoder.encode(texts)
    rows, outputs = litert_outputs(SHIPPED, inputs)
    logits_position = [len(detail["shape"]) for detail in outputs].index(2)
    litert_logits = np.stack([row[logits_position] for row in rows])
    tensorflow_logits = model.predict_texts(texts)
    assert len(texts) > 1000  # the whole test split
    np.testing.assert_array_equal(litert_logits.argmax(-1), tensorflow_logits.argmax(-1))
    np.testing.assert_allclose(litert_logits, tensorflow_logits, atol=1e-5)
    if model.explains_itself:
        contributions_position = [len(detail["shape"]) for detail in outputs].index(3)
        _, tensorflow_contributions = model.runner.predict_with_contributions(inputs)
        np.testing.assert_allclose(np.stack([row[contributions_position] for row in rows]), tensorflow_contributions,
                                   atol=1e-5)
