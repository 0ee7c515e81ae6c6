"""The errors a user can act on, each with one clear message (the CLI prints it and exits with 2).

Nothing here imports TensorFlow, so the command line can catch them without loading it.
"""


class DataError(ValueError):
    """Bad input data. The message names the file and, where known, the column and row.

    Args:
        message: what is wrong, in words a user can act on.
        path: the file at fault.
        column: the column at fault.
        row: the 1-based data row (the header is not counted) or JSONL line at fault.
    """

    def __init__(self, message, path=None, column=None, row=None):
        self.path, self.column, self.row = path, column, row
        where = []
        if path is not None:
            where.append(f"file {path}")
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ModelFileError(ValueError):
    """A model or spec file that cannot be read: corrupt, truncated, or not what its name says.

    Args:
        path: the file.
        problem: what is wrong with it, in words a user can act on.
    """

    def __init__(self, path, problem):
        self.path = path
        super().__init__(f"file {path}: {problem}")


class RunFolderBusy(RuntimeError):
    """Another run is writing into the output folder (its lock file names the process)."""


class OfflineResourceError(RuntimeError):
    """A resource a stage needs is not on this machine (nothing is downloaded)."""


class ConfigError(ValueError):
    """A run configuration that is not allowed: an unknown key (with the nearest known one), a value of the wrong
    type or out of range. The message names the dotted key (``explanation.weight``) and what is allowed."""


class TeacherError(ValueError):
    """A teacher you bring that distillation cannot use: it fails on a batch of strings, returns the wrong shape,
    NaN or infinite values, probabilities that are not probabilities, or another number of classes than the data.

    Args:
        teacher: what names the teacher (its path, ``module:attribute`` or name).
        problem: what is wrong, in words a user can act on.
    """

    def __init__(self, teacher, problem):
        self.teacher = teacher
        super().__init__(f"teacher {teacher}: {problem}")


class TrainingDiverged(RuntimeError):
    """A fit whose loss became NaN or infinite: the weights are broken, so the run stops instead of going on.

    Args:
        fit: the fit's name (``"teacher"``, ``"distill (objectives)"``).
        epoch, batch: where it happened, counted from 1.
        losses: the logged losses that are not finite.
    """

    def __init__(self, fit, epoch, batch, losses):
        self.fit, self.epoch, self.batch, self.losses = fit, epoch, batch, list(losses)
        super().__init__(f"{fit}: training diverged at epoch {epoch}, batch {batch} ({', '.join(self.losses)} "
                         "not finite); lower the learning rate of this fit, or the weight of the term that diverged, "
                         "and run again")


class ClusterConfigError(ValueError):
    """A multi-worker run that cannot start: ``TF_CONFIG`` missing or wrong, or too little data to share out."""


FULL_STACK_MESSAGE = (
    "federated personalization needs TensorFlow Federated, which only the full stack has: the .venv "
    "environment (Python 3.11, TensorFlow 2.14 + TensorFlow Federated 0.87; `make setup`). This "
    "stack has no tensorflow_federated (TFF 0.87 is the last release and cannot install on Python 3.12 "
    "or TensorFlow >= 2.15). The on-device training .tflite (export_on_device_training) works here.")


class FullStackRequired(ImportError):
    """Raised by every TFF-backed function on a stack without TensorFlow Federated.

    Args:
        message: the explanation (defaults to one naming the full stack).

    Example:
        >>> try:
        ...     require_tff()
        ... except FullStackRequired as error:
        ...     print(error)
    """

    def __init__(self, message=FULL_STACK_MESSAGE):
        super().__init__(message)


# What the command line reports as one message and exit code 2.
USER_ERRORS = (ConfigError, DataError, ModelFileError, TeacherError, RunFolderBusy, OfflineResourceError,
               FullStackRequired, ClusterConfigError, TrainingDiverged, FileExistsError, FileNotFoundError, ValueError)
