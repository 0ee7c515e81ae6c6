"""Learning-rate schedules and the optimizer every fit of the recipe uses.

``WarmupDecay`` rises linearly from 0 to the peak rate over the warm-up steps, then falls to
``floor`` x peak by the last step, linearly or along a half cosine. ``build_optimizer`` turns a
recipe's optimizer options into a Keras optimizer with that schedule: the usual BERT fine-tuning
recipe (AdamW with weight decay, 10% warm-up, linear decay to 0, gradient clipping) for the teacher,
Adam with a cosine decay for the students.

Example:
    >>> optimizer = build_optimizer(5e-5, total_steps=960, options={
    ...     "name": "adamw", "weight_decay": 0.01, "warmup": 0.1, "decay": "linear", "clipnorm": 1.0})
"""
import math

from tfcompress.backend import keras, tf

DECAYS = ("constant", "linear", "cosine")
OPTIMIZERS = ("adam", "adamw")
# BERT's recipe leaves biases and normalization parameters out of the weight decay.
NO_WEIGHT_DECAY = ["bias", "gamma", "beta", "norm"]


@keras.utils.register_keras_serializable(package="tfcompress")
class WarmupDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up to ``peak`` over ``warmup_steps``, then ``decay`` to ``floor * peak`` at ``total_steps``.

    Args:
        peak: the highest learning rate, reached at the end of the warm-up.
        total_steps: the step at which the decay ends (later steps keep the final rate).
        warmup_steps: steps of the linear warm-up from 0 (0: start at ``peak``).
        decay: ``constant`` (stay at ``peak``), ``linear`` or ``cosine``.
        floor: the final rate as a share of ``peak``.

    Example:
        >>> schedule = WarmupDecay(2e-3, total_steps=1000, warmup_steps=0, decay="cosine", floor=0.05)
        >>> float(schedule(1000))
        0.0001
    """

    def __init__(self, peak, total_steps, warmup_steps=0, decay="linear", floor=0.0):
        if decay not in DECAYS:
            raise ValueError(f"decay must be one of {DECAYS}, got {decay!r}")
        if total_steps < 1 or not 0 <= warmup_steps <= total_steps or not 0.0 <= floor <= 1.0 or peak <= 0:
            raise ValueError(f"WarmupDecay needs peak > 0, total_steps >= 1, 0 <= warmup_steps <= total_steps and "
                             f"0 <= floor <= 1; got {peak}, {total_steps}, {warmup_steps}, {floor}")
        self.peak, self.total_steps, self.warmup_steps = float(peak), int(total_steps), int(warmup_steps)
        self.decay, self.floor = decay, float(floor)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        warmup = tf.cast(self.warmup_steps, tf.float32)
        rising = self.peak * (step + 1.0) / tf.maximum(warmup, 1.0)
        span = tf.cast(max(self.total_steps - self.warmup_steps, 1), tf.float32)
        progress = tf.clip_by_value((step - warmup) / span, 0.0, 1.0)
        if self.decay == "constant":
            share = tf.ones_like(progress)
        elif self.decay == "linear":
            share = 1.0 - progress
        else:
            share = 0.5 * (1.0 + tf.cos(math.pi * progress))
        falling = self.peak * (self.floor + (1.0 - self.floor) * share)
        return tf.where(step < warmup, rising, falling)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps,
                "decay": self.decay, "floor": self.floor}


def build_optimizer(learning_rate, total_steps, options=None):
    """The Keras optimizer of a recipe's ``options`` (``None``: Adam at a constant ``learning_rate``).

    Args:
        learning_rate: the peak rate.
        total_steps: optimizer steps of the whole fit (the schedule's length).
        options: ``{"name": "adam" | "adamw", "weight_decay": float (adamw), "warmup": share of the steps,
            "decay": "constant" | "linear" | "cosine", "floor": final share of the peak, "clipnorm": float}``;
            missing keys take Adam's defaults (no warm-up, constant rate, no clipping).

    Raises:
        ValueError: an unknown optimizer name or option.
    """
    options = dict(options or {})
    unknown = sorted(set(options) - {"name", "weight_decay", "warmup", "decay", "floor", "clipnorm"})
    if unknown:
        raise ValueError(f"unknown optimizer options {unknown}; known: name, weight_decay, warmup, decay, floor, "
                         "clipnorm")
    name = options.get("name", "adam")
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer name must be one of {OPTIMIZERS}, got {name!r}")
    total_steps = max(int(total_steps), 1)
    warmup_steps = int(round(options.get("warmup", 0.0) * total_steps))
    decay = options.get("decay", "constant")
    rate = (learning_rate if decay == "constant" and not warmup_steps else
            WarmupDecay(learning_rate, total_steps, warmup_steps, decay, options.get("floor", 0.0)))
    clipping = {"clipnorm": options["clipnorm"]} if options.get("clipnorm") else {}
    if name == "adam":
        return keras.optimizers.Adam(rate, **clipping)
    optimizer = keras.optimizers.AdamW(rate, weight_decay=options.get("weight_decay", 0.01), **clipping)
    optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
    return optimizer


def steps_per_epoch(examples, batch_size):
    """Optimizer steps of one epoch over ``examples`` rows in batches of ``batch_size`` (the last one partial)."""
    return max(math.ceil(examples / batch_size), 1)


def epochs_for(epochs, min_steps, examples, batch_size):
    """``epochs``, or more when that many epochs over ``examples`` rows make fewer than ``min_steps`` steps.

    Example:
        >>> epochs_for(1, 600, examples=4079, batch_size=64)  # 64 steps an epoch
        10
    """
    return max(int(epochs), math.ceil(int(min_steps or 0) / steps_per_epoch(examples, batch_size)))


__all__ = ["WarmupDecay", "build_optimizer", "epochs_for", "steps_per_epoch"]
