"""A ``.tflite`` classifier paired with the text encoder that makes its input: raw strings in."""
import numpy as np

from tfcompress.models.text_classifier import contributions_per_word
from tfcompress.tflite.classifier import TFLiteClassifier

# Sentences used to check that a .tflite and the Keras model said to be its source agree.
PROBE_TEXTS = [
    "a gorgeous , witty , seductive movie .", "the plot is paper-thin and the acting is wooden .",
    "one of the best films of the year .", "a dull , lifeless and utterly forgettable mess .",
    "it's a charming and often affecting journey .", "an ugly , pointless exercise in tedium .",
    "the performances are uniformly excellent .", "too long , too loud and far too stupid .",
    "a smart , funny and touching comedy .", "i was bored from start to finish .",
    "visually stunning but emotionally hollow .", "a triumph of style and substance .",
    "the jokes fall flat and the story goes nowhere .", "warm , generous and beautifully acted .",
    "a waste of a talented cast .", "moving , thoughtful and never preachy .",
]


class TFLiteTextClassifier:
    """Runs a token-ids-in ``.tflite`` classifier on raw texts through its model's text encoder.

    The ``.tflite`` holds no tokenizer (string ops do not convert to builtin kernels), so it is
    paired with the encoder of the Keras model it was converted from. The input shape and dtype of
    the ``.tflite`` are checked against the encoder's; with ``reference`` (that Keras model) the
    pairing is also checked on probe sentences (correlation of the logits).

    Args:
        model: path to a ``.tflite`` file, or its bytes.
        encoder: the text encoder (``keras_model.encoder``) that makes the model's input.
        reference: optional Keras ``TextClassifier`` the ``.tflite`` came from, to check the pairing.
        num_threads: interpreter threads.

    Raises:
        ValueError: the encoder's output does not fit the ``.tflite`` input, or the ``.tflite`` does
            not reproduce ``reference``.

    Example:
        >>> student = load_model("runs/quick/checkpoints/student.keras")
        >>> tflite = TFLiteTextClassifier("runs/quick/student.tflite", student.encoder, reference=student)
        >>> tflite.predict_texts(["a fine film"]).shape
        (1, 2)
    """

    def __init__(self, model, encoder, reference=None, num_threads=1):
        self.runner = TFLiteClassifier(model, num_threads=num_threads)
        self.encoder = encoder
        self.source = model if isinstance(model, str) else "<bytes>"
        self.num_classes = int(self.runner.output["shape"][-1])
        self._check_input()
        if reference is not None:
            self.check_against(reference)

    def _check_input(self):
        expected_shape = tuple(int(d) for d in self.runner.input["shape"][1:])
        expected_dtype = np.dtype(self.runner.input["dtype"])
        shape, dtype = tuple(self.encoder.input_shape), np.dtype(self.encoder.input_dtype)
        if shape != expected_shape or dtype != expected_dtype:
            raise ValueError(
                f"model/tokenizer mismatch: the .tflite {self.source} takes input of shape {expected_shape} "
                f"{expected_dtype.name}, but the encoder {type(self.encoder).__name__} makes {shape} {dtype.name}; "
                "pair the .tflite with the Keras model it was converted from")

    def check_against(self, reference, texts=PROBE_TEXTS, min_correlation=0.9):
        """Raise ``ValueError`` unless this model's logits track ``reference``'s on ``texts``.

        Returns:
            dict with ``correlation`` (Pearson, of the per-row centred logits) and ``agreement``
            (argmax agreement).
        """
        ours, theirs = self.predict_texts(texts), reference.predict_texts(texts)
        if ours.shape != theirs.shape:
            raise ValueError(f"model mismatch: the .tflite {self.source} gives {ours.shape[-1]} classes, "
                             f"the Keras model {theirs.shape[-1]}")
        a = (ours - ours.mean(-1, keepdims=True)).ravel()
        b = (theirs - theirs.mean(-1, keepdims=True)).ravel()
        correlation = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
        agreement = float(np.mean(ours.argmax(-1) == theirs.argmax(-1)))
        if not correlation >= min_correlation:
            raise ValueError(
                f"model/tokenizer mismatch: the .tflite {self.source} does not reproduce the Keras model it is "
                f"paired with (logit correlation {correlation:.3f} < {min_correlation} on {len(texts)} probe "
                "sentences); pair it with the model it was converted from")
        return {"correlation": correlation, "agreement": agreement}

    def predict_ids(self, ids):
        """Logits for already-encoded inputs."""
        return self.runner.predict(ids).astype(np.float32)

    def predict_texts(self, texts):
        """Logits, shape (len(texts), num_classes), for raw texts."""
        return self.predict_ids(self.encoder.encode(list(texts)))

    @property
    def explains_itself(self):
        """True when the file also outputs each position's contribution to the logits."""
        return self.runner.explains_itself

    def word_contributions(self, texts, target=None):
        """Each word's contribution to a class logit, read from the file's second output (the same invoke).

        As ``TextClassifier.word_contributions``: per text its words and a float32 array of their
        contributions to the ``target`` class (``None``: the predicted class).
        """
        texts = list(texts)
        ids, word_index = self.encoder.encode_with_words(texts)
        logits, contributions = self.runner.predict_with_contributions(ids)
        classes = logits.argmax(-1) if target is None else np.broadcast_to(np.asarray(target), (len(texts),))
        return contributions_per_word(self.encoder, texts, word_index, contributions, classes)
