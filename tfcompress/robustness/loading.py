"""Open a MODEL path, a saved Keras model or a ``.tflite``, as a raw-text classifier."""
import os

from tfcompress.robustness.tflite_text_classifier import TFLiteTextClassifier


def load_text_model(path, keras_model=None, check=True):
    """Load ``path`` (``.keras`` or ``.tflite``) as a model that takes raw texts.

    A ``.tflite`` takes token ids, so it is paired with the Keras model it was converted from (its
    encoder makes the ids): ``keras_model`` (a path or a loaded model), or, when not given, the
    file the pipeline keeps beside it (``<dir>/checkpoints/<stem>.keras``, as ``tfcompress run``
    writes ``student.tflite`` and ``checkpoints/student.keras``) or ``<dir>/<stem>.keras``. Without
    either, a file written by ``export_android`` runs from the text spec it carries.

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

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if path.endswith(".keras"):
        return load_model(path)
    if not path.endswith(".tflite"):
        raise ValueError(f"MODEL must be a .keras or .tflite file, got {path!r}")
    source = keras_model if keras_model is not None else paired_keras_path(path)
    if source is None and carries_text_spec(path):
        from tfcompress.export import load_android_model

        return load_android_model(path)
    if source is None:
        raise ValueError(
            f"{path} takes token ids, not text, and carries no text spec: give the .keras model it was converted "
            f"from (keras_model=..., or --keras-model on the command line) so its text encoder can be used, or "
            f"re-export it with `tfcompress export`")
    reference = load_model(os.fspath(source)) if isinstance(source, (str, os.PathLike)) else source
    return TFLiteTextClassifier(path, reference.encoder, reference=reference if check else None)


def paired_keras_path(tflite_path):
    """The ``.keras`` file the pipeline keeps for a ``.tflite``, or ``None``."""
    folder, name = os.path.split(os.path.abspath(tflite_path))
    stem = os.path.splitext(name)[0]
    for candidate in (os.path.join(folder, "checkpoints", stem + ".keras"), os.path.join(folder, stem + ".keras")):
        if os.path.exists(candidate):
            return candidate
    return None


def carries_text_spec(tflite_path):
    """True when ``tflite_path`` was written by ``export_android`` (embedded metadata or sidecar JSON)."""
    from tfcompress.export import read_android_metadata

    try:
        read_android_metadata(tflite_path)
    except ValueError:
        return False
    return True
