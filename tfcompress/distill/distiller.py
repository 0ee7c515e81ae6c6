"""The Distiller: a keras.Model that trains a student against a frozen teacher under model.fit."""
from tfcompress.backend import keras, tf
from tfcompress.distill.losses import cross_entropy, kd_loss, labelled, normalized_map_distance
from tfcompress.distill.teacher_explanations import EXPLANATIONS

STUDENT_KEY = "student_inputs"
TEACHER_KEY = "teacher_inputs"
TEACHER_LOGITS_KEY = "teacher_logits"
TEACHER_MAP_KEY = "teacher_map"
TEACHER_MAP_MASK_KEY = "teacher_map_mask"
TERMS = ("ce", "kd", "explain", "adv")


def student_inputs(inputs):
    """The student's part of a batch: ``inputs[STUDENT_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[STUDENT_KEY] if isinstance(inputs, dict) else inputs


def teacher_inputs(inputs):
    """The teacher's part of a batch: ``inputs[TEACHER_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[TEACHER_KEY] if isinstance(inputs, dict) else inputs


def token_mask(inputs):
    """1.0 at real positions, 0.0 at padding: id 0 for token ids, an all-zero vector for projections."""
    if len(inputs.shape) == 3:
        return tf.cast(tf.reduce_max(tf.abs(inputs), axis=-1) > 0, tf.float32)
    return tf.cast(tf.not_equal(inputs, 0), tf.float32)


class Distiller(keras.Model):
    """Trains ``student`` with the paper's three objectives under plain ``model.fit``:

    L = a * CE(y, s) + b * T^2 * KL(softmax(t/T) || softmax(s/T)) + g * L_explain + d * L_adv

    - CE: hard labels; label -1 marks an unlabelled row (transfer-set or adversarial text), which
      only the other terms see.
    - KD: the teacher's softened distribution is the target (direction matters), scaled by T^2 so
      its gradients keep their size when T changes.
    - L_explain: the student's word-level explanation map is pulled to the teacher's, word by word
      (``TeacherExplanations`` makes the targets; ``normalized_map_distance`` compares them):
      ``saliency`` (gradient x input of the teacher's class, a second-order term through the
      student), ``attention`` (attention-pooling weights; students with ``attention_map``) or
      ``features`` (FitNets: a learned linear hint maps the student's word features onto the
      teacher's).
    - L_adv (ARD-style, continuous): ``adversarial_steps`` of PGD within an L-inf ball of radius
      ``adversarial_epsilon`` x the RMS of the student's input vectors (word embeddings, or PRADO's
      projections), maximizing the KD loss; then the student on the perturbed input is pulled to the
      teacher's soft labels of the clean text. Discrete adversarial texts enter through the data
      (``AdversarialTextPool``), labelled by the teacher on their clean originals.

    Batches are ``(inputs, labels)``: ``inputs`` is a dict (``distillation_dataset``) with
    ``student_inputs`` and either ``teacher_inputs`` or cached ``teacher_logits``, plus
    ``teacher_map``/``teacher_map_mask`` when L_explain is on; or one tensor that feeds both models.
    The teacher runs outside the gradient tape with ``training=False``; only the student's variables
    (and the FitNets hint) receive gradients. Every term is a metric: ``ce_loss``, ``kd_loss``,
    ``explain_loss``, ``adv_loss``, and their weighted sum ``loss``. The weights are variables, so
    ``LossWeightScheduler`` can warm terms up; a term whose compile weight is 0 is not computed.
    Under a ``tf.distribute`` strategy, build and compile the Distiller inside ``strategy.scope()``:
    each replica's loss is divided by the number of replicas, so the summed gradients are the
    global batch's mean (tested with ``MirroredStrategy`` on two logical CPUs). On several machines,
    use ``tf.distribute.MultiWorkerMirroredStrategy`` (each worker with ``TF_CONFIG`` set) and feed
    ``distillation_records_dataset`` shards, which every worker streams rather than holding in memory.

    Args:
        student: the model being trained (a ``TextClassifier``).
        teacher: the frozen model being imitated.

    Example:
        >>> distiller = Distiller(student=student, teacher=teacher)
        >>> distiller.compile(keras.optimizers.Adam(1e-3), [keras.metrics.SparseCategoricalAccuracy()],
        ...                   ce_weight=0.1, kd_weight=0.9, explain_weight=1.0, adversarial_weight=0.5)
        >>> distiller.fit(distillation_dataset(data.train, student, teacher, explanations=targets), epochs=5)
    """

    def __init__(self, student, teacher, **kwargs):
        super().__init__(**kwargs)
        if not student.built and hasattr(student, "build_for_inputs"):
            # Training only calls the student's parts (embed, logits_from_embeddings): without one
            # call of the model itself, a saved student would not reload its weights.
            student.build_for_inputs()
        self.student = student
        self.teacher = teacher
        self.teacher.trainable = False
        self.trackers = {name: keras.metrics.Mean(name=name) for name in
                         ("loss", *(f"{term}_loss" for term in TERMS))}
        self.term_weights = {term: tf.Variable(0.0, trainable=False, name=f"{term}_weight") for term in TERMS}
        self.hint = None
        self.compile_settings = {}

    def compile(self, optimizer="adam", metrics=None, ce_weight=0.1, kd_weight=0.9, explain_weight=0.0,
                adversarial_weight=0.0, temperature=3.0, explanation="saliency", feature_dim=32,
                adversarial_steps=1, adversarial_epsilon=0.5, **kwargs):
        """Configure training.

        Args:
            optimizer: a Keras optimizer (or its name).
            metrics: metrics of the student's logits against the true labels.
            ce_weight: weight a of the hard-label cross-entropy.
            kd_weight: weight b of the T^2-scaled KL distillation term.
            explain_weight: weight g of the explanation term (0: off).
            adversarial_weight: weight d of the continuous adversarial term (0: off).
            temperature: the softening temperature T (> 0), of KD and of the adversarial term.
            explanation: ``saliency``, ``attention`` or ``features``.
            feature_dim: the teacher feature size the FitNets hint maps onto (``features`` only).
            adversarial_steps: PGD steps (>= 1).
            adversarial_epsilon: the L-inf radius, relative to the RMS of the student's input vectors.
        """
        weights = {"ce": ce_weight, "kd": kd_weight, "explain": explain_weight, "adv": adversarial_weight}
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if any(value < 0 for value in weights.values()) or not any(weights.values()):
            raise ValueError("loss weights must be non-negative and not all zero")
        if explanation not in EXPLANATIONS:
            raise ValueError(f"unknown explanation {explanation!r}; choose one of {list(EXPLANATIONS)}")
        if explain_weight and explanation == "attention" and not hasattr(self.student, "attention_map"):
            raise ValueError(f"student {self.student.name!r} has no attention pooling; use explanation="
                             "'saliency' or 'features', or a student with attention_map (prado)")
        if adversarial_weight and (adversarial_steps < 1 or adversarial_epsilon <= 0):
            raise ValueError("adversarial_steps must be >= 1 and adversarial_epsilon > 0")
        super().compile(optimizer=optimizer, metrics=metrics, **kwargs)
        for term, value in weights.items():
            self.term_weights[term].assign(float(value))
        self.active = {term for term, value in weights.items() if value > 0}
        self.temperature = float(temperature)
        self.explanation = explanation
        self.adversarial_steps, self.adversarial_epsilon = int(adversarial_steps), float(adversarial_epsilon)
        self.compile_settings = {**{f"{term}_weight": float(value) for term, value in weights.items()},
                                 "temperature": self.temperature, "explanation": explanation,
                                 "feature_dim": int(feature_dim), "adversarial_steps": self.adversarial_steps,
                                 "adversarial_epsilon": self.adversarial_epsilon}
        if "explain" in self.active and explanation == "features" and self.hint is None:
            self.hint = keras.layers.Dense(feature_dim, use_bias=False, name="fitnets_hint")
            self.student.build_for_inputs()
            probe = tf.zeros((1, *self.student.encoder.input_shape), self.student.encoder.input_dtype)
            self.hint.build(self.student.token_features(probe).shape)

    @property
    def metrics(self):
        compiled = self.compiled_metrics.metrics if self.compiled_metrics is not None else []
        return [*self.trackers.values(), *compiled]

    def call(self, inputs, training=None):
        return self.student(student_inputs(inputs), training=training)

    def trainable_parameters(self):
        """The variables a step updates: the student's, plus the FitNets hint when used."""
        return self.student.trainable_variables + (self.hint.trainable_variables if self.hint is not None else [])

    def teacher_logits(self, inputs):
        if isinstance(inputs, dict) and TEACHER_LOGITS_KEY in inputs:
            return inputs[TEACHER_LOGITS_KEY]
        return self.teacher(teacher_inputs(inputs), training=False)

    def compute_losses(self, inputs, labels, teacher_logits, training=False):
        """Student logits, each loss term (0 when off) and their weighted sum ``loss``."""
        x = student_inputs(inputs)
        embedded = self.student.embed(x, training=training)
        zero = tf.constant(0.0)
        terms = {"explain": zero, "adv": zero}
        if "explain" in self.active and self.explanation == "saliency":
            student_logits, student_map = self._logits_and_saliency(embedded, x, teacher_logits, training)
        else:
            student_logits = self.student.logits_from_embeddings(embedded, x, training=training)
            student_map = self._explanation_map(embedded, x, training) if "explain" in self.active else None
        terms["ce"] = cross_entropy(labels, student_logits)
        terms["kd"] = kd_loss(teacher_logits, student_logits, self.temperature)
        if student_map is not None:
            target, mask = self._explanation_target(inputs)
            if target.shape[1:] != student_map.shape[1:]:
                raise ValueError(f"teacher word maps of shape {target.shape[1:]} do not match the student's "
                                 f"{student_map.shape[1:]}: build TeacherExplanations with the student's max_length "
                                 "and the Distiller's feature_dim")
            terms["explain"] = normalized_map_distance(student_map, target, mask)
        if "adv" in self.active:
            terms["adv"] = self._adversarial_loss(embedded, x, teacher_logits, training)
        total = tf.add_n([self.term_weights[term] * terms[term] for term in TERMS])
        return student_logits, {"loss": total, **{f"{term}_loss": terms[term] for term in TERMS}}

    def _logits_and_saliency(self, embedded, x, teacher_logits, training):
        """Logits and the gradient x input map of the teacher's class, differentiable (second order)."""
        with tf.GradientTape() as inner:
            inner.watch(embedded)
            logits = self.student.logits_from_embeddings(embedded, x, training=training)
            classes = tf.argmax(teacher_logits, axis=-1, output_type=tf.int32)
            chosen = tf.reduce_sum(tf.gather(logits, classes, batch_dims=1))
        gradients = inner.gradient(chosen, embedded)
        return logits, tf.reduce_sum(gradients * embedded, axis=-1)

    def _explanation_map(self, embedded, x, training):
        if self.explanation == "attention":
            return self.student.attention_map(x, training=training)
        return self.hint(self.student.features_from_embeddings(embedded, x, training=training))

    @staticmethod
    def _explanation_target(inputs):
        if not isinstance(inputs, dict) or TEACHER_MAP_KEY not in inputs:
            raise ValueError("explain_weight > 0 needs the teacher's word maps in the batch: build the data with "
                             "distillation_dataset(..., explanations=TeacherExplanations(...))")
        return inputs[TEACHER_MAP_KEY], inputs[TEACHER_MAP_MASK_KEY]

    def _adversarial_loss(self, embedded, x, teacher_logits, training):
        """ARD: KD loss of the student on a PGD-perturbed input against the clean teacher."""
        clean = tf.stop_gradient(embedded)
        mask = token_mask(x)[..., None]
        rms = tf.sqrt(tf.reduce_sum(tf.square(clean) * mask) /
                      tf.maximum(tf.reduce_sum(mask) * tf.cast(tf.shape(clean)[-1], clean.dtype), 1.0))
        epsilon = self.adversarial_epsilon * rms
        step = 2.5 * epsilon / self.adversarial_steps
        delta = tf.random.uniform(tf.shape(clean), -1.0, 1.0) * epsilon * mask
        for _ in range(self.adversarial_steps):
            with tf.GradientTape() as attack:
                attack.watch(delta)
                logits = self.student.logits_from_embeddings(clean + delta, x, training=training)
                loss = kd_loss(teacher_logits, logits, self.temperature)
            delta = tf.clip_by_value(delta + step * tf.sign(attack.gradient(loss, delta)), -epsilon, epsilon) * mask
        perturbed = embedded + tf.stop_gradient(delta)
        return kd_loss(teacher_logits, self.student.logits_from_embeddings(perturbed, x, training=training),
                       self.temperature)

    def train_step(self, data):
        inputs, labels = data
        teacher_logits = tf.stop_gradient(self.teacher_logits(inputs))
        with tf.GradientTape() as tape:
            student_logits, losses = self.compute_losses(inputs, labels, teacher_logits, training=True)
            # Each replica's gradients are summed across replicas; scale so the step is the global mean.
            scaled = losses["loss"] / tf.distribute.get_strategy().num_replicas_in_sync
        variables = self.trainable_parameters()
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return self._update_metrics(labels, student_logits, losses)

    def test_step(self, data):
        inputs, labels = data
        student_logits, losses = self.compute_losses(inputs, labels, self.teacher_logits(inputs), training=False)
        return self._update_metrics(labels, student_logits, losses)

    def _update_metrics(self, labels, student_logits, losses):
        for name, tracker in self.trackers.items():
            tracker.update_state(losses[name])
        # Unlabelled rows (label -1: transfer-set texts) count in the KD term only.
        self.compiled_metrics.update_state(tf.maximum(labels, 0), student_logits, sample_weight=labelled(labels))
        return {metric.name: metric.result() for metric in self.metrics}
