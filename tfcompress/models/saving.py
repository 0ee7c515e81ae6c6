"""Atomic save and load of tfcompress models (Keras v3 ``.keras`` archives)."""
import os

from tfcompress.atomic import atomic_path
from tfcompress.backend import keras


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
    return keras.models.load_model(path, compile=False)
