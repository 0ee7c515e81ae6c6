"""What the benchmarks share: a keyed resumable JSON cache, a markdown table writer and a fit timer.

The scripts import it as ``from common import ...``: ``python benchmarks/X.py`` puts ``benchmarks/``
on ``sys.path``.

Example:
    >>> cache = ResumableCache("benchmarks/results/.paper.partial")
    >>> result = cache.load("attack.json", key) or cache.keep("attack.json", key, attack())
    >>> print(markdown_table(("model", "accuracy"), [("cnn", "0.7412")]))
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tables import cell, markdown_table  # noqa: E402,F401 (the benchmarks import them from here)
from tfcompress.atomic import write_json_atomic  # noqa: E402
from tfcompress.backend import keras  # noqa: E402


class ResumableCache:
    """Finished results kept as JSON files in ``folder``, each with the key it was computed for.

    ``load`` gives a value back only when it was kept under the same key (the settings, sample,
    model digest ... it depends on), so a rerun with the same arguments resumes and a changed one
    recomputes. Files are written atomically: an interrupted benchmark never leaves half a file.

    Args:
        folder: where the files live (created).
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        os.makedirs(self.folder, exist_ok=True)

    def path(self, name):
        """The path of ``name`` in the folder (also for files the cache does not write itself)."""
        return os.path.join(self.folder, name)

    def load(self, name, key):
        """The value kept as ``name`` for ``key``, or ``None`` (not kept, another key, unreadable)."""
        path = self.path(name)
        if not os.path.exists(path):
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                kept = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(kept, dict) or "value" not in kept or kept.get("key") != _as_json(key):
            return None
        return kept["value"]

    def keep(self, name, key, value):
        """Keep ``value`` (JSON) as ``name`` for ``key``; returns ``value`` as it will be loaded."""
        value = _as_json(value)
        write_json_atomic({"key": _as_json(key), "value": value}, self.path(name))
        return value


def _as_json(value):
    """``value`` as JSON gives it back (tuples become lists), so kept and given keys compare equal."""
    return json.loads(json.dumps(value))


class FitTimer(keras.callbacks.Callback):
    """Seconds a ``fit`` spends in training batches, in the callbacks between epochs, and in all.

    - ``step_seconds`` / ``steps``: inside training batches only (not validation, not callbacks).
    - ``between_epochs_seconds``: from the start of training to the first epoch, and from each
      epoch's end to the next epoch (or the end of training): the epoch hooks of the callbacks that
      run after this one, e.g. a refresh of adversarial texts. Pass it first in ``callbacks=``.
    - ``fit_seconds``: from the start of training to its end.
    """

    def __init__(self):
        super().__init__()
        self.step_seconds = self.between_epochs_seconds = self.fit_seconds = 0.0
        self.steps = 0
        self._batch_start = self._gap_start = self._fit_start = None

    def on_train_begin(self, logs=None):
        self._fit_start = self._gap_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._close_gap()

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.step_seconds += time.perf_counter() - self._batch_start
        self.steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self._gap_start = time.perf_counter()

    def on_train_end(self, logs=None):
        self._close_gap()
        self.fit_seconds += time.perf_counter() - self._fit_start

    @property
    def seconds_per_step(self):
        return self.step_seconds / max(self.steps, 1)

    def _close_gap(self):
        if self._gap_start is not None:
            self.between_epochs_seconds += time.perf_counter() - self._gap_start
            self._gap_start = None


__all__ = ["FitTimer", "ResumableCache", "cell", "markdown_table"]


def main_job_teacher(run, dataset, purpose):
    """``(folder, data, teacher, cache)`` of a main job: its ``RunFolder``, the seed-0 dataset, its teacher and
    teacher output cache; exits with the command to run when the job has no teacher yet."""
    from tfcompress import datasets
    from tfcompress.models import TeacherOutputCache, load_model
    from tfcompress.pipeline import RunFolder

    folder = RunFolder(run)
    if not os.path.exists(folder.teacher_path):
        raise SystemExit(f"no teacher at {folder.teacher_path}: run `tfcompress run --preset default --out {run}` "
                         f"first ({purpose} distils from the main job's teacher)")
    return folder, datasets.load(dataset, seed=0), load_model(folder.teacher_path), TeacherOutputCache(
        folder.teacher_outputs)


def benchmark_arguments(description, rows, count_flag, count_default):
    """The options the ablation-style benchmarks share: ``--run``, the sample size flag, ``--rows``, ``--out``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--run", default="runs/default", help="the main job whose teacher and cache are used")
    parser.add_argument(count_flag, type=int, default=count_default)
    parser.add_argument("--rows", default=",".join(rows), help="comma-separated rows to run")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    return parser.parse_args()


def train_recipe_row(name, settings, teacher, data, cache, partial, key, stage):
    """A benchmark row's student, distilled by the package's recipe with ``settings`` (or loaded from
    ``partial`` when it was kept for ``key``), and its training record (seconds, seconds per step, epochs)."""
    from tfcompress.models import load_model, save_model
    from tfcompress.pipeline import distill, make_student

    path = partial.path(f"{name}.keras")
    times = partial.load(f"{name}.times.json", key)
    if times is not None and os.path.exists(path):
        return load_model(path), times
    timer = FitTimer()
    started = time.time()
    student, _ = make_student(settings, teacher, data, seed=0, cache=cache)
    result = distill(student, teacher, data, settings, seed=0, cache=cache, verbose=2, callbacks=[timer],
                     stage=f"{stage} {name}")
    record = {"train_seconds": round(time.time() - started, 1), "step_seconds": round(timer.seconds_per_step, 5),
              "epochs": result.summary["epochs_run"]}
    save_model(student, path)
    return student, partial.keep(f"{name}.times.json", key, record)
