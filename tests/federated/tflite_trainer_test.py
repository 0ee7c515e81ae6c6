"""The on-device-training .tflite runs its signatures in the TFLite interpreter (both stacks)."""
import numpy as np
import pytest

from tfcompress.evaluation import accuracy
from tfcompress.federated import TFLiteTrainer, batch_order, export_on_device_training, finetune_head_keras

EPOCHS, BATCH, RATE = 5, 16, 0.1


@pytest.fixture(scope="module")
def trainable_path(small_student, tmp_path_factory):
    path = tmp_path_factory.mktemp("device") / "trainable.tflite"
    export_on_device_training(small_student, path, learning_rate=RATE)
    return path


def _skewed(clients):
    return max(clients, key=lambda c: max(c.label_counts(2)) / (c.num_train + c.num_test))


def test_train_in_the_interpreter_gains_like_keras_fine_tuning(trainable_path, small_student, skewed_clients):
    client = _skewed(skewed_clients)
    ids, labels = client.encoded(small_student.encoder.encode, "train")
    test_ids, test_labels = client.encoded(small_student.encoder.encode, "test")
    device = TFLiteTrainer(trainable_path)
    before = accuracy(device.predict(test_ids), test_labels)
    losses = device.fit(ids, labels, EPOCHS, BATCH, seed=0)
    device_gain = accuracy(device.predict(test_ids), test_labels) - before
    tuned = finetune_head_keras(small_student, ids, labels, RATE, EPOCHS, BATCH, seed=0)
    keras_gain = accuracy(tuned(test_ids, training=False).numpy(), test_labels) - before
    assert device_gain >= 0.05, (before, device_gain)
    assert abs(device_gain - keras_gain) <= 0.02
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_trained_head_equals_keras_sgd_on_the_same_batches(trainable_path, small_student, skewed_clients):
    ids, labels = skewed_clients[0].encoded(small_student.encoder.encode, "train")
    device = TFLiteTrainer(trainable_path)
    device.fit(ids, labels, 1, BATCH, seed=3)
    tuned = finetune_head_keras(small_student, ids, labels, RATE, 1, BATCH, seed=3)
    saved = device.save()
    np.testing.assert_allclose(saved["kernel"], tuned.layers[-1].kernel.numpy(), atol=1e-4)
    np.testing.assert_allclose(saved["bias"], tuned.layers[-1].bias.numpy(), atol=1e-4)


def test_save_restore_lets_an_app_undo_training(trainable_path, small_student, small_data):
    device = TFLiteTrainer(trainable_path)
    ids = small_student.encoder.encode(list(small_data.test.texts[:32]))
    start_logits, saved = device.predict(ids), device.save()
    device.fit(ids, small_data.test.labels[:32], 3, 8)
    assert not np.allclose(device.predict(ids), start_logits)
    device.restore(saved)
    np.testing.assert_allclose(device.predict(ids), start_logits, atol=1e-6)


def test_batch_order_is_seeded_and_covers_each_epoch():
    batches = batch_order(10, 2, 4, seed=1)
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    assert sorted(np.concatenate(batches[:3]).tolist()) == list(range(10))
    assert all(np.array_equal(a, b) for a, b in zip(batches, batch_order(10, 2, 4, seed=1)))
