"""Benchmark every registered teacher, and every registered student distilled from the best teacher.

Usage: .venv/bin/python benchmarks/students.py [--dataset rotten_tomatoes] [--out benchmarks/results]

Every model is trained by the package's recipe (``tfcompress.pipeline``) with the default preset's
budget for it. Teachers are trained on the labels, and the one with the best validation accuracy
teaches every student with the default preset's plain KD (CE 0.1, KD 0.9, T 3; no explanation or
adversarial term): on the training split plus its teacher-labelled transfer copies (logits cached
once). Students with a hashed word embedding (cnn, fastgrnn) are trained twice: from a random start
and from the teacher's word vectors (``embedding_init: teacher``). For each model: parameters, test
accuracy; for students also int8 .tflite bytes, int8 test accuracy, TFLite parity, median latency per
sentence (batch 1, 1 thread); training seconds for all (teachers: building included; students: the
fit). Teachers are not exported to TFLite. Writes OUT/students.json and OUT/students.md. Same seed,
split and training budget for every student.
"""
import argparse
import json
import os
import time

from common import FitTimer, cell, markdown_table

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.evaluation import accuracy
from tfcompress.models import STUDENTS, TEACHERS, TeacherOutputCache, build_student
from tfcompress.pipeline import PLAIN_KD, distill, make_student, preset_settings, train_teacher
from tfcompress.tflite import convert_to_int8, measure_tflite

PRESET, SEED = "default", 0
DEFAULT = preset_settings(PRESET)
EPOCHS, TRANSFER_COPIES = DEFAULT["student_epochs"], DEFAULT["transfer_copies"]


def teacher_settings(name):
    """The default preset with ``name`` as its teacher."""
    return preset_settings(PRESET, teacher=name)


def student_settings(name, teacher_name, embedding_init):
    """The default preset's KD (CE 0.1, KD 0.9, T 3, its transfer set) for student ``name``, without the
    explanation and adversarial terms and the monitors."""
    return {**preset_settings(PRESET, teacher=teacher_name, student=name), **PLAIN_KD, "monitor_examples": 0,
            "embedding_init": embedding_init}


def trained_teacher(name, data):
    """A registered teacher trained by the recipe; returns (teacher, seconds, building included)."""
    start = time.time()
    teacher = train_teacher(teacher_settings(name), data, SEED)
    return teacher, time.time() - start


def distilled_student(name, teacher_name, teacher, data, cache, embedding_init):
    """A student distilled by the recipe; returns (student, seconds in ``fit``)."""
    settings = student_settings(name, teacher_name, embedding_init)
    student, _ = make_student(settings, teacher, data, SEED)
    timer = FitTimer()
    distill(student, teacher, data, settings, seed=SEED, cache=cache, stage=f"distill {name}", callbacks=[timer])
    return student, timer.fit_seconds


def measure_student(name, student, seconds, data, embedding_init):
    """Accuracy (float and int8), size, parity and latency of a distilled student."""
    inputs = student.encoder.encode(list(data.test.texts))
    model_bytes = convert_to_int8(student, student.encoder.encode(list(data.train.texts)))
    keras_logits = student.predict(inputs, verbose=0)
    measured = measure_tflite(model_bytes, inputs, keras_logits, data.test.labels)
    return {"model": name, "role": "student", "embedding_init": embedding_init, "params": int(student.count_params()),
            "tflite_bytes": measured["bytes"], "builtin_ops_only": measured["builtin_ops_only"],
            "test_accuracy_float": accuracy(keras_logits, data.test.labels),
            "test_accuracy_int8": measured["test_accuracy"], "parity": measured["parity"],
            "latency_us": measured["latency_us"], "runtime": measured["runtime"],
            "train_seconds": round(seconds, 1)}


HEADER = ("model", "embedding start", "params", "int8 .tflite bytes", "test acc. float", "test acc. int8", "parity",
          "latency (us)", "train (s)")


def markdown(rows):
    """OUT/students.md: one line per teacher and per (student, embedding start)."""
    def line(row):
        return (f"{row['model']} ({row['role']})", row.get("embedding_init") or "-", f"{row['params']:,}",
                cell(row.get("tflite_bytes"), "{:,}"), f"{row['test_accuracy_float']:.4f}",
                cell(row.get("test_accuracy_int8"), "{:.4f}"), cell(row.get("parity"), "{:.4f}"),
                cell(row.get("latency_us"), "{:.1f}"), f"{row['train_seconds']:.0f}")

    return markdown_table(HEADER, [line(row) for row in rows]) + "\n"


def teacher_rows(data, cache):
    """Every registered teacher's row, and the name and model of the best one by validation accuracy."""
    rows, best = [], None
    for name in sorted(TEACHERS):
        teacher, seconds = trained_teacher(name, data)
        validation = accuracy(cache.logits(teacher, data.validation.texts), data.validation.labels)
        rows.append({"model": name, "role": "teacher", "params": int(teacher.count_params()),
                     "validation_accuracy": validation,
                     "test_accuracy_float": accuracy(teacher.predict_texts(data.test.texts), data.test.labels),
                     "train_seconds": round(seconds, 1)})
        print(json.dumps(rows[-1]), flush=True)
        if best is None or validation > best[1]:
            best = (teacher, validation, name)
    return rows, best[2], best[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="rotten_tomatoes")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()
    data = datasets.load(args.dataset, seed=SEED)
    cache = TeacherOutputCache(os.path.join(args.out, ".teacher_outputs"))
    rows, teacher_name, teacher = teacher_rows(data, cache)
    for name in sorted(STUDENTS):
        starts = ("random", "teacher") if hasattr(build_student(name), "embedding") else ("random",)
        for embedding_init in starts:
            student, seconds = distilled_student(name, teacher_name, teacher, data, cache, embedding_init)
            rows.append(measure_student(name, student, seconds, data, embedding_init))
            print(json.dumps(rows[-1]), flush=True)
    record = {"dataset": args.dataset, "seed": SEED, "epochs": EPOCHS, "transfer_copies": TRANSFER_COPIES,
              "versions": versions(), "teacher_of_students": teacher_name,
              "machine": f"{os.cpu_count()} CPU cores", "rows": rows}
    write_json_atomic(record, os.path.join(args.out, "students.json"))
    write_text_atomic(markdown(rows), os.path.join(args.out, "students.md"))
    print(markdown(rows))


if __name__ == "__main__":
    main()
