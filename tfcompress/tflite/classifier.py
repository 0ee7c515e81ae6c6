"""Running a token-ids-in, logits-out ``.tflite``: the interpreter, parity and latency."""
import os
import statistics
import time
import warnings

import numpy as np

from tfcompress.backend import tf
from tfcompress.errors import ModelFileError
from tfcompress.evaluation import accuracy, argmax_agreement
from tfcompress.tflite.ops import builtin_only, flatbuffer_problem, op_names




def check_tflite_file(path):
    """``path``'s bytes when it is a loadable ``.tflite``, else a ``ModelFileError`` naming the file.

    Example:
        >>> model_bytes = check_tflite_file("student.tflite")
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no TFLite model at {path}")
    with open(path, "rb") as handle:
        content = handle.read()
    problem = flatbuffer_problem(content)
    if problem is not None:
        raise ModelFileError(path, f"{problem}; export it again with `tfcompress export`")
    try:
        tf.lite.Interpreter(model_content=content)
    except (ValueError, RuntimeError) as error:
        raise ModelFileError(path, f"TFLite cannot load it ({str(error).splitlines()[0]}); the file is damaged: "
                                   "export it again") from None
    return content


class TFLiteClassifier:
    """Runs a token-ids-in, logits-out ``.tflite`` model one example at a time.

    Args:
        model: path to a ``.tflite`` file, or its bytes.
        num_threads: interpreter threads (1 measures single-core phone-like latency).

    Example:
        >>> runner = TFLiteClassifier("student.tflite")
        >>> logits = runner.predict(encoder.encode(["a fine film"]))
    """

    def __init__(self, model, num_threads=1):
        content = bytes(model) if isinstance(model, (bytes, bytearray)) else _read_bytes(model)
        try:
            self.interpreter = _interpreter(content, num_threads, default_delegates=True)
            self.runtime = "builtin kernels + XNNPACK"
        except RuntimeError as error:
            if "XNNPack" not in str(error) and "XNNPACK" not in str(error):
                raise
            # XNNPACK refuses some int8 graphs (seen: an unrolled FastGRNN on TF 2.21); the builtin
            # reference kernels run them.
            self.interpreter = _interpreter(content, num_threads, default_delegates=False)
            self.runtime = "builtin kernels (XNNPACK refused the graph)"
        self.input = self.interpreter.get_input_details()[0]
        self.output, self.contributions_output = output_details(self.interpreter)

    def predict_one(self, ids):
        self.interpreter.set_tensor(self.input["index"], np.asarray(ids, self.input["dtype"])[None])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"])[0].copy()

    @property
    def explains_itself(self):
        """True when the file has the second output: per-position contributions of each class logit."""
        return self.contributions_output is not None

    def predict_with_contributions(self, ids):
        """(logits, contributions) for each row of ``ids``: (n, classes) and (n, positions, classes)."""
        if not self.explains_itself:
            raise ValueError("this .tflite has no contributions output (it was exported from a model that does "
                             "not explain itself)")
        logits, contributions = [], []
        for row in ids:
            logits.append(self.predict_one(row))
            contributions.append(self.interpreter.get_tensor(self.contributions_output["index"])[0].copy())
        classes, positions = self.output["shape"][-1], self.contributions_output["shape"][1]
        if not logits:
            return np.zeros((0, classes), np.float32), np.zeros((0, positions, classes), np.float32)
        return np.stack(logits), np.stack(contributions)

    def predict(self, ids):
        """Logits for each row of ``ids`` (batch 1 per invoke)."""
        if not len(ids):
            return np.zeros((0, self.output["shape"][-1]), np.float32)
        return np.stack([self.predict_one(row) for row in ids])

    def decomposition_error(self, ids, bias):
        """How far the file's contributions are from summing to its logits (``bias``: what no position
        contributes, ``TextClassifier.contribution_bias``): median and max absolute error over ``ids``, and the
        largest absolute logit they compare with."""
        logits, contributions = self.predict_with_contributions(ids)
        error = np.abs(contributions.sum(axis=1) + np.asarray(bias) - logits)
        return {"median_abs_error": float(np.median(error)), "max_abs_error": float(error.max(initial=0.0)),
                "max_abs_logit": float(np.abs(logits).max(initial=0.0)), "num_examples": int(len(ids))}

    def median_latency_us(self, ids, repeats=1):
        """Median wall time of one set_tensor + invoke + get_tensor, in microseconds."""
        timings = []
        for _ in range(repeats):
            for row in ids:
                start = time.perf_counter()
                self.predict_one(row)
                timings.append((time.perf_counter() - start) * 1e6)
        return statistics.median(timings)


def output_details(interpreter):
    """(logits, contributions) output details: the rank-2 output, and the rank-3 one (or ``None``).

    The converter does not keep the Keras output order, so outputs are told apart by rank.
    """
    outputs = interpreter.get_output_details()
    logits = [detail for detail in outputs if len(detail["shape"]) == 2]
    contributions = [detail for detail in outputs if len(detail["shape"]) == 3]
    if len(logits) != 1 or len(contributions) > 1 or len(outputs) != len(logits) + len(contributions):
        raise ValueError(f"expected one (1, classes) logits output and at most one (1, positions, classes) "
                         f"contributions output, got {[list(detail['shape']) for detail in outputs]}")
    return logits[0], contributions[0] if contributions else None


def _interpreter(content, num_threads, default_delegates):
    resolver = tf.lite.experimental.OpResolverType
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(
            model_content=content, num_threads=num_threads,
            experimental_op_resolver_type=resolver.AUTO if default_delegates
            else resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    # XNNPACK prepares lazily: one invoke on a zero input makes a refusal surface here.
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interpreter.invoke()
    return interpreter


def measure_tflite(model_bytes, inputs, keras_logits, labels):
    """How an exported model does against its Keras source on one labelled set.

    Returns ``bytes``, ``ops``, ``builtin_ops_only``, ``parity`` (argmax agreement with
    ``keras_logits``), ``test_accuracy``, ``latency_us`` (median, batch 1, 1 thread) and ``runtime``.
    """
    runner = TFLiteClassifier(model_bytes, num_threads=1)
    tflite_logits = runner.predict(inputs)
    operators = op_names(model_bytes)
    return {"bytes": len(model_bytes), "ops": operators,
            "builtin_ops_only": builtin_only(operators),
            "parity": argmax_agreement(tflite_logits, keras_logits),
            "test_accuracy": accuracy(tflite_logits, labels),
            "latency_us": round(runner.median_latency_us(inputs), 2), "runtime": runner.runtime,
            "input_dtype": runner.input["dtype"].__name__, "output_dtype": runner.output["dtype"].__name__}


def _read_bytes(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no TFLite model at {path}")
    with open(path, "rb") as handle:
        return handle.read()
