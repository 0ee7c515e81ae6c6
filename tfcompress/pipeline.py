"""The main job: data -> teacher -> distilled student -> int8 TFLite, with metrics.json and a report.

Each stage writes its results into ``metrics.json`` as soon as it finishes (atomically), and keeps its
trained model under ``OUT/checkpoints``. Running again with the same settings and ``--out`` reuses
finished stages and resumes an interrupted ``fit`` from its last epoch (Keras ``BackupAndRestore``).
"""
import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from tfcompress import datasets
from tfcompress.backend import keras, tf, versions
from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestWeights, Distiller,
                                ExplanationFidelityMonitor, LossWeightScheduler, RobustnessMonitor, TeacherExplanations,
                                distillation_dataset, init_embeddings_from_teacher, teacher_lexicon)
from tfcompress.distill.augment import with_transfer_copies
from tfcompress.export import accuracy, argmax_agreement, export_android, measure_tflite
from tfcompress.models import TeacherOutputCache, build_student, build_teacher, load_model, save_model
from tfcompress.report import write_report
from tfcompress.robustness.attack import select_sample

SCHEMA_VERSION = 1
NOT_BUILT = "not_built"
# The paper's three objectives, as every preset trains them (chosen by benchmarks/ablation.py).
_OBJECTIVES = {"explain_weight": 1.0, "explanation": "saliency", "explain_examples": 20000,
               "adversarial_weight": 0.5, "adversarial_steps": 1, "adversarial_epsilon": 0.5,
               "adversarial_texts": {"recipes": ["deepwordbug", "pwws"], "num_examples": 256, "every": 2,
                                     "query_budget": 200},
               "warmup_epochs": 2, "monitor_examples": 50, "qat_epochs": 2, "qat_learning_rate_scale": 0.25}
# How much of the test split the robustness and explanation stages look at.
_EVALUATION = {"robustness": {"num_examples": 100, "query_budget": 500},
               "explanations": {"num_examples": 20, "max_evals": 300},
               "personalization": {"clients": 20, "alpha": 0.3, "rounds": 5, "test_fraction": 0.3}}

# How each registered model is trained, per preset: constructor config and its own fit budget.
_MINILM = {"config": {"max_length": 48, "pretrained": True}, "epochs": 1, "learning_rate": 5e-5, "batch_size": 32}
_STUDENTS = {
    "cnn": {"num_buckets": 5000, "max_length": 48, "embedding_dim": 16, "filters": 64},
    "prado": {"features": 64, "max_length": 48, "bottleneck": 64, "filters": 64},
    "fastgrnn": {"num_buckets": 4000, "max_length": 48, "embedding_dim": 16, "units": 64},
}


def _student_recipes(epochs):
    return {name: {"config": config, "epochs": epochs, "learning_rate": 2e-3, "batch_size": 64}
            for name, config in _STUDENTS.items()}


RECIPES = {
    "quick": {
        "bilstm": {"config": {"num_buckets": 20000, "max_length": 48, "embedding_dim": 64, "lstm_units": 48},
                   "epochs": 2, "learning_rate": 2e-3, "batch_size": 64},
        "minilm": _MINILM,
        **_student_recipes(epochs=4),
    },
    "default": {
        "bilstm": {"config": {"num_buckets": 20000, "max_length": 48, "embedding_dim": 96, "lstm_units": 64},
                   "epochs": 6, "learning_rate": 1e-3, "batch_size": 64},
        "minilm": _MINILM,
        **_student_recipes(epochs=12),
    },
}

PRESETS = {
    "quick": {"teacher": "bilstm", "student": "cnn", "patience": 2,
              "temperature": 3.0, "ce_weight": 0.1, "kd_weight": 0.9, "transfer_copies": 0,
              "embedding_init": "teacher", **_OBJECTIVES,
              "robustness": {**_EVALUATION["robustness"], "num_examples": 30},
              "explanations": {**_EVALUATION["explanations"], "num_examples": 5},
              "personalization": {**_EVALUATION["personalization"], "clients": 10, "rounds": 2}},
    "default": {"teacher": "minilm", "student": "cnn", "patience": 3,
                "temperature": 3.0, "ce_weight": 0.1, "kd_weight": 0.9, "transfer_copies": 2,
                "embedding_init": "teacher", **_OBJECTIVES, **_EVALUATION},
}


@dataclasses.dataclass
class RunConfig:
    """What ``tfcompress run`` does. ``None`` fields take the preset's value.

    Args:
        out: output folder (metrics.json, report.md, report.html, student.tflite, checkpoints/).
        dataset: a bundled dataset name, used when ``data`` is not given.
        data: a user CSV/TSV/JSONL file instead of a bundled dataset.
        test_data: optional separate test file for ``data``.
        text_column, label_column, user_column: columns of ``data``.
        preset: ``quick`` (under 3 minutes on 2 cores) or ``default`` (under 15).
        teacher, student: registered model names overriding the preset's.
        teacher_epochs, student_epochs: overrides of the preset's epoch budgets.
        max_train_examples: use only the first N training examples (smoke tests).
        robustness_examples, explanation_examples: override how many test sentences the robustness
            and explanation stages look at (0 skips the stage).
        seed: fixes the split, initialization and shuffling.
    """

    out: str = "runs/latest"
    dataset: str = "rotten_tomatoes"
    data: str = None
    test_data: str = None
    text_column: str = "text"
    label_column: str = "label"
    user_column: str = None
    preset: str = "quick"
    teacher: str = None
    student: str = None
    teacher_epochs: int = None
    student_epochs: int = None
    max_train_examples: int = None
    robustness_examples: int = None
    explanation_examples: int = None
    seed: int = 0

    def settings(self):
        """The preset merged with the overrides: everything that determines the result."""
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; presets are {sorted(PRESETS)}")
        settings = json.loads(json.dumps(PRESETS[self.preset]))
        for role in ("teacher", "student"):
            name = getattr(self, role) or settings[role]
            recipes = RECIPES[self.preset]
            if name not in recipes:
                raise ValueError(f"no training recipe for {role} {name!r}; known models are {sorted(recipes)}")
            recipe = recipes[name]
            settings.update({role: name, f"{role}_config": dict(recipe["config"]),
                             f"{role}_epochs": getattr(self, f"{role}_epochs") or recipe["epochs"],
                             f"{role}_learning_rate": recipe["learning_rate"],
                             f"{role}_batch_size": recipe["batch_size"]})
        source = {"data": self.data, "test_data": self.test_data, "text_column": self.text_column,
                  "label_column": self.label_column, "user_column": self.user_column} if self.data else \
            {"dataset": self.dataset}
        for section, override in (("robustness", self.robustness_examples),
                                  ("explanations", self.explanation_examples)):
            if override is not None:
                settings[section]["num_examples"] = int(override)
        return {**settings, **source, "max_train_examples": self.max_train_examples, "seed": self.seed}


def log(message):
    print(f"[tfcompress] {message}", file=sys.stderr, flush=True)


class ProgressLog(keras.callbacks.Callback):
    """Logs '<stage> epoch e/E: batch b/B loss ...' about ten times an epoch, for long fits."""

    def __init__(self, stage, epochs):
        super().__init__()
        self.stage, self.epochs, self.epoch = stage, epochs, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params.get("steps") or 0
        every = max(1, steps // 10)
        if steps and (batch + 1) % every == 0 and batch + 1 < steps:
            shown = ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items())
            log(f"{self.stage} epoch {self.epoch + 1}/{self.epochs}: batch {batch + 1}/{steps} {shown}")


def write_json_atomic(data, path):
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(data, out, indent=2, sort_keys=False)
        out.write("\n")
    os.replace(tmp, path)


# Settings that only size the evaluation stages (re-measured on every run); changing them keeps the
# trained checkpoints.
EVALUATION_SETTINGS = ("robustness", "explanations", "personalization")


def fingerprint(settings, data_files=()):
    """Hash of the training settings and the contents of the user's data files."""
    trained = {key: value for key, value in settings.items() if key not in EVALUATION_SETTINGS}
    digest = hashlib.sha256(json.dumps(trained, sort_keys=True).encode())
    for path in data_files:
        if path:
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()[:16]


class Run:
    """One execution of the main job into an output folder; ``execute()`` returns the metrics."""

    def __init__(self, config):
        self.config = config
        self.settings = config.settings()
        self.out = os.path.abspath(config.out)
        self.checkpoints = os.path.join(self.out, "checkpoints")
        os.makedirs(self.checkpoints, exist_ok=True)
        self.fingerprint = fingerprint(self.settings, (config.data, config.test_data))
        self._discard_stale_checkpoints()
        self.metrics = {
            "schema_version": SCHEMA_VERSION, "versions": versions(), "preset": config.preset,
            "seed": config.seed, "fingerprint": self.fingerprint, "settings": self.settings,
            "dataset": NOT_BUILT, "teacher": NOT_BUILT, "student": NOT_BUILT, "distill": NOT_BUILT,
            "qat": NOT_BUILT, "tflite": NOT_BUILT, "robustness": NOT_BUILT, "explanations": NOT_BUILT,
            "personalization": NOT_BUILT,
            "stages": {},
        }

    def _discard_stale_checkpoints(self):
        marker = os.path.join(self.checkpoints, "fingerprint.txt")
        previous = open(marker).read().strip() if os.path.exists(marker) else None
        if previous != self.fingerprint:
            shutil.rmtree(self.checkpoints)
            os.makedirs(self.checkpoints)
            with open(marker, "w") as handle:
                handle.write(self.fingerprint)

    def execute(self):
        keras.utils.set_random_seed(self.config.seed)
        started = time.time()
        self.data = self._stage("data", self.load_data)
        self.teacher = self._stage("teacher", self.train_teacher)
        self.student = self._stage("distill", self.distill_student)
        self.qat_student = self._stage("qat", self.quantization_aware_training)
        self.tflite_bytes = self._stage("tflite", self.export_tflite)
        self._stage("robustness", self.measure_robustness)
        self._stage("explanations", self.measure_explanations)
        self._stage("personalization", self.personalize)
        self.metrics["total_seconds"] = round(time.time() - started, 2)
        self._save_metrics()
        write_report(self.metrics, self.out)
        log(f"done in {self.metrics['total_seconds']:.0f}s: {os.path.join(self.out, 'metrics.json')}")
        return self.metrics

    def _stage(self, name, function):
        log(f"stage {name}: started")
        start = time.time()
        result, status = function()
        seconds = round(time.time() - start, 2)
        self.metrics["stages"][name] = {"status": status, "seconds": seconds}
        self._save_metrics()
        log(f"stage {name}: {status} in {seconds:.1f}s")
        return result

    def _save_metrics(self):
        write_json_atomic(self.metrics, os.path.join(self.out, "metrics.json"))

    def load_data(self):
        config = self.config
        if config.data:
            data = datasets.load_file(config.data, config.text_column, config.label_column,
                                      config.user_column, test_path=config.test_data, seed=config.seed)
        else:
            data = datasets.load(config.dataset, seed=config.seed)
        if config.max_train_examples:
            data = dataclasses.replace(data, train=data.train.take(config.max_train_examples))
        self.metrics["dataset"] = data.summary()
        return data, "done"

    def _checkpoint(self, name):
        return os.path.join(self.checkpoints, f"{name}.keras")

    def train_teacher(self):
        settings, path = self.settings, self._checkpoint("teacher")
        if os.path.exists(path):
            teacher, status = load_model(path), "reused"
        else:
            teacher = build_teacher(settings["teacher"], num_classes=self.data.num_classes,
                                    **settings["teacher_config"])
            teacher.compile(keras.optimizers.Adam(settings["teacher_learning_rate"]),
                            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                            [keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
            encode = teacher.encoder.encode
            teacher.fit(self.data.train.to_tf_dataset(encode, settings["teacher_batch_size"], True, self.config.seed),
                        validation_data=self.data.validation.to_tf_dataset(encode, 256),
                        epochs=settings["teacher_epochs"], verbose=2,
                        callbacks=self._fit_callbacks("teacher", teacher, settings["teacher_epochs"]))
            save_model(teacher, path)
            status = "done"
        self.metrics["teacher"] = {
            "name": settings["teacher"], "params": int(teacher.count_params()),
            "validation_accuracy": accuracy(teacher.predict_texts(self.data.validation.texts),
                                            self.data.validation.labels),
            "test_accuracy": accuracy(teacher.predict_texts(self.data.test.texts), self.data.test.labels),
        }
        return teacher, status

    def distill_student(self):
        settings, path = self.settings, self._checkpoint("student")
        if os.path.exists(path):
            student, status = load_model(path), "reused"
            history = self._load_json("distill_history.json")
        else:
            student = build_student(settings["student"], num_classes=self.data.num_classes,
                                    **settings["student_config"])
            self.init_student_embeddings(student)
            history = self.fit_student(student)
            save_model(student, path)
            write_json_atomic(history, os.path.join(self.checkpoints, "distill_history.json"))
            status = "done"
        test_logits = student.predict_texts(self.data.test.texts)
        previous = self.metrics["student"] if isinstance(self.metrics["student"], dict) else {}
        self.metrics["student"] = {**previous,
            "name": settings["student"], "params": int(student.count_params()),
            "validation_accuracy": accuracy(student.predict_texts(self.data.validation.texts),
                                            self.data.validation.labels),
            "test_accuracy": accuracy(test_logits, self.data.test.labels),
            "teacher_agreement": argmax_agreement(test_logits, self.teacher.predict_texts(self.data.test.texts)),
            "distillation": {key: settings[key] for key in ("temperature", "ce_weight", "kd_weight",
                                                            "transfer_copies")},
        }
        self.metrics["distill"] = history
        return student, status

    def fit_student(self, student, stage="distill", epochs=None, learning_rate=None):
        """Three-objective distillation (``Distiller``) with the preset's weights and callbacks."""
        settings = self.settings
        epochs = epochs or settings["student_epochs"]
        distiller = Distiller(student=student, teacher=self.teacher)
        distiller.compile(keras.optimizers.Adam(learning_rate or settings["student_learning_rate"]),
                          [keras.metrics.SparseCategoricalAccuracy(name="accuracy")], **self.distiller_settings())
        cache = TeacherOutputCache(os.path.join(self.checkpoints, "teacher_outputs"))
        train, train_logits = self.transfer_set(cache)
        explanations = self.teacher_explanations(student, cache)
        train_maps = explanations and explanations.compute(train.texts, first=self._explained_examples())
        pool = AdversarialTextPool(student) if self.adversarial_texts_enabled() else None
        train_data = distillation_dataset(train, student, self.teacher, settings["student_batch_size"], True,
                                          self.config.seed, teacher_logits=train_logits, explanations=train_maps,
                                          adversarial_pool=pool)
        validation_data = distillation_dataset(
            self.data.validation, student, self.teacher, 256,
            teacher_logits=cache.logits(self.teacher, self.data.validation.texts),
            explanations=explanations and explanations.compute(self.data.validation.texts))
        if pool is None and settings["adversarial_texts"]:
            log(f"distill: discrete adversarial texts off: {self.adversarial_texts_missing()}")
        monitors = self.distill_monitors(pool)
        fit = distiller.fit(train_data, validation_data=validation_data, epochs=epochs, verbose=2,
                            callbacks=[*monitors, *self._fit_callbacks(stage, student, epochs)])
        return self.distill_summary(distiller, fit.history, monitors)

    def distiller_settings(self):
        settings = self.settings
        return {"ce_weight": settings["ce_weight"], "kd_weight": settings["kd_weight"],
                "explain_weight": settings["explain_weight"], "adversarial_weight": settings["adversarial_weight"],
                "temperature": settings["temperature"], "explanation": settings["explanation"],
                "adversarial_steps": settings["adversarial_steps"],
                "adversarial_epsilon": settings["adversarial_epsilon"]}

    def teacher_explanations(self, student, cache):
        if not self.settings["explain_weight"]:
            return None
        return TeacherExplanations(self.teacher, self.settings["explanation"], student.max_length, cache=cache)

    def _explained_examples(self):
        """Teacher maps for the labelled split only (its transfer copies are KD-only rows), capped."""
        return min(len(self.data.train.texts), self.settings["explain_examples"])

    def adversarial_texts_enabled(self):
        """Discrete adversarial texts need textattack (the full stack) and the offline NLTK data."""
        return bool(self.settings["adversarial_texts"]) and self.adversarial_texts_missing() is None

    @staticmethod
    def adversarial_texts_missing():
        """Why discrete adversarial texts cannot run here, or ``None``."""
        if importlib.util.find_spec("textattack") is None:
            return "textattack is not installed (it is on the full stack only)"
        from tfcompress.robustness.offline_textattack import OfflineResourceError, _check_nltk_data

        try:
            _check_nltk_data()
        except OfflineResourceError as error:
            return str(error)
        return None

    def distill_monitors(self, pool):
        """Callbacks that warm up, refresh adversarial texts and measure, before Keras' own ones."""
        settings, validation = self.settings, self.data.validation
        sample = min(len(validation.texts), settings["monitor_examples"])
        monitors = [LossWeightScheduler(settings["warmup_epochs"]),
                    ExplanationFidelityMonitor(validation.texts[:sample], self.teacher)]
        if pool is not None:
            texts_settings = settings["adversarial_texts"]
            monitors.append(AdversarialTextRefresh(pool, texts_settings["recipes"], texts_settings["num_examples"],
                                                   texts_settings["every"], texts_settings["query_budget"],
                                                   self.config.seed))
            monitors.append(RobustnessMonitor(validation.texts[:sample], validation.labels[:sample],
                                              texts_settings["recipes"][0], every=1,
                                              query_budget=texts_settings["query_budget"], seed=self.config.seed))
        return monitors

    def distill_summary(self, distiller, history, monitors):
        """The ``distill`` section: weights, final per-term losses and what the monitors measured."""
        final = {name: round(float(values[-1]), 5) for name, values in history.items()}
        return {
            **distiller.compile_settings,
            "epochs_run": len(history.get("loss", [])),
            "final": final,
            "adversarial_texts": (self.settings["adversarial_texts"] if self.adversarial_texts_enabled()
                                  else f"off: {self.adversarial_texts_missing()}" if self.settings["adversarial_texts"]
                                  else "off"),
            "monitors": {type(monitor).__name__: monitor.history for monitor in monitors
                         if hasattr(monitor, "history") and isinstance(monitor.history, list)},
        }

    def _load_json(self, name):
        path = os.path.join(self.checkpoints, name)
        return json.load(open(path)) if os.path.exists(path) else NOT_BUILT

    def init_student_embeddings(self, student):
        """With ``embedding_init: teacher``, start a hashed-embedding student from the teacher's word
        vectors (``init_embeddings_from_teacher``); students without such a table start as built."""
        if self.settings["embedding_init"] != "teacher" or not hasattr(student, "embedding"):
            self.metrics["student"] = {"embedding_init": "random"}
            return
        log("distill: initializing the student's word embeddings from the teacher's word vectors")
        report = init_embeddings_from_teacher(student, self.teacher, self.data.train.texts,
                                              lexicon=teacher_lexicon(self.teacher), seed=self.config.seed)
        self.metrics["student"] = {"embedding_init": {"from": "teacher", **report}}

    def transfer_set(self, cache):
        """The training split plus ``transfer_copies`` perturbed copies of each text (label -1, KD
        only; see ``augment_texts``), with the teacher's logits for all of them."""
        train = with_transfer_copies(self.data.train, self.settings["transfer_copies"], self.config.seed)
        if len(train.texts) > len(self.data.train.texts):
            log(f"distill: transfer set of {len(train.texts) - len(self.data.train.texts)} perturbed texts, "
                "labelled by the teacher")
        return train, cache.logits(self.teacher, train.texts)

    def _fit_callbacks(self, name, model, epochs):
        """Resume from the last epoch, stop when validation accuracy stalls, end on the best epoch."""
        backup = os.path.join(self.checkpoints, f"backup_{name}")
        return [ProgressLog(name, epochs), keras.callbacks.BackupAndRestore(backup),
                keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=self.settings["patience"]),
                BestWeights("val_accuracy", "max", target=model)]

    def quantization_aware_training(self):
        """QAT (TF-MOT) of the distilled student, continuing the same objectives; ``None`` when off or
        unsupported (then the .tflite is post-training quantized)."""
        from tfcompress.quantize import load_qat, quantize_student, save_qat

        settings, path = self.settings, os.path.join(self.checkpoints, "student_qat.npz")
        if not settings["qat_epochs"]:
            self.metrics["qat"] = "off"
            return None, "skipped"
        if os.path.exists(path):
            qat, status = load_qat(path), "reused"
            history = self._load_json("qat_history.json")
        else:
            calibration = self.student.encoder.encode(list(self.data.train.texts[:512]))
            try:
                qat = quantize_student(self.student, calibration_inputs=calibration)
            except NotImplementedError as error:
                self.metrics["qat"] = f"not supported for this student: {error}"
                return None, "skipped"
            learning_rate = settings["student_learning_rate"] * settings["qat_learning_rate_scale"]
            history = self.fit_student(qat, "qat", settings["qat_epochs"], learning_rate)
            save_qat(qat, path)
            write_json_atomic(history, os.path.join(self.checkpoints, "qat_history.json"))
            status = "done"
        self.metrics["qat"] = {
            "epochs": settings["qat_epochs"], "learning_rate_scale": settings["qat_learning_rate_scale"],
            "test_accuracy": accuracy(qat.predict_texts(self.data.test.texts), self.data.test.labels),
            "validation_accuracy": accuracy(qat.predict_texts(self.data.validation.texts),
                                            self.data.validation.labels),
            "float_test_accuracy": self.metrics["student"]["test_accuracy"], "training": history,
        }
        return qat, status

    def export_tflite(self):
        """The shipped int8 file: from the QAT student when there is one, else post-training quantized."""
        source = self.qat_student or self.student
        path = os.path.join(self.out, "student.tflite")
        exported = export_android(source, path, self.data.train.texts, class_names=self.data.class_names)
        with open(path, "rb") as handle:
            model_bytes = handle.read()
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
        }
        return model_bytes, "done"

    def personalize(self):
        """Personalization on clients made from the test split (data the student never trained on):
        by the user column when the data has one, else a seeded Dirichlet label skew."""
        from tfcompress.federated import make_clients

        options = self.settings["personalization"]
        if not options["clients"]:
            self.metrics["personalization"] = "skipped: no clients"
            return None, "skipped"
        clients = make_clients([self.data.test], num_clients=options["clients"], alpha=options["alpha"],
                               test_fraction=options["test_fraction"], seed=self.config.seed)
        student = load_model(self._checkpoint("student"))
        section = personalization_report(student, clients, options, self.out, self.config.seed,
                                         progress=lambda record: log(f"personalization: round {record.get('round')} done"))
        section["data"] = "the test split, partitioned into clients (the student never trained on it)"
        self.metrics["personalization"] = section
        return section, "done"

    def robustness_models(self):
        """What the robustness and explanation stages look at: name -> model."""
        from tfcompress.robustness import TFLiteTextClassifier

        source = self.qat_student or self.student
        return {"teacher": self.teacher, "student": source,
                "student_tflite": TFLiteTextClassifier(self.tflite_bytes, source.encoder)}

    def measure_robustness(self):
        """Every offline recipe against teacher, student and the int8 file, on one seeded test sample."""
        if not self.settings["robustness"]["num_examples"]:
            self.metrics["robustness"] = "skipped: robustness_examples is 0"
            return None, "skipped"
        missing = self.adversarial_texts_missing()
        if missing:
            self.metrics["robustness"] = f"not measured: {missing}"
            return None, "skipped"
        from tfcompress.robustness import RECIPE_NAMES, attack_model, outcome_agreement

        options = self.settings["robustness"]
        test, folder = self.data.test, os.path.join(self.out, "attacks")
        section = {"num_examples": min(options["num_examples"], len(test.texts)), "seed": self.config.seed,
                   "recipes": list(RECIPE_NAMES), "query_budget": options["query_budget"], "models": {}}
        for name, model in self.robustness_models().items():
            results = {}
            for recipe in RECIPE_NAMES:
                log(f"robustness: {recipe} against the {name}")
                result = attack_model(model, test.texts, test.labels, recipe, section["num_examples"],
                                      self.config.seed, out_dir=folder, progress=False,
                                      query_budget=options["query_budget"], csv_name=f"{name}_{recipe}.csv")
                results[recipe] = result
            section["models"][name] = results
        student, tflite = section["models"]["student"], section["models"]["student_tflite"]
        section["tflite_outcome_agreement"] = {recipe: outcome_agreement(student[recipe], tflite[recipe])
                                               for recipe in RECIPE_NAMES}
        section["indices"] = student[RECIPE_NAMES[0]]["indices"]
        for results in section["models"].values():
            for result in results.values():
                result.pop("outcomes")
                result.pop("indices")
        self.metrics["robustness"] = section
        return section, "done"

    def measure_explanations(self):
        """shap and integrated gradients for teacher and student, fidelity between them, AOPC."""
        from tfcompress.explain import explain_model, fidelity

        options = self.settings["explanations"]
        folder, test = os.path.join(self.out, "explanations"), self.data.test
        count = min(options["num_examples"], len(test.texts))
        if not count:
            self.metrics["explanations"] = "skipped: explanation_examples is 0"
            return None, "skipped"
        indices = select_sample(len(test.texts), count, self.config.seed)
        texts = [test.texts[i] for i in indices]
        teacher_classes = np.argmax(self.teacher.predict_texts(texts), axis=-1)
        results = {}
        for name, model in self.robustness_models().items():
            log(f"explanations: {name}")
            results[name] = explain_model(model, texts, seed=self.config.seed, out_dir=folder, target=teacher_classes,
                                          max_evals=options["max_evals"], name=name)
        section = {"num_examples": count, "seed": self.config.seed, "indices": indices,
                   "target": "the teacher's predicted class", "fidelity": {}, "models": {}}
        for method, teacher_maps in results["teacher"]["attributions"].items():
            for name in ("student", "student_tflite"):
                if method in results[name]["attributions"]:
                    scores = fidelity(teacher_maps, results[name]["attributions"][method], k=5)
                    scores.pop("per_sentence")
                    section["fidelity"][f"teacher_vs_{name}_{method}"] = scores
        for name, result in results.items():
            result.pop("attributions", None)
            result.pop("indices", None)
            section["models"][name] = result
        self.metrics["explanations"] = section
        return section, "done"


def personalization_report(student, clients, options, out, seed=0, progress=None):
    """FedAvg rounds from ``student`` on ``clients``, TFF personalization evaluation, and the
    on-device-training ``.tflite``; the ``personalization`` section of metrics.json.

    The federated parts need the full stack; elsewhere the section says so and only the on-device
    ``.tflite`` is written. ``student`` ends with the global weights of the last round.
    """
    from tfcompress.federated import (FullStackRequired, PersonalizationConfig, client_table,
                                      export_on_device_training, personalization_eval, run_federated)

    config = PersonalizationConfig()
    section = {"clients": len(clients), "alpha": options.get("alpha"), "rounds": options["rounds"],
               "config": config.to_dict(), "client_table": client_table(clients, student.num_classes)}
    section["on_device_training"] = export_on_device_training(student, os.path.join(out, "student_trainable.tflite"),
                                                              learning_rate=config.learning_rate)
    try:
        section["federated"] = run_federated(student, clients, rounds=options["rounds"], seed=seed, progress=progress)
        section["evaluation"] = personalization_eval(student, clients, config)
    except FullStackRequired as error:
        section["federated"] = section["evaluation"] = f"not measured: {error}"
    return section


def run(config):
    """Run the main job described by ``config`` (a ``RunConfig``); returns the metrics dict.

    Example:
        >>> metrics = run(RunConfig(out="runs/quick", preset="quick"))
        >>> metrics["tflite"]["parity"]
    """
    return Run(config).execute()

