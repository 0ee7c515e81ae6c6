"""The explanation and adversarial terms of the Distiller."""
import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.distill import Distiller, TeacherExplanations, distillation_dataset, normalized_map_distance
from tfcompress.models import CNNStudent, PRADOStudent


def make(student, teacher, **compile_args):
    keras.utils.set_random_seed(3)
    student.build_for_inputs()
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(5e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      **compile_args)
    return distiller


def small_cnn():
    return CNNStudent(num_buckets=500, max_length=32, embedding_dim=8, filters=8)


def batch_for(distiller, split, kind=None):
    explanations = TeacherExplanations(distiller.teacher, kind, distiller.student.max_length,
                                       distiller.compile_settings["feature_dim"]) if kind else None
    data = distillation_dataset(split, distiller.student, distiller.teacher, batch_size=len(split.texts),
                                explanations=explanations)
    return next(iter(data))


def flat_gradients(distiller, batch):
    inputs, labels = batch
    teacher_logits = distiller.teacher(inputs["teacher_inputs"], training=False)
    with tf.GradientTape() as tape:
        _, losses = distiller.compute_losses(inputs, labels, teacher_logits)
    gradients = tape.gradient(losses["loss"], distiller.trainable_parameters())
    return np.concatenate([tf.reshape(g, [-1]).numpy() for g in gradients]), losses


def test_map_distance_ignores_scale_and_masked_words():
    teacher = tf.constant([[1.0, -2.0, 0.0, 9.0]])
    mask = tf.constant([[1.0, 1.0, 1.0, 0.0]])
    assert float(normalized_map_distance(teacher * 7.0, teacher, mask)) == pytest.approx(0.0, abs=1e-6)
    assert float(normalized_map_distance(-teacher, teacher, mask)) == pytest.approx(4.0, abs=1e-5)
    assert float(normalized_map_distance(teacher, teacher, tf.zeros_like(mask))) == 0.0


@pytest.mark.parametrize("kind", ["saliency", "features"])
def test_explanation_term_changes_the_gradients_and_is_logged(kind, small_teacher, small_data):
    split = small_data.train.take(48)
    plain = make(small_cnn(), small_teacher, ce_weight=0.1, kd_weight=0.9)
    explained = make(small_cnn(), small_teacher, ce_weight=0.1, kd_weight=0.9, explain_weight=1.0,
                     explanation=kind, feature_dim=8)
    explained.student.set_weights(plain.student.get_weights())
    batch = batch_for(explained, split, kind)
    base, _ = flat_gradients(plain, batch)
    with_term, losses = flat_gradients(explained, batch)
    assert 0.0 < float(losses["explain_loss"]) <= 4.0
    assert not np.allclose(base, with_term[:len(base)], atol=1e-6)
    history = explained.fit(distillation_dataset(split, explained.student, small_teacher, 16,
                                                 explanations=TeacherExplanations(small_teacher, kind, 32, 8)),
                            epochs=1, verbose=0).history
    assert history["explain_loss"][0] > 0


def test_saliency_term_is_second_order(small_teacher, small_data):
    """The explanation term alone must reach the convolution kernels through d(saliency)/d(weights)."""
    distiller = make(small_cnn(), small_teacher, ce_weight=0.0, kd_weight=0.0, explain_weight=1.0)
    gradients, _ = flat_gradients(distiller, batch_for(distiller, small_data.train.take(32), "saliency"))
    assert np.abs(gradients).sum() > 0


def test_training_on_the_explanation_term_raises_fidelity(small_teacher, small_data):
    from scipy.stats import spearmanr

    split, probe = small_data.train.take(512), small_data.validation.take(100)
    targets = TeacherExplanations(small_teacher, "saliency", 32)
    teacher_maps, mask = targets.compute(probe.texts)
    teacher_classes = small_teacher.predict_texts(probe.texts).argmax(-1)

    def fidelity(student):  # both models explain the teacher's class, as the objective does
        _, maps = student.word_importance(probe.texts, target=teacher_classes)
        values = [spearmanr(m, teacher_maps[i, :len(m)])[0] for i, m in enumerate(maps) if len(m) > 2]
        return np.nanmean(values)

    scores = {}
    for weight in (0.0, 3.0):
        distiller = make(small_cnn(), small_teacher, ce_weight=0.1, kd_weight=0.9, explain_weight=weight)
        distiller.fit(distillation_dataset(split, distiller.student, small_teacher, 32, True,
                                           explanations=targets), epochs=3, verbose=0)
        scores[weight] = fidelity(distiller.student)
    assert scores[3.0] > scores[0.0] + 0.1, scores


def test_attention_alignment_for_attention_pooling_models(small_teacher, small_data):
    distiller = make(PRADOStudent(features=16, max_length=32, bottleneck=8, filters=8), small_teacher,
                     explain_weight=1.0, explanation="attention")
    _, losses = flat_gradients(distiller, batch_for(distiller, small_data.train.take(32), "attention"))
    assert float(losses["explain_loss"]) > 0
    with pytest.raises(ValueError, match="has no attention pooling"):
        make(small_cnn(), small_teacher, explain_weight=1.0, explanation="attention")


def test_fitnets_hint_trains_but_is_not_part_of_the_student(small_teacher, small_data):
    distiller = make(small_cnn(), small_teacher, explain_weight=1.0, explanation="features", feature_dim=8)
    hint_before = distiller.hint.kernel.numpy().copy()
    teacher_before = [w.numpy().copy() for w in small_teacher.weights]
    distiller.fit(distillation_dataset(small_data.train.take(64), distiller.student, small_teacher, 32,
                                       explanations=TeacherExplanations(small_teacher, "features", 32, 8)),
                  epochs=1, verbose=0)
    assert not np.array_equal(hint_before, distiller.hint.kernel.numpy())
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(teacher_before, small_teacher.weights))
    assert not any("hint" in w.name for w in distiller.student.weights)


def test_explanation_term_needs_teacher_maps_in_the_batch(small_teacher, small_data):
    distiller = make(small_cnn(), small_teacher, explain_weight=1.0)
    with pytest.raises(ValueError, match="needs the teacher's word maps"):
        distiller.fit(distillation_dataset(small_data.train.take(32), distiller.student, small_teacher, 32),
                      epochs=1, verbose=0)


def test_pgd_perturbation_raises_the_kd_loss_and_changes_the_gradients(small_teacher, small_data):
    split = small_data.train.take(64)
    plain = make(small_cnn(), small_teacher, ce_weight=0.0, kd_weight=1.0)
    robust = make(small_cnn(), small_teacher, ce_weight=0.0, kd_weight=1.0, adversarial_weight=1.0,
                  adversarial_steps=3, adversarial_epsilon=1.0)
    robust.student.set_weights(plain.student.get_weights())
    batch = batch_for(plain, split)
    base, _ = flat_gradients(plain, batch)
    with_term, losses = flat_gradients(robust, batch)
    assert float(losses["adv_loss"]) > float(losses["kd_loss"])
    assert not np.allclose(base, with_term, atol=1e-6)


def test_pgd_leaves_padding_alone_for_projection_students(small_teacher, small_data):
    distiller = make(PRADOStudent(features=16, max_length=32, bottleneck=8, filters=8), small_teacher,
                     adversarial_weight=1.0)
    history = distiller.fit(distillation_dataset(small_data.train.take(64), distiller.student, small_teacher, 32),
                            epochs=1, verbose=0).history
    assert np.isfinite(history["adv_loss"][0]) and history["adv_loss"][0] > 0


def test_all_three_objectives_in_one_fit(small_teacher, small_data):
    distiller = make(small_cnn(), small_teacher, ce_weight=0.1, kd_weight=0.9, explain_weight=1.0,
                     adversarial_weight=0.5)
    history = distiller.fit(distillation_dataset(small_data.train.take(128), distiller.student, small_teacher, 32,
                                                 explanations=TeacherExplanations(small_teacher, "saliency", 32)),
                            epochs=1, verbose=0).history
    expected = 0.1 * history["ce_loss"][0] + 0.9 * history["kd_loss"][0] + history["explain_loss"][0] + \
        0.5 * history["adv_loss"][0]
    assert history["loss"][0] == pytest.approx(expected, rel=1e-4)
