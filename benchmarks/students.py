"""Benchmark every registered teacher, and every registered student distilled from the best teacher.

Usage: .venv/bin/python benchmarks/students.py [--dataset rotten_tomatoes] [--out benchmarks/results]

Teachers (default-preset recipes) are trained, and the one with the best validation accuracy
teaches every student, as the default preset does: on the training split plus its teacher-labelled
transfer copies (logits cached once). Students with a hashed word embedding (cnn, fastgrnn) are
trained twice: from a random start and from the teacher's word vectors (``init_embeddings_from_teacher``). For each model: parameters, test accuracy; for
students also int8 .tflite bytes, int8 test accuracy, TFLite parity, median latency per sentence
(batch 1, 1 thread); training seconds for all. Teachers are not exported to TFLite.
Writes OUT/students.json and OUT/students.md. Same seed, split and training budget for every student.
"""
import argparse
import json
import os
import time

from tfcompress import datasets
from tfcompress.backend import keras, versions
from tfcompress.distill import (BestWeights, Distiller, distillation_dataset, init_embeddings_from_teacher,
                                teacher_lexicon)
from tfcompress.distill.augment import with_transfer_copies
from tfcompress.export import accuracy, convert_to_int8, measure_tflite
from tfcompress.models import STUDENTS, TEACHERS, TeacherOutputCache, build_student, build_teacher
from tfcompress.pipeline import PRESETS, RECIPES

RECIPE = RECIPES["default"]
EPOCHS, BATCH, SEED = 12, 64, 0
TRANSFER_COPIES = PRESETS["default"]["transfer_copies"]


def train_teacher(name, data):
    keras.utils.set_random_seed(SEED)
    recipe = RECIPE[name]
    teacher = build_teacher(name, num_classes=data.num_classes, **recipe["config"])
    teacher.compile(keras.optimizers.Adam(recipe["learning_rate"]),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"])
    start = time.time()
    teacher.fit(data.train.to_tf_dataset(teacher.encoder.encode, recipe["batch_size"], True, SEED),
                validation_data=data.validation.to_tf_dataset(teacher.encoder.encode, 256),
                epochs=recipe["epochs"], verbose=0,
                callbacks=[keras.callbacks.EarlyStopping("val_accuracy", patience=3, mode="max"), BestWeights()])
    return teacher, time.time() - start


def distill(name, teacher, train, logits, data, embedding_init):
    keras.utils.set_random_seed(SEED)
    student = build_student(name, num_classes=data.num_classes, **RECIPE[name]["config"])
    if embedding_init == "teacher":
        init_embeddings_from_teacher(student, teacher, data.train.texts, teacher_lexicon(teacher), SEED)
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(2e-3), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      ce_weight=0.1, kd_weight=0.9, temperature=3.0)
    start = time.time()
    distiller.fit(distillation_dataset(train, student, teacher, BATCH, True, SEED, logits["train"]),
                  validation_data=distillation_dataset(data.validation, student, teacher, 256,
                                                       teacher_logits=logits["validation"]), epochs=EPOCHS,
                  verbose=0, callbacks=[keras.callbacks.EarlyStopping("val_accuracy", patience=3, mode="max"),
                                        BestWeights(target=student)])
    return student, time.time() - start


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


def markdown(rows):
    lines = ["| model | embedding start | params | int8 .tflite bytes | test acc. float | test acc. int8 | parity | latency (us) | train (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cell = lambda key, fmt: fmt.format(row[key]) if row.get(key) is not None else "-"  # noqa: E731
        lines.append(f"| {row['model']} ({row['role']}) | {row.get('embedding_init') or '-'} | {row['params']:,} | {cell('tflite_bytes', '{:,}')} | "
                     f"{row['test_accuracy_float']:.4f} | {cell('test_accuracy_int8', '{:.4f}')} | "
                     f"{cell('parity', '{:.4f}')} | {cell('latency_us', '{:.1f}')} | {row['train_seconds']:.0f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="rotten_tomatoes")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()
    data = datasets.load(args.dataset, seed=SEED)
    cache = TeacherOutputCache(os.path.join(args.out, ".teacher_outputs"))
    rows, best = [], None
    for name in sorted(TEACHERS):
        teacher, seconds = train_teacher(name, data)
        validation = accuracy(cache.logits(teacher, data.validation.texts), data.validation.labels)
        rows.append({"model": name, "role": "teacher", "params": int(teacher.count_params()),
                     "validation_accuracy": validation,
                     "test_accuracy_float": accuracy(teacher.predict_texts(data.test.texts), data.test.labels),
                     "train_seconds": round(seconds, 1)})
        print(json.dumps(rows[-1]), flush=True)
        if best is None or validation > best[1]:
            best = (teacher, validation, name)
    teacher = best[0]
    train = with_transfer_copies(data.train, TRANSFER_COPIES, SEED)
    logits = {"train": cache.logits(teacher, train.texts), "validation": cache.logits(teacher, data.validation.texts)}
    for name in sorted(STUDENTS):
        starts = ("random", "teacher") if hasattr(build_student(name), "embedding") else ("random",)
        for embedding_init in starts:
            student, seconds = distill(name, teacher, train, logits, data, embedding_init)
            rows.append(measure_student(name, student, seconds, data, embedding_init))
            print(json.dumps(rows[-1]), flush=True)
    os.makedirs(args.out, exist_ok=True)
    record = {"dataset": args.dataset, "seed": SEED, "epochs": EPOCHS, "transfer_copies": TRANSFER_COPIES, "versions": versions(), "teacher_of_students": best[2],
              "machine": f"{os.cpu_count()} CPU cores", "rows": rows}
    with open(os.path.join(args.out, "students.json"), "w") as handle:
        json.dump(record, handle, indent=2)
    with open(os.path.join(args.out, "students.md"), "w") as handle:
        handle.write(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
