"""The one place that resolves TensorFlow and Keras 2 for the whole package.

TF 2.14 ships Keras 2 as ``tf.keras``. From TF 2.16 ``tf.keras`` is Keras 3 unless
``TF_USE_LEGACY_KERAS=1`` is set before TensorFlow is imported, and Keras 2 lives in the
``tf_keras`` package. TF-MOT and TFF need Keras 2, so this module sets the variable first and every
other module takes ``keras`` from here.
"""
import importlib.metadata
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

_TF_MAJOR_MINOR = tuple(int(part) for part in tf.__version__.split(".")[:2])

if _TF_MAJOR_MINOR >= (2, 16):
    import tf_keras as keras  # noqa: E402

    KERAS_DISTRIBUTION = "tf-keras"
else:
    keras = tf.keras
    KERAS_DISTRIBUTION = "keras"

try:
    KERAS_VERSION = importlib.metadata.version(KERAS_DISTRIBUTION)
except importlib.metadata.PackageNotFoundError:
    KERAS_VERSION = getattr(keras, "__version__", "unknown")

if not KERAS_VERSION.startswith("2."):
    raise ImportError(
        f"tfcompress needs Keras 2 but resolved Keras {KERAS_VERSION}; install tf-keras matching "
        f"TensorFlow {tf.__version__} (pip install 'tf-keras=={tf.__version__.rsplit('.', 1)[0]}.*')"
    )


def versions():
    """Versions of the resolved stack, as recorded in metrics.json."""
    from tfcompress import __version__

    return {"tfcompress": __version__, "tensorflow": tf.__version__, "keras": KERAS_VERSION}


__all__ = ["tf", "keras", "versions", "KERAS_VERSION"]
