"""Callback: keep the int8 ``.tflite`` of the best epoch on disk."""
import json
import math
import os

from tfcompress.backend import keras
from tfcompress.tflite import convert_to_int8
from tfcompress.atomic import write_bytes_atomic


class BestTFLiteExporter(keras.callbacks.Callback):
    """After each epoch that improves ``monitor``, export the student to full-int8 ``path``.

    The file is replaced atomically, and ``path + ".json"`` records the epoch, the monitored value
    and the size, so an interrupted and resumed fit keeps comparing against the best so far.
    Place it after callbacks that add the monitored value to the logs.

    Args:
        path: the ``.tflite`` file to write.
        representative_texts: texts that calibrate the int8 ranges (e.g. 200 training texts).
        monitor: the log entry to watch.
        mode: ``max`` or ``min``.

    Example:
        >>> exporter = BestTFLiteExporter("out/best.tflite", data.train.texts[:200])
    """

    def __init__(self, path, representative_texts, monitor="val_accuracy", mode="max"):
        super().__init__()
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.path, self.texts = os.fspath(path), list(representative_texts)
        self.monitor, self.mode = monitor, mode
        self.best = self._recorded_best()

    def _recorded_best(self):
        if os.path.exists(self.path + ".json"):
            with open(self.path + ".json") as handle:
                return json.load(handle)
        return None

    def _improves(self, value):
        if self.best is None or value is None or math.isnan(value):
            return value is not None and not math.isnan(value)
        return value > self.best["value"] if self.mode == "max" else value < self.best["value"]

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not self._improves(float(value)):
            return
        student = getattr(self.model, "student", self.model)
        model_bytes = convert_to_int8(student, student.encoder.encode(self.texts))
        write_bytes_atomic(model_bytes, self.path)
        self.best = {"epoch": int(epoch), "monitor": self.monitor, "value": float(value), "bytes": len(model_bytes)}
        write_bytes_atomic(json.dumps(self.best, indent=2).encode(), self.path + ".json")
