"""The one place that knows the layout of a ``tfcompress run`` output folder.

    OUT/metrics.json                  the run's results (schema: docs/metrics.md), written atomically
    OUT/report.md, OUT/report.html    the run report
    OUT/student.tflite (+ .json, .labels.txt)   the shipped int8 model and its sidecars
    OUT/student_trainable.tflite      the on-device-training model (personalization)
    OUT/attacks/, OUT/explanations/   the robustness and explanation stages' files
    OUT/checkpoints/fingerprint.txt   hash of the training settings the checkpoints belong to
    OUT/checkpoints/teacher.keras, student.keras, student_qat.npz   trained models
    OUT/checkpoints/<stage>_history.json, backup_<stage>/, teacher_outputs/
    OUT/.lock                         the process id of the run writing here (while it runs)

Example:
    >>> folder = RunFolder("runs/quick")
    >>> model, metrics = load_exportable("runs/quick")
"""
import atexit
import hashlib
import json
import os
import shutil
import time

from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.errors import RunFolderBusy
from tfcompress.config import Settings


# Settings that do not change a trained model: evaluation sizes, which stages are switched off, and the engine
# (one process or several workers: the same training within numerical tolerance).
UNTRAINED_SETTINGS = (*Settings().evaluation.to_flat(), "skip", "strategy")


# What the teacher is trained from besides its own section: a run whose other settings change (another student,
# other loss weights) keeps the teacher and its cached outputs.
TEACHER_RUN_OPTIONS = ("dataset", "data", "test_data", "text_column", "label_column", "user_column",
                       "max_train_examples", "max_length", "seed")
TEACHER_MARKER = "teacher_fingerprint.txt"
ATTEMPT_SUFFIX = "_attempt.json"  # checkpoints/<stage>_attempt.json: the time of an unfinished stage
# The checkpoints a teacher with the same settings reuses (with the fingerprint they were trained for).
TEACHER_CHECKPOINTS = ("teacher.keras", "teacher_outputs", "backup_teacher", "teacher_attempt.json", "max_length.json",
                       TEACHER_MARKER)


def teacher_fingerprint(settings, options, data_files=()):
    """Hash of what the teacher is trained from: ``settings.teacher``, the held-out users, the run ``options`` that
    choose its data (``TEACHER_RUN_OPTIONS``) and the user's data files."""
    trained = {key: value for key, value in settings.teacher.to_flat().items()
               if key != "teacher_inference"}  # the precision of its later passes does not change its training
    teacher = {**trained, **settings.data.to_flat(), **{key: options.get(key) for key in TEACHER_RUN_OPTIONS}}
    return _digest(teacher, data_files)


def fingerprint(settings, options, data_files=()):
    """Hash of the training settings (a ``Settings``, in its flat form), the run ``options`` (``RunConfig.options``)
    and the contents of the user's data files."""
    return _digest({**settings.to_flat(), **options}, data_files)


def _digest(inputs, data_files):
    trained = {key: value for key, value in inputs.items() if key not in UNTRAINED_SETTINGS}
    digest = hashlib.sha256(json.dumps(trained, sort_keys=True).encode())
    for path in data_files:
        if path:
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()[:16]


class RunFolder:
    """Paths of one run's output folder, its checkpoint fingerprint and its ``metrics.json``.

    Args:
        out: the output folder (created when ``prepare`` is called).
    """

    def __init__(self, out):
        self.out = os.path.abspath(os.fspath(out))
        self.checkpoints = os.path.join(self.out, "checkpoints")

    def path(self, name):
        return os.path.join(self.out, name)

    def checkpoint(self, name):
        return os.path.join(self.checkpoints, name)

    @property
    def metrics_path(self):
        return self.path("metrics.json")

    @property
    def teacher_path(self):
        return self.checkpoint("teacher.keras")

    @property
    def student_path(self):
        return self.checkpoint("student.keras")

    @property
    def qat_path(self):
        return self.checkpoint("student_qat.npz")

    @property
    def tflite_path(self):
        return self.path("student.tflite")

    @property
    def trainable_tflite_path(self):
        return self.path("student_trainable.tflite")

    @property
    def teacher_outputs(self):
        return self.checkpoint("teacher_outputs")

    @property
    def attacks(self):
        return self.path("attacks")

    @property
    def explanations(self):
        return self.path("explanations")

    def backup(self, stage):
        """Where an interrupted fit of ``stage`` keeps the state it resumes from."""
        return self.checkpoint(f"backup_{stage}")

    def settle_interrupted_attempts(self):
        """At the start of a run, before it writes anything: the attempt at a stage that a killed run left behind
        contributed the seconds from its start to its last write in ``checkpoints/`` (the state this run resumes
        from; work after it is done again and counted then). ``start_attempt`` adds them to the stage's time."""
        if not os.path.isdir(self.checkpoints):
            return
        last_write = self._last_write()
        for name in os.listdir(self.checkpoints):
            if name.endswith(ATTEMPT_SUFFIX):
                previous = self._read_attempt(self.checkpoint(name))
                if previous["started"] is not None:
                    earlier = previous["earlier_seconds"] + max(0.0, last_write - previous["started"])
                    write_json_atomic({"started": None, "earlier_seconds": earlier}, self.checkpoint(name))

    def start_attempt(self, stage):
        """Start timing an attempt at ``stage``; returns the seconds earlier, interrupted attempts contributed. Before
        the folder has checkpoints (a new run's data stage) there is nothing to resume, and nothing is written."""
        if not os.path.isdir(self.checkpoints):
            return 0.0
        path = self._attempt_path(stage)
        earlier = self._read_attempt(path)["earlier_seconds"] if os.path.exists(path) else 0.0
        write_json_atomic({"started": time.time(), "earlier_seconds": earlier}, path)
        return earlier

    @staticmethod
    def _read_attempt(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def end_attempt(self, stage):
        if os.path.exists(self._attempt_path(stage)):
            os.remove(self._attempt_path(stage))

    def _attempt_path(self, stage):
        return self.checkpoint(stage + ATTEMPT_SUFFIX)

    def _last_write(self):
        return max((os.path.getmtime(os.path.join(folder, name)) for folder, _, names in os.walk(self.checkpoints)
                    for name in names if not name.endswith(ATTEMPT_SUFFIX)), default=0.0)

    def history_path(self, stage):
        return self.checkpoint(f"{stage}_history.json")

    @property
    def lock_path(self):
        return self.path(".lock")

    def lock(self):
        """Claim the folder for this process (``OUT/.lock`` holds its id), released by ``unlock`` or at exit.

        Raises:
            RunFolderBusy: another live process holds it; nothing is written. A lock left by a process that no
                longer runs is taken over.
        """
        holder = self._lock_holder()
        if holder is not None and holder != os.getpid() and _alive(holder):
            raise RunFolderBusy(f"output folder {self.out} is in use by another run (process {holder}): wait for it "
                                f"to finish or choose another --out (remove {self.lock_path} if that process is gone)")
        self._created = not os.path.exists(self.out)
        os.makedirs(self.out, exist_ok=True)
        write_text_atomic(str(os.getpid()), self.lock_path)
        atexit.register(self.unlock)

    def unlock(self):
        """Release the folder if this process holds it (a folder the lock created and nothing filled goes too)."""
        if self._lock_holder() == os.getpid():
            os.remove(self.lock_path)
            if getattr(self, "_created", False) and not os.listdir(self.out):
                os.rmdir(self.out)
        atexit.unregister(self.unlock)

    def _lock_holder(self):
        try:
            with open(self.lock_path, encoding="utf-8") as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    def prepare(self, fingerprint_, teacher_fingerprint_=None):
        """Create the folder; drop checkpoints that belong to other training settings, except the teacher's
        (``TEACHER_CHECKPOINTS``) when ``teacher_fingerprint_`` matches the one they were trained with.

        Returns:
            which checkpoints were kept: ``"all"``, ``"teacher"`` or ``"none"``.
        """
        marker, teacher_marker = self.checkpoint("fingerprint.txt"), self.checkpoint(TEACHER_MARKER)
        kept = "all"
        if _read_marker(marker) != fingerprint_:
            same_teacher = teacher_fingerprint_ is not None and _read_marker(teacher_marker) == teacher_fingerprint_
            self._clear_checkpoints(keep=TEACHER_CHECKPOINTS if same_teacher else ())
            write_text_atomic(fingerprint_, marker)
            kept = "teacher" if same_teacher and os.path.exists(self.teacher_path) else "none"
        if teacher_fingerprint_ is not None:
            write_text_atomic(teacher_fingerprint_, teacher_marker)
        return kept

    def _clear_checkpoints(self, keep=()):
        os.makedirs(self.checkpoints, exist_ok=True)
        for name in os.listdir(self.checkpoints):
            if name in keep:
                continue
            path = os.path.join(self.checkpoints, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)

    def take_teacher_from(self, other):
        """Copy the teacher checkpoints (``TEACHER_CHECKPOINTS``, their fingerprint among them) of the run folder
        ``other`` into this one, which then trains everything else: how a run starts warm from another's teacher."""
        source = RunFolder(other)
        if not os.path.exists(source.teacher_path):
            raise FileNotFoundError(f"{source.out} has no trained teacher ({source.teacher_path})")
        os.makedirs(self.checkpoints, exist_ok=True)
        for name in TEACHER_CHECKPOINTS:
            path = source.checkpoint(name)
            if os.path.isdir(path):
                shutil.copytree(path, self.checkpoint(name), dirs_exist_ok=True)
            elif os.path.exists(path):
                shutil.copy2(path, self.checkpoint(name))

    def save_metrics(self, metrics):
        write_json_atomic(metrics, self.metrics_path)

    def load_metrics(self):
        if not os.path.exists(self.metrics_path):
            raise FileNotFoundError(f"{self.out} is a folder without metrics.json: not a `tfcompress run` output folder")
        with open(self.metrics_path, encoding="utf-8") as handle:
            return json.load(handle)

    def load_data(self):
        """``(data, held_out)``: the finished run's dataset split with its seed and its held-out users (``None``
        when it held none out), rebuilt from metrics.json, e.g. to measure its student on the same clients.

        Example:
            >>> data, held_out = RunFolder("runs/default").load_data()
        """
        from tfcompress import datasets
        from tfcompress.datasets.held_out_users import hold_out_users

        metrics = self.load_metrics()
        run = metrics["run"]
        if run.get("data"):
            data = datasets.load_file(run["data"], run.get("text_column", "text"), run.get("label_column", "label"),
                                      run.get("user_column"), test_path=run.get("test_data"), seed=run["seed"])
        else:
            data = datasets.load(run.get("dataset", "rotten_tomatoes"), seed=run["seed"])
        section = metrics["dataset"]["held_out_users"]
        if not isinstance(section, dict):
            return data, None
        return hold_out_users(data, section["users"], section["min_texts"], seed=run["seed"])

    def save_history(self, stage, history):
        write_json_atomic(history, self.history_path(stage))

    def load_history(self, stage, missing=None):
        path = self.history_path(stage)
        if not os.path.exists(path):
            return missing
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def exported_student(self):
        """The checkpoint the shipped ``.tflite`` comes from: the QAT student when there is one."""
        for path in (self.qat_path, self.student_path):
            if os.path.exists(path):
                return path
        raise FileNotFoundError(f"{self.out} has no trained student yet (no {self.qat_path} or {self.student_path}): "
                                "run it to the end")

    def paired_keras_path(self, stem):
        """The ``.keras`` model this folder keeps for ``<stem>.tflite``, or ``None``."""
        for candidate in (self.checkpoint(stem + ".keras"), self.path(stem + ".keras")):
            if os.path.exists(candidate):
                return candidate
        return None


def _read_marker(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load_checkpoint(path):
    """A saved student or teacher: a QAT ``.npz`` or a ``.keras`` model."""
    from tfcompress.models import load_model

    path = os.fspath(path)
    if path.endswith(".npz"):
        from tfcompress.quantize import load_qat

        return load_qat(path)
    return load_model(path)


def load_exportable(path):
    """The model to export from ``path``: a ``tfcompress run`` folder (its QAT student when it has one,
    else its student), a QAT ``.npz`` or a ``.keras`` student.

    Returns:
        (model, run_metrics): ``run_metrics`` is the run's metrics.json for a run folder, else ``None``.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        folder = RunFolder(path)
        metrics = folder.load_metrics()
        return load_checkpoint(folder.exported_student()), metrics
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model at {path}")
    if path.endswith((".npz", ".keras")):
        return load_checkpoint(path), None
    raise ValueError(f"MODEL must be a `tfcompress run` folder, a QAT .npz or a .keras student, got {path!r}")


def load_text_model(path, keras_model=None, check=True):
    """Load ``path`` (``.keras`` or ``.tflite``) as a model that takes raw texts.

    A ``.tflite`` takes token ids, so it is paired with the Keras model it was converted from (its
    encoder makes the ids): ``keras_model`` (a path or a loaded model), or, when not given, the model a
    run folder keeps for it (``checkpoints/<stem>.keras``, as ``tfcompress run`` keeps
    ``checkpoints/student.keras`` for ``student.tflite``) or ``<dir>/<stem>.keras``. Without either, a
    file written by ``export_android`` runs from the text spec it carries.

    Args:
        path: a ``.keras`` or ``.tflite`` file.
        keras_model: for a ``.tflite``: its source Keras model (path or object).
        check: for a ``.tflite``: check on probe sentences that it reproduces ``keras_model``.

    Returns:
        A ``TextClassifier`` (Keras) or a ``TFLiteTextClassifier``.

    Raises:
        FileNotFoundError: ``path`` (or the paired model) does not exist.
        ValueError: an unknown file type, no Keras model to pair a ``.tflite`` with, or a mismatch.

    Example:
        >>> tflite = load_text_model("runs/quick/student.tflite")  # pairs with checkpoints/student.keras
    """
    from tfcompress.models import load_model
    from tfcompress.tflite import TFLiteTextClassifier, carries_text_spec, check_tflite_file, load_android_model

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if path.endswith(".keras"):
        return load_model(path)
    if not path.endswith(".tflite"):
        raise ValueError(f"MODEL must be a .keras or .tflite file, got {path!r}")
    check_tflite_file(path)
    source = keras_model if keras_model is not None else paired_keras_path(path)
    if source is None and carries_text_spec(path):
        return load_android_model(path)
    if source is None:
        raise ValueError(
            f"{path} takes token ids, not text, and carries no text spec: give the .keras model it was converted "
            f"from (keras_model=..., or --keras-model on the command line) so its text encoder can be used, or "
            f"re-export it with `tfcompress export`")
    reference = load_model(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else source
    return TFLiteTextClassifier(path, reference.encoder, reference=reference if check else None)


def paired_keras_path(tflite_path):
    """The ``.keras`` file a run folder keeps for a ``.tflite``, or ``None``."""
    folder, name = os.path.split(os.path.abspath(tflite_path))
    return RunFolder(folder).paired_keras_path(os.path.splitext(name)[0])


__all__ = ["RunFolder", "fingerprint", "load_checkpoint", "load_exportable", "load_text_model", "paired_keras_path"]
