"""A callback that leaves a model with the weights of its best epoch."""
import numpy as np

from tfcompress.backend import keras


class BestWeights(keras.callbacks.Callback):
    """Keep the weights of the best epoch by ``monitor`` and restore them when training ends.

    Keras' ``EarlyStopping(restore_best_weights=True)`` restores only when it actually stops early;
    this callback restores in every case, so the result never depends on whether patience ran out.
    Only the weights of ``target`` (default: the model being fit) are kept, e.g. a Distiller's student.

    Args:
        monitor: the logged quantity, e.g. ``"val_accuracy"``.
        mode: ``"max"`` or ``"min"``.
        target: the model whose weights to keep; ``None`` means the model being fit.

    Example:
        >>> distiller.fit(train, validation_data=val, epochs=10,
        ...               callbacks=[BestWeights("val_accuracy", "max", target=student)])
    """

    def __init__(self, monitor="val_accuracy", mode="max", target=None):
        super().__init__()
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.monitor, self.mode, self.target = monitor, mode, target
        self.best, self.best_epoch, self.best_weights = None, None, None

    def _target(self):
        return self.target if self.target is not None else self.model

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise KeyError(f"BestWeights monitors {self.monitor!r}, which fit did not log; logged: "
                           f"{sorted(logs or {})}")
        better = self.best is None or (value > self.best if self.mode == "max" else value < self.best)
        if better and np.isfinite(value):
            self.best, self.best_epoch = float(value), epoch
            self.best_weights = [w.copy() for w in self._target().get_weights()]

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self._target().set_weights(self.best_weights)
