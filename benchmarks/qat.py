"""Measure float vs QAT int8 students on rotten_tomatoes: accuracy, TFLite parity, bytes.

Usage (after ``tfcompress run --preset quick --out RUN``, which leaves a teacher and a cnn student):

    python -m tfcompress.quantize.measure --run RUN --out qat_measure.json

For each student (the run's cnn, and a prado distilled here with plain KD from the run's teacher):
the float model, its post-training int8 ``.tflite``, the QAT model after ``--qat-epochs`` of plain KD
(CE 0.1, KD 0.9, T 3) from the float weights, and its int8 ``.tflite``. Parity is the argmax
agreement of a ``.tflite`` with the Keras model it was converted from, on the full test split.
"""
import argparse
import json
import os
import time

from tfcompress import datasets
from tfcompress.backend import keras
from tfcompress.distill import Distiller, distillation_dataset
from tfcompress.export.tflite import accuracy, convert_to_int8, measure_tflite
from tfcompress.models import build_student, load_model
from tfcompress.quantize.export import export_qat_int8
from tfcompress.quantize.qat_student import quantize_student

PRADO = {"features": 64, "max_length": 48, "bottleneck": 64, "filters": 64}


def distil(student, teacher, data, teacher_logits, epochs, learning_rate):
    """Plain KD (CE 0.1, KD 0.9, T 3) of ``student`` on the full train split."""
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(learning_rate), ce_weight=0.1, kd_weight=0.9, temperature=3.0)
    distiller.fit(distillation_dataset(data.train, student, teacher, batch_size=64, shuffle=True,
                                       teacher_logits=teacher_logits), epochs=epochs, verbose=0)
    return student


def evaluate(model, model_bytes, data):
    """Keras accuracy and the ``.tflite``'s bytes, accuracy and parity with the Keras model."""
    ids = model.encoder.encode(list(data.test.texts))
    logits = model.predict_texts(data.test.texts)
    tflite = measure_tflite(model_bytes, ids, logits, data.test.labels)
    return {"keras_accuracy": accuracy(logits, data.test.labels), "tflite_accuracy": tflite["test_accuracy"],
            "parity": tflite["parity"], "bytes": tflite["bytes"], "builtin_ops_only": tflite["builtin_ops_only"]}


def measure_student(name, student, teacher, data, teacher_logits, qat_epochs):
    """Float + PTQ int8, then QAT + int8, for one student."""
    representative = student.encoder.encode(list(data.train.texts[:200]))
    result = {"float": evaluate(student, convert_to_int8(student, representative), data)}
    start = time.time()
    qat = quantize_student(student, student.encoder.encode(list(data.train.texts[:512])))
    result["qat_before_training"] = {"keras_accuracy": accuracy(qat.predict_texts(data.test.texts), data.test.labels)}
    distil(qat, teacher, data, teacher_logits, qat_epochs, 1e-4 if name == "cnn" else 3e-4)
    result["qat"] = {**evaluate(qat, export_qat_int8(qat, representative), data), "epochs": qat_epochs,
                     "seconds": round(time.time() - start, 1)}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", required=True, help="output folder of `tfcompress run` (checkpoints/*.keras)")
    parser.add_argument("--out", default=None, help="write the results here as JSON")
    parser.add_argument("--prado-epochs", type=int, default=4)
    parser.add_argument("--qat-epochs", type=int, default=2)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    data = datasets.load("rotten_tomatoes", seed=0)
    teacher = load_model(os.path.join(args.run, "checkpoints", "teacher.keras"))
    teacher_logits = teacher.predict_texts(data.train.texts)
    students = {"cnn": load_model(os.path.join(args.run, "checkpoints", "student.keras")),
                "prado": distil(build_student("prado", **PRADO).build_for_inputs(), teacher, data, teacher_logits,
                                args.prado_epochs, 2e-3)}
    results = {"teacher_accuracy": accuracy(teacher.predict_texts(data.test.texts), data.test.labels),
               "test_examples": len(data.test.texts)}
    for name, student in students.items():
        results[name] = measure_student(name, student, teacher, data, teacher_logits, args.qat_epochs)
    print(json.dumps(results, indent=2))
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=2)
    return results


if __name__ == "__main__":
    main()
