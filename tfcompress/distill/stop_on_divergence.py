"""A callback that stops a fit with a clear error the moment its loss stops being a number."""
import math
import numbers

from tfcompress.backend import keras
from tfcompress.errors import TrainingDiverged


class StopOnDivergence(keras.callbacks.Callback):
    """Raise ``TrainingDiverged`` at the first batch whose loss (or any logged loss term) is NaN or infinite.

    Once a step has written NaN into the weights, every later step and every stage after the fit (QAT, export,
    attacks) works on a broken model; Keras' ``TerminateOnNaN`` only stops quietly, and the best-epoch weights of
    a fit that diverged in its first epoch do not exist. The error names the fit, the epoch and batch, and the
    terms that diverged, so the setting to change (the rate, or that term's weight) is known.

    Args:
        name: the fit's name in the message (e.g. ``"distill (objectives)"``).

    Example:
        >>> student.fit(data, epochs=3, callbacks=[StopOnDivergence("student")])
    """

    def __init__(self, name):
        super().__init__()
        self.name, self.epoch = name, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        broken = [key for key, value in (logs or {}).items()
                  if key.endswith("loss") and isinstance(value, numbers.Real) and not math.isfinite(value)]
        if broken:
            raise TrainingDiverged(self.name, self.epoch + 1, batch + 1, broken)
