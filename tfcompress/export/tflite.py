"""Full-int8 TFLite conversion with builtin ops only, op checks, parity and latency."""
import os
import statistics
import tempfile
import time
import warnings

import numpy as np

from tfcompress.backend import tf


def convert_to_int8(model, representative_ids, num_calibration=200, short_names=True):
    """Convert a token-ids-in, logits-out Keras model to a full-int8 TFLite flatbuffer.

    Weights and activations are int8 (post-training quantization calibrated on
    ``representative_ids``); an int32 token-id input stays int32, a float input is quantized by the
    model's first op, and the logits are dequantized to float32. Only ``TFLITE_BUILTINS_INT8`` kernels are allowed, so conversion fails rather than
    falling back to float, Flex or custom ops.

    Args:
        model: a ``TextClassifier`` (its functional form is converted) or a functional model.
        representative_ids: the model's input (e.g. ``model.encoder.encode(texts)``) for real texts.
        num_calibration: how many of them to calibrate on.
        short_names: replace the converter's intermediate tensor names (fused TF op paths, over a
            third of an unrolled RNN's file) by short ones; see ``shorten_tensor_names``.

    Returns:
        The ``.tflite`` model as bytes.
    """
    functional = model.functional() if hasattr(model, "functional") else model
    samples = np.asarray(representative_ids[:num_calibration],
                         dtype=functional.inputs[0].dtype.as_numpy_dtype)
    if not len(samples):
        raise ValueError("convert_to_int8 needs at least one representative example")

    def representative_dataset():
        for row in samples:
            yield [row[None, :]]

    converter = tf.lite.TFLiteConverter.from_keras_model(functional)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model_bytes = converter.convert()
    return shorten_tensor_names(model_bytes) if short_names else model_bytes


def shorten_tensor_names(model_bytes):
    """The same model with every tensor that is not a model input or output named ``t<index>``.

    Inputs and outputs keep their names (apps and signatures look them up); intermediate names only
    serve debugging. Names are kept non-empty: some runtimes reject a model with empty tensor names.
    """
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    for subgraph in model.subgraphs:
        keep = set(subgraph.inputs) | set(subgraph.outputs)
        for index, tensor in enumerate(subgraph.tensors):
            if index not in keep:
                tensor.name = f"t{index}".encode()
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def op_names(model_bytes):
    """Names of the operators a ``.tflite`` flatbuffer uses; custom ops as ``CUSTOM:<name>``."""
    from tensorflow.lite.python import schema_py_generated as schema

    flat = schema.Model.GetRootAsModel(model_bytes, 0)
    builtin_names = {value: name for name, value in vars(schema.BuiltinOperator).items()
                     if not name.startswith("_")}
    names = set()
    for index in range(flat.OperatorCodesLength()):
        code = flat.OperatorCodes(index)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            names.add(f"CUSTOM:{code.CustomCode().decode()}")
        else:
            names.add(builtin_names.get(builtin, f"UNKNOWN_{builtin}"))
    return sorted(names)


def uses_builtin_ops_only(model_bytes):
    """True when no operator is a custom or Flex (select TF) op."""
    return _builtin_only(op_names(model_bytes))


def _builtin_only(operators):
    return not any(name.startswith("CUSTOM:") for name in operators)


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
        self.output = self.interpreter.get_output_details()[0]

    def predict_one(self, ids):
        self.interpreter.set_tensor(self.input["index"], np.asarray(ids, self.input["dtype"])[None])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output["index"])[0].copy()

    def predict(self, ids):
        """Logits for each row of ``ids`` (batch 1 per invoke)."""
        if not len(ids):
            return np.zeros((0, self.output["shape"][-1]), np.float32)
        return np.stack([self.predict_one(row) for row in ids])

    def median_latency_us(self, ids, repeats=1):
        """Median wall time of one set_tensor + invoke + get_tensor, in microseconds."""
        timings = []
        for _ in range(repeats):
            for row in ids:
                start = time.perf_counter()
                self.predict_one(row)
                timings.append((time.perf_counter() - start) * 1e6)
        return statistics.median(timings)


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
            "builtin_ops_only": _builtin_only(operators),
            "parity": argmax_agreement(tflite_logits, keras_logits),
            "test_accuracy": accuracy(tflite_logits, labels),
            "latency_us": round(runner.median_latency_us(inputs), 2), "runtime": runner.runtime,
            "input_dtype": runner.input["dtype"].__name__, "output_dtype": runner.output["dtype"].__name__}


def accuracy(logits, labels):
    """Fraction of rows whose argmax is the label (NaN for no rows)."""
    return float(np.mean(np.argmax(logits, -1) == np.asarray(labels))) if len(labels) else float("nan")


def argmax_agreement(logits_a, logits_b):
    """Fraction of rows whose argmax class is the same in both arrays."""
    if len(logits_a) != len(logits_b):
        raise ValueError(f"{len(logits_a)} rows vs {len(logits_b)} rows")
    return float(np.mean(np.argmax(logits_a, -1) == np.argmax(logits_b, -1))) if len(logits_a) else 1.0


def write_bytes_atomic(data, path):
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a shipped model is a normal readable file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _read_bytes(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no TFLite model at {path}")
    with open(path, "rb") as handle:
        return handle.read()

