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

``settings`` is a ``Settings`` (``tfcompress.config``): a preset from ``preset_settings``, with changes.

Example:
    >>> settings = preset_settings("quick").with_changes({"explanation.weight": 0.5})
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
from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestWeights, Distiller, StopOnDivergence,
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
from tfcompress.pipeline.learning_rate import build_optimizer, epochs_for, steps_per_epoch
from tfcompress.pipeline.phases import OBJECTIVE_TERMS, full_objective_weights, training_phases
from tfcompress.pipeline.progress import ProgressLog, log
from tfcompress.pipeline.teacher_features import settings_for_teacher, teacher_report
from tfcompress.pipeline.workers import Workers
from tfcompress.text.english_words import english_words
from tfcompress.text.vocabulary_encoder import VocabularyEncoder

VALIDATION_BATCH = 256


def fit_callbacks(name, model, epochs, patience=None, backup_dir=None, validation=True, monitor="val_accuracy",
                  mode="max"):
    """Progress lines and a stop with a clear error if the loss diverges; with ``backup_dir`` resume from the last epoch; with validation, stop when ``monitor``
    stalls for ``patience`` epochs and end on the best epoch's weights (the last callback, a ``BestWeights``)."""
    callbacks = [ProgressLog(name, epochs), StopOnDivergence(name)]
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
    """The settings' teacher (``settings.teacher``), trained on the labelled rows of ``data.train`` (``callbacks``:
    more Keras callbacks for its fit)."""
    keras.utils.set_random_seed(seed)
    recipe = settings.teacher
    teacher = build_teacher(recipe.name, num_classes=data.num_classes, **recipe.model)
    train = data.train.labelled()
    epochs = epochs_for(recipe.epochs, recipe.min_steps, len(train.texts), recipe.batch_size)
    return train_classifier(teacher, train, data.validation, epochs=epochs,
                            learning_rate=recipe.learning_rate, batch_size=recipe.batch_size, seed=seed,
                            patience=recipe.patience, backup_dir=backup_dir, name="teacher", verbose=verbose,
                            optimizer=_optimizer_options(recipe.optimizer), callbacks=callbacks)


def _optimizer_options(optimizer):
    return None if optimizer is None else optimizer.to_dict()


def word_encoder(settings, data):
    """The settings' closed-vocabulary encoder (``settings.vocabulary``) over the training split's most frequent
    tokens, or ``None`` when the student keeps its own (hashed) encoder. With ``keep_real_words`` the English words
    that recovery would rewrite into another word are read as unknown instead (``VocabularyEncoder.from_texts``'
    ``real_words``)."""
    vocabulary = settings.vocabulary
    if vocabulary is None:
        return None
    return VocabularyEncoder.from_texts(data.train.texts, vocabulary.size, settings.student.model["max_length"],
                                        typo_recovery=vocabulary.typo_recovery,
                                        real_words=english_words() if vocabulary.keep_real_words else None,
                                        labels=data.train.labels, frequent_words=vocabulary.frequent_words)


def build_settings_student(settings, data):
    """The settings' untrained student; with a ``vocabulary`` setting it reads ``word_encoder``'s ids. The student
    ``auto`` is the one ``resolve_auto_student`` picks for its ``max_length``."""
    from tfcompress.pipeline.presets import resolve_auto_student

    settings = resolve_auto_student(settings)
    config = dict(settings.student.model)
    encoder = word_encoder(settings, data)
    if encoder is not None:
        if "num_hashes" not in config:
            raise ValueError(f"the {settings.student.name} student reads no word ids, so the 'vocabulary' setting "
                             "cannot apply to it; set vocabulary to null")
        config.update(encoder=encoder, num_buckets=encoder.num_buckets, num_hashes=1)
    return build_student(settings.student.name, num_classes=data.num_classes, **config)


def train_baseline(settings, data, seed=0, verbose=0):
    """The settings' student trained on labels alone (no teacher): the cross-entropy baseline."""
    keras.utils.set_random_seed(seed)
    student = build_settings_student(settings, data)
    recipe = settings.student
    return train_classifier(student, data.train.labelled(), data.validation, epochs=recipe.epochs,
                            learning_rate=recipe.learning_rate, batch_size=recipe.batch_size, seed=seed,
                            patience=recipe.patience, name="baseline", verbose=verbose,
                            optimizer=_optimizer_options(recipe.optimizer))


def make_student(settings, teacher, data, seed=0, cache=None):
    """The settings' untrained student; with ``embedding_init: teacher`` its hashed embeddings start from
    the teacher's word vectors (through ``cache``, a ``TeacherOutputCache`` or folder, when given).
    Returns ``(student, embedding_init)``, the latter for metrics.json (a teacher without word vectors starts
    them at random: ``teacher_features.settings_for_teacher``)."""
    keras.utils.set_random_seed(seed)
    settings, _ = settings_for_teacher(settings, teacher)
    student = build_settings_student(settings, data)
    if settings.student.embedding_init != "teacher" or not hasattr(student, "embedding"):
        return student, "random"
    log("distill: initializing the student's word embeddings from the teacher's word vectors")
    lexicon = teacher_lexicon(teacher) + english_words(settings.student.lexicon_words)
    report = init_embeddings_from_teacher(student, teacher, data.train.texts, lexicon=lexicon, seed=seed,
                                          logit_dims=settings.student.embedding_logit_dims,
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
    if settings.adversarial.texts is not None:
        missing = adversarial_texts_missing()
        if missing:
            blocked.append(("discrete adversarial texts", missing, "--no-adversarial-texts"))
    if settings.worst_case.weight and "wordnet" in settings.worst_case.sets:
        missing = wordnet_missing()
        if missing:
            blocked.append(("the worst-case term over WordNet swaps", missing, "--no-worst-case"))
    return blocked


def adversarial_texts_enabled(settings):
    return settings.adversarial.texts is not None and adversarial_texts_missing() is None


def adversarial_texts_status(settings):
    """What metrics.json records of the discrete adversarial texts: their options, or why they are off."""
    if settings.adversarial.texts is None:
        return "off"
    missing = adversarial_texts_missing()
    return f"off: {missing}" if missing else settings.adversarial.texts.to_dict()


def distiller_settings(settings):
    """The ``Distiller.compile`` keywords of ``settings``: its loss terms' weights and options."""
    distillation, explanation = settings.distillation, settings.explanation
    adversarial, worst_case = settings.adversarial, settings.worst_case
    return {"ce_weight": distillation.ce_weight, "kd_weight": distillation.kd_weight,
            "temperature": distillation.temperature, "kd_kind": distillation.kind,
            "explain_weight": explanation.weight, "explanation": explanation.kind,
            "explain_average": explanation.average,
            "adversarial_weight": adversarial.weight, "adversarial_steps": adversarial.steps,
            "adversarial_epsilon": adversarial.epsilon,
            "robust_weight": worst_case.weight, "robust_kind": worst_case.kind, "robust_steps": worst_case.steps,
            "robust_share": worst_case.share}


def substitution_neighbours(train, settings, teacher, cache, readable=None):
    """The teacher's nearest words for each training word, among the words the student reads (``readable``,
    its vocabulary; ``None``: every training word), or ``None`` when there are no transfer copies to
    substitute into (``transfer.copies`` or ``transfer.substitute`` 0). A swap to a word the student cannot
    read would reach it as unknown while the teacher labels the real word."""
    if not settings.transfer.copies or not settings.transfer.substitute:
        return None
    readable = None if readable is None else set(readable)
    words = sorted({word for text in train.texts for word in teacher.encoder.words(text)
                    if word.isalpha() and (readable is None or word in readable)})
    return teacher_neighbours(teacher, words, k=settings.transfer.neighbours, cache=cache)


ROBUST_SETS = ("wordnet", "teacher_neighbours")


@dataclasses.dataclass
class WorstCasePlan:
    """What the worst-case term trains with: ``settings`` (its weight 0 where it cannot train), the substitution
    ``table`` (``None``: off), its ``status`` for metrics.json and the sets' ``statistics``."""

    settings: object
    table: object = None
    status: str = "off"
    statistics: dict = None


def worst_case_sets(student, settings, stage="distill", teacher=None, cache=None):
    """The ``WorstCasePlan`` when ``worst_case.weight`` > 0: the ``worst_case.sets`` (``wordnet``: PWWS' WordNet
    swaps; ``teacher_neighbours``: the teacher's nearest words, antonyms and polarity flips removed) through the
    student's vocabulary. The QAT stage continues without an ``ibp`` term (no bounds through fake-quantized
    layers), saying so."""
    options = settings.worst_case
    if not options.weight:
        return WorstCasePlan(settings)
    if not (hasattr(student, "worst_case_logits") if options.kind == "ibp" else
            hasattr(getattr(student, "embedding", None), "embeddings")):
        if stage == "qat":
            log("qat: the worst-case term trains in the distill stage only (no interval bounds through "
                "fake-quantized layers); QAT continues the other terms")
            return WorstCasePlan(settings.with_changes({"worst_case.weight": 0.0}))
        raise ValueError(f"worst_case.weight needs a student with interval bounds (the cnn student), not "
                         f"{getattr(student, 'registry_name', student.name)!r}; set worst_case.weight to 0")
    if not hasattr(student.encoder, "vocabulary"):
        raise ValueError("worst_case.weight needs a closed-vocabulary student (the 'vocabulary' section); set "
                         "worst_case.weight to 0 or give a vocabulary")
    missing = wordnet_missing()
    if missing:  # as the discrete adversarial texts: recorded in metrics.json as off, with the reason
        log(f"{stage}: worst-case term off: {missing}")
        return WorstCasePlan(settings.with_changes({"worst_case.weight": 0.0}), status=f"off: {missing}")
    sets = options.sets
    if not sets:
        raise ValueError(f"worst_case.sets must be a non-empty list of {list(ROBUST_SETS)}, got {sets}")
    vocabulary = student.encoder.vocabulary
    sources, removed = [], None
    if "wordnet" in sets:
        wordnet = wordnet_substitutes(vocabulary)
        if options.sentiment_filter:
            wordnet, removed = sentiment_preserving(student.encoder, wordnet, teacher, cache)
        sources.append(wordnet)
    if "teacher_neighbours" in sets:
        sources.append(neighbour_substitutes(teacher, vocabulary, k=options.neighbours, cache=cache))
    table = substitution_table(student.encoder, merged_substitutes(*sources), options.substitution_width,
                               keep_unknown=options.keep_unknown)
    statistics = {**substitution_statistics(table), "removed": removed}
    log(f"{stage}: worst-case term ({options.kind}) over {' + '.join(sets)} substitutions: {statistics}")
    return WorstCasePlan(settings, table, "on", statistics)


def transfer_set(train, settings, teacher, cache, seed=0, labeller=None, readable=None):
    """``train`` plus ``transfer.copies`` perturbed copies of each text (label -1, KD only), and the
    teacher's logits for all of them; then, with ``transfer.typo_share``, that share of the rows is given the
    character attacks' random edits (``typo_rate`` of their words), keeping the logits of the clean text.
    ``labeller`` (``teacher_precision.labelling_teacher``; default the teacher) computes the logits;
    substitutions draw on ``readable`` words only (``substitution_neighbours``).
    Returns ``(texts, logits, clean_texts)``: the split the student reads, the teacher's logits and the
    texts before the edits (where the teacher's word maps are computed; edits keep word positions)."""
    options = settings.transfer
    augmented = with_transfer_copies(train, options.copies, seed,
                                     neighbours=substitution_neighbours(train, settings, teacher, cache, readable),
                                     substitute=options.substitute)
    if len(augmented.texts) > len(train.texts):
        log(f"distill: transfer set of {len(augmented.texts) - len(train.texts)} perturbed texts, "
            "labelled by the teacher")
    logits = cache.logits(labeller or teacher, augmented.texts)
    clean_texts = augmented.texts
    if options.typo_share:
        augmented = Split(with_typos(augmented.texts, options.typo_share, options.typo_rate, seed), augmented.labels)
        log(f"distill: random character edits in {options.typo_share:.0%} of the transfer set's texts")
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
        teacher: the trained teacher (frozen): a ``TextClassifier``, or a ``TextTeacher`` (any classifier called on
            strings; what needs a feature it lacks is switched off, ``settings_for_teacher``, and listed in the
            summary's ``teacher_features``).
        data: a ``TextDataset``: its ``train`` split (plus transfer copies) is distilled, its
            ``validation`` split drives early stopping and the monitors.
        settings: a ``Settings`` (``preset_settings``): loss weights, temperature, explanation kind,
            adversarial options, transfer set, schedule, patience, the student's fit budget.
        seed: fixes shuffling, transfer copies and adversarial samples.
        cache: a ``TeacherOutputCache`` (or a folder for one) so teacher outputs are computed once;
            ``None`` keeps them in a temporary folder.
        epochs, learning_rate: override the settings' ``student.epochs`` / ``student.learning_rate``.
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
    settings, switched_off = settings_for_teacher(settings, teacher)
    for change in switched_off:
        log(f"{stage}: {change['setting']} {change['was']} -> {change['now']}: {change['why']}")
    seconds = {}
    own_train = workers.shard(data.train)
    with timed(seconds, "worst_case_sets"):
        worst_case = worst_case_sets(student, settings, stage, teacher, cache)
    settings, substitutions = worst_case.settings, worst_case.table
    with workers.scope():
        distiller = Distiller(student=student, teacher=teacher)
    with timed(seconds, "teacher_inference"):
        labeller, inference = labelling_teacher(teacher, settings.teacher.inference,
                                                data.validation.texts, cache)
    log(f"{stage}: teacher labels and occlusion maps in {inference['precision']}: {describe_inference(inference)}")
    with timed(seconds, "transfer_set"):
        train, train_logits, clean_texts = transfer_set(own_train, settings, teacher, cache, seed, labeller,
                                                        getattr(getattr(student, "encoder", None), "vocabulary", None))
    explanations = _teacher_explanations(settings, teacher, student, cache, labeller)
    first = min(len(own_train.texts), settings.explanation.examples // workers.count)
    pool = AdversarialTextPool(student) if adversarial_texts_enabled(settings) else None
    if pool is None and settings.adversarial.texts is not None:
        log(f"{stage}: discrete adversarial texts off: {adversarial_texts_missing()}")
    with timed(seconds, "teacher_maps"):
        train_maps = explanations and explanations.compute(clean_texts, first=first)
        validation_maps = explanations and explanations.compute(data.validation.texts)
    batch_size = workers.local_batch_size(settings.student.batch_size)
    with timed(seconds, "datasets"):
        train_data = distillation_dataset(train, student, teacher, batch_size, True, seed,
                                          teacher_logits=train_logits, explanations=train_maps,
                                          adversarial_pool=pool, endless=True)
        validation_data = distillation_dataset(
            data.validation, student, teacher, VALIDATION_BATCH,
            teacher_logits=cache.logits(labeller, data.validation.texts), explanations=validation_maps)
        train_data, validation_data = workers.as_local(train_data), workers.as_local(validation_data)
        monitors = distill_monitors(settings, data.validation, teacher, pool, seed)
    steps = steps_per_epoch(len(train.texts), batch_size)
    epochs = epochs or epochs_for(settings.student.epochs, settings.student.min_steps, len(train.texts), batch_size)
    phases = training_phases(settings, stage, epochs, learning_rate)
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
    summary = _summary(distiller, history, monitors, settings, worst_case)
    summary.update(phases=phase_summaries, seconds=seconds, teacher_inference=inference,
                   teacher_features=teacher_report(teacher, switched_off))
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
    if not settings.explanation.weight:
        return None
    kind = teacher_map_kind(settings.explanation.kind, settings.explanation.teacher_attribution)
    source = labeller if labeller is not None and kind in FORWARD_MAPS else teacher
    return TeacherExplanations(source, kind, student.max_length, cache=cache, positions=settings.explanation.positions)


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
    sample = min(len(validation.texts), settings.schedule.monitor_examples)
    monitors = []
    if sample:
        monitors.append(ExplanationFidelityMonitor(validation.texts[:sample], teacher))
    if pool is not None:
        options = settings.adversarial.texts
        monitors.append(AdversarialTextRefresh(pool, options.recipes, options.num_examples, options.every,
                                               options.query_budget, seed, max_words=options.max_words))
        if sample:
            monitors.append(RobustnessMonitor(validation.texts[:sample], validation.labels[:sample],
                                              options.recipes[0], every=1, query_budget=options.query_budget,
                                              seed=seed, max_words=options.max_words))
    return monitors


def _summary(distiller, history, monitors, settings, worst_case):
    """The ``distill`` section: weights, final per-term losses and what the monitors measured."""
    return {
        **distiller.compile_settings,
        "epochs_run": len(history.get("loss", [])),
        "final": {name: round(float(values[-1]), 5) for name, values in history.items()},
        "adversarial_texts": adversarial_texts_status(settings),
        "worst_case": worst_case.status,
        "worst_case_sets": worst_case.statistics,
        "monitors": {type(monitor).__name__: monitor.history for monitor in monitors
                     if hasattr(monitor, "history") and isinstance(monitor.history, list)},
    }


__all__ = ["DistillResult", "WorstCasePlan", "adversarial_texts_enabled", "adversarial_texts_missing", "adversarial_texts_status",
           "objective_blockers",
           "distill", "distill_monitors", "distiller_settings", "fit_callbacks", "make_student", "train_baseline",
           "train_classifier", "train_teacher", "transfer_set"]
