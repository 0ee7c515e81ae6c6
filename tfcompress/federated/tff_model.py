"""Wrapping a functional Keras student as a ``tff.learning`` model."""
from tfcompress.backend import keras, tf
from tfcompress.federated.stack import require_tff


def functional_of(model):
    """The functional Keras model of a ``TextClassifier`` (shared weights), or ``model`` itself."""
    functional = model.functional() if hasattr(model, "functional") else model
    if not isinstance(functional, keras.Model) or not hasattr(functional, "inputs") or not functional.inputs:
        raise TypeError(f"expected a TextClassifier or a functional keras.Model, got {type(model).__name__}")
    return functional


def input_spec(functional):
    """The ``(x, y)`` batch spec TFF needs: the model's input and int32 labels."""
    tensor = functional.inputs[0]
    return (tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype), tf.TensorSpec([None], tf.int32))


def tff_model_fn(functional, clone_fn=None):
    """A no-argument function building a fresh ``tff.learning`` model of ``functional``'s architecture.

    Args:
        functional: a functional Keras model (logits out), e.g. ``student.functional()`` or a QAT
            model from ``tfcompress.quantize``.
        clone_fn: builds a fresh Keras model of the same architecture; defaults to
            ``keras.models.clone_model(functional)`` (QAT models may need it inside TF-MOT's
            ``quantize_scope``). TFF needs fresh variables on every call.

    Example:
        >>> model_fn = tff_model_fn(student.functional())
        >>> process = tff.learning.algorithms.build_weighted_fed_avg(model_fn, ...)
    """
    tff = require_tff()
    spec = input_spec(functional)

    def model_fn():
        keras_model = clone_fn() if clone_fn is not None else keras.models.clone_model(functional)
        return tff.learning.models.from_keras_model(
            keras_model, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), input_spec=spec,
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])

    return model_fn


def model_weights_of(functional):
    """``tff.learning.models.ModelWeights`` holding ``functional``'s current values."""
    tff = require_tff()
    return tff.learning.models.ModelWeights(trainable=[v.numpy() for v in functional.trainable_variables],
                                            non_trainable=[v.numpy() for v in functional.non_trainable_variables])


def restore_keras_v2_classes(functional):
    """Undo the Keras v1/v2 class swap that building TFF computations leaves behind.

    Keras 2 picks a v1 or v2 base class when a layer or model is created and swaps it by assigning
    ``__bases__`` of the class itself. TFF builds its model copies inside a ``tf.compat.v1`` graph,
    so afterwards ``Functional``, ``Embedding``, ``Conv1D``, the metric classes... have v1 bases and
    every eager model made before (the student!) fails with "Your Layer or Model is in an invalid
    state". Creating one eager instance of each of those classes swaps them back.
    """
    keras.models.clone_model(functional)
    keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    keras.metrics.Mean()
