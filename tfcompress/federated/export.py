"""Exporting one client's personalized model as a full-int8 ``.tflite``."""
import numpy as np

from tfcompress.tflite import convert_to_int8, measure_tflite
from tfcompress.atomic import write_bytes_atomic
from tfcompress.federated.finetune import personalize_keras


def export_personalized_client(model, client, path, config, global_prior=None, encode=None, representative_ids=None):
    """Personalize ``model`` for ``client`` (Keras, same policy as TFF) and write it as int8 ``.tflite``.

    Args:
        model: the global ``TextClassifier`` (or functional model); not modified.
        client: the ``Client`` to personalize for.
        path: where to write the ``.tflite``.
        config: a ``PersonalizationConfig``.
        global_prior: the global training prior (``label_prior``), for the ``prior`` method.
        encode: texts -> model input (defaults to ``model.encoder.encode``).
        representative_ids: calibration inputs (default: the client's own training texts, on the
            device; pass global data for a better-calibrated model).

    Returns:
        A JSON-ready dict: ``client``, ``path``, the policy numbers (``personalization``) and the
        int8 model's ``tflite`` measures on the client's local test data (size, ops, accuracy,
        parity with the personalized Keras model).

    Example:
        >>> export_personalized_client(student, clients[0], "client_000.tflite", PersonalizationConfig())
    """
    encode = encode or model.encoder.encode
    personal, result = personalize_keras(model, client, config, global_prior, encode)
    calibration = representative_ids if representative_ids is not None else client.encoded(encode, "train")[0]
    if calibration is None:
        raise ValueError(f"client {client.client_id} has no training data to calibrate on; pass representative_ids")
    model_bytes = convert_to_int8(personal, calibration)
    write_bytes_atomic(model_bytes, path)
    report = {"client": client.client_id, "path": str(path), "personalization": result}
    test_ids, test_labels = client.encoded(encode, "test")
    if test_ids is not None:
        keras_logits = np.asarray(personal(test_ids, training=False))
        report["tflite"] = measure_tflite(model_bytes, test_ids, keras_logits, test_labels)
    else:
        report["tflite"] = {"bytes": len(model_bytes)}
    return report
