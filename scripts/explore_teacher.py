"""One exploratory fine-tune of a preset's teacher on a bundled dataset's split, appended as a JSON line.

Usage:
    .venv/bin/python scripts/explore_teacher.py TAG [--seed 0] [--settings JSON] [--config JSON]
        [--dataset rotten_tomatoes] [--preset default] [--results benchmarks/results/explore/teacher_validation.jsonl]

``--settings`` overrides the preset's teacher settings (dotted keys: ``teacher.learning_rate``, ``teacher.epochs``,
``teacher.batch_size``, ``teacher.optimizer.warmup``), ``--config`` the teacher's constructor arguments (e.g.
``{"max_length": 64}``); ``--seed`` fixes the initialization of the classification head and the shuffling. Records
the validation accuracy after each epoch and the test accuracy of the kept (best validation) epoch, so that a
teacher recipe is chosen on validation; the test figure is reported, never used to choose.
"""
import argparse
import json
import os
import time

from tfcompress import datasets
from tfcompress.atomic import append_json_line_atomic
from tfcompress.backend import keras
from tfcompress.evaluation import accuracy
from tfcompress.pipeline import preset_settings
from tfcompress.pipeline.recipe import train_teacher


class ValidationPerEpoch(keras.callbacks.Callback):
    """Keeps ``val_accuracy`` after every epoch."""

    def __init__(self):
        super().__init__()
        self.values = []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(float((logs or {}).get("val_accuracy", float("nan"))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", type=json.loads, default={})
    parser.add_argument("--config", type=json.loads, default={})
    parser.add_argument("--dataset", default="rotten_tomatoes")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--results", default=os.path.join("benchmarks", "results", "explore",
                                                          "teacher_validation.jsonl"))
    args = parser.parse_args()
    data = datasets.load(args.dataset, seed=0)
    settings = preset_settings(args.preset).with_changes(args.settings)
    settings = settings.with_changes({"teacher.model": {**settings.teacher.model, **args.config}})
    per_epoch = ValidationPerEpoch()
    started = time.time()
    teacher = train_teacher(settings, data, seed=args.seed, callbacks=[per_epoch])
    row = {"tag": args.tag, "dataset": args.dataset, "preset": args.preset, "seed": args.seed,
           "settings": args.settings, "config": args.config,
           "validation_per_epoch": per_epoch.values,
           "validation": accuracy(teacher.predict_texts(data.validation.texts), data.validation.labels),
           "test": accuracy(teacher.predict_texts(data.test.texts), data.test.labels),
           "seconds": round(time.time() - started)}
    append_json_line_atomic(row, args.results)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
