"""Callback: how closely the student's word attributions follow the teacher's, logged during training."""
import numpy as np

from tfcompress.backend import keras


class ExplanationFidelityMonitor(keras.callbacks.Callback):
    """Every ``every`` epochs, compare student and teacher word maps on a fixed sample.

    A student that ``explains_itself`` is measured by its own contributions (what its ``.tflite``
    outputs) against the teacher's endpoint-Shapley maps (the contributions term's default target); other
    students by gradient x input against the teacher's. Both models explain the teacher's predicted class. Adds ``explanation_fidelity`` (mean Spearman
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
        self.teacher_maps, self.classes, self.history = {}, None, []

    def teacher_word_maps(self, kind):
        """The teacher's ``saliency`` (gradient x input) or ``endpoint_shapley`` maps of the sample, computed once."""
        if self.classes is None:
            self.classes = np.argmax(self.teacher.predict_texts(self.texts), axis=-1)
        if kind not in self.teacher_maps:
            if kind == "endpoint_shapley":
                from tfcompress.distill.teacher_explanations import endpoint_shapley_maps

                values = endpoint_shapley_maps(self.teacher, self.texts)
                words = [self.teacher.encoder.words(text)[:len(value)] for text, value in zip(self.texts, values)]
            else:
                words, values = self.teacher.word_importance(self.texts, target=self.classes)
            self.teacher_maps[kind] = _as_maps(words, values)
        return self.teacher_maps[kind]

    def measure(self, student):
        from tfcompress.explain import fidelity

        # A teacher without gradients (one you bring as a callable) is read by its word-deletion maps.
        teacher_kind = "saliency" if hasattr(self.teacher, "word_importance") else "endpoint_shapley"
        if getattr(student, "explains_itself", False):
            teacher_maps = self.teacher_word_maps("endpoint_shapley")
            student_maps = _as_maps(*student.word_contributions(self.texts, target=self.classes))
        else:
            teacher_maps = self.teacher_word_maps(teacher_kind)
            student_maps = _as_maps(*student.word_importance(self.texts, target=self.classes))
        scores = fidelity(teacher_maps, student_maps, k=self.k)
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
