"""Model card of an exported ``.tflite``: what it is, and its accuracy, robustness and size, measured."""
import datetime
import hashlib
import json
import os

import numpy as np

from tfcompress.backend import versions
from tfcompress.atomic import write_bytes_atomic
from tfcompress.evaluation import accuracy, argmax_agreement
from tfcompress.tflite import load_android_model, op_names, read_android_metadata, uses_builtin_ops_only

CARD_FORMAT = "tfcompress-model-card-v1"


def card_paths(tflite_path):
    """(card JSON, card Markdown) written beside the ``.tflite``."""
    folder = os.path.dirname(os.path.abspath(tflite_path))
    return os.path.join(folder, "card.json"), os.path.join(folder, "MODEL_CARD.md")


def predictions_digest(predictions):
    """SHA-256 of the predicted class ids as one comma-separated string."""
    return hashlib.sha256(",".join(str(int(p)) for p in predictions).encode()).hexdigest()


def measure_exported(tflite_path, data, source_model=None, slice_size=200):
    """Accuracy, slice, parity and latency of an exported file, run from its own metadata.

    The interpreter runs once over the test split; the slice (the first ``slice_size`` rows) and the
    parity with ``source_model`` are read from those logits.
    """
    model = load_android_model(tflite_path, num_threads=1)
    test = data.test
    logits = model.predict_texts(list(test.texts))
    predictions = np.argmax(logits[:slice_size], axis=-1)
    with open(tflite_path, "rb") as handle:
        content = handle.read()
    measured = {
        "bytes": len(content), "ops": op_names(content), "builtin_ops_only": uses_builtin_ops_only(content),
        "test_accuracy": accuracy(logits, test.labels),
        "test_examples": len(test.texts),
        "slice": {"rows": f"the first {len(predictions)} rows of the test split", "size": len(predictions),
                  "accuracy": accuracy(logits[:slice_size], test.labels[:slice_size]),
                  "predictions": [int(p) for p in predictions],
                  "predictions_sha256": predictions_digest(predictions)},
        "latency_us": round(model.runner.median_latency_us(model.encoder.encode(list(test.texts[:300]))), 2),
        "latency_setting": "median over 300 test sentences, batch 1, 1 interpreter thread, set_tensor+invoke+get_tensor",
    }
    if source_model is not None:
        measured["parity_with_keras"] = argmax_agreement(logits, source_model.predict_texts(list(test.texts)))
    return model, measured


def measure_robustness(model, test, num_examples, seed, out_dir):
    """Each offline recipe against the ``.tflite`` on a seeded test sample (full stack only)."""
    if not num_examples:
        return "skipped: no attack examples asked for"
    try:
        from tfcompress.offline import use_nltk_data
        from tfcompress.robustness import RECIPE_NAMES, attack_model, import_textattack

        use_nltk_data()
        import_textattack()
    except (ImportError, ModuleNotFoundError) as error:
        return f"not measured: textattack is not installed (full stack only): {error}"
    results = {}
    for recipe in RECIPE_NAMES:
        result = attack_model(model, test.texts, test.labels, recipe, num_examples, seed, out_dir=out_dir,
                              progress=False, query_budget=500, csv_name=f"attack_{recipe}.csv")
        results[recipe] = {key: result[key] for key in ("clean_accuracy", "accuracy_under_attack",
                                                        "attack_success_rate", "mean_words_perturbed")}
    return {"num_examples": num_examples, "seed": seed, "query_budget": 500, "recipes": results}


def write_model_card(tflite_path, data, source_model=None, run_metrics=None, attack_examples=100,
                     slice_size=200, seed=0, command=None):
    """Measure the exported model at ``tflite_path`` and write ``card.json`` and ``MODEL_CARD.md`` beside it.

    Args:
        tflite_path: a ``.tflite`` written by ``export_android`` (its spec makes the inputs).
        data: the ``TextDataset`` whose test split is measured.
        source_model: the Keras model it was exported from, for the parity figure.
        run_metrics: the ``tfcompress run`` metrics.json it came from (teacher and training figures).
        attack_examples: test sentences each attack recipe runs on (0 skips the attacks).
        slice_size: the first N test rows whose accuracy and predictions the card pins for tests.
        seed: the attack sample's seed.
        command: the command line that made the card, recorded in it.

    Returns:
        The card as a dict.

    Example:
        >>> card = write_model_card("saved_models/rotten_tomatoes/student.tflite", datasets.load("rotten_tomatoes"))
        >>> card["measured"]["test_accuracy"]
    """
    metadata = read_android_metadata(tflite_path)
    model, measured = measure_exported(tflite_path, data, source_model, slice_size)
    folder = os.path.dirname(os.path.abspath(tflite_path))
    robustness = measure_robustness(model, data.test, attack_examples, seed, os.path.join(folder, "attacks"))
    card = {
        "format": CARD_FORMAT,
        "file": os.path.basename(tflite_path),
        "created": datetime.date.today().isoformat(),
        "command": command,
        "model": metadata["spec"]["model"], "description": metadata["spec"]["description"],
        "labels": metadata["labels"], "metadata": metadata["source"],
        "input": metadata["spec"]["input"], "output": metadata["spec"]["output"],
        "dataset": {**data.summary(), "measured_on": "test split",
                    "provenance": "tfcompress/datasets/rotten_tomatoes/PROVENANCE.md" if data.name == "rotten_tomatoes"
                    else "user data"},
        "measured": measured,
        "robustness": robustness,
        "training": _training_summary(run_metrics),
        "versions": versions(),
    }
    json_path, markdown_path = card_paths(tflite_path)
    write_bytes_atomic((json.dumps(card, indent=2) + "\n").encode(), json_path)
    write_bytes_atomic(card_markdown(card).encode(), markdown_path)
    return card


def _training_summary(run_metrics):
    if not run_metrics:
        return "not recorded: exported from a model file, not from a `tfcompress run` folder"
    summary = {key: run_metrics.get(key) for key in ("preset", "seed", "fingerprint")}
    for role in ("teacher", "student", "qat"):
        section = run_metrics.get(role)
        summary[role] = {key: section.get(key) for key in ("name", "params", "test_accuracy", "validation_accuracy")
                         if key in section} if isinstance(section, dict) else section
    summary["settings"] = _key_settings(run_metrics.get("settings"))
    return summary


def _key_settings(recorded):
    """The settings a card reader asks about first, from the run's configuration (``Settings.to_dict()``), or
    ``None`` when the run recorded none this version reads."""
    from tfcompress.config import ConfigError, Settings

    try:
        settings = Settings.from_dict(recorded)
    except ConfigError:
        return None
    return {"teacher": settings.teacher.name, "student": settings.student.name,
            "temperature": settings.distillation.temperature, "kd_weight": settings.distillation.kd_weight,
            "explanation_weight": settings.explanation.weight, "explanation": settings.explanation.kind,
            "adversarial_weight": settings.adversarial.weight, "qat_epochs": settings.qat.epochs}


def card_markdown(card):
    """The card as Markdown for people."""
    measured, training = card["measured"], card["training"]
    lines = [f"# Model card: {card['file']}", "", card["description"], "",
             f"- labels (class id = line): {', '.join(card['labels'])}",
             f"- input: `{card['input']['name']}` {card['input']['dtype']} {card['input']['shape']}, made in app code "
             "by the preprocessing spec (TFLite metadata associated file `tfcompress_text_spec.json`, and the "
             "sidecar JSON beside this file)",
             f"- output: {card['output']['meaning']}",
             f"- metadata: {card['metadata']}", f"- made by: `{card['command']}`" if card["command"] else "",
             "", "## Measured", "",
             f"On the `{card['dataset']['name']}` test split ({measured['test_examples']} sentences, seed "
             f"{card['dataset']['seed']}), running the `.tflite` from its own spec:", "",
             "| figure | value |", "|---|---|",
             f"| test accuracy (int8 .tflite) | {measured['test_accuracy']:.4f} |",
             f"| {measured['slice']['rows']} | accuracy {measured['slice']['accuracy']:.4f} |",
             f"| size | {measured['bytes']:,} bytes |",
             f"| builtin ops only | {measured['builtin_ops_only']} ({', '.join(measured['ops'])}) |",
             f"| latency | {measured['latency_us']:.1f} us ({measured['latency_setting']}) |"]
    if "parity_with_keras" in measured:
        lines.append(f"| argmax parity with its Keras model | {measured['parity_with_keras']:.4f} |")
    if isinstance(training, dict):
        teacher = training.get("teacher")
        if isinstance(teacher, dict):
            params = "unknown" if teacher.get("params") is None else f"{teacher['params']:,}"
            lines.append(f"| teacher ({teacher.get('name')}, {params} params) test accuracy | "
                         f"{teacher.get('test_accuracy', float('nan')):.4f} |")
    lines += ["", "## Robustness", ""]
    robustness = card["robustness"]
    if isinstance(robustness, dict):
        lines += [f"Offline textattack recipes against this `.tflite` on {robustness['num_examples']} seeded test "
                  f"sentences (seed {robustness['seed']}, query budget {robustness['query_budget']}):", "",
                  "| recipe | clean accuracy | accuracy under attack | attack success rate | words perturbed |",
                  "|---|---|---|---|---|"]
        lines += [f"| {recipe} | {r['clean_accuracy']:.3f} | {r['accuracy_under_attack']:.3f} | "
                  f"{r['attack_success_rate']:.3f} | {r['mean_words_perturbed']:.3f} |"
                  for recipe, r in robustness["recipes"].items()]
    else:
        lines.append(str(robustness))
    lines += ["", "## Training", "", "```json", json.dumps(training, indent=2), "```", "",
              f"Versions: {', '.join(f'{k} {v}' for k, v in card['versions'].items())}.", ""]
    return "\n".join(line for line in lines if line is not None)
