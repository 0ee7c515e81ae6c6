"""How long the main job takes, stage by stage, on this machine: `tfcompress run` as a user runs it.

    .venv/bin/python benchmarks/main_job.py                      # all rows
    .venv/bin/python benchmarks/main_job.py --rows quick_cold    # one row

Rows (each a fresh `python -m tfcompress run` process, with every stage on at the preset's sizes):

- ``quick_cold``: ``--preset quick`` into an empty folder (nothing trained, nothing cached);
- ``default_cold``: ``--preset default`` (what ``make run`` runs) into an empty folder;
- ``default_warm``: ``--preset default`` into a folder holding only the teacher and its cached outputs from
  ``default_cold`` (what a user who tries another student or other loss weights gets): everything else,
  from the student's set-up to personalization, is computed again.

Written to ``OUT/main_job.json`` and ``OUT/main_job.md``: wall seconds of the process, the run's own
``total_seconds``, each stage's status, seconds and peak resident memory, the distill stage's profile
(``distill.seconds``) and the machine. A finished row is kept in ``OUT/.main_job.partial/`` and not run
again; a row interrupted half-way is run again from an empty folder (a resumed run would not be cold). Rows not
asked for are reported from the committed ``OUT/main_job.json`` when it was measured on the same versions, so
``--rows quick_cold`` on a fresh clone re-measures that row and keeps the others.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from common import ResumableCache, markdown_table

from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.pipeline.run import STAGES
from tfcompress.pipeline.run_folder import RunFolder

ROWS = {"quick_cold": "quick", "default_cold": "default", "default_warm": "default"}
LIMITS = {"quick_cold": 180, "default_cold": 1800, "default_warm": 900}  # issue 18's acceptance, seconds
PEAK_LIMIT_MB = 4096


def run_row(name, workspace, python):
    """One row: the run's folder prepared as the row says, then ``tfcompress run`` timed from outside."""
    out = workspace.path(name)
    shutil.rmtree(out, ignore_errors=True)
    if name == "default_warm":
        RunFolder(out).take_teacher_from(workspace.path("default_cold"))
    command = [python, "-m", "tfcompress", "run", "--preset", ROWS[name], "--out", out]
    print(f"[main_job] {name}: {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.time()
    subprocess.run(command, check=True)
    wall = round(time.time() - started, 1)
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    return {"row": name, "preset": ROWS[name], "command": " ".join(command[1:]), **measured_on(), "wall_seconds": wall,
            "total_seconds": metrics["total_seconds"], "peak_rss_mb": metrics["peak_rss_mb"],
            "stages": metrics["stages"], "distill_profile": _profile(metrics.get("distill")),
            "limit_seconds": LIMITS[name], "within_limit": wall <= LIMITS[name],
            "within_memory": (metrics["peak_rss_mb"] or 0) <= PEAK_LIMIT_MB}


def measured_on():
    """Where and on what a row was measured: the code's commit (``+changes`` when the work tree differed from it),
    the CPU model and the date; rows of one report can come from different sessions and machines."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+changes"
    return {"code": commit, "cpu": _cpu_model(), "date": time.strftime("%Y-%m-%d")}


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _profile(distill):
    return distill.get("seconds") if isinstance(distill, dict) else None


def markdown(report):
    lines = ["# The main job's time (`benchmarks/main_job.py`)", "",
             f"- {report['machine']}; {report['versions']}", "",
             "Wall seconds of the `tfcompress run` process, and each stage's seconds (status) and peak memory.", ""]
    header = ("row", "measured on", "wall s (limit)", *STAGES, "peak MB")
    table = []
    for row in report["rows"]:
        stages = [f"{row['stages'][stage]['seconds']:.0f} ({row['stages'][stage]['status']})"
                  if stage in row["stages"] else "-" for stage in STAGES]
        where = ", ".join(str(row[key]) for key in ("date", "code", "cpu") if key in row) or "-"
        table.append((row["row"], where, f"{row['wall_seconds']:.0f} ({row['limit_seconds']})", *stages,
                      f"{row['peak_rss_mb']:.0f}"))
    lines.append(markdown_table(header, table))
    for row in report["rows"]:
        if row["distill_profile"]:
            parts = ", ".join(f"{key} {value:.0f} s" for key, value in row["distill_profile"].items())
            lines += ["", f"{row['row']} distill profile: {parts}"]
    return "\n".join(lines) + "\n"


def committed_rows(path):
    """The finished rows of the committed report at ``path`` by name, when it was measured on the same versions (a
    fresh clone reports them beside the rows it runs)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    return {row["row"]: row for row in report.get("rows", [])} if report.get("versions") == versions() else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run: " + ", ".join(ROWS) +
                        " (finished rows are reported either way; --rows '' only writes the report)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the stack to time")
    args = parser.parse_args(argv)
    names = [name for name in args.rows.split(",") if name]
    unknown = sorted(set(names) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {list(ROWS)}")
    workspace = ResumableCache(os.path.join(args.out, ".main_job.partial"))
    committed = committed_rows(os.path.join(args.out, "main_job.json"))
    rows = []
    for name in ROWS:  # the rows asked for are run (unless finished); the others are reported when finished
        key = {"row": name, "versions": versions()}
        row = workspace.load(f"{name}.json", key) or (committed.get(name) if name not in names else None)
        if row is None and name in names:
            row = workspace.keep(f"{name}.json", key, run_row(name, workspace, args.python))
        if row is not None:
            rows.append(row)
    report = {"command": "python benchmarks/main_job.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": f"{os.cpu_count()} CPU cores", "versions": versions(), "rows": rows}
    write_json_atomic(report, os.path.join(args.out, "main_job.json"), indent=1)
    write_text_atomic(markdown(report), os.path.join(args.out, "main_job.md"))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
