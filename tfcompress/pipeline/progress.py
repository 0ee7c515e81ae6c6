"""What a run prints while it works: one-line logs and a batch-progress callback for long fits."""
import numbers
import sys
import time

from tfcompress.backend import keras


def log(message):
    print(f"[tfcompress] {message}", file=sys.stderr, flush=True)


def duration(seconds):
    """``1h02m``, ``4m10s`` or ``12s``."""
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class ProgressLog(keras.callbacks.Callback):
    """A progress bar for a long fit, with the fit's share done and its ETA (epoch budget, so early stopping
    only shortens it). On a terminal one line is redrawn; in a log, a line about ten times an epoch.

    Args:
        stage: the name printed in front of each line.
        epochs: the epoch budget of the fit.
        stream: where to write (standard error).

    Example:
        >>> model.fit(data, epochs=3, callbacks=[ProgressLog("teacher", 3)])
    """

    def __init__(self, stage, epochs, stream=None):
        super().__init__()
        self.stage, self.epochs, self.epoch, self.last_batch = stage, epochs, 0, 0
        self.stream = stream or sys.stderr
        self.started = None

    @property
    def interactive(self):
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def on_train_begin(self, logs=None):
        self.started = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.last_batch = epoch, 0
        if self.started is None:
            self.started = time.monotonic()

    def bar(self, batch, steps, logs):
        done = min(1.0, (self.epoch + (batch + 1) / steps) / max(self.epochs, 1))
        elapsed = time.monotonic() - self.started
        eta = elapsed * (1 - done) / done if done > 0 else 0.0
        filled = int(round(20 * done))
        shown = ", ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items() if isinstance(v, numbers.Number))
        return (f"[tfcompress] {self.stage} [{'#' * filled}{'.' * (20 - filled)}] {done:4.0%} "
                f"epoch {self.epoch + 1}/{self.epochs} batch {batch + 1}/{steps}, ETA {duration(eta)}"
                f"{': ' + shown if shown else ''}")

    def on_train_batch_end(self, batch, logs=None):
        # Under ``steps_per_execution`` Keras reports every n-th batch only: a line is due once a tenth has passed.
        steps = self.params.get("steps") or 0
        if not steps:
            return
        every = 1 if self.interactive else max(1, steps // 10)
        due = (batch + 1) // every > self.last_batch // every
        self.last_batch = batch + 1
        if due and batch + 1 < steps:
            line = self.bar(batch, steps, logs)
            if self.interactive:
                self.stream.write("\r" + line[:200].ljust(200))
            else:
                self.stream.write(line + "\n")
            self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        shown = ", ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items()
                          if (k.startswith("val_") or k == "loss") and isinstance(v, numbers.Number))
        if self.interactive:
            self.stream.write("\r" + " " * 200 + "\r")
        elapsed = time.monotonic() - (self.started or time.monotonic())
        done = (epoch + 1) / max(self.epochs, 1)
        eta = elapsed * (1 - done) / done if done > 0 else 0.0
        log(f"{self.stage} epoch {epoch + 1}/{self.epochs} done{': ' + shown if shown else ''} "
            f"({duration(elapsed)} so far, ETA {duration(eta)} at most)")
