"""The paper-style benchmark: our method against FastGRNN, PRADO, CNN, plain distillation and fastText.

Usage:
    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/paper.py              # full mode (committed numbers)
    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/paper.py --quick --out /tmp/paper   # CI smoke
    ... benchmarks/paper.py --data reviews.csv --text-column review --label-column stars --run runs/mine

One command, one seed, one split, one sample of attacked test sentences for every row:
- ours: the main job (``tfcompress run``, three objectives; reused from RUN when it is there) — the
  float Keras student and its QAT int8 ``.tflite``, and its personalization (mean over clients);
- teachers: the run's teacher and the other registered teacher (minilm, bilstm);
- baselines trained without distillation (cross-entropy on the labels): fastgrnn, prado, cnn, int8;
- plain KD students (each student type, KD only from the run's teacher on the same transfer set), int8;
- fastText supervised (word bigrams) quantized to ``.ftz``, attacked through the same textattack wrapper.
Columns: clean accuracy (whole test split), accuracy under DeepWordBug / PWWS / TextFooler (offline
recipes, the same N test sentences), attack success rate (mean of the three), explanation fidelity
to the run's teacher (mean Spearman of shap word attributions for the teacher's class, on the first
F of those sentences), model bytes (int8 ``.tflite``, fastText ``.ftz``; teachers: float32 weights),
latency per sentence (median, batch 1, one thread; tokenization excluded) and training seconds.
Writes OUT/paper.{json,csv,md,png}. Trained models and finished measurements are kept in
OUT/.paper.partial/ so an interrupted benchmark resumes where it stopped.
"""
import argparse
import csv
import dataclasses
import hashlib
import io
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ResumableCache, markdown_table  # noqa: E402
from fasttext_peer import load_fasttext, train_fasttext  # noqa: E402

from tfcompress import datasets  # noqa: E402
from tfcompress.atomic import write_bytes_atomic, write_json_atomic  # noqa: E402
from tfcompress.backend import versions  # noqa: E402
from tfcompress.evaluation import accuracy, select_sample  # noqa: E402
from tfcompress.explain import fidelity, shap_attributions  # noqa: E402
from tfcompress.models import TeacherOutputCache, load_model, save_model  # noqa: E402
from tfcompress.pipeline import (PLAIN_KD, RunConfig, RunFolder, distill, load_exportable,  # noqa: E402
                                 Settings, make_student, preset_settings, run, train_baseline, train_teacher)
from tfcompress.robustness import attack_model  # noqa: E402
from tfcompress.tflite import TFLiteClassifier, TFLiteTextClassifier, convert_to_int8  # noqa: E402

RECIPES_ATTACKED = ("deepwordbug", "pruthi", "pwws", "textfooler")
STUDENT_TYPES = ("fastgrnn", "prado", "cnn")
TEACHER_TYPES = ("minilm", "bilstm")
QUERY_BUDGET = 500
# --quick (the CI smoke): every row end to end at toy sizes. The main job is the quick preset's own run (so a
# finished `tfcompress run --preset quick` folder given as --run is reused as it is); the other rows train on the
# first 300 training texts for 1 epoch, and every row is measured on the first 300 test texts (200 validation).
# fastText keeps 5,000 rows when quantized (the full mode: 50,000): on 300 training texts its product quantization
# took 24 s at 50,000 rows, 3.5 s at 5,000. Keras latency is the median over 10 test sentences (the full mode: 50).
QUICK = {"max_train_examples": 300, "max_validation_examples": 200, "max_test_examples": 300, "epochs": 1,
         "num_examples": 5, "num_explain": 3, "max_evals": 40, "fasttext_epochs": 2, "fasttext_cutoff": 5000,
         "latency_texts": 10}
LATENCY_TEXTS = 50


@dataclasses.dataclass
class Row:
    """One line of the table: a model, how it runs, what it weighs and what training it cost."""

    name: str
    kind: str
    short: str
    model: object = None
    digest: str = None
    bytes: int = None
    bytes_note: str = ""
    train_seconds: float = None
    latency_us: float = None
    figures: dict = dataclasses.field(default_factory=dict)


def digest_of(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:16]


def open_workspace(out):
    """OUT/.paper.partial/: trained models, their training seconds and finished measurements."""
    return ResumableCache(os.path.join(out, ".paper.partial"))


def log(message):
    print(f"[paper] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the main job (ours)

def run_main_job(args, workspace):
    """``tfcompress run`` (reused from its checkpoints when present); returns (metrics, training seconds)."""
    folder = RunFolder(args.run)
    seconds = workspace.load("run_seconds.json", args.run)
    if seconds is None and os.path.exists(folder.metrics_path):
        seconds = _fresh_stage_seconds(folder.load_metrics())
    config = RunConfig(out=args.run, preset=args.preset, dataset=args.dataset, data=args.data,
                       text_column=args.text_column, label_column=args.label_column, seed=args.seed,
                       robustness_examples=0, explanation_examples=0)
    metrics = run(config)
    seconds = seconds or _fresh_stage_seconds(metrics)
    if seconds:
        workspace.keep("run_seconds.json", args.run, seconds)
    return metrics, seconds or {}


def _fresh_stage_seconds(metrics):
    """Seconds of the stages that really trained (a reused stage only loaded its checkpoint)."""
    stages = metrics.get("stages", {})
    if any(stages.get(name, {}).get("status") == "reused" for name in ("teacher", "distill")):
        return None
    return {name: stage["seconds"] for name, stage in stages.items()}


def ours_rows(args, metrics, seconds):
    student_seconds = sum(seconds.get(stage, 0) for stage in ("distill", "qat")) or None
    folder = RunFolder(args.run)
    float_path, tflite_path = folder.student_path, folder.tflite_path
    source, _ = load_exportable(args.run)
    tflite = TFLiteTextClassifier(tflite_path, source.encoder)
    return [
        Row("ours (three objectives, float Keras)", "keras", "ours float", load_model(float_path), digest_of(float_path),
            train_seconds=student_seconds),
        Row("ours (three objectives, QAT int8 .tflite)", "tflite", "ours int8", tflite, digest_of(tflite_path),
            bytes=os.path.getsize(tflite_path), train_seconds=student_seconds,
            latency_us=_tflite_latency(tflite_path, source, args.data_split.test.texts)),
    ]


def personalized_row(metrics):
    section = metrics.get("personalization")
    evaluation = section.get("evaluation") if isinstance(section, dict) else None
    if not isinstance(evaluation, dict):
        return None
    summary = evaluation["summary"]
    row = Row("ours after personalization (mean over clients)", "personalized", "ours personalized")
    row.figures = {"clean_accuracy": summary["mean_accuracy_personalized"],
                   "note": f"{summary['clients']} clients ({section.get('data', 'the test split')}); before personalization "
                           f"{summary['mean_accuracy_before']:.4f}; held-out client data, not the attacked sample"}
    return row


# ---------------------------------------------------------------- teachers and students trained here

def teacher_rows(args, data, workspace, run_teacher_name, run_seconds):
    rows = []
    path = RunFolder(args.run).teacher_path
    teacher = load_model(path)
    rows.append(_teacher_row(f"teacher: {run_teacher_name} (teaches the students)", run_teacher_name, teacher, path,
                             run_seconds.get("teacher")))
    for name in TEACHER_TYPES:
        if name == run_teacher_name:
            continue
        model, path, seconds = train_or_load(f"teacher_{name}", workspace,
                                             lambda n=name: train_other_teacher(n, data, args))
        rows.append(_teacher_row(f"teacher: {name}", name, model, path, seconds))
    return teacher, rows


def _teacher_row(name, short, model, path, seconds):
    params = int(model.count_params())
    return Row(name, "keras", f"{short} (teacher)", model, digest_of(path), bytes=4 * params,
               bytes_note="float32 weights (not exported)", train_seconds=seconds)


def train_or_load(name, workspace, train):
    """A Keras model trained once and kept as OUT/.paper.partial/<name>.keras with its seconds."""
    path = workspace.path(f"{name}.keras")
    seconds = workspace.load(f"{name}.seconds.json", name)
    if os.path.exists(path) and seconds is not None:
        return load_model(path), path, seconds
    log(f"training {name}")
    start = time.time()
    model = train()
    seconds = round(time.time() - start, 1)
    save_model(model, path)
    workspace.keep(f"{name}.seconds.json", name, seconds)
    return model, path, seconds


# The compared students read words as the literature builds them (FastGRNN and CNN: hashed ids; PRADO:
# projections), without our robust encodings; the "same student" plain-KD row keeps the run's encoder.
LITERATURE_ENCODINGS = {"vocabulary": None, "transfer.typo_share": 0.0, "worst_case.weight": 0.0}


def model_settings(args, teacher=None, student=None):
    """The preset's settings for ``teacher`` / ``student`` (``--quick``: the quick epoch budget), with
    the literature's encodings (``LITERATURE_ENCODINGS``)."""
    epochs = QUICK["epochs"] if args.quick else None
    return preset_settings(args.preset, teacher=teacher, student=student, teacher_epochs=epochs,
                           student_epochs=epochs).with_changes(LITERATURE_ENCODINGS)


def train_other_teacher(name, data, args):
    """A registered teacher trained on the labels by the recipe, with the preset's budget for it."""
    return train_teacher(model_settings(args, teacher=name), data, args.seed)


def train_label_baseline(name, data, args):
    """A student trained on the labels alone (no teacher) by the recipe."""
    return train_baseline(model_settings(args, student=name), data, args.seed)


def plain_kd_settings(args, name, run_settings):
    """KD only (no explanation or adversarial term, no monitors) with the run's KD weights, temperature
    and transfer set (``run_settings``: the run's ``Settings``); the student starts from random embeddings (not
    the teacher's word vectors)."""
    return model_settings(args, teacher=run_settings.teacher.name, student=name).with_changes({
        **PLAIN_KD, "distillation": run_settings.distillation, "transfer.copies": run_settings.transfer.copies,
        "schedule.monitor_examples": 0, "student.embedding_init": "random"})


def same_student_kd_settings(run_settings):
    """Plain KD of the run's own student: its encoder (vocabulary, typo recovery), embedding start and
    transfer set, without the objectives, the typo edits or the worst-case term."""
    return run_settings.with_changes({**PLAIN_KD, "schedule.monitor_examples": 0})


def train_kd_student(name, teacher, data, args, metrics, settings=None):
    """KD only (no explanation or adversarial term), from the run's teacher on its transfer set."""
    settings = settings or plain_kd_settings(args, name, Settings.from_dict(metrics["settings"]))
    student, _ = make_student(settings, teacher, data, args.seed)
    cache = TeacherOutputCache(RunFolder(args.run).teacher_outputs)
    distill(student, teacher, data, settings, seed=args.seed, cache=cache, stage=f"plain KD {name}")
    return student


def int8_row(name, short, model, seconds, data, workspace, stem):
    """The int8 ``.tflite`` of a trained student (post-training quantization), kept beside it."""
    path = workspace.path(f"{stem}.tflite")
    if not os.path.exists(path):
        write_bytes_atomic(convert_to_int8(model, model.encoder.encode(list(data.train.texts))), path)
    tflite = TFLiteTextClassifier(path, model.encoder)
    return Row(name, "tflite", short, tflite, digest_of(path), bytes=os.path.getsize(path), train_seconds=seconds,
               latency_us=_tflite_latency(path, model, data.test.texts))


def _tflite_latency(path, model, texts):
    return round(TFLiteClassifier(path, num_threads=1).median_latency_us(model.encoder.encode(list(texts[:300]))), 2)


def student_rows(args, data, workspace, teacher, metrics):
    rows = []
    for name in STUDENT_TYPES:
        model, _, seconds = train_or_load(f"baseline_{name}", workspace,
                                          lambda n=name: train_label_baseline(n, data, args))
        rows.append(int8_row(f"baseline: {name} (no distillation), int8", f"{name} CE", model, seconds, data,
                             workspace, f"baseline_{name}"))
    for name in STUDENT_TYPES:
        model, _, seconds = train_or_load(f"kd_{name}", workspace,
                                          lambda n=name: train_kd_student(n, teacher, data, args, metrics))
        rows.append(int8_row(f"plain KD: {name}, int8", f"{name} KD", model, seconds, data, workspace, f"kd_{name}"))
    run_settings = Settings.from_dict(metrics["settings"])
    if run_settings.vocabulary is not None:
        name = run_settings.student.name
        model, _, seconds = train_or_load(f"kd_same_{name}", workspace, lambda: train_kd_student(
            name, teacher, data, args, metrics, settings=same_student_kd_settings(run_settings)))
        rows.append(int8_row(f"plain KD: our {name} (same encoder, no robust training), int8", f"{name} KD same",
                             model, seconds, data, workspace, f"kd_same_{name}"))
    return rows


def fasttext_row(args, data, workspace):
    path = workspace.path("fasttext.ftz")
    seconds = workspace.load("fasttext.seconds.json", "fasttext")
    if os.path.exists(path) and seconds is not None:
        model = load_fasttext(path, data.num_classes)
    else:
        log("training fastText")
        start = time.time()
        model = train_fasttext(data.train, data.num_classes, path, seed=args.seed,
                               **({"epochs": QUICK["fasttext_epochs"], "cutoff": QUICK["fasttext_cutoff"]}
                                  if args.quick else {}))
        seconds = workspace.keep("fasttext.seconds.json", "fasttext", round(time.time() - start, 1))
    return Row("fastText (supervised, bigrams, quantized .ftz)", "fasttext", "fastText", model, digest_of(path),
               bytes=os.path.getsize(path), train_seconds=seconds, latency_us=round(model.median_latency_us(
                   data.test.texts[:300]), 2))


# ---------------------------------------------------------------- measurements

def measure(row, data, sample, explained, teacher_maps, args, workspace):
    test = data.test
    key = {"digest": row.digest, "sample": sample, "seed": args.seed, "budget": QUERY_BUDGET}
    figures = {"clean_accuracy": accuracy(row.model.predict_texts(list(test.texts)), test.labels)}
    for recipe in RECIPES_ATTACKED:
        name = f"attack_{row.digest}_{recipe}.json"
        result = workspace.load(name, key)
        if result is None:
            log(f"{row.name}: {recipe} on {len(sample)} sentences")
            result = attack_model(row.model, test.texts, test.labels, recipe, seed=args.seed, progress=False,
                                  query_budget=QUERY_BUDGET, indices=sample)
            result = workspace.keep(name, key, {k: result[k] for k in (
                "clean_accuracy", "accuracy_under_attack", "attack_success_rate", "seconds_per_attacked_example")})
        figures[recipe] = result
    rates = [figures[recipe]["attack_success_rate"] for recipe in RECIPES_ATTACKED]
    figures["attack_success_rate"] = float(np.mean([r for r in rates if r is not None])) if any(
        r is not None for r in rates) else None
    figures["fidelity"] = fidelity_to_teacher(row, explained, teacher_maps, args, workspace)
    return figures


def teacher_shap_maps(teacher, teacher_digest, texts, args, workspace):
    key = {"digest": teacher_digest, "texts": texts, "max_evals": args.max_evals}
    maps = workspace.load("teacher_shap.json", key)
    if maps is None:
        log(f"teacher shap on {len(texts)} sentences")
        maps, _ = shap_attributions(teacher, texts, max_evals=args.max_evals)
        maps = workspace.keep("teacher_shap.json", key, maps)
    return maps


def fidelity_to_teacher(row, texts, teacher_maps, args, workspace):
    key = {"digest": row.digest, "texts": texts, "max_evals": args.max_evals}
    name = f"fidelity_{row.digest}.json"
    kept = workspace.load(name, key)
    if kept is None:
        targets = [item["target"] for item in teacher_maps]
        maps, _ = shap_attributions(row.model, texts, target=targets, max_evals=args.max_evals)
        scores = fidelity(teacher_maps, maps, k=5)
        kept = workspace.keep(name, key, {"spearman": scores["spearman"], "top_k_overlap": scores["top_k_overlap"],
                                          "num_sentences": scores["num_sentences"]})
    return kept


# ---------------------------------------------------------------- outputs

COLUMNS = ["model", "kind", "short", "clean_accuracy", "deepwordbug_accuracy", "pruthi_accuracy", "pwws_accuracy",
           "textfooler_accuracy",
           "attack_success_rate", "fidelity_spearman", "bytes", "latency_us", "train_seconds", "note"]


def table_rows(rows):
    out = []
    for row in rows:
        f = row.figures
        out.append({
            "model": row.name, "kind": row.kind, "short": row.short, "clean_accuracy": f.get("clean_accuracy"),
            **{f"{recipe}_accuracy": f[recipe]["accuracy_under_attack"] if recipe in f else None
               for recipe in RECIPES_ATTACKED},
            "attack_success_rate": f.get("attack_success_rate"),
            "fidelity_spearman": f["fidelity"]["spearman"] if "fidelity" in f else None,
            "bytes": row.bytes, "latency_us": row.latency_us, "train_seconds": row.train_seconds,
            "note": "; ".join(note for note in (row.bytes_note, f.get("note", "")) if note)})
    return out


def _fmt(value, digits=4):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


HEADER = ("model", "clean acc.", "DeepWordBug acc.", "Pruthi acc.", "PWWS acc.", "TextFooler acc.", "attack success",
          "fidelity (Spearman)", "bytes", "latency (us)", "train (s)")


def results_table(table):
    """The markdown table of ``table_rows`` (docs/results.md renders the committed one: benchmarks/render.py)."""
    def line(r):
        size = _fmt(r["bytes"]) + (" *" if r["note"].startswith("float32") else "")
        return (r["model"], _fmt(r["clean_accuracy"]), _fmt(r["deepwordbug_accuracy"], 3),
                _fmt(r.get("pruthi_accuracy"), 3), _fmt(r["pwws_accuracy"], 3),
                _fmt(r["textfooler_accuracy"], 3), _fmt(r["attack_success_rate"], 3), _fmt(r["fidelity_spearman"], 3),
                size, _fmt(r["latency_us"], 1), _fmt(r["train_seconds"], 0))

    return markdown_table(HEADER, [line(r) for r in table])


# Issue 15's acceptance: accuracy under each attack at least this, and above fastText's.
ROBUSTNESS_FLOORS = {"deepwordbug": 0.50, "pruthi": 0.55, "pwws": 0.25, "textfooler": 0.10}


def targets(table):
    """Issue 8's targets (ours int8 against every baseline student and fastText) and issue 15's."""
    ours = next(r for r in table if r["model"].startswith("ours") and r["kind"] == "tflite")
    peers = [r for r in table if r["model"].startswith(("baseline", "plain KD", "fastText"))]
    fasttext = next(r for r in peers if r["kind"] == "fasttext")
    best_clean = max(r["clean_accuracy"] for r in peers if r["kind"] != "fasttext")
    same = next((r for r in peers if r["short"].endswith("KD same")), None)
    return {
        **{f"{recipe}_at_least_{floor}_and_above_fasttext": ours[f"{recipe}_accuracy"] is not None and
           ours[f"{recipe}_accuracy"] >= floor and ours[f"{recipe}_accuracy"] > fasttext[f"{recipe}_accuracy"]
           for recipe, floor in ROBUSTNESS_FLOORS.items()},
        "clean_within_1_point_of_the_same_student_with_plain_kd": None if same is None else
        ours["clean_accuracy"] >= same["clean_accuracy"] - 0.01,
        **{f"highest_accuracy_under_{recipe}": all(
            ours[f"{recipe}_accuracy"] >= r[f"{recipe}_accuracy"] for r in peers) for recipe in RECIPES_ATTACKED},
        "clean_within_1_point_of_best_baseline_student": ours["clean_accuracy"] >= best_clean - 0.01,
        "best_baseline_student_clean_accuracy": best_clean,
        "size_at_most_100_kb": ours["bytes"] <= 100_000,
        "latency_no_worse_than_fasttext": ours["latency_us"] <= fasttext["latency_us"],
    }


def save_plot(table, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for r in table:
        if r["bytes"] and r["clean_accuracy"] is not None:
            left.scatter(r["bytes"] / 1000, r["clean_accuracy"], marker="*" if r["model"].startswith("ours") else "o",
                         s=140 if r["model"].startswith("ours") else 50)
            left.annotate(r["short"], (r["bytes"] / 1000, r["clean_accuracy"]), fontsize=7,
                          xytext=(4, 3), textcoords="offset points")
    left.set_xscale("log")
    left.set(xlabel="model size (KB, log scale; teachers: float32 weights)", ylabel="clean test accuracy",
             title="accuracy vs size")
    attacked = [r for r in table if r["deepwordbug_accuracy"] is not None]
    positions = np.arange(len(attacked))
    width = 0.2
    for offset, key in enumerate(["clean_accuracy", *[f"{recipe}_accuracy" for recipe in RECIPES_ATTACKED]]):
        right.bar(positions + (offset - 1.5) * width, [r[key] for r in attacked], width, label=key.replace("_", " "))
    right.set_xticks(positions, [r["short"] for r in attacked], rotation=45, ha="right", fontsize=8)
    right.set(ylabel="accuracy", title="clean vs under attack (same sentences)")
    right.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    write_bytes_atomic(buffer.getvalue(), path)


def write_results(report, table, out):
    write_json_atomic(report, os.path.join(out, "paper.json"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(table)
    write_bytes_atomic(buffer.getvalue().encode(), os.path.join(out, "paper.csv"))
    lines = ["# Paper-style benchmark", "",
             f"- command: `{report['command']}` ({report['seconds']:.0f} s, {report['machine']})",
             f"- dataset `{report['dataset']}`, seed {report['seed']}; attacks on the same {report['num_examples']} "
             f"test sentences (query budget {QUERY_BUDGET}); fidelity on the first {report['num_explain']} of them "
             f"(shap, {report['max_evals']} evaluations a sentence); versions: "
             + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
             "", results_table(table), "",
             "\\* teachers are not exported: their size is their float32 weights. Latency: batch 1, one thread, "
             "tokenization excluded (teachers: Keras, all threads). Personalization: mean accuracy over clients "
             "on their own held-out data.", "",
             "Targets (ours int8 vs every baseline student and fastText): "
             + ", ".join(f"{k} {v}" for k, v in report["targets"].items()), ""]
    write_bytes_atomic("\n".join(lines).encode(), os.path.join(out, "paper.md"))
    save_plot(table, os.path.join(out, "paper.png"))


def _keras_latency(model, texts, count=LATENCY_TEXTS):
    timings = []
    ids = model.encoder.encode(list(texts[:count]))
    call = model.trimmed if hasattr(model, "trimmed") else (lambda x: x)
    for row in ids:
        start = time.perf_counter()
        model(call(row[None]), training=False)
        timings.append((time.perf_counter() - start) * 1e6)
    return round(float(np.median(timings)), 1)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="the main job's folder (default: runs/<preset>)")
    parser.add_argument("--preset", default="default", choices=["quick", "default"])
    parser.add_argument("--dataset", default="rotten_tomatoes")
    parser.add_argument("--data", help="a CSV/TSV/JSONL file instead of a bundled dataset")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--num-examples", type=int, default=500, help="attacked test sentences")
    parser.add_argument("--num-explain", type=int, default=100, help="of those, sentences explained with shap")
    parser.add_argument("--max-evals", type=int, default=200, help="shap evaluations per sentence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="CI smoke: the quick preset's main job; the other "
                                                             "rows on 300 training examples, 1 epoch; 5 attacked "
                                                             "and 3 explained sentences")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args(argv)
    if args.quick:
        args.preset = "quick"
        args.num_examples, args.num_explain, args.max_evals = QUICK["num_examples"], QUICK["num_explain"], \
            QUICK["max_evals"]
    args.run = args.run or (os.path.join(args.out, ".paper.partial", "run") if args.quick else f"runs/{args.preset}")
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    os.makedirs(args.out, exist_ok=True)
    workspace = open_workspace(args.out)
    log(f"main job in {args.run}")
    metrics, run_seconds = run_main_job(args, workspace)
    source = args.data or args.dataset
    data = datasets.load(source, seed=args.seed, text_column=args.text_column, label_column=args.label_column)
    if args.quick:
        data = dataclasses.replace(data, train=data.train.take(QUICK["max_train_examples"]),
                                   validation=data.validation.take(QUICK["max_validation_examples"]),
                                   test=data.test.take(QUICK["max_test_examples"]))
    args.data_split = data
    teacher, rows = teacher_rows(args, data, workspace, metrics["settings"]["teacher"]["name"], run_seconds)
    rows += student_rows(args, data, workspace, teacher, metrics)
    rows += ours_rows(args, metrics, run_seconds)
    rows.append(fasttext_row(args, data, workspace))
    for row in rows:
        if row.kind == "keras" and row.latency_us is None:
            row.latency_us = _keras_latency(row.model, data.test.texts,
                                            QUICK["latency_texts"] if args.quick else LATENCY_TEXTS)
    sample = select_sample(len(data.test.texts), args.num_examples, args.seed)
    explained = [data.test.texts[i] for i in sample[:args.num_explain]]
    teacher_maps = teacher_shap_maps(teacher, rows[0].digest, explained, args, workspace)
    for row in rows:
        log(f"measuring {row.name}")
        row.figures = measure(row, data, sample, explained, teacher_maps, args, workspace)
    personalized = personalized_row(metrics)
    if personalized:
        rows.append(personalized)
    table = table_rows(rows)
    report = {
        "command": "python benchmarks/paper.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "dataset": source, "seed": args.seed, "num_examples": len(sample), "num_explain": len(explained),
        "max_evals": args.max_evals, "query_budget": QUERY_BUDGET, "recipes": list(RECIPES_ATTACKED),
        "run": args.run, "preset": args.preset, "quick": args.quick, "versions": versions(),
        "machine": f"{os.cpu_count()} CPU cores", "sample_indices": sample, "rows": table,
        "targets": targets(table), "seconds": round(time.time() - started, 1),
    }
    write_results(report, table, args.out)
    print(results_table(table))
    return report


if __name__ == "__main__":
    main()
