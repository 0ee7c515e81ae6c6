"""tf.data pipelines that give teacher and student each their own encoding of the same texts."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.distill.distiller import (STUDENT_KEY, TEACHER_KEY, TEACHER_LOGITS_KEY, TEACHER_MAP_KEY,
                                          TEACHER_MAP_MASK_KEY)


def distillation_dataset(split, student, teacher, batch_size=64, shuffle=False, seed=0, teacher_logits=None,
                         explanations=None, adversarial_pool=None, endless=False):
    """Batches of ``({"student_inputs", "teacher_inputs"}, labels)`` for ``Distiller.fit``.

    Args:
        split: a ``tfcompress.datasets.Split``.
        student: the student (its ``encoder`` encodes the texts for it).
        teacher: the teacher (likewise).
        batch_size: examples per batch.
        shuffle: reshuffle every epoch with ``seed``.
        seed: the shuffle seed.
        teacher_logits: precomputed teacher logits for ``split`` (e.g. from ``TeacherOutputCache``);
            they replace the teacher inputs, so the teacher is not run during training.
        explanations: the teacher's word maps for the explanation objective: a
            ``TeacherExplanations`` (computed here) or its ``(maps, mask)`` for ``split``.
        adversarial_pool: an ``AdversarialTextPool``: its adversarial examples are mixed in (and
            shuffled with the clean ones) on every pass over the data, as the pool holds them when the pass starts.
        endless: repeat the passes without end, so that ``fit`` (given ``steps_per_epoch``) runs every epoch it is
            asked for, however many adversarial examples the pool holds from one pass to the next. A finite
            dataset whose pool shrinks after the first epoch runs out of batches and stops the fit early.
    """
    texts = list(split.texts)
    features = {STUDENT_KEY: student.encoder.encode(texts)}
    if teacher_logits is None:
        features[TEACHER_KEY] = teacher.encoder.encode(texts)
    else:
        if len(teacher_logits) != len(texts):
            raise ValueError(f"{len(teacher_logits)} teacher logits for {len(texts)} texts")
        features[TEACHER_LOGITS_KEY] = np.asarray(teacher_logits, np.float32)
    if explanations is not None:
        maps, mask = explanations.compute(texts) if hasattr(explanations, "compute") else explanations
        if len(maps) != len(texts):
            raise ValueError(f"{len(maps)} teacher word maps for {len(texts)} texts")
        features[TEACHER_MAP_KEY], features[TEACHER_MAP_MASK_KEY] = np.asarray(maps), np.asarray(mask)
    labels = np.asarray(split.labels)
    dataset = tf.data.Dataset.from_tensor_slices((features, labels))
    if adversarial_pool is not None:
        adversarial_pool.attach(texts, features, labels)
        dataset = dataset.concatenate(adversarial_pool.dataset())
    if shuffle:
        dataset = dataset.shuffle(2 * len(texts) if adversarial_pool is not None else len(texts), seed=seed,
                                  reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if endless:
        dataset = dataset.repeat()
    return dataset.prefetch(tf.data.AUTOTUNE)
