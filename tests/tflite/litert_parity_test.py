"""The shipped ``.tflite`` under LiteRT (``ai-edge-litert``, the runtime an Android app links) predicts what
TensorFlow's interpreter predicts, on the whole test split."""
import os

import numpy as np

from tfcompress.tflite import load_android_model
from tests.tflite.int8_steps import int8_step
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
    """LiteRT 2.3's int8 kernels round some outputs differently from TF 2.14's interpreter. For the shipped model:
    99.7% of the per-word contributions are identical and none is more than 3 int8 steps apart; the logits (the sum
    of the contributions, requantized) of 1,055 of the 1,276 test texts are identical, 199 differ by one step of the
    logits (the scale of the DEQUANTIZE input), 18 by two, 3 by three, 1 by four; the class differs on 2, both
    one-step margins. So: mostly identical, each logit within the summed differences of its contributions plus one
    rounding step, and the same class wherever TF's margin is over one step."""
    from ai_edge_litert.interpreter import Interpreter

    model = load_android_model(SHIPPED)
    texts = list(rotten_tomatoes.test.texts)
    inputs = model.encoder.encode(texts)
    litert_logits, litert_contributions = litert_outputs(SHIPPED, inputs)
    tensorflow_logits = model.predict_texts(texts)
    assert len(texts) > 1000  # the whole test split
    interpreter = Interpreter(model_path=SHIPPED)
    logits_output, contributions_output = output_details(interpreter)
    step = int8_step(interpreter, logits_output)
    assert 0 < step < 0.1
    assert model.explains_itself  # the default student: its logits are the sums of its word contributions
    _, tensorflow_contributions = model.runner.predict_with_contributions(inputs)
    apart = np.abs(litert_contributions - tensorflow_contributions)
    assert np.mean(apart <= 1e-6) >= 0.8, np.mean(apart <= 1e-6)
    assert apart.max() <= 4 * int8_step(interpreter, contributions_output) * 1.001
    difference = np.abs(litert_logits - tensorflow_logits)
    assert np.mean(difference.max(axis=-1) == 0) >= 0.75
    assert np.all(difference <= apart.sum(axis=1) + step * 1.001)  # one rounding of the sum, over its terms'
    ordered = np.sort(tensorflow_logits, axis=-1)
    clear = ordered[:, -1] - ordered[:, -2] > step * 1.001
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(litert_logits.argmax(-1)[clear], tensorflow_logits.argmax(-1)[clear])
    assert np.mean(litert_logits.argmax(-1) == tensorflow_logits.argmax(-1)) >= 0.99
