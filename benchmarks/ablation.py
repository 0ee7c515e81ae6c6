"""Ablation of the three-objective Distiller on rotten_tomatoes, with the default preset's student.

Usage: NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/ablation.py [--teacher runs/default/checkpoints/teacher.keras]
           [--num-attacked 500] [--rows kd,all] [--out benchmarks/results]

Rows (same seed, data, transfer set, embedding start and epoch budget as the default preset):
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

from tfcompress import datasets
from tfcompress.backend import keras, versions
from tfcompress.distill import (AdversarialTextPool, AdversarialTextRefresh, BestWeights, Distiller,
                                TeacherExplanations, distillation_dataset, init_embeddings_from_teacher,
                                teacher_lexicon)
from tfcompress.distill.augment import with_transfer_copies
from tfcompress.explain import fidelity
from tfcompress.export import TFLiteClassifier, accuracy, convert_to_int8
from tfcompress.models import TeacherOutputCache, build_student, load_model
from tfcompress.pipeline import PRESETS, RECIPES, _OBJECTIVES

PRESET = PRESETS["default"]
STUDENT = PRESET["student"]
RECIPE = RECIPES["default"][STUDENT]
SEED = 0
KD = {"ce_weight": 0.1, "kd_weight": 0.9}
ROWS = {
    "ce": {"ce_weight": 1.0, "kd_weight": 0.0},
    "kd": KD,
    "kd+explain": {**KD, "explain_weight": _OBJECTIVES["explain_weight"], "explanation": "saliency"},
    "kd+explain-features": {**KD, "explain_weight": _OBJECTIVES["explain_weight"], "explanation": "features"},
    "kd+adv": {**KD, "adversarial_weight": _OBJECTIVES["adversarial_weight"], "adversarial_texts": True},
    "all": {**KD, "explain_weight": _OBJECTIVES["explain_weight"], "explanation": "saliency",
            "adversarial_weight": _OBJECTIVES["adversarial_weight"], "adversarial_texts": True},
}
RECIPES_ATTACKED = ("deepwordbug", "pwws")
QAT_EPOCHS = 2


class StepTimer(keras.callbacks.Callback):
    """Seconds spent in training batches (not validation, not other callbacks' epoch work)."""

    def __init__(self):
        super().__init__()
        self.seconds, self.steps, self._start = 0.0, 0, None

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.seconds += time.perf_counter() - self._start
        self.steps += 1


def load_teacher(path, data):
    if path:
        return load_model(path)
    from tfcompress.pipeline import Run, RunConfig

    run = Run(RunConfig(out="runs/ablation-teacher", preset="default", seed=SEED))
    run.data = data
    return run.train_teacher()[0]


def make_student(teacher, data):
    keras.utils.set_random_seed(SEED)
    student = build_student(STUDENT, num_classes=data.num_classes, **RECIPE["config"])
    if PRESET["embedding_init"] == "teacher" and hasattr(student, "embedding"):
        init_embeddings_from_teacher(student, teacher, data.train.texts, teacher_lexicon(teacher), SEED)
    return student


def distill(student, teacher, settings, data, cache, epochs, learning_rate):
    """Fit ``student`` with one row's objectives; returns (history, step timer, refresh seconds)."""
    compile_args = {key: value for key, value in settings.items() if key != "adversarial_texts"}
    compile_args.setdefault("adversarial_steps", _OBJECTIVES["adversarial_steps"])
    compile_args.setdefault("adversarial_epsilon", _OBJECTIVES["adversarial_epsilon"])
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(keras.optimizers.Adam(learning_rate), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                      temperature=PRESET["temperature"], **compile_args)
    train = with_transfer_copies(data.train, PRESET["transfer_copies"], SEED)
    explanations = None
    if settings.get("explain_weight"):
        explanations = TeacherExplanations(teacher, settings["explanation"], student.max_length, cache=cache)
    first = min(len(data.train.texts), _OBJECTIVES["explain_examples"])
    pool = AdversarialTextPool(student) if settings.get("adversarial_texts") else None
    train_data = distillation_dataset(train, student, teacher, RECIPE["batch_size"], True, SEED,
                                      teacher_logits=cache.logits(teacher, train.texts),
                                      explanations=explanations and explanations.compute(train.texts, first=first),
                                      adversarial_pool=pool)
    validation = distillation_dataset(data.validation, student, teacher, 256,
                                      teacher_logits=cache.logits(teacher, data.validation.texts),
                                      explanations=explanations and explanations.compute(data.validation.texts))
    timer = StepTimer()
    callbacks = [timer, keras.callbacks.EarlyStopping("val_accuracy", mode="max", patience=PRESET["patience"]),
                 BestWeights("val_accuracy", "max", target=student)]
    refresh = None
    if pool is not None:
        options = _OBJECTIVES["adversarial_texts"]
        refresh = AdversarialTextRefresh(pool, options["recipes"], options["num_examples"], options["every"],
                                         options["query_budget"], SEED)
        callbacks.insert(0, _Timed(refresh))
    history = distiller.fit(train_data, validation_data=validation, epochs=epochs, verbose=2, callbacks=callbacks)
    return history.history, timer, (callbacks[0].seconds if refresh is not None else 0.0)


class _Timed(keras.callbacks.Callback):
    """Wraps a callback and adds up the seconds its hooks take."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seconds = inner, 0.0

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def _call(self, name, *args):
        start = time.perf_counter()
        getattr(self.inner, name)(*args)
        self.seconds += time.perf_counter() - start

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)


def evaluate(model, tflite_bytes, data, sample, teacher_maps, teacher_classes):
    """Clean accuracy, attacks and fidelity of a Keras student, and of its int8 file if given."""
    from tfcompress.robustness import TFLiteTextClassifier, attack_model

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
    distill(qat, teacher, settings, data, cache, QAT_EPOCHS, RECIPE["learning_rate"] / 4)
    return qat, export_qat_int8(qat, student.encoder.encode(list(data.train.texts)))


def markdown(rows):
    header = ("| objectives | model | clean acc. | DeepWordBug acc. | PWWS acc. | fidelity (Spearman) | "
              "int8 bytes | step time vs kd | epochs |")
    lines = [header, "|" + "---|" * 9]
    for row in rows:
        cell = lambda key, fmt="{:.4f}": fmt.format(row[key]) if row.get(key) is not None else "-"  # noqa: E731
        lines.append(f"| {row['objectives']} | {row['model']} | {cell('clean_accuracy')} | "
                     f"{cell('deepwordbug_accuracy')} | {cell('pwws_accuracy')} | {cell('fidelity_spearman')} | "
                     f"{cell('int8_bytes', '{:,}')} | {cell('step_time_vs_kd', '{:.2f}x')} | {cell('epochs', '{}')} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", help="a trained teacher (.keras), e.g. runs/default/checkpoints/teacher.keras; "
                                          "default: train the default preset's teacher")
    parser.add_argument("--teacher-cache", default="runs/default/checkpoints/teacher_outputs",
                        help="teacher output cache folder (shared with 'make run')")
    parser.add_argument("--num-attacked", type=int, default=500)
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--no-qat", action="store_true", help="skip the QAT int8 rows")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()
    from tfcompress.offline import use_nltk_data

    use_nltk_data()
    data = datasets.load("rotten_tomatoes", seed=SEED)
    teacher = load_teacher(args.teacher, data)
    cache = TeacherOutputCache(args.teacher_cache)
    sample = sorted(np.random.RandomState(SEED).choice(len(data.test.texts), args.num_attacked, replace=False).tolist())
    texts = [data.test.texts[i] for i in sample]
    teacher_classes = np.argmax(cache.logits(teacher, texts), axis=-1)
    words, maps = teacher.word_importance(texts, target=teacher_classes)
    teacher_maps = [{"words": w, "values": m} for w, m in zip(words, maps)]
    rows, kd_step = [], None
    for name in args.rows.split(","):
        settings = ROWS[name]
        student = make_student(teacher, data)
        start = time.time()
        history, timer, refresh_seconds = distill(student, teacher, settings, data, cache, args.epochs,
                                                  RECIPE["learning_rate"])
        step = timer.seconds / max(timer.steps, 1)
        kd_step = step if name == "kd" else kd_step
        int8 = convert_to_int8(student, student.encoder.encode(list(data.train.texts)))
        common = {"objectives": name, "settings": settings, "epochs": len(history["loss"]),
                  "train_seconds": round(time.time() - start, 1), "step_seconds": round(step, 5),
                  "adversarial_refresh_seconds": round(refresh_seconds, 1)}
        rows.append({**common, "model": "float", **evaluate(student, None, data, sample, teacher_maps, teacher_classes)})
        rows.append({**common, "model": "int8 (post-training)", "int8_bytes": len(int8),
                     **evaluate(student, int8, data, sample, teacher_maps, teacher_classes)})
        if not args.no_qat:
            qat, qat_bytes = quantized(student, teacher, settings, data, cache)
            rows.append({**common, "model": "QAT int8", "int8_bytes": len(qat_bytes),
                         **evaluate(qat, qat_bytes, data, sample, teacher_maps, teacher_classes)})
            rows[-1].update(_fidelity_of(qat, texts, teacher_maps, teacher_classes))
        print(json.dumps(rows[-1]), flush=True)
    for row in rows:
        row["step_time_vs_kd"] = round(row["step_seconds"] / kd_step, 3) if kd_step else None
    os.makedirs(args.out, exist_ok=True)
    record = {"dataset": "rotten_tomatoes", "seed": SEED, "student": STUDENT, "teacher": args.teacher or "trained",
              "teacher_test_accuracy": accuracy(cache.logits(teacher, data.test.texts), data.test.labels),
              "num_attacked": args.num_attacked, "attacked_indices": sample, "qat_epochs": QAT_EPOCHS,
              "versions": versions(), "machine": f"{os.cpu_count()} CPU cores", "rows": rows}
    with open(os.path.join(args.out, "ablation.json"), "w") as handle:
        json.dump(record, handle, indent=2)
    with open(os.path.join(args.out, "ablation.md"), "w") as handle:
        handle.write(markdown(rows))
    print(markdown(rows))


def _fidelity_of(model, texts, teacher_maps, teacher_classes):
    words, maps = model.word_importance(texts, target=teacher_classes)
    scores = fidelity(teacher_maps, [{"words": w, "values": m} for w, m in zip(words, maps)])
    return {"fidelity_spearman": scores["spearman"], "fidelity_top_k": scores["top_k_overlap"]}


if __name__ == "__main__":
    main()
