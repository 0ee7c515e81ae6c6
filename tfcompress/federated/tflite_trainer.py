"""Running an on-device-training ``.tflite`` through its signature runners, as an app would."""
import numpy as np

from tfcompress.backend import tf


class TFLiteTrainer:
    """Drives the ``infer`` / ``train`` / ``save`` / ``restore`` signatures of a trainable ``.tflite``.

    Args:
        model: path to the ``.tflite`` or its bytes.

    Example:
        >>> trainer = TFLiteTrainer("student_trainable.tflite")
        >>> trainer.fit(ids, labels, epochs=5, batch_size=16)
        >>> logits = trainer.predict(test_ids)
    """

    def __init__(self, model):
        content = bytes(model) if isinstance(model, (bytes, bytearray)) else open(model, "rb").read()
        self.interpreter = tf.lite.Interpreter(model_content=content)
        self.runners = {name: self.interpreter.get_signature_runner(name)
                        for name in self.interpreter.get_signature_list()}

    def predict(self, ids, batch_size=256):
        """Logits for each row of ``ids``."""
        ids = np.asarray(ids, np.int32 if np.issubdtype(np.asarray(ids).dtype, np.integer) else np.float32)
        parts = [self.runners["infer"](x=ids[i:i + batch_size])["logits"] for i in range(0, len(ids), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    def train_step(self, ids, labels):
        """One SGD step on a batch; returns the batch loss before the step."""
        dtype = np.int32 if np.issubdtype(np.asarray(ids).dtype, np.integer) else np.float32
        return float(self.runners["train"](x=np.asarray(ids, dtype), y=np.asarray(labels, np.int32))["loss"])

    def fit(self, ids, labels, epochs, batch_size, seed=0):
        """``epochs`` passes of seeded shuffled mini-batches; returns the per-step losses."""
        losses = []
        for order in batch_order(len(labels), epochs, batch_size, seed):
            losses.append(self.train_step(ids[order], labels[order]))
        return losses

    def adapt_prior(self, ids, labels):
        """The personal prior from all of the client's labelled texts (``adapt_prior`` signature); returns
        ``offset``, ``weight`` and ``adopted`` as NumPy values. The bias keeps the offset."""
        if "adapt_prior" not in self.runners:
            raise ValueError("this .tflite has no adapt_prior signature (export it with global_prior=...)")
        dtype = np.int32 if np.issubdtype(np.asarray(ids).dtype, np.integer) else np.float32
        result = self.runners["adapt_prior"](x=np.asarray(ids, dtype), y=np.asarray(labels, np.int32))
        return {name: np.array(value) for name, value in result.items()}

    def save(self):
        """The head's weights, ``{"kernel": ..., "bias": ...}`` (the app persists them)."""
        return {name: np.array(value) for name, value in self.runners["save"]().items()}

    def restore(self, weights):
        """Put saved head weights back."""
        self.runners["restore"](kernel=np.asarray(weights["kernel"], np.float32),
                                bias=np.asarray(weights["bias"], np.float32))


def batch_order(count, epochs, batch_size, seed=0):
    """Index arrays of the seeded shuffled mini-batches (the same order in Keras and TFLite runs)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(count)
        batches.extend(order[i:i + batch_size] for i in range(0, count, batch_size))
    return batches
