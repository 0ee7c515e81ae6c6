"""Every figure the documentation quotes, rendered from the committed results: one source for each number.

Usage: python benchmarks/render.py            # rewrite docs/results.md and the generated blocks
       python benchmarks/render.py --check    # exit 1, naming each file, when one differs from the results

Reads ``benchmarks/results/*.json`` and the shipped model's ``saved_models/rotten_tomatoes/card.json`` (no
TensorFlow) and writes ``docs/results.md`` whole, and the blocks between ``<!-- generated: NAME -->`` and
``<!-- end generated: NAME -->`` in the README and docs (``# generated: NAME`` / ``# end generated: NAME`` in a
Python file). Each table names the run or file it measured and the date it was measured: the results' own date
where they record one, else the date of the commit that last changed the results file.
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tables import cell, markdown_table  # noqa: E402
from teacher_gap import gap_summary  # noqa: E402
import paper_table  # noqa: E402
from tfcompress.atomic import write_text_atomic  # noqa: E402 (the package's atomic writer; no TensorFlow)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join("benchmarks", "results")
CARD = os.path.join("saved_models", "rotten_tomatoes", "card.json")
PAGE = os.path.join("docs", "results.md")
# The files that hold generated blocks, besides docs/results.md (which is generated whole).
BLOCK_FILES = ("README.md", os.path.join("docs", "datasets.md"), os.path.join("docs", "performance.md"),
               os.path.join("docs", "personalization.md"), os.path.join("docs", "teachers.md"),
               os.path.join("tfcompress", "catalog.py"))
RECIPES = ("deepwordbug", "pruthi", "pwws", "textfooler")
RECIPE_TITLES = {"deepwordbug": "DeepWordBug", "pruthi": "Pruthi", "pwws": "PWWS", "textfooler": "TextFooler"}


def load(relative):
    """The JSON file at ``relative`` (to the repository), or None when it is not committed."""
    path = os.path.join(REPO, relative)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def commit_date(relative):
    """The date (YYYY-MM-DD) of the commit that last changed ``relative``; 'not committed' without one."""
    result = subprocess.run(["git", "log", "-1", "--format=%cs", "--", relative], cwd=REPO, capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() or "not committed"


def measured_on(relative, data):
    """The date the results in ``relative`` were measured: their own ``date`` or ``measured``, else the commit's."""
    dates = sorted({str(value) for key, value in _walk(data) if key in ("date", "measured", "created")})
    if dates:
        return dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    return commit_date(relative)


def _walk(data):
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                yield from _walk(value)
            else:
                yield key, value
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def accuracy(value):
    return cell(value, "{:.4f}")


def share(value):
    return cell(value, "{:.3f}")


def size(value):
    return cell(None if value is None else int(round(value)), "{:,}")


def seconds(value):
    return cell(None if value is None else int(round(value)), "{:,}")


def spread(summary, key, fmt=accuracy):
    """'mean ± std' of a summarized figure over seeds (the mean alone when they agree); '-' when missing."""
    figure = summary.get(key) if summary else None
    if not isinstance(figure, dict):
        return fmt(figure)
    if figure.get("n", 1) < 2 or not figure.get("std"):
        return fmt(figure.get("mean"))
    return f"{fmt(figure['mean'])} ± {fmt(figure['std'])}"


def seeds(summary, key="test_accuracy"):
    figure = (summary or {}).get(key)
    return cell(figure.get("n") if isinstance(figure, dict) else 1)


def source_line(relative, data, what):
    """The italic line under a section's title: what was measured, by which file, and when."""
    command = data.get("command") if isinstance(data, dict) else None
    made = f" Command: `{command.strip()}`." if command else ""
    return f"*{what}. Results: `{relative}`, measured {measured_on(relative, data)}.{made}*"


# --- the student recipe (the presets as a run trains them) ---------------------------------------------------

RECIPE_ROWS = (("default", "`default` preset: cnn student, 3,000-word vocabulary"),
               ("small", "`small` preset: cnn student, 10,000-word vocabulary"),
               ("plain_kd", "the default student distilled with plain KD only"),
               ("tfidf", "TF-IDF + logistic regression (peer, tuned on validation)"),
               ("fasttext", "fastText (peer, tuned on validation)"))


def teacher_accuracy(recipe):
    rows = recipe.get("rows", {})
    values = sorted({row["teacher_test_accuracy"] for row in rows.values()
                     if isinstance(row, dict) and row.get("teacher_test_accuracy") is not None})
    return ", ".join(accuracy(value) for value in values) or "-"


def headline(recipe):
    """The README's table: each preset's int8 student against its peers, with the run time of each preset."""
    relative = os.path.join(RESULTS, "student_recipe.json")
    summary = recipe.get("summary", {})
    rows = [(title, seeds(summary.get(key)), spread(summary.get(key), "test_accuracy"),
             spread(summary.get(key), "bytes", size), spread(summary.get(key), "deepwordbug", share),
             spread(summary.get(key), "pwws", share), spread(summary.get(key), "fidelity", share))
            for key, title in RECIPE_ROWS if key in summary]
    table = markdown_table(("model", "seeds", "test accuracy (int8 file)", "bytes", "under DeepWordBug",
                            "under PWWS", "on-device explanation vs teacher's shap (Spearman)"), rows)
    return "\n".join((
        source_line(relative, recipe, "The bundled rotten_tomatoes data, standard split (1,276 test texts), "
                    f"distilled from the fine-tuned MiniLM teacher (test accuracy {teacher_accuracy(recipe)}); "
                    "attacks on 500 test sentences"), "", table))


def recipe_section(recipe):
    relative = os.path.join(RESULTS, "student_recipe.json")
    rows = recipe.get("rows", {})
    each = [(name, accuracy(row.get("test_accuracy")), accuracy(row.get("float_test_accuracy")),
             *(share(row.get(recipe_name)) for recipe_name in RECIPES), share(row.get("fidelity")),
             size(row.get("bytes")), seconds(row.get("run_seconds")))
            for name, row in sorted(rows.items()) if "test_accuracy" in row]
    return "\n".join((
        "## The presets on the standard split", "",
        source_line(relative, recipe, "`benchmarks/student_recipe.py`: each preset as `tfcompress run` trains it, "
                    "over student seeds, with the same teacher; the int8 file with its spec, run from raw text"), "",
        headline(recipe).split("\n", 2)[2], "",
        "Each row (accuracy under each attack on the same 500 test sentences; fidelity: Spearman of the file's "
        "own per-word contributions with the teacher's shap values on 100 sentences):", "",
        markdown_table(("row", "int8 test acc.", "float test acc.", *RECIPE_TITLES.values(), "fidelity", "bytes",
                        "run seconds"), each)))


# --- the shipped model ---------------------------------------------------------------------------------------

def card_section(card):
    measured, training = card.get("measured", {}), card.get("training", {})
    teacher, qat = training.get("teacher", {}), training.get("qat", {})
    robustness = card.get("robustness", {})
    facts = [("test accuracy (int8 file, from its own spec)", accuracy(measured.get("test_accuracy"))),
             ("test accuracy of its QAT Keras model", accuracy(qat.get("test_accuracy"))),
             (f"teacher ({teacher.get('name', '-')}) test accuracy", accuracy(teacher.get("test_accuracy"))),
             ("bytes", size(measured.get("bytes"))),
             ("builtin ops only", cell(measured.get("builtin_ops_only"))),
             ("latency (us per sentence)", cell(measured.get("latency_us"), "{:.1f}")),
             ("argmax agreement with its Keras model", accuracy(measured.get("parity_with_keras")))]
    attacks = [(RECIPE_TITLES.get(name, name), share(row.get("clean_accuracy")),
                share(row.get("accuracy_under_attack")), share(row.get("attack_success_rate")))
               for name, row in robustness.get("recipes", {}).items()]
    return "\n".join((
        "## The shipped model", "",
        source_line(CARD, card, f"`saved_models/rotten_tomatoes/{card.get('file', 'student.tflite')}`, "
                    f"the `{training.get('preset', '-')}` preset's student at the time it was exported "
                    f"(run fingerprint {training.get('fingerprint', '-')}), measured by running the file"), "",
        markdown_table(("figure", "value"), facts), "",
        f"Under attack, on {robustness.get('num_examples', '-')} test sentences:", "",
        markdown_table(("recipe", "clean acc.", "acc. under attack", "success rate"), attacks)))


# --- run times -----------------------------------------------------------------------------------------------

STAGES = ("data", "teacher", "distill", "qat", "tflite", "robustness", "explanations", "personalization")


def main_job_table(main_job):
    rows = []
    for row in main_job.get("rows", []):
        stages = row.get("stages", {})
        rows.append((row.get("row"), f"{row.get('date', '-')}, {row.get('cpu', '-')}",
                     f"{seconds(row.get('wall_seconds'))} ({seconds(row.get('limit_seconds'))})",
                     *(seconds(stages.get(stage, {}).get("seconds")) for stage in STAGES),
                     seconds(row.get("peak_rss_mb"))))
    return markdown_table(("run", "measured on", "wall s (target)", *STAGES, "peak MB"), rows)


def main_job_block(main_job):
    relative = os.path.join(RESULTS, "main_job.json")
    return "\n".join((
        source_line(relative, main_job, "`benchmarks/main_job.py`: `tfcompress run` timed from outside the process "
                    f"into an empty folder, {main_job.get('machine', '-')}; `_cold` trains everything, "
                    "`_warm` reuses the teacher and its outputs"), "", main_job_table(main_job)))


RUN_KINDS = {"cold": "everything trained", "warm": "teacher and its outputs reused from an earlier run"}


def run_times_block(main_job):
    """The README's table: each preset's wall time and peak memory, as a user runs it."""
    rows = [(f"`{row.get('preset', '-')}`", RUN_KINDS.get(row.get("row", "").rsplit("_", 1)[-1], "-"),
             f"{seconds(row.get('wall_seconds'))} s", f"{seconds(row.get('peak_rss_mb'))} MB",
             f"{row.get('date', '-')}, {row.get('cpu', '-')}") for row in main_job.get("rows", [])]
    return markdown_table(("preset", "run", "wall time", "peak memory", "measured on"), rows)


def preset_seconds_block(main_job):
    """The Python lines that give ``tfcompress run --help`` each preset's measured time."""
    rows = {row["preset"]: row for row in main_job.get("rows", []) if row.get("row", "").endswith("_cold")}
    values = ", ".join(f'"{preset}": {int(round(row["wall_seconds"]))}' for preset, row in sorted(rows.items()))
    where = sorted({f"{row.get('date', '-')}, {row.get('cpu', '-')}" for row in rows.values()})
    return "\n".join(("# Seconds of a cold `tfcompress run` per preset, from benchmarks/results/main_job.json",
                      f"# ({'; '.join(where)}, {main_job.get('machine', '-')}).",
                      f"PRESET_SECONDS = {{{values}}}"))


# --- the benchmarks of single choices ------------------------------------------------------------------------

def ablation_section(ablation):
    relative = os.path.join(RESULTS, "ablation.json")
    rows = [(row.get("row"), accuracy(row.get("clean_accuracy")),
             *(share(row.get(f"{name}_accuracy")) for name in RECIPES),
             share(row.get("certified_typo")), share(row.get("certified_wordnet")), size(row.get("int8_bytes")),
             cell(row.get("step_time_vs_kd"), "{:.2f}x"), cell(row.get("epochs")))
            for row in ablation.get("rows", [])]
    return "\n".join((
        "## What each robustness ingredient adds", "",
        source_line(relative, ablation, f"`benchmarks/ablation.py` on run `{ablation.get('run', '-')}`: each row "
                    "adds one thing to the row above, int8 file attacked from raw text on "
                    f"{ablation.get('num_attacked', '-')} test sentences (query budget "
                    f"{ablation.get('query_budget', '-')})"), "",
        markdown_table(("row", "clean acc. (int8)", *RECIPE_TITLES.values(), "certified typo", "certified WordNet",
                        "int8 bytes", "step time vs kd", "epochs"), rows)))


def explanations_section(explanations):
    relative = os.path.join(RESULTS, "explanations.json")
    rows = []
    for row in explanations.get("rows", []):
        phone = row.get(row.get("phone_explanation", ""), {}) or {}
        shap = row.get("shap", {}) or {}
        rows.append((row.get("row"), accuracy(row.get("clean_accuracy")), row.get("phone_explanation", "-"),
                     share(phone.get("spearman")), share(phone.get("top5")), share(phone.get("aopc")),
                     share(shap.get("spearman")), share(shap.get("aopc")), size(row.get("int8_bytes")),
                     f"{cell(row.get('latency_us_with_contributions'), '{:.0f}')} / "
                     f"{cell(row.get('latency_us_without_contributions'), '{:.0f}')}"))
    cost = explanations.get("step_cost", {})
    return "\n".join((
        "## Explanations on the phone", "",
        source_line(relative, explanations, f"`benchmarks/explanations.py` on run `{explanations.get('run', '-')}`: "
                    "the default student's pooling and explanation term varied, post-training int8 file; fidelity "
                    f"to the teacher's shap values on {explanations.get('num_explained', '-')} test sentences"), "",
        markdown_table(("row", "clean acc. (int8)", "phone's explanation", "Spearman vs teacher shap", "top-5 overlap",
                        "AOPC", "shap on int8: Spearman", "shap on int8: AOPC", "int8 bytes",
                        "latency us with / without 2nd output"), rows), "",
        f"Training step cost relative to plain KD: contributions term {cell(cost.get('contributions_vs_kd'), '{:.2f}')}x, "
        f"second-order saliency term {cell(cost.get('saliency_vs_kd'), '{:.2f}')}x."))


def robustness_explain_section(measured):
    relative = os.path.join(RESULTS, "robustness_explain.json")
    models = measured.get("models", {})
    attacks = [(model, RECIPE_TITLES.get(recipe, recipe), share(row.get("clean_accuracy")),
                share(row.get("accuracy_under_attack")), share(row.get("attack_success_rate")),
                share(row.get("mean_words_perturbed")))
               for model, recipes in measured.get("attacks", {}).items() for recipe, row in recipes.items()]
    agreement = ", ".join(f"{RECIPE_TITLES.get(recipe, recipe)} {share(value)}"
                          for recipe, value in measured.get("tflite_outcome_agreement", {}).items())
    return "\n".join((
        "## Attacks and explanations of one default run's models", "",
        source_line(relative, measured, f"`benchmarks/robustness_explain.py` on run `{measured.get('run', '-')}` "
                    f"(teacher {models.get('teacher', '-')}, student {models.get('student', '-')}, the int8 file "
                    f"`{models.get('student_tflite', '-')}`), {measured.get('num_examples', '-')} test sentences"), "",
        markdown_table(("model", "recipe", "clean acc.", "acc. under attack", "success rate", "words perturbed"),
                       attacks), "",
        f"Attack outcome of the int8 file agreeing with its Keras model: {agreement or '-'}."))


def students_section(students):
    relative = os.path.join(RESULTS, "students.json")
    rows = [(row.get("variant"), cell(row.get("seeds")), spread(row, "test_accuracy_int8"),
             spread(row, "test_accuracy_float"),
             size(row.get("tflite_bytes")), accuracy(row.get("parity_min")), cell(row.get("latency_us"), "{:.1f}"))
            for row in students.get("rows", [])]
    teachers = ", ".join(accuracy(value) for value in students.get("teacher_test_accuracy", []))
    return "\n".join((
        "## Hashed-word students compared", "",
        source_line(relative, students, "`benchmarks/students.py`: students reading hashed words (the encoding "
                    f"before the closed vocabulary), plain KD from a MiniLM teacher (test accuracy {teachers}), "
                    "post-training int8"), "",
        markdown_table(("variant", "seeds", "int8 test acc.", "float test acc.", "int8 bytes", "parity (min)",
                        "latency (us)"), rows)))


def teachers_section(rows):
    relative = os.path.join(RESULTS, "teachers.json")
    table = [(row.get("row"), cell(row.get("student_seed", 0)), accuracy(row.get("teacher_test_accuracy")),
              accuracy(row.get("int8_test_accuracy")), share(row.get("int8_deepwordbug_accuracy")),
              share(row.get("int8_pwws_accuracy")),
              ", ".join(change["setting"] for change in row.get("switched_off", [])) or "-") for row in rows]
    parts = ["## A teacher you bring: the same MiniLM registered and as a plain function", "",
             source_line(relative, {"rows": rows}, "`benchmarks/teachers.py`: the default preset (split seed 0, "
                         "student seeds as listed) distilled from the fine-tuned MiniLM as the registered teacher and "
                         "as a logits-only Python function"),
             "", markdown_table(("teacher given as", "student seed", "teacher test acc.", "int8 test acc.",
                                 "int8 DeepWordBug", "int8 PWWS", "switched off"), table)]
    return "\n".join(parts + gap_paragraph(rows))


def gap_paragraph(rows):
    """The callable teacher's gap to the registered one over the seeds both have, as lines; none before a pair."""
    summary = gap_summary(rows)
    if summary is None:
        return []
    return ["", f"Function minus registered, int8 test accuracy: {summary['mean_points']:+.2f} points, the mean over "
                f"student seeds {', '.join(map(str, summary['seeds']))} "
                f"({', '.join(f'{gap:+.2f}' for gap in summary['points_by_seed'].values())})."]


def teacher_features_block(rows):
    """docs/teachers.md: what the optional teacher features are worth, the mean over the student seeds of each row."""
    relative = os.path.join(RESULTS, "teachers.json")
    by_row = {}
    for row in rows:
        by_row.setdefault(row.get("row"), []).append(row)

    def mean(name, key):
        values = [row[key] for row in by_row.get(name, []) if row.get(key) is not None]
        return sum(values) / len(values) if values else None

    titles = {"registered": "registered `minilm` (word vectors and gradients)",
              "callable": "the same fine-tuned MiniLM as a logits-only function"}
    table = [(titles.get(name, name), ", ".join(str(row.get("student_seed", 0)) for row in by_row[name]),
              accuracy(mean(name, "int8_test_accuracy")), share(mean(name, "int8_deepwordbug_accuracy")),
              share(mean(name, "int8_pwws_accuracy")))
             for name in ("registered", "callable") if name in by_row]
    parts = [source_line(relative, {"rows": rows}, "`benchmarks/teachers.py`: the `default` preset on the bundled "
                         "rotten_tomatoes (split seed 0), means over the student seeds listed; the run's attacks on "
                         "100 test sentences"), "",
             markdown_table(("teacher given as", "student seeds", "int8 test acc.", "int8 under DeepWordBug",
                             "int8 under PWWS"), table)]
    return "\n".join(parts + gap_paragraph(rows))


def datasets_section(rows):
    relative = os.path.join(RESULTS, "datasets.json")
    table = [(row.get("dataset"), row.get("preset"), cell(row.get("classes")),
              *(accuracy(row["test_accuracy"].get(name)) for name in ("baseline", "teacher", "student", "tflite")),
              cell(row.get("int8_minus_baseline_points"), "{:+.1f}"), seconds(row.get("wall_seconds")))
             for row in rows]
    return "\n".join((
        "## Bundled datasets against the TF-IDF baseline", "",
        source_line(relative, {"rows": rows}, "`benchmarks/bundled_datasets.py`: `tfcompress run --dataset NAME --preset "
                    "PRESET --seed 0` into an empty folder, every stage on"), "",
        markdown_table(("dataset", "preset", "classes", "TF-IDF + LR", "teacher", "student", "int8",
                        "int8 - baseline (points)", "wall"), table)))


def paper_section(paper):
    relative = os.path.join(RESULTS, "paper.json")
    left = paper.get("left")
    parts = [
        "## Paper-style comparison", "",
        source_line(relative, paper, f"`benchmarks/paper.py`: every row on the standard split, student seeds "
                    f"{paper.get('seeds', '-')} (mean ± spread), {paper.get('num_examples', '-')} attacked test "
                    "sentences; teachers' bytes are their float32 weights (not exported)"), "",
        paper_table.results_block(paper.get("rows", []))]
    if left:
        parts += ["", f"Rows not measured yet: {', '.join(left)}."]
    if paper.get("targets"):
        parts += ["", "Is ours int8 above every row that is not ours (seed means)? Each cell: yes or no, ours' value "
                      "and, when not, the best other row's:", "", paper_table.targets_table(paper["targets"])]
    if paper.get("personalization"):
        parts += ["", paper["personalization"]]
    parts += ["", "![accuracy vs size, clean and under attack](../benchmarks/results/paper.png)"]
    return "\n".join(parts)


def paper_headline(paper):
    """The README's table from the finished ``benchmarks/paper.py`` results: ours int8 against the other rows."""
    relative = os.path.join(RESULTS, "paper.json")
    teacher = next((row for row in paper["rows"] if row["row"] == "teacher"), {})
    return "\n".join((
        source_line(relative, paper, "The bundled rotten_tomatoes data, standard split (1,276 test texts), distilled "
                    f"from the fine-tuned MiniLM teacher (test accuracy {accuracy(teacher.get('clean_accuracy'))}); "
                    f"student seeds {', '.join(map(str, paper.get('seeds', [])))} (mean ± spread); attacks on the "
                    f"same {paper.get('num_examples', '-')} test sentences, from raw text"), "",
        paper_table.results_block(paper["rows"], paper_table.HEADLINE_COLUMNS, paper_table.HEADLINE_ROWS)))


def paper_finished(paper):
    return bool(paper and paper.get("measured_rows") and not paper.get("left"))


def teacher_precision_section(precision):
    relative = os.path.join(RESULTS, "teacher_precision.json")
    dynamic = precision.get("dynamic_range_int8_tflite", {})
    float32, bfloat16 = precision.get("float32", {}), precision.get("bfloat16", {})
    rows = [("float32", cell(float32.get("validation_texts_per_second")),
             cell(float32.get("occlusion_variants_per_second")), "1.0000"),
            ("bfloat16 copy", cell(bfloat16.get("validation_texts_per_second")),
             cell(bfloat16.get("occlusion_variants_per_second")), accuracy(precision.get("validation_agreement"))),
            ("dynamic-range int8 .tflite", cell(dynamic.get("validation_texts_per_second")),
             cell(dynamic.get("occlusion_variants_per_second")), accuracy(dynamic.get("validation_agreement")))]
    return "\n".join((
        "## The teacher's precision", "",
        source_line(relative, precision, "`scripts/teacher_precision.py` on the MiniLM teacher "
                    f"(CPU multiplies bfloat16 in hardware: {precision.get('native_bfloat16', '-')})"), "",
        markdown_table(("teacher copy", "validation texts / s", "occlusion variants / s",
                        "same class as float on validation"), rows)))


# --- personalization -----------------------------------------------------------------------------------------

def _summary_cells(summary):
    """The per-client figures of a personalization summary: clients, gains, clients worse, pooled accuracy."""
    return (cell(summary.get("clients")), cell(summary.get("mean_gain_points"), "{:+.2f}"),
            cell(summary.get("median_gain_points"), "{:+.2f}"), cell(summary.get("worst_gain_points"), "{:+.2f}"),
            cell(summary.get("clients_worse")), cell(summary.get("most_test_examples_lost")),
            f"{accuracy(summary.get('pooled_accuracy_before'))} -> {accuracy(summary.get('pooled_accuracy_personalized'))}",
            cell(summary.get("adopted")), share((summary.get("decisions") or {}).get("error_rate")))


def personalization_rows(methods):
    rows = []
    for name, result in methods.items():
        summary = result.get("summary") if isinstance(result, dict) else None
        if isinstance(summary, dict):
            rows.append((name, *_summary_cells(summary), cell(result.get("seconds_per_round"), "{:.1f}"),
                         size(result.get("bytes_sent_per_client_per_round"))))
    return rows


PERSONALIZATION_HEADER = ("method", "clients", "mean gain (points)", "median", "worst", "clients worse",
                          "most test texts lost", "pooled accuracy", "adopted", "decision error rate",
                          "seconds per round", "bytes sent per client per round")
CLIENT_KINDS = (("natural", "Natural clients (held-out movies)"), ("dirichlet", "Dirichlet label-skew clients"))


def personalization_block(personalization):
    """The personalization tables, from whatever sections the results hold."""
    relative = os.path.join(RESULTS, "personalization.json")
    settings = personalization.get("settings", {})
    parts = [source_line(relative, personalization, f"`benchmarks/personalization.py`: "
                         f"{personalization.get('setup', 'a student')}")]
    for key, title in CLIENT_KINDS:
        rows = personalization_rows(personalization.get(key, {}) or {})
        if rows:
            facts = settings.get(key, {})
            parts += ["", f"{title}: {cell(facts.get('clients'))} clients, {cell(facts.get('test_examples'))} test "
                      f"texts, global accuracy {accuracy(facts.get('global_accuracy'))}.", "",
                      markdown_table(PERSONALIZATION_HEADER, rows)]
    on_device = personalization.get("on_device") or {}
    if on_device.get("clients"):
        parts += ["", f"On the phone (`adapt_prior` of the trainable file, "
                  f"{size((on_device.get('export') or {}).get('bytes'))} bytes): "
                  f"{cell(on_device.get('clients_with_identical_predictions'))} of {len(on_device['clients'])} "
                  "clients get the same test predictions as Keras (largest logit difference "
                  f"{cell(on_device.get('max_logit_difference'), '{:.2g}')})."]
    for key, title in (("fedavg", "FedAvg"), ("dp", "DP-FedAvg")):
        rounds = personalization.get(key) or {}
        if rounds:
            privacy = rounds.get("dp") or {}
            epsilon = f", epsilon {cell(privacy.get('epsilon'), '{:.2f}')} at delta {cell(privacy.get('delta'), '{:.2g}')}" \
                if privacy else ""
            parts += ["", f"{title}: {cell(rounds.get('rounds_run'))} rounds, "
                      f"{cell(rounds.get('seconds_per_round'), '{:.1f}')} s a round, global test accuracy after "
                      f"{accuracy(rounds.get('global_test_accuracy'))}{epsilon}."]
    return "\n".join(parts)


DRAW_HEADER = ("draw", "clients", "mean gain (points)", "median", "worst", "clients worse", "most test texts lost",
               "pooled accuracy", "adopted", "decision error rate", "bounds met")


def _bounds(entry):
    missed = [name for name, met in (entry.get("checks") or {}).items() if not met]
    return "yes" if entry.get("met") else "no: " + "; ".join(missed) if missed else cell(entry.get("met"))


def draw_rows(kind):
    """One row per seeded client draw, then the draws pooled."""
    rows = [(cell(draw.get("draw")), *_summary_cells(draw.get("summary") or {}), _bounds(draw))
            for draw in kind.get("draws", []) if isinstance(draw, dict)]
    pooled = kind.get("pooled")
    if isinstance(pooled, dict):
        rows.append(("pooled", *_summary_cells(pooled.get("summary") or {}), _bounds(pooled)))
    return rows


def run_personalization_section(relative, data):
    """A run's own student personalized over seeded client draws (``benchmarks/personalization.py --run``)."""
    parts = [f"## Personalization of the `{data.get('preset', '-')}` preset's own student: "
             f"{data.get('held_out_users', '-')} held-out users of `{data.get('run', '-')}`", "",
             source_line(relative, data, f"`benchmarks/personalization.py` on run `{data.get('run', '-')}` (seed "
                         f"{data.get('seed', '-')}, {data.get('held_out_users', '-')} held-out users, student test "
                         f"accuracy {accuracy(data.get('student_test_accuracy'))})")]
    for key, title in CLIENT_KINDS:
        kind = data.get(key)
        if isinstance(kind, dict) and draw_rows(kind):
            parts += ["", f"{title}:", "", markdown_table(DRAW_HEADER, draw_rows(kind))]
    return "\n".join(parts)


def run_personalization_files():
    """The committed results of ``benchmarks/personalization.py --run``: ``personalization_<name>.json``."""
    folder = os.path.join(REPO, RESULTS)
    return [os.path.join(RESULTS, name) for name in sorted(os.listdir(folder))
            if name.startswith("personalization_") and name.endswith(".json")]


# --- the page and the blocks ---------------------------------------------------------------------------------

SECTIONS = (("student_recipe.json", recipe_section), (CARD, card_section),
            ("main_job.json", lambda data: "## Time of a run\n\n" + main_job_block(data)),
            ("personalization.json", lambda data: "## Personalization\n\n" + personalization_block(data)),
            ("ablation.json", ablation_section), ("explanations.json", explanations_section),
            ("robustness_explain.json", robustness_explain_section), ("teacher_precision.json",
                                                                      teacher_precision_section),
            ("students.json", students_section), ("teachers.json", teachers_section),
            ("datasets.json", datasets_section), ("paper.json", paper_section))


def _results(name):
    return load(name if os.sep in name else os.path.join(RESULTS, name))


def results_page():
    parts = ["# Results", "",
             "Generated by `python benchmarks/render.py` from `benchmarks/results/*.json` and "
             "`saved_models/rotten_tomatoes/card.json`; do not edit by hand. Every figure the README and the other "
             "pages quote is one of these. All runs: the bundled rotten_tomatoes data, seed 0 split, CPU only. "
             "Each section names the run or file it measured and when; figures of different runs differ."]
    for name, render in SECTIONS:
        data = _results(name)
        if data is not None:
            parts += ["", render(data)]
        if name == "personalization.json":
            parts += ["\n" + run_personalization_section(relative, load(relative))
                      for relative in run_personalization_files()]
    return "\n".join(parts) + "\n"


def blocks():
    """Each generated block's text by name (a block whose results are not committed is left out)."""
    found = {}
    makers = (("main_job", "main_job.json", main_job_block),
              ("run_times", "main_job.json", run_times_block),
              ("preset_seconds", "main_job.json", preset_seconds_block),
              ("personalization", "personalization.json", personalization_block))
    for block, name, render in makers:
        data = _results(name)
        if data is not None:
            found[block] = render(data)
    paper, recipe = _results("paper.json"), _results("student_recipe.json")
    if paper_finished(paper):
        found["headline"] = paper_headline(paper)
    elif recipe is not None:  # until then, the presets' table of benchmarks/student_recipe.py
        found["headline"] = headline(recipe)
    teachers = _results("teachers.json")
    if teachers:
        found["teacher_features"] = teacher_features_block(teachers)
    labelled = load_lines(os.path.join(EXPLORE, "dataset_student.jsonl"))
    if labelled is not None:
        found["pooling"] = pooling_block(labelled, load_lines(os.path.join(EXPLORE, "pooling.jsonl")))
    documents = documents_block(load_lines(os.path.join(EXPLORE, "pooling.jsonl")),
                                load_lines(os.path.join(EXPLORE, "bag.jsonl")), _results("datasets.json"))
    if documents:
        found["documents"] = documents
    budget = document_budget_block(load_lines(os.path.join(EXPLORE, "baseline_reading.jsonl")),
                                   load_lines(os.path.join(EXPLORE, "bag.jsonl")), _results("datasets.json"))
    if budget:
        found["document_budget"] = budget
    runs = [run_personalization_section(relative, load(relative)) for relative in run_personalization_files()]
    if runs:  # a run's own student, over seeded client draws: after the stand-in student's tables
        found["personalization"] = "\n\n".join(([found["personalization"]] if "personalization" in found else [])
                                                 + runs)
    return found


EXPLORE = os.path.join(RESULTS, "explore")
POOLING_DATASETS = ("newsgroups_long", "trec", "rotten_tomatoes")
POOLINGS = ("channel_attention", "attention")


def load_lines(relative):
    """The JSON lines of the file at ``relative`` (to the repository), or None when it is not committed."""
    path = os.path.join(REPO, relative)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pooling_block(labelled, quick):
    """docs/datasets.md's pooling tables: the student trained on labels (``pooling-DATASET-POOLING-sSEED`` rows of
    scripts/explore_dataset_student.py) and the quick runs of the committed pooling."""
    scores = {(row["tag"].rsplit("-", 2)[0][len("pooling-"):], row["tag"].rsplit("-", 2)[1], row["seed"]):
              row["validation"] for row in labelled if row["tag"].startswith("pooling-")}
    rows = [(dataset, *(", ".join(accuracy(scores.get((dataset, pooling, seed))) for seed in (0, 1))
                        for pooling in POOLINGS)) for dataset in POOLING_DATASETS]
    parts = ["Trained on labels alone, validation accuracy, seeds 0 and 1 (`scripts/explore_dataset_student.py`, "
             "`benchmarks/results/explore/dataset_student.jsonl`):", "",
             markdown_table(("dataset", "channel attention", "attention"), rows)]
    runs = {(row["command"].split("--dataset ")[1].split()[0], row["pooling"]): row for row in quick or []
            if row.get("validation_accuracy", {}).get("qat") is not None and not row.get("superseded")}
    quick_rows = []
    for dataset in POOLING_DATASETS:
        pair = [runs.get((dataset, pooling)) for pooling in ("attention", "channel_attention")]
        if None in pair:
            continue
        quick_rows.append((dataset, *(" -> ".join(accuracy(run["validation_accuracy"]["qat"]) for run in pair),),
                           " -> ".join(accuracy(run["test_accuracy"]["tflite"]) for run in pair),
                           " -> ".join(size(run["tflite_bytes"]) for run in pair),
                           " -> ".join(f"{100 * run['decomposition']['max_abs_error'] / run['decomposition']['max_abs_logit']:.1f}%"
                                       for run in pair)))
    if quick_rows:
        parts += ["", "The whole quick run, seed 0, attention -> channel attention (`tfcompress run --dataset D --preset "
                  "quick --set student.model.pooling=P`, the latest run of each; "
                  "`benchmarks/results/explore/pooling.jsonl`):",
                  "", markdown_table(("dataset", "QAT validation", "int8 test", "int8 bytes",
                                      "int8 contributions vs logits (largest error / largest logit)"), quick_rows)]
    return "\n".join(parts)


def latest(rows, wanted):
    """The last of the result ``rows`` (JSON lines, oldest first) that ``wanted`` accepts and that no later row
    superseded, or None."""
    found = [row for row in rows or [] if wanted(row) and not row.get("superseded")]
    return found[-1] if found else None


def documents_block(pooling, bag, datasets_rows):
    """docs/datasets.md's table of newsgroups_long's quick runs: the cnn and the bag of words, from the wide cnn
    teacher and from the baseline (the preset's pick, ``benchmarks/bundled_datasets.py``'s row)."""
    def documents_run(row):
        return "--dataset newsgroups_long" in row.get("command", "")

    picked = [("cnn", "wide cnn", latest(pooling, lambda row: documents_run(row)
                                          and row.get("pooling") == "channel_attention")),
              ("bag", "wide cnn", latest(bag, lambda row: documents_run(row) and "learning_rate=0.01" in row["command"]
                                         and "--teacher" not in row["command"])),
              ("bag", "baseline",
               latest(datasets_rows, lambda row: (row.get("dataset"), row.get("preset")) == ("newsgroups_long", "quick")
                      and row.get("models", {}).get("student") == "bag"))]
    rows = [(student, teacher, accuracy(run["test_accuracy"]["tflite"]), size(run["tflite_bytes"]))
            for student, teacher, run in picked if run is not None]
    if not rows:
        return None
    baseline = picked[0][2] and accuracy(picked[0][2]["test_accuracy"]["baseline"])
    intro = ("Through the quick run on newsgroups_long (seed 0; `benchmarks/results/explore/pooling.jsonl`, "
             "`benchmarks/results/explore/bag.jsonl`, `benchmarks/results/datasets.json`), int8 test accuracy "
             f"(baseline {baseline}); the last row is what the presets train:" if baseline else
             "Through the quick run on newsgroups_long (seed 0), int8 test accuracy:")
    return "\n".join([intro, "", markdown_table(("student", "teacher", "int8 test", "int8 bytes"), rows)])


DOCUMENT_READINGS = ((128, 3000), (512, 3000), (512, 5000), (128, 10000), (512, 10000))
BAG_DIM = 16


def document_budget_block(ceilings, bag, datasets_rows):
    """docs/datasets.md's figures on what holds the bag back on newsgroups_long: the default preset's row and the same
    run reading 512 tokens, and a table of what a bag of words can reach by how much it reads (the linear ceiling of
    each reading, first N tokens over W words, and the bag trained on labels over it)."""
    def ceiling(tokens, words):
        return latest(ceilings, lambda row: row.get("kind") == "informative_vocabulary" and "test" in row
                      and (row["tokens"], row["words"], row.get("frequent_words")) == (tokens, words, 1000))

    def labelled_bag(tokens, words, dim=BAG_DIM):
        return latest(bag, lambda row: "tag" in row and row.get("dataset") == "newsgroups_long"
                      and row.get("student") == "bag" and row.get("epochs") == 10
                      and row["student_config"].get("embedding_dim") == dim
                      and row["student_config"].get("max_length") == tokens
                      and row["settings"].get("vocabulary.size", 3000) == words
                      and row["settings"].get("vocabulary.frequent_words") == 1000)

    def training_seconds(run):
        return sum(run["stage_seconds"].get(stage, 0) for stage in ("distill", "qat"))

    table = []
    for tokens, words in DOCUMENT_READINGS:
        linear, labelled = ceiling(tokens, words), labelled_bag(tokens, words)
        if linear is None and labelled is None:
            continue
        table.append((cell(tokens), f"{words:,}", accuracy(linear and linear["validation"]),
                      accuracy(linear and linear["test"]), accuracy(labelled and labelled["validation"]),
                      size(words * (BAG_DIM + 1))))
    if not table:
        return None
    lines = []
    default = latest(datasets_rows, lambda row: (row.get("dataset"), row.get("preset")) == ("newsgroups_long", "default"))
    longer = latest(bag, lambda row: "--preset default --max-length 512" in row.get("command", ""))
    if default is not None:
        words = 3000 + 2  # the vocabulary and the padding and out-of-vocabulary ids
        lines.append(f"- The default preset's int8 bag: {accuracy(default['test_accuracy']['tflite'])} on test, the "
                     f"baseline {accuracy(default['test_accuracy']['baseline'])}; its file is "
                     f"{size(default.get('tflite_bytes'))} bytes, of which the word embeddings are "
                     f"{size(words * (BAG_DIM + 1))} (`benchmarks/results/datasets.json`).")
    if default is not None and longer is not None:
        lines.append(f"- The same run with `--max-length 512`: {accuracy(longer['test_accuracy']['tflite'])} on test; "
                     f"distill and QAT {seconds(training_seconds(longer))} s instead of "
                     f"{seconds(training_seconds(default))} s (`benchmarks/results/explore/bag.jsonl`).")
    larger = latest(bag, lambda row: "--preset small --max-length 512" in row.get("command", ""))
    if default is not None and larger is not None:
        lines.append(f"- The `small` preset (10,000 words) with `--max-length 512`: "
                     f"{accuracy(larger['test_accuracy']['tflite'])} on test, a file of {size(larger['tflite_bytes'])} "
                     f"bytes (`benchmarks/results/explore/bag.jsonl`).")
    narrow = labelled_bag(512, 6000, dim=8)
    if narrow is not None:
        lines.append(f"- Trained on labels over 512 tokens, 6,000 words at 8 dimensions: "
                     f"{accuracy(narrow['validation'])} validation.")
    return "\n".join(lines + [
        "", "What a bag of words can reach on newsgroups_long by how much it reads (seed 0; "
        "`scripts/explore_baseline_reading.py --ceilings`, `scripts/explore_dataset_student.py --student bag`; "
        "`benchmarks/results/explore/baseline_reading.jsonl`, `benchmarks/results/explore/bag.jsonl`):", "",
        markdown_table(("tokens read", "words", "TF-IDF + LR over them, validation", "TF-IDF + LR over them, test",
                        "bag on labels, validation", f"bag's int8 embeddings (d={BAG_DIM}), bytes"), table)])


def _block_pattern(name, python):
    start, end = (f"# generated: {name}", f"# end generated: {name}") if python else \
        (f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->")
    return re.escape(start) + r"\n.*?" + re.escape(end), start, end


def fill_blocks(text, python=False):
    """``text`` with every generated block it holds rewritten from the results."""
    for name, body in blocks().items():
        pattern, start, end = _block_pattern(name, python)
        text = re.sub(pattern, lambda _: f"{start}\n{body}\n{end}", text, flags=re.DOTALL)
    return text


def rendered():
    """{relative path: the text it should hold} for every generated file."""
    files = {PAGE: results_page()}
    for relative in BLOCK_FILES:
        path = os.path.join(REPO, relative)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                files[relative] = fill_blocks(handle.read(), python=relative.endswith(".py"))
    return files


def stale_files():
    """The generated files whose committed text differs from what the results give."""
    stale = []
    for relative, text in rendered().items():
        path = os.path.join(REPO, relative)
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current != text:
            stale.append(relative)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which files differ from the results")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for relative in stale:
            print(f"{relative} differs from the results: run python benchmarks/render.py")
        return 1 if stale else 0
    for relative, text in rendered().items():
        write_text_atomic(text, os.path.join(REPO, relative))
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
