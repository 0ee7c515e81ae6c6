"""How a client personalizes the global model."""
import dataclasses

MODES = ("head", "whole")


@dataclasses.dataclass(frozen=True)
class PersonalizationConfig:
    """Fine-tuning recipe of one client, used in TFF, in Keras and by the on-device export.

    The policy: hold out the first ``holdout_fraction`` of the client's (pre-shuffled) training data,
    fine-tune on the rest with plain SGD, and keep the fine-tuned weights only when they classify at
    least ``min_holdout_gain`` more held-out examples correctly than the global model; otherwise the
    client keeps the global model (a one-example improvement on ~30 held-out examples is noise). With ``select=False`` the fine-tuned model is always kept.
    The local test data is never used to decide.

    Args:
        mode: ``head`` (only the last Dense layer trains) or ``whole`` (every trainable weight).
        epochs: passes over the fine-tuning part.
        learning_rate: SGD step size.
        batch_size: examples per step.
        holdout_fraction: share of local training data held out for the keep/revert decision.
        select: apply the keep/revert decision.
        min_holdout_gain: extra held-out examples the fine-tuned model must get right to be kept.
        seed: shuffle seed of the fine-tuning batches.

    Example:
        >>> config = PersonalizationConfig(mode="head", epochs=5, learning_rate=0.1)
    """

    mode: str = "head"
    epochs: int = 5
    learning_rate: float = 0.1
    batch_size: int = 16
    holdout_fraction: float = 0.25
    select: bool = True
    min_holdout_gain: int = 2
    seed: int = 0

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.holdout_fraction < 1.0:
            raise ValueError(f"holdout_fraction must be in [0, 1), got {self.holdout_fraction}")
        if self.min_holdout_gain < 1:
            raise ValueError(f"min_holdout_gain must be at least 1 example, got {self.min_holdout_gain}")
        if self.epochs < 0 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs must be >= 0, batch_size >= 1 and learning_rate > 0")

    def to_dict(self):
        return dataclasses.asdict(self)
