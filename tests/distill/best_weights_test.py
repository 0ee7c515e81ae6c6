import numpy as np
import pytest

from tfcompress.backend import keras
from tfcompress.distill import BestWeights


class Scripted(keras.callbacks.Callback):
    """Logs a fixed validation score per epoch, so the best epoch is known in advance."""

    def __init__(self, scores):
        super().__init__()
        self.scores = scores

    def on_epoch_end(self, epoch, logs=None):
        logs["val_score"] = self.scores[epoch]


def test_restores_the_best_epoch_even_without_early_stopping():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    x, y = np.random.rand(16, 3), np.random.rand(16, 1)
    snapshots = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, l: snapshots.append(model.get_weights()))
    best = BestWeights("val_score", "max")
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Scripted([0.1, 0.9, 0.3, 0.2]), best, record])
    assert best.best_epoch == 1
    for restored, expected in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(restored, expected)


def test_a_metric_that_is_not_logged_is_a_clear_error():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    with pytest.raises(KeyError, match="monitors 'val_missing'"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0, callbacks=[BestWeights("val_missing")])
    with pytest.raises(ValueError, match="mode must be"):
        BestWeights(mode="up")
