"""The Distiller's callbacks, each on its own and all together with Keras' own."""
import json

import numpy as np
import pytest

from tests.conftest import requires_full_stack, tiny_distiller
from tfcompress.backend import keras
from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestTFLiteExporter, Distiller,
                                ExplanationFidelityMonitor, LossWeightScheduler, RobustnessMonitor,
                                TeacherExplanations, distillation_dataset)
from tfcompress.tflite import TFLiteClassifier
from tfcompress.models import CNNStudent


def make(teacher, **compile_args):
    return tiny_distiller(teacher, seed=5, **compile_args)


def test_loss_weight_scheduler_warms_up_and_logs(small_teacher, small_data):
    distiller = make(small_teacher, explain_weight=2.0, adversarial_weight=1.0)
    data = distillation_dataset(small_data.train.take(64), distiller.student, small_teacher, 32,
                                explanations=TeacherExplanations(small_teacher, "saliency", 32))
    history = distiller.fit(data, epochs=3, verbose=0, callbacks=[LossWeightScheduler(warmup_epochs=2)]).history
    assert history["explain_weight"] == pytest.approx([1.0, 2.0, 2.0])
    assert history["adv_weight"] == pytest.approx([0.5, 1.0, 1.0])
    assert history["loss"][0] == pytest.approx(0.1 * history["ce_loss"][0] + 0.9 * history["kd_loss"][0]
                                               + 1.0 * history["explain_loss"][0] + 0.5 * history["adv_loss"][0],
                                               rel=1e-4)


def test_explanation_fidelity_monitor_logs_spearman(small_teacher, small_data):
    distiller = make(small_teacher)
    monitor = ExplanationFidelityMonitor(small_data.validation.texts[:30], small_teacher)
    history = distiller.fit(distillation_dataset(small_data.train.take(64), distiller.student, small_teacher, 32),
                            epochs=2, verbose=0, callbacks=[monitor]).history
    assert len(history["explanation_fidelity"]) == 2 and -1 <= history["explanation_fidelity"][-1] <= 1
    assert monitor.measure(small_teacher)["explanation_fidelity"] == pytest.approx(1.0)


def test_best_tflite_exporter_keeps_the_best_epoch(small_teacher, small_data, tmp_path):
    distiller = make(small_teacher)
    path = tmp_path / "best.tflite"
    exporter = BestTFLiteExporter(path, small_data.train.texts[:50], monitor="val_accuracy")
    validation = distillation_dataset(small_data.validation, distiller.student, small_teacher, 100)
    history = distiller.fit(distillation_dataset(small_data.train.take(256), distiller.student, small_teacher, 32),
                            validation_data=validation, epochs=3, verbose=0, callbacks=[exporter]).history
    record = json.loads((tmp_path / "best.tflite.json").read_text())
    assert record["epoch"] == int(np.argmax(history["val_accuracy"]))
    assert record["value"] == pytest.approx(max(history["val_accuracy"]))
    assert TFLiteClassifier(str(path)).predict(distiller.student.encoder.encode(["fine"])).shape == (1, 2)
    resumed = BestTFLiteExporter(path, small_data.train.texts[:50])
    assert resumed.best == record and not resumed._improves(record["value"] - 0.01)


def test_pool_mixes_adversarial_copies_that_keep_the_teachers_targets(small_teacher, small_data):
    student = CNNStudent(num_buckets=500, max_length=32, embedding_dim=8, filters=8)
    split = small_data.train.take(20)
    logits = small_teacher.predict_texts(split.texts)
    pool = AdversarialTextPool(student)
    data = distillation_dataset(split, student, small_teacher, 100, teacher_logits=logits, adversarial_pool=pool)
    assert sum(len(labels) for _, labels in data) == 20
    pool.set([3, 7], ["totally different words here", "another one"])
    features, labels = next(iter(data))
    assert len(labels) == 22
    np.testing.assert_array_equal(features["student_inputs"][20], student.encoder.encode(["totally different words here"])[0])
    np.testing.assert_allclose(features["teacher_logits"][21], logits[7])
    assert labels[21] == split.labels[7]
    with pytest.raises(ValueError, match="must point at attached clean examples"):
        pool.set([99], ["x"])


@pytest.mark.parametrize("endless", [False, True])
def test_an_endless_dataset_runs_every_epoch_while_the_pool_shrinks(small_teacher, small_data, endless):
    distiller = make(small_teacher)
    split = small_data.train.take(200)
    pool = AdversarialTextPool(distiller.student)
    data = distillation_dataset(split, distiller.student, small_teacher, 32, True, teacher_logits=np.zeros((200, 2)),
                                adversarial_pool=pool, endless=endless)
    pool.set(list(range(40)), ["a different sentence"] * 40)  # the first epoch has 240 examples, later ones 200

    class EmptyThePool(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pool.set([], [])

    steps = {"steps_per_epoch": 7} if endless else {}
    history = distiller.fit(data, epochs=3, verbose=0, callbacks=[EmptyThePool()], **steps).history
    assert len(history["loss"]) == (3 if endless else 2)  # a finite dataset runs out and stops the fit


@requires_full_stack
def test_adversarial_refresh_and_robustness_monitor_attack_the_current_student(small_teacher, small_student, small_data,
                                                                              nltk_data_dir):
    student = CNNStudent(num_buckets=1000, max_length=32, embedding_dim=8, filters=16).build_for_inputs()
    student.set_weights(small_student.get_weights())  # a trained student, so attacks have something to flip
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(1e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    split = small_data.train.take(200)
    pool = AdversarialTextPool(distiller.student)
    data = distillation_dataset(split, distiller.student, small_teacher, 32, True,
                                teacher_logits=small_teacher.predict_texts(split.texts), adversarial_pool=pool)
    refresh = AdversarialTextRefresh(pool, recipes=("deepwordbug", "pruthi"), num_examples=16, every=1,
                                     query_budget=None)
    monitor = RobustnessMonitor(small_data.validation.texts[:12], small_data.validation.labels[:12], "deepwordbug",
                                query_budget=None)
    history = distiller.fit(data, epochs=2, verbose=0, callbacks=[refresh, monitor]).history
    assert [entry["epoch"] for entry in refresh.history] == [0, 1]  # none after the last epoch: nothing trains on it
    assert all(entry["pool"] > 0 for entry in refresh.history)
    assert history["adversarial_pool"] == [refresh.history[0]["pool"], refresh.history[1]["pool"]]
    assert 0.0 < history["attack_success_rate"][-1] <= 1.0
    adversarial = pool.adversarial_texts[0]
    assert adversarial != pool.texts[pool.indices[0]]
    with pytest.raises(ValueError, match="unknown attack recipe"):
        AdversarialTextRefresh(pool, recipes=("hotflip",))

    class StopAfterFirstEpoch(keras.callbacks.Callback):  # as EarlyStopping decides, before the refresh runs
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    stopped = AdversarialTextRefresh(pool, recipes=("deepwordbug",), num_examples=8, every=1, query_budget=None)
    distiller.fit(data, epochs=3, verbose=0, callbacks=[StopAfterFirstEpoch(), stopped])
    assert [entry["epoch"] for entry in stopped.history] == [0]  # not refreshed for an epoch that never runs
