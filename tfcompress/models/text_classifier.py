"""Base class of every tfcompress teacher and student: token ids in, class logits out."""
import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.text import HashingEncoder


class TextClassifier(keras.Model):
    """A subclassed Keras classifier over encoded text, carrying its own text encoder.

    Subclasses build their layers in ``__init__`` and implement ``call(inputs, training=None)``
    returning logits. ``encoder.encode(texts)`` makes the model's input (by default hashed word ids:
    ``HashingEncoder``). ``functional()`` gives a functional model over the same layer objects (shared
    weights), for TF-MOT, TFF and the TFLite converter.

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the default word-id encoder (ids 1..num_buckets, 0 pads).
        max_length: tokens per text.
        encoder: an encoder to use instead of ``HashingEncoder(num_buckets, max_length)``.
        **kwargs: passed to ``keras.Model`` (e.g. ``name``).
    """

    def __init__(self, num_classes=2, num_buckets=5000, max_length=48, encoder=None, **kwargs):
        super().__init__(**kwargs)
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.num_classes = int(num_classes)
        self.num_buckets = int(num_buckets)
        self.max_length = int(max_length)
        self.encoder = encoder if encoder is not None else HashingEncoder(num_buckets, max_length)

    def build_for_inputs(self):
        """Create the weights by calling the model once on an all-padding input."""
        self(tf.zeros((1, *self.encoder.input_shape), self.encoder.input_dtype))
        return self

    def functional(self, batch_size=None):
        """A functional ``keras.Model`` sharing this model's layers and weights."""
        self.build_for_inputs()
        inputs = keras.Input(self.encoder.input_shape, batch_size=batch_size, dtype=self.encoder.input_dtype,
                             name=self.encoder.input_name)
        return keras.Model(inputs, self.call(inputs), name=f"{self.name}_functional")

    def predict_texts(self, texts, batch_size=256):
        """Logits for raw texts, as a NumPy array of shape (len(texts), num_classes)."""
        ids = self.encoder.encode(list(texts))
        return np.concatenate([self(ids[i:i + batch_size], training=False).numpy()
                               for i in range(0, len(ids), batch_size)] or
                              [np.zeros((0, self.num_classes), np.float32)])

    def get_config(self):
        return {"num_classes": self.num_classes, "num_buckets": self.num_buckets,
                "max_length": self.max_length, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
