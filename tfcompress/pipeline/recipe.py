"""The one training recipe: how tfcompress trains a classifier on labels and distils a student.

The run (``tfcompress run``), every benchmark, the notebooks and the tests train through these
functions, so a change to how models are trained is made here once.

- ``train_classifier``: hard-label cross-entropy with Adam; with a validation split, early stopping
  on validation accuracy and the best epoch's weights.
- ``train_teacher``: builds the settings' teacher and trains it with ``train_classifier``.
- ``make_student``: builds the settings' student, its embeddings started from the teacher's word
  vectors when ``embedding_init`` is ``teacher``.
- ``distill``: the ``Distiller`` with the settings' objectives (KD, explanation, adversarial), the
  teacher-labelled transfer set, teacher word maps, discrete adversarial texts and the monitors.

``settings`` is the flat dict of ``preset_settings`` (or a ``RunConfig``'s ``settings()``).

Example:
    >>> settings = preset_settings("quick")
    >>> teacher = train_teacher(settings, data)
    >>> student, _ = make_student(settings, teacher, data)
    >>> result = distill(student, teacher, data, settings)
    >>> result.summary["final"]["kd_loss"]
"""
import contextlib
import dataclasses
import importlib.util
import json
import os
import time

import numpy as np

from tfcompress.atomic import atomic_path, write_json_atomic
from tfcompress.backend import keras
from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestWeights, Distiller,
                                ExplanationFidelityMonitor, LossWeightScheduler, RobustnessMonitor, TeacherExplanations,
                                ValidationObjective, distillation_dataset, init_embeddings_from_teacher,
                                teacher_lexicon)
from tfcompress.datasets import Split
from tfcompress.distill.augment import with_transfer_copies
from tfcompress.distill.teacher_explanations import FORWARD_MAPS, teacher_map_kind
from tfcompress.distill.teacher_precision import labelling_teacher
from tfcompress.distill.substitution_sets import (merged_substitutes, neighbour_substitutes, sentiment_preserving,
                                                  substitution_statistics, substitution_table, wordnet_missing,
                                                  wordnet_substitutes)
from tfcompress.distill.typo_edits import with_typos
from tfcompress.distill.word_neighbours import teacher_neighbours
from tfcompress.models import TeacherOutputCache, build_student, build_teacher
from tfcompress.pipeline.learning_rate import build_optimizer, steps_per_epoch
from tfcompress.pipeline.phases import OBJECTIVE_TERMS, full_objective_weights, training_phases
from tfcompress.pipeline.progress import ProgressLog, log
from tfcompress.pipeline.workers import Workers
from tfcompress.text.english_words import english_words
from tfcompress.text.vocabulary_encoder import VocabularyEncoder

VALIDATION_BATCH = 256
DISTILLER_SETTINGS = ("ce_weight", "kd_weight", "explain_weight", "adversarial_weight", "temperature", "kd_kind",
                      "explanation", "adversarial_steps", "adversarial_epsilon", "robust_weight", "robust_kind",
                      "robust_steps", "robust_share", "explain_average")


def fit_callbacks(name, model, epochs, patience=None, backup_dir=None, validation=True, monitor="val_accuracy",
                  mode="max"):
    """Progress lines; with ``backup_dir`` resume from the last epoch; with validation, stop when ``monitor``
    stalls for ``patience`` epochs and end on the best epoch's weights (the last callback, a ``BestWeights``)."""
    callbacks = [ProgressLog(name, epochs)]
    if backup_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir))
    if validation and patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=patience))
    if validation:
        callbacks.append(BestWeights(monitor, mode, target=model))
    return callbacks


def train_classifier(model, train, validation=None, *, epochs, learning_rate, batch_size, seed=0, patience=None,
                     backup_dir=None, name="model", verbose=0, callbacks=(), optimizer=None):
    """Fit ``model`` (a ``TextClassifier``) on the labels of ``train``; returns the model.

    Args:
        model: the classifier; its encoder makes the inputs.
        train: a ``Split`` (texts, labels).
        validation: optional ``Split``: early stopping (with ``patience``) and best-epoch weights.
        epochs, learning_rate, batch_size: the fit budget.
        optimizer: the optimizer options of ``learning_rate.build_optimizer`` (``None``: Adam at a constant rate).
        seed: fixes shuffling and initialization.
        patience: epochs without a better validation accuracy before stopping (``None``: never).
        backup_dir: where ``BackupAndRestore`` keeps the state that an interrupted fit resumes from.
        name: the stage name in progress lines.
        verbose: Keras' fit verbosity.
        callbacks: more callbacks, run before the recipe's own.

    Example:
        >>> train_classifier(CNNStudent(), data.train, data.validation, epochs=4, learning_rate=2e-3, batch_size=64)
    """
    keras.utils.set_random_seed(seed)
    total_steps = epochs * steps_per_epoch(len(train.texts), batch_size)
    model.compile(build_optimizer(learning_rate, total_steps, optimizer),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  [keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    encode = model.encoder.encode
    model.fit(train.to_tf_dataset(encode, batch_size, True, seed),
              validation_data=validation.to_tf_dataset(encode, VALIDATION_BATCH) if validation is not None else None,
              epochs=epochs, verbose=verbose,
              callbacks=[*callbacks, *fit_callbacks(name, model, epochs, patience, backup_dir, validation is not None)])
    return model


def train_teacher(settings, data, seed=0, backup_dir=None, verbose=0, callbacks=()):
    """The settings' teacher (``teacher``, ``teacher_config``), trained on ``data.train`` labels (``callbacks``:
    more Keras callbacks for its fit)."""
    keras.utils.set_random_seed(seed)
    teacher = build_teacher(settings["teacher"], num_classes=data.num_classes, **settings["teacher_config"])
    return train_classifier(teacher, data.train, data.validation, epochs=settings["teacher_epochs"],
                            learning_rate=settings["teacher_learning_rate"], batch_size=settings["teacher_batch_size"],
                            seed=seed, patience=settings.get("teacher_patience", settings["patience"]),
                            backup_dir=backup_dir, name="teacher", verbose=verbose,
                            optimizer=settings.get("teacher_optimizer"), callbacks=callbacks)


def word_encoder(settings, data):
    """The settings' closed-vocabulary encoder (``vocabulary``: ``{"size", "typo_recovery", "keep_real_words"}``)
    over the training split's most frequent tokens, or ``None`` when the student keeps its own (hashed) encoder.
    With ``keep_real_words`` the English words that recovery would rewrite into another word are read as
    unknown instead (``VocabularyEncoder.from_texts``' ``real_words``)."""
    vocabulary = settings.get("vocabulary")
    if not vocabulary:
        return None
    return VocabularyEncoder.from_texts(data.train.texts, vocabulary["size"], settings["student_config"]["max_length"],
                                        typo_recovery=vocabulary.get("typo_recovery", True),
                                        real_words=english_words() if vocabulary.get("keep_real_words") else None)


def build_settings_student(settings, data):
    """The settings' untrained student; with a ``vocabulary`` setting it reads ``word_encoder``'s ids."""
    config = dict(settings["student_config"])
    encoder = word_encoder(settings, data)
    if encoder is not None:
        if "num_hashes" not in config:
            raise ValueError(f"the {settings['student']} student reads no word ids, so the 'vocabulary' setting "
                             "cannot apply to it; set vocabulary to null")
        config.update(encoder=encoder, num_buckets=encoder.num_buckets, num_hashes=1)
    return build_student(settings["student"], num_classes=data.num_classes, **config)


def train_baseline(settings, data, seed=0, verbose=0):
    """The settings' student trained on labels alone (no teacher): the cross-entropy baseline."""
    keras.utils.set_random_seed(seed)
    student = build_settings_student(settings, data)
    return train_classifier(student, data.train, data.validation, epochs=settings["student_epochs"],
                            learning_rate=settings["student_learning_rate"], batch_size=settings["student_batch_size"],
                            seed=seed, patience=settings["patience"], name="baseline", verbose=verbose)


def make_student(settings, teacher, data, seed=0, cache=None):
    """The settings' untrained student; with ``embedding_init: teacher`` its hashed embeddings start from
    the teacher's word vectors (through ``cache``, a ``TeacherOutputCache`` or folder, when given).
    Returns ``(student, embedding_init)``, the latter for metrics.json."""
    keras.utils.set_random_seed(seed)
    student = build_settings_student(settings, data)
    if settings.get("embedding_init") != "teacher" or not hasattr(student, "embedding"):
        return student, "random"
    log("distill: initializing the student's word embeddings from the teacher's word vectors")
    lexicon = teacher_lexicon(teacher) + english_words(settings.get("lexicon_words"))
    report = init_embeddings_from_teacher(student, teacher, data.train.texts, lexicon=lexicon, seed=seed,
                                          logit_dims=settings.get("embedding_logit_dims", 0),
                                          cache=cache and _teacher_cache(cache))
    return student, {"from": "teacher", **report}


def adversarial_texts_missing():
    """Why discrete adversarial texts cannot run here (textattack and the offline NLTK data), or ``None``."""
    if importlib.util.find_spec("textattack") is None:
        return "textattack is not installed (it is on the full stack only)"
    from tfcompress.robustness.offline_textattack import OfflineResourceError, check_nltk_data

    try:
        check_nltk_data()
    except OfflineResourceError as error:
        return str(error)
    return None


def objective_blockers(settings):
    """The objectives ``settings`` train that this stack cannot: ``[(what, why, command-line switch)]``."""
    blocked = []
    if settings.get("adversarial_texts"):
        missing = adversarial_texts_missing()
        if missing:
            blocked.append(("discrete adversarial texts", missing, "--no-adversarial-texts"))
    if settings.get("robust_weight") and "wordnet" in settings.get("robust_sets", ["wordnet"]):
        missing = wordnet_missing()
        if missing:
            blocked.append(("the worst-case term over WordNet swaps", missing, "--no-worst-case"))
    return blocked


def adversarial_texts_enabled(settings):
    return bool(settings.get("adversarial_texts")) and adversarial_texts_missing() is None


def adversarial_texts_status(settings):
    """What metrics.json records of the discrete adversarial texts: their options, or why they are off."""
    if not settings.get("adversarial_texts"):
        return "off"
    missing = adversarial_texts_missing()
    return f"off: {missing}" if missing else settings["adversarial_texts"]


def distiller_settings(settings):
    """The ``Distiller.compile`` keywords in ``settings``."""
    return {key: settings[key] for key in DISTILLER_SETTINGS if key in settings}


def substitution_neighbours(train, settings, teacher, cache, readable=None):
    """The teacher's nearest words for each training word, among the words the student reads (``readable``,
    its vocabulary; ``None``: every training word), or ``None`` when there are no transfer copies to
    substitute into (``transfer_copies`` or ``transfer_substitute`` 0). A swap to a word the student cannot
    read would reach it as unknown while the teacher labels the real word."""
    if not settings.get("transfer_copies") or not settings.get("transfer_substitute"):
        return None
    readable = None if readable is None else set(readable)
    words = sorted({word for text in train.texts for word in teacher.encoder.words(text)
                    if word.isalpha() and (readable is None or word in readable)})
    return teacher_neighbours(teacher, words, k=settings.get("transfer_neighbours", 8), cache=cache)


ROBUST_SETS = ("wordnet", "teacher_neighbours")


def worst_case_sets(student, settings, stage="distill", teacher=None, cache=None):
    """(settings, substitution table) for the worst-case term when ``robust_weight`` > 0: the
    ``robust_sets`` (``wordnet``: PWWS' WordNet swaps; ``teacher_neighbours``: the teacher's nearest
    words, antonyms and polarity flips removed) through the student's vocabulary. The QAT stage
    continues without an ``ibp`` term (no bounds through fake-quantized layers), saying so."""
    if not settings.get("robust_weight"):
        return settings, None
    kind = settings.get("robust_kind", "ibp")
    if not (hasattr(student, "worst_case_logits") if kind == "ibp" else
            hasattr(getattr(student, "embedding", None), "embeddings")):
        if stage == "qat":
            log("qat: the worst-case term trains in the distill stage only (no interval bounds through "
                "fake-quantized layers); QAT continues the other terms")
            return {**settings, "robust_weight": 0.0}, None
        raise ValueError(f"robust_weight needs a student with interval bounds (the cnn student), not "
                         f"{getattr(student, 'registry_name', student.name)!r}; set robust_weight to 0")
    if not hasattr(student.encoder, "vocabulary"):
        raise ValueError("robust_weight needs a closed-vocabulary student (the 'vocabulary' setting); set "
                         "robust_weight to 0 or give a vocabulary")
    missing = wordnet_missing()
    if missing:  # as the discrete adversarial texts: recorded in metrics.json as off, with the reason
        log(f"{stage}: worst-case term off: {missing}")
        return {**settings, "robust_weight": 0.0, "robust_status": f"off: {missing}"}, None
    sets = settings.get("robust_sets", ["wordnet"])
    unknown = sorted(set(sets) - set(ROBUST_SETS))
    if unknown or not sets:
        raise ValueError(f"robust_sets must be a non-empty list of {list(ROBUST_SETS)}, got {sets}")
    vocabulary = student.encoder.vocabulary
    sources, removed = [], None
    if "wordnet" in sets:
        wordnet = wordnet_substitutes(vocabulary)
        if settings.get("robust_sentiment_filter", True):
            wordnet, removed = sentiment_preserving(student.encoder, wordnet, teacher, cache)
        sources.append(wordnet)
    if "teacher_neighbours" in sets:
        sources.append(neighbour_substitutes(teacher, vocabulary, k=settings.get("robust_neighbours", 8),
                                             cache=cache))
    table = substitution_table(student.encoder, merged_substitutes(*sources), settings.get("substitution_width", 48),
                               keep_unknown=settings.get("robust_unknown", True))
    statistics = {**substitution_statistics(table), "removed": removed}
    log(f"{stage}: worst-case term ({kind}) over {' + '.join(sets)} substitutions: {statistics}")
    return {**settings, "robust_set_statistics": statistics}, table


def transfer_set(train, settings, teacher, cache, seed=0, labeller=None, readable=None):
    """``train`` plus ``transfer_copies`` perturbed copies of each text (label -1, KD only), and the
    teacher's logits for all of them; then, with ``typo_share``, that share of the rows is given the
    character attacks' random edits (``typo_rate`` of their words), keeping the logits of the clean text.
    ``labeller`` (``teacher_precision.labelling_teacher``; default the teacher) computes the logits;
    substitutions draw on ``readable`` words only (``substitution_neighbours``).
    Returns ``(texts, logits, clean_texts)``: the split the student reads, the teacher's logits and the
    texts before the edits (where the teacher's word maps are computed; edits keep word positions)."""
    augmented = with_transfer_copies(train, settings["transfer_copies"], seed,
                                     neighbours=substitution_neighbours(train, settings, teacher, cache, readable),
                                     substitute=settings.get("transfer_substitute", 0.0))
    if len(augmented.texts) > len(train.texts):
        log(f"distill: transfer set of {len(augmented.texts) - len(train.texts)} perturbed texts, "
            "labelled by the teacher")
    logits = cache.logits(labeller or teacher, augmented.texts)
    clean_texts = augmented.texts
    if settings.get("typo_share"):
        augmented = Split(with_typos(augmented.texts, settings["typo_share"], settings.get("typo_rate", 0.25), seed),
                          augmented.labels)
        log(f"distill: random character edits in {settings['typo_share']:.0%} of the transfer set's texts")
    return augmented, logits, clean_texts


@dataclasses.dataclass
class DistillResult:
    """What ``distill`` returns: the fitted ``distiller``, Keras' ``history`` dict, the ``monitors``
    and ``summary`` (the ``distill`` section of metrics.json)."""

    distiller: Distiller
    history: dict
    monitors: list
    summary: dict


def distill(student, teacher, data, settings, *, seed=0, cache=None, epochs=None, learning_rate=None,
            backup_dir=None, stage="distill", verbose=0, callbacks=(), workers=None):
    """Train ``student`` from ``teacher`` with the settings' objectives under ``model.fit``.

    Args:
        student: a ``TextClassifier`` or a ``QATStudent``.
        teacher: the trained teacher (frozen).
        data: a ``TextDataset``: its ``train`` split (plus transfer copies) is distilled, its
            ``validation`` split drives early stopping and the monitors.
        settings: the flat settings (``preset_settings``): loss weights, temperature, explanation kind,
            adversarial options, transfer copies, warm-up, patience, the student's fit budget.
        seed: fixes shuffling, transfer copies and adversarial samples.
        cache: a ``TeacherOutputCache`` (or a folder for one) so teacher outputs are computed once;
            ``None`` keeps them in a temporary folder.
        epochs, learning_rate: override the settings' ``student_epochs`` / ``student_learning_rate``.
        backup_dir: where an interrupted fit keeps the state it resumes from.
        stage: the name in progress lines.
        verbose: Keras' fit verbosity.
        callbacks: more callbacks, run before the recipe's monitors.
        workers: ``tfcompress.pipeline.workers.Workers``: under ``multi_worker``, this worker distils its shard of
            the training split (its teacher labels and maps only for those texts) with its share of the global
            batch; build ``student`` inside ``workers.scope()``. ``None``: one process.

    Returns:
        ``DistillResult``.

    Example:
        >>> result = distill(student, teacher, data, preset_settings("quick"), cache="runs/x/teacher_outputs")
    """
    cache = _teacher_cache(cache)
    workers = workers or Workers()
    seconds = {}
    own_train = workers.shard(data.train)
    with timed(seconds, "worst_case_sets"):
        settings, substitutions = worst_case_sets(student, settings, stage, teacher, cache)
    with workers.scope():
        distiller = Distiller(student=student, teacher=teacher)
    with timed(seconds, "teacher_inference"):
        labeller, inference = labelling_teacher(teacher, settings.get("teacher_inference", "float32"),
                                                data.validation.texts, cache)
    log(f"{stage}: teacher labels and occlusion maps in {inference['precision']}: {describe_inference(inference)}")
    with timed(seconds, "transfer_set"):
        train, train_logits, clean_texts = transfer_set(own_train, settings, teacher, cache, seed, labeller,
                                                        getattr(getattr(student, "encoder", None), "vocabulary", None))
    explanations = _teacher_explanations(settings, teacher, student, cache, labeller)
    first = min(len(own_train.texts), settings["explain_examples"] // workers.count)
    pool = AdversarialTextPool(student) if adversarial_texts_enabled(settings) else None
    if pool is None and settings.get("adversarial_texts"):
        log(f"{stage}: discrete adversarial texts off: {adversarial_texts_missing()}")
    with timed(seconds, "teacher_maps"):
        train_maps = explanations and explanations.compute(clean_texts, first=first)
        validation_maps = explanations and explanations.compute(data.validation.texts)
    batch_size = workers.local_batch_size(settings["student_batch_size"])
    with timed(seconds, "datasets"):
        train_data = distillation_dataset(train, student, teacher, batch_size, True, seed,
                                          teacher_logits=train_logits, explanations=train_maps,
                                          adversarial_pool=pool, endless=True)
        validation_data = distillation_dataset(
            data.validation, student, teacher, VALIDATION_BATCH,
            teacher_logits=cache.logits(labeller, data.validation.texts), explanations=validation_maps)
        train_data, validation_data = workers.as_local(train_data), workers.as_local(validation_data)
        monitors = distill_monitors(settings, data.validation, teacher, pool, seed)
    phases = training_phases(settings, stage, epochs, learning_rate)
    steps = steps_per_epoch(len(train.texts), batch_size)
    history, phase_summaries = {}, []
    for index, phase in enumerate(phases):
        last = index == len(phases) - 1
        with timed(seconds, "fit"):
            fit_history, best_epoch = _fit_phase(distiller, phase, train_data, validation_data, steps, substitutions,
                                                 monitors if last else [], callbacks, seconds, stage,
                                                 backup_dir, workers, verbose, keep_finished=not last)
        _append_history(history, fit_history)
        phase_summaries.append({"name": phase.name, "epochs_run": len(fit_history.get("loss", [])),
                                "kept_epoch": best_epoch, "monitor": phase.monitor,
                                "learning_rate": phase.learning_rate, "ramp_epochs": phase.ramp_epochs})
    summary = _summary(distiller, history, monitors, settings)
    summary.update(phases=phase_summaries, seconds=seconds, teacher_inference=inference)
    if workers.count > 1:
        summary["workers"] = {**workers.describe(), "train_texts": len(own_train), "transfer_texts": len(train.texts)}
    return DistillResult(distiller, history, monitors, summary)


def _append_history(history, more):
    """``history`` (Keras' per-epoch lists) extended by a later fit's ``more``: a quantity one of them did not log
    is ``nan`` in its epochs, so every list has one value per epoch of the whole distillation."""
    done = len(history.get("loss", []))
    added = len(more.get("loss", []))
    for key in set(history) | set(more):
        history.setdefault(key, [float("nan")] * done).extend(more.get(key, [float("nan")] * added))


def _fit_phase(distiller, phase, train_data, validation_data, steps, substitutions, monitors, callbacks, seconds,
               stage, backup_dir, workers, verbose, keep_finished):
    """One ``TrainingPhase``: the Distiller compiled with the phase's terms and a decaying rate, then ``fit``.
    With ``keep_finished`` (a phase that others follow) the finished phase leaves its student weights and
    history under ``backup_dir``, so a resumed run skips it. Returns ``(history, kept epoch)``."""
    name = stage if phase.name == "all" else f"{stage} ({phase.name})"
    done = _finished_phase(backup_dir, phase)
    if done is not None:
        with np.load(done["weights"]) as saved:
            distiller.student.set_weights([saved[f"arr_{index}"] for index in range(len(saved.files))])
        log(f"{name}: reusing the finished phase")
        return done["history"], done["kept_epoch"]
    with workers.scope():
        optimizer = build_optimizer(phase.learning_rate, phase.epochs * steps, phase.decay)
        distiller.compile(optimizer, [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                          **distiller_settings(phase.settings), substitutions=substitutions)
    refreshes = [monitor for monitor in monitors if isinstance(monitor, AdversarialTextRefresh)]
    measuring = [monitor for monitor in monitors if monitor not in refreshes]
    span, late_span = MonitorSpan(seconds, "fit_monitors"), MonitorSpan(seconds, "fit_monitors")
    keeping = fit_callbacks(name, distiller.student, phase.epochs, phase.patience,
                            backup_dir and os.path.join(backup_dir, phase.name), monitor=phase.monitor,
                            mode=phase.mode)
    # The adversarial-text refreshes run after early stopping, so they skip the epoch the fit ends on.
    fit = distiller.fit(train_data, validation_data=validation_data, epochs=phase.epochs, steps_per_epoch=steps,
                        verbose=verbose,
                        callbacks=[*callbacks, LossWeightScheduler(phase.ramp_epochs, terms=OBJECTIVE_TERMS),
                                   span.start, *measuring, span.stop,
                                   ValidationObjective(full_objective_weights(phase.settings)), *keeping,
                                   late_span.start, *refreshes, late_span.stop])
    best_epoch = keeping[-1].best_epoch
    if backup_dir and keep_finished:
        _save_finished_phase(backup_dir, phase, distiller.student, fit.history, best_epoch)
    return fit.history, best_epoch


def _phase_files(backup_dir, phase):
    return (os.path.join(backup_dir, f"{phase.name}_phase_weights.npz"),
            os.path.join(backup_dir, f"{phase.name}_phase.json"))


def _save_finished_phase(backup_dir, phase, student, history, kept_epoch):
    weights, record = _phase_files(backup_dir, phase)
    os.makedirs(backup_dir, exist_ok=True)
    with atomic_path(weights) as tmp:
        np.savez(tmp, *student.get_weights())
    write_json_atomic({"history": {key: [float(value) for value in values] for key, values in history.items()},
                       "kept_epoch": kept_epoch}, record)


def _finished_phase(backup_dir, phase):
    """``{"weights", "history", "kept_epoch"}`` of a phase that finished in an interrupted run, or ``None``."""
    if not backup_dir:
        return None
    weights, record = _phase_files(backup_dir, phase)
    if not (os.path.exists(weights) and os.path.exists(record)):
        return None
    with open(record, encoding="utf-8") as handle:
        return {"weights": weights, **json.load(handle)}


@contextlib.contextmanager
def timed(seconds, name):
    """Adds the wall seconds of the block to ``seconds[name]`` (the distill summary's profile)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - start, 2)


class MonitorSpan:
    """Two callbacks around the monitors: ``seconds[name]`` sums the time the monitors take inside the fit
    (adversarial text refreshes, fidelity and attack measurements), at its start and after every epoch."""

    def __init__(self, seconds, name):
        span = self

        class Mark(keras.callbacks.Callback):
            def __init__(self, opening):
                super().__init__()
                self.opening = opening

            def on_train_begin(self, logs=None):
                span.mark(self.opening)

            def on_epoch_end(self, epoch, logs=None):
                span.mark(self.opening)

        self.seconds, self.name, self.opened = seconds, name, None
        self.start, self.stop = Mark(True), Mark(False)

    def mark(self, opening):
        if opening:
            self.opened = time.perf_counter()
        elif self.opened is not None:
            self.seconds[self.name] = round(self.seconds.get(self.name, 0.0) + time.perf_counter() - self.opened, 2)
            self.opened = None


def _teacher_cache(cache):
    if isinstance(cache, TeacherOutputCache):
        return cache
    if cache is None:
        import tempfile

        cache = tempfile.mkdtemp(prefix="tfcompress_teacher_outputs_")
    return TeacherOutputCache(cache)


def _teacher_explanations(settings, teacher, student, cache, labeller=None):
    """The explanation term's targets; maps made of forward passes alone (``FORWARD_MAPS``) come from
    ``labeller``, the others (gradients, attention, features) from the float teacher."""
    if not settings["explain_weight"]:
        return None
    kind = teacher_map_kind(settings["explanation"], settings.get("teacher_attribution", "endpoint_shapley"))
    source = labeller if labeller is not None and kind in FORWARD_MAPS else teacher
    return TeacherExplanations(source, kind, student.max_length, cache=cache)


def describe_inference(report):
    """One line on the ``teacher_inference`` report."""
    if "validation_agreement" not in report:
        return "requested " + report["requested"]
    line = (f"bfloat16 copy agrees with the float teacher on {report['validation_agreement']:.2%} of validation "
            f"(largest logit difference {report['max_logit_difference']:.3f})")
    return line + (f"; {report['reason']}" if "reason" in report else "")


def distill_monitors(settings, validation, teacher, pool, seed=0):
    """Callbacks that refresh adversarial texts and measure, before Keras' own ones (``monitor_examples: 0``
    leaves out the measuring ones)."""
    sample = min(len(validation.texts), settings["monitor_examples"])
    monitors = []
    if sample:
        monitors.append(ExplanationFidelityMonitor(validation.texts[:sample], teacher))
    if pool is not None:
        options = settings["adversarial_texts"]
        monitors.append(AdversarialTextRefresh(pool, options["recipes"], options["num_examples"], options["every"],
                                               options["query_budget"], seed))
        if sample:
            monitors.append(RobustnessMonitor(validation.texts[:sample], validation.labels[:sample],
                                              options["recipes"][0], every=1, query_budget=options["query_budget"],
                                              seed=seed))
    return monitors


def _summary(distiller, history, monitors, settings):
    """The ``distill`` section: weights, final per-term losses and what the monitors measured."""
    return {
        **distiller.compile_settings,
        "epochs_run": len(history.get("loss", [])),
        "final": {name: round(float(values[-1]), 5) for name, values in history.items()},
        "adversarial_texts": adversarial_texts_status(settings),
        "worst_case": settings.get("robust_status", "on" if settings.get("robust_weight") else "off"),
        "worst_case_sets": settings.get("robust_set_statistics"),
        "monitors": {type(monitor).__name__: monitor.history for monitor in monitors
                     if hasattr(monitor, "history") and isinstance(monitor.history, list)},
    }


__all__ = ["DistillResult", "adversarial_texts_enabled", "adversarial_texts_missing", "adversarial_texts_status",
           "objective_blockers",
           "distill", "distill_monitors", "distiller_settings", "fit_callbacks", "make_student", "train_baseline",
           "train_classifier", "train_teacher", "transfer_set"]
