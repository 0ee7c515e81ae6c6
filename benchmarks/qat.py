"""Measure float vs QAT int8 students of a run: accuracy, TFLite parity, bytes.

Usage (after ``tfcompress run --preset quick --out RUN``, which leaves a teacher and a cnn student):

    NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/qat.py --run RUN [--out qat_measure.json]
        [--prado-epochs 4] [--qat-epochs 2]

For each student (the run's student, and a prado distilled here with plain KD from the run's teacher):
the float model, its post-training int8 ``.tflite``, the QAT model after ``--qat-epochs`` of plain KD
(CE 0.1, KD 0.9, T 3) from the float weights, and its int8 ``.tflite``. Parity is the argmax
agreement of a ``.tflite`` with the Keras model it was converted from, on the full test split.

Every fit is the package's recipe (``tfcompress.pipeline.distill``) with the run's preset's settings,
less the explanation and adversarial terms, the monitors and the transfer copies: on the run's dataset
and seed, the whole training split, early stopping and best-epoch weights on the validation split;
teacher logits come from the run's teacher output cache.
"""
import argparse
import json
import time

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic
from tfcompress.evaluation import accuracy
from tfcompress.models import TeacherOutputCache, load_model
from tfcompress.pipeline import PLAIN_KD, RunFolder, distill, make_student, preset_settings
from tfcompress.quantize import export_qat_int8, quantize_student
from tfcompress.tflite import convert_to_int8, measure_tflite

KD = {"distillation.ce_weight": 0.1, "distillation.kd_weight": 0.9, "distillation.temperature": 3.0}
# The QAT learning rates this measurement has always used (lower than the run's 0.25 x the student's).
QAT_LEARNING_RATES = {"cnn": 1e-4, "prado": 3e-4}


def kd_settings(metrics, student, epochs=None):
    """The run's preset for ``student`` with plain KD on the training split alone (no transfer copies)."""
    teacher = metrics["settings"]["teacher"]["name"]
    return preset_settings(metrics["preset"], teacher=teacher, student=student, student_epochs=epochs).with_changes({
        **PLAIN_KD, **KD, "transfer.copies": 0, "schedule.monitor_examples": 0, "student.embedding_init": "random"})


def qat_learning_rate(name, settings):
    return QAT_LEARNING_RATES.get(name, settings.student.learning_rate * settings.qat.learning_rate_scale)


def run_data(metrics):
    """The run's dataset (bundled, or its data file) split with the run's seed, all of its training split."""
    run = metrics["run"]
    if not run.get("data"):
        return datasets.load(run.get("dataset", "rotten_tomatoes"), seed=metrics["seed"])
    options = {"text_column": run.get("text_column", "text"), "label_column": run.get("label_column", "label"),
               "user_column": run.get("user_column"), "test_path": run.get("test_data")}
    return datasets.load(run["data"], seed=metrics["seed"], **options)


def evaluate(model, model_bytes, data):
    """Keras accuracy and the ``.tflite``'s bytes, accuracy and parity with the Keras model."""
    ids = model.encoder.encode(list(data.test.texts))
    logits = model.predict_texts(data.test.texts)
    tflite = measure_tflite(model_bytes, ids, logits, data.test.labels)
    return {"keras_accuracy": accuracy(logits, data.test.labels), "tflite_accuracy": tflite["test_accuracy"],
            "parity": tflite["parity"], "bytes": tflite["bytes"], "builtin_ops_only": tflite["builtin_ops_only"]}


def measure_student(name, student, teacher, data, settings, cache, qat_epochs, seed):
    """Float + PTQ int8, then QAT + int8, for one student."""
    representative = student.encoder.encode(list(data.train.texts[:200]))
    result = {"float": evaluate(student, convert_to_int8(student, representative), data)}
    start = time.time()
    qat = quantize_student(student, student.encoder.encode(list(data.train.texts[:512])))
    result["qat_before_training"] = {"keras_accuracy": accuracy(qat.predict_texts(data.test.texts), data.test.labels)}
    distill(qat, teacher, data, settings, seed=seed, cache=cache, epochs=qat_epochs,
            learning_rate=qat_learning_rate(name, settings), stage=f"qat {name}")
    result["qat"] = {**evaluate(qat, export_qat_int8(qat, representative), data), "epochs": qat_epochs,
                     "seconds": round(time.time() - start, 1)}
    return result


def distilled_prado(metrics, teacher, data, cache, epochs):
    """A prado student distilled here with plain KD from the run's teacher."""
    settings = kd_settings(metrics, "prado", epochs)
    student, _ = make_student(settings, teacher, data, metrics["seed"])
    distill(student, teacher, data, settings, seed=metrics["seed"], cache=cache, stage="distill prado")
    return student


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", required=True, help="output folder of `tfcompress run` (its teacher and student)")
    parser.add_argument("--out", default=None, help="write the results here as JSON")
    parser.add_argument("--prado-epochs", type=int, default=4)
    parser.add_argument("--qat-epochs", type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    folder = RunFolder(args.run)
    metrics = folder.load_metrics()
    data = run_data(metrics)
    cache = TeacherOutputCache(folder.teacher_outputs)
    teacher = load_model(folder.teacher_path)
    run_student = metrics["settings"]["student"]["name"]
    students = {run_student: load_model(folder.student_path)}
    if "prado" not in students:
        students["prado"] = distilled_prado(metrics, teacher, data, cache, args.prado_epochs)
    results = {"teacher_accuracy": accuracy(teacher.predict_texts(data.test.texts), data.test.labels),
               "test_examples": len(data.test.texts)}
    for name, student in students.items():
        results[name] = measure_student(name, student, teacher, data, kd_settings(metrics, name), cache,
                                        args.qat_epochs, metrics["seed"])
    print(json.dumps(results, indent=2))
    if args.out:
        write_json_atomic(results, args.out)
    return results


if __name__ == "__main__":
    main()
