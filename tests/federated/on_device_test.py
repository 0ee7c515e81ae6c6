import numpy as np

from tfcompress.federated import OnDeviceTrainer


def test_infer_matches_the_keras_student(small_student, small_data):
    trainer = OnDeviceTrainer(small_student)
    ids = small_student.encoder.encode(list(small_data.test.texts[:50]))
    np.testing.assert_allclose(trainer.infer(ids)["logits"].numpy(), small_student(ids, training=False).numpy(),
                               atol=1e-5)


def test_train_is_one_sgd_step_on_the_mean_cross_entropy(small_student, small_data):
    trainer = OnDeviceTrainer(small_student, learning_rate=0.3)
    ids = small_student.encoder.encode(list(small_data.test.texts[:16]))
    labels = small_data.test.labels[:16]
    features = trainer.body(ids, training=False).numpy()
    kernel, bias = trainer.kernel.numpy(), trainer.bias.numpy()
    logits = features @ kernel + bias
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    expected_loss = -np.mean(np.log(probabilities[np.arange(16), labels]))
    dlogits = (probabilities - np.eye(2)[labels]) / 16
    loss = trainer.train(ids, labels)["loss"].numpy()
    assert abs(loss - expected_loss) < 1e-5
    np.testing.assert_allclose(trainer.kernel.numpy(), kernel - 0.3 * features.T @ dlogits, atol=1e-5)
    np.testing.assert_allclose(trainer.bias.numpy(), bias - 0.3 * dlogits.sum(0), atol=1e-6)


def test_save_and_restore_round_trip_the_head(small_student, small_data):
    trainer = OnDeviceTrainer(small_student)
    saved = {k: v.numpy() for k, v in trainer.save().items()}
    ids = small_student.encoder.encode(list(small_data.test.texts[:8]))
    trainer.train(ids, small_data.test.labels[:8])
    assert not np.array_equal(trainer.kernel.numpy(), saved["kernel"])
    trainer.restore(saved["kernel"], saved["bias"])
    assert np.array_equal(trainer.kernel.numpy(), saved["kernel"]) and np.array_equal(trainer.bias.numpy(), saved["bias"])
