"""Re-estimating the quantization ranges of a QAT student from data."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.quantize.quantizers import calibration, next_calibration_batch, range_variables


def recalibrate(qat_student, sample_inputs, batch_size=256):
    """Re-estimate every quantization range of ``qat_student`` on ``sample_inputs``; weights stay frozen.

    Use it after training that did not update the ranges, e.g. TensorFlow Federated averaging only the
    trainable weights of QAT clients, or after loading new weights. Forward passes run eagerly in
    inference mode (no dropout, no weight updates) in calibration mode (``quantizers.calibration``):

    - each weight range becomes the current min/max of its kernel (symmetric), as in training;
    - each activation range (the embedded input, every Dense/Conv1D output) becomes the mean over
      batches of the per-batch [min, max] (0 always included), the value the training-time moving
      average (decay 0.999) settles at, here reached in one pass instead of thousands of steps.

    Args:
        qat_student: a ``QATStudent``.
        sample_inputs: encoded inputs of real texts (``qat_student.encoder.encode(texts)``); a few
            hundred suffice.
        batch_size: examples per calibration batch (per-batch extremes grow with the batch size).

    Returns:
        ``{range name: (min, max)}`` after recalibration.

    Example:
        >>> ranges = recalibrate(qat, qat.encoder.encode(data.train.texts[:512]))
        >>> low, high = ranges["embedded_quant/input"]
    """
    sample_inputs = np.asarray(sample_inputs)
    if not len(sample_inputs):
        raise ValueError("recalibrate needs at least one sample input")
    with calibration():
        for start in range(0, len(sample_inputs), batch_size):
            next_calibration_batch()
            batch = tf.constant(sample_inputs[start:start + batch_size])
            qat_student.logits_from_embeddings(qat_student.embed(batch, training=False), batch, training=False)
            # The features (and attention) heads share these layers; running them adds no new range.
    return quantization_ranges(qat_student)


def quantization_ranges(qat_student):
    """``{range name: (min, max)}`` of every quantization range in ``qat_student``'s head."""
    return {name: (float(low.numpy()), float(high.numpy()))
            for name, (low, high) in sorted(range_variables(qat_student.head).items())}
