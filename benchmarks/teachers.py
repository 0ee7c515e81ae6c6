"""What the optional teacher features are worth: the default student distilled from the same fine-tuned MiniLM,
once as the registered teacher and once as a plain callable (logits only).

    .venv/bin/python benchmarks/teachers.py                    # both rows (hours on 2 CPU cores)
    .venv/bin/python benchmarks/teachers.py --rows registered  # one row

Rows (each a fresh `python -m tfcompress run --preset default` process on the bundled rotten_tomatoes, seed 0, so
the same split):

- ``registered``: ``--teacher minilm``, fine-tuned in the run; every teacher feature on (its word vectors start the
  student's embeddings and find the transfer set's substitution neighbours).
- ``callable``: the ``registered`` row's fine-tuned MiniLM (its ``checkpoints/teacher.keras``) given as
  ``--teacher teachers:minilm_function``, a plain Python function from texts to logits: no word vectors, no
  gradients; what the run switched off is in its ``teacher.features.switched_off``. (A SavedModel of this teacher
  would need its WordPiece tokenizer in TensorFlow ops; tfcompress tokenizes in NumPy, so the callable is the form
  measured.)

Per row: the teacher's and the int8 student's clean test accuracy, the int8 student's accuracy under DeepWordBug
and PWWS, each stage's seconds, and what was switched off. Written to ``OUT/teachers.json`` and
``OUT/teachers.md`` with the callable row's difference from the registered one (the acceptance: within 1.5 points
of clean accuracy). A finished row is kept in ``OUT/.teachers.partial/`` and not run again.
"""
import argparse
import json
import os
import subprocess
import sys

from common import ResumableCache, cell, markdown_table
from main_job import measured_on

from tfcompress.atomic import write_json_atomic, write_text_atomic

ROWS = ("registered", "callable")
TEACHER_PATH_VARIABLE = "TFCOMPRESS_BENCHMARK_TEACHER"
ATTACKS = ("deepwordbug", "pwws")
MAX_GAP_POINTS = 1.5


class _SavedTeacherFunction:
    """A saved tfcompress teacher called as a plain function (texts -> logits), loaded on its first call from the
    path in ``TFCOMPRESS_BENCHMARK_TEACHER``: what a user with only a callable classifier gives the run."""

    def __init__(self):
        self.model = None
        self.__name__ = "minilm_function"

    def __call__(self, texts):
        if self.model is None:
            from tfcompress.models import load_model

            self.model = load_model(os.environ[TEACHER_PATH_VARIABLE])
        return self.model.predict_texts(list(texts))


minilm_function = _SavedTeacherFunction()


def run_row(name, workspace, python):
    out = workspace.path(name)
    command = [python, "-m", "tfcompress", "run", "--preset", "default", "--seed", "0", "--out", out]
    environment = dict(os.environ)
    if name == "callable":
        teacher = os.path.join(workspace.path("registered"), "checkpoints", "teacher.keras")
        if not os.path.exists(teacher):
            raise FileNotFoundError(f"the callable row wraps the registered row's teacher: run that row first ({teacher})")
        command += ["--teacher", "teachers:minilm_function"]
        benchmarks = os.path.dirname(os.path.abspath(__file__))
        environment.update({TEACHER_PATH_VARIABLE: teacher,
                            "PYTHONPATH": os.pathsep.join(filter(None, [benchmarks, environment.get("PYTHONPATH")]))})
    else:
        command += ["--teacher", "minilm"]
    print(f"[teachers] {name}: {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, check=True, env=environment)
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        return summarize(name, json.load(handle), " ".join(command[1:]))


def summarize(name, metrics, command):
    """One row of the table from a run's metrics.json."""
    attacked = metrics["robustness"]["models"]["student_tflite"] if isinstance(metrics["robustness"], dict) else {}
    teacher = metrics["teacher"]
    return {"row": name, "command": command, **measured_on(),
            "teacher_test_accuracy": teacher["test_accuracy"],
            "int8_test_accuracy": metrics["tflite"]["test_accuracy"],
            **{f"int8_{attack}_accuracy": attacked.get(attack, {}).get("accuracy_under_attack") for attack in ATTACKS},
            "stage_seconds": {stage: values["seconds"] for stage, values in metrics["stages"].items()},
            "switched_off": teacher.get("features", {}).get("switched_off", [])}


def report(rows):
    """The markdown table and the callable row's gap to the registered one."""
    table = markdown_table(
        ("row", "teacher acc", "int8 acc", *(f"int8 {attack}" for attack in ATTACKS), "distill s", "total s",
         "switched off"),
        [(row["row"], cell(row["teacher_test_accuracy"], "{:.4f}"), cell(row["int8_test_accuracy"], "{:.4f}"),
          *(cell(row[f"int8_{attack}_accuracy"], "{:.4f}") for attack in ATTACKS),
          cell(row["stage_seconds"].get("distill"), "{:.0f}"), cell(sum(row["stage_seconds"].values()), "{:.0f}"),
          ", ".join(change["setting"] for change in row["switched_off"]) or "-") for row in rows])
    by_name = {row["row"]: row for row in rows}
    if set(ROWS) <= set(by_name):
        gap = 100 * (by_name["callable"]["int8_test_accuracy"] - by_name["registered"]["int8_test_accuracy"])
        table += (f"\nCallable minus registered, int8 clean accuracy: {gap:+.2f} points "
                  f"({'within' if abs(gap) <= MAX_GAP_POINTS else 'outside'} {MAX_GAP_POINTS} points).\n")
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = parser.parse_args()
    workspace = ResumableCache(os.path.join(args.out, ".teachers.partial"))
    rows = []
    for name in ROWS:
        row = workspace.load(f"{name}.json", name)
        if row is None and name in args.rows:
            row = workspace.keep(f"{name}.json", name, run_row(name, workspace, sys.executable))
        if row is not None:
            rows.append(row)
    write_json_atomic(rows, os.path.join(args.out, "teachers.json"))
    write_text_atomic("# Registered vs callable teacher\n\n" + report(rows), os.path.join(args.out, "teachers.md"))
    print(report(rows))


if __name__ == "__main__":
    main()
