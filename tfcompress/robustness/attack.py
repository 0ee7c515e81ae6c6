"""Run an attack recipe over a labelled sample and summarize it: the numbers and a CSV of examples."""
import csv
import io
import os
import random
import sys
import time

import numpy as np

from tfcompress.errors import DataError
from tfcompress.atomic import write_bytes_atomic
from tfcompress.evaluation import read_part, select_sample
from tfcompress.robustness.recipes import RECIPE_NAMES, build_attack, check_recipe

CSV_COLUMNS = ["index", "label", "outcome", "original_text", "perturbed_text", "original_prediction",
               "perturbed_prediction", "original_probability", "perturbed_probability", "num_queries",
               "words_perturbed", "num_words", "seconds"]


def attack_model(model, texts, labels, recipe, num_examples=None, seed=0, out_dir=None, progress=True,
                 query_budget=None, sentence_encoder=None, csv_name=None, return_examples=False, indices=None,
                 max_words=None):
    """Attack ``model`` with ``recipe`` on a seeded sample of (text, label) pairs.

    Args:
        model: a ``TextClassifier``, a ``TFLiteTextClassifier`` or a textattack ``ModelWrapper``.
        texts, labels: the labelled data (e.g. ``data.test.texts``, ``data.test.labels``).
        recipe: one of ``RECIPE_NAMES`` (``deepwordbug``, ``pruthi``, ``pwws``, ``textfooler``).
        num_examples: attack this many examples (drawn with ``seed``; ``None``: all).
        seed: fixes the sample and the random choices of the recipes (seeded per example, so the
            same example gets the same random edits whatever model is attacked).
        out_dir: if given, the examples are written (atomically) to ``out_dir/attack_<recipe>.csv``.
        progress: show a progress bar on stderr.
        query_budget: maximum model queries per example (``None``: unlimited).
        sentence_encoder: textfooler only: ``None`` or ``"minilm"``.
        csv_name: file name instead of ``attack_<recipe>.csv``.
        return_examples: also return the per-example rows (original and perturbed texts) as ``examples``.
        indices: attack exactly these example positions instead of a seeded sample.
        max_words: only each text's first ``max_words`` words may be edited (``None``: any word); caps the
            time an attack spends on a long text.

    Each text is attacked as the part of it the model reads (``tfcompress.evaluation.read_part``): a model
    that reads its first ``max_length`` tokens predicts the same from that part, and the recipes' cost grows
    with the square of a text's words, so a long document costs what its reading window costs. The CSV holds
    those parts.

    Returns:
        A JSON-serializable dict: ``recipe``, ``model`` (keras/tflite), ``num_examples``, ``seed``,
        ``indices`` (the sample), ``clean_accuracy``, ``accuracy_under_attack``,
        ``attack_success_rate`` (successful / attacked), ``mean_words_perturbed`` (fraction of
        words changed, over successful attacks), ``mean_queries`` (over attacked examples),
        ``seconds_per_attacked_example``, ``seconds``, ``counts``, ``outcomes`` (per example:
        successful/failed/skipped) and ``csv`` (path or ``None``). Undefined means are ``None``.

    Raises:
        ValueError: unknown recipe. DataError: no data, or texts/labels that do not match.

    Example:
        >>> result = attack_model(student, data.test.texts, data.test.labels, "pwws", num_examples=100)
        >>> result["accuracy_under_attack"], result["csv"]
    """
    check_recipe(recipe)
    texts, labels = _check_data(texts, labels)
    from tfcompress.robustness.text_model_wrapper import wrap

    wrapper = wrap(model)
    _check_labels(labels, wrapper)
    indices = select_sample(len(texts), num_examples, seed) if indices is None else [int(i) for i in indices]
    encoder = getattr(getattr(wrapper, "model", None), "encoder", None)
    texts = {index: read_part(texts[index], encoder) for index in indices}
    attack = build_attack(recipe, wrapper, query_budget=query_budget, sentence_encoder=sentence_encoder,
                          max_words=max_words)
    rows = _run(attack, texts, labels, indices, seed, f"{recipe} ({getattr(wrapper, 'kind', 'model')})", progress)
    result = summarize(rows)
    result = {"recipe": recipe, "model": getattr(wrapper, "kind", type(wrapper).__name__), "seed": int(seed),
              "num_examples": len(indices), "indices": indices, "max_words": max_words, **result, "csv": None}
    if out_dir is not None:
        result["csv"] = write_csv_atomic(rows, os.path.join(out_dir, csv_name or f"attack_{recipe}.csv"))
    if return_examples:
        result["examples"] = rows
    return result


def attack_all(model, texts, labels, recipes=RECIPE_NAMES, **options):
    """``attack_model`` for each recipe; returns ``{recipe: result}``."""
    for recipe in recipes:
        check_recipe(recipe)
    return {recipe: attack_model(model, texts, labels, recipe, **options) for recipe in recipes}


def outcome_agreement(result_a, result_b):
    """Fraction of examples with the same outcome (successful/failed/skipped) in two attack results
    on the same sample (e.g. a ``.tflite`` and the Keras model it came from, same seed).

    Raises:
        ValueError: the two results are not on the same sample.
    """
    if result_a["indices"] != result_b["indices"]:
        raise ValueError("the two attack results are on different samples; use the same data, num_examples and seed")
    a, b = result_a["outcomes"], result_b["outcomes"]
    return float(np.mean([x == y for x, y in zip(a, b)])) if a else None


def _check_data(texts, labels):
    texts = [str(text) for text in texts]
    labels = np.asarray(labels)
    if not texts:
        raise DataError("no examples to attack: the data is empty")
    if len(labels) != len(texts):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    if labels.dtype.kind not in "iu" or (labels < 0).any():
        raise DataError("labels must be class ids (non-negative integers)")
    return texts, [int(label) for label in labels]


def _check_labels(labels, wrapper):
    num_classes = getattr(getattr(wrapper, "predictor", None), "num_classes", None)
    if num_classes is not None and max(labels) >= num_classes:
        raise DataError(f"label {max(labels)} is out of range for a model with {num_classes} classes")


def _run(attack, texts, labels, indices, seed, description, progress):
    from tqdm.auto import tqdm

    rows, counts = [], {"successful": 0, "failed": 0, "skipped": 0}
    bar = tqdm(indices, desc=f"attack {description}", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    for index in bar:
        _seed_everything(seed * 1_000_003 + index)
        start = time.perf_counter()
        result = attack.attack(texts[index], labels[index])
        row = _row(index, labels[index], result, time.perf_counter() - start)
        counts[row["outcome"]] += 1
        bar.set_postfix(counts, refresh=False)
        rows.append(row)
    return rows


def _seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - textattack needs torch
        pass


def _outcome(result):
    name = type(result).__name__
    if name == "SkippedAttackResult":
        return "skipped"
    return "successful" if name == "SuccessfulAttackResult" else "failed"


def _row(index, label, result, seconds):
    original, perturbed = result.original_result, result.perturbed_result
    outcome = _outcome(result)
    changed = len(original.attacked_text.all_words_diff(perturbed.attacked_text)) if outcome != "skipped" else 0
    original_probs = np.asarray(original.raw_output, np.float64).ravel()
    perturbed_probs = np.asarray(perturbed.raw_output, np.float64).ravel()
    return {"index": int(index), "label": int(label), "outcome": outcome,
            "original_text": original.attacked_text.text, "perturbed_text": perturbed.attacked_text.text,
            "original_prediction": int(original_probs.argmax()), "perturbed_prediction": int(perturbed_probs.argmax()),
            "original_probability": round(float(original_probs.max()), 6),
            "perturbed_probability": round(float(perturbed_probs.max()), 6),
            "num_queries": int(perturbed.num_queries), "words_perturbed": int(changed),
            "num_words": len(original.attacked_text.words), "seconds": round(seconds, 4)}


def summarize(rows):
    """The per-recipe numbers from the per-example rows ``_run`` makes."""
    counts = {name: sum(row["outcome"] == name for row in rows) for name in ("successful", "failed", "skipped")}
    attacked = [row for row in rows if row["outcome"] != "skipped"]
    successful = [row for row in rows if row["outcome"] == "successful"]
    total = len(rows)

    def mean(values):
        return float(np.mean(values)) if values else None

    seconds = sum(row["seconds"] for row in rows)
    return {
        "clean_accuracy": len(attacked) / total if total else None,
        "accuracy_under_attack": counts["failed"] / total if total else None,
        "attack_success_rate": len(successful) / len(attacked) if attacked else None,
        "mean_words_perturbed": mean([row["words_perturbed"] / max(1, row["num_words"]) for row in successful]),
        "mean_queries": mean([row["num_queries"] for row in attacked]),
        "seconds_per_attacked_example": mean([row["seconds"] for row in attacked]),
        "seconds": round(seconds, 3),
        "counts": counts,
        "outcomes": [row["outcome"] for row in rows],
    }


def write_csv_atomic(rows, path, columns=CSV_COLUMNS):
    """Write the example rows to ``path`` (CSV, header ``columns``) through a temp file; returns the path."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    write_bytes_atomic(buffer.getvalue().encode("utf-8"), path)
    return path
