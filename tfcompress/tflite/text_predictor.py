"""Fast logits and probabilities from raw texts, for a Keras classifier or a paired ``.tflite``."""
import numpy as np


class TextPredictor:
    """Raw texts in, logits or probabilities out, for a ``TextClassifier`` or ``TFLiteTextClassifier``.

    A Keras model runs its own ``predict_texts`` in batches of ``batch_size`` (one ``tf.function`` per model, traced
    once per shape class and shared by every predictor of the model, so attacking a model again costs no new
    trace); a ``.tflite`` runs one example per invoke.

    Args:
        model: a tfcompress ``TextClassifier`` (Keras) or a ``TFLiteTextClassifier``.
        batch_size: texts per Keras call.

    Example:
        >>> predictor = TextPredictor(model)
        >>> predictor.probabilities(["a fine film", "a dull film"]).sum(-1)
        array([1., 1.], dtype=float32)
    """

    def __init__(self, model, batch_size=256):
        if not hasattr(model, "encoder") or not hasattr(model, "predict_texts"):
            raise TypeError(f"expected a tfcompress TextClassifier or TFLiteTextClassifier, got {type(model).__name__}")
        self.model, self.encoder, self.batch_size = model, model.encoder, int(batch_size)
        self.is_tflite = hasattr(model, "predict_ids")
        self.num_classes = int(model.num_classes)

    @property
    def kind(self):
        return "tflite" if self.is_tflite else "keras"

    def logits(self, texts):
        """float32 logits of shape (len(texts), num_classes)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.num_classes), np.float32)
        if self.is_tflite:
            return self.model.predict_ids(self.encoder.encode(texts))
        return self.model.predict_texts(texts, batch_size=self.batch_size).astype(np.float32)

    def probabilities(self, texts):
        """Softmax of ``logits(texts)`` (float64 rows summing to 1)."""
        return softmax(self.logits(texts))


def softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)
