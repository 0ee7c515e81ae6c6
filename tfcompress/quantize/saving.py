"""Saving and loading QAT students: config and every weight (quantization ranges included)."""
import io
import json
import os
import zipfile

import numpy as np

from tfcompress.atomic import write_bytes_atomic
from tfcompress.errors import ModelFileError
from tfcompress.quantize.qat_student import QATStudent

FORMAT = "tfcompress-qat-1"


def save_qat(qat_student, path):
    """Write ``qat_student`` to ``path`` (a ``.npz`` file) atomically: a crash leaves the old file intact.

    The file holds the float student's Keras config and every variable of the QAT student in
    ``weights`` order (the embedding, the head's kernels and biases, and the quantization ranges),
    with their names. Keras' own ``.keras`` format cannot round-trip TF-MOT wrappers (see the stack
    notes), and a plain ``.npz`` loads with ``allow_pickle=False``.

    Args:
        qat_student: a ``QATStudent``.
        path: destination ending in ``.npz``.

    Example:
        >>> save_qat(qat, "checkpoints/student_qat.npz")
        >>> qat = load_qat("checkpoints/student_qat.npz")
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"QAT student path must end in .npz, got {path!r}")
    header = {"format": FORMAT, "config": qat_student.get_config(),
              "names": [weight.name for weight in qat_student.weights]}
    arrays = {f"w{index:04d}": value for index, value in enumerate(qat_student.get_weights())}
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(json.dumps(header).encode(), np.uint8), **arrays)
    write_bytes_atomic(buffer.getvalue(), path)


def load_qat(path):
    """Load a QAT student written by ``save_qat``.

    Args:
        path: the ``.npz`` file.

    Returns:
        A ``QATStudent`` with the saved weights and quantization ranges.
    """

    if not os.path.exists(path):
        raise FileNotFoundError(f"no QAT student at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(archive["header"].tobytes().decode())
            weights = [archive[f"w{index:04d}"] for index in range(len(header.get("names", ())))]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(path, f"not a readable tfcompress QAT student ({type(error).__name__}: "
                                   f"{str(error).splitlines()[0][:200]})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(path, f"not a tfcompress QAT student (format {header.get('format')!r})")
    qat = QATStudent.from_config(header["config"])
    if len(qat.weights) != len(weights):
        raise ValueError(f"{path} holds {len(weights)} weights, the rebuilt model has {len(qat.weights)}")
    qat.set_weights(weights)
    return qat
