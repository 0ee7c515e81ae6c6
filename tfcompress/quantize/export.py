"""Full-int8 TFLite export of a QAT student."""
from tfcompress.tflite import convert_to_int8, op_names, uses_builtin_ops_only


def export_qat_int8(qat_student, representative_ids, num_calibration=200, with_contributions=None):
    """Convert a QAT student to a full-int8 ``.tflite`` (int32 ids in, float32 logits out), builtin ops only.

    The fake-quant ranges learnt in training fix the int8 scales of the head's Dense/Conv1D
    outputs and of the embedded input; ``representative_ids`` calibrate what QAT leaves float (the
    embedding table, concat/softmax/pooling outputs): without them the converter keeps the table float.

    Args:
        qat_student: a ``QATStudent``.
        representative_ids: encoded inputs of real texts (``qat_student.encoder.encode(texts)``).
        num_calibration: how many of them calibrate the converter.
        with_contributions: also output the per-position contributions (``None``: when the student
            ``explains_itself``).

    Returns:
        The ``.tflite`` flatbuffer as bytes.

    Raises:
        ValueError: when the converted model uses a custom or Flex op.

    Example:
        >>> model_bytes = export_qat_int8(qat, qat.encoder.encode(data.train.texts[:200]))
        >>> TFLiteClassifier(model_bytes).predict(qat.encoder.encode(["a fine film"]))
    """
    model_bytes = convert_to_int8(qat_student, representative_ids, num_calibration=num_calibration,
                                  with_contributions=with_contributions)
    if not uses_builtin_ops_only(model_bytes):
        raise ValueError(f"the converted QAT student uses non-builtin ops: {op_names(model_bytes)}")
    return model_bytes
