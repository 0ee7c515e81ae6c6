"""How well a student can read a dataset: the student trained on the labels alone (no teacher), one JSON line per
setting (used to choose the student's settings for long documents and many classes).

Usage:
    .venv/bin/python scripts/explore_dataset_student.py TAG --dataset newsgroups_long [--preset quick]
        [--student bag] [--settings JSON] [--student-config JSON] [--epochs 10] [--results results.jsonl]

Trains the preset's student with cross-entropy (``tfcompress.pipeline.recipe.train_baseline``: the recipe's fit
loop, best validation epoch kept) at the run's fitted ``max_length`` unless ``--student-config`` sets one, and
records its validation accuracy (compare the run's TF-IDF baseline on the same split, ``metrics.json`` ``baseline``).
A student that is far from the baseline trained on labels is unlikely to reach it distilled, so a row of seconds
says which student settings are worth a full run.
"""
import argparse
import json
import time

from tfcompress import datasets
from tfcompress.atomic import append_json_line_atomic
from tfcompress.datasets.lengths import fit_max_length
from tfcompress.evaluation import accuracy
from tfcompress.pipeline import preset_settings
from tfcompress.pipeline.recipe import train_baseline


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--dataset", default="newsgroups_long")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--student", default=None, help="a registered student (default: the preset's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", type=json.loads, default={})
    parser.add_argument("--student-config", type=json.loads, default={})
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--results", default="explore_dataset_student.jsonl")
    args = parser.parse_args()
    data = datasets.load(args.dataset, seed=args.seed)
    settings = preset_settings(args.preset, student=args.student)
    config = {**settings.student.model, "max_length": fit_max_length(data.train.texts), **args.student_config}
    settings = settings.with_changes({**args.settings, "student.model": config, "student.epochs": args.epochs})
    started = time.time()
    student = train_baseline(settings, data, seed=args.seed)
    seconds = round(time.time() - started)
    row = {"tag": args.tag, "dataset": args.dataset, "preset": args.preset, "student": settings.student.name,
           "learning_rate": settings.student.learning_rate, "seed": args.seed,
           "settings": args.settings, "student_config": config, "epochs": args.epochs,
           "params": int(student.count_params()),
           "validation": accuracy(student.predict_texts(data.validation.texts), data.validation.labels),
           "seconds": seconds}
    print(json.dumps(row), flush=True)
    append_json_line_atomic(row, args.results)


if __name__ == "__main__":
    main()
