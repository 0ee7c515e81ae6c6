"""The student recipe on the standard split: the shipped presets against plain distillation and the peers.

Usage:
    .venv/bin/python benchmarks/student_recipe.py [--rows default,small,plain_kd,tfidf,fasttext] [--seeds 0 1 2]
        [--attack-examples 500] [--explain-examples 100] [--teacher-from RUN_FOLDER] [--out benchmarks/results]

Every row is measured on the dataset's standard split (seed 0: 10,200 / 1,275 / 1,276 for rotten_tomatoes, no
users held out):

- ``default`` and ``small``: the presets exactly as ``tfcompress run --preset P --held-out-users 0
  --student-seed S`` trains them (one teacher, fine-tuned once and shared by every student seed), measured by
  the run itself on its int8 ``.tflite`` with its spec: test accuracy, the four attacks on the same
  ``--attack-examples`` seeded test sentences from raw text through the front end (query budget 500), the
  fidelity of the on-device contributions to the teacher's shap values (Spearman, ``--explain-examples``
  sentences), bytes.
- ``plain_kd``: the default preset's student, encoder and transfer set distilled with the KD and CE terms
  alone (no explanation, adversarial or worst-case term, no typo edits), post-training int8: the baseline the
  objectives' cost is measured against.
- ``tfidf``: the baseline every run measures, ``tfcompress.baseline`` (TF-IDF + logistic regression, word 1-2 grams; C and sublinear tf chosen on validation).
- ``fasttext``: quantized fastText (epochs, word n-grams and cutoff chosen on validation).

The peers are attacked on the same sentences. Finished rows are kept in OUT/student_recipe.json (commit it after
each row: a rerun, on this machine or another, skips the rows it holds, except a preset row whose recipe has
changed since); run folders live in OUT/.student_recipe.partial, so an interrupted run resumes from its
checkpoints. OUT/student_recipe.md is the
table: per row the mean and spread (population std) over the seeds finished, and each seed.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import markdown_table  # noqa: E402

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import versions
from tfcompress.evaluation import accuracy
from tfcompress.pipeline import PLAIN_KD, RunConfig, RunFolder, distill, make_student, preset_settings, run

RECIPES = ("deepwordbug", "pruthi", "pwws", "textfooler")
PRESET_ROWS = ("default", "small")
SEEDED_ROWS = (*PRESET_ROWS, "plain_kd")
PEER_ROWS = ("tfidf", "fasttext")
ENCODER_ROWS = ("encoder_default", "encoder_small")
QUERY_BUDGET = 500
RESULTS = "student_recipe"


def log(message):
    print(f"[student_recipe] {message}", flush=True)


def preset_config(preset, seed, args, folder):
    """The ``tfcompress run`` of one preset row: the preset on the standard split, no users held out."""
    return RunConfig(out=folder, preset=preset, held_out_users=0, seed=0, student_seed=seed,
                     skip=("personalization",), robustness_examples=args.attack_examples,
                     explanation_examples=args.explain_examples)


def is_current(key, row, args, workspace):
    """Whether a finished row was measured with what the row trains now: a preset row whose run's fingerprint
    differs (the preset's recipe changed since) is measured again."""
    name, _, seed = key.partition("/seed")
    if name not in PRESET_ROWS:
        return True
    config = preset_config(name, int(seed), args, os.path.join(workspace, f"{name}-seed{seed}"))
    return row.get("fingerprint") == config.fingerprints()[0]


def preset_row(preset, seed, args, workspace):
    """Train and measure one preset at one student seed through ``tfcompress run``; returns the row."""
    folder = os.path.join(workspace, f"{preset}-seed{seed}")
    teacher_source = args.teacher_from or os.path.join(workspace, "default-seed0")
    if not os.path.exists(RunFolder(folder).teacher_path) and os.path.exists(RunFolder(teacher_source).teacher_path):
        RunFolder(folder).take_teacher_from(teacher_source)
    started = time.time()
    metrics = run(preset_config(preset, seed, args, folder))
    tflite, robustness = metrics["tflite"], metrics["robustness"]["models"]
    fidelity = metrics["explanations"]["fidelity"]["teacher_shap_vs_student_tflite_contributions"]
    row = {"test_accuracy": tflite["test_accuracy"], "float_test_accuracy": metrics["student"]["test_accuracy"],
           "validation_accuracy": metrics["qat"]["validation_accuracy"] if isinstance(metrics["qat"], dict)
           else metrics["student"]["validation_accuracy"],
           "bytes": tflite["bytes"], "teacher_test_accuracy": metrics["teacher"]["test_accuracy"],
           "teacher_validation_accuracy": metrics["teacher"]["validation_accuracy"],
           **{recipe: robustness["student_tflite"][recipe]["accuracy_under_attack"] for recipe in RECIPES},
           "attack_indices": metrics["robustness"]["indices"],
           "teacher_attacks": {recipe: robustness["teacher"][recipe]["accuracy_under_attack"] for recipe in RECIPES},
           "fidelity": fidelity["spearman"], "fidelity_sentences": fidelity["num_sentences"],
           "phases": metrics["distill"].get("phases"), "worst_case_sets": metrics["distill"].get("worst_case_sets"),
           "known_words_bytes": _known_words_bytes(metrics), "run_seconds": round(time.time() - started),
           "fingerprint": metrics["fingerprint"]}
    return row


def _known_words_bytes(metrics):
    """Bytes of the shipped known-words filter (in the spec's preprocessing), or ``None`` without one."""
    known = (metrics["tflite"].get("encoder") or {}).get("known_words")
    return (int(known["bits"]) + 7) // 8 if isinstance(known, dict) else None


def plain_kd_row(seed, args, workspace, data):
    """The default preset's student distilled with KD and CE alone (same teacher, encoder, transfer copies)."""
    from tfcompress.export import export_android
    from tfcompress.models import TeacherOutputCache, load_model
    from tfcompress.tflite import load_android_model

    source = RunFolder(os.path.join(workspace, f"default-seed{seed}"))
    if not os.path.exists(source.teacher_path):
        raise SystemExit(f"plain_kd at seed {seed} reuses the default row's run: run --rows default first")
    fitted = _fitted_lengths(source)  # the lengths the default run fitted to the data
    settings = preset_settings("default").with_changes({
        **PLAIN_KD, "schedule.monitor_examples": 0, "student.model.max_length": fitted["student"],
        "teacher.model.max_length": fitted["teacher"]})
    teacher, cache = load_model(source.teacher_path), TeacherOutputCache(source.teacher_outputs)
    started = time.time()
    student, _ = make_student(settings, teacher, data, seed=seed, cache=cache)
    result = distill(student, teacher, data, settings, seed=seed, cache=cache,
                     backup_dir=os.path.join(workspace, f"plain_kd-seed{seed}-backup"))
    path = os.path.join(workspace, f"plain_kd-seed{seed}.tflite")
    exported = export_android(student, path, list(data.train.texts[:2000]), class_names=data.class_names)
    phone = load_android_model(path)
    return {"test_accuracy": accuracy(phone.predict_texts(list(data.test.texts)), data.test.labels),
            "float_test_accuracy": accuracy(student.predict_texts(list(data.test.texts)), data.test.labels),
            "validation_accuracy": accuracy(student.predict_texts(list(data.validation.texts)),
                                            data.validation.labels),
            "bytes": exported["bytes"], "phases": result.summary["phases"],
            "run_seconds": round(time.time() - started)}


def _fitted_lengths(folder):
    """``{"student", "teacher"}``: the max_length each model of a finished run was built with."""
    import json

    with open(folder.metrics_path, encoding="utf-8") as handle:
        return json.load(handle)["dataset"]["max_length"]


def attacked_sentences(workspace):
    """The test indices a finished preset run attacked (its metrics.json), or ``None`` before any has."""
    import glob
    import json

    for path in sorted(glob.glob(os.path.join(workspace, "*-seed*", "metrics.json"))):
        with open(path, encoding="utf-8") as handle:
            robustness = json.load(handle).get("robustness")
        if isinstance(robustness, dict) and robustness.get("indices"):
            return robustness["indices"]
    return None


def peer_row(name, data, workspace, indices):
    """A validation-tuned peer trained on the same split, attacked on the same sentences from raw text."""
    from tfcompress.robustness import attack_model

    started = time.time()
    if name == "tfidf":
        from tfcompress.baseline import fit_baseline

        model = fit_baseline(data)
        row = {"settings": model.settings, "bytes": model.nbytes()}
    else:
        from fasttext_peer import tuned_fasttext

        path = os.path.join(workspace, "fasttext.ftz")
        model, settings = tuned_fasttext(data, path)
        row = {"settings": settings, "bytes": os.path.getsize(path)}
    row["test_accuracy"] = accuracy(model.predict_texts(list(data.test.texts)), data.test.labels)
    row["validation_accuracy"] = accuracy(model.predict_texts(list(data.validation.texts)), data.validation.labels)
    for recipe in RECIPES:
        log(f"{name}: {recipe} on {len(indices)} sentences")
        result = attack_model(model, data.test.texts, data.test.labels, recipe, seed=0, progress=False,
                              query_budget=QUERY_BUDGET, indices=indices)
        row[recipe] = result["accuracy_under_attack"]
    row["run_seconds"] = round(time.time() - started)
    return row


LENGTH_BANDS = ((3, 3), (4, 4), (5, 6), (7, 99))


def encoder_row(data, preset, samples_per_band=2000, seed=0):
    """What the preset's encoder does with words: out-of-vocabulary test tokens, listed English words rewritten
    (should be 0), the known-words filter's size, and how often one random edit of a vocabulary word (DeepWordBug's
    four kinds, any position) is read back as the word, as unknown or as another word, by word length."""
    from tfcompress.distill.typo_edits import random_typo
    from tfcompress.pipeline.recipe import word_encoder
    from tfcompress.text.english_words import english_words
    from tfcompress.text.vocabulary_encoder import UNKNOWN_ID

    encoder = word_encoder(preset_settings(preset), data)
    tokens = [token for text in data.test.texts for token in encoder.tokenizer.tokenize(text)]
    english = english_words()
    rewritten = [word for word in english if encoder.canonical_id(word) not in (UNKNOWN_ID, encoder.word_ids.get(word))]
    rng = np.random.RandomState(seed)
    recovery = {}
    for low, high in LENGTH_BANDS:
        words = [word for word in encoder.vocabulary if word.isalpha() and low <= len(word) <= high]
        outcomes = {"back": 0, "unknown": 0, "other_word": 0}
        for _ in range(samples_per_band):
            word = words[rng.randint(len(words))]
            read = encoder.canonical_word(random_typo(word, rng))
            outcomes["back" if read == word else "unknown" if read is None else "other_word"] += 1
        band = str(low) if low == high else f"{low}-{high}" if high < 99 else f"{low}+"
        recovery[band] = {name: count / samples_per_band for name, count in outcomes.items()}
    return {"vocabulary": len(encoder.vocabulary),
            "test_tokens_out_of_vocabulary": sum(token not in encoder.word_ids for token in tokens) / len(tokens),
            "english_words_rewritten": len(rewritten), "known_words_bytes": encoder.known_words.nbytes,
            "typo_recovery_by_length": recovery}


def load_results(path):
    import json

    if not os.path.exists(path):
        return {"rows": {}}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def summary(results):
    """Per row name: the mean and population std of each figure over its finished seeds."""
    grouped = {}
    for key, row in results["rows"].items():
        if key in ENCODER_ROWS:
            continue
        grouped.setdefault(key.split("/")[0], []).append(row)
    table = {}
    for name, rows in grouped.items():
        figures = {}
        for figure in ("test_accuracy", "float_test_accuracy", "validation_accuracy", *RECIPES, "fidelity", "bytes"):
            values = [row[figure] for row in rows if row.get(figure) is not None]
            if values:
                figures[figure] = {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values),
                                   "min": float(np.min(values))}
        table[name] = figures
    return table


def markdown(results):
    def fmt(figures, name, digits=4):
        value = figures.get(name)
        if value is None:
            return "-"
        if value["n"] == 1:
            return f"{value['mean']:.{digits}f}"
        return f"{value['mean']:.{digits}f} ± {value['std']:.{digits}f} (n={value['n']})"

    header = ("row", "test acc. (int8)", "float test acc.", "DeepWordBug", "Pruthi", "PWWS", "TextFooler",
              "fidelity", "bytes")
    table = summary(results)
    lines = [markdown_table(header, [(name, fmt(f, "test_accuracy"), fmt(f, "float_test_accuracy"),
                                      *(fmt(f, recipe, 3) for recipe in RECIPES), fmt(f, "fidelity", 3),
                                      fmt(f, "bytes", 0)) for name, f in table.items()])]
    seeds = [(key, f"{row['test_accuracy']:.4f}", f"{row.get('float_test_accuracy', float('nan')):.4f}",
              *(f"{row[recipe]:.3f}" if row.get(recipe) is not None else "-" for recipe in RECIPES),
              f"{row['fidelity']:.3f}" if row.get("fidelity") is not None else "-", row.get("bytes", "-"))
             for key, row in sorted(results["rows"].items()) if key not in ENCODER_ROWS]
    lines += ["", "Each finished row:", "", markdown_table(("row/seed", *header[1:]), seeds)]
    for name in ENCODER_ROWS:
        if name in results["rows"]:
            row = results["rows"][name]
            lines += ["", f"The {name.split('_', 1)[1]} preset's encoder: {row['vocabulary']:,} words, "
                      f"{row['test_tokens_out_of_vocabulary']:.1%} of test tokens outside them, "
                      f"{row['english_words_rewritten']} listed English words rewritten into another word, a "
                      f"{row['known_words_bytes']:,}-byte known-words filter. One random edit of a vocabulary word "
                      "(DeepWordBug's four kinds) is read as:", "",
                      markdown_table(("word length", "the word", "unknown", "another word"),
                                     [(band, f"{shares['back']:.3f}", f"{shares['unknown']:.3f}",
                                       f"{shares['other_word']:.3f}")
                                      for band, shares in row["typo_recovery_by_length"].items()])]
    return "\n".join(lines) + "\n"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="encoder_default,encoder_small,default,small,plain_kd,tfidf,fasttext")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--attack-examples", type=int, default=500)
    parser.add_argument("--explain-examples", type=int, default=100)
    parser.add_argument("--teacher-from", help="a run folder whose teacher (same teacher settings) the rows reuse")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rows = args.rows.split(",")
    unknown = sorted(set(rows) - set(SEEDED_ROWS) - set(PEER_ROWS) - set(ENCODER_ROWS))
    if unknown:
        raise SystemExit(f"unknown rows {unknown}; rows are {[*SEEDED_ROWS, *PEER_ROWS, *ENCODER_ROWS]}")
    workspace = os.path.join(args.out, f".{RESULTS}.partial")
    os.makedirs(workspace, exist_ok=True)
    path = os.path.join(args.out, f"{RESULTS}.json")
    results = load_results(path)
    data = datasets.load("rotten_tomatoes", seed=0)
    stale = sorted(key for key, row in results["rows"].items() if not is_current(key, row, args, workspace))
    if stale:
        log(f"measured with an earlier recipe, so measured again: {stale}")
        for key in stale:
            results["rows"].pop(key)
    todo = [(name, seed) for name in rows for seed in (args.seeds if name in SEEDED_ROWS else [None])
            if (f"{name}/seed{seed}" if seed is not None else name) not in results["rows"]]
    log(f"{len(todo)} rows to measure: {todo} (a preset row takes about 20 minutes on 2 cores, the first one longer "
        "for the teacher)")
    for name, seed in todo:
        key = f"{name}/seed{seed}" if seed is not None else name
        log(f"measuring {key}")
        if name in ENCODER_ROWS:
            row = encoder_row(data, name.split("_", 1)[1])
        elif name in PRESET_ROWS:
            row = preset_row(name, seed, args, workspace)
        elif name == "plain_kd":
            row = plain_kd_row(seed, args, workspace, data)
        else:
            indices = next((row["attack_indices"] for row in results["rows"].values() if row.get("attack_indices")),
                           None) or attacked_sentences(workspace)
            if indices is None:
                raise SystemExit("the peers are attacked on the preset rows' sentences: measure a preset row first")
            row = peer_row(name, data, workspace, indices)
        results["rows"][key] = {**row, "measured": time.strftime("%Y-%m-%d"), "versions": versions()}
        results["summary"] = summary(results)
        write_json_atomic(results, path)
        write_text_atomic(markdown(results), os.path.join(args.out, f"{RESULTS}.md"))
        log(f"{key} done; commit {path} to keep it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
