"""Full-int8 TFLite conversion with builtin ops only."""
import warnings

import numpy as np

from tfcompress.backend import tf


def convert_to_int8(model, representative_ids, num_calibration=200, short_names=True, with_contributions=None):
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
        with_contributions: also output the per-position contributions (``TextClassifier.functional``);
            ``None``: when the model ``explains_itself``.

    Returns:
        The ``.tflite`` model as bytes.
    """
    if with_contributions is None:
        with_contributions = bool(getattr(model, "explains_itself", False))
    functional = model.functional(with_contributions=with_contributions) if hasattr(model, "functional") else model
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
