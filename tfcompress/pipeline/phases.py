"""The student's training schedule: plain distillation first, then the objectives, each phase with its own rate.

With ``schedule.two_phase`` set, ``distill`` trains in two phases:

1. ``kd``: the KD and CE terms alone, at the student's learning rate decayed along a cosine, until the
   validation KD loss stops improving; the epoch of lowest validation KD loss is kept.
2. ``objectives``: the explanation, adversarial and worst-case terms switched on, their weights (and the
   worst-case intervals) ramped linearly from zero over the phase's epochs, at a lower rate
   (``objective_learning_rate_scale``), again decayed; the epoch of lowest validation objective (every
   term at its full weight: KD and robustness together, not one noisy accuracy) is kept.

Without objectives the second phase is left out; without ``two_phase`` (and in the QAT stage) one phase
trains every term, warmed up over ``schedule.warmup_epochs``, keeping the epoch of best validation accuracy.

Example:
    >>> [phase.name for phase in training_phases(preset_settings("default"), "distill")]
    ['kd', 'objectives']
"""
import dataclasses

OBJECTIVE_TERMS = ("explain", "adv", "robust")


@dataclasses.dataclass
class TrainingPhase:
    """One ``model.fit`` of the distillation.

    Attributes:
        name: ``kd``, ``objectives`` or ``all`` (one phase).
        epochs: the phase's epoch budget.
        learning_rate: its peak learning rate.
        decay: the rate's decay over the phase (``learning_rate.build_optimizer``'s options).
        settings: the ``Settings`` the Distiller is compiled with in this phase (the objectives' weights 0 in ``kd``).
        ramp_epochs: epochs over which the objectives' weights (and intervals) rise to full (1: full at once).
        monitor, mode: the validation quantity whose best epoch is kept.
        patience: epochs without improvement of ``monitor`` before the phase stops (``None``: never).
        adversarial_texts: whether the discrete adversarial texts are refreshed in this phase.
    """

    name: str
    epochs: int
    learning_rate: float
    decay: dict
    settings: dict
    ramp_epochs: int = 1
    monitor: str = "val_accuracy"
    mode: str = "max"
    patience: int = None
    adversarial_texts: bool = True


def has_objectives(settings):
    """Whether ``settings`` train any term beyond KD and CE (or discrete adversarial texts)."""
    return bool(settings.explanation.weight or settings.adversarial.weight or settings.worst_case.weight
                or settings.adversarial.texts)


def plain_distillation(settings):
    """``settings`` with the explanation, adversarial and worst-case terms off."""
    return settings.with_changes({"explanation.weight": 0.0, "adversarial.weight": 0.0, "worst_case.weight": 0.0})


def full_objective_weights(settings):
    """The full weight of every term, as the ``objectives`` phase's validation objective sums them."""
    return {"ce": settings.distillation.ce_weight, "kd": settings.distillation.kd_weight,
            "explain": settings.explanation.weight, "adv": settings.adversarial.weight,
            "robust": settings.worst_case.weight}


def training_phases(settings, stage="distill", epochs=None, learning_rate=None):
    """The phases ``distill`` fits, in order (see the module docstring).

    Args:
        settings: a ``Settings``; ``schedule.two_phase`` is the two-phase schedule or ``None``.
        stage: ``distill`` or ``qat`` (one phase with every term at full weight).
        epochs, learning_rate: overrides of the first phase's budget and rate.
    """
    epochs = epochs or settings.student.epochs
    learning_rate = learning_rate or settings.student.learning_rate
    patience = settings.student.patience
    schedule = settings.schedule.two_phase
    decay = {"decay": "cosine", "floor": schedule.floor} if schedule else {}
    if not schedule or stage == "qat":
        ramp = 1 if schedule else settings.schedule.warmup_epochs
        return [TrainingPhase("all", epochs, learning_rate, decay, settings, ramp_epochs=ramp, patience=patience)]
    kd = TrainingPhase("kd", epochs, learning_rate, decay, plain_distillation(settings), monitor="val_kd_loss",
                       mode="min", patience=patience, adversarial_texts=False)
    if not has_objectives(settings) or not schedule.objective_epochs:
        return [kd]
    objectives = TrainingPhase("objectives", schedule.objective_epochs,
                               learning_rate * schedule.objective_learning_rate_scale, decay, settings,
                               ramp_epochs=schedule.objective_epochs, monitor="val_objective", mode="min")
    return [kd, objectives]


__all__ = ["OBJECTIVE_TERMS", "TrainingPhase", "full_objective_weights", "has_objectives", "plain_distillation",
           "training_phases"]
