"""The student's training schedule: plain distillation first, then the objectives, each phase with its own rate.

With a ``schedule`` setting, ``distill`` trains in two phases:

1. ``kd``: the KD and CE terms alone, at the student's learning rate decayed along a cosine, until the
   validation KD loss stops improving; the epoch of lowest validation KD loss is kept.
2. ``objectives``: the explanation, adversarial and worst-case terms switched on, their weights (and the
   worst-case intervals) ramped linearly from zero over the phase's epochs, at a lower rate
   (``objective_learning_rate_scale``), again decayed; the epoch of lowest validation objective (every
   term at its full weight: KD and robustness together, not one noisy accuracy) is kept.

Without objectives the second phase is left out; without a ``schedule`` (and in the QAT stage) one
phase trains every term, warmed up over ``warmup_epochs``, keeping the epoch of best validation accuracy.

Example:
    >>> [phase.name for phase in training_phases(preset_settings("default"), "distill")]
    ['kd', 'objectives']
"""
import dataclasses

OBJECTIVE_TERMS = ("explain", "adv", "robust")
OBJECTIVE_WEIGHTS = {"explain": "explain_weight", "adv": "adversarial_weight", "robust": "robust_weight"}


@dataclasses.dataclass
class TrainingPhase:
    """One ``model.fit`` of the distillation.

    Attributes:
        name: ``kd``, ``objectives`` or ``all`` (one phase).
        epochs: the phase's epoch budget.
        learning_rate: its peak learning rate.
        decay: the rate's decay over the phase (``learning_rate.build_optimizer``'s options).
        settings: the settings the Distiller is compiled with in this phase (the objectives' weights 0 in ``kd``).
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
    return any(settings.get(key) for key in OBJECTIVE_WEIGHTS.values()) or bool(settings.get("adversarial_texts"))


def plain_distillation(settings):
    """``settings`` with the explanation, adversarial and worst-case terms off."""
    return {**settings, **{key: 0.0 for key in OBJECTIVE_WEIGHTS.values()}}


def full_objective_weights(settings):
    """The full weight of every term, as the ``objectives`` phase's validation objective sums them."""
    return {"ce": settings.get("ce_weight", 0.1), "kd": settings.get("kd_weight", 0.9),
            **{term: settings.get(key, 0.0) for term, key in OBJECTIVE_WEIGHTS.items()}}


def training_phases(settings, stage="distill", epochs=None, learning_rate=None):
    """The phases ``distill`` fits, in order (see the module docstring).

    Args:
        settings: the flat settings; ``schedule`` is ``{"objective_epochs", "objective_learning_rate_scale",
            "floor"}`` or absent.
        stage: ``distill`` or ``qat`` (one phase with every term at full weight).
        epochs, learning_rate: overrides of the first phase's budget and rate.
    """
    epochs = epochs or settings["student_epochs"]
    learning_rate = learning_rate or settings["student_learning_rate"]
    schedule = settings.get("schedule")
    decay = {"decay": "cosine", "floor": schedule.get("floor", 0.05)} if schedule else {}
    if not schedule or stage == "qat":
        ramp = 1 if schedule else settings.get("warmup_epochs", 1)
        return [TrainingPhase("all", epochs, learning_rate, decay, settings, ramp_epochs=ramp,
                              patience=settings.get("patience"))]
    kd = TrainingPhase("kd", epochs, learning_rate, decay, plain_distillation(settings), monitor="val_kd_loss",
                       mode="min", patience=settings.get("patience"), adversarial_texts=False)
    if not has_objectives(settings) or not schedule.get("objective_epochs"):
        return [kd]
    objective_epochs = int(schedule["objective_epochs"])
    objectives = TrainingPhase("objectives", objective_epochs,
                               learning_rate * schedule.get("objective_learning_rate_scale", 0.25), decay, settings,
                               ramp_epochs=objective_epochs, monitor="val_objective", mode="min")
    return [kd, objectives]


__all__ = ["OBJECTIVE_TERMS", "TrainingPhase", "full_objective_weights", "has_objectives", "plain_distillation",
           "training_phases"]
