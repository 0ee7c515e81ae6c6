"""The Distiller: a keras.Model that trains a student against a frozen teacher under model.fit."""
from tfcompress.backend import keras, tf
from tfcompress.distill.losses import cross_entropy, kd_loss, labelled

STUDENT_KEY = "student_inputs"
TEACHER_KEY = "teacher_inputs"
TEACHER_LOGITS_KEY = "teacher_logits"


def student_inputs(inputs):
    """The student's part of a batch: ``inputs[STUDENT_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[STUDENT_KEY] if isinstance(inputs, dict) else inputs


def teacher_inputs(inputs):
    """The teacher's part of a batch: ``inputs[TEACHER_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[TEACHER_KEY] if isinstance(inputs, dict) else inputs


class Distiller(keras.Model):
    """Trains ``student`` with L = ce_weight * CE(y, s) + kd_weight * T^2 * KL(t/T || s/T).

    Batches are ``(inputs, labels)``; label -1 marks an unlabelled row (a transfer-set text), which
    contributes to the KD term only. When teacher and student read the text differently (their
    own encoders), ``inputs`` is a dict ``{"student_inputs": ..., "teacher_inputs": ...}`` as built
    by ``distillation_dataset``; otherwise one tensor feeds both. A dict may carry precomputed
    ``"teacher_logits"`` instead of teacher inputs (``TeacherOutputCache``): the teacher is then not
    run at all, which is exact because it is frozen and runs with ``training=False``.

    The teacher runs outside the gradient tape with ``training=False``; only the student's
    trainable variables receive gradients. Every loss term is reported as a metric (``ce_loss``,
    ``kd_loss``, ``loss``) next to the compiled metrics of the student's predictions.

    Args:
        student: the model being trained (logits out).
        teacher: the frozen model being imitated (logits out).

    Example:
        >>> distiller = Distiller(student=student, teacher=teacher)
        >>> distiller.compile(optimizer=keras.optimizers.Adam(1e-3),
        ...                   metrics=[keras.metrics.SparseCategoricalAccuracy()],
        ...                   ce_weight=0.1, kd_weight=0.9, temperature=3.0)
        >>> distiller.fit(train_dataset, validation_data=validation_dataset, epochs=5)
    """

    def __init__(self, student, teacher, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher
        self.teacher.trainable = False
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ce_tracker = keras.metrics.Mean(name="ce_loss")
        self.kd_tracker = keras.metrics.Mean(name="kd_loss")

    def compile(self, optimizer="adam", metrics=None, ce_weight=0.1, kd_weight=0.9, temperature=3.0,
                **kwargs):
        """Configure training.

        Args:
            optimizer: a Keras optimizer (or its name).
            metrics: metrics of the student's logits against the true labels.
            ce_weight: weight of the hard-label cross-entropy term.
            kd_weight: weight of the T^2-scaled KL distillation term.
            temperature: the softening temperature T (> 0).
        """
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if ce_weight < 0 or kd_weight < 0 or ce_weight + kd_weight == 0:
            raise ValueError("loss weights must be non-negative and not all zero")
        super().compile(optimizer=optimizer, metrics=metrics, **kwargs)
        self.ce_weight = float(ce_weight)
        self.kd_weight = float(kd_weight)
        self.temperature = float(temperature)

    @property
    def metrics(self):
        compiled = self.compiled_metrics.metrics if self.compiled_metrics is not None else []
        return [self.loss_tracker, self.ce_tracker, self.kd_tracker, *compiled]

    def call(self, inputs, training=None):
        return self.student(student_inputs(inputs), training=training)

    def compute_losses(self, labels, teacher_logits, student_logits):
        """Each loss term and their weighted sum."""
        ce = cross_entropy(labels, student_logits)
        kd = kd_loss(teacher_logits, student_logits, self.temperature)
        return {"loss": self.ce_weight * ce + self.kd_weight * kd, "ce_loss": ce, "kd_loss": kd}

    def teacher_logits(self, inputs):
        if isinstance(inputs, dict) and TEACHER_LOGITS_KEY in inputs:
            return inputs[TEACHER_LOGITS_KEY]
        return self.teacher(teacher_inputs(inputs), training=False)

    def train_step(self, data):
        inputs, labels = data
        teacher_logits = self.teacher_logits(inputs)
        with tf.GradientTape() as tape:
            student_logits = self.student(student_inputs(inputs), training=True)
            losses = self.compute_losses(labels, teacher_logits, student_logits)
        variables = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(losses["loss"], variables), variables))
        return self._update_metrics(labels, student_logits, losses)

    def test_step(self, data):
        inputs, labels = data
        teacher_logits = self.teacher_logits(inputs)
        student_logits = self.student(student_inputs(inputs), training=False)
        return self._update_metrics(labels, student_logits,
                                    self.compute_losses(labels, teacher_logits, student_logits))

    def _update_metrics(self, labels, student_logits, losses):
        self.loss_tracker.update_state(losses["loss"])
        self.ce_tracker.update_state(losses["ce_loss"])
        self.kd_tracker.update_state(losses["kd_loss"])
        # Unlabelled rows (label -1: transfer-set texts) count in the KD term only.
        self.compiled_metrics.update_state(tf.maximum(labels, 0), student_logits, sample_weight=labelled(labels))
        return {metric.name: metric.result() for metric in self.metrics}
