"""Callback: warm up the Distiller's explanation and adversarial terms."""
from tfcompress.backend import keras


class LossWeightScheduler(keras.callbacks.Callback):
    """Ramp chosen loss terms linearly from a fraction of their weight to the full weight.

    In epoch e (0-based) a warmed-up term's weight is ``compiled weight * min(1, (e + 1) / warmup_epochs)``,
    so the student first learns the task from KD and CE before explanations and perturbations
    pull on it; a worst-case term's intervals (``interval_scale``) grow by the same share. The weights are
    ``Distiller.term_weights`` variables: checkpointed with the model,
    and set again at every epoch start, so a resumed fit continues the same schedule. The current
    weights are logged as ``<term>_weight``. Terms are addressed by name (``Distiller.terms``); a name
    the Distiller was not compiled with is left alone, so the default suits a ``terms=`` compile too.

    Args:
        warmup_epochs: epochs until the full weight (1: no warm-up).
        terms: names of the Distiller's terms to warm up (``explain``, ``adv``, ``ce``, ``kd``, or a
            custom term's name).

    Example:
        >>> distiller.fit(data, epochs=10, callbacks=[LossWeightScheduler(warmup_epochs=3)])
    """

    def __init__(self, warmup_epochs=2, terms=("explain", "adv")):
        super().__init__()
        if warmup_epochs < 1:
            raise ValueError(f"warmup_epochs must be >= 1, got {warmup_epochs}")
        self.warmup_epochs, self.terms = int(warmup_epochs), tuple(terms)

    def present(self):
        """The warmed-up names that the Distiller has, in the order given."""
        return [term for term in self.terms if term in self.model.terms]

    def share(self, epoch):
        """The share of the full weight (and of a worst-case term's intervals) in ``epoch``."""
        return min(1.0, (epoch + 1) / self.warmup_epochs)

    def weight(self, term, epoch):
        """The weight of ``term`` in ``epoch``: its compiled weight, ramped."""
        return self.model.terms[term].weight * self.share(epoch)

    def on_epoch_begin(self, epoch, logs=None):
        for term in self.present():
            self.model.term_weights[term].assign(self.weight(term, epoch))
            scale = getattr(self.model.terms[term], "interval_scale", None)
            if scale is not None:  # the worst-case term's intervals grow with its weight
                scale.assign(self.share(epoch))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update({f"{term}_weight": float(self.model.term_weights[term].numpy()) for term in self.present()})
