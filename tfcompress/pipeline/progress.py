"""What a run prints while it works: one-line logs and a batch-progress callback for long fits."""
import numbers
import sys

from tfcompress.backend import keras


def log(message):
    print(f"[tfcompress] {message}", file=sys.stderr, flush=True)


class ProgressLog(keras.callbacks.Callback):
    """Logs '<stage> epoch e/E: batch b/B loss ...' about ten times an epoch, for long fits.

    Args:
        stage: the name printed in front of each line.
        epochs: the epoch budget of the fit.

    Example:
        >>> model.fit(data, epochs=3, callbacks=[ProgressLog("teacher", 3)])
    """

    def __init__(self, stage, epochs):
        super().__init__()
        self.stage, self.epochs, self.epoch = stage, epochs, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params.get("steps") or 0
        every = max(1, steps // 10)
        if steps and (batch + 1) % every == 0 and batch + 1 < steps:
            shown = ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items())
            log(f"{self.stage} epoch {self.epoch + 1}/{self.epochs}: batch {batch + 1}/{steps} {shown}")

    def on_epoch_end(self, epoch, logs=None):
        shown = ", ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items()
                          if (k.startswith("val_") or k == "loss") and isinstance(v, numbers.Number))
        if shown:
            log(f"{self.stage} epoch {epoch + 1}/{self.epochs} done: {shown}")
