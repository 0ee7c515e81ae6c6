"""A Distiller fit with every tfcompress callback and Keras' own, killed mid-run, resumes."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import FULL_STACK

SCRIPT = textwrap.dedent("""
    import os, sys
    from tfcompress import datasets
    from tfcompress.backend import keras
    from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestTFLiteExporter, Distiller,
                                    ExplanationFidelityMonitor, LossWeightScheduler, RobustnessMonitor,
                                    TeacherExplanations, distillation_dataset)
    from tfcompress.models import BiLSTMTeacher, CNNStudent, load_model, save_model

    out, full_stack = sys.argv[1], sys.argv[2] == "1"
    data = datasets.load("rotten_tomatoes", seed=0)
    train, validation = data.train.take(400), data.validation.take(100)
    keras.utils.set_random_seed(0)
    teacher_path = os.path.join(out, "teacher.keras")
    if os.path.exists(teacher_path):
        teacher = load_model(teacher_path)
    else:
        teacher = BiLSTMTeacher(num_buckets=2000, max_length=24, embedding_dim=8, lstm_units=8, attention_units=8)
        teacher.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        teacher.fit(train.to_tf_dataset(teacher.encoder.encode, 32, True, 0), epochs=1, verbose=0)
        save_model(teacher, teacher_path)
    student = CNNStudent(num_buckets=500, max_length=24, embedding_dim=8, filters=8)
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(1e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      explain_weight=1.0, adversarial_weight=0.5)
    pool = AdversarialTextPool(student) if full_stack else None
    targets = TeacherExplanations(teacher, "saliency", 24)
    data_train = distillation_dataset(train, student, teacher, 32, True, 0, teacher_logits=teacher.predict_texts(train.texts),
                                      explanations=targets, adversarial_pool=pool)
    data_validation = distillation_dataset(validation, student, teacher, 100, explanations=targets)

    class Announce(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            print(f"EPOCH {epoch}", flush=True)

    callbacks = [Announce(), LossWeightScheduler(2), ExplanationFidelityMonitor(validation.texts[:20], teacher)]
    if full_stack:
        callbacks += [AdversarialTextRefresh(pool, ("deepwordbug",), num_examples=8, every=1, query_budget=100),
                      RobustnessMonitor(validation.texts[:8], validation.labels[:8], "deepwordbug", query_budget=100)]
    callbacks += [BestTFLiteExporter(os.path.join(out, "best.tflite"), train.texts[:50]),
                  keras.callbacks.BackupAndRestore(os.path.join(out, "backup")),
                  keras.callbacks.ModelCheckpoint(os.path.join(out, "weights.{epoch:02d}.h5"), save_weights_only=True),
                  keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=10)]
    history = distiller.fit(data_train, validation_data=data_validation, epochs=4, verbose=0, callbacks=callbacks)
    print("FINISHED", sorted(history.history), flush=True)
""")


@pytest.mark.slow
def test_killed_distiller_fit_with_all_callbacks_resumes_at_the_next_epoch(tmp_path):
    command = [sys.executable, "-u", "-c", SCRIPT, str(tmp_path), "1" if FULL_STACK else "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("EPOCH 2"):  # epochs 0-1 finished and backed up
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    resumed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    epochs = [line for line in resumed.stdout.splitlines() if line.startswith("EPOCH")]
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    assert epochs == ["EPOCH 2", "EPOCH 3"], resumed.stdout[-3000:]
    finished = [line for line in resumed.stdout.splitlines() if line.startswith("FINISHED")][0]
    assert "explanation_fidelity" in finished and "explain_weight" in finished
    if FULL_STACK:
        assert "attack_success_rate" in finished and "adversarial_pool" in finished
    assert os.path.exists(tmp_path / "best.tflite") and os.path.exists(tmp_path / "weights.04.h5")
