"""The shipped ``.tflite`` under LiteRT (``ai-edge-litert``, the runtime an Android app links) predicts what
TensorFlow's interpreter predicts, on the whole test split."""
import os

import numpy as np

from tfcompress.tflite import load_android_model
from tfcompress.tflite.classifier import output_details

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "..", "saved_models", "rotten_tomatoes", "student.tflite")


def litert_outputs(path, inputs):
    """The file's logits and contributions (``None`` without that output) for every input row, under LiteRT."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    model_input, (logits_output, contributions_output) = interpreter.get_input_details()[0], output_details(interpreter)
    logits, contributions = [], []
    for row in inputs:
        interpreter.set_tensor(model_input["index"], np.asarray(row, model_input["dtype"])[None])
        interpreter.invoke()
        logits.append(interpreter.get_tensor(logits_output["index"])[0].copy())
        if contributions_output is not None:
            contributions.append(interpreter.get_tensor(contributions_output["index"])[0].copy())
    return np.stack(logits), np.stack(contributions) if contributions else None


def test_the_shipped_model_gives_the_same_predictions_under_litert(rotten_tomatoes):
    model = load_android_model(SHIPPED)
    texts = list(rotten_tomatoes.test.texts)
    inputs = model.encoder.encode(texts)
    litert_logits, litert_contributions = litert_outputs(SHIPPED, inputs)
    tensorflow_logits = model.predict_texts(texts)
    assert len(texts) > 1000  # the whole test split
    np.testing.assert_array_equal(litert_logits.argmax(-1), tensorflow_logits.argmax(-1))
    np.testing.assert_allclose(litert_logits, tensorflow_logits, atol=1e-5)
    if model.explains_itself:
        _, tensorflow_contributions = model.runner.predict_with_contributions(inputs)
        np.testing.assert_allclose(litert_contributions, tensorflow_contributions, atol=1e-5)
