"""The main job: data -> teacher -> distilled student -> QAT -> int8 TFLite -> robustness ->
explanations -> personalization, with metrics.json and a report.

Each stage is one library call plus writing its section of ``metrics.json`` (atomically, as soon as
it finishes); trained models are kept in the run folder (``RunFolder``). Running again with the same
settings and ``--out`` reuses finished stages and resumes an interrupted ``fit`` from its last epoch.
"""
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import time

import numpy as np

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic
from tfcompress.backend import keras, versions
from tfcompress.catalog import BASELINE_TEACHER, SKIPPABLE_STAGES, STRATEGIES
from tfcompress.errors import OfflineResourceError
from tfcompress.datasets import lengths
from tfcompress.evaluation import accuracy, argmax_agreement, read_part, select_sample
from tfcompress.models import TeacherOutputCache, load_model, save_model
from tfcompress.models.user_teacher import TextTeacher, check_teacher_classes, object_name
from tfcompress.pipeline import recipe
from tfcompress.config import Settings, load_changes
from tfcompress.pipeline.presets import AUTO_STUDENT, PRESETS, preset_settings, resolve_auto_student
from tfcompress.pipeline.memory import PeakMemory
from tfcompress.pipeline.progress import duration, log
from tfcompress.pipeline.run_folder import RunFolder, fingerprint, teacher_fingerprint
from tfcompress.pipeline.teacher_features import settings_for_teacher, teacher_report
from tfcompress.pipeline.workers import make_workers

SCHEMA_VERSION = 2  # 2: settings as the configuration's sections, run options under "run"
NOT_BUILT = "not_built"
STAGES = ("data", "baseline", "teacher", "distill", "qat", "tflite", "robustness", "explanations", "personalization")
# The stages that only measure the models; a rerun with the same settings and unchanged models takes their sections
# from the previous metrics.json (status "reused").
MEASURING_STAGES = STAGES[6:]
# SKIPPABLE_STAGES (tfcompress.catalog): the stages a run can be told to leave out; the others are what every
# later stage is built from.


def _paths_in(section):
    """Every absolute path a metrics section names (the files it wrote)."""
    if isinstance(section, dict):
        return [path for value in section.values() for path in _paths_in(value)]
    if isinstance(section, list):
        return [path for value in section for path in _paths_in(value)]
    return [section] if isinstance(section, str) and os.path.isabs(section) else []


def _model_content(tflite_bytes):
    """A ``.tflite`` file's model and the contents of its associated files, without the zip's timestamps (a file
    exported by another metadata writer carries its export time)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(tflite_bytes)) as archive:
            infos = archive.infolist()
            files = {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, ValueError):
        return tflite_bytes, {}
    start = min((info.header_offset for info in infos), default=len(tflite_bytes))
    return tflite_bytes[:start], files


def _read_if_present(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


@dataclasses.dataclass
class RunConfig:
    """What ``tfcompress run`` does. ``None`` fields take the preset's value.

    Args:
        out: output folder (metrics.json, report.md, report.html, student.tflite, checkpoints/).
        dataset: a bundled dataset name, used when ``data`` is not given.
        data: a user CSV/TSV/JSONL file instead of a bundled dataset.
        test_data: optional separate test file for ``data``.
        unlabelled_data: optional CSV/TSV/JSONL file of in-domain texts without labels (its ``text_column``): they
            join the training split unlabelled, so the teacher labels them for distillation (the cross-entropy
            term and a teacher trained here use the labelled rows only). The validation and test splits still come
            from the labelled ``data`` (or dataset): choosing and testing the student needs labels.
        text_column, label_column, user_column: columns of ``data``.
        preset: a name in ``PRESETS`` (``quick``: a smoke test; ``default``; ``small``: the larger size tier);
            ``None``: the configuration file's, else ``default``.
        teacher: the teacher, overriding the preset's: a registered name (trained here), ``module:Class`` of a
            ``TextClassifier`` subclass (trained here), or a teacher you bring, used as it is: a SavedModel folder or
            ``.keras`` file, ``module:attribute`` of a callable or model, or (from Python) the object itself: a
            ``TextTeacher``, a trained ``TextClassifier``, a tf_keras model on string input or a function from a
            list of strings to class scores (docs/teachers.md).
        student: the student, overriding the preset's: a registered name (``register_student``) or
            ``module:Class`` of a ``TextClassifier`` subclass (docs/students.md).
        teacher_epochs, student_epochs: overrides of the preset's epoch budgets: that many epochs (up to early
            stopping), with the preset's minimum number of steps (``min_steps``) not adding more (one you set
            yourself still does).
        max_train_examples: use only the first N training examples (smoke tests).
        max_length: tokens per text of both models (the teacher's in its own unit: WordPieces with
            ``[CLS]``/``[SEP]`` for MiniLM). ``None`` (the default, unless the preset sets a top-level
            ``max_length``) follows the data: the data stage fits each model's length on the training
            split (``tfcompress.datasets.lengths.fit_max_length``: 95% of texts whole, capped).
        robustness_examples, explanation_examples: override how many test sentences the robustness
            and explanation stages look at (0 skips the stage).
        skip: stages to leave out, any of ``SKIPPABLE_STAGES`` (their sections say so).
        adversarial_texts: ``False`` trains without the discrete adversarial texts (textattack's attacks on the
            student during training; they need the full stack).
        worst_case: ``False`` trains without the worst-case term over WordNet swaps (it needs nltk's WordNet).
        strategy: ``one_device`` (this process) or ``multi_worker``: the distill stage under
            ``MultiWorkerMirroredStrategy`` with the workers ``TF_CONFIG`` names, each one reading (and having the
            teacher label) its shard of the transfer set; run the same command on every worker, each with its own
            ``out`` (the chief's, task 0, is the result). See docs/scale_out.md.
        held_out_users: users of the data's user column held out of all training as the personalization stage's
            clients; ``None`` takes the preset's count, 0 holds none out (the dataset's standard split).
        seed: fixes the split, initialization and shuffling.
        student_seed: fixes the student's initialization, transfer set and shuffling; ``None``: ``seed``. Runs
            that differ only in it share the split and the teacher (seeds of one student recipe).
        settings: a whole ``Settings`` to run instead of the preset's (``preset_settings(...)`` with changes).
        config_file: a JSON or TOML configuration file (``tfcompress config init`` writes one) whose settings apply
            over the preset; its ``preset`` key names the preset when ``preset`` is not given.
        changes: ``{"section.key": value}`` applied after the file (what ``--set`` gives).

    The settings resolve in order: the preset with the named models' recipes, the configuration file, ``changes``,
    then the explicit arguments above (epochs, sizes, switches). Every value is checked: a misspelled key or a value
    out of range is a ``ConfigError`` naming it.

    A run never leaves out silently what it is set to do: when this stack cannot train an objective or run a
    stage, ``execute`` stops before anything is written, naming each one and the switch that leaves it out.

    Example:
        >>> metrics = run(RunConfig(out="runs/quick", preset="quick", changes={"explanation.weight": 0.5}))
    """

    out: str = "runs/latest"
    dataset: str = "rotten_tomatoes"
    data: str = None
    test_data: str = None
    unlabelled_data: str = None
    text_column: str = "text"
    label_column: str = "label"
    user_column: str = None
    preset: str = None
    teacher: str = None
    student: str = None
    teacher_epochs: int = None
    student_epochs: int = None
    max_train_examples: int = None
    max_length: int = None
    robustness_examples: int = None
    explanation_examples: int = None
    skip: tuple = ()
    adversarial_texts: bool = True
    worst_case: bool = True
    strategy: str = "one_device"
    held_out_users: int = None
    seed: int = 0
    student_seed: int = None
    settings: Settings = None
    config_file: str = None
    changes: dict = None

    def __post_init__(self):
        self._file = load_changes(self.config_file) if self.config_file else (None, {})

    @property
    def file_preset(self):
        """The preset the configuration file names, or ``None``."""
        return self._file[0]

    @property
    def preset_name(self):
        """The preset the settings start from: ``preset``, else the configuration file's, else ``default``."""
        return self.preset or self.file_preset or "default"

    def resolve_settings(self):
        """The run's ``Settings``: the preset (or ``settings``), the file, ``changes``, then the arguments."""
        unknown = sorted(set(self.skip) - set(SKIPPABLE_STAGES))
        if unknown:
            raise ValueError(f"cannot skip stage(s) {unknown}; skippable stages are {list(SKIPPABLE_STAGES)}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)}")
        file_changes, changes = self._file[1], dict(self.changes or {})
        if self.settings is not None:
            settings = self.settings
        else:
            models = {role: _spec_name(getattr(self, role)) or _model_named(changes, role) or
                      _model_named(file_changes, role) for role in ("teacher", "student")}
            settings = preset_settings(self.preset_name, models["teacher"], models["student"])
            if models["teacher"]:  # the teacher asked for reads documents too
                settings = settings.with_changes({"teacher.documents": None})
        settings = settings.with_changes(file_changes).with_changes(changes)
        return settings.with_changes(self._argument_changes(settings))

    def _argument_changes(self, settings):
        changes = {}
        for path, value in (("teacher.epochs", self.teacher_epochs), ("student.epochs", self.student_epochs),
                            ("evaluation.robustness.num_examples", self.robustness_examples),
                            ("evaluation.explanations.num_examples", self.explanation_examples),
                            ("data.held_out_users.count", self.held_out_users),
                            ("data.max_length", self.max_length),
                            ("data.max_train_examples", self.max_train_examples)):
            if value is not None:
                changes[path] = value
        for role, epochs in (("teacher", self.teacher_epochs), ("student", self.student_epochs)):
            preset_minimum = getattr(PRESETS[self.preset_name], role).min_steps
            if epochs is not None and getattr(settings, role).min_steps == preset_minimum:
                changes[f"{role}.min_steps"] = 0  # the epochs asked for, not more for a small split
        if "qat" in self.skip:
            changes["qat.epochs"] = 0
        if not self.adversarial_texts:
            changes["adversarial.texts"] = None
        if not self.worst_case:
            changes["worst_case.weight"] = 0.0
        max_length = changes.get("data.max_length", settings.data.max_length)
        if max_length is not None:  # None: fitted on the training split by the data stage
            changes.update({"teacher.model.max_length": max_length, "student.model.max_length": max_length})
        return changes

    def options(self, settings):
        """What the run reads besides the settings: its data source, seeds, skipped stages and engine."""
        source = {"data": self.data, "test_data": self.test_data, "text_column": self.text_column,
                  "label_column": self.label_column, "user_column": self.user_column} if self.data else \
            {"dataset": self.dataset}
        if self.unlabelled_data:
            source["unlabelled_data"] = self.unlabelled_data
        return {**source, "max_train_examples": settings.data.max_train_examples,
                "max_length": settings.data.max_length, "seed": self.seed,
                "student_seed": self.seed if self.student_seed is None else int(self.student_seed),
                "skip": sorted(set(self.skip)), "strategy": self.strategy}

    def fingerprints(self, settings=None, options=None):
        """``(fingerprint, teacher fingerprint)``: the hashes of what this configuration trains (the checkpoints a
        run keeps) and of what its teacher is trained from; ``settings``, ``options``: its already resolved
        ``Settings`` and ``options``."""
        settings = settings or self.resolve_settings()
        options, data_files = options or self.options(settings), (self.data, self.test_data, self.unlabelled_data)
        return fingerprint(settings, options, data_files), teacher_fingerprint(settings, options, data_files)


def _spec_name(model):
    """The name a ``teacher``/``student`` argument puts in the settings: itself, or a teacher object's name."""
    if model is None or isinstance(model, str):
        return model
    return object_name(model)


def _model_named(changes, role):
    """The teacher or student name a set of changes (nested or dotted) gives, if any."""
    section = changes.get(role)
    if isinstance(section, dict) and section.get("name"):
        return section["name"]
    return changes.get(f"{role}.name")


class Run:
    """One execution of the main job into an output folder; ``execute()`` returns the metrics."""

    def __init__(self, config):
        self.config = config
        self.settings = config.resolve_settings()
        self.options = config.options(self.settings)
        self.folder = RunFolder(config.out)
        self.out = self.folder.out
        self.student_seed = self.options["student_seed"]
        self.workers = make_workers(config.strategy)  # before TensorFlow runs any op (multi_worker)
        self.given_teacher = self._given_teacher()  # checked on a few texts before anything is written
        self.fingerprint, self.teacher_fingerprint = config.fingerprints(self.settings, self.options)
        self.folder.lock()  # the checkpoints are prepared once the data has loaded (bad data writes nothing)
        self.folder.settle_interrupted_attempts()
        self.metrics = {
            "schema_version": SCHEMA_VERSION, "versions": versions(), "preset": config.preset_name,
            "seed": config.seed, "fingerprint": self.fingerprint, "settings": self.settings.to_dict(),
            "run": self.options,
            **{section: NOT_BUILT for section in ("dataset", "baseline", "teacher", "student", *STAGES[3:])},
            "stages": {},
        }
        self.qat_student = self.tflite_bytes = self.held_out = self._baseline = None
        self.previous = self._previous_metrics()
        self.tflite_unchanged = False

    def _given_teacher(self):
        """The teacher the run is given ready (a saved model, ``module:attribute`` or object: never trained here),
        or ``None`` when it trains one. Its identity joins the run's options, so a changed teacher retrains."""
        from tfcompress.models import TEACHERS
        from tfcompress.models.teacher_cache import model_key
        from tfcompress.models.user_teacher import ready_teacher

        spec = self.config.teacher if self.config.teacher is not None else self.settings.teacher.name
        if spec == BASELINE_TEACHER:  # fitted on the data by the teacher stage
            return None
        teacher = ready_teacher(spec, registered=TEACHERS, max_length=self.settings.teacher.model.get("max_length", 48))
        if teacher is not None:
            self.options["teacher"] = {"given": self.settings.teacher.name,
                                       "identity": getattr(teacher, "fingerprint", None) or model_key(teacher, [])}
        return teacher

    def _previous_metrics(self):
        """The folder's metrics.json from an earlier run with the same training settings, or ``None``."""
        try:
            previous = self.folder.load_metrics()
        except (FileNotFoundError, ValueError):
            return None
        same = isinstance(previous, dict) and previous.get("fingerprint") == self.fingerprint and \
            isinstance(previous.get("settings"), dict) and isinstance(previous.get("run"), dict)
        return previous if same else None

    def _same_settings_for(self, name):
        """Whether the previous run measured stage ``name`` with these settings (the sizes of the other measuring
        stages and the skip list aside)."""
        def compared(metrics):
            measured = {stage: section for stage, section in metrics["settings"]["evaluation"].items()
                        if stage not in MEASURING_STAGES or stage == name}
            options = {key: value for key, value in metrics["run"].items() if key != "skip"}
            return {**metrics["settings"], "evaluation": measured}, options

        mine = json.loads(json.dumps({"settings": self.metrics["settings"], "run": self.metrics["run"]}))
        return compared(mine) == compared(self.previous)

    def execute(self):
        try:
            self.preflight()
            return self._execute()
        finally:
            self.folder.unlock()

    def preflight(self):
        """Stop before anything runs when this stack cannot do a part the settings ask for (never a silent
        downgrade): one ``OfflineResourceError`` naming each part, why, and the switch that leaves it out."""
        from tfcompress.federated.stack import has_tff

        blocked = recipe.objective_blockers(self.settings)
        skipped = self.config.skip
        if "robustness" not in skipped and self.settings.evaluation.robustness.num_examples:
            missing = recipe.adversarial_texts_missing()
            if missing:
                blocked.append(("the robustness stage", missing, "--skip robustness"))
        if "personalization" not in skipped and not has_tff():
            blocked.append(("the personalization stage's TFF evaluation and rounds",
                            "TensorFlow Federated is on the full stack only", "--skip personalization"))
        if blocked:
            parts = "; ".join(f"{what} ({why})" for what, why, _ in blocked)
            switches = " ".join(switch for _, _, switch in blocked)
            raise OfflineResourceError(f"this stack cannot run everything the settings ask for: {parts}. Run it on "
                                       f"the full stack (.venv, `make setup`), or leave those parts out: {switches}")

    def _execute(self):
        from tfcompress.report import write_report

        keras.utils.set_random_seed(self.config.seed)
        started = time.time()
        self.data = self._stage("data", self.load_data)
        self._stage("baseline", self.measure_baseline)
        self.teacher = self._stage("teacher", self.train_teacher)
        self.student = self._stage("distill", self.distill_student)
        self.qat_student = self._stage("qat", self.quantization_aware_training)
        self.tflite_bytes = self._stage("tflite", self.export_tflite)
        self.compare_with_baseline()
        self._stage("robustness", self.measure_robustness)
        self._stage("explanations", self.measure_explanations)
        self._stage("personalization", self.personalize)
        self.metrics["total_seconds"] = round(time.time() - started, 2)
        self.metrics["peak_rss_mb"] = max((stage.get("process_peak_rss_mb") or 0
                                           for stage in self.metrics["stages"].values()), default=None)
        self.folder.save_metrics(self.metrics)
        write_report(self.metrics, self.out)
        log(f"done in {self.metrics['total_seconds']:.0f}s: {self.folder.metrics_path}")
        return self.metrics

    def _stage(self, name, function):
        log(f"stage {name}: started")
        start, earlier = time.time(), self.folder.start_attempt(name)
        with PeakMemory() as memory:
            if name in self.config.skip:
                result, status = None, "skipped"
                self.metrics[name] = "skipped: switched off (skip)"
            elif self._measurement_reusable(name):
                result, status = None, "reused"
                self.metrics[name] = self.previous[name]
            else:
                result, status = function()
        seconds = round(time.time() - start + earlier, 2)
        self.metrics["stages"][name] = {"status": status, "seconds": seconds,
                                        "peak_rss_mb": megabytes(memory.peak_bytes),
                                        "process_peak_rss_mb": megabytes(memory.process_peak_bytes)}
        if earlier:
            self.metrics["stages"][name]["of_which_interrupted_attempts"] = round(earlier, 2)
        self.folder.save_metrics(self.metrics)
        self.folder.end_attempt(name)
        log(f"stage {name}: {status} in {duration(seconds)} (peak memory {megabytes(memory.peak_bytes)} MB)")
        return result

    def _measurement_reusable(self, name):
        """A measuring stage's previous section still holds when its settings are the same, every training stage
        was reused, the exported file holds the same model and associated files and the files the section names are all
        there."""
        if name not in (*MEASURING_STAGES, "baseline") or self.previous is None:
            return False
        if self.previous.get("stages", {}).get(name, {}).get("status") not in ("done", "reused") or \
                not self._same_settings_for(name):
            return False
        if name == "baseline":  # it reads the data alone, which the same settings and options fix
            return isinstance(self.previous.get(name), dict)
        trained = [self.metrics["stages"][stage]["status"] for stage in ("teacher", "distill", "qat")]
        if not self.tflite_unchanged or any(status not in ("reused", "skipped", "given") for status in trained):
            return False
        section = self.previous.get(name)
        return isinstance(section, dict) and all(os.path.exists(path) for path in _paths_in(section))

    def load_data(self):
        config = self.config
        if config.data:
            data = datasets.load_file(config.data, config.text_column, config.label_column,
                                      config.user_column, test_path=config.test_data, seed=config.seed)
        else:
            data = datasets.load(config.dataset, seed=config.seed)
        data, self.held_out, held_out_section = self.hold_out_users(data)
        if self.given_teacher is not None:
            check_teacher_classes(self.given_teacher, data.class_names)
        if self.folder.prepare(self.fingerprint, self.teacher_fingerprint) == "teacher":
            log("checkpoints: the settings changed but not the teacher's: keeping the teacher and its outputs")
        if config.max_train_examples:
            data = dataclasses.replace(data, train=data.train.take(config.max_train_examples))
        data, unlabelled_section = self.with_unlabelled(data)
        self.metrics["dataset"] = {**data.summary(), "held_out_users": held_out_section,
                                   "unlabelled": unlabelled_section, "max_length": self.fit_lengths(data.train.texts)}
        return data, "done"

    def measure_baseline(self):
        """TF-IDF + logistic regression on the same split: what the student has to beat (seconds)."""
        from tfcompress.baseline import measure_baseline

        section = measure_baseline(self.data, self.config.seed, *self.fitted_baseline())
        self.metrics["baseline"] = section
        log(f"baseline: TF-IDF + logistic regression, test accuracy {section['test_accuracy']:.4f} "
            f"(validation {section['validation_accuracy']:.4f})")
        return section, "done"

    def fitted_baseline(self):
        """``(model, fit seconds)``: the baseline fitted on the run's data, once (the baseline stage and the
        ``baseline`` teacher share it)."""
        from tfcompress.baseline import fit_baseline

        if self._baseline is None:
            began = time.time()
            model = fit_baseline(self.data, self.config.seed)
            self._baseline = (model, time.time() - began)
        return self._baseline

    def compare_with_baseline(self):
        """Warns, and records in the ``baseline`` section, when the shipped student is below the baseline."""
        from tfcompress.baseline import below_baseline

        below = below_baseline(self.metrics)
        if isinstance(self.metrics.get("baseline"), dict):
            self.metrics["baseline"]["shipped_student_below"] = below is not None
        if below is not None:
            name, accuracy, baseline = below
            what = "int8 student" if name == "tflite" else "student"
            log(f"warning: the {what} ({accuracy:.4f} test accuracy) is below the TF-IDF + logistic regression "
                f"baseline ({baseline:.4f}) on the same split: a linear model on word n-grams does better on this "
                "data (docs/datasets.md says what to try)")
            self.folder.save_metrics(self.metrics)

    def with_unlabelled(self, data):
        """``(data, section)``: the training split followed by the ``unlabelled_data`` file's texts (label -1,
        labelled by the teacher), and what metrics.json records of them."""
        path = self.config.unlabelled_data
        if not path:
            return data, "none"
        texts = datasets.read_unlabelled_texts(path, self.config.text_column)
        log(f"data: {len(texts)} unlabelled texts join the {len(data.train)} labelled training texts; the teacher "
            "labels them")
        section = {"path": path, "texts": len(texts), "labelled_train_texts": len(data.train),
                   "labels": "the teacher's (distillation terms only; cross-entropy reads the labelled rows)"}
        return dataclasses.replace(data, train=data.train.with_unlabelled(texts)), section

    def hold_out_users(self, data):
        """``(data, held_out, section)``: with a user column, the settings' users leave every split (they are the
        personalization stage's natural clients); without one, nothing is held out."""
        from tfcompress.datasets.held_out_users import eligible_users, hold_out_users

        held_out = self.settings.data.held_out_users
        wanted = held_out.to_dict() if held_out is not None else {"count": 0, "min_texts": 0}
        if not wanted["count"] or data.train.users is None:
            reason = "no user column" if data.train.users is None else "switched off (count 0)"
            return data, None, f"none: {reason}"
        available = len(eligible_users(data, wanted["min_texts"]))
        count = min(wanted["count"], available // 2)
        if count < 1:
            return data, None, f"none: fewer than 2 users have {wanted['min_texts']} texts"
        if count < wanted["count"]:
            log(f"warning: only {available} users have {wanted['min_texts']} texts; holding out {count} (half of them), "
                f"not {wanted['count']}")
        data, held_out = hold_out_users(data, count, wanted["min_texts"], seed=self.config.seed)
        return data, held_out, {"users": count, "texts": len(held_out), "min_texts": wanted["min_texts"],
                                "requested": wanted["count"]}

    def fit_lengths(self, texts):
        """Each model's ``max_length`` from the training ``texts`` (unless the settings fix one), set in
        ``student_config`` / ``teacher_config`` before any model is built; warns about the share of
        texts each model truncates. Returns the ``dataset.max_length`` section of metrics.json."""
        fixed = self.settings.data.max_length
        counts, fitted = {}, {}  # token counts per unit, shared with pick_models
        self.pick_models(texts, fixed, counts)
        section = {"student": None, "teacher": None, "fitted": fixed is None,
                   "coverage": lengths.COVERAGE if fixed is None else None, "units": {}, "caps": {},
                   "truncated_share": {}}
        for role in ("student", "teacher"):
            config = dict(getattr(self.settings, role).model)
            unit = token_unit(role, getattr(self.settings, role).name)
            if unit == lengths.WORDPIECES:
                cap = min(lengths.WORDPIECE_CAP, int(config.get("max_positions", lengths.WORDPIECE_CAP)))
                if unit not in counts:
                    counts[unit] = lengths.wordpiece_counts(texts, limit=2 * cap)
            else:
                cap = lengths.WORD_CAP
                if unit not in counts:
                    counts[unit] = lengths.word_counts(texts)
            if fixed is None:
                config["max_length"] = fitted[f"{role}.model.max_length"] = lengths.fit_max_length(
                    texts, cap=cap, counts=counts[unit])
            share = lengths.truncation_share(texts, config["max_length"], counts=counts[unit])
            section[role] = config["max_length"]
            section["units"][role], section["caps"][role] = unit, cap
            section["truncated_share"][role] = round(share, 4)
            if share > 0:
                log(f"warning: {share:.1%} of training texts are longer than the {role}'s {config['max_length']} "
                    f"{unit.replace('_', ' ')} and are truncated")
        self.settings = self.settings.with_changes(fitted)  # metrics.json's settings hold the fitted lengths
        self.metrics["settings"] = self.settings.to_dict()
        self._keep_checkpoints_of({"student": section["student"], "teacher": section["teacher"]})
        return section

    def pick_models(self, texts, fixed=None, counts=None):
        """The models that read these texts: the student ``auto`` becomes the bag of words when the student's fitted
        (or ``fixed``) length makes them documents, else the cnn (``resolve_auto_student``); on documents the
        teacher becomes ``teacher.documents`` (the baseline, which reads every word) unless the run was given one.
        ``counts``: a dict of token counts per unit that keeps the word counts computed here for ``fit_lengths``."""
        documents_teacher = self.settings.teacher.documents if self.given_teacher is None else None
        if self.settings.student.name != AUTO_STUDENT and not documents_teacher:
            return
        counts = {} if counts is None else counts
        if fixed is None and lengths.WORD_TOKENS not in counts:
            counts[lengths.WORD_TOKENS] = lengths.word_counts(texts)
        length = fixed if fixed is not None else lengths.fit_max_length(texts, counts=counts[lengths.WORD_TOKENS])
        documents = length >= lengths.LONG_TEXT_TOKENS
        kind = f"the texts need {length} tokens: {'documents' if documents else 'short texts'}"
        if self.settings.student.name == AUTO_STUDENT:
            self.settings = resolve_auto_student(self.settings, length)
            log(f"student: auto picked the {self.settings.student.name} student ({kind})")
        if documents and documents_teacher and self.settings.teacher.name != documents_teacher:
            self.settings = self.settings.with_changes({"teacher.name": documents_teacher,
                                                        "teacher.model": {"max_length": length}})
            log(f"teacher: the {documents_teacher} teacher, which reads every word of a document ({kind}; "
                "teacher.documents)")

    def _keep_checkpoints_of(self, max_lengths):
        """Checkpoints hold models of the lengths they were built with (the fingerprint has the settings,
        not the fitted lengths): when the lengths fitted now differ (another fitting rule), start over."""
        marker = self.folder.checkpoint("max_length.json")
        if os.path.exists(marker):
            with open(marker, encoding="utf-8") as handle:
                previous = json.load(handle)
            if previous != max_lengths:
                log(f"checkpoints were built with max_length {previous}, the data now gives {max_lengths}: "
                    "training again")
                shutil.rmtree(self.folder.checkpoints, ignore_errors=True)
                self.folder.prepare(self.fingerprint, self.teacher_fingerprint)
        write_json_atomic(max_lengths, marker)

    def train_teacher(self):
        if self.given_teacher is not None:
            return self.take_given_teacher()
        if self.settings.teacher.name == BASELINE_TEACHER:
            return self.take_baseline_teacher()
        path = self.folder.teacher_path
        if os.path.exists(path):
            teacher, status = load_model(path), "reused"
        else:
            teacher = recipe.train_teacher(self.settings, self.data, self.config.seed,
                                           backup_dir=self.folder.backup("teacher"))
            save_model(teacher, path)
            status = "done"
        self.teacher = teacher
        self.metrics["teacher"] = {"name": self.settings.teacher.name, "params": int(teacher.count_params()),
                                   **self._accuracies(teacher, self.teacher_logits)}
        return teacher, status

    def take_given_teacher(self):
        """The teacher the run was given: not trained; its accuracy measured, the words its maps cover set to the
        data's fitted length, and what the recipe switches off for the features it lacks recorded."""
        teacher = self.teacher = self.given_teacher
        if isinstance(teacher, TextTeacher):
            teacher.max_length = self.settings.teacher.model.get("max_length", teacher.max_length)
        self.settings, switched = settings_for_teacher(self.settings, teacher)
        self.metrics["settings"] = self.settings.to_dict()
        params = teacher.count_params()
        self.metrics["teacher"] = {"name": self.settings.teacher.name, "given": "used as given, not trained here",
                                   "params": None if params is None else int(params),
                                   **self._accuracies(teacher, self.teacher_logits),
                                   "features": teacher_report(teacher, switched)}
        return teacher, "given"

    def take_baseline_teacher(self):
        """The run's TF-IDF + logistic regression baseline as the teacher (``teacher.name`` ``baseline``): fitted
        here in seconds, then used as a teacher that was given (``take_given_teacher``)."""
        from tfcompress.baseline import baseline_teacher

        model, _ = self.fitted_baseline()
        self.given_teacher = baseline_teacher(model, self.data.class_names,
                                              self.settings.teacher.model.get("max_length", 48))
        teacher, _ = self.take_given_teacher()
        self.metrics["teacher"]["given"] = "the run's TF-IDF + logistic regression baseline, fitted here"
        return teacher, "done"

    def _accuracies(self, model, predict=None):
        predict = predict or model.predict_texts
        return {"validation_accuracy": accuracy(predict(self.data.validation.texts), self.data.validation.labels),
                "test_accuracy": accuracy(predict(self.data.test.texts), self.data.test.labels)}

    def teacher_logits(self, texts):
        """The float teacher's logits on ``texts``, computed once (the teacher's outputs cache)."""
        return self.teacher_cache().logits(self.teacher, texts)

    def teacher_cache(self):
        return TeacherOutputCache(self.folder.teacher_outputs)

    def distill_student(self):
        settings, path = self.settings, self.folder.student_path
        previous = {}
        if os.path.exists(path):
            student, status = load_model(path), "reused"
            history = self.folder.load_history("distill", NOT_BUILT)
        else:
            began = time.perf_counter()
            with self.workers.scope():
                student, embedding_init = recipe.make_student(settings, self.teacher, self.data, self.student_seed,
                                                               cache=self.teacher_cache())
                previous = {"embedding_init": embedding_init}
                built = round(time.perf_counter() - began, 2)
                history = self._distill(student, "distill", workers=self.workers).summary
            history["seconds"] = {"make_student": built, **history.get("seconds", {})}
            save_model(student, path)
            self.folder.save_history("distill", history)
            status = "done"
        test_logits = student.predict_texts(self.data.test.texts)
        self.metrics["student"] = {
            **previous, "name": settings.student.name, "params": int(student.count_params()),
            "validation_accuracy": accuracy(student.predict_texts(self.data.validation.texts),
                                            self.data.validation.labels),
            "test_accuracy": accuracy(test_logits, self.data.test.labels),
            "teacher_agreement": argmax_agreement(test_logits, self.teacher_logits(self.data.test.texts)),
            "distillation": {"temperature": settings.distillation.temperature,
                             "ce_weight": settings.distillation.ce_weight, "kd_weight": settings.distillation.kd_weight,
                             "transfer_copies": settings.transfer.copies},
        }
        self.metrics["distill"] = history
        return student, status

    def _distill(self, student, stage, epochs=None, learning_rate=None, workers=None):
        return recipe.distill(student, self.teacher, self.data, self.settings, seed=self.student_seed,
                              cache=self.teacher_cache(), epochs=epochs, learning_rate=learning_rate,
                              backup_dir=self.folder.backup(stage), stage=stage, workers=workers)

    def quantization_aware_training(self):
        """QAT (TF-MOT) of the distilled student, continuing the same objectives; ``None`` when off or
        unsupported (then the .tflite is post-training quantized)."""
        from tfcompress.quantize import load_qat, quantize_student, save_qat

        settings, path = self.settings, self.folder.qat_path
        if not settings.qat.epochs:
            self.metrics["qat"] = "off"
            return None, "skipped"
        if os.path.exists(path):
            qat, status = load_qat(path), "reused"
            history = self.folder.load_history("qat", NOT_BUILT)
        else:
            calibration = self.student.encoder.encode(list(self.data.train.texts[:512]))
            try:
                qat = quantize_student(self.student, calibration_inputs=calibration)
            except NotImplementedError as error:
                self.metrics["qat"] = f"not supported for this student: {error}"
                return None, "skipped"
            learning_rate = settings.student.learning_rate * settings.qat.learning_rate_scale
            history = self._distill(qat, "qat", settings.qat.epochs, learning_rate).summary
            save_qat(qat, path)
            self.folder.save_history("qat", history)
            status = "done"
        self.metrics["qat"] = {
            "epochs": settings.qat.epochs, "learning_rate_scale": settings.qat.learning_rate_scale,
            **self._accuracies(qat),
            "float_test_accuracy": self.metrics["student"]["test_accuracy"], "training": history,
        }
        return qat, status

    def export_tflite(self):
        """The shipped int8 file: from the QAT student when there is one, else post-training quantized."""
        from tfcompress.export import export_android
        from tfcompress.tflite import measure_tflite

        source = self.qat_student or self.student
        path = self.folder.tflite_path
        before = _read_if_present(path)
        exported = export_android(source, path, self.data.train.texts, class_names=self.data.class_names)
        with open(path, "rb") as handle:
            model_bytes = handle.read()
        self.tflite_unchanged = before is not None and _model_content(before) == _model_content(model_bytes)
        test_ids = source.encoder.encode(list(self.data.test.texts))
        measured = measure_tflite(model_bytes, test_ids, source.predict_texts(self.data.test.texts),
                                  self.data.test.labels)
        self.metrics["tflite"] = {
            "path": path, "source": "qat" if self.qat_student is not None else "post-training quantization",
            "bytes": measured["bytes"], "builtin_ops_only": measured["builtin_ops_only"],
            "ops": measured["ops"],
            "quantization": f"full-int8 weights and activations; {measured['input_dtype']} input "
                            f"{source.encoder.input_name!r}, {measured['output_dtype']} logits",
            "parity": measured["parity"], "test_accuracy": measured["test_accuracy"],
            "latency_us": measured["latency_us"],
            "latency_setting": "median over the test split, batch 1, 1 thread, set_tensor+invoke+get_tensor",
            "runtime": measured["runtime"],
            "encoder": source.encoder.spec(),
            "metadata": exported["metadata"], "spec_path": exported["spec_path"],
            "labels_path": exported["labels_path"],
            "contributions": self.tflite_contributions(model_bytes, test_ids[:500], source),
        }
        return model_bytes, "done"

    @staticmethod
    def tflite_contributions(model_bytes, ids, source):
        """The file's second output: how exactly its per-word contributions sum to its logits, or why it has none."""
        from tfcompress.tflite import TFLiteClassifier

        if not getattr(source, "explains_itself", False):
            return "not output: the student does not explain itself (cnn with pooling 'max', or fastgrnn)"
        runner = TFLiteClassifier(model_bytes, num_threads=1)
        return {"output": "contributions", "decomposition": runner.decomposition_error(
            ids, source.contribution_bias().numpy())}

    def personalize(self):
        """Personalization on data no model trained on: the held-out users (natural clients) when the data has a
        user column, else the test split cut into clients by a seeded Dirichlet label skew."""
        from tfcompress.federated import label_prior, make_clients, personalization_report

        options = self.settings.evaluation.personalization.to_dict()
        if self.held_out is not None:
            clients = make_clients([self.held_out], by_user=True, test_fraction=options["test_fraction"],
                                   seed=self.config.seed)
            source = "natural clients: the held-out users (no model trained on their texts)"
        elif options["clients"]:
            clients = make_clients([self.data.test], num_clients=options["clients"], alpha=options["alpha"],
                                   test_fraction=options["test_fraction"], by_user=False, seed=self.config.seed)
            source = "the test split, partitioned into clients by a Dirichlet label skew (the student never trained on it)"
        else:
            self.metrics["personalization"] = "skipped: no clients"
            return None, "skipped"
        student = load_model(self.folder.student_path)
        section = personalization_report(
            student, clients, options, self.folder.trainable_tflite_path, self.config.seed,
            global_prior=label_prior(self.data.train.labelled().labels, self.data.num_classes),
            progress=lambda record: log(f"personalization: round {record.get('round')} done"))
        section["data"] = source
        self.metrics["personalization"] = section
        return section, "done"

    def evaluated_models(self):
        """What the robustness and explanation stages look at: name -> model."""
        from tfcompress.tflite import TFLiteTextClassifier

        source = self.qat_student or self.student
        models = {"teacher": self.teacher, "student": source}
        if self.tflite_bytes is not None:
            models["student_tflite"] = TFLiteTextClassifier(self.tflite_bytes, source.encoder)
        return models

    def measure_robustness(self):
        """Every offline recipe against teacher, student and the int8 file, on one seeded test sample."""
        if not self.settings.evaluation.robustness.num_examples:
            self.metrics["robustness"] = "skipped: robustness_examples is 0"
            return None, "skipped"
        missing = recipe.adversarial_texts_missing()
        if missing:
            self.metrics["robustness"] = f"not measured: {missing}"
            return None, "skipped"
        from tfcompress.robustness import RECIPE_NAMES, attack_model, outcome_agreement

        options = self.settings.evaluation.robustness.to_dict()
        test = self.data.test
        section = {"num_examples": min(options["num_examples"], len(test.texts)), "seed": self.config.seed,
                   "recipes": list(RECIPE_NAMES), "query_budget": options["query_budget"],
                   "max_words": options["max_words"], "models": {}}
        for name, model in self.evaluated_models().items():
            results = {}
            for recipe_name in RECIPE_NAMES:
                log(f"robustness: {recipe_name} against the {name}")
                csv_name = f"{name}_{recipe_name}.csv"
                attack = functools.partial(attack_model, model, test.texts, test.labels, recipe_name,
                                           section["num_examples"], self.config.seed, out_dir=self.folder.attacks,
                                           progress=False, query_budget=options["query_budget"], csv_name=csv_name,
                                           max_words=options["max_words"])
                results[recipe_name] = attack() if name != "teacher" else \
                    self.teacher_attack(recipe_name, attack, os.path.join(self.folder.attacks, csv_name))
            section["models"][name] = results
        student = section["models"]["student"]
        if "student_tflite" in section["models"]:
            tflite = section["models"]["student_tflite"]
            section["tflite_outcome_agreement"] = {name: outcome_agreement(student[name], tflite[name])
                                                   for name in RECIPE_NAMES}
        section["indices"] = student[RECIPE_NAMES[0]]["indices"]
        section["certified"] = self.certified_robustness(section["indices"])
        for results in section["models"].values():
            for result in results.values():
                result.pop("outcomes")
                result.pop("indices")
        self.metrics["robustness"] = section
        return section, "done"

    def teacher_attack(self, recipe_name, attack, csv_path):
        """The teacher's attack result from the teacher's output cache (kept while only student settings change,
        so a run that tries another student does not attack the same teacher again)."""
        options = self.settings.evaluation.robustness.to_dict()
        labels = hashlib.sha256(np.asarray(self.data.test.labels, np.int64).tobytes()).hexdigest()[:12]
        window = "" if options["max_words"] is None else f"w{options['max_words']}-"
        kind = (f"attack-{recipe_name}-n{options['num_examples']}-q{options['query_budget']}-{window}"
                f"seed{self.config.seed}-labels{labels}")
        return self.teacher_cache().record(kind, self.teacher, self.data.test.texts, attack, output=("csv", csv_path))

    def certified_robustness(self, indices):
        """IBP-certified accuracy of the float student on the attacked sentences, under one character edit
        per word and under PWWS' WordNet swaps (``tfcompress.robustness.certify``), or why it is not computable."""
        from tfcompress.distill.substitution_sets import substitution_table, wordnet_missing, wordnet_substitutes
        from tfcompress.robustness.certify import certify, table_candidates, typo_candidates

        student = self.student
        if not hasattr(student, "worst_case_logits") or not hasattr(student.encoder, "reachable_ids"):
            return "not computable: needs a closed-vocabulary student with interval bounds (the cnn with 'vocabulary')"
        texts = [self.data.test.texts[index] for index in indices]
        labels = [int(self.data.test.labels[index]) for index in indices]
        result = {"model": "student (float Keras)",
                  "typo": certify(student, texts, labels, lambda text: typo_candidates(student.encoder, text))}
        missing = wordnet_missing()
        if missing:
            result["wordnet"] = f"not computed: {missing}"
        else:
            table = substitution_table(student.encoder, wordnet_substitutes(student.encoder.vocabulary), 10 ** 6)
            result["wordnet"] = certify(student, texts, labels,
                                        lambda text: table_candidates(student.encoder, table, text))
        return result

    def measure_explanations(self):
        """shap and integrated gradients for teacher and student, fidelity between them, AOPC."""
        from tfcompress.explain import explain_model, fidelity

        options, test = self.settings.evaluation.explanations.to_dict(), self.data.test
        count = min(options["num_examples"], len(test.texts))
        if not count:
            self.metrics["explanations"] = "skipped: explanation_examples is 0"
            return None, "skipped"
        indices = select_sample(len(test.texts), count, self.config.seed)
        models = self.evaluated_models()
        encoders = [getattr(model, "encoder", None) for model in models.values()]
        texts = [read_part(test.texts[i], *encoders) for i in indices]  # what the models read: shap's cost grows with it
        teacher_classes = np.argmax(self.teacher.predict_texts(texts), axis=-1)
        results = {}
        for name, model in models.items():
            log(f"explanations: {name}")
            results[name] = explain_model(model, texts, seed=self.config.seed, out_dir=self.folder.explanations,
                                          target=teacher_classes, max_evals=options["max_evals"], name=name)
        section = {"num_examples": count, "seed": self.config.seed, "indices": indices,
                   "target": "the teacher's predicted class", "fidelity": {}, "models": {}}
        for method, teacher_maps in results["teacher"]["attributions"].items():
            for name in ("student", "student_tflite"):
                if name not in results:
                    continue
                compared = {f"teacher_vs_{name}_{method}": results[name]["attributions"].get(method),
                            f"teacher_{method}_vs_{name}_contributions":
                                results[name]["attributions"].get("contributions")}
                for key, student_maps in compared.items():
                    if student_maps is not None:
                        scores = fidelity(teacher_maps, student_maps, k=5)
                        scores.pop("per_sentence")
                        section["fidelity"][key] = scores
        for name, result in results.items():
            result.pop("attributions", None)
            result.pop("indices", None)
            section["models"][name] = result
        self.metrics["explanations"] = section
        return section, "done"


def megabytes(count):
    return None if count is None else round(count / 2 ** 20, 1)


def token_unit(role, name):
    """What a model's ``max_length`` counts: ``lengths.WORDPIECES`` for BERT-style models (MiniLM),
    else ``lengths.WORD_TOKENS`` (``WordTokenizer`` tokens)."""
    from tfcompress.models import STUDENTS, TEACHERS, MiniLMTeacher

    model_class = (TEACHERS if role == "teacher" else STUDENTS).get(name)
    is_bert = isinstance(model_class, type) and issubclass(model_class, MiniLMTeacher)
    return lengths.WORDPIECES if is_bert else lengths.WORD_TOKENS


def run(config):
    """Run the main job described by ``config`` (a ``RunConfig``); returns the metrics dict.

    Example:
        >>> metrics = run(RunConfig(out="runs/quick", preset="quick"))
        >>> metrics["tflite"]["parity"]
    """
    return Run(config).execute()


__all__ = ["NOT_BUILT", "PRESETS", "Run", "RunConfig", "SCHEMA_VERSION", "SKIPPABLE_STAGES", "STAGES", "run"]
