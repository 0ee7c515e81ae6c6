import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.distill import Distiller, TeacherExplanations, distillation_dataset
from tfcompress.tflite import TFLiteClassifier, uses_builtin_ops_only
from tfcompress.evaluation import argmax_agreement
from tfcompress.quantize import (QATStudent, export_qat_int8, fake_quant, load_qat, quantization_ranges,
                                 quantize_student, recalibrate, save_qat)


def quantized(student, texts):
    return quantize_student(student, student.encoder.encode(texts))


def test_fake_quant_gradient_is_straight_through_and_differentiable_twice():
    x = tf.constant([[0.3, 2.0], [-0.4, 0.1], [-1.7, 0.9]])
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]])
    low, high = tf.Variable(-1.0), tf.Variable(1.0)

    def saliency_loss(quantize):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.matmul(quantize(x), w) ** 2)
            loss = tf.reduce_sum(inner.gradient(y, x) * x)
        return outer.gradient(loss, w)

    second_order = saliency_loss(lambda v: fake_quant(v, low, high))
    # Straight-through: like clipping to the range, up to the rounding of the quantized values.
    np.testing.assert_allclose(second_order, saliency_loss(lambda v: tf.clip_by_value(v, -1.0, 1.0)), atol=0.02)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fake_quant(x, low, high) * tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    grad_x, grad_low, grad_high = tape.gradient(y, [x, low, high])
    np.testing.assert_array_equal(grad_x, [[1, 0], [3, 4], [0, 6]])  # 2.0 and -1.7 are clipped
    assert (float(grad_low), float(grad_high)) == (5.0, 2.0)


def test_qat_student_predicts_like_the_float_student_and_leaves_it_alone(small_student, small_data,
                                                                        calibration_texts):
    before = [w.numpy().copy() for w in small_student.weights]
    qat = quantized(small_student, calibration_texts)
    assert isinstance(qat, QATStudent) and qat.num_classes == small_student.num_classes
    assert qat.max_length == small_student.max_length and qat.encoder is small_student.encoder
    ids = small_student.encoder.encode(small_data.test.texts)
    assert argmax_agreement(qat(ids).numpy(), small_student(ids).numpy()) >= 0.95
    assert not {id(v) for v in qat.variables} & {id(v) for v in small_student.variables}  # copies, not shared
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, small_student.weights))
    assert {layer.__class__.__name__ for layer in qat.head.layers} >= {"QuantizeWrapperV2", "InputQuantizer"}
    assert not hasattr(qat, "attention_map")  # the CNN has no attention pooling


def test_unsupported_students_are_refused_with_the_reason(small_student, calibration_texts):
    from tfcompress.models import FastGRNNStudent

    with pytest.raises(NotImplementedError, match="recurrent layers"):
        quantize_student(FastGRNNStudent(num_buckets=50, max_length=8, units=4).build_for_inputs())
    with pytest.raises(ValueError, match="already quantization-aware"):
        quantize_student(quantize_student(small_student))
    with pytest.raises(TypeError, match="TextClassifier"):
        quantize_student(keras.Sequential([keras.layers.Dense(2)]))


def fit_distiller(student, teacher, split, explanation, **weights):
    targets = TeacherExplanations(teacher, explanation, student.max_length, feature_dim=8)
    data = distillation_dataset(split, student, teacher, batch_size=64, explanations=targets)
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(1e-2), explanation=explanation, feature_dim=8, **weights)
    return distiller, data


def test_distiller_trains_the_qat_student_with_saliency_and_adversarial_terms(small_student, small_teacher,
                                                                            small_data, calibration_texts):
    qat = quantized(small_student, calibration_texts)
    ranges = quantization_ranges(qat)
    before = [w.numpy().copy() for w in qat.trainable_weights]
    distiller, data = fit_distiller(qat, small_teacher, small_data.train.take(256), "saliency", ce_weight=0.1,
                                    kd_weight=0.9, explain_weight=1.0, adversarial_weight=0.5)
    history = distiller.fit(data, epochs=1, verbose=0).history
    assert history["explain_loss"][0] > 0 and history["adv_loss"][0] > 0 and np.isfinite(history["loss"][0])
    assert all(not np.array_equal(a, w.numpy()) for a, w in zip(before, qat.trainable_weights))
    assert quantization_ranges(qat) != ranges  # training moves the ranges (moving averages)

    # The saliency term alone reaches every head kernel: its second-order path crosses the fake quants.
    distiller.compile(ce_weight=0.0, kd_weight=0.0, explain_weight=1.0, explanation="saliency")
    inputs, labels = next(iter(data))
    with tf.GradientTape() as tape:
        losses = distiller.compute_losses(inputs, labels, small_teacher(inputs["teacher_inputs"]), training=True)[1]
    kernels = [v for v in qat.trainable_variables if "kernel" in v.name]
    gradients = tape.gradient(losses["loss"], kernels)
    assert len(kernels) == 4 and all(g is not None and float(tf.norm(g)) > 0 for g in gradients)


@pytest.mark.parametrize("explanation", ["attention", "features"])
def test_distiller_explanation_terms_reach_a_qat_prado(small_prado, small_teacher, small_data, calibration_texts,
                                                      explanation):
    qat = quantized(small_prado, calibration_texts)
    assert qat.attention_map(small_prado.encoder.encode(["a fine film"])).shape == (1, small_prado.max_length)
    distiller, data = fit_distiller(qat, small_teacher, small_data.train.take(64), explanation, ce_weight=0.0,
                                    kd_weight=0.0, explain_weight=1.0)
    inputs, labels = next(iter(data))
    with tf.GradientTape() as tape:
        losses = distiller.compute_losses(inputs, labels, small_teacher(inputs["teacher_inputs"]), training=True)[1]
    gradients = tape.gradient(losses["loss"], qat.trainable_variables)
    assert float(losses["explain_loss"]) > 0
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in gradients)
    assert float(tf.norm(gradients[0])) > 0  # the bottleneck, shared by every path


@pytest.mark.parametrize("fixture", ["small_student", "small_prado"])
def test_int8_export_matches_the_qat_model(fixture, request, small_data, calibration_texts):
    student = request.getfixturevalue(fixture)
    qat = quantized(student, calibration_texts)
    model_bytes = export_qat_int8(qat, qat.encoder.encode(calibration_texts[:200]))
    assert uses_builtin_ops_only(model_bytes) and len(model_bytes) < 40_000
    ids = qat.encoder.encode(small_data.test.texts)
    assert argmax_agreement(TFLiteClassifier(model_bytes).predict(ids), qat.predict_texts(small_data.test.texts)) >= 0.99


def test_save_and_load_round_trip(small_prado, small_data, calibration_texts, tmp_path):
    qat = quantized(small_prado, calibration_texts)
    path = tmp_path / "student_qat.npz"
    save_qat(qat, path)
    loaded = load_qat(path)
    assert [p.name for p in tmp_path.iterdir()] == ["student_qat.npz"]  # no temporary file left
    assert quantization_ranges(loaded) == quantization_ranges(qat)
    texts = small_data.test.texts[:64]
    np.testing.assert_array_equal(loaded.predict_texts(texts), qat.predict_texts(texts))
    with pytest.raises(ValueError, match="must end in .npz"):
        save_qat(qat, tmp_path / "student.keras")


class CrashAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch, self.weights = epoch, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.weights = [w.numpy().copy() for w in self.model.student.weights]
            raise RuntimeError("simulated crash")


class FirstEpoch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.epochs, self.weights = [], None

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)
        if self.weights is None:
            self.weights = [w.numpy().copy() for w in self.model.student.weights]


def test_backup_and_restore_resumes_qat_distillation(small_student, small_teacher, small_data, calibration_texts,
                                                     tmp_path):
    split = small_data.train.take(128)
    backup = str(tmp_path / "backup")
    crash = CrashAfterEpoch(1)
    distiller, data = fit_distiller(quantized(small_student, calibration_texts), small_teacher, split, "saliency",
                                    explain_weight=0.5)
    with pytest.raises(RuntimeError, match="simulated crash"):
        distiller.fit(data, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup), crash])

    resumed, first = quantized(small_student, calibration_texts), FirstEpoch()
    distiller, data = fit_distiller(resumed, small_teacher, split, "saliency", explain_weight=0.5)
    distiller.fit(data, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup), first])
    assert first.epochs == [2]
    for saved, restored in zip(crash.weights, first.weights):  # weights and quantization ranges
        np.testing.assert_array_equal(saved, restored)


def test_recalibrate_moves_stale_ranges_to_the_data(small_student, small_data, calibration_texts):
    qat = quantized(small_student, calibration_texts)
    ids = qat.encoder.encode(small_data.test.texts)
    # What federated training can do: weights change, ranges do not.
    for layer in (qat.embedding, qat.head.get_layer("quant_conv2")):  # [0]: the variable (.kernel: its fake quant)
        layer.trainable_weights[0].assign(layer.trainable_weights[0] * 3.0)
    reference = type(small_student).from_config(small_student.get_config()).build_for_inputs()
    reference.set_weights(small_student.get_weights())
    reference.embedding.embeddings.assign(qat.embedding.embeddings)
    reference.get_layer("conv2").kernel.assign(qat.head.get_layer("quant_conv2").trainable_weights[0])
    stale = argmax_agreement(qat(ids).numpy(), reference(ids).numpy())
    stale_ranges = quantization_ranges(qat)
    trained = [w.numpy().copy() for w in qat.trainable_weights]

    sample = qat.encoder.encode(calibration_texts)
    ranges = recalibrate(qat, sample, batch_size=128)
    batches = [qat.embed(sample[i:i + 128]).numpy() for i in range(0, len(sample), 128)]
    assert ranges["embedded_quant/input"] == pytest.approx(
        (np.mean([min(b.min(), 0) for b in batches]), np.mean([max(b.max(), 0) for b in batches])), rel=1e-5)
    assert ranges["embedded_quant/input"][1] == pytest.approx(3 * stale_ranges["embedded_quant/input"][1], rel=1e-5)
    kernel = qat.head.get_layer("quant_conv2").trainable_weights[0].numpy()
    assert ranges["quant_conv2/kernel"][1] == pytest.approx(np.abs(kernel).max(), rel=1e-6)
    assert ranges["quant_conv2/output"][1] > 2 * stale_ranges["quant_conv2/output"][1]
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(trained, qat.trainable_weights))
    recalibrated = argmax_agreement(qat(ids).numpy(), reference(ids).numpy())
    assert recalibrated >= 0.98 and recalibrated > stale
