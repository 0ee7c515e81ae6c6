"""One exploration row from a finished run folder: the settings it ran with, validation and test accuracy of each
model, the int8 file's size, its agreement with the QAT model and how exactly its contributions add up to its logits,
and each stage's seconds.

Usage:
    .venv/bin/python scripts/record_run.py RUN_FOLDER --command "tfcompress run ..." [--note TEXT]
        [--results benchmarks/results/explore/pooling.jsonl]

The row is appended to ``--results`` (one JSON line, written atomically) with the commit and machine it was measured
on, in the format of the rows rendered into docs/datasets.md.
"""
import argparse
import json
import os
import sys

from tfcompress.atomic import append_json_line_atomic

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks"))
from main_job import measured_on  # noqa: E402


def run_row(folder, command, note=None, code=None):
    """The row of the run in ``folder`` (its metrics.json); ``code``: the commit it ran on, when not this one."""
    with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    models = ("baseline", "teacher", "student", "qat", "tflite")
    present = {name: metrics[name] for name in models if isinstance(metrics.get(name), dict)}
    tflite = present.get("tflite", {})
    row = {"command": command, **measured_on(), **({"code": code} if code else {}),
           "pooling": metrics["settings"]["student"]["model"].get("pooling"),
           "max_length": metrics["dataset"]["max_length"]["student"],
           "validation_accuracy": {name: values["validation_accuracy"] for name, values in present.items()
                                   if values.get("validation_accuracy") is not None},
           "test_accuracy": {name: values["test_accuracy"] for name, values in present.items()
                             if values.get("test_accuracy") is not None},
           "tflite_bytes": tflite.get("bytes"), "parity": tflite.get("parity"),
           "decomposition": (tflite.get("contributions") or {}).get("decomposition"),
           "total_seconds": round(sum(stage["seconds"] for stage in metrics["stages"].values()), 2),
           "stage_seconds": {name: stage["seconds"] for name, stage in metrics["stages"].items()}}
    return {**row, "note": note} if note else row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--command", required=True, help="the command that made the run, as a reader would type it")
    parser.add_argument("--note")
    parser.add_argument("--code", help="the commit the run was made on (default: this checkout's)")
    parser.add_argument("--results", default="benchmarks/results/explore/pooling.jsonl")
    args = parser.parse_args()
    row = run_row(args.run, args.command, args.note, args.code)
    append_json_line_atomic(row, args.results)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
