import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.distill import Distiller, distillation_dataset, kd_loss
from tfcompress.models import CNNStudent


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_kd_loss_is_t_squared_kl_with_the_teacher_as_target():
    teacher = np.array([[3.0, 0.5, -1.0], [0.2, 0.1, 2.0]], np.float32)
    student = np.array([[0.1, 1.5, 0.3], [1.0, -0.5, 0.0]], np.float32)
    temperature = 2.0
    p, q = softmax(teacher / temperature), softmax(student / temperature)
    expected = temperature ** 2 * np.mean(np.sum(p * np.log(p / q), -1))
    swapped = temperature ** 2 * np.mean(np.sum(q * np.log(q / p), -1))
    value = float(kd_loss(teacher, student, temperature))
    assert value == pytest.approx(expected, rel=1e-5)
    assert abs(value - swapped) > 1e-3  # the swapped direction is a different quantity


def gradient_norm(temperature, teacher, student):
    student = tf.constant(student)
    with tf.GradientTape() as tape:
        tape.watch(student)
        loss = kd_loss(teacher, student, temperature)
    return float(tf.norm(tape.gradient(loss, student)))


def test_t_squared_keeps_gradient_scale_across_temperatures():
    rng = np.random.RandomState(0)
    teacher, student = rng.randn(8, 2).astype(np.float32), rng.randn(8, 2).astype(np.float32)
    # Without the T^2 factor the gradient would shrink about 4x from T=10 to T=20.
    ratio = gradient_norm(20.0, teacher, student) / gradient_norm(10.0, teacher, student)
    assert 0.8 < ratio < 1.25


def test_kd_loss_does_not_send_gradients_to_the_teacher():
    teacher = tf.Variable([[1.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = kd_loss(teacher, tf.constant([[0.0, 1.0]]), 2.0)
    assert tape.gradient(loss, teacher) is None


def make_distiller(small_teacher, **compile_args):
    keras.utils.set_random_seed(1)
    student = CNNStudent(num_buckets=500, max_length=32, embedding_dim=8, filters=8).build_for_inputs()
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(1e-2), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      **compile_args)
    return distiller, student


def test_fit_trains_only_the_student_and_logs_every_term(small_teacher, small_data):
    distiller, student = make_distiller(small_teacher, ce_weight=0.2, kd_weight=0.8, temperature=2.0)
    teacher_before = [w.numpy().copy() for w in small_teacher.weights]
    student_before = [w.numpy().copy() for w in student.weights]
    data = distillation_dataset(small_data.train.take(256), student, small_teacher, batch_size=64, shuffle=True)
    history = distiller.fit(data, validation_data=data, epochs=1, verbose=0).history
    assert {"loss", "ce_loss", "kd_loss", "accuracy", "val_loss", "val_kd_loss"} <= set(history)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(teacher_before, small_teacher.weights))
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(student_before, student.weights))
    assert history["loss"][0] == pytest.approx(0.2 * history["ce_loss"][0] + 0.8 * history["kd_loss"][0], rel=1e-4)


def gradients(distiller, student, batch):
    inputs, labels = batch
    teacher_logits = distiller.teacher(inputs["teacher_inputs"], training=False)
    with tf.GradientTape() as tape:
        _, losses = distiller.compute_losses(inputs, labels, teacher_logits)
    return np.concatenate([tf.reshape(g, [-1]).numpy() for g in tape.gradient(losses["loss"],
                                                                               student.trainable_variables)])


def test_each_term_changes_the_gradients(small_teacher, small_data):
    distiller, student = make_distiller(small_teacher, ce_weight=1.0, kd_weight=0.0)
    batch = next(iter(distillation_dataset(small_data.train.take(64), student, small_teacher, batch_size=64)))
    ce_only = gradients(distiller, student, batch)
    distiller.compile(ce_weight=0.0, kd_weight=1.0)
    kd_only = gradients(distiller, student, batch)
    distiller.compile(ce_weight=0.5, kd_weight=0.5)
    mixed = gradients(distiller, student, batch)
    assert not np.allclose(ce_only, kd_only, atol=1e-6)
    np.testing.assert_allclose(mixed, 0.5 * ce_only + 0.5 * kd_only, atol=1e-5)


def test_evaluate_does_not_train(small_teacher, small_data):
    distiller, student = make_distiller(small_teacher)
    before = [w.numpy().copy() for w in student.weights]
    result = distiller.evaluate(distillation_dataset(small_data.test.take(64), student, small_teacher),
                                return_dict=True, verbose=0)
    assert set(result) == {"loss", "ce_loss", "kd_loss", "explain_loss", "adv_loss", "robust_loss", "accuracy"}
    assert result["explain_loss"] == 0.0 and result["adv_loss"] == 0.0
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, student.weights))


def test_bad_compile_arguments_are_refused(small_teacher):
    distiller, _ = make_distiller(small_teacher)
    with pytest.raises(ValueError, match="temperature must be positive"):
        distiller.compile(temperature=0.0)
    with pytest.raises(ValueError, match="loss weights"):
        distiller.compile(ce_weight=0.0, kd_weight=0.0)


def test_cached_teacher_logits_give_the_same_step_as_running_the_teacher(small_teacher, small_data):
    split = small_data.train.take(64)
    histories = []
    for cached in (False, True):
        distiller, student = make_distiller(small_teacher, ce_weight=0.3, kd_weight=0.7, temperature=2.0)
        logits = small_teacher.predict_texts(split.texts) if cached else None
        data = distillation_dataset(split, student, small_teacher, batch_size=64, teacher_logits=logits)
        histories.append((distiller.fit(data, epochs=1, verbose=0).history, student.get_weights()))
    assert histories[0][0]["kd_loss"][0] == pytest.approx(histories[1][0]["kd_loss"][0], rel=1e-4)
    for a, b in zip(histories[0][1], histories[1][1]):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_teacher_logits_must_match_the_split(small_teacher, small_data):
    with pytest.raises(ValueError, match="3 teacher logits for 64 texts"):
        distillation_dataset(small_data.train.take(64), small_teacher, small_teacher, teacher_logits=np.zeros((3, 2)))


def test_unlabelled_rows_count_only_in_the_kd_term():
    from tfcompress.distill import cross_entropy

    logits = tf.constant([[2.0, 0.0], [0.0, 3.0], [5.0, -5.0]])
    with_unlabelled = float(cross_entropy(tf.constant([0, 1, -1]), logits))
    labelled_only = float(cross_entropy(tf.constant([0, 1]), logits[:2]))
    assert with_unlabelled == pytest.approx(labelled_only, rel=1e-6)
    assert float(cross_entropy(tf.constant([-1, -1]), logits[:2])) == 0.0


def test_fit_on_a_transfer_set_with_unknown_labels(small_teacher, small_data):
    from tfcompress.datasets import Split
    from tfcompress.distill.augment import augment_texts

    split = small_data.train.take(128)
    extra = augment_texts(split.texts, copies=1, seed=0)
    mixed = Split(list(split.texts) + extra, np.concatenate([split.labels, -np.ones(len(extra), np.int32)]))
    distiller, student = make_distiller(small_teacher)
    history = distiller.fit(distillation_dataset(mixed, student, small_teacher, batch_size=64), epochs=1,
                            verbose=0).history
    assert np.isfinite(history["loss"][0]) and 0.0 <= history["accuracy"][0] <= 1.0


@pytest.mark.parametrize("name", ["cnn", "fastgrnn", "prado"])
def test_a_student_trained_only_through_the_distiller_saves_and_reloads(name, small_teacher, small_data, tmp_path):
    from tfcompress.models import build_student, load_model, save_model

    student = build_student(name, num_classes=2, max_length=32, **({"features": 16} if name == "prado" else
                                                                       {"num_buckets": 500}))
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(1e-3), ce_weight=0.1, kd_weight=0.9)
    distiller.fit(distillation_dataset(small_data.train.take(64), student, small_teacher, batch_size=32),
                  epochs=1, verbose=0)
    save_model(student, tmp_path / "student.keras")
    texts = list(small_data.test.texts[:20])
    np.testing.assert_allclose(load_model(tmp_path / "student.keras").predict_texts(texts),
                               student.predict_texts(texts), atol=1e-6)
