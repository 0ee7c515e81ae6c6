"""The Distiller: a keras.Model that trains a student against a frozen teacher under model.fit."""
import copy
import inspect

from tfcompress.backend import keras, tf
from tfcompress.distill.losses import (TEACHER_MAP_KEY, TEACHER_MAP_MASK_KEY, AdversarialTerm,  # noqa: F401
                                       CrossEntropyTerm, ExplanationTerm, KDTerm, LossTerm, TermContext,
                                       WorstCaseTerm, check_positive, labelled, token_mask)

STUDENT_KEY = "student_inputs"
TEACHER_KEY = "teacher_inputs"
TEACHER_LOGITS_KEY = "teacher_logits"
TERMS = ("ce", "kd", "explain", "adv", "robust")


def student_inputs(inputs):
    """The student's part of a batch: ``inputs[STUDENT_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[STUDENT_KEY] if isinstance(inputs, dict) else inputs


def teacher_inputs(inputs):
    """The teacher's part of a batch: ``inputs[TEACHER_KEY]`` for a dict, else ``inputs`` itself."""
    return inputs[TEACHER_KEY] if isinstance(inputs, dict) else inputs


def encoded_in_graph(encoder, texts):
    """A string tensor of texts encoded by ``encoder`` (a NumPy encoder, run outside the graph), shape
    (batch, *encoder.input_shape); a raw-text encoder (input dtype ``string``) passes the texts through."""
    if encoder.input_dtype == "string":
        return texts

    def encode(batch):
        return encoder.encode([text.decode("utf-8") for text in batch.reshape(-1)])

    encoded = tf.numpy_function(encode, [texts], tf.as_dtype(encoder.input_dtype), stateful=False)
    encoded.set_shape((None, *encoder.input_shape))
    return encoded


def check_weights(weights):
    """Raise ``ValueError`` if a loss weight is negative or every one is zero."""
    weights = list(weights)
    if any(value < 0 for value in weights) or not any(weights):
        raise ValueError("loss weights must be non-negative and not all zero")


def keyword_terms(ce_weight, kd_weight, explain_weight, adversarial_weight, temperature, explanation, feature_dim,
                  adversarial_steps, adversarial_epsilon, kd_kind="kl", robust_weight=0.0, substitutions=None,
                  robust_kind="ibp", robust_steps=1, robust_share=1.0, explain_average="batch"):
    """The four term objects that ``Distiller.compile``'s keywords describe, and its ``compile_settings``.

    Example:
        >>> terms, settings = keyword_terms(0.1, 0.9, 1.0, 0.0, 3.0, "saliency", 32, 1, 0.5)
    """
    check_positive("temperature", temperature)
    check_weights([ce_weight, kd_weight, explain_weight, adversarial_weight, robust_weight])
    terms = [CrossEntropyTerm(ce_weight), KDTerm(kd_weight, temperature, kd_kind),
             ExplanationTerm(explain_weight, explanation, feature_dim, explain_average),
             AdversarialTerm(adversarial_weight, adversarial_steps, adversarial_epsilon, temperature),
             WorstCaseTerm(robust_weight, substitutions if robust_weight else None, robust_kind, robust_steps,
                           robust_share)]
    settings = {**{f"{term.name}_weight": term.weight for term in terms}, "temperature": float(temperature),
                "kd_kind": kd_kind, "explanation": explanation, "explain_average": explain_average,
                "feature_dim": int(feature_dim),
                "adversarial_steps": int(adversarial_steps), "adversarial_epsilon": float(adversarial_epsilon),
                "robust_kind": robust_kind, "robust_steps": int(robust_steps), "robust_share": float(robust_share),
                "substitution_width": None if substitutions is None or not robust_weight else int(substitutions.shape[1])}
    return terms, settings


def terms_settings(terms):
    """``compile_settings`` of a ``terms=`` compile: each weight, and each term's class and config."""
    return {**{f"{term.name}_weight": term.weight for term in terms},
            "terms": [{"class_name": type(term).__name__, "config": term.get_config()} for term in terms]}


def check_terms(terms):
    """Raise unless ``terms`` are ``LossTerm`` objects with distinct names and weights not all zero."""
    terms = list(terms)
    if not all(isinstance(term, LossTerm) for term in terms):
        raise TypeError(f"terms must be LossTerm objects, got {[type(term).__name__ for term in terms]}")
    names = [term.name for term in terms]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"loss term names must be distinct and not 'loss', got {names}")
    check_weights(term.weight for term in terms)
    return terms


class Distiller(keras.Model):
    """Trains ``student`` with the paper's three objectives under plain ``model.fit``:

    L = a * CE(y, s) + b * T^2 * KL(softmax(t/T) || softmax(s/T)) + g * L_explain + d * L_adv

    Each term is an object of ``tfcompress.distill.losses`` (``compile`` builds them from its keywords,
    or takes ``terms=[...]``), summed with its weight:

    - ``CrossEntropyTerm`` (``ce``): hard labels; label -1 marks an unlabelled row (transfer-set or
      adversarial text), which only the other terms see.
    - ``KDTerm`` (``kd``): the teacher's softened distribution is the target (direction matters),
      scaled by T^2 so its gradients keep their size when T changes.
    - ``ExplanationTerm`` (``explain``): the student's word-level explanation map is pulled to the
      teacher's, word by word (``TeacherExplanations`` makes the targets; ``normalized_map_distance``
      compares them): ``contributions`` (the student's own per-word shares of the teacher's class
      logit, first order; students that ``explains_itself``), ``saliency`` (gradient x input of the teacher's class, a second-order term
      through the student), ``attention`` (attention-pooling weights; students with
      ``attention_map``) or ``features`` (FitNets: a learned linear hint maps the student's word
      features onto the teacher's).
    - ``AdversarialTerm`` (``adv``, ARD-style, continuous): ``adversarial_steps`` of PGD within an
      L-inf ball of radius ``adversarial_epsilon`` x the RMS of the student's input vectors (word
      embeddings, or PRADO's projections), maximizing the KD loss; then the student on the perturbed
      input is pulled to the teacher's soft labels of the clean text. Discrete adversarial texts
      enter through the data (``AdversarialTextPool``), labelled by the teacher on their clean
      originals.

    A new term is one ``LossTerm`` subclass: it reads the batch from a ``TermContext`` (the student's
    embedded inputs and logits, computed once per batch) and may own layers, trained with the student.

    Batches are ``(inputs, labels)``: ``inputs`` is a dict (``distillation_dataset``) with
    ``student_inputs`` and either ``teacher_inputs`` or cached ``teacher_logits``, plus
    ``teacher_map``/``teacher_map_mask`` when L_explain is on; or one tensor that feeds both models; or
    a string tensor of raw texts (any ``tf.data`` pipeline of ``(texts, labels)``), which each model's encoder
    encodes (``encoded_in_graph``).
    The teacher runs outside the gradient tape with ``training=False``; only the student's variables
    (and those of the terms, e.g. the FitNets hint) receive gradients. Every term is a metric
    ``<name>_loss`` (``ce_loss``, ``kd_loss``, ``explain_loss``, ``adv_loss``), with their weighted sum
    ``loss``. The weights are variables (``term_weights``), so ``LossWeightScheduler`` can warm terms
    up; a term whose compile weight is 0 is not computed (CE and KD, read off the logits, still are).
    Under a ``tf.distribute`` strategy, build and compile the Distiller inside ``strategy.scope()``:
    each replica's loss is divided by the number of replicas, so the summed gradients are the
    global batch's mean (tested with ``MirroredStrategy`` on two logical CPUs). On several machines,
    ``tfcompress run --strategy multi_worker`` (``tfcompress.pipeline.workers``) builds it under
    ``tf.distribute.MultiWorkerMirroredStrategy`` with each worker's shard of the transfer set.

    Args:
        student: the model being trained (a ``TextClassifier``).
        teacher: the frozen model being imitated.

    Attributes:
        terms: the compiled terms, by name.
        term_weights: the current weight of each term, a ``tf.Variable`` by name.
        compile_settings: the compiled weights and settings, as recorded in ``metrics.json``.

    Example:
        >>> distiller = Distiller(student=student, teacher=teacher)
        >>> distiller.compile(keras.optimizers.Adam(1e-3), [keras.metrics.SparseCategoricalAccuracy()],
        ...                   ce_weight=0.1, kd_weight=0.9, explain_weight=1.0, adversarial_weight=0.5)
        >>> distiller.compile(keras.optimizers.Adam(1e-3), terms=[
        ...     CrossEntropyTerm(0.1), KDTerm(0.9, temperature=3.0), ExplanationTerm(1.0, "saliency"),
        ...     AdversarialTerm(0.5, steps=1, epsilon=0.5)])  # the same objective, as term objects
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
        self.terms, self.active, self.term_layers = {}, set(), []
        self.compile_settings = {}

    def compile(self, optimizer="adam", metrics=None, ce_weight=0.1, kd_weight=0.9, explain_weight=0.0,
                adversarial_weight=0.0, temperature=3.0, explanation="saliency", feature_dim=32,
                adversarial_steps=1, adversarial_epsilon=0.5, kd_kind="kl", robust_weight=0.0, substitutions=None,
                robust_kind="ibp", robust_steps=1, robust_share=1.0, explain_average="batch", terms=None, **kwargs):
        """Configure training.

        Args:
            optimizer: a Keras optimizer (or its name).
            metrics: metrics of the student's logits against the true labels.
            ce_weight: weight a of the hard-label cross-entropy.
            kd_weight: weight b of the distillation term.
            explain_weight: weight g of the explanation term (0: off).
            adversarial_weight: weight d of the continuous adversarial term (0: off).
            temperature: the softening temperature T (> 0), of KD and of the adversarial term.
            explanation: ``contributions``, ``saliency``, ``attention`` or ``features``.
            feature_dim: the teacher feature size the FitNets hint maps onto (``features`` only).
            adversarial_steps: PGD steps (>= 1).
            adversarial_epsilon: the L-inf radius, relative to the RMS of the student's input vectors.
            kd_kind: the distillation term: ``kl`` (T^2-scaled KL of the softened distributions) or
                ``mse`` (squared distance of the centred logits).
            robust_weight: weight of the worst-case term over word substitutions (0: off).
            substitutions: its id table (``substitution_table``), required when ``robust_weight`` > 0.
            robust_kind: how the worst case is found: ``ibp`` (interval bounds) or ``search`` (first-order
                discrete search).
            robust_steps: rounds of the ``search`` kind.
            robust_share: the share of each sentence's tokens the ``search`` kind swaps.
            explain_average: how the explanation term averages a batch (``ExplanationTerm``'s ``average``).
            terms: ``LossTerm`` objects to train with instead of the keywords above (which must then
                keep their defaults); ``compile_settings`` then records each weight and each term's config.

        Example:
            >>> distiller.compile("adam", terms=[KDTerm(1.0, temperature=2.0), ExplanationTerm(0.5, "attention")])
        """
        keywords = dict(ce_weight=ce_weight, kd_weight=kd_weight, explain_weight=explain_weight,
                        adversarial_weight=adversarial_weight, temperature=temperature, explanation=explanation,
                        feature_dim=feature_dim, adversarial_steps=adversarial_steps,
                        adversarial_epsilon=adversarial_epsilon, kd_kind=kd_kind, robust_weight=robust_weight,
                        substitutions=substitutions, robust_kind=robust_kind, robust_steps=robust_steps,
                        robust_share=robust_share, explain_average=explain_average)
        if terms is None:
            terms, settings = keyword_terms(**keywords)
            terms = [self._recompiled(term) for term in terms]
        else:
            self._check_no_keywords(keywords)
            terms = check_terms(terms)
            settings = terms_settings(terms)
        for term in terms:
            if term.weight > 0:
                term.build(self.student)
        super().compile(optimizer=optimizer, metrics=metrics, **kwargs)
        self._set_terms(terms)
        self.compile_settings = settings

    @staticmethod
    def _check_no_keywords(keywords):
        defaults = inspect.signature(Distiller.compile).parameters
        given = sorted(name for name, value in keywords.items()
                       if value is not defaults[name].default and (value is None or defaults[name].default is None
                                                                   or value != defaults[name].default))
        if given:
            raise ValueError(f"give either terms= or the keywords {given}, not both")

    def _recompiled(self, term):
        """``term``, sharing the layers of the compiled term of the same class and settings (they keep training)."""
        previous = self.terms.get(term.name)
        if type(previous) is not type(term) or {**previous.get_config(), "weight": term.weight} != term.get_config():
            return term
        reused = copy.copy(previous)
        reused.weight = term.weight
        return reused

    def _set_terms(self, terms):
        self.terms = {term.name: term for term in terms}
        self.active = {term.name for term in terms if term.weight > 0}
        for term in terms:
            if term.name not in self.term_weights:
                self.term_weights[term.name] = tf.Variable(0.0, trainable=False, name=f"{term.name}_weight")
            self.term_weights[term.name].assign(term.weight)
        names = ["loss", *(f"{term.name}_loss" for term in terms)]
        if list(self.trackers) != names:
            self.trackers = {name: self.trackers.get(name) or keras.metrics.Mean(name=name) for name in names}
        self.term_layers = [layer for term in self._active_terms() for layer in term.layers]

    def _active_terms(self):
        return [term for name, term in self.terms.items() if name in self.active]

    @property
    def hint(self):
        """The FitNets hint layer of the ``explain`` term (``features``), or None."""
        return getattr(self.terms.get("explain"), "hint", None)

    @property
    def metrics(self):
        compiled = self.compiled_metrics.metrics if self.compiled_metrics is not None else []
        return [*self.trackers.values(), *compiled]

    def call(self, inputs, training=None):
        return self.student(student_inputs(self.from_texts(inputs)), training=training)

    def from_texts(self, inputs):
        """``inputs`` as each model reads it: a string tensor of raw texts becomes ``{"student_inputs",
        "teacher_inputs"}`` in each model's own encoding; anything else is returned as it is."""
        if isinstance(inputs, dict) or tf.as_dtype(inputs.dtype) != tf.string:
            return inputs
        return {STUDENT_KEY: encoded_in_graph(self.student.encoder, inputs),
                TEACHER_KEY: encoded_in_graph(self.teacher.encoder, inputs)}

    def trainable_parameters(self):
        """The variables a step updates: the student's, plus those of the active terms (the FitNets hint)."""
        return self.student.trainable_variables + [variable for term in self._active_terms()
                                                   for variable in term.trainable_variables]

    def teacher_logits(self, inputs):
        if isinstance(inputs, dict) and TEACHER_LOGITS_KEY in inputs:
            return inputs[TEACHER_LOGITS_KEY]
        return self.teacher(teacher_inputs(inputs), training=False)

    def compute_losses(self, inputs, labels, teacher_logits, training=False):
        """Student logits, each term's value (0 when off) as ``<name>_loss`` and their weighted sum ``loss``."""
        context = TermContext(self.student, inputs, student_inputs(inputs), labels, teacher_logits, training,
                              with_saliency=any(term.needs_saliency for term in self._active_terms()),
                              with_contributions=any(term.needs_contributions for term in self._active_terms()))
        zero = tf.constant(0.0)
        values = {name: term.compute_loss(context) if name in self.active or term.logged_when_off else zero
                  for name, term in self.terms.items()}
        total = tf.add_n([self.term_weights[name] * value for name, value in values.items()])
        return context.student_logits, {"loss": total, **{f"{name}_loss": value for name, value in values.items()}}

    def train_step(self, data):
        inputs, labels = data
        inputs = self.from_texts(inputs)
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
        inputs = self.from_texts(inputs)
        student_logits, losses = self.compute_losses(inputs, labels, self.teacher_logits(inputs), training=False)
        return self._update_metrics(labels, student_logits, losses)

    def _update_metrics(self, labels, student_logits, losses):
        for name, tracker in self.trackers.items():
            tracker.update_state(losses[name])
        # Unlabelled rows (label -1: transfer-set texts) count in the KD term only.
        self.compiled_metrics.update_state(tf.maximum(labels, 0), student_logits, sample_weight=labelled(labels))
        return {metric.name: metric.result() for metric in self.metrics}
