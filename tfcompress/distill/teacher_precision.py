"""The model that labels the transfer set and computes the teacher's word maps: the trained teacher itself, or a
bfloat16 copy of it where the CPU multiplies bfloat16 in hardware.

The teacher's forward passes over the transfer set (its logits) and over every text with each word left out (the
occlusion half of its endpoint-Shapley maps) are most of a cold run's time on CPU. A copy of the teacher whose
layers compute in bfloat16 (Keras' ``mixed_bfloat16`` policy: float32 weights, bfloat16 matrix products, the
pooling and the logits in float32) runs them about 1.5 times as fast on a CPU with AMX or AVX512-BF16 and gives
the same labels: it is used only where its predicted classes agree with the float teacher's on at least
``MIN_AGREEMENT`` of the validation split, which is measured on every run and reported.
Gradient-based maps (saliency, integrated gradients) and every reported teacher figure use the float teacher.
"""
import numpy as np

from tfcompress.backend import keras, tf

# What ``teacher_inference`` accepts: ``auto`` is bfloat16 for a teacher ``faster_in_bfloat16`` on a CPU that
# multiplies it in hardware (and no GPU), float32 otherwise.
PRECISIONS = ("auto", "float32", "bfloat16")
# The least share of validation texts on which the bfloat16 copy must predict the float teacher's class.
MIN_AGREEMENT = 0.99
# /proc/cpuinfo flags of hardware bfloat16 matrix products.
BFLOAT16_FLAGS = ("amx_bf16", "avx512_bf16")


def native_bfloat16(cpuinfo="/proc/cpuinfo"):
    """Whether this CPU multiplies bfloat16 in hardware (an AMX or AVX512-BF16 flag in ``cpuinfo``)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            flags = {flag for line in file if line.startswith("flags") for flag in line.split(":", 1)[1].split()}
    except OSError:
        return False
    return any(flag in flags for flag in BFLOAT16_FLAGS)


def resolve_precision(precision, teacher=None):
    """``precision`` with ``auto`` resolved for this machine and ``teacher``: bfloat16 for a teacher that is
    ``faster_in_bfloat16`` (MiniLM; not the BiLSTM, whose recurrence gains nothing) on a CPU that multiplies
    bfloat16 in hardware, with no GPU; float32 otherwise.

    Raises:
        ValueError: not one of ``PRECISIONS``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"teacher_inference must be one of {list(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    fast = getattr(teacher, "faster_in_bfloat16", False) and native_bfloat16()
    return "bfloat16" if fast and not tf.config.list_physical_devices("GPU") else "float32"


def bfloat16_copy(model):
    """A copy of ``model`` (its class, config and weights) whose layers compute in bfloat16.

    Example:
        >>> fast = bfloat16_copy(teacher)
        >>> fast.predict_texts(["a gripping, funny film"])
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        copy = type(model).from_config(model.get_config())
    finally:
        keras.mixed_precision.set_global_policy(previous)
    copy.build_for_inputs()
    copy.set_weights(model.get_weights())
    copy.trainable = False
    return copy


def labelling_teacher(teacher, precision, validation_texts, cache):
    """The model whose forward passes label the transfer set and make the occlusion maps, and what was chosen.

    With ``auto``, the bfloat16 copy is used only when its predicted classes agree with the float teacher's on at
    least ``MIN_AGREEMENT`` of ``validation_texts``; otherwise the float teacher labels, and the report says why.
    An explicit ``bfloat16`` is used whatever the agreement (which is still reported).

    Args:
        teacher: the trained float teacher.
        precision: one of ``PRECISIONS`` (the ``teacher_inference`` setting).
        validation_texts: texts on which the two are compared.
        cache: the ``TeacherOutputCache`` (both models' validation logits are kept there).

    Returns:
        ``(model, report)``; ``report`` is the ``teacher_inference`` entry of the distill section of metrics.json:
        ``requested``, ``precision`` (the one used) and, when a copy was measured, ``validation_agreement`` and
        ``max_logit_difference``.
    """
    resolved = resolve_precision(precision, teacher)
    report = {"requested": precision, "precision": resolved}
    if resolved == "float32":
        return teacher, report
    copy = bfloat16_copy(teacher)
    reference, fast = cache.logits(teacher, validation_texts), cache.logits(copy, validation_texts)
    agreement = float(np.mean(reference.argmax(axis=1) == fast.argmax(axis=1))) if len(reference) else 1.0
    report.update(validation_agreement=round(agreement, 4),
                  max_logit_difference=round(float(np.abs(reference - fast).max(initial=0.0)), 4))
    if precision == "auto" and agreement < MIN_AGREEMENT:
        report.update(precision="float32", reason=f"bfloat16 labels agree with float32 on {agreement:.2%} of "
                                                  f"validation, under {MIN_AGREEMENT:.0%}")
        return teacher, report
    return copy, report


__all__ = ["BFLOAT16_FLAGS", "MIN_AGREEMENT", "PRECISIONS", "bfloat16_copy", "labelling_teacher", "native_bfloat16",
           "resolve_precision"]
