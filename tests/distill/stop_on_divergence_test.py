import numpy as np
import pytest

from tfcompress.backend import keras, tf
from tfcompress.distill import StopOnDivergence
from tfcompress.errors import USER_ERRORS, TrainingDiverged


def _model(loss):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", loss)
    return model


def test_a_loss_that_turns_nan_stops_the_fit_naming_epoch_and_batch():
    calls = tf.Variable(0)

    def nan_from_the_third_batch(y_true, y_pred):
        calls.assign_add(1)
        scale = tf.where(calls >= 3, tf.constant(np.nan, tf.float32), 1.0)
        return tf.reduce_mean(tf.square(y_true - y_pred)) * scale

    model = _model(nan_from_the_third_batch)
    x, y = np.random.rand(32, 3).astype("float32"), np.random.rand(32, 1).astype("float32")
    with pytest.raises(TrainingDiverged, match=r"student: training diverged at epoch 1, batch 3 \(loss not finite\)"):
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[StopOnDivergence("student")])
    assert issubclass(TrainingDiverged, USER_ERRORS)


def test_a_finite_fit_is_left_alone():
    model = _model("mse")
    history = model.fit(np.random.rand(8, 3), np.random.rand(8, 1), epochs=2, verbose=0,
                        callbacks=[StopOnDivergence("student")])
    assert len(history.history["loss"]) == 2
