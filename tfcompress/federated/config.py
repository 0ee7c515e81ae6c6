"""How a client personalizes the global model."""
import dataclasses

MODES = ("head", "whole")
# prior: the personal class prior (tfcompress.federated.prior), the default; finetune: SGD on the head or the
# whole model (``mode``); ditto: whole-model SGD pulled towards the global weights (Li et al. 2021, "Ditto");
# interpolate: the global and a head-fine-tuned model's probabilities mixed with a weight the client picks.
# Each keeps the global model unless the client's own held-out data (leave-one-out for prior) say otherwise.
METHODS = ("prior", "finetune", "ditto", "interpolate")


@dataclasses.dataclass(frozen=True)
class PersonalizationConfig:
    """How one client personalizes, used in TFF, in Keras and by the on-device export.

    ``method`` ``prior`` (the default): the client adds its own shrunk class prior to the global logits
    with a weight chosen by leave-one-out on its training data and kept only on strong evidence
    (``prior_strength``, ``prior_weights``, ``prior_min_evidence``, ``prior_min_gain``, ``max_loo_losses``; see
    ``tfcompress.federated.prior``); nothing is trained. The other methods
    fine-tune, with this policy: hold out the first ``holdout_fraction`` of the client's (pre-shuffled) training data,
    fine-tune on the rest with plain SGD, and keep the fine-tuned weights only when they classify at
    least ``min_holdout_gain`` more held-out examples correctly than the global model; otherwise the
    client keeps the global model (a one-example improvement on ~30 held-out examples is noise). With ``select=False`` the fine-tuned model is always kept.
    The local test data is never used to decide.

    Args:
        method: one of ``METHODS``.
        mode: for ``finetune``: ``head`` (only the last Dense layer trains) or ``whole`` (every trainable weight).
        epochs: passes over the fine-tuning part.
        learning_rate: SGD step size.
        batch_size: examples per step.
        holdout_fraction: share of local training data held out for the keep/revert decision.
        select: apply the keep/revert decision.
        min_holdout_gain: extra held-out examples the fine-tuned model must get right to be kept (fine-tuning
            methods).
        seed: shuffle seed of the fine-tuning batches.
        prior_strength: pseudo-counts of the global prior in the client's prior (``prior``).
        prior_weights: the grid the client picks its prior's weight from; starts at 0 (the global model).
        prior_min_evidence: the leave-one-out log-likelihood gain (nats) the prior needs over the global model
            to be kept.
        prior_min_gain: the extra leave-one-out texts the prior must get right to be kept.
        max_loo_losses: the prior is kept only when it turns at most this many of the client's leave-one-out
            texts that the global model gets right into errors (``None``: no limit).
        proximal: Ditto's pull towards the global weights (``ditto``).
        mix_weights: the grid of the local model's share in ``interpolate``.

    Example:
        >>> config = PersonalizationConfig()  # the personal prior
        >>> tuned = PersonalizationConfig(method="finetune", mode="head", epochs=5, learning_rate=0.1)
    """

    method: str = "prior"
    mode: str = "head"
    epochs: int = 5
    learning_rate: float = 0.1
    batch_size: int = 16
    holdout_fraction: float = 0.25
    select: bool = True
    min_holdout_gain: int = 2
    seed: int = 0
    prior_strength: float = 5.0
    prior_weights: tuple = (0.0, 0.5, 1.0)
    prior_min_evidence: float = 3.0
    prior_min_gain: int = 1
    max_loo_losses: int = None
    proximal: float = 0.1
    mix_weights: tuple = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __post_init__(self):
        object.__setattr__(self, "prior_weights", tuple(float(w) for w in self.prior_weights))
        object.__setattr__(self, "mix_weights", tuple(float(w) for w in self.mix_weights))
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        for name in ("prior_weights", "mix_weights"):
            grid = getattr(self, name)
            if not grid or grid[0] != 0.0 or any(w < 0 for w in grid):
                raise ValueError(f"{name} must start with 0 (the global model) and hold no negative weight, got {grid}")
        if self.prior_strength <= 0 or self.proximal < 0:
            raise ValueError("prior_strength must be positive and proximal non-negative")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.holdout_fraction < 1.0:
            raise ValueError(f"holdout_fraction must be in [0, 1), got {self.holdout_fraction}")
        if self.max_loo_losses is not None and self.max_loo_losses < 0:
            raise ValueError(f"max_loo_losses must be >= 0 or None, got {self.max_loo_losses}")
        if self.prior_min_evidence < 0 or self.prior_min_gain < 1:
            raise ValueError(f"prior_min_evidence must be >= 0 and prior_min_gain >= 1, got {self.prior_min_evidence}, "
                             f"{self.prior_min_gain}")
        if self.min_holdout_gain < 1:
            raise ValueError(f"min_holdout_gain must be at least 1 example, got {self.min_holdout_gain}")
        if self.epochs < 0 or self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("epochs must be >= 0, batch_size >= 1 and learning_rate > 0")

    @property
    def trained_part(self):
        """What fine-tuning trains: ``head`` or ``whole`` (ditto trains the whole model, interpolate the head)."""
        return {"ditto": "whole", "interpolate": "head"}.get(self.method, self.mode)

    def prior_options(self):
        """The ``prior_offset`` keywords of this configuration."""
        return {"strength": self.prior_strength, "weights": self.prior_weights, "min_gain": self.prior_min_gain,
                "max_losses": self.max_loo_losses, "min_evidence": self.prior_min_evidence}

    def to_dict(self):
        config = dataclasses.asdict(self)
        return {**config, "prior_weights": list(self.prior_weights), "mix_weights": list(self.mix_weights)}
