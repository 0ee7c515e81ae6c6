"""textattack ``ModelWrapper``s that take raw strings, for Keras models and ``.tflite`` files."""
import numpy as np

from tfcompress.robustness.offline_textattack import import_textattack
from tfcompress.tflite import TextPredictor

textattack = import_textattack()


class TextModelWrapper(textattack.models.wrappers.ModelWrapper):
    """Wraps a tfcompress model so textattack can query it with lists of raw strings.

    The model's own encoder turns the (perturbed) strings into its input, exactly as at inference
    time; a ``TFLiteTextClassifier`` runs the ``.tflite`` through the TFLite interpreter with the
    encoder of the Keras model it came from. ``__call__`` returns class probabilities (a float32
    array of shape (N, num_classes)), which textattack's classification goal functions use as is.
    Use ``KerasModelWrapper`` or ``TFLiteModelWrapper`` to say which kind is expected.

    Args:
        model: a ``TextClassifier`` or a ``TFLiteTextClassifier``.
        batch_size: texts per Keras call.

    Example:
        >>> wrapper = TextModelWrapper(student)
        >>> wrapper(["a fine film", "a dull film"]).shape
        (2, 2)
    """

    expected_kind = None

    def __init__(self, model, batch_size=256):
        self.model = model
        self.predictor = TextPredictor(model, batch_size=batch_size)
        if self.expected_kind and self.predictor.kind != self.expected_kind:
            raise TypeError(f"{type(self).__name__} wraps a {self.expected_kind} model, got {type(model).__name__}")

    @property
    def kind(self):
        return self.predictor.kind

    def __call__(self, text_input_list, **kwargs):
        return self.predictor.probabilities([str(text) for text in text_input_list]).astype(np.float32)

    def _tokenize(self, inputs):
        return [self.model.encoder.words(text) for text in inputs]


class KerasModelWrapper(TextModelWrapper):
    """``TextModelWrapper`` for a Keras ``TextClassifier`` (called through one ``tf.function``).

    Example:
        >>> KerasModelWrapper(load_model("runs/quick/checkpoints/student.keras"))(["a fine film"])
    """

    expected_kind = "keras"


class TFLiteModelWrapper(TextModelWrapper):
    """``TextModelWrapper`` for a ``.tflite`` run by the TFLite interpreter with its model's encoder.

    Args:
        model: a ``TFLiteTextClassifier``, or a ``.tflite`` path/bytes together with ``encoder``.
        encoder: the encoder of the Keras model the ``.tflite`` came from (when ``model`` is a path).
        reference: optional source Keras model to check the pairing against.

    Example:
        >>> TFLiteModelWrapper("runs/quick/student.tflite", encoder=student.encoder)(["a fine film"])
    """

    expected_kind = "tflite"

    def __init__(self, model, encoder=None, reference=None):
        from tfcompress.tflite import TFLiteTextClassifier

        if not hasattr(model, "predict_ids"):
            if encoder is None and reference is None:
                raise ValueError("a .tflite takes token ids: give encoder= (or reference=, the source Keras model)")
            model = TFLiteTextClassifier(model, encoder if encoder is not None else reference.encoder,
                                         reference=reference)
        super().__init__(model)


def wrap(model):
    """The right wrapper for ``model`` (a wrapper is returned unchanged)."""
    if isinstance(model, textattack.models.wrappers.ModelWrapper):
        return model
    return TFLiteModelWrapper(model) if hasattr(model, "predict_ids") else KerasModelWrapper(model)
