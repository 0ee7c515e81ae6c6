"""Discrete adversarial texts mixed into distillation data, refreshed while training."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.distill.distiller import STUDENT_KEY


class AdversarialTextPool:
    """Adversarial versions of training examples, served next to the clean ones every epoch.

    ``distillation_dataset(..., adversarial_pool=pool)`` attaches the clean examples (their texts,
    features and labels) and reads the pool through a generator, so what the pool holds when an
    epoch starts is what that epoch trains on. An adversarial example copies every feature of its
    clean original (the teacher's logits and word maps: the teacher labels it on the clean text)
    except the student's input, which encodes the adversarial text. ``AdversarialTextRefresh``
    refills the pool with attacks on the current student.

    Args:
        student: the student whose encoder encodes the adversarial texts.

    Example:
        >>> pool = AdversarialTextPool(student)
        >>> data = distillation_dataset(train, student, teacher, adversarial_pool=pool)
        >>> distiller.fit(data, callbacks=[AdversarialTextRefresh(pool, recipes=("deepwordbug",))])
    """

    def __init__(self, student):
        self.student = student
        self.texts, self.features, self.labels = [], {}, np.zeros(0, np.int32)
        self.indices, self.adversarial_texts = [], []

    def attach(self, texts, features, labels):
        """Register the clean examples (called by ``distillation_dataset``)."""
        self.texts, self.features, self.labels = list(texts), features, np.asarray(labels)

    def set(self, indices, adversarial_texts):
        """Replace the pool: ``adversarial_texts[i]`` is an adversarial version of clean example ``indices[i]``."""
        if len(indices) != len(adversarial_texts):
            raise ValueError(f"{len(indices)} indices for {len(adversarial_texts)} adversarial texts")
        if len(indices) and (min(indices) < 0 or max(indices) >= len(self.texts)):
            raise ValueError("adversarial example indices must point at attached clean examples")
        self.indices, self.adversarial_texts = [int(i) for i in indices], list(adversarial_texts)

    def __len__(self):
        return len(self.indices)

    def element_spec(self):
        spec = {name: tf.TensorSpec(values.shape[1:], tf.as_dtype(values.dtype))
                for name, values in self.features.items()}
        return spec, tf.TensorSpec((), tf.as_dtype(self.labels.dtype))

    def elements(self):
        """Yield ``(features, label)`` for each adversarial example (a ``from_generator`` source)."""
        if not self.indices:
            return
        encoded = self.student.encoder.encode(self.adversarial_texts)
        for row, index in enumerate(self.indices):
            features = {name: values[index] for name, values in self.features.items()}
            features[STUDENT_KEY] = encoded[row]
            yield features, self.labels[index]

    def dataset(self):
        return tf.data.Dataset.from_generator(self.elements, output_signature=self.element_spec())
