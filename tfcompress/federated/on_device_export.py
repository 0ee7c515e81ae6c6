"""Converting an ``OnDeviceTrainer`` to a training-capable ``.tflite`` with builtin ops only."""
import os
import tempfile
import warnings

from tfcompress.backend import tf
from tfcompress.tflite import op_names, uses_builtin_ops_only
from tfcompress.atomic import write_bytes_atomic
from tfcompress.federated.on_device import OnDeviceTrainer

SIGNATURES = ("infer", "train", "save", "restore")
PRIOR_SIGNATURE = "adapt_prior"


def convert_on_device_training(trainer):
    """Bytes of a ``.tflite`` with the trainer's four signatures and resource variables, builtins only.

    Args:
        trainer: an ``OnDeviceTrainer``.

    Raises:
        RuntimeError: the converted model needs ops outside ``TFLITE_BUILTINS``.

    Example:
        >>> model_bytes = convert_on_device_training(OnDeviceTrainer(student))
    """
    with tempfile.TemporaryDirectory() as folder:
        signatures = trainer.signatures()
        tf.saved_model.save(trainer, folder, signatures=signatures)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=list(signatures))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        converter.experimental_enable_resource_variables = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model_bytes = converter.convert()
    if not uses_builtin_ops_only(model_bytes):
        raise RuntimeError(f"on-device training model needs non-builtin ops: {op_names(model_bytes)}")
    return model_bytes


def export_on_device_training(model, path, learning_rate=0.1, global_prior=None, config=None):
    """Write a ``.tflite`` that runs ``infer`` and trains its head on the phone (``train``/``save``/``restore``),
    and with ``global_prior`` adapts its bias by the personal prior (``adapt_prior``, the default method).

    The body (embedding, convolutions...) is frozen float; the head (last Dense layer) is a pair of
    resource variables updated by ``train`` with one plain-SGD step per call. Only
    ``TFLITE_BUILTINS`` ops are used, so any TFLite runtime with resource-variable support runs it
    (TF Lite >= 2.7 interpreter / ``ai-edge-litert``; signature runners); no Flex delegate.

    Args:
        model: a ``TextClassifier`` (trained) or a functional Keras model with a Dense last layer.
        path: where to write the ``.tflite``.
        learning_rate: SGD step size baked into ``train``.
        global_prior: the global training prior (``label_prior``); adds ``adapt_prior``.
        config: the ``PersonalizationConfig`` whose prior settings ``adapt_prior`` uses.

    Returns:
        A JSON-ready dict: ``path``, ``bytes``, ``signatures`` and their inputs/outputs, ``ops``,
        ``builtin_ops_only``, ``learning_rate``, ``runtime``.

    Example:
        >>> export_on_device_training(student, "runs/default/student_trainable.tflite")
    """
    trainer = OnDeviceTrainer(model, learning_rate, global_prior, config)
    model_bytes = convert_on_device_training(trainer)
    write_bytes_atomic(model_bytes, path)
    interpreter = tf.lite.Interpreter(model_content=model_bytes)
    prior = None if global_prior is None else {
        "global_prior": [round(float(p), 6) for p in trainer.global_prior],
        **{key: list(value) if isinstance(value, tuple) else value
           for key, value in trainer.config.prior_options().items()}}
    return {"path": os.fspath(path), "bytes": len(model_bytes), "learning_rate": learning_rate, "prior": prior,
            "signatures": interpreter.get_signature_list(), "ops": op_names(model_bytes),
            "builtin_ops_only": uses_builtin_ops_only(model_bytes),
            "runtime": "TFLITE_BUILTINS with resource variables (no Flex / select TF ops)"}
