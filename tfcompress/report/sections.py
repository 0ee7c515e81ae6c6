"""Sections: the run's metrics as blocks, one function per section of the report, in reading order.

Each section takes the metrics dict (schema in ``docs/metrics.md``) and, where it shows or links
files, the report's ``Assets``. A section that metrics.json gives as a string is an ``Absent``
block with that string.
"""
import json
import os

from tfcompress.report.blocks import Absent, Details, Facts, Heading, Image, Link, Paragraph, Table
from tfcompress.report.plots import (draw_accuracy_and_size, draw_deletion_curves, draw_personalization_gains,
                                     draw_robustness)
from tfcompress.report.values import MISSING, MODEL_COLORS, MODEL_LABELS, fmt, fmt_bytes, fmt_params, value_at


def report_blocks(metrics, assets):
    """Every section of the report, in reading order."""
    return [*header_section(metrics), *models_section(metrics, assets), *robustness_section(metrics, assets),
            *explanations_section(metrics, assets), *personalization_section(metrics, assets),
            *stages_section(metrics)]


def header_section(metrics):
    settings = metrics.get("settings") if isinstance(metrics.get("settings"), dict) else {}
    versions = metrics.get("versions") or {}
    facts = [("preset", fmt(metrics.get("preset"), "{}")), ("seed", fmt(metrics.get("seed"), "{}")),
             ("dataset", describe_dataset(metrics.get("dataset"))),
             ("models", f"teacher {model_name(metrics, 'teacher')} \u2192 student {model_name(metrics, 'student')}"),
             ("versions", ", ".join(f"{name} {version}" for name, version in versions.items()) or MISSING),
             ("fingerprint", fmt(metrics.get("fingerprint"), "{}")),
             ("total time", fmt(metrics.get("total_seconds"), "{:.0f} s")),
             ("metrics", Link("metrics.json", "metrics.json"))]
    blocks = [Heading("tfcompress run report", 1), Facts(facts)]
    glance = at_a_glance(metrics)
    if glance:
        blocks.append(Facts(glance, cards=True))
    if settings:
        blocks.append(Details("settings (the preset with the configuration file, --set changes and command-line "
                              "arguments)", json.dumps(settings, indent=2)))
    if isinstance(metrics.get("run"), dict):
        blocks.append(Details("run options (data, seeds, skipped stages)", json.dumps(metrics["run"], indent=2)))
    return blocks


def describe_dataset(dataset):
    if not isinstance(dataset, dict):
        return fmt(dataset, "{}")
    splits = dataset.get("splits") or {}
    return (f"{dataset.get('name', MISSING)}; classes {', '.join(map(str, dataset.get('classes', [])))}; "
            + ", ".join(f"{split} {count:,}" for split, count in splits.items()))


def at_a_glance(metrics):
    """The headline numbers, where measured."""
    candidates = [("teacher test accuracy", value_at(metrics, "teacher", "test_accuracy"), "{:.4f}"),
                  ("TF-IDF baseline test accuracy", value_at(metrics, "baseline", "test_accuracy"), "{:.4f}"),
                  ("student Keras test accuracy", value_at(metrics, "student", "test_accuracy"), "{:.4f}"),
                  ("int8 .tflite test accuracy", value_at(metrics, "tflite", "test_accuracy"), "{:.4f}"),
                  (".tflite size", value_at(metrics, "tflite", "bytes"), None),
                  ("parameters teacher / student", params_ratio(metrics), "{:.0f}x"),
                  (".tflite latency (median, batch 1)", value_at(metrics, "tflite", "latency_us"), "{:.0f} \u00b5s")]
    return [(label, f"{value / 1024:.1f} KiB" if pattern is None else fmt(value, pattern))
            for label, value, pattern in candidates if value is not None]


def params_ratio(metrics):
    teacher, student = value_at(metrics, "teacher", "params"), value_at(metrics, "student", "params")
    return teacher / student if teacher and student else None


# --- teacher vs student -----------------------------------------------------------------------

def models_section(metrics, assets):
    blocks = [Heading("Teacher vs student: accuracy and size"), Table(
        ["model", "format", "params", "test accuracy", "validation accuracy", "size", "notes"],
        [teacher_row(metrics), student_row(metrics), qat_row(metrics), tflite_row(metrics), baseline_row(metrics)])]
    blocks.extend(baseline_warning(metrics))
    bars = accuracy_bars(metrics)
    if bars:
        blocks.append(assets.plot("accuracy_size", draw_accuracy_and_size, bars, size_bars(metrics),
                                  caption="Test accuracy of each form of the model, and parameter counts"))
    blocks.extend(tflite_facts(metrics.get("tflite"), assets))
    blocks.extend(distillation_facts(metrics))
    return blocks


def model_name(metrics, role):
    return value_at(metrics, role, "name") or value_at(metrics, "settings", role) or MISSING


def absent_row(label, section, columns=7):
    """A table row for a section given as a string: the string, then empty cells."""
    return [label, str(section)] + [""] * (columns - 2)


def teacher_row(metrics):
    teacher, label = metrics.get("teacher"), f"teacher ({model_name(metrics, 'teacher')})"
    if not isinstance(teacher, dict):
        return absent_row(label, teacher)
    return [label, "Keras, float32", fmt_params(teacher.get("params")), fmt(teacher.get("test_accuracy")),
            fmt(teacher.get("validation_accuracy")), "", ""]


def student_row(metrics):
    student, label = metrics.get("student"), f"student ({model_name(metrics, 'student')})"
    if not isinstance(student, dict) or "test_accuracy" not in student:
        return absent_row(label, student if not isinstance(student, dict) else "not_built")
    return [label, "Keras, float32", fmt_params(student.get("params")), fmt(student.get("test_accuracy")),
            fmt(student.get("validation_accuracy")), "",
            f"agrees with the teacher on {fmt(student.get('teacher_agreement'))} of the test split"]


def qat_row(metrics):
    qat, label = metrics.get("qat"), f"student ({model_name(metrics, 'student')}), QAT"
    if not isinstance(qat, dict):
        return absent_row(label, qat)
    return [label, "Keras, fake-quantized", "as the student",
            fmt(qat.get("test_accuracy")), fmt(qat.get("validation_accuracy")), "",
            f"{fmt(qat.get('epochs'), '{}')} QAT epochs at {fmt(qat.get('learning_rate_scale'), '{}')} x the "
            "student's learning rate"]


def tflite_row(metrics):
    tflite, label = metrics.get("tflite"), "student, int8 .tflite"
    if not isinstance(tflite, dict):
        return absent_row(label, tflite)
    return [label, "TFLite, int8", fmt_params(value_at(metrics, "student", "params")),
            fmt(tflite.get("test_accuracy")), MISSING, fmt_bytes(tflite.get("bytes")),
            f"parity {fmt(tflite.get('parity'))}; median latency {fmt(tflite.get('latency_us'), '{:.1f}')} \u00b5s"]


def baseline_row(metrics):
    baseline, label = metrics.get("baseline"), "baseline: TF-IDF + logistic regression"
    if not isinstance(baseline, dict):
        return absent_row(label, baseline)
    settings = baseline.get("settings") or {}
    return [label, "scikit-learn, float64", MISSING, fmt(baseline.get("test_accuracy")),
            fmt(baseline.get("validation_accuracy")), fmt_bytes(baseline.get("bytes")),
            f"word 1-2 grams, L2 {fmt(settings.get('alpha'), '{:g}')}, sublinear tf {fmt(settings.get('sublinear_tf'), '{}')}"
            " (chosen on validation)"]


def baseline_warning(metrics):
    """A warning paragraph when the shipped student is below the TF-IDF baseline."""
    from tfcompress.baseline import below_baseline

    below = below_baseline(metrics)
    if below is None:
        return []
    name, accuracy, baseline = below
    return [Paragraph(f"Warning: the {'int8 student' if name == 'tflite' else 'student'} ({accuracy:.4f}) is below "
                      f"the TF-IDF + logistic regression baseline ({baseline:.4f}) on the same test split.")]


def accuracy_bars(metrics):
    """(label, test accuracy, colour) of each form of the model that has one."""
    candidates = [(f"teacher\n{model_name(metrics, 'teacher')}", value_at(metrics, "teacher", "test_accuracy"),
                   MODEL_COLORS["teacher"]),
                  (f"student\n{model_name(metrics, 'student')} (Keras)", value_at(metrics, "student", "test_accuracy"),
                   MODEL_COLORS["student"]),
                  ("student\nQAT (Keras)", value_at(metrics, "qat", "test_accuracy"), MODEL_COLORS["qat"]),
                  ("student\nint8 .tflite", value_at(metrics, "tflite", "test_accuracy"),
                   MODEL_COLORS["student_tflite"])]
    return [bar for bar in candidates if bar[1] is not None]


def size_bars(metrics):
    """(label, parameter count, colour) of teacher and student, and the .tflite size in bytes."""
    bars = [(role, value_at(metrics, role, "params"), MODEL_COLORS[role]) for role in ("teacher", "student")]
    return [bar for bar in bars if bar[1]], value_at(metrics, "tflite", "bytes")


def tflite_facts(tflite, assets):
    if not isinstance(tflite, dict):
        return [Heading("The int8 .tflite", 3), Absent("tflite", str(tflite))]
    ops = tflite.get("ops")
    files = [link for link in (file_link(assets, tflite.get(key)) for key in ("path", "spec_path", "labels_path"))
             if link]
    return [Heading("The int8 .tflite", 3), Facts([
        ("files", files or MISSING),
        ("exported from", fmt(tflite.get("source"), "{}")),
        ("quantization", fmt(tflite.get("quantization"), "{}")),
        ("size", fmt_bytes(tflite.get("bytes"))),
        ("builtin ops only", fmt(tflite.get("builtin_ops_only"))),
        ("ops", ", ".join(ops) if ops else MISSING),
        ("parity with its Keras model", fmt(tflite.get("parity"))),
        ("latency", f"{fmt(tflite.get('latency_us'), '{:.1f}')} \u00b5s ({fmt(tflite.get('latency_setting'), '{}')})"),
        ("runtime", fmt(tflite.get("runtime"), "{}"))])]


def file_link(assets, path):
    """A link named after the file, or ``None`` when the run did not write it."""
    href = assets.href(path)
    return Link(os.path.basename(href), href) if href else None


def distillation_facts(metrics):
    distill = metrics.get("distill")
    blocks = [Heading("Distillation", 3)]
    if not isinstance(distill, dict):
        return blocks + [Absent("distill", str(distill))]
    final = distill.get("final") or {}
    weights = ", ".join(f"{name} {fmt(distill.get(name), '{}')}"
                        for name in ("ce_weight", "kd_weight", "explain_weight", "adv_weight") if name in distill)
    losses = ", ".join(f"{name} {fmt(final[name], '{:.4f}')}"
                       for name in ("ce_loss", "kd_loss", "explain_loss", "adv_loss", "val_accuracy",
                                    "explanation_fidelity", "attack_success_rate") if name in final)
    return blocks + [Facts([
        ("epochs run", fmt(distill.get("epochs_run"), "{}")),
        ("loss weights", weights or MISSING),
        ("temperature", fmt(distill.get("temperature"), "{}")),
        ("explanation objective", fmt(distill.get("explanation"), "{}")),
        ("student embeddings", describe_embedding_init(value_at(metrics, "student", "embedding_init"))),
        ("discrete adversarial texts", describe_adversarial_texts(distill.get("adversarial_texts"))),
        ("last epoch", losses or MISSING)])]


def describe_embedding_init(init):
    if not isinstance(init, dict):
        return fmt(init, "{}")
    return (f"from the {init.get('from', MISSING)}'s word vectors: {fmt(init.get('words'), '{:,}')} words, "
            f"{fmt(init.get('buckets_reached'), '{:,}')} of {fmt(init.get('buckets'), '{:,}')} buckets, "
            f"variance kept {fmt(init.get('variance_kept'), '{:.3f}')}")


def describe_adversarial_texts(setting):
    if not isinstance(setting, dict):
        return fmt(setting, "{}")
    return (f"recipes {', '.join(setting.get('recipes', []))}; {fmt(setting.get('num_examples'), '{}')} texts "
            f"every {fmt(setting.get('every'), '{}')} epochs, query budget {fmt(setting.get('query_budget'), '{}')}")


# --- robustness -------------------------------------------------------------------------------

def robustness_section(metrics, assets):
    section = metrics.get("robustness")
    blocks = [Heading("Robustness to adversarial text attacks")]
    if not isinstance(section, dict):
        return blocks + [Absent("robustness", str(section))]
    models = section.get("models") or {}
    recipes = section.get("recipes") or sorted({recipe for results in models.values() for recipe in results})
    blocks.append(Paragraph(
        f"{fmt(section.get('num_examples'), '{}')} test sentences (seed {fmt(section.get('seed'), '{}')}), "
        f"every recipe against every model, at most {fmt(section.get('query_budget'), '{}')} model queries per "
        "sentence. Accuracy under attack counts a sentence as correct only if the model was right and the "
        "attack failed; attack success rate is over the sentences the model got right; the share of words "
        "changed is over the successful attacks."))
    blocks.append(Table(["model", "recipe", "clean accuracy", "accuracy under attack", "attack success rate",
                         "share of words changed", "mean queries", "successful / failed / skipped",
                         "adversarial examples"],
                        [robustness_row(assets, model, recipe, results.get(recipe))
                         for model, results in models.items() for recipe in recipes]))
    if models:
        blocks.append(assets.plot("robustness", draw_robustness, models, recipes,
                                  caption="Clean accuracy and accuracy under each attack (left); attack success "
                                          "rate (right), per model"))
    agreement = section.get("tflite_outcome_agreement")
    if isinstance(agreement, dict):
        blocks += [Heading("Does the .tflite behave like its Keras model under attack?", 3),
                   Paragraph("Share of the attacked sentences with the same attack outcome (successful, failed or "
                             "skipped) on the int8 .tflite as on the Keras student it was exported from."),
                   Table(["recipe", "outcome agreement"],
                         [[recipe, fmt(share, "{:.3f}")] for recipe, share in agreement.items()])]
    return blocks


def robustness_row(assets, model, recipe, result):
    label = MODEL_LABELS.get(model, model)
    if not isinstance(result, dict):
        return [label, recipe, fmt(result, "{}")] + [""] * 6
    counts = result.get("counts") or {}
    csv = assets.href(result.get("csv"))
    return [label, recipe, fmt(result.get("clean_accuracy"), "{:.3f}"),
            fmt(result.get("accuracy_under_attack"), "{:.3f}"), fmt(result.get("attack_success_rate"), "{:.3f}"),
            fmt(result.get("mean_words_perturbed"), "{:.3f}"), fmt(result.get("mean_queries"), "{:.1f}"),
            " / ".join(str(counts.get(key, MISSING)) for key in ("successful", "failed", "skipped")),
            Link("CSV", csv) if csv else MISSING]


# --- explanations -----------------------------------------------------------------------------

def explanations_section(metrics, assets):
    section = metrics.get("explanations")
    blocks = [Heading("Explanations: does the student look at the same words?")]
    if not isinstance(section, dict):
        return blocks + [Absent("explanations", str(section))]
    models = section.get("models") or {}
    classes = value_at(metrics, "dataset", "classes") or []
    blocks.append(Paragraph(
        f"{fmt(section.get('num_examples'), '{}')} test sentences (seed {fmt(section.get('seed'), '{}')}); every "
        f"model explains {fmt(section.get('target'), '{}')}"
        + (" (class " + ", ".join(f"{index} = {name}" for index, name in enumerate(classes)) + ")." if classes
           else ".")))
    blocks += fidelity_blocks(section.get("fidelity") or {}, models)
    blocks += aopc_blocks(models, assets)
    blocks += heatmap_blocks(models, assets)
    return blocks


def split_fidelity_key(key, models):
    """'teacher_vs_student_tflite_shap' -> ('student_tflite', 'shap') using the known model names;
    'teacher_shap_vs_student_contributions' -> ('student', "contributions vs the teacher's shap")."""
    teacher_method = None
    if key.startswith("teacher_vs_"):
        rest = key[len("teacher_vs_"):]
    elif key.startswith("teacher_") and "_vs_" in key:
        teacher_method, rest = key[len("teacher_"):].split("_vs_", 1)
    else:
        rest = key
    for model in sorted(models, key=len, reverse=True):
        if rest.startswith(model + "_"):
            method = rest[len(model) + 1:]
            return model, method if teacher_method is None else f"{method} vs the teacher's {teacher_method}"
    return rest, MISSING


def fidelity_blocks(fidelity, models):
    blocks = [Heading("Fidelity to the teacher's explanations", 3),
              Paragraph("Per sentence, the Spearman rank correlation of the two models' word attributions and the "
                        "overlap of their top-k words, averaged over the sentences.")]
    if not fidelity:
        return blocks + [Absent("fidelity", "no pair of explanations to compare")]
    rows = []
    for key, scores in fidelity.items():
        model, method = split_fidelity_key(key, models)
        rows.append([f"teacher vs {MODEL_LABELS.get(model, model)}", method, fmt(scores.get("spearman"), "{:.3f}"),
                     fmt(scores.get("top_k_overlap"), "{:.3f}"), fmt(scores.get("k"), "{}"),
                     fmt(scores.get("num_sentences"), "{}"), fmt(scores.get("num_spearman_undefined"), "{}")])
    return blocks + [Table(["pair", "method", "Spearman", "top-k overlap", "k", "sentences",
                            "Spearman undefined"], rows)]


def aopc_blocks(models, assets):
    blocks = [Heading("Faithfulness (AOPC)", 3),
              Paragraph("Area over the perturbation curve: the mean drop of the target-class probability as the "
                        "top-attributed words are deleted one by one, against deleting words in a random order. "
                        "A faithful explanation beats random.")]
    rows = []
    for model, result in models.items():
        for method, summary in (value_at(result, "methods") or {}).items():
            files = summary.get("files") or {}
            links = [Link(kind, href) for kind, href in ((kind, assets.href(files.get(kind)))
                                                           for kind in ("png", "html", "json")) if href]
            rows.append([MODEL_LABELS.get(model, model), method, fmt(summary.get("aopc")),
                         fmt(summary.get("aopc_random")), fmt(summary.get("max_k"), "{}"),
                         fmt(summary.get("seconds_per_text"), "{:.3f}"), links or MISSING])
    if not rows:
        return blocks + [Absent("AOPC", "no model was explained")]
    blocks.append(Table(["model", "method", "AOPC", "AOPC random order", "words deleted (max)", "seconds per text",
                         "files"], rows))
    curves = {model: value_at(result, "methods") or {} for model, result in models.items()}
    if any(summary.get("curve") for methods in curves.values() for summary in methods.values()):
        blocks.append(assets.plot("deletion_curves", draw_deletion_curves, curves,
                                  caption="Deletion curves: mean probability of the target class as the top-k "
                                          "words are deleted (solid) or k random words (dashed)"))
    return blocks


def heatmap_blocks(models, assets):
    """The heatmap PNGs the explanations stage wrote, by method (so the models can be compared), and
    links to the shap text plots."""
    blocks = [Heading("Example word attributions", 3),
              Paragraph("The same test sentences explained by each model. Red words push towards the explained "
                        "class, blue words against it; each sentence is scaled to its largest attribution.")]
    methods = {}
    for model, result in models.items():
        for method, summary in (value_at(result, "methods") or {}).items():
            methods.setdefault(method, []).append((model, summary.get("files") or {}))
    pages = []
    for method, explained in methods.items():
        for model, files in explained:
            label = f"{MODEL_LABELS.get(model, model)}: {method}"
            if files.get("png"):
                href = assets.picture(files["png"])
                blocks.append(Image(href, label) if href else Absent(label, f"heatmap missing: {files['png']}"))
            page = assets.href(files.get("html"))
            if page:
                pages.append((f"{MODEL_LABELS.get(model, model)}: {method}", Link(os.path.basename(page), page)))
    if pages:
        blocks += [Paragraph("shap's own text plots of the same sentences (interactive, open in a browser):"),
                   Facts(pages)]
    return blocks


# --- personalization --------------------------------------------------------------------------

def personalization_section(metrics, assets):
    section = metrics.get("personalization")
    blocks = [Heading("Personalization")]
    if not isinstance(section, dict):
        return blocks + [Absent("personalization", str(section))]
    config = section.get("config") or {}
    blocks.append(Facts([
        ("clients", fmt(section.get("clients"), "{}")),
        ("data", fmt(section.get("data"), "{}")),
        ("federated rounds", fmt(section.get("rounds"), "{}")),
        ("personalization method", fmt(config.get("method"), "{}")),
        ("policy", ", ".join(f"{key} {value}" for key, value in config.items()) or MISSING),
        ("on-device training", describe_on_device(section.get("on_device_training"), assets))]))
    federated, evaluation = section.get("federated"), section.get("evaluation")
    if isinstance(federated, str) and federated == evaluation:  # one reason for both (no TFF): say it once
        return blocks + [Heading("Federated averaging and per-client personalization", 3),
                         Absent("federated, evaluation", federated)]
    return blocks + federated_blocks(federated) + evaluation_blocks(evaluation, assets)


def describe_on_device(export, assets):
    if not isinstance(export, dict):
        return fmt(export, "{}")
    signatures = ", ".join(sorted(export.get("signatures") or {}))
    href = assets.href(export.get("path"))
    name = os.path.basename(export.get("path") or "") or MISSING
    described = (f"{fmt_bytes(export.get('bytes'))}; signatures {signatures or MISSING}; "
                 f"builtin ops only {fmt(export.get('builtin_ops_only'))}")
    return [Link(name, href), described] if href else f"{name} (file missing): {described}"


def federated_blocks(federated):
    blocks = [Heading("Federated averaging", 3)]
    if not isinstance(federated, dict):
        return blocks + [Absent("federated", str(federated))]
    return blocks + [Facts([
        ("algorithm", fmt(federated.get("algorithm"), "{}")),
        ("rounds run", fmt(federated.get("rounds_run"), "{}")),
        ("global model test accuracy", f"{fmt(federated.get('global_test_accuracy'))} on "
                                       f"{fmt(federated.get('global_test_examples'), '{}')} client test examples"),
        ("seconds per round", fmt(federated.get("seconds_per_round"), "{:.2f}")),
        ("differential privacy", describe_dp(federated.get("dp")))])]


def describe_dp(dp):
    if not isinstance(dp, dict):
        return "off" if dp is None else str(dp)
    return (f"noise multiplier {dp.get('noise_multiplier')}, clip {dp.get('clip_norm')}, "
            f"epsilon {fmt(dp.get('epsilon'), '{:.2f}')} at delta {dp.get('delta')}")


def prior_rule(config):
    """One sentence on how a client decides to keep its personal prior (older runs recorded fewer settings)."""
    rule = ("Each client adds its own class prior, shrunk towards the global one, to the student's logits, with a "
            "weight chosen by leave-one-out on its own training texts, and keeps it only if ")
    if "prior_min_evidence" in config:
        rule += (f"the leave-one-out log-likelihood rises by at least {config['prior_min_evidence']:g} nats and at least "
                 f"{config.get('prior_min_gain', 1)} more of those texts are right")
    else:
        rule += f"that gets at least {config.get('min_holdout_gain', 2)} more of them right"
    return rule + "; accuracy is measured on the client's test texts."


def evaluation_blocks(evaluation, assets):
    blocks = [Heading("Per-client personalization", 3)]
    if not isinstance(evaluation, dict):
        return blocks + [Absent("evaluation", str(evaluation))]
    summary, rows = evaluation.get("summary") or {}, evaluation.get("clients") or []
    method = (evaluation.get("config") or {}).get("method", "finetune")
    blocks.append(Paragraph(
        prior_rule(evaluation.get("config") or {}) if method == "prior" else
        f"Each client personalizes the global student ({method}) on its own training data and keeps the result "
        "only if it helps on a held-out part of that data; accuracy is measured on the client's test data."))
    blocks.append(Facts([
        ("clients evaluated", fmt(summary.get("clients"), "{}")),
        ("gain in points: mean / median / worst / best",
         " / ".join(fmt(summary.get(key), "{:+.2f}") for key in ("mean_gain_points", "median_gain_points",
                                                                  "worst_gain_points", "best_gain_points"))),
        ("clients improved / unchanged / worse by more than 2 points",
         " / ".join(fmt(summary.get(key), "{}") for key in ("clients_improved", "clients_unchanged",
                                                            "clients_worse_by_more_than_2_points"))),
        ("clients worse / most test texts one client lost", f"{fmt(summary.get('clients_worse'), '{}')} / "
                                                            f"{fmt(summary.get('most_test_examples_lost'), '{}')}"),
        ("clients that adopted their personalization", fmt(summary.get("adopted"), "{}")),
        ("decisions wrong in hindsight (on the test texts)",
         fmt((summary.get("decisions") or {}).get("error_rate"), "{:.1%}")),
        ("pooled accuracy before \u2192 personalized", f"{fmt(summary.get('pooled_accuracy_before'))} \u2192 "
                                                   f"{fmt(summary.get('pooled_accuracy_personalized'))}")]))
    if rows:
        blocks.append(assets.plot("personalization_gains", draw_personalization_gains, rows,
                                  caption="The per-client gains, sorted (bars: what the client kept; x: what its "
                                          "choice alone gave)"))
        blocks.append(Table(["client", "train", "test", "accuracy before", "fine-tuned", "personalized",
                             "gain (points)", "adopted"],
                            [[row.get("client"), fmt(row.get("train"), "{}"), fmt(row.get("test"), "{}"),
                              fmt(row.get("accuracy_before")), fmt(row.get("accuracy_finetuned")),
                              fmt(row.get("accuracy_personalized")), fmt(row.get("gain_points"), "{:+.2f}"),
                              fmt(row.get("adopted"))] for row in rows]))
    for skipped in evaluation.get("skipped") or []:
        blocks.append(Absent(f"client {skipped.get('client')}", f"skipped: {skipped.get('reason')}"))
    return blocks


# --- stages -----------------------------------------------------------------------------------

def stages_section(metrics):
    stages = metrics.get("stages") or {}
    rows = [[name, fmt(stage.get("status"), "{}"), fmt(stage.get("seconds"), "{:.1f}")]
            for name, stage in stages.items()]
    if metrics.get("total_seconds") is not None:
        rows.append(["total", "", fmt(metrics["total_seconds"], "{:.1f}")])
    return [Heading("Stages"), Table(["stage", "status", "seconds"], rows) if rows
            else Absent("stages", "no stage has run")]


def page_title(metrics):
    return f"tfcompress run report: {model_name(metrics, 'teacher')} \u2192 {model_name(metrics, 'student')}, " \
           f"preset {metrics.get('preset', MISSING)}"
