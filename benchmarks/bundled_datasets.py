"""Each bundled dataset through the quick and default presets, against the TF-IDF baseline every run fits.

    .venv/bin/python benchmarks/bundled_datasets.py                              # every row (hours: the default rows)
    .venv/bin/python benchmarks/bundled_datasets.py --presets quick              # the quick rows (minutes each)
    .venv/bin/python benchmarks/bundled_datasets.py --datasets trec --presets quick
    .venv/bin/python benchmarks/bundled_datasets.py --presets quick --rerun      # measure the quick rows again

Rows: bundled dataset x preset, each a fresh ``python -m tfcompress run --dataset NAME --preset PRESET --seed 0``
process into an empty folder, every stage on at the preset's sizes (the personalization stage where the data has
a user column, else on Dirichlet clients of the test split). Per row: the teacher's, the float student's and the
int8 student's test accuracy, the baseline's (TF-IDF + logistic regression on the same split), the int8 student's
gap to it, the wall seconds of the process and of each stage, the share of training texts each model truncates,
and whether the row meets its target:

- quick: the int8 student within ``QUICK_GAP`` points of the baseline (or above it), in at most ``QUICK_SECONDS``;
- default: within ``DEFAULT_GAP`` points.

Written to ``OUT/datasets.json`` and ``OUT/datasets.md``; a finished row is kept in ``OUT/.datasets.partial/``
and not run again unless ``--rerun`` asks for it (an interrupted row starts over from an empty folder, so its time
stays a cold run's).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from common import ResumableCache, cell, markdown_table
from main_job import measured_on

from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.datasets import available

PRESETS = ("quick", "default")
QUICK_GAP, DEFAULT_GAP, QUICK_SECONDS = 8.0, 3.0, 300


def run_row(dataset, preset, workspace, python):
    out = workspace.path(f"{dataset}-{preset}")
    shutil.rmtree(out, ignore_errors=True)
    command = [python, "-m", "tfcompress", "run", "--dataset", dataset, "--preset", preset, "--seed", "0", "--out", out]
    print(f"[datasets] {dataset} {preset}: {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.time()
    subprocess.run(command, check=True)
    wall = round(time.time() - started, 1)
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        return summarize(dataset, preset, json.load(handle), wall, " ".join(command[1:]))


def summarize(dataset, preset, metrics, wall, command):
    """One row from a run's metrics.json."""
    accuracy = {name: metrics[name]["test_accuracy"] if isinstance(metrics.get(name), dict) else None
                for name in ("baseline", "teacher", "student", "tflite")}
    gap = None if None in (accuracy["tflite"], accuracy["baseline"]) else \
        round(100 * (accuracy["tflite"] - accuracy["baseline"]), 2)
    allowed = QUICK_GAP if preset == "quick" else DEFAULT_GAP
    row = {"dataset": dataset, "preset": preset, "command": command, **measured_on(),
           "classes": len(metrics["dataset"]["classes"]), "splits": metrics["dataset"]["splits"],
           "models": {role: metrics[role].get("name") if isinstance(metrics.get(role), dict) else None
                      for role in ("teacher", "student")},
           "tflite_bytes": metrics["tflite"].get("bytes") if isinstance(metrics.get("tflite"), dict) else None,
           "test_accuracy": accuracy, "int8_minus_baseline_points": gap,
           "max_length": {role: metrics["dataset"]["max_length"][role] for role in ("student", "teacher")},
           "truncated_share": metrics["dataset"]["max_length"]["truncated_share"],
           "wall_seconds": wall, "stage_seconds": {stage: values["seconds"] for stage, values in metrics["stages"].items()},
           "peak_rss_mb": metrics["peak_rss_mb"], "target_gap_points": allowed,
           "within_gap": gap is not None and gap >= -allowed}
    if preset == "quick":
        row.update(target_seconds=QUICK_SECONDS, within_time=wall <= QUICK_SECONDS)
    return row


def report(rows):
    header = ("dataset", "preset", "classes", "baseline", "teacher", "student", "int8", "int8 - baseline (target)",
              "truncated (student / teacher)", "wall s (target)", "slowest stages")
    lines = []
    for row in rows:
        accuracy, truncated = row["test_accuracy"], row["truncated_share"]
        slowest = sorted(row["stage_seconds"].items(), key=lambda item: -item[1])[:3]
        lines.append((row["dataset"], row["preset"], row["classes"],
                      *(cell(accuracy[name], "{:.4f}") for name in ("baseline", "teacher", "student", "tflite")),
                      f"{cell(row['int8_minus_baseline_points'], '{:+.1f}')} (>= -{row['target_gap_points']:g}: "
                      f"{'met' if row['within_gap'] else 'not met'})",
                      f"{truncated.get('student', 0):.1%} / {truncated.get('teacher', 0):.1%}",
                      f"{row['wall_seconds']:.0f}" + (f" ({row['target_seconds']}: "
                                                      f"{'met' if row['within_time'] else 'not met'})"
                                                      if "target_seconds" in row else ""),
                      ", ".join(f"{stage} {seconds:.0f}" for stage, seconds in slowest)))
    return markdown_table(header, lines)


def committed_rows(path):
    """The rows of an earlier ``datasets.json`` (committed row by row, so another machine resumes from them)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return {(row["dataset"], row["preset"]): row for row in json.load(handle)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=sorted(available()), default=sorted(available()))
    parser.add_argument("--presets", nargs="+", choices=PRESETS, default=list(PRESETS))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    parser.add_argument("--rerun", action="store_true",
                        help="measure the chosen rows again even when they were finished (after a change to the package)")
    args = parser.parse_args()
    workspace = ResumableCache(os.path.join(args.out, ".datasets.partial"))
    committed = committed_rows(os.path.join(args.out, "datasets.json"))
    rows = []
    for preset in PRESETS:
        for dataset in sorted(available()):
            name, key = f"{dataset}-{preset}.json", [dataset, preset]
            chosen = dataset in args.datasets and preset in args.presets
            row = None if chosen and args.rerun else workspace.load(name, key) or committed.get((dataset, preset))
            if row is None and chosen:
                row = workspace.keep(name, key, run_row(dataset, preset, workspace, sys.executable))
            if row is not None:
                rows.append(row)
            write_json_atomic(rows, os.path.join(args.out, "datasets.json"))
            write_text_atomic("# Bundled datasets: quick and default presets against the TF-IDF baseline\n\n"
                              + report(rows), os.path.join(args.out, "datasets.md"))
    print(report(rows))


if __name__ == "__main__":
    main()
