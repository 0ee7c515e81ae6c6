"""tf.data pipelines that give teacher and student each their own encoding of the same texts."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.distill.distiller import STUDENT_KEY, TEACHER_KEY


def distillation_dataset(split, student, teacher, batch_size=64, shuffle=False, seed=0):
    """Batches of ``({"student_inputs", "teacher_inputs"}, labels)`` for ``Distiller.fit``.

    Args:
        split: a ``tfcompress.datasets.Split``.
        student: the student (its ``encoder`` encodes the texts for it).
        teacher: the teacher (likewise).
        batch_size: examples per batch.
        shuffle: reshuffle every epoch with ``seed``.
        seed: the shuffle seed.
    """
    texts = list(split.texts)
    features = {STUDENT_KEY: student.encoder.encode(texts), TEACHER_KEY: teacher.encoder.encode(texts)}
    dataset = tf.data.Dataset.from_tensor_slices((features, np.asarray(split.labels)))
    if shuffle:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
