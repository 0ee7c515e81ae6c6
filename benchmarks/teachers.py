"""What the optional teacher features are worth: the default student distilled from the same fine-tuned MiniLM,
once as the registered teacher and once as a plain callable (logits only).

    .venv/bin/python benchmarks/teachers.py                    # both rows, student seeds 0 1 2 (hours on 2 CPU cores)
    .venv/bin/python benchmarks/teachers.py --rows registered --seeds 0  # one row, one seed

Rows (each a fresh `python -m tfcompress run --preset default` process on the bundled rotten_tomatoes, seed 0, so
the same split, and ``--student-seed S`` for each student seed; the seeds of a row share one run folder, so the
registered teacher is fine-tuned once and reused):

- ``registered``: ``--teacher minilm``, fine-tuned in the run; every teacher feature on (its word vectors start the
  student's embeddings and find the transfer set's substitution neighbours).
- ``callable``: the ``registered`` row's fine-tuned MiniLM (its ``checkpoints/teacher.keras``) given as
  ``--teacher teachers:minilm_function``, a plain Python function from texts to logits: no word vectors, no
  gradients; what the run switched off is in its ``teacher.features.switched_off``. (A SavedModel of this teacher
  would need its WordPiece tokenizer in TensorFlow ops; tfcompress tokenizes in NumPy, so the callable is the form
  measured.)

Per row and seed: the teacher's and the int8 student's clean test accuracy, the int8 student's accuracy under
DeepWordBug and PWWS, each stage's seconds, and what was switched off. Written to ``OUT/teachers.json`` and
``OUT/teachers.md`` with the callable row's difference from the registered one, seed by seed and as the mean over the
seeds both rows have (the acceptance: within 1.5 points of clean accuracy). A finished row and seed is kept in
``OUT/.teachers.partial/`` and not run again; the runs go in order registered, callable for seed 0, then seed 1 ...,
so an interrupted benchmark has paired rows to compare.
"""
import argparse
import json
import os
import subprocess
import sys

from common import ResumableCache, cell, markdown_table
from main_job import measured_on
from teacher_gap import MAX_GAP_POINTS, gap_summary

from tfcompress.atomic import write_json_atomic, write_text_atomic

ROWS = ("registered", "callable")
SEEDS = (0, 1, 2)
TEACHER_PATH_VARIABLE = "TFCOMPRESS_BENCHMARK_TEACHER"  # read by teacher_function/teachers.py
ATTACKS = ("deepwordbug", "pwws")


def registered_teacher(workspace, python):
    """The registered row's fine-tuned MiniLM, which the callable row wraps. On a machine without the registered
    row's run folder (its rows committed elsewhere), that run is repeated without its measurements to fine-tune it
    again: same split, seed and settings, so the same teacher up to the machine's floating-point rounding."""
    folder = workspace.path("registered")
    teacher = os.path.join(folder, "checkpoints", "teacher.keras")
    if not os.path.exists(teacher):
        command = [python, "-m", "tfcompress", "run", "--preset", "default", "--seed", "0", "--teacher", "minilm",
                   "--out", folder, "--skip", "robustness", "--skip", "explanations", "--skip", "personalization"]
        print(f"[teachers] the registered teacher is not here; fine-tuning it: {' '.join(command)}", file=sys.stderr,
              flush=True)
        subprocess.run(command, check=True)
    if not os.path.exists(teacher):
        raise FileNotFoundError(f"the registered run left no teacher at {teacher}")
    return teacher


def run_row(name, seed, workspace, python):
    out = workspace.path(name)
    command = [python, "-m", "tfcompress", "run", "--preset", "default", "--seed", "0", "--student-seed", str(seed),
               "--out", out]
    environment = dict(os.environ)
    if name == "callable":
        teacher = registered_teacher(workspace, python)
        command += ["--teacher", "teachers:minilm_function"]
        # Only this folder goes on the path: a benchmark script's name could shadow a package the run imports.
        function_folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "teacher_function")
        environment.update({TEACHER_PATH_VARIABLE: teacher, "PYTHONPATH": os.pathsep.join(
            filter(None, [function_folder, environment.get("PYTHONPATH")]))})
    else:
        command += ["--teacher", "minilm"]
    print(f"[teachers] {name}: {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True, env=environment)
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        return summarize(name, seed, json.load(handle), " ".join(command[1:]))


def summarize(name, seed, metrics, command):
    """One row of the table from a run's metrics.json."""
    attacked = metrics["robustness"]["models"]["student_tflite"] if isinstance(metrics["robustness"], dict) else {}
    teacher = metrics["teacher"]
    return {"row": name, "student_seed": seed, "command": command, **measured_on(),
            "teacher_test_accuracy": teacher["test_accuracy"],
            "int8_test_accuracy": metrics["tflite"]["test_accuracy"],
            **{f"int8_{attack}_accuracy": attacked.get(attack, {}).get("accuracy_under_attack") for attack in ATTACKS},
            "stage_seconds": {stage: values["seconds"] for stage, values in metrics["stages"].items()},
            "switched_off": teacher.get("features", {}).get("switched_off", [])}


def report(rows):
    """The markdown table and the callable row's gap to the registered one."""
    table = markdown_table(
        ("row", "student seed", "teacher acc", "int8 acc", *(f"int8 {attack}" for attack in ATTACKS), "distill s",
         "total s", "switched off"),
        [(row["row"], cell(row.get("student_seed", 0)), cell(row["teacher_test_accuracy"], "{:.4f}"),
          cell(row["int8_test_accuracy"], "{:.4f}"),
          *(cell(row[f"int8_{attack}_accuracy"], "{:.4f}") for attack in ATTACKS),
          cell(row["stage_seconds"].get("distill"), "{:.0f}"), cell(sum(row["stage_seconds"].values()), "{:.0f}"),
          ", ".join(change["setting"] for change in row["switched_off"]) or "-") for row in rows])
    summary = gap_summary(rows)
    if summary is not None:
        per_seed = ", ".join(f"seed {seed} {gap:+.2f}" for seed, gap in summary["points_by_seed"].items())
        table += (f"\nCallable minus registered, int8 clean accuracy: {summary['mean_points']:+.2f} points, the mean "
                  f"over student seeds {summary['seeds']} ({per_seed}; "
                  f"{'within' if summary['within'] else 'outside'} {MAX_GAP_POINTS} points).\n")
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS), help="student seeds (--student-seed)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    workspace = ResumableCache(os.path.join(args.out, ".teachers.partial"))
    committed = committed_rows(args.out)
    rows = []
    for seed in args.seeds:
        for name in ROWS:
            key = {"row": name, "student_seed": seed}
            row = workspace.load(f"{name}-seed{seed}.json", key) or committed.get((name, seed))
            if row is None and name in args.rows:
                row = workspace.keep(f"{name}-seed{seed}.json", key, run_row(name, seed, workspace, sys.executable))
                write_results(rows + [row], args.out)
            if row is not None:
                rows.append(row)
    write_results(rows, args.out)
    print(report(rows))


def committed_rows(out):
    """The rows already in ``OUT/teachers.json`` by (row, student seed): a benchmark resumed on another machine (no
    partial folder) keeps them. Rows written before rows had student seeds are not reused."""
    path = os.path.join(out, "teachers.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return {(row["row"], row["student_seed"]): row for row in json.load(handle) if "student_seed" in row}


def write_results(rows, out):
    write_json_atomic(rows, os.path.join(out, "teachers.json"))
    write_text_atomic("# Registered vs callable teacher\n\n" + report(rows), os.path.join(out, "teachers.md"))


if __name__ == "__main__":
    main()
