"""The one gate to TensorFlow Federated: a clear error on stacks without it."""
import importlib.util

from tfcompress.errors import FULL_STACK_MESSAGE, FullStackRequired  # noqa: F401  (defined TF-free)


def has_tff():
    """True when ``tensorflow_federated`` is importable on this stack."""
    return importlib.util.find_spec("tensorflow_federated") is not None


def require_tff():
    """``tensorflow_federated``, imported after the Keras 2 backend, or ``FullStackRequired``.

    Example:
        >>> tff = require_tff()
    """
    if not has_tff():
        raise FullStackRequired()
    from tfcompress.backend import tf  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TFF imports TF)
    import tensorflow_federated as tff

    return tff
