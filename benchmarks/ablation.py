"""Ablation of the three-objective Distiller on rotten_tomatoes, with the default preset's student.

Usage: NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/ablation.py [--teacher runs/default/checkpoints/teacher.keras]
           [--num-attacked 500] [--rows kd,all] [--out benchmarks/results]

Every row is trained by the package's recipe (``tfcompress.pipeline.distill``) with the default
preset's settings (same seed, data, transfer set, embedding start, patience and epoch budget), less
the warm-up of the explanation and adversarial terms and the measuring monitors; only the
objectives change:
  ce                 hard labels only
  kd                 CE 0.1 + KD 0.9 (T = 3)
  kd+explain         KD + saliency explanation term
  kd+explain-features KD + FitNets word-feature explanation term
  kd+adv             KD + continuous (PGD) and discrete (refreshed textattack texts) adversarial terms
  all                KD + saliency explanation + both adversarial terms (the preset's objectives)
For each row, float (Keras) and QAT int8 (.tflite after quantization-aware training that continues
the same objectives): clean test accuracy, accuracy under DeepWordBug and PWWS on the same
``--num-attacked`` test sentences, explanation fidelity (mean Spearman of student vs teacher
gradient x input word maps, both for the teacher's class, on those sentences), int8 bytes, and the
training step time relative to the kd row (training batches only; adversarial text refreshes are
reported separately). Writes OUT/ablation.json and OUT/ablation.md.
"""
import argparse
import json
import os
import time

import numpy as np

from common import FitTimer, cell, markdown_table

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.distill import AdversarialTextRefresh
from tfcompress.evaluation import accuracy
from tfcompress.explain import fidelity
from tfcompress.models import TeacherOutputCache, load_model, save_model
from tfcompress.pipeline import (OBJECTIVES, PLAIN_KD, RunFolder, distill, fingerprint, make_student,
                                 preset_settings, train_teacher)
from tfcompress.tflite import TFLiteClassifier, convert_to_int8

SEED = 0
DATASET = "rotten_tomatoes"
# The default preset, less what the old ablation loop never had: the warm-up of the explanation and
# adversarial terms (1 epoch: full weight from the start) and the measuring monitors.
SETTINGS = {**preset_settings("default"), **PLAIN_KD, "warmup_epochs": 1, "monitor_examples": 0}
STUDENT = SETTINGS["student"]
KD = {"ce_weight": 0.1, "kd_weight": 0.9}
ROWS = {
    "ce": {"ce_weight": 1.0, "kd_weight": 0.0},
    "kd": KD,
    "kd+explain": {**KD, "explain_weight": OBJECTIVES["explain_weight"], "explanation": "saliency"},
    "kd+explain-features": {**KD, "explain_weight": OBJECTIVES["explain_weight"], "explanation": "features"},
    "kd+adv": {**KD, "adversarial_weight": OBJECTIVES["adversarial_weight"], "adversarial_texts": True},
    "all": {**KD, "explain_weight": OBJECTIVES["explain_weight"], "explanation": "saliency",
            "adversarial_weight": OBJECTIVES["adversarial_weight"], "adversarial_texts": True},
}
RECIPES_ATTACKED = ("deepwordbug", "pwws")
QAT_EPOCHS = SETTINGS["qat_epochs"]
TEACHER_RUN = "runs/ablation-teacher"
TEACHER_SETTINGS = ("teacher", "teacher_config", "teacher_epochs", "teacher_learning_rate", "teacher_batch_size",
                    "patience")


def row_settings(row):
    """The recipe's settings for one row: ``adversarial_texts: True`` turns on the preset's discrete
    adversarial texts."""
    texts = OBJECTIVES["adversarial_texts"] if row.get("adversarial_texts") else None
    return {**SETTINGS, **row, "adversarial_texts": texts}


def load_teacher(path, data):
    """The teacher at ``path``, else the default preset's teacher trained once into ``TEACHER_RUN``."""
    if path:
        return load_model(path)
    folder = RunFolder(TEACHER_RUN)
    teacher_settings = {key: SETTINGS[key] for key in TEACHER_SETTINGS}
    folder.prepare(fingerprint({**teacher_settings, "dataset": DATASET, "seed": SEED}))
    if os.path.exists(folder.teacher_path):
        return load_model(folder.teacher_path)
    teacher = train_teacher(SETTINGS, data, SEED, backup_dir=folder.backup("teacher"), verbose=2)
    save_model(teacher, folder.teacher_path)
    return teacher


def new_student(teacher, data):
    """The default preset's untrained student, its embeddings started from the teacher's word vectors."""
    return make_student(SETTINGS, teacher, data, SEED)[0]


def train_row(student, teacher, settings, data, cache, epochs=None, learning_rate=None, stage="distill"):
    """Distil ``student`` with one row's objectives; returns (history, ``FitTimer``, refresh seconds)."""
    timer = FitTimer()
    result = distill(student, teacher, data, settings, seed=SEED, cache=cache, epochs=epochs,
                     learning_rate=learning_rate, stage=stage, verbose=2, callbacks=[timer])
    refreshed = any(isinstance(monitor, AdversarialTextRefresh) for monitor in result.monitors)
    return result.history, timer, (timer.between_epochs_seconds if refreshed else 0.0)


def evaluate(model, tflite_bytes, data, sample, teacher_maps, teacher_classes):
    """Clean accuracy, attacks and fidelity of a Keras student, and of its int8 file if given."""
    from tfcompress.tflite import TFLiteTextClassifier
    from tfcompress.robustness import attack_model

    texts = [data.test.texts[i] for i in sample]
    labels = np.asarray(data.test.labels)[sample]
    target = TFLiteTextClassifier(tflite_bytes, model.encoder) if tflite_bytes is not None else model
    logits = (TFLiteClassifier(tflite_bytes).predict(model.encoder.encode(list(data.test.texts)))
              if tflite_bytes is not None else model.predict_texts(data.test.texts))
    result = {"clean_accuracy": accuracy(logits, data.test.labels)}
    for recipe in RECIPES_ATTACKED:
        attacked = attack_model(target, texts, labels, recipe, seed=SEED, progress=False)
        result[f"{recipe}_accuracy"] = attacked["accuracy_under_attack"]
        result[f"{recipe}_success_rate"] = attacked["attack_success_rate"]
        result[f"{recipe}_seconds_per_example"] = attacked["seconds_per_attacked_example"]
    if tflite_bytes is None:
        words, maps = model.word_importance(texts, target=teacher_classes)
        scores = fidelity(teacher_maps, [{"words": w, "values": m} for w, m in zip(words, maps)])
        result["fidelity_spearman"], result["fidelity_top_k"] = scores["spearman"], scores["top_k_overlap"]
    return result


def quantized(student, teacher, settings, data, cache):
    """QAT: quantize the distilled student and continue the same objectives for ``QAT_EPOCHS``."""
    from tfcompress.quantize import export_qat_int8, quantize_student

    calibration = student.encoder.encode(list(data.train.texts[:512]))
    qat = quantize_student(student, calibration_inputs=calibration)
    train_row(qat, teacher, settings, data, cache, QAT_EPOCHS,
              settings["student_learning_rate"] * settings["qat_learning_rate_scale"], stage="qat")
    return qat, export_qat_int8(qat, student.encoder.encode(list(data.train.texts)))


HEADER = ("objectives", "model", "clean acc.", "DeepWordBug acc.", "PWWS acc.", "fidelity (Spearman)", "int8 bytes",
          "step time vs kd", "epochs")


def markdown(rows):
    """OUT/ablation.md: one line per (objectives, model) row."""
    def line(row):
        accuracy_cells = [cell(row.get(key), "{:.4f}") for key in
                          ("clean_accuracy", "deepwordbug_accuracy", "pwws_accuracy", "fidelity_spearman")]
        return (row["objectives"], row["model"], *accuracy_cells, cell(row.get("int8_bytes"), "{:,}"),
                cell(row.get("step_time_vs_kd"), "{:.2f}x"), cell(row.get("epochs")))

    return markdown_table(HEADER, [line(row) for row in rows]) + "\n"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", help="a trained teacher (.keras), e.g. runs/default/checkpoints/teacher.keras; "
                                          f"default: train the default preset's teacher (kept in {TEACHER_RUN})")
    parser.add_argument("--teacher-cache", default=RunFolder("runs/default").teacher_outputs,
                        help="teacher output cache folder (default: the one of 'make run', runs/default)")
    parser.add_argument("--num-attacked", type=int, default=500)
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run")
    parser.add_argument("--epochs", type=int, default=SETTINGS["student_epochs"])
    parser.add_argument("--no-qat", action="store_true", help="skip the QAT int8 rows")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    return parser.parse_args()


def teacher_word_maps(teacher, texts, cache):
    """The teacher's classes and gradient x input word maps on the attacked sentences."""
    classes = np.argmax(cache.logits(teacher, texts), axis=-1)
    words, maps = teacher.word_importance(texts, target=classes)
    return classes, [{"words": w, "values": m} for w, m in zip(words, maps)]


def ablation_rows(name, teacher, data, cache, sample, teacher_maps, teacher_classes, args):
    """The float, post-training int8 and (unless ``--no-qat``) QAT int8 rows of one objective set,
    and its seconds per training step."""
    settings = row_settings(ROWS[name])
    student = new_student(teacher, data)
    start = time.time()
    history, timer, refresh_seconds = train_row(student, teacher, settings, data, cache, args.epochs)
    int8 = convert_to_int8(student, student.encoder.encode(list(data.train.texts)))
    shared = {"objectives": name, "settings": ROWS[name], "epochs": len(history["loss"]),
              "train_seconds": round(time.time() - start, 1), "step_seconds": round(timer.seconds_per_step, 5),
              "adversarial_refresh_seconds": round(refresh_seconds, 1)}
    rows = [{**shared, "model": "float", **evaluate(student, None, data, sample, teacher_maps, teacher_classes)},
            {**shared, "model": "int8 (post-training)", "int8_bytes": len(int8),
             **evaluate(student, int8, data, sample, teacher_maps, teacher_classes)}]
    if not args.no_qat:
        qat, qat_bytes = quantized(student, teacher, settings, data, cache)
        texts = [data.test.texts[i] for i in sample]
        rows.append({**shared, "model": "QAT int8", "int8_bytes": len(qat_bytes),
                     **evaluate(qat, qat_bytes, data, sample, teacher_maps, teacher_classes),
                     **_fidelity_of(qat, texts, teacher_maps, teacher_classes)})
    return rows, timer.seconds_per_step


def main():
    args = parse_args()
    from tfcompress.offline import use_nltk_data

    use_nltk_data()
    data = datasets.load(DATASET, seed=SEED)
    teacher = load_teacher(args.teacher, data)
    cache = TeacherOutputCache(args.teacher_cache)
    sample = sorted(np.random.RandomState(SEED).choice(len(data.test.texts), args.num_attacked, replace=False).tolist())
    teacher_classes, teacher_maps = teacher_word_maps(teacher, [data.test.texts[i] for i in sample], cache)
    rows, kd_step = [], None
    for name in args.rows.split(","):
        added, step = ablation_rows(name, teacher, data, cache, sample, teacher_maps, teacher_classes, args)
        rows += added
        kd_step = step if name == "kd" else kd_step
        print(json.dumps(rows[-1]), flush=True)
    for row in rows:
        row["step_time_vs_kd"] = round(row["step_seconds"] / kd_step, 3) if kd_step else None
    record = {"dataset": DATASET, "seed": SEED, "student": STUDENT, "teacher": args.teacher or "trained",
              "teacher_test_accuracy": accuracy(cache.logits(teacher, data.test.texts), data.test.labels),
              "num_attacked": args.num_attacked, "attacked_indices": sample, "qat_epochs": QAT_EPOCHS,
              "versions": versions(), "machine": f"{os.cpu_count()} CPU cores", "rows": rows}
    write_json_atomic(record, os.path.join(args.out, "ablation.json"))
    write_text_atomic(markdown(rows), os.path.join(args.out, "ablation.md"))
    print(markdown(rows))


def _fidelity_of(model, texts, teacher_maps, teacher_classes):
    words, maps = model.word_importance(texts, target=teacher_classes)
    scores = fidelity(teacher_maps, [{"words": w, "values": m} for w, m in zip(words, maps)])
    return {"fidelity_spearman": scores["spearman"], "fidelity_top_k": scores["top_k_overlap"]}


if __name__ == "__main__":
    main()
