"""Atomic save and load of tfcompress models (Keras v3 ``.keras`` archives)."""
import os
import zipfile

from tfcompress.atomic import atomic_path
from tfcompress.backend import keras
from tfcompress.errors import ModelFileError


def save_model(model, path):
    """Save ``model`` to ``path`` (a ``.keras`` file) atomically: a crash leaves the old file intact."""
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"model path must end in .keras, got {path!r}")
    with atomic_path(path) as tmp:
        model.save(tmp, overwrite=True)


def load_model(path):
    """Load a model saved by ``save_model`` (the tfcompress classes are registered on import)."""
    import tfcompress.models  # noqa: F401  (registers the classes)

    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(path, "not a .keras model (a .keras file is a zip archive; this one is truncated or "
                                   "another kind of file)")
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as error:
        raise ModelFileError(path, f"Keras cannot load it as a tfcompress model ({type(error).__name__}: "
                                   f"{str(error).splitlines()[0][:300]})") from None
