"""The one gate to TensorFlow Federated: a clear error on stacks without it."""
import importlib.util

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
