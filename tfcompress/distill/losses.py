"""Loss terms of the distillation objective: the functions, and the term objects the Distiller sums."""
from tfcompress.backend import keras, tf
from tfcompress.distill.teacher_explanations import EXPLANATIONS

TEACHER_MAP_KEY = "teacher_map"
TEACHER_MAP_MASK_KEY = "teacher_map_mask"


def kd_loss(teacher_logits, student_logits, temperature):
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the batch.

    The T^2 factor keeps the soft-target gradients on the same scale as the hard-label ones when T
    changes (Hinton et al., 2015): the gradient of the KL term w.r.t. the student logits shrinks as
    1/T^2. The direction matters: the teacher's distribution is the target.

    Args:
        teacher_logits: (batch, classes) teacher logits, treated as constants.
        student_logits: (batch, classes) student logits.
        temperature: softening temperature T > 0.
    """
    temperature = tf.cast(temperature, student_logits.dtype)
    teacher_logits = tf.stop_gradient(tf.cast(teacher_logits, student_logits.dtype))
    target = tf.nn.softmax(teacher_logits / temperature, axis=-1)
    log_target = tf.nn.log_softmax(teacher_logits / temperature, axis=-1)
    log_student = tf.nn.log_softmax(student_logits / temperature, axis=-1)
    kl = tf.reduce_sum(target * (log_target - log_student), axis=-1)
    return temperature ** 2 * tf.reduce_mean(kl)


def logit_mse(teacher_logits, student_logits):
    """Mean squared difference of the centred logits (each row minus its mean), averaged over the batch.

    Logit matching (Ba & Caruana 2014; Tang et al. 2019 distil BERT into a BiLSTM with it): unlike KL
    at a low temperature it keeps the teacher's confidence margins, which a confident binary teacher
    otherwise reduces to hard labels. Centring makes it blind to a constant shift, which softmax
    ignores too.
    """
    teacher_logits = tf.stop_gradient(tf.cast(teacher_logits, student_logits.dtype))
    centred = lambda logits: logits - tf.reduce_mean(logits, axis=-1, keepdims=True)
    return tf.reduce_mean(tf.reduce_sum(tf.square(centred(student_logits) - centred(teacher_logits)), axis=-1))


KD_KINDS = ("kl", "mse")


def labelled(labels):
    """1.0 where a label is known, 0.0 for unlabelled rows (label -1, e.g. a transfer set)."""
    return tf.cast(tf.reshape(labels, [-1]) >= 0, tf.float32)


def cross_entropy(labels, logits):
    """Mean sparse categorical cross-entropy over the labelled rows (label -1 rows are skipped)."""
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
    weights = tf.cast(labelled(labels), logits.dtype)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.maximum(labels, 0), logits=logits)
    return tf.reduce_sum(losses * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


MAP_AVERAGES = ("texts_with_maps", "batch")


def normalized_map_distance(student_map, teacher_map, mask, average="texts_with_maps"):
    """Squared distance between per-sentence unit-normalized word maps, averaged over sentences.

    Each sentence's map (its words, or words x features) is restricted to ``mask`` and scaled to unit
    L2 norm, so the term compares where the evidence is and its sign, not its scale (a teacher's
    gradients and a student's are on unrelated scales). The distance of two unit maps is
    2 * (1 - cosine), in [0, 4]. Sentences with no masked-in word, or a zero map, contribute 0.

    Args:
        student_map: (batch, words) or (batch, words, dim).
        teacher_map: the same shape, treated as a constant.
        mask: (batch, words), 1.0 where both maps have the word.
        average: ``texts_with_maps`` (the mean over the sentences that have a map) or ``batch`` (the sum over
            them divided by the batch's rows: each text that has a map weighs the same in every batch, however
            few of the batch's rows have one).
    """
    if average not in MAP_AVERAGES:
        raise ValueError(f"average must be one of {MAP_AVERAGES}, got {average!r}")
    student_map = tf.convert_to_tensor(student_map)
    teacher_map = tf.stop_gradient(tf.cast(teacher_map, student_map.dtype))
    mask = tf.cast(mask, student_map.dtype)
    while len(mask.shape) < len(student_map.shape):
        mask = mask[..., None]
    axes = list(range(1, len(student_map.shape)))

    def unit(values):
        values = values * mask
        norm = tf.sqrt(tf.reduce_sum(tf.square(values), axis=axes, keepdims=True))
        return values / tf.maximum(norm, 1e-6)

    distances = tf.reduce_sum(tf.square(unit(student_map) - unit(teacher_map)), axis=axes)
    present = tf.cast(tf.reduce_sum(mask, axis=axes) > 0, student_map.dtype)
    rows = tf.reduce_sum(present) if average == "texts_with_maps" else tf.cast(tf.shape(present)[0], present.dtype)
    return tf.reduce_sum(distances * present) / tf.maximum(rows, 1.0)


def token_mask(inputs):
    """1.0 at real positions, 0.0 at padding: id 0 for token ids, an all-zero vector for projections."""
    if len(inputs.shape) == 3:
        return tf.cast(tf.reduce_max(tf.abs(inputs), axis=-1) > 0, tf.float32)
    return tf.cast(tf.not_equal(inputs, 0), tf.float32)


def logits_and_saliency(student, embedded, x, teacher_logits, training=False):
    """The student's logits and its gradient x input map of the teacher's class, differentiable (second order).

    Args:
        student: a model with ``logits_from_embeddings``.
        embedded: (batch, words, dim) the student's embedded inputs.
        x: the student's raw inputs (token ids or projections).
        teacher_logits: (batch, classes); their argmax picks the class explained.
        training: the student's training flag.

    Example:
        >>> logits, saliency = logits_and_saliency(student, student.embed(x), x, teacher_logits)
    """
    with tf.GradientTape() as inner:
        inner.watch(embedded)
        logits = student.logits_from_embeddings(embedded, x, training=training)
        classes = tf.argmax(teacher_logits, axis=-1, output_type=tf.int32)
        chosen = tf.reduce_sum(tf.gather(logits, classes, batch_dims=1))
    gradients = inner.gradient(chosen, embedded)
    return logits, tf.reduce_sum(gradients * embedded, axis=-1)


class TermContext:
    """One batch as every loss term sees it; the student's embedding and logits are computed once here.

    When some term needs the saliency map, the logits come from the inner tape that makes the map
    (``logits_and_saliency``), so every term reads the same forward pass.

    Args:
        student: the model being trained.
        inputs: the whole batch inputs (a dict from ``distillation_dataset``, or one tensor).
        x: the student's part of ``inputs``.
        labels: (batch,) hard labels, -1 for unlabelled rows.
        teacher_logits: (batch, classes), constants.
        training: the student's training flag.
        with_saliency: also compute ``saliency``.
        with_contributions: also compute ``contributions`` (students that ``explains_itself``), in the
            same forward pass as the logits.

    Attributes:
        embedded: the student's embedded ``x``.
        student_logits: the student's logits on ``embedded``.
        saliency: (batch, words) gradient x input of the teacher's class, or None.
        contributions: (batch, positions, classes) the student's own per-position contributions, or None.

    Example:
        >>> context = TermContext(student, inputs, inputs["student_inputs"], labels, teacher_logits)
        >>> KDTerm(temperature=2.0).compute_loss(context)
    """

    def __init__(self, student, inputs, x, labels, teacher_logits, training=False, with_saliency=False,
                 with_contributions=False):
        self.student, self.inputs, self.x, self.labels = student, inputs, x, labels
        self.teacher_logits, self.training = teacher_logits, training
        self.embedded = student.embed(x, training=training)
        self.saliency = self.contributions = None
        if with_contributions:
            self.student_logits, self.contributions = student.outputs_from_embeddings(self.embedded, x, training)
        if with_saliency:
            self.student_logits, self.saliency = logits_and_saliency(student, self.embedded, x, teacher_logits,
                                                                     training)
        elif not with_contributions:
            self.student_logits = student.logits_from_embeddings(self.embedded, x, training=training)


def check_positive(name, value):
    """Raise ``ValueError`` unless ``value > 0`` (``name must be positive, got value``)."""
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


class LossTerm:
    """One weighted term of the Distiller's objective; subclass it and write ``compute_loss`` to add one.

    The Distiller logs the value as ``<name>_loss`` and keeps the weight in the variable
    ``Distiller.term_weights[name]`` (so ``LossWeightScheduler`` can warm it up); ``weight`` is the
    compiled, full weight. A term of weight 0 is not computed (its metric reads 0), unless it is
    ``logged_when_off``. A term that needs ``TermContext.saliency`` sets ``needs_saliency``; one that
    owns variables creates its layers in ``build`` and lists them in ``layers``, and they are trained
    with the student's.

    Args:
        weight: the term's weight (>= 0).
        name: the term's name, unique in one Distiller.

    Example:
        >>> class LogitNorm(LossTerm):
        ...     def __init__(self, weight=1.0, name="logit_norm"):
        ...         super().__init__(weight, name)
        ...     def compute_loss(self, context):
        ...         return tf.reduce_mean(tf.square(context.student_logits))
        >>> distiller.compile("adam", terms=[KDTerm(1.0), LogitNorm(0.01)])
    """

    logged_when_off = False
    needs_saliency = False
    needs_contributions = False

    def __init__(self, weight=1.0, name=None):
        if not name or not isinstance(name, str):
            raise ValueError(f"a loss term needs a name, got {name!r}")
        if weight < 0:
            raise ValueError(f"loss weights must be non-negative, got {weight} for {name!r}")
        self.weight, self.name = float(weight), name

    @property
    def layers(self):
        """The Keras layers this term owns (none by default)."""
        return []

    @property
    def trainable_variables(self):
        """The variables of ``layers`` that a training step updates."""
        return [variable for layer in self.layers for variable in layer.trainable_variables]

    def build(self, student):
        """Check that the term fits ``student`` and create its layers; called at compile when weight > 0."""

    def compute_loss(self, context):
        """The term's scalar value on one batch (a ``TermContext``)."""
        raise NotImplementedError

    def get_config(self):
        """Every init argument, so ``type(term).from_config(term.get_config())`` rebuilds the term."""
        return {"weight": self.weight, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """The term that ``get_config`` describes."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class CrossEntropyTerm(LossTerm):
    """CE(y, s): the hard-label cross-entropy over the labelled rows (``cross_entropy``).

    Args:
        weight: the term's weight (>= 0).
        name: the term's name.

    Example:
        >>> CrossEntropyTerm(0.1)
    """

    logged_when_off = True

    def __init__(self, weight=1.0, name="ce"):
        super().__init__(weight, name)

    def compute_loss(self, context):
        return cross_entropy(context.labels, context.student_logits)


class KDTerm(LossTerm):
    """The distillation term (``kd_loss``): the teacher's outputs as the student's target.

    ``kind="kl"``: T^2 * KL(softmax(t/T) || softmax(s/T)), the teacher's softened distribution
    (``kd_loss``). ``kind="mse"``: the squared distance of the centred logits (``logit_mse``; the
    temperature is then unused).

    Args:
        weight: the term's weight (>= 0).
        temperature: the softening temperature T (> 0) of ``kl``.
        kind: ``kl`` or ``mse``.
        name: the term's name.

    Example:
        >>> KDTerm(0.9, temperature=3.0)
        >>> KDTerm(1.0, kind="mse")
    """

    logged_when_off = True

    def __init__(self, weight=1.0, temperature=3.0, kind="kl", name="kd"):
        super().__init__(weight, name)
        check_positive("temperature", temperature)
        if kind not in KD_KINDS:
            raise ValueError(f"KD kind must be one of {KD_KINDS}, got {kind!r}")
        self.temperature = float(temperature)
        self.kind = kind

    def compute_loss(self, context):
        if self.kind == "mse":
            return logit_mse(context.teacher_logits, context.student_logits)
        return kd_loss(context.teacher_logits, context.student_logits, self.temperature)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature, "kind": self.kind}


def teacher_word_maps(inputs):
    """(maps, mask): the teacher's word maps carried in the batch by ``distillation_dataset``."""
    if not isinstance(inputs, dict) or TEACHER_MAP_KEY not in inputs:
        raise ValueError("explain_weight > 0 needs the teacher's word maps in the batch: build the data with "
                         "distillation_dataset(..., explanations=TeacherExplanations(...))")
    return inputs[TEACHER_MAP_KEY], inputs[TEACHER_MAP_MASK_KEY]


class ExplanationTerm(LossTerm):
    """L_explain: the student's word-level explanation map pulled to the teacher's (``normalized_map_distance``).

    The teacher's maps come with the batch (``TeacherExplanations``). ``contributions`` is the
    student's own per-word share of the teacher's class logit (students that ``explains_itself``: the
    explanation the ``.tflite`` outputs), first order, compared with the teacher's word attributions
    (``TeacherExplanations``: endpoint-Shapley by default, occlusion, alone or integrated gradients); ``saliency`` is gradient x input of the teacher's class, a
    second-order term through the student; ``attention`` the attention-pooling weights (students with
    ``attention_map``); ``features`` FitNets: a learned linear hint, owned by this term, maps the
    student's word features onto the teacher's ``feature_dim`` principal components.

    Args:
        weight: the term's weight (>= 0).
        kind: ``contributions``, ``saliency``, ``attention`` or ``features``.
        feature_dim: the teacher feature size the hint maps onto (``features`` only).
        average: how a batch's map distances are averaged (``normalized_map_distance``): ``batch`` (each text
            with a teacher map weighs the same whatever its batch holds) or ``texts_with_maps``.
        name: the term's name.

    Example:
        >>> ExplanationTerm(1.0, kind="features", feature_dim=8)
    """

    def __init__(self, weight=1.0, kind="saliency", feature_dim=32, average="batch", name="explain"):
        super().__init__(weight, name)
        if kind not in EXPLANATIONS:
            raise ValueError(f"unknown explanation {kind!r}; choose one of {list(EXPLANATIONS)}")
        if average not in MAP_AVERAGES:
            raise ValueError(f"explanation average must be one of {MAP_AVERAGES}, got {average!r}")
        self.kind, self.feature_dim, self.average = kind, int(feature_dim), average
        self.hint = None

    @property
    def needs_saliency(self):
        return self.kind == "saliency"

    @property
    def needs_contributions(self):
        return self.kind == "contributions"

    @property
    def layers(self):
        return [self.hint] if self.hint is not None else []

    def build(self, student):
        """Check that ``student`` explains itself (``contributions``) or has attention pooling (``attention``),
        or create the FitNets hint (``features``)."""
        if self.kind == "contributions":
            student.check_explains_itself()
        if self.kind == "attention" and not hasattr(student, "attention_map"):
            raise ValueError(f"student {student.name!r} has no attention pooling; use explanation="
                             "'saliency' or 'features', or a student with attention_map (prado)")
        if self.kind == "features" and self.hint is None:
            self.hint = keras.layers.Dense(self.feature_dim, use_bias=False, name="fitnets_hint")
            student.build_for_inputs()
            probe = tf.zeros((1, *student.encoder.input_shape), student.encoder.input_dtype)
            self.hint.build(student.token_features(probe).shape)

    def student_map(self, context):
        """The student's (batch, words) map, or (batch, words, feature_dim) for ``features``."""
        if self.kind == "saliency":
            return context.saliency
        if self.kind == "contributions":
            classes = tf.argmax(context.teacher_logits, axis=-1, output_type=tf.int32)
            return tf.gather(tf.transpose(context.contributions, [0, 2, 1]), classes, batch_dims=1)
        if self.kind == "attention":
            return context.student.attention_map(context.x, training=context.training)
        return self.hint(context.student.features_from_embeddings(context.embedded, context.x,
                                                                  training=context.training))

    def compute_loss(self, context):
        student_map = self.student_map(context)
        target, mask = teacher_word_maps(context.inputs)
        if target.shape[1:] != student_map.shape[1:]:
            raise ValueError(f"teacher word maps of shape {target.shape[1:]} do not match the student's "
                             f"{student_map.shape[1:]}: build TeacherExplanations with the student's max_length "
                             "and the Distiller's feature_dim")
        return normalized_map_distance(student_map, target, mask, self.average)

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "feature_dim": self.feature_dim, "average": self.average}


def masked_rms(values, mask):
    """Root mean square of ``values`` (batch, words, dim) over the positions where ``mask`` (batch, words, 1) is 1."""
    return tf.sqrt(tf.reduce_sum(tf.square(values) * mask) /
                   tf.maximum(tf.reduce_sum(mask) * tf.cast(tf.shape(values)[-1], values.dtype), 1.0))


class AdversarialTerm(LossTerm):
    """L_adv (ARD-style, continuous): the KD loss of the student on a PGD-perturbed input.

    ``steps`` of PGD within an L-inf ball of radius ``epsilon`` x the RMS of the student's input
    vectors (word embeddings, or PRADO's projections; padding is left alone) maximize the KD loss;
    then the student on the perturbed input is pulled to the teacher's soft labels of the clean text.
    An off term (weight 0) does not check ``steps`` and ``epsilon``.

    Args:
        weight: the term's weight (>= 0).
        steps: PGD steps (>= 1).
        epsilon: the L-inf radius, relative to the RMS of the student's input vectors (> 0).
        temperature: the KD temperature T (> 0) of the attack and of the term.
        name: the term's name.

    Example:
        >>> AdversarialTerm(0.5, steps=3, epsilon=1.0)
    """

    def __init__(self, weight=1.0, steps=1, epsilon=0.5, temperature=3.0, name="adv"):
        super().__init__(weight, name)
        check_positive("temperature", temperature)
        if weight and (steps < 1 or epsilon <= 0):
            raise ValueError("adversarial_steps must be >= 1 and adversarial_epsilon > 0")
        self.steps, self.epsilon, self.temperature = int(steps), float(epsilon), float(temperature)

    def perturbation(self, context):
        """The PGD perturbation of ``context.embedded`` (zero at padding)."""
        clean = tf.stop_gradient(context.embedded)
        mask = token_mask(context.x)[..., None]
        epsilon = self.epsilon * masked_rms(clean, mask)
        step = 2.5 * epsilon / self.steps
        delta = tf.random.uniform(tf.shape(clean), -1.0, 1.0) * epsilon * mask
        for _ in range(self.steps):
            with tf.GradientTape() as attack:
                attack.watch(delta)
                loss = self.kd_on(context, clean + delta)
            delta = tf.clip_by_value(delta + step * tf.sign(attack.gradient(loss, delta)), -epsilon, epsilon) * mask
        return delta

    def kd_on(self, context, embedded):
        """The KD loss of the student on ``embedded`` against the teacher's clean logits."""
        logits = context.student.logits_from_embeddings(embedded, context.x, training=context.training)
        return kd_loss(context.teacher_logits, logits, self.temperature)

    def compute_loss(self, context):
        return self.kd_on(context, context.embedded + tf.stop_gradient(self.perturbation(context)))

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "epsilon": self.epsilon,
                "temperature": self.temperature}


class WorstCaseTerm(LossTerm):
    """L_robust: the loss on the worst case over declared word substitutions (all words at once).

    Each position may hold any id of its row of ``substitutions`` (``substitution_table``: e.g. PWWS'
    WordNet synonyms through the student's encoder), with no limit on how many change. Two ways to
    find the worst case:

    - ``ibp``: interval bound propagation (Jia et al. 2019) through the student's
      ``embedding_bounds`` / ``worst_case_logits``: cross-entropy on logits that bound every such
      text's from above (certifiable, and conservative);
    - ``search``: ``steps`` rounds of a first-order discrete search (HotFlip-style, Ebrahimi et al.
      2018): every position takes the candidate whose vector most increases the loss along its
      gradient; the student on the chosen ids is pulled to the teacher's soft labels of the clean
      text (KL at T = 1), a discrete, always-realizable adversary.

    The label of the worst case is the true one, or the teacher's class for unlabelled (transfer) rows.

    Args:
        weight: the term's weight (>= 0).
        substitutions: an int table (num_buckets + 1, width), row i the ids that id i may become.
        kind: ``ibp`` or ``search``.
        steps: rounds of the ``search`` kind (>= 1).
        share: ``search`` only: the share of each sentence's tokens swapped (those the gradient ranks
            most harmful); 1 swaps every position that has a more harmful candidate.
        name: the term's name.

    Example:
        >>> WorstCaseTerm(0.5, substitution_table(encoder, wordnet_substitutes(encoder.vocabulary)), kind="search")
    """

    KINDS = ("ibp", "search")

    def __init__(self, weight=1.0, substitutions=None, kind="ibp", steps=1, share=1.0, name="robust"):
        super().__init__(weight, name)
        if kind not in self.KINDS:
            raise ValueError(f"worst-case kind must be one of {self.KINDS}, got {kind!r}")
        if weight and substitutions is None:
            raise ValueError("the worst-case term needs substitution sets (substitution_table)")
        if steps < 1:
            raise ValueError(f"worst-case search steps must be >= 1, got {steps}")
        if not 0 < share <= 1:
            raise ValueError(f"worst-case share must be in (0, 1], got {share}")
        self.kind, self.steps, self.share = kind, int(steps), float(share)
        self.substitutions = None if substitutions is None else tf.constant(substitutions, tf.int32)
        # The share of each interval trained against (``LossWeightScheduler`` ramps it with the weight, as IBP
        # training ramps its epsilon); validation always bounds the whole interval.
        self.interval_scale = tf.Variable(1.0, trainable=False, name=f"{name}_interval_scale")

    def build(self, student):
        if self.kind == "ibp" and not hasattr(student, "worst_case_logits"):
            raise ValueError(f"student {student.name!r} has no interval bounds (worst_case_logits); the ibp "
                             "worst-case term applies to the cnn student")
        if not hasattr(getattr(student, "embedding", None), "embeddings"):
            raise ValueError(f"student {student.name!r} has no word embedding table to search substitutions in")

    def worst_case_labels(self, context):
        teacher_classes = tf.argmax(context.teacher_logits, axis=-1, output_type=tf.int32)
        labels = tf.cast(context.labels, tf.int32)
        return tf.where(labels >= 0, labels, teacher_classes)

    def compute_loss(self, context):
        if self.kind == "ibp":
            return self.interval_loss(context)
        return self.search_loss(context)

    def interval_loss(self, context):
        lower, upper = context.student.embedding_bounds(context.x, self.substitutions)
        if context.training:
            lower = context.embedded + self.interval_scale * (lower - context.embedded)
            upper = context.embedded + self.interval_scale * (upper - context.embedded)
        labels = self.worst_case_labels(context)
        logits = context.student.worst_case_logits(lower, upper, labels, context.x)
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))

    def worst_substitutions(self, student, x, teacher_logits):
        """The ids the first-order search picks: at every position one of its row of ``substitutions``."""
        candidates = tf.gather(self.substitutions, x)  # (batch, positions, width); column 0 is the id itself
        table = tf.stop_gradient(student.embedding.embeddings)
        vectors = tf.gather(table, candidates)
        chosen = x
        for _ in range(self.steps):
            current = tf.gather(table, chosen)
            with tf.GradientTape() as tape:
                tape.watch(current)
                loss = kd_loss(teacher_logits, student.logits_from_embeddings(current, x, training=False), 1.0)
            gain = tf.einsum("bpd,bpwd->bpw", tape.gradient(loss, current), vectors - current[:, :, None])
            best = tf.gather(candidates, tf.argmax(gain, axis=-1, output_type=tf.int32), batch_dims=2)
            chosen = tf.where(self.swapped_positions(tf.reduce_max(gain, axis=-1), x), best, x)
        return tf.stop_gradient(chosen)

    def swapped_positions(self, gain, x):
        """All positions (``share`` 1), else those whose best gain is among the top ``share`` of the
        sentence's tokens (rounded up)."""
        if self.share >= 1.0:
            return tf.ones_like(x, tf.bool)
        present = tf.not_equal(x, 0)
        count = tf.reduce_sum(tf.cast(present, tf.int32), axis=1)
        keep = tf.maximum(1, tf.cast(tf.math.ceil(self.share * tf.cast(count, tf.float32)), tf.int32))
        ranked = tf.sort(tf.where(present, gain, -1e9), axis=1, direction="DESCENDING")
        threshold = tf.gather(ranked, keep - 1, batch_dims=1)[:, None]
        return present & (gain >= threshold)

    def search_loss(self, context):
        chosen = self.worst_substitutions(context.student, context.x, context.teacher_logits)
        logits = context.student.logits_from_embeddings(context.student.embed(chosen, training=context.training),
                                                        context.x, training=context.training)
        return kd_loss(context.teacher_logits, logits, 1.0)

    def get_config(self):
        table = None if self.substitutions is None else self.substitutions.numpy().tolist()
        return {**super().get_config(), "substitutions": table, "kind": self.kind, "steps": self.steps,
                "share": self.share}

    def __repr__(self):
        shape = None if self.substitutions is None else tuple(self.substitutions.shape)
        return (f"WorstCaseTerm(weight={self.weight!r}, substitutions=<table {shape}>, kind={self.kind!r}, "
                f"steps={self.steps}, share={self.share}, name={self.name!r})")
