"""Callback: how closely the student's word attributions follow the teacher's, logged during training."""
import numpy as np

from tfcompress.backend import keras


class ExplanationFidelityMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, compare student and teacher gradient x input word maps on a fixed sample.

    Both models explain the teacher's predicted class. Adds ``explanation_fidelity`` (mean Spearman
    rank correlation over sentences) and ``explanation_top_k_overlap`` to the epoch logs and keeps
    them in ``history`` (``tfcompress.explain.fidelity`` computes both).

    Args:
        texts: the sample (e.g. 100 validation sentences).
        teacher: the teacher (its maps are computed once, at the start of training).
        every: measure every this many epochs.
        k: top-k size of the overlap.

    Example:
        >>> monitor = ExplanationFidelityMonitor(data.validation.texts[:100], teacher)
    """

    def __init__(self, texts, teacher, every=1, k=5):
        super().__init__()
        self.texts, self.teacher, self.every, self.k = list(texts), teacher, int(every), int(k)
        self.teacher_maps, self.classes, self.history = None, None, []

    def on_train_begin(self, logs=None):
        if self.teacher_maps is None:
            self.classes = np.argmax(self.teacher.predict_texts(self.texts), axis=-1)
            self.teacher_maps = _as_maps(*self.teacher.word_importance(self.texts, target=self.classes))

    def measure(self, student):
        from tfcompress.explain import fidelity

        self.on_train_begin()
        scores = fidelity(self.teacher_maps, _as_maps(*student.word_importance(self.texts, target=self.classes)),
                          k=self.k)
        return {"explanation_fidelity": scores["spearman"], "explanation_top_k_overlap": scores["top_k_overlap"]}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        measured = self.measure(getattr(self.model, "student", self.model))
        self.history.append({"epoch": epoch, **measured})
        if logs is not None:
            logs.update({name: float(value) for name, value in measured.items() if value is not None})


def _as_maps(words, values):
    return [{"words": w, "values": v} for w, v in zip(words, values)]
