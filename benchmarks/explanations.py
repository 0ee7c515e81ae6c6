"""Explanations on the phone: ablation of the self-explaining head and the explanation terms on rotten_tomatoes.

Usage: NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/explanations.py [--run runs/default]
           [--num-explained 100] [--rows max,max_saliency,head,head_contributions] [--out benchmarks/results]

Every row is trained by the package's recipe (``make_student`` + ``distill``) from the main job's teacher
(``RUN/checkpoints/teacher.keras`` and its output cache) with the default preset's settings, monitors off,
and differs only in the student's pooling and the explanation term:
  max                 max pooling (no self-explaining head), no explanation term
  max_saliency        max pooling + the second-order saliency term (gradient x input vs the teacher's)
  head                attention pooling (the self-explaining head), no explanation term
  head_contributions  the head + its own contributions aligned with the teacher's endpoint-Shapley maps (first order)
For each row, the post-training int8 ``.tflite`` with its spec (what the phone runs): clean test accuracy;
on ``--num-explained`` seeded test sentences, the fidelity (Spearman, top-5 overlap) to the teacher's shap
values (Partition, 300 evaluations) of the explanation the phone gets -- its own contributions (second
output, the same invoke) where the row has the head, else shap run on the phone's model (300 invokes a
sentence) -- and of shap run on that int8 model, with the AOPC of each (deletion of the top 10 words);
int8 bytes; median single-thread latency of one invoke with the second output and without it (the same
weights converted without it). Step cost: seconds per training step of each explanation term on the same
batches through the recipe's ``distill``, relative to a plain KD step (CE + KD only) of the same student
(``step_cost``). Rows are kept in
OUT/.explanations.partial/ as they finish, so an interrupted benchmark resumes; writes
OUT/explanations.json and OUT/explanations.md.
"""
import dataclasses
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (ResumableCache, benchmark_arguments, cell, main_job_teacher, markdown_table,  # noqa: E402
                    train_recipe_row)

from tfcompress.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic  # noqa: E402
from tfcompress.backend import keras, versions  # noqa: E402
from tfcompress.evaluation import accuracy, select_sample  # noqa: E402
from tfcompress.explain import aopc, contribution_maps, fidelity  # noqa: E402
from tfcompress.explain.shap_explainer import shap_attributions  # noqa: E402
from tfcompress.export import export_android  # noqa: E402
from tfcompress.pipeline import distill, make_student, preset_settings  # noqa: E402
from tfcompress.tflite import TFLiteClassifier, convert_to_int8, load_android_model  # noqa: E402

DATASET = "rotten_tomatoes"
MAX_EVALS = 300
DEFAULT = preset_settings("default")
MAX_POOLING = {"student.model.pooling": "max"}
HEAD = {"student.model.pooling": "attention"}
CONTRIBUTIONS = {"explanation.weight": DEFAULT.explanation.weight, "explanation.kind": "contributions",
                 "explanation.teacher_attribution": DEFAULT.explanation.teacher_attribution}
SALIENCY = {"explanation.weight": 0.2, "explanation.kind": "saliency"}
ROWS = {
    "max": {**MAX_POOLING, "explanation.weight": 0.0},
    "max_saliency": {**MAX_POOLING, **SALIENCY},
    "head": {**HEAD, "explanation.weight": 0.0},
    "head_contributions": {**HEAD, **CONTRIBUTIONS},
}
LABELS = {"max": "max pooling, no explanation term", "max_saliency": "max pooling + saliency term (second order)",
          "head": "self-explaining head, no explanation term",
          "head_contributions": "self-explaining head + contribution alignment"}


def row_settings(name):
    return DEFAULT.with_changes({"schedule.monitor_examples": 0, **ROWS[name]})


def train_row(name, teacher, data, cache, partial, key):
    return train_recipe_row(name, row_settings(name), teacher, data, cache, partial, key, "explanations")


def teacher_shap(teacher, texts, partial, cache):
    """The teacher's shap maps of ``texts`` (its predicted class), kept in the partial folder."""
    key = {"texts": texts, "max_evals": MAX_EVALS, "teacher": cache.key(teacher, texts)}
    maps = partial.load("teacher_shap.json", key)
    if maps is None:
        print(f"[explanations] teacher shap on {len(texts)} sentences", flush=True)
        maps = partial.keep("teacher_shap.json", key, shap_attributions(teacher, texts, max_evals=MAX_EVALS)[0])
    return maps


def agreement(teacher_maps, maps, phone):
    scores = fidelity(teacher_maps, maps, k=5)
    return {"spearman": scores["spearman"], "top5": scores["top_k_overlap"], "aopc": aopc(phone, maps)["aopc"]}


def latencies(student, data, folder):
    """Median single-thread microseconds of one invoke, the file with the second output and without it."""
    ids = student.encoder.encode(list(data.train.texts[:2000]))
    probe = student.encoder.encode(list(data.test.texts[:300]))
    runners = {}
    for label, with_contributions in (("with", True), ("without", False)):
        path = os.path.join(folder, f"latency_{label}.tflite")
        write_bytes_atomic(convert_to_int8(student, ids, with_contributions=with_contributions), path)
        runners[label] = TFLiteClassifier(path, num_threads=1)
    timings = {label: [] for label in runners}
    for _ in range(3):  # interleaved, so both see the same machine load
        for label, runner in runners.items():
            timings[label].append(runner.median_latency_us(probe))
    return {f"latency_us_{label}_contributions": round(min(values), 2) for label, values in timings.items()}


def measure_row(name, student, data, sample, teacher_maps, out_folder):
    path = os.path.join(out_folder, f"{name}.tflite")
    exported = export_android(student, path, list(data.train.texts[:2000]), class_names=data.class_names)
    phone = load_android_model(path)
    texts = [data.test.texts[index] for index in sample]
    targets = [item["target"] for item in teacher_maps]
    print(f"[explanations] {name}: shap on the int8 model", flush=True)
    shap_maps = shap_attributions(phone, texts, target=targets, max_evals=MAX_EVALS)[0]
    figures = {"clean_accuracy": accuracy(phone.predict_texts(list(data.test.texts)), data.test.labels),
               "float_clean_accuracy": accuracy(student.predict_texts(list(data.test.texts)), data.test.labels),
               "int8_bytes": exported["bytes"], "shap": agreement(teacher_maps, shap_maps, phone)}
    if phone.explains_itself:
        figures["contributions"] = agreement(teacher_maps, contribution_maps(phone, texts, target=targets), phone)
        figures.update(latencies(student, data, out_folder))
    figures["phone_explanation"] = "contributions" if phone.explains_itself else "shap"
    return figures


class LastEpochStepTimer(keras.callbacks.Callback):
    """Seconds per training batch in the last epoch (the first epoch traces the step)."""

    def __init__(self):
        super().__init__()
        self.times, self._start = [], None

    def on_epoch_begin(self, epoch, logs=None):
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def step_cost(teacher, data, cache, steps=40, batch_size=64):
    """Seconds per training step of each explanation term, relative to a plain KD step of the same student:
    the recipe's ``distill`` on the first ``steps`` x ``batch_size`` training texts, CE + KD with or without
    the term (no transfer copies, edits, worst-case or adversarial terms, no warm-up), second epoch timed."""
    subset = dataclasses.replace(data, train=data.train.take(steps * batch_size),
                                 validation=data.validation.take(256))
    base = row_settings("head").with_changes({
        "transfer.copies": 0, "transfer.typo_share": 0.0, "worst_case.weight": 0.0, "adversarial.weight": 0.0,
        "adversarial.texts": None, "schedule.warmup_epochs": 0, "student.batch_size": batch_size})
    kinds = {"kd": {**HEAD, "explanation.weight": 0.0}, "contributions": {**HEAD, **CONTRIBUTIONS},
             "kd_max_pooling": {**MAX_POOLING, "explanation.weight": 0.0}, "saliency": {**MAX_POOLING, **SALIENCY}}
    seconds = {}
    for name, changes in kinds.items():
        settings = base.with_changes(changes)
        student, _ = make_student(settings, teacher, subset, seed=0, cache=cache)
        timer = LastEpochStepTimer()
        distill(student, teacher, subset, settings, seed=0, cache=cache, epochs=2, callbacks=[timer],
                stage=f"step cost {name}")
        seconds[name] = sum(timer.times) / len(timer.times)
    return {"seconds_per_step": {name: round(value, 5) for name, value in seconds.items()},
            "contributions_vs_kd": round(seconds["contributions"] / seconds["kd"], 3),
            "saliency_vs_kd": round(seconds["saliency"] / seconds["kd_max_pooling"], 3)}


HEADER = ("row", "clean acc. (int8)", "phone's explanation", "its Spearman vs teacher shap", "its top-5 overlap",
          "its AOPC", "shap on int8: Spearman", "shap on int8: AOPC", "int8 bytes", "latency with / without 2nd output")


def markdown(rows):
    def line(row):
        own = row.get(row.get("phone_explanation") or "shap") or {}
        latency = ("-" if "latency_us_with_contributions" not in row else
                   f"{row['latency_us_with_contributions']:.0f} / {row['latency_us_without_contributions']:.0f} us")
        return (LABELS[row["row"]], cell(row.get("clean_accuracy"), "{:.4f}"),
                "own contributions (1 invoke)" if row.get("phone_explanation") == "contributions"
                else f"shap ({MAX_EVALS} invokes)",
                cell(own.get("spearman"), "{:.3f}"), cell(own.get("top5"), "{:.3f}"), cell(own.get("aopc"), "{:.3f}"),
                cell(row["shap"].get("spearman"), "{:.3f}"), cell(row["shap"].get("aopc"), "{:.3f}"),
                cell(row.get("int8_bytes"), "{:,}"), latency)

    return markdown_table(HEADER, [line(row) for row in rows]) + "\n"


def parse_args():
    return benchmark_arguments(__doc__.splitlines()[0], ROWS, "--num-explained", 100)


def main():
    args = parse_args()
    from tfcompress.offline import use_nltk_data

    use_nltk_data()
    started = time.time()
    folder, data, teacher, cache = main_job_teacher(args.run, DATASET, "the benchmark")
    sample = select_sample(len(data.test.texts), args.num_explained, 0)
    partial = ResumableCache(os.path.join(args.out, ".explanations.partial"))
    teacher_maps = teacher_shap(teacher, [data.test.texts[index] for index in sample], partial, cache)
    rows = []
    for name in args.rows.split(","):
        key = {"settings": row_settings(name).to_flat(), "teacher": os.path.getmtime(folder.teacher_path), "sample": sample}
        figures = partial.load(f"{name}.json", key)
        if figures is None:
            student, times = train_row(name, teacher, data, cache, partial, key)
            figures = partial.keep(f"{name}.json", key, {**times, **measure_row(name, student, data, sample,
                                                                                  teacher_maps, partial.folder)})
        rows.append({"row": name, **figures})
        print(f"[explanations] {name}: {json.dumps(figures)}", flush=True)
    cost_key = {"settings": row_settings("head_contributions").to_flat(), "teacher": os.path.getmtime(folder.teacher_path),
                "method": "recipe distill on 40 x 64 texts, second epoch timed"}
    cost = partial.load("step_cost.json", cost_key) or partial.keep("step_cost.json", cost_key,
                                                                    step_cost(teacher, data, cache))
    record = {"command": "python benchmarks/explanations.py " + " ".join(sys.argv[1:]), "dataset": DATASET, "seed": 0,
              "run": args.run, "num_explained": len(sample), "explained_indices": sample, "shap_max_evals": MAX_EVALS,
              "rows": rows, "step_cost": cost, "versions": versions(), "machine": f"{os.cpu_count()} CPU cores",
              "seconds": round(time.time() - started, 1)}
    write_json_atomic(record, os.path.join(args.out, "explanations.json"))
    write_text_atomic(markdown(rows) + f"\nStep cost relative to plain KD: contributions term "
                                       f"{cost['contributions_vs_kd']:.2f}x, saliency term {cost['saliency_vs_kd']:.2f}x\n",
                      os.path.join(args.out, "explanations.md"))
    print(markdown(rows))


if __name__ == "__main__":
    main()
