"""Robustness and explanations of a run's teacher and student (Keras and int8 .tflite).

Usage: .venv/bin/python benchmarks/robustness_explain.py [--run runs/default] [--num-examples 500]
       [--num-explain N] [--recipes deepwordbug pruthi pwws textfooler] [--seed 0] [--out benchmarks/results]

Reads the models ``tfcompress run`` saved in RUN (``checkpoints/teacher.keras``, the student the
``.tflite`` came from — ``checkpoints/student_qat.npz`` when the run has a QAT student, else
``checkpoints/student.keras`` —, ``student.tflite``) and its dataset and seed (``metrics.json``).
On the same seeded sample of N test sentences:
- every attack recipe against the teacher, the student and the student's .tflite: clean accuracy,
  accuracy under attack, attack success rate, mean fraction of words perturbed, mean queries,
  seconds per attacked example; and the agreement of the attack outcomes (successful / failed /
  skipped) between the .tflite and its Keras student (target >= 0.95);
- explanations (on the first --num-explain of those sentences): shap (Partition, word masker) for
  all three, integrated gradients for the two Keras models, each explaining the teacher's
  predicted class; AOPC (top-10 deletion) against a random deletion order; fidelity (Spearman,
  top-5 overlap) teacher vs student and student vs .tflite.
Writes OUT/robustness_explain.json, .md, .examples.csv (every attacked example) and the pictures and
values of the explanations (OUT/robustness_explain.<model>_<method>.{png,html,json}). Each finished
(model, recipe) attack is kept in OUT/.robustness_explain.partial/ (students first, the teacher last):
an interrupted benchmark rerun with the same arguments on the same run resumes there.
"""
import argparse
import csv
import os
import sys
import tempfile
import time

from common import ResumableCache, markdown_table

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.explain import explain_model, fidelity
from tfcompress.pipeline import RunFolder, load_exportable, load_text_model
from tfcompress.robustness import CSV_COLUMNS, RECIPE_NAMES, attack_model, outcome_agreement, write_csv_atomic

PREFIX = "robustness_explain"
ATTACK_KEYS = ("clean_accuracy", "accuracy_under_attack", "attack_success_rate", "mean_words_perturbed",
               "mean_queries", "seconds_per_attacked_example")


def load_models(run):
    """The run's models, cheapest first (so an interrupted benchmark has the students' numbers). The
    student is the Keras model the .tflite came from: the QAT student when the run has one."""
    folder = RunFolder(run)
    teacher = load_text_model(folder.teacher_path)
    student, _ = load_exportable(run)
    tflite = load_text_model(folder.tflite_path, keras_model=student)
    return {"student": student, "student_tflite": tflite, "teacher": teacher}


def attack_once(model, name, recipe, data, args, scratch, fingerprint):
    """One (model, recipe) attack, kept in OUT/.robustness_explain.partial/ so a rerun resumes."""
    key = {"fingerprint": fingerprint, "num_examples": args.num_examples, "seed": args.seed,
           "sentence_encoder": args.sentence_encoder}
    cache, kept_as = ResumableCache(os.path.join(args.out, f".{PREFIX}.partial")), f"{name}_{recipe}.json"
    kept = cache.load(kept_as, key)
    if kept is not None:
        print(f"{name} {recipe}: reused {cache.path(kept_as)}", file=sys.stderr)
        return kept["result"], kept["rows"]
    result = attack_model(model, data.test.texts, data.test.labels, recipe, num_examples=args.num_examples,
                          seed=args.seed, out_dir=scratch, csv_name=f"{name}_{recipe}.csv",
                          sentence_encoder=args.sentence_encoder)
    with open(result.pop("csv"), newline="", encoding="utf-8") as handle:
        rows = [{"model": name, "recipe": recipe, **row} for row in csv.DictReader(handle)]
    cache.keep(kept_as, key, {"result": result, "rows": rows})
    return result, rows


def run_attacks(models, data, args, scratch, fingerprint=None):
    results, rows = {}, []
    for name, model in models.items():
        results[name] = {}
        for recipe in args.recipes:
            result, attacked = attack_once(model, name, recipe, data, args, scratch, fingerprint)
            rows.extend(attacked)
            results[name][recipe] = result
            print(f"{name} {recipe}: " + ", ".join(f"{k} {_fmt(result[k])}" for k in ATTACK_KEYS), file=sys.stderr)
    agreement = {recipe: outcome_agreement(results["student"][recipe], results["student_tflite"][recipe])
                 for recipe in args.recipes}
    return results, agreement, rows


def run_explanations(models, data, args, sample):
    texts = [data.test.texts[i] for i in sample]
    common = {"seed": args.seed, "out_dir": args.out, "num_plotted": 3, "max_evals": args.max_evals}
    teacher = explain_model(models["teacher"], texts, name=f"{PREFIX}.teacher", **common)
    targets = [item["target"] for item in teacher["attributions"]["shap"]]
    student = explain_model(models["student"], texts, target=targets, name=f"{PREFIX}.student", **common)
    tflite = explain_model(models["student_tflite"], texts, target=targets, name=f"{PREFIX}.student_tflite", **common)
    fidelities = {
        f"teacher_vs_student_{method}": fidelity(teacher["attributions"][method], student["attributions"][method])
        for method in ("shap", "integrated_gradients")}
    fidelities["student_vs_tflite_shap"] = fidelity(student["attributions"]["shap"], tflite["attributions"]["shap"])
    for value in fidelities.values():
        value.pop("per_sentence")
    summaries = {}
    for name, result in (("teacher", teacher), ("student", student), ("student_tflite", tflite)):
        result.pop("attributions")
        result.pop("indices")
        summaries[name] = result
    return summaries, fidelities


def _fmt(value, digits=3):
    return "n/a" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


ATTACK_HEADER = ("model", "recipe", "clean acc", "acc under attack", "success rate", "words perturbed", "queries",
                 "s / attacked example")
FIDELITY_HEADER = ("fidelity", "Spearman (mean)", "top-5 overlap (mean)", "sentences", "Spearman undefined")


def attack_lines(attacks):
    return [(model, recipe, *(_fmt(r[k], 4 if k == "seconds_per_attacked_example" else 3) for k in ATTACK_KEYS))
            for model, by_recipe in attacks.items() for recipe, r in by_recipe.items()]


def explanation_lines(explanations):
    return [(model, method, _fmt(s["aopc"]), _fmt(s["aopc_random"]), _fmt(s["seconds_per_text"], 4))
            for model, result in explanations.items() for method, s in result["methods"].items()]


def markdown(report):
    """OUT/robustness_explain.md: the attack, outcome agreement, explanation and fidelity tables."""
    agreement = [(recipe, _fmt(value)) for recipe, value in report["tflite_outcome_agreement"].items()]
    fidelities = [(name, _fmt(f["spearman"]), _fmt(f["top_k_overlap"]), f["num_sentences"],
                   f["num_spearman_undefined"]) for name, f in report["fidelity"].items()]
    lines = [f"# Robustness and explanations (run {report['run']}, preset {report['preset']})", "",
             f"- dataset `{report['dataset']}`, {report['num_examples']} test sentences (seed {report['seed']}), "
             f"explanations on {report['num_explain']}; versions: "
             + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
             f"- command: `{report['command']}` ({report['seconds']:.0f} s on {report['machine']})", "",
             "## Attacks", "", markdown_table(ATTACK_HEADER, attack_lines(report["attacks"])),
             "", "Attack outcome agreement, student .tflite vs its Keras model (same sample and seed; "
             "target >= 0.95):", "", markdown_table(("recipe", "agreement"), agreement),
             "", "## Explanations (target: the teacher's predicted class)", "",
             markdown_table(("model", "method", "AOPC (top-10 deletion)", "AOPC random order", "s / sentence"),
                            explanation_lines(report["explanations"])),
             "", markdown_table(FIDELITY_HEADER, fidelities)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default", help="output folder of 'tfcompress run'")
    parser.add_argument("--num-examples", type=int, default=500, help="test sentences attacked")
    parser.add_argument("--num-explain", type=int, default=None, help="of those, sentences explained (default: all)")
    parser.add_argument("--recipes", nargs="+", default=list(RECIPE_NAMES), choices=RECIPE_NAMES)
    parser.add_argument("--sentence-encoder", choices=["minilm"], default=None, help="textfooler's USE substitute")
    parser.add_argument("--max-evals", type=int, default=500, help="shap evaluations per sentence")
    parser.add_argument("--seed", type=int, default=None, help="default: the run's seed")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args(argv)
    started = time.time()
    folder = RunFolder(args.run)
    metrics = folder.load_metrics()
    args.seed = metrics["seed"] if args.seed is None else args.seed
    dataset = metrics["run"].get("dataset", "rotten_tomatoes")
    data = datasets.load(dataset, seed=metrics["seed"])
    models = load_models(args.run)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        attacks, agreement, rows = run_attacks(models, data, args, scratch, metrics.get("fingerprint"))
    sample = next(iter(attacks["student"].values()))["indices"]
    sample = sample[:args.num_explain] if args.num_explain else sample
    explanations, fidelities = run_explanations(models, data, args, sample)
    report = {
        "run": args.run, "preset": metrics.get("preset"), "dataset": dataset, "seed": args.seed,
        "num_examples": len(attacks["student"][args.recipes[0]]["indices"]),
        "num_explain": len(sample), "recipes": args.recipes, "sentence_encoder": args.sentence_encoder,
        "models": {"teacher": metrics["settings"]["teacher"]["name"], "student": metrics["settings"]["student"]["name"],
                   "student_tflite": os.path.join(args.run, os.path.basename(folder.tflite_path))},
        "versions": versions(), "machine": f"{os.cpu_count()} CPU cores",
        "command": "python benchmarks/robustness_explain.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "attacks": attacks, "tflite_outcome_agreement": agreement, "explanations": explanations,
        "fidelity": fidelities, "sample_indices": sample,
    }
    report["seconds"] = round(time.time() - started, 1)
    write_csv_atomic(rows, os.path.join(args.out, f"{PREFIX}.examples.csv"), columns=["model", "recipe", *CSV_COLUMNS])
    write_json_atomic(report, os.path.join(args.out, f"{PREFIX}.json"))
    write_text_atomic(markdown(report), os.path.join(args.out, f"{PREFIX}.md"))
    print(markdown(report))


if __name__ == "__main__":
    main()
