"""Ablation of the robust encodings and objectives on rotten_tomatoes, with the default preset's student.

Usage: NLTK_DATA=.cache/nltk_data .venv/bin/python benchmarks/ablation.py [--run runs/default]
           [--num-attacked 500] [--rows kd,typo,discrete,continuous,all] [--out benchmarks/results]

Every row is trained by the package's recipe (``make_student`` + ``distill``) from the main job's
teacher (``RUN/checkpoints/teacher.keras`` and its output cache; ``tfcompress run --preset default
--out RUN`` makes them) with the default preset's settings (seed, data, transfer set, embedding start,
patience, epoch budget); each row adds one thing to the row before it:
  kd          plain KD (CE 0.1 + KD 0.9, T = 3) of the hashed student (2 FNV hashes x 4,096 rows, issue 14)
  typo        + the typo-canonical encoding: closed vocabulary with one-edit recovery (VocabularyEncoder)
  synonym     + a synonym-canonical encoding: not built (reported as such; see the README)
  discrete    + discrete adversarial training: random character edits of the transfer set, the
              worst-case term over the declared substitution sets, refreshed textattack texts
  continuous  + the continuous PGD term
  all         + the explanation term: the default preset
  fasttext    the peer: fastText (word bigrams, quantized), trained and attacked on the same data
For each row, the post-training int8 ``.tflite`` of the student (what the phone runs; tokenization
and encoding included, attacked from raw text): clean test accuracy, accuracy under DeepWordBug,
Pruthi, PWWS and TextFooler on the same ``--num-attacked`` seeded test sentences (query budget 500),
certified accuracy (float model; one character edit per word, and PWWS' WordNet swaps), int8 bytes
with the spec embedded, training seconds and seconds per step relative to the kd row. Rows are kept
in OUT/.ablation.partial/ as they finish, so an interrupted benchmark resumes; writes OUT/ablation.json
and OUT/ablation.md.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (ResumableCache, benchmark_arguments, cell, main_job_teacher, markdown_table,  # noqa: E402
                    train_recipe_row)
from fasttext_peer import train_fasttext  # noqa: E402

from tfcompress.atomic import write_json_atomic, write_text_atomic  # noqa: E402
from tfcompress.backend import versions  # noqa: E402
from tfcompress.distill.substitution_sets import substitution_table, wordnet_substitutes  # noqa: E402
from tfcompress.evaluation import accuracy, select_sample  # noqa: E402
from tfcompress.export import export_android  # noqa: E402
from tfcompress.pipeline import PLAIN_KD, preset_settings  # noqa: E402
from tfcompress.robustness import RECIPE_NAMES, attack_model  # noqa: E402
from tfcompress.robustness.certify import certify, table_candidates, typo_candidates  # noqa: E402
from tfcompress.tflite import load_android_model  # noqa: E402

DATASET = "rotten_tomatoes"
QUERY_BUDGET = 500
DEFAULT = preset_settings("default")
NO_ROBUSTNESS = {"vocabulary": None, "transfer.typo_share": 0.0, "worst_case.weight": 0.0}
DISCRETE = {"transfer.typo_share": DEFAULT.transfer.typo_share, "transfer.typo_rate": DEFAULT.transfer.typo_rate,
            "worst_case.weight": DEFAULT.worst_case.weight, "adversarial.texts": DEFAULT.adversarial.texts}
ROWS = {
    "kd": {**PLAIN_KD, **NO_ROBUSTNESS},
    "typo": {**PLAIN_KD, **NO_ROBUSTNESS, "vocabulary": DEFAULT.vocabulary},
    "synonym": None,
    "discrete": {**PLAIN_KD, **DISCRETE},
    "continuous": {**PLAIN_KD, **DISCRETE, "adversarial.weight": DEFAULT.adversarial.weight},
    "all": {},
    "fasttext": None,
}
LABELS = {"kd": "plain KD (hashed words)", "typo": "+ typo-canonical encoding", "synonym": "+ synonym encoding",
          "discrete": "+ discrete adversarial training", "continuous": "+ continuous (PGD) term",
          "all": "+ explanation term (the default preset)",
          "fasttext": "fastText (supervised, bigrams, quantized .ftz): the peer"}
NOT_BUILT = ("not built: synonym-canonical clusters measured weak in the stand-in study (PWWS .03-.12, "
             "../shared/notes/research-robustness.md); the worst-case term covers the synonym threat instead")


def row_settings(name):
    return DEFAULT.with_changes({"schedule.monitor_examples": 0, **ROWS[name]})


def train_row(name, teacher, data, cache, partial, key):
    return train_recipe_row(name, row_settings(name), teacher, data, cache, partial, key, "ablation")


def attacks(model, data, sample, name):
    """Accuracy under each recipe on the sampled test sentences, from raw text."""
    figures = {}
    for recipe in RECIPE_NAMES:
        print(f"[ablation] {name}: {recipe} on {len(sample)} sentences", flush=True)
        result = attack_model(model, data.test.texts, data.test.labels, recipe, seed=0, progress=False,
                              query_budget=QUERY_BUDGET, indices=sample)
        figures[f"{recipe}_accuracy"] = result["accuracy_under_attack"]
    return figures


def fasttext_row(data, sample, partial):
    """fastText trained on the same split (as benchmarks/paper.py trains it), attacked on the same sentences."""
    path = partial.path("fasttext.ftz")
    model = train_fasttext(data.train, data.num_classes, path, seed=0)
    return {"clean_accuracy": accuracy(model.predict_texts(list(data.test.texts)), data.test.labels),
            "int8_bytes": os.path.getsize(path), **attacks(model, data, sample, "fasttext")}


def measure_row(name, student, data, sample, out_folder):
    """Clean accuracy, the four attacks on the int8 file (with its spec), certified accuracy, bytes."""
    path = os.path.join(out_folder, f"{name}.tflite")
    exported = export_android(student, path, list(data.train.texts[:2000]), class_names=data.class_names)
    phone = load_android_model(path)
    texts = [data.test.texts[index] for index in sample]
    labels = [int(data.test.labels[index]) for index in sample]
    figures = {"clean_accuracy": accuracy(phone.predict_texts(list(data.test.texts)), data.test.labels),
               "float_clean_accuracy": accuracy(student.predict_texts(list(data.test.texts)), data.test.labels),
               "int8_bytes": exported["bytes"], **attacks(phone, data, sample, name)}
    if hasattr(student.encoder, "reachable_ids") and hasattr(student, "worst_case_logits"):
        table = substitution_table(student.encoder, wordnet_substitutes(student.encoder.vocabulary), 10 ** 6)
        figures["certified_typo"] = certify(student, texts, labels,
                                            lambda text: typo_candidates(student.encoder, text))["certified_accuracy"]
        figures["certified_wordnet"] = certify(
            student, texts, labels, lambda text: table_candidates(student.encoder, table, text))["certified_accuracy"]
    return figures


HEADER = ("row", "clean acc. (int8)", "DeepWordBug", "Pruthi", "PWWS", "TextFooler", "certified typo",
          "certified WordNet", "int8 bytes", "step time vs kd", "epochs")


def markdown(rows):
    def line(row):
        if "not_built" in row:
            return (LABELS[row["row"]], row["not_built"], *["-"] * (len(HEADER) - 2))
        return (LABELS[row["row"]], cell(row.get("clean_accuracy"), "{:.4f}"),
                *[cell(row.get(f"{recipe}_accuracy"), "{:.3f}") for recipe in RECIPE_NAMES],
                cell(row.get("certified_typo"), "{:.3f}"), cell(row.get("certified_wordnet"), "{:.3f}"),
                cell(row.get("int8_bytes"), "{:,}"), cell(row.get("step_time_vs_kd"), "{:.2f}x"),
                cell(row.get("epochs")))

    return markdown_table(HEADER, [line(row) for row in rows]) + "\n"


def parse_args():
    return benchmark_arguments(__doc__.splitlines()[0], ROWS, "--num-attacked", 500)


def main():
    args = parse_args()
    from tfcompress.offline import use_nltk_data

    use_nltk_data()
    started = time.time()
    folder, data, teacher, cache = main_job_teacher(args.run, DATASET, "the ablation")
    sample = select_sample(len(data.test.texts), args.num_attacked, 0)
    partial = ResumableCache(os.path.join(args.out, ".ablation.partial"))
    rows = []
    for name in args.rows.split(","):
        if name == "fasttext":
            figures = partial.load("fasttext.json", {"sample": sample}) or partial.keep(
                "fasttext.json", {"sample": sample}, fasttext_row(data, sample, partial))
            rows.append({"row": name, **figures})
            continue
        if ROWS[name] is None:
            rows.append({"row": name, "not_built": NOT_BUILT})
            continue
        key = {"settings": row_settings(name).to_flat(), "teacher": os.path.getmtime(folder.teacher_path), "sample": sample}
        figures = partial.load(f"{name}.json", key)
        if figures is None:
            student, times = train_row(name, teacher, data, cache, partial, key)
            figures = partial.keep(f"{name}.json", key, {**times, **measure_row(name, student, data, sample,
                                                                                  partial.folder)})
        rows.append({"row": name, **figures})
        print(f"[ablation] {name}: {figures}", flush=True)
    kd_step = next((row["step_seconds"] for row in rows if row["row"] == "kd"), None)
    for row in rows:
        if "step_seconds" in row and kd_step:
            row["step_time_vs_kd"] = round(row["step_seconds"] / kd_step, 3)
    record = {"command": "python benchmarks/ablation.py " + " ".join(sys.argv[1:]), "dataset": DATASET, "seed": 0,
              "run": args.run, "num_attacked": len(sample), "attacked_indices": sample, "query_budget": QUERY_BUDGET,
              "recipes": list(RECIPE_NAMES), "rows": rows, "versions": versions(),
              "machine": f"{os.cpu_count()} CPU cores", "seconds": round(time.time() - started, 1)}
    write_json_atomic(record, os.path.join(args.out, "ablation.json"))
    write_text_atomic(markdown(rows), os.path.join(args.out, "ablation.md"))
    print(markdown(rows))


if __name__ == "__main__":
    main()
