"""A callback that logs the validation objective at the terms' full weights, for choosing a checkpoint."""
from tfcompress.backend import keras


class ValidationObjective(keras.callbacks.Callback):
    """Logs ``val_objective``: the sum of each term's validation loss times its full weight.

    While ``LossWeightScheduler`` ramps the terms up, the logged ``val_loss`` uses the ramped weights, so
    epochs are not comparable by it; this sum weighs every epoch the same way: the KD loss and the
    robustness and explanation losses together, a steadier criterion than one noisy accuracy.

    Args:
        weights: ``{term name: full weight}`` (e.g. ``{"kd": 0.9, "robust": 0.1}``); a term whose
            ``val_<name>_loss`` is not logged is left out.

    Example:
        >>> callbacks = [ValidationObjective({"kd": 0.9, "robust": 0.1}), BestWeights("val_objective", "min")]
    """

    def __init__(self, weights):
        super().__init__()
        self.weights = dict(weights)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        logs["val_objective"] = float(sum(weight * logs[f"val_{name}_loss"] for name, weight in self.weights.items()
                                          if weight and f"val_{name}_loss" in logs))
