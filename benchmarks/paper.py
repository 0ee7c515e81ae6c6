"""The headline benchmark: our student against the peers, compact RNNs and projection models, clean and under attack.

Usage:
    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/paper.py              # the committed table (hours)
    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/paper.py --render     # the table from paper.json
    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/paper.py --quick --out /tmp/paper   # CI smoke
    ... benchmarks/paper.py --data reviews.csv --text-column review --label-column stars

One command, one split (the dataset's standard split, seed 0, no users held out), one sample of attacked test
sentences for every row. Rows:

- the teacher (the default run's, which teaches every distilled row);
- the peers, tuned on validation: TF-IDF + logistic regression (``tfcompress.baseline``) and quantized fastText;
- FastGRNN, PRADO and the CNN trained on the labels alone (no teacher), post-training int8;
- the same three with plain KD (KD only, from the run's teacher on its transfer set), int8;
- our student with plain KD (its encoder and transfer set, no explanation, adversarial or worst-case term), int8;
- ours: ``tfcompress run`` with the ``default`` preset and the ``small`` tier, the float Keras student and its QAT
  int8 ``.tflite``.

Every trained student (and fastText) is trained at each ``--seeds`` student seed; the table gives the mean and the
spread (population std) over the seeds, and each seed is in ``paper.json``. Columns: clean test accuracy;
accuracy under DeepWordBug, Pruthi, PWWS and TextFooler on the same ``--num-examples`` seeded test sentences
(query budget 500, from raw text through each model's front end); certified typo accuracy (interval bounds over
every one-character edit of every word, where a model has them: our float students); explanation fidelity
(Spearman against the teacher's shap values, the first ``--num-explain`` of those sentences) of the explanation
the phone gets: a self-explaining model's own word contributions, else its shap values; bytes (what the app
ships); latency (median, batch 1, one thread, tokenization excluded); training seconds (ours: without building the
transfer set and the teacher's outputs on it, teacher-side work that a run skips when it finds them cached, as the
distilled baselines reuse the teacher's outputs; each of our rows keeps those seconds as ``one_off_seconds``). A note
gives personalization's gain on natural clients from ``benchmarks/results/personalization.json``. The targets table
says, for ours int8 (each tier), whether its seed mean is above every row that is not ours, clean and under each
attack.
The table is made by ``paper_table.py``, which ``benchmarks/render.py`` also uses.

Resuming: each finished row (a model at a seed) goes into ``OUT/paper.json`` as soon as it is measured (commit it:
a rerun on any machine skips the rows it holds, except ours when the preset's recipe has changed since); trained
models, the runs, the teacher's outputs and finished attacks are kept in ``OUT/.paper.partial/``. The command first
prints the rows left and roughly how long they take. ``--render`` writes the table from ``paper.json`` without
training.
"""
import argparse
import csv
import dataclasses
import hashlib
import io
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ResumableCache, markdown_table  # noqa: E402
from fasttext_peer import fasttext_seed, tuned_fasttext  # noqa: E402
from paper_table import (FIGURES, LABELS, PRESETS, RECIPES_ATTACKED, ROWS, SEEDED, results_block,  # noqa: E402
                         results_table, summarize, targets, targets_table)

from tfcompress import datasets  # noqa: E402
from tfcompress.atomic import write_bytes_atomic, write_json_atomic  # noqa: E402
from tfcompress.backend import versions  # noqa: E402
from tfcompress.evaluation import accuracy, select_sample  # noqa: E402
from tfcompress.explain import contribution_maps, fidelity, shap_attributions  # noqa: E402
from tfcompress.models import TeacherOutputCache, load_model, save_model  # noqa: E402
from tfcompress.pipeline import (PLAIN_KD, RunConfig, RunFolder, distill, load_exportable,  # noqa: E402
                                 Settings, make_student, preset_settings, run, train_baseline)
from tfcompress.robustness import attack_model  # noqa: E402
from tfcompress.tflite import TFLiteClassifier, TFLiteTextClassifier, convert_to_int8  # noqa: E402

QUERY_BUDGET = 500
LATENCY_TEXTS = 50
# Rough minutes per row on 2 CPU cores, as a full run took them, for the plan the command prints. The
# teacher's row trains the main preset's run at the first seed (its teacher and student); our float row at a seed
# trains that seed's run, which the int8 row then reuses.
MINUTES = {"teacher": 45, "tfidf": 3, "fasttext": 5, "ce": 5, "kd": 6, "kd_same": 5, "ours_default_float": 25,
           "ours_default_int8": 3, "ours_small_float": 30, "ours_small_int8": 3}
# --quick (the CI smoke): every row end to end at toy sizes, one seed. Ours is the quick preset's own run (so a
# finished `tfcompress run --preset quick` folder given as --run is reused as it is) and no small tier; the other
# rows train on the first 300 training texts for 1 epoch, and every row is measured on the first 300 test texts
# (200 validation).
QUICK = {"max_train_examples": 300, "max_validation_examples": 200, "max_test_examples": 300, "epochs": 1,
         "num_examples": 5, "num_explain": 3, "max_evals": 40, "latency_texts": 10}
RESULTS = "paper"
# The distill steps that build the transfer set and the teacher's outputs on it (labels, word maps): teacher-side
# work that a run skips when it finds them cached (the default tier's later seeds reuse its first seed's), so our
# rows count them apart from the student's training.
ONE_OFF_DISTILL_STEPS = ("teacher_inference", "transfer_set", "teacher_maps")


@dataclasses.dataclass
class Model:
    """A trained model of one row: how it runs, what it weighs and what training it cost."""

    model: object
    digest: str
    bytes: int = None
    bytes_note: str = ""
    train_seconds: float = None
    one_off_seconds: float = None  # ours: building the transfer set and the teacher's outputs on it
    latency_us: float = None
    certified: object = None  # the float model with interval bounds, or why there is none


def row_key(name, seed):
    return f"{name}/seed{seed}" if name in SEEDED else name


def digest_of(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def log(message):
    print(f"[paper] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- what the rows share

class Bench:
    """The benchmark's data, workspace and the runs and teacher its rows share, built when first needed."""

    def __init__(self, args):
        self.args = args
        self.workspace = ResumableCache(os.path.join(args.out, f".{RESULTS}.partial"))
        self.data = load_split(args)
        self._runs, self._teacher = {}, None
        self.sample = select_sample(len(self.data.test.texts), args.num_examples, args.split_seed)
        self.explained = [self.data.test.texts[index] for index in self.sample[:args.num_explain]]
        self._teacher_maps = self._teacher_digest = None

    def run_folder(self, preset, seed):
        if (preset, seed) == self.reference and self.args.run:
            return self.args.run
        return self.workspace.path(os.path.join("runs", f"{preset}-seed{seed}"))

    @property
    def reference(self):
        """The run whose teacher teaches every row: the main preset at the first seed."""
        return (self.args.presets[0], self.args.seeds[0])

    def ours_run(self, preset, seed):
        """``tfcompress run`` of ``preset`` at student ``seed`` (its checkpoints reused): (folder, metrics)."""
        if (preset, seed) not in self._runs:
            folder = self.run_folder(preset, seed)
            reference = self.run_folder(*self.reference)
            if (preset, seed) != self.reference:
                self.ours_run(*self.reference)
                if not os.path.exists(RunFolder(folder).teacher_path):
                    RunFolder(folder).take_teacher_from(reference)
            metrics = run(run_config(self.args, preset, seed, folder))
            self._runs[preset, seed] = (folder, metrics)
            self._keep_stage_seconds(preset, seed, metrics)
        return self._runs[preset, seed]

    def _keep_stage_seconds(self, preset, seed, metrics):
        """Keep the seconds of the stages this call trained: a later call that reuses them reads these."""
        name, key = f"stage_seconds-{preset}-seed{seed}.json", metrics["fingerprint"]
        kept = self.workspace.load(name, key) or {}
        fresh = {stage: values["seconds"] for stage, values in metrics["stages"].items()
                 if values.get("status") == "done"}
        self.workspace.keep(name, key, {**kept, **fresh})

    def training_seconds(self, preset, seed, stages):
        """(seconds the run of ``preset`` at ``seed`` spent training ``stages`` without the one-off distill steps,
        the seconds of those steps), or (None, None) when a stage was trained before this benchmark kept its seconds
        (a run folder given with --run)."""
        _, metrics = self.ours_run(preset, seed)
        kept = self.workspace.load(f"stage_seconds-{preset}-seed{seed}.json", metrics["fingerprint"]) or {}
        if any(stage not in kept for stage in stages):
            return None, None
        steps = metrics["distill"]["seconds"] if "distill" in stages else {}
        one_off = sum(steps.get(step, 0.0) for step in ONE_OFF_DISTILL_STEPS)
        return round(sum(kept[stage] for stage in stages) - one_off, 1), round(one_off, 1)

    @property
    def teacher(self):
        if self._teacher is None:
            folder, _ = self.ours_run(*self.reference)
            self._teacher = load_model(RunFolder(folder).teacher_path)
        return self._teacher

    @property
    def teacher_digest(self):
        """The digest of the teacher's file (training it first when it is not here, as on a new machine), read once."""
        if self._teacher_digest is None:
            folder, _ = self.ours_run(*self.reference)
            self._teacher_digest = digest_of(RunFolder(folder).teacher_path)
        return self._teacher_digest

    @property
    def run_settings(self):
        return Settings.from_dict(self.ours_run(*self.reference)[1]["settings"])

    def teacher_maps(self):
        """The teacher's shap maps of the explained sentences, for its predicted class (kept)."""
        if self._teacher_maps is None:
            key = {"digest": self.teacher_digest, "texts": self.explained, "max_evals": self.args.max_evals}
            maps = self.workspace.load("teacher_shap.json", key)
            if maps is None:
                log(f"teacher shap on {len(self.explained)} sentences")
                maps, _ = shap_attributions(self.teacher, self.explained, max_evals=self.args.max_evals)
                maps = self.workspace.keep("teacher_shap.json", key, maps)
            self._teacher_maps = maps
        return self._teacher_maps


def run_config(args, preset, seed, folder):
    """The ``tfcompress run`` of our row for ``preset`` at student ``seed``: the standard split, no users held out
    (the quick smoke keeps its run's own settings), measured here rather than by the run."""
    return RunConfig(out=folder, preset=preset, dataset=args.dataset, data=args.data, text_column=args.text_column,
                     label_column=args.label_column, seed=args.split_seed, student_seed=seed,
                     held_out_users=None if args.quick else 0, robustness_examples=0, explanation_examples=0,
                     skip=() if args.quick else ("personalization",))


def is_current(key, row, args):
    """Whether a kept row was measured with what it trains now: one of ours whose run's fingerprint differs (the
    preset's recipe changed since) or that counts its one-off distill steps in its train seconds (no
    ``one_off_seconds``) is measured again, and so is a fastText row trained with another fastText seed than
    ``fasttext_seed`` gives."""
    name, _, seed = key.partition("/seed")
    if name == "fasttext":
        return row.get("fasttext_seed") == fasttext_seed(int(seed))
    if not name.startswith("ours_"):
        return True
    preset = name.split("_")[1]
    return ("one_off_seconds" in row
            and row.get("fingerprint") == run_config(args, preset, int(seed), "unused").fingerprints()[0])


def is_taught(name):
    """Whether row ``name`` depends on the teacher: the teacher itself, the distilled rows and ours."""
    return name == "teacher" or name.startswith(("kd_", "ours_"))


def rows_of_another_teacher(measured, teacher_digest):
    """The kept rows that depend on a teacher other than the one here (a teacher trained again on another machine
    is another teacher): they are measured again. A row kept from before rows named their teacher was taught by the
    teacher of the kept teacher row."""
    kept_teacher = measured.get("teacher", {}).get("digest")
    return sorted(key for key, row in measured.items() if is_taught(key.split("/")[0])
                  and row.get("teacher_digest", kept_teacher) != teacher_digest)


def load_split(args):
    data = datasets.load(args.data or args.dataset, seed=args.split_seed, text_column=args.text_column,
                         label_column=args.label_column)
    if args.quick:
        data = dataclasses.replace(data, train=data.train.take(QUICK["max_train_examples"]),
                                   validation=data.validation.take(QUICK["max_validation_examples"]),
                                   test=data.test.take(QUICK["max_test_examples"]))
    return data


# ---------------------------------------------------------------- the rows' models

def build(bench, name, seed):
    """The trained ``Model`` of row ``name`` at student ``seed``."""
    if name == "teacher":
        return teacher_model(bench)
    if name == "tfidf":
        return tfidf_model(bench)
    if name == "fasttext":
        return fasttext_model(bench, seed)
    if name.startswith("ours_"):
        _, preset, form = name.split("_")
        return ours_model(bench, preset, form, seed)
    kind, _, student = name.partition("_")
    taught_by = f"-teacher{bench.teacher_digest[:8]}"
    if name == "kd_same":
        return trained_int8(bench, f"kd_same-seed{seed}{taught_by}", lambda: kd_student(
            bench, bench.run_settings.student.name, seed, same_student_kd_settings(bench.run_settings)))
    if kind == "ce":
        return trained_int8(bench, f"ce_{student}-seed{seed}",
                            lambda: train_baseline(model_settings(bench.args, student=student), bench.data, seed))
    return trained_int8(bench, f"kd_{student}-seed{seed}{taught_by}", lambda: kd_student(
        bench, student, seed, plain_kd_settings(bench.args, student, bench.run_settings)))


def teacher_model(bench):
    params = int(bench.teacher.count_params())
    return Model(bench.teacher, bench.teacher_digest, bytes=4 * params, bytes_note="float32 weights (not exported)",
                 train_seconds=bench.training_seconds(*bench.reference, ("teacher",))[0],
                 latency_us=keras_latency(bench.teacher, bench.data.test.texts, latency_texts(bench.args)))


def tfidf_model(bench):
    from tfcompress.baseline import fit_baseline

    started = time.time()
    model = fit_baseline(bench.data, seed=bench.args.split_seed)
    seconds = round(time.time() - started, 1)
    digest = hashlib.sha256(json.dumps(model.settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Model(model, digest, bytes=model.nbytes(), bytes_note="gzip n-gram vocabulary, float32 idf and weights",
                 train_seconds=seconds, latency_us=text_latency(model, bench.data.test.texts, latency_texts(bench.args)))


def fasttext_model(bench, seed):
    path = bench.workspace.path(f"fasttext-seed{seed}.ftz")
    started = time.time()
    model, _ = tuned_fasttext(bench.data, path, seed=seed)
    return Model(model, digest_of(path), bytes=os.path.getsize(path), train_seconds=round(time.time() - started, 1),
                 latency_us=round(model.median_latency_us(bench.data.test.texts[:300]), 2))


def ours_model(bench, preset, form, seed):
    folder, _ = bench.ours_run(preset, seed)
    run_folder = RunFolder(folder)
    seconds, one_off = bench.training_seconds(preset, seed, ("distill", "qat"))
    source, _ = load_exportable(folder)
    if form == "float":
        model = load_model(run_folder.student_path)
        return Model(model, digest_of(run_folder.student_path), train_seconds=seconds, one_off_seconds=one_off,
                     latency_us=keras_latency(model, bench.data.test.texts, latency_texts(bench.args)),
                     certified=model)
    tflite = TFLiteTextClassifier(run_folder.tflite_path, source.encoder)
    return Model(tflite, digest_of(run_folder.tflite_path), bytes=os.path.getsize(run_folder.tflite_path),
                 bytes_note="with everything the app ships (spec, vocabulary)", train_seconds=seconds,
                 one_off_seconds=one_off,
                 latency_us=tflite_latency(run_folder.tflite_path, source, bench.data.test.texts),
                 certified="the int8 file: interval bounds are computed on the float student (its row)")


def trained_int8(bench, stem, train):
    """A student trained once (kept as OUT/.paper.partial/<stem>.keras with its seconds) and its post-training int8
    ``.tflite``, run through the student's own encoder."""
    path = bench.workspace.path(f"{stem}.keras")
    seconds = bench.workspace.load(f"{stem}.seconds.json", stem)
    if os.path.exists(path) and seconds is not None:
        model = load_model(path)
    else:
        log(f"training {stem}")
        started = time.time()
        model = train()
        seconds = round(time.time() - started, 1)
        save_model(model, path)
        bench.workspace.keep(f"{stem}.seconds.json", stem, seconds)
    tflite_path = bench.workspace.path(f"{stem}.tflite")
    if not os.path.exists(tflite_path):
        write_bytes_atomic(convert_to_int8(model, model.encoder.encode(list(bench.data.train.texts))), tflite_path)
    return Model(TFLiteTextClassifier(tflite_path, model.encoder), digest_of(tflite_path),
                 bytes=os.path.getsize(tflite_path), train_seconds=seconds,
                 latency_us=tflite_latency(tflite_path, model, bench.data.test.texts),
                 certified="post-training int8 of a model trained without interval bounds")


# The compared students read words as the literature builds them (FastGRNN and CNN: hashed ids; PRADO:
# projections), without our robust encodings; the "same student" plain-KD row keeps the run's encoder.
LITERATURE_ENCODINGS = {"vocabulary": None, "transfer.typo_share": 0.0, "worst_case.weight": 0.0}


def model_settings(args, student, teacher=None):
    """The main preset's settings for ``student`` (and ``teacher``; ``--quick``: the quick epoch budget), with the
    literature's encodings (``LITERATURE_ENCODINGS``)."""
    epochs = QUICK["epochs"] if args.quick else None
    return preset_settings(args.presets[0], teacher=teacher, student=student,
                           student_epochs=epochs).with_changes(LITERATURE_ENCODINGS)


def plain_kd_settings(args, name, run_settings):
    """KD only (no explanation or adversarial term, no monitors) with the run's teacher, KD weights, temperature
    and transfer set; the student starts from random embeddings (not the teacher's word vectors)."""
    return model_settings(args, name, teacher=run_settings.teacher.name).with_changes({
        **PLAIN_KD, "distillation": run_settings.distillation,
        "transfer.copies": run_settings.transfer.copies, "schedule.monitor_examples": 0,
        "student.embedding_init": "random"})


def same_student_kd_settings(run_settings):
    """Plain KD of the run's own student: its encoder (vocabulary, typo recovery), embedding start and
    transfer set, without the objectives, the typo edits or the worst-case term."""
    return run_settings.with_changes({**PLAIN_KD, "schedule.monitor_examples": 0})


def kd_student(bench, name, seed, settings):
    """KD only, from the run's teacher on its transfer set (the teacher's outputs from the run's cache)."""
    student, _ = make_student(settings, bench.teacher, bench.data, seed)
    cache = TeacherOutputCache(RunFolder(bench.run_folder(*bench.reference)).teacher_outputs)
    distill(student, bench.teacher, bench.data, settings, seed=seed, cache=cache, stage=f"plain KD {name}")
    return student


def latency_texts(args):
    return QUICK["latency_texts"] if args.quick else LATENCY_TEXTS


def tflite_latency(path, model, texts):
    return round(TFLiteClassifier(path, num_threads=1).median_latency_us(model.encoder.encode(list(texts[:300]))), 2)


def keras_latency(model, texts, count):
    timings = []
    ids = model.encoder.encode(list(texts[:count]))
    call = model.trimmed if hasattr(model, "trimmed") else (lambda x: x)
    for row in ids:
        start = time.perf_counter()
        model(call(row[None]), training=False)
        timings.append((time.perf_counter() - start) * 1e6)
    return round(float(np.median(timings)), 1)


def text_latency(model, texts, count):
    """Median time of ``predict_texts`` on one text (a model whose front end is not separable)."""
    timings = []
    for text in texts[:count]:
        start = time.perf_counter()
        model.predict_texts([text])
        timings.append((time.perf_counter() - start) * 1e6)
    return round(float(np.median(timings)), 1)


# ---------------------------------------------------------------- measurements

def measure(bench, name, seed):
    """One finished row: the model of ``name`` at ``seed`` trained (or reused) and measured."""
    built = build(bench, name, seed)
    test, args = bench.data.test, bench.args
    settings = bench.run_settings
    figures = {"row": name, "model": LABELS[name].format(teacher=settings.teacher.name, student=settings.student.name),
               "seed": seed if name in SEEDED else None, "digest": built.digest,
               "clean_accuracy": accuracy(built.model.predict_texts(list(test.texts)), test.labels)}
    key = {"digest": built.digest, "sample": bench.sample, "budget": QUERY_BUDGET}
    for recipe in RECIPES_ATTACKED:
        kept = f"attack_{built.digest}_{recipe}.json"
        result = bench.workspace.load(kept, key)
        if result is None:
            log(f"{row_key(name, seed)}: {recipe} on {len(bench.sample)} sentences")
            result = attack_model(built.model, test.texts, test.labels, recipe, seed=args.split_seed, progress=False,
                                  query_budget=QUERY_BUDGET, indices=bench.sample)
            result = bench.workspace.keep(kept, key, {k: result[k] for k in (
                "accuracy_under_attack", "attack_success_rate", "seconds_per_attacked_example")})
        figures[f"{recipe}_accuracy"] = result["accuracy_under_attack"]
        figures[f"{recipe}_success_rate"] = result["attack_success_rate"]
    figures["certified_typo_accuracy"], figures["certified_note"] = certified_typo(bench, built.certified)
    figures.update(explanation_fidelity(bench, name, built.model))
    if name.startswith("ours_"):
        figures["fingerprint"] = bench.ours_run(name.split("_")[1], seed)[1]["fingerprint"]
        figures["one_off_seconds"] = built.one_off_seconds
    if is_taught(name):
        figures["teacher_digest"] = bench.teacher_digest
    if name == "fasttext":
        figures["fasttext_seed"] = fasttext_seed(seed)
    figures.update({"bytes": built.bytes, "bytes_note": built.bytes_note, "latency_us": built.latency_us,
                    "train_seconds": built.train_seconds, "measured": time.strftime("%Y-%m-%d"),
                    "versions": versions()})
    return figures


def certified_typo(bench, model):
    """(certified accuracy on the attacked sentences under one character edit of every word, note): defined for a
    closed-vocabulary student with interval bounds; otherwise (None, why)."""
    from tfcompress.robustness.certify import certify, typo_candidates

    if not hasattr(model, "worst_case_logits") or not hasattr(getattr(model, "encoder", None), "reachable_ids"):
        return None, model if isinstance(model, str) else "not applicable: no interval bounds over an enumerable set"
    texts = [bench.data.test.texts[index] for index in bench.sample]
    labels = [int(bench.data.test.labels[index]) for index in bench.sample]
    result = certify(model, texts, labels, lambda text: typo_candidates(model.encoder, text))
    return result["certified_accuracy"], "interval bounds, one character edit of every word at once"


def explains_itself(model):
    """Whether the model computes its own word contributions (the explanation the phone gets from the file)."""
    try:
        return bool(getattr(model, "explains_itself", False))
    except (AttributeError, ValueError, TypeError):
        return False


def explanation_fidelity(bench, name, model):
    """Spearman of the explanation the phone gets (the model's own contributions when it explains itself, else
    shap) against the teacher's shap, for the teacher's predicted class (kept)."""
    if name == "teacher":
        return {"fidelity_spearman": 1.0, "fidelity_explanation": "shap (the reference)"}
    teacher_maps = bench.teacher_maps()
    targets = [item["target"] for item in teacher_maps]
    own = explains_itself(model)
    if own:
        maps = contribution_maps(model, bench.explained, target=targets)
    else:
        maps, _ = shap_attributions(model, bench.explained, target=targets, max_evals=bench.args.max_evals)
    scores = fidelity(teacher_maps, maps, k=5)
    return {"fidelity_spearman": scores["spearman"], "fidelity_sentences": scores["num_sentences"],
            "fidelity_explanation": "its own word contributions" if own else "shap"}


# ---------------------------------------------------------------- the plan, the results and the table

def planned(args):
    """Every row key the benchmark measures, in the order it measures them: all rows at the first seed, then the
    seeded rows at each further seed (so a partial table has every row)."""
    names = [name for name, _, _ in ROWS if not name.startswith("ours_") or name.split("_")[1] in args.presets]
    keys = [row_key(name, args.seeds[0]) for name in names]
    keys += [row_key(name, seed) for seed in args.seeds[1:] for name in names if name in SEEDED]
    return keys


def minutes(key):
    name = key.split("/")[0]
    for prefix in (name, name.rsplit("_", 1)[0], name.split("_")[0]):
        if prefix in MINUTES:
            return MINUTES[prefix]
    return 10


def load_results(out):
    """The report kept in ``OUT/paper.json`` ({} when there is none)."""
    path = os.path.join(out, f"{RESULTS}.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        kept = json.load(handle)
    return kept if isinstance(kept, dict) else {}


def personalization_note(path):
    """Personalization's gain on natural clients, from the committed ``benchmarks/personalization.py`` results."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        natural = json.load(handle).get("natural", {})
    default = next((value for key, value in natural.items() if key.endswith("(default)")), {})
    summary = default.get("summary", {}) if isinstance(default, dict) else {}
    if summary.get("mean_accuracy_before") is None:
        return None
    return (f"Personalization (`benchmarks/personalization.py`, the default method on {summary['clients']} natural "
            f"clients, each on its own held-out texts): mean client accuracy {summary['mean_accuracy_before']:.4f} "
            f"before, {summary['mean_accuracy_personalized']:.4f} after ({summary['mean_gain_points']:+.2f} points); "
            f"{summary['clients_worse']} of {summary['clients']} clients worse.")


def write_results(report, out):
    write_json_atomic(report, os.path.join(out, f"{RESULTS}.json"))
    columns = ["model", "row", "seeds", *(name for figure in FIGURES for name in (figure, f"{figure}_std"))]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report["rows"])
    write_bytes_atomic(buffer.getvalue().encode(), os.path.join(out, f"{RESULTS}.csv"))
    lines = ["# Headline benchmark", "",
             f"- command: `{report['command']}` ({report['machine']})",
             f"- dataset `{report['dataset']}`, split seed {report['split_seed']}, student seeds {report['seeds']}; "
             f"attacks on the same {report['num_examples']} test sentences (query budget {QUERY_BUDGET}); fidelity "
             f"on the first {report['num_explain']} of them; mean ± spread (population std) over the seeds measured",
             "", results_block(report["rows"]), "",
             "Teachers are not exported: their bytes are their float32 weights. Latency: batch 1, one thread, "
             "tokenization excluded (teacher and TF-IDF: Keras or scikit-learn on one text). Train seconds of ours: "
             "the run's distill and QAT stages without building the transfer set and the teacher's outputs on it, "
             "teacher-side work that a run skips when it finds them cached (`one_off_seconds` in paper.json), as the "
             "distilled baselines reuse the teacher's outputs. Rows left: "
             + (", ".join(report["left"]) or "none") + ".", ""]
    if report.get("personalization"):
        lines += [report["personalization"], ""]
    lines += ["Targets: is ours int8 above every row that is not ours (seed means)?", "",
              targets_table(report["targets"]), ""]
    write_bytes_atomic("\n".join(lines).encode(), os.path.join(out, f"{RESULTS}.md"))
    save_plot(report["rows"], os.path.join(out, f"{RESULTS}.png"))


def save_plot(table, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for row in table:
        if row["bytes"] and row["clean_accuracy"] is not None:
            ours = row["row"].startswith("ours")
            left.scatter(row["bytes"] / 1000, row["clean_accuracy"], marker="*" if ours else "o", s=140 if ours else 50)
            left.annotate(row["row"], (row["bytes"] / 1000, row["clean_accuracy"]), fontsize=7, xytext=(4, 3),
                          textcoords="offset points")
    left.set_xscale("log")
    left.set(xlabel="model size (KB, log scale; teachers: float32 weights)", ylabel="clean test accuracy",
             title="accuracy vs size")
    attacked = [row for row in table if row["deepwordbug_accuracy"] is not None]
    positions, width = np.arange(len(attacked)), 0.16
    for offset, key in enumerate(["clean_accuracy", *[f"{recipe}_accuracy" for recipe in RECIPES_ATTACKED]]):
        right.bar(positions + (offset - 2) * width, [row[key] or 0 for row in attacked], width,
                  label=key.replace("_", " "))
    right.set_xticks(positions, [row["row"] for row in attacked], rotation=45, ha="right", fontsize=8)
    right.set(ylabel="accuracy", title="clean vs under attack (same sentences)")
    right.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    write_bytes_atomic(buffer.getvalue(), path)


def report_of(measured, args, left, command):
    table = summarize(measured)
    return {
        "command": command,
        "dataset": args.data or args.dataset, "split_seed": args.split_seed, "seeds": args.seeds,
        "presets": args.presets, "num_examples": args.num_examples, "num_explain": args.num_explain,
        "query_budget": QUERY_BUDGET, "recipes": list(RECIPES_ATTACKED), "quick": args.quick,
        "machine": f"{os.cpu_count()} CPU cores", "rows": table, "targets": targets(table), "left": left,
        "personalization": personalization_note(args.personalization), "measured_rows": measured,
    }


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="a finished `tfcompress run` folder of the main preset at the "
                                                    "first seed, reused as ours (and its teacher)")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=["quick", *PRESETS])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="student seeds")
    parser.add_argument("--dataset", default="rotten_tomatoes")
    parser.add_argument("--data", help="a CSV/TSV/JSONL file instead of a bundled dataset")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--num-examples", type=int, default=500, help="attacked test sentences")
    parser.add_argument("--num-explain", type=int, default=100, help="of those, sentences explained")
    parser.add_argument("--max-evals", type=int, default=200, help="shap evaluations per sentence")
    parser.add_argument("--render", action="store_true", help="write the table from OUT/paper.json, train nothing")
    parser.add_argument("--quick", action="store_true", help="CI smoke: the quick preset's run as ours, one seed; "
                                                             "the other rows on 300 training examples, 1 epoch; 5 "
                                                             "attacked and 3 explained sentences")
    parser.add_argument("--personalization", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                  "results", "personalization.json"))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args(argv)
    args.split_seed = 0
    if args.quick:
        args.presets, args.seeds = ["quick"], args.seeds[:1]
        args.num_examples, args.num_explain, args.max_evals = QUICK["num_examples"], QUICK["num_explain"], \
            QUICK["max_evals"]
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    kept = load_results(args.out)
    measured = kept.get("measured_rows", {})
    command = "python benchmarks/paper.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.render:  # the command that measured the rows
        command = kept.get("command", command)
    stale = sorted(key for key, row in measured.items() if not is_current(key, row, args))
    if stale:
        log(f"measured with an earlier recipe, so measured again: {stale}")
        measured = {key: row for key, row in measured.items() if key not in stale}
    plan = planned(args)
    left = [key for key in plan if key not in measured]
    log(f"{len(plan) - len(left)} of {len(plan)} rows measured; left: {left or 'none'} (roughly "
        f"{sum(minutes(key) for key in left) / 60:.1f} h on 2 CPU cores)")
    if args.render and not measured:
        raise SystemExit(f"--render: {os.path.join(args.out, RESULTS + '.json')} holds no measured rows yet")
    bench = None if args.render or not left else Bench(args)
    if bench is not None and any(is_taught(key.split("/")[0]) for key in measured):
        other_teacher = rows_of_another_teacher(measured, bench.teacher_digest)
        if other_teacher:
            log(f"measured with another teacher than this one, so measured again: {other_teacher}")
            measured = {key: row for key, row in measured.items() if key not in other_teacher}
            left = [key for key in plan if key not in measured]
    for key in ([] if args.render else left):
        name, _, seed = key.partition("/seed")
        seed = int(seed) if seed else args.seeds[0]
        log(f"measuring {key}")
        measured[key] = measure(bench, name, seed)
        write_results(report_of(measured, args, [k for k in plan if k not in measured], command), args.out)
        log(f"{key} done; commit {os.path.join(args.out, RESULTS + '.json')} to keep it")
    report = report_of(measured, args, [key for key in plan if key not in measured], command)
    write_results(report, args.out)
    print(results_table(report["rows"]))
    return report



if __name__ == "__main__":
    main()
