"""Students that keep the teacher's words: word representation, transfer-set size and KD loss, over seeds.

Usage: .venv/bin/python benchmarks/students.py [--seeds 0 1 2] [--variants NAME ...] [--out benchmarks/results]

For each seed (which fixes the split, the teacher and every student) the default preset's main job
runs first, as ``tfcompress run --preset default --seed S`` does, without the robustness, explanation
and personalization stages: teacher fine-tuned while validation improves, the default student
distilled with all three objectives, QAT, the int8 ``.tflite`` that ships. That is the ``default``
row, measured on its exported file. The other variants reuse that run's teacher and cached teacher
outputs and are distilled by the same recipe with plain KD (CE 0.1 + KD 0.9; no explanation or
adversarial term), then post-training quantized to int8; each changes one thing against the default
(the single-hash table of the previous default, 2 transfer copies instead of 10, logit MSE instead of
KL at T=3, another student). Per variant and seed: float and int8 test accuracy, int8 bytes (the whole
file: the app needs nothing else but the spec), builtin ops only, TFLite parity, median latency
(batch 1, 1 thread). Rows are means and spreads (population std) over the seeds run.

Every finished (variant, seed) is kept under OUT/.students.partial and the runs resume, so an
interrupted benchmark continues where it stopped. Writes OUT/students.json and OUT/students.md after
every finished (variant, seed), with the variants finished at every seed run so far.
"""
import argparse
import json
import os

import numpy as np
from common import FitTimer, ResumableCache, markdown_table

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.evaluation import accuracy
from tfcompress.models import TeacherOutputCache, load_model
from tfcompress.pipeline import PLAIN_KD, RunConfig, RunFolder, distill, make_student, preset_settings, run
from tfcompress.tflite import convert_to_int8, measure_tflite

PRESET = "default"
EVALUATION_STAGES = ("robustness", "explanations", "personalization")
SINGLE_HASH = {"num_buckets": 5000, "num_hashes": 1}
TWO_COPIES = {"transfer.copies": 2, "transfer.substitute": 0.0}
# name -> (student, its config changes, settings changes); "default" is the preset's own main job.
VARIANTS = {
    "default": None,
    "cnn, single hash, 2 copies (before)": ("cnn", SINGLE_HASH, TWO_COPIES),
    "cnn, single hash, 10 copies": ("cnn", SINGLE_HASH, {}),
    "cnn, 2 hashes, 2 copies": ("cnn", {}, TWO_COPIES),
    "cnn, 2 hashes, 10 copies": ("cnn", {}, {}),
    "cnn, 2 hashes, 10 copies, MSE": ("cnn", {}, {"distillation.kind": "mse"}),
    "cnn, 2 hashes, 20 copies": ("cnn", {}, {"transfer.copies": 20}),
    "fastgrnn, single hash, 2 copies (before)": ("fastgrnn", {"num_buckets": 4000, "num_hashes": 1}, TWO_COPIES),
    "fastgrnn, 2 hashes, 10 copies": ("fastgrnn", {}, {}),
    "prado, 10 copies": ("prado", {}, {}),
}


def main_job(seed, partial):
    """The default preset's main job at ``seed`` (resumed from its folder); returns (metrics, folder)."""
    folder = os.path.join(partial, f"run-seed{seed}")
    metrics = run(RunConfig(out=folder, preset=PRESET, seed=seed, skip=EVALUATION_STAGES))
    return metrics, RunFolder(folder)


def default_row(metrics):
    """The ``default`` variant's measurements, read from the main job's metrics.json."""
    tflite, student = metrics["tflite"], metrics["student"]
    return {"test_accuracy_float": student["test_accuracy"], "test_accuracy_int8": tflite["test_accuracy"],
            "tflite_bytes": tflite["bytes"], "builtin_ops_only": tflite["builtin_ops_only"],
            "parity": tflite["parity"], "latency_us": tflite["latency_us"], "params": student.get("params"),
            "teacher_test_accuracy": metrics["teacher"]["test_accuracy"]}


def variant_settings(name):
    """Plain-KD settings of a variant: the default preset with the variant's changes."""
    student, config, changes = VARIANTS[name]
    settings = preset_settings(PRESET, student=student)
    return settings.with_changes({**PLAIN_KD, "schedule.monitor_examples": 0, **changes,
                                  "student.model": {**settings.student.model, **config}})


def variant_row(name, seed, folder, data):
    """Distil a variant from the main job's teacher (its outputs cached) and measure its int8 file."""
    settings = variant_settings(name).with_changes(
        {"student.model.max_length": load_model(folder.student_path).max_length})
    teacher = load_model(folder.teacher_path)
    cache = TeacherOutputCache(folder.teacher_outputs)
    student, _ = make_student(settings, teacher, data, seed, cache=cache)
    timer = FitTimer()
    distill(student, teacher, data, settings, seed=seed, cache=cache, stage=f"distill {name}", callbacks=[timer])
    inputs = student.encoder.encode(list(data.test.texts))
    keras_logits = student.predict(inputs, verbose=0)
    measured = measure_tflite(convert_to_int8(student, student.encoder.encode(list(data.train.texts))), inputs,
                              keras_logits, data.test.labels)
    return {"test_accuracy_float": accuracy(keras_logits, data.test.labels),
            "test_accuracy_int8": measured["test_accuracy"], "tflite_bytes": measured["bytes"],
            "builtin_ops_only": measured["builtin_ops_only"], "parity": measured["parity"],
            "latency_us": measured["latency_us"], "params": int(student.count_params()),
            "train_seconds": round(timer.fit_seconds, 1)}


def measure_seed(seed, names, partial):
    """Yield (name, row) for every variant in ``names`` at ``seed``, resumed from the partial folder."""
    metrics, folder = main_job(seed, partial)
    data = datasets.load("rotten_tomatoes", seed=seed)
    kept = ResumableCache(partial)
    for name in names:
        key = {"seed": seed, "fingerprint": metrics["fingerprint"],
               "settings": None if VARIANTS[name] is None else variant_settings(name)}
        file_name = f"seed{seed}-{name.replace(' ', '_').replace(',', '').replace('(', '').replace(')', '')}.json"
        row = kept.load(file_name, key)
        if row is None:
            row = default_row(metrics) if VARIANTS[name] is None else variant_row(name, seed, folder, data)
            row = kept.keep(file_name, key, row)
        print(json.dumps({"variant": name, "seed": seed, **row}), flush=True)
        yield name, row


def summary(name, per_seed):
    """Mean and spread over seeds of one variant's measurements."""
    def stats(key):
        values = np.array([row[key] for row in per_seed])
        return {"mean": round(float(values.mean()), 4), "std": round(float(values.std()), 4),
                "values": [round(float(value), 4) for value in values]}

    first = per_seed[0]
    return {"variant": name, "seeds": len(per_seed), "test_accuracy_float": stats("test_accuracy_float"),
            "test_accuracy_int8": stats("test_accuracy_int8"), "tflite_bytes": first["tflite_bytes"],
            "builtin_ops_only": all(row["builtin_ops_only"] for row in per_seed),
            "parity_min": min(row["parity"] for row in per_seed),
            "latency_us": round(float(np.mean([row["latency_us"] for row in per_seed])), 1)}


HEADER = ("variant", "seeds", "test acc. int8 (mean ± std)", "int8 per seed", "test acc. float", "int8 bytes",
          "parity (min)", "latency (us)")


def markdown(rows, teacher):
    lines = [(row["variant"], row["seeds"],
              f"{row['test_accuracy_int8']['mean']:.4f} ± {row['test_accuracy_int8']['std']:.4f}",
              " / ".join(f"{value:.4f}" for value in row["test_accuracy_int8"]["values"]),
              f"{row['test_accuracy_float']['mean']:.4f}", f"{row['tflite_bytes']:,}", f"{row['parity_min']:.4f}",
              f"{row['latency_us']:.1f}") for row in rows]
    teacher_line = ("teachers (minilm, per seed): " + " / ".join(f"{value:.4f}" for value in teacher))
    return markdown_table(HEADER, lines) + "\n\n" + teacher_line + "\n"


def write_results(args, by_seed):
    """OUT/students.json and .md from the (variant, seed) rows finished so far."""
    names = [name for name in args.variants if all(name in by_seed[seed] for seed in by_seed)]
    rows = [summary(name, [by_seed[seed][name] for seed in by_seed]) for name in names]
    teacher = [by_seed[seed]["default"]["teacher_test_accuracy"] for seed in by_seed if "default" in by_seed[seed]]
    record = {"dataset": "rotten_tomatoes", "preset": PRESET, "seeds": sorted(by_seed), "versions": versions(),
              "machine": f"{os.cpu_count()} CPU cores", "teacher_test_accuracy": teacher, "rows": rows,
              "per_seed": {str(seed): rows_ for seed, rows_ in by_seed.items()}}
    write_json_atomic(record, os.path.join(args.out, "students.json"))
    write_text_atomic(markdown(rows, teacher), os.path.join(args.out, "students.md"))
    return rows, teacher


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()
    partial = os.path.join(args.out, ".students.partial")
    by_seed = {}
    for seed in args.seeds:
        by_seed[seed] = {}
        for name, row in measure_seed(seed, args.variants, partial):
            by_seed[seed][name] = row
            write_results(args, by_seed)
    rows, teacher = write_results(args, by_seed)
    print(markdown(rows, teacher))


if __name__ == "__main__":
    main()
