"""The run report: ``report.md`` and ``report.html`` (with PNG plots) from the metrics of a run.

``write_report(metrics, out_dir)`` turns the ``metrics.json`` dict (schema in ``docs/metrics.md``)
into one list of blocks (headings, facts, tables, pictures) and renders that list twice: as Markdown
and as a standalone HTML page with inline CSS. Plots are drawn with matplotlib (Agg) into
``out_dir/report_files/``; the explanation heatmaps and shap pages the run wrote are referenced
where they lie (a heatmap outside ``out_dir`` is copied into ``report_files/``). Both pages use
relative paths, so the run folder can be moved or zipped whole.

A section that metrics.json gives as a string (``"not_built"``, ``"skipped: ..."``,
``"not measured: ..."``, ``"off"``) is shown as that string; a value that is missing is shown as
``n/a``. No number is made up.

Files are written atomically with ``tfcompress.export.write_bytes_atomic``; the plots need matplotlib
(without it the report says so in place of each plot).
"""
import dataclasses
import html
import importlib.util
import io
import json
import os
import re
import shutil
import urllib.parse

from tfcompress.export.tflite import write_bytes_atomic

FILES_DIR = "report_files"
MISSING = "n/a"
MODEL_COLORS = {"teacher": "#4c72b0", "student": "#55a868", "qat": "#8172b3", "student_tflite": "#dd8452"}
MODEL_LABELS = {"teacher": "teacher", "student": "student (Keras)", "student_tflite": "student (int8 .tflite)"}


# ----------------------------------------------------------------------------------------------
# Blocks: what the report says, independent of Markdown or HTML.

@dataclasses.dataclass
class Heading:
    text: str
    level: int = 2


@dataclasses.dataclass
class Paragraph:
    text: str


@dataclasses.dataclass
class Absent:
    """A section (or part of one) that metrics.json gives as a string: shown as that string."""
    what: str
    text: str


@dataclasses.dataclass
class Link:
    text: str
    href: str


@dataclasses.dataclass
class Facts:
    """Label/value pairs (a value may be a ``Link``); ``cards`` draws them as big tiles in HTML."""
    items: list
    cards: bool = False


@dataclasses.dataclass
class Table:
    header: list
    rows: list


@dataclasses.dataclass
class Image:
    src: str
    caption: str


@dataclasses.dataclass
class Details:
    """Preformatted text, folded away in HTML."""
    summary: str
    text: str


# ----------------------------------------------------------------------------------------------
# Entry point.

def write_report(metrics, out_dir):
    """Write ``out_dir/report.md``, ``out_dir/report.html`` and their plots (``out_dir/report_files/``).

    Args:
        metrics: the metrics dict of a run (what ``metrics.json`` holds; see ``docs/metrics.md``).
        out_dir: the run's output folder (where ``metrics.json`` is).

    Returns:
        ``{"md": path, "html": path}``.

    Example:
        >>> write_report(json.load(open("runs/quick/metrics.json")), "runs/quick")
    """
    out_dir = os.path.abspath(out_dir)
    assets = Assets(out_dir)
    blocks = report_blocks(metrics, assets)
    assets.remove_stale_files()
    paths = {"md": os.path.join(out_dir, "report.md"), "html": os.path.join(out_dir, "report.html")}
    write_text_atomic(to_markdown(blocks), paths["md"])
    write_text_atomic(to_html(blocks, title=_page_title(metrics)), paths["html"])
    return paths


def report_blocks(metrics, assets):
    """Every section of the report, in reading order."""
    return [*header_section(metrics), *models_section(metrics, assets), *robustness_section(metrics, assets),
            *explanations_section(metrics, assets), *personalization_section(metrics, assets),
            *stages_section(metrics)]


def write_text_atomic(text, path):
    write_bytes_atomic(text.encode("utf-8"), path)


# ----------------------------------------------------------------------------------------------
# Reading metrics and formatting values.

def value_at(data, *keys):
    """``data[k1][k2]...``, or ``None`` where a level is missing or not a dict (e.g. "not_built")."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def fmt(value, pattern="{:.4f}"):
    """``value`` formatted, or ``n/a`` when it is missing."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return pattern.format(value)
    except (TypeError, ValueError):
        return str(value)


def fmt_bytes(count):
    if count is None:
        return MISSING
    return f"{count:,} bytes ({count / 1024:.1f} KiB)"


def fmt_params(count):
    return fmt(count, "{:,}")


def short_count(count):
    """1234567 -> '1.23M', 85432 -> '85.4k'."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if count >= size:
            return f"{count / size:.3g}{suffix}"
    return str(count)


# ----------------------------------------------------------------------------------------------
# Sections.

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
        blocks.append(Details("settings (the preset merged with the command-line overrides)",
                              json.dumps(settings, indent=2)))
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
        [teacher_row(metrics), student_row(metrics), qat_row(metrics), tflite_row(metrics)])]
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
    """'teacher_vs_student_tflite_shap' -> ('student_tflite', 'shap') using the known model names."""
    rest = key[len("teacher_vs_"):] if key.startswith("teacher_vs_") else key
    for model in sorted(models, key=len, reverse=True):
        if rest.startswith(model + "_"):
            return model, rest[len(model) + 1:]
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
        ("clients", f"{fmt(section.get('clients'), '{}')} (Dirichlet label skew, "
                    f"alpha {fmt(section.get('alpha'), '{}')})"),
        ("data", fmt(section.get("data"), "{}")),
        ("federated rounds", fmt(section.get("rounds"), "{}")),
        ("fine-tuning policy", ", ".join(f"{key} {value}" for key, value in config.items()) or MISSING),
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


def evaluation_blocks(evaluation, assets):
    blocks = [Heading("Per-client personalization", 3)]
    if not isinstance(evaluation, dict):
        return blocks + [Absent("evaluation", str(evaluation))]
    summary, rows = evaluation.get("summary") or {}, evaluation.get("clients") or []
    blocks.append(Paragraph(
        "Each client fine-tunes the global student on its own training data and keeps the result only if it "
        "helps on a held-out part of that data; accuracy is measured on the client's test data."))
    blocks.append(Facts([
        ("clients evaluated", fmt(summary.get("clients"), "{}")),
        ("gain in points: mean / median / worst / best",
         " / ".join(fmt(summary.get(key), "{:+.2f}") for key in ("mean_gain_points", "median_gain_points",
                                                                  "worst_gain_points", "best_gain_points"))),
        ("clients improved / unchanged / worse by more than 2 points",
         " / ".join(fmt(summary.get(key), "{}") for key in ("clients_improved", "clients_unchanged",
                                                            "clients_worse_by_more_than_2_points"))),
        ("clients that adopted their fine-tuned model", fmt(summary.get("adopted"), "{}")),
        ("pooled accuracy before \u2192 personalized", f"{fmt(summary.get('pooled_accuracy_before'))} \u2192 "
                                                   f"{fmt(summary.get('pooled_accuracy_personalized'))}")]))
    if rows:
        blocks.append(assets.plot("personalization_gains", draw_personalization_gains, rows,
                                  caption="Accuracy gain of each client after personalization (bars: what the "
                                          "client kept; x: what fine-tuning alone gave)"))
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


def _page_title(metrics):
    return f"tfcompress run report: {model_name(metrics, 'teacher')} \u2192 {model_name(metrics, 'student')}, " \
           f"preset {metrics.get('preset', MISSING)}"


# ----------------------------------------------------------------------------------------------
# Files: plots written into report_files/, and links to what the run wrote.

class Assets:
    """Where the report's pictures go (``out_dir/report_files``) and how the pages refer to files."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.folder = os.path.join(out_dir, FILES_DIR)
        self.written = set()
        self.no_plots = None if importlib.util.find_spec("matplotlib") else \
            "plot not drawn: matplotlib is not installed (pip install matplotlib)"

    def plot(self, name, draw, *data, caption):
        """Draw ``draw(figure, *data)`` into ``report_files/<name>.png``; an ``Image`` block (or why not)."""
        if self.no_plots:
            return Absent(caption, self.no_plots)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure, *data)
        image = io.BytesIO()
        figure.savefig(image, format="png")
        path = os.path.join(self.folder, f"{name}.png")
        write_bytes_atomic(image.getvalue(), path)
        self.written.add(path)
        return Image(self.relative(path), caption)

    def href(self, path):
        """A relative link to a file the run wrote, or ``None`` when there is no such file."""
        path = self.existing(path)
        return self.relative(path) if path else None

    def picture(self, path):
        """Like ``href``, for a picture the page shows: one outside the report's folder is copied into
        report_files/ so that the page stays whole."""
        path = self.existing(path)
        if not path:
            return None
        if os.path.commonpath([path, self.out_dir]) != self.out_dir:
            copy = os.path.join(self.folder, os.path.basename(path))
            os.makedirs(self.folder, exist_ok=True)
            shutil.copyfile(path, copy)
            self.written.add(copy)
            path = copy
        return self.relative(path)

    def existing(self, path):
        """The absolute path of a file metrics.json names, also when the run folder has moved since."""
        if not path:
            return None
        if not os.path.exists(path):
            moved = os.path.join(self.out_dir, os.path.basename(os.path.dirname(path)), os.path.basename(path))
            if not os.path.exists(moved):
                moved = os.path.join(self.out_dir, os.path.basename(path))
            if not os.path.exists(moved):
                return None
            path = moved
        return os.path.abspath(path)

    def relative(self, path):
        return os.path.relpath(path, self.out_dir).replace(os.sep, "/")

    def remove_stale_files(self):
        """Pictures an earlier report left in report_files/ that this one no longer shows."""
        if not os.path.isdir(self.folder):
            return
        for name in os.listdir(self.folder):
            path = os.path.join(self.folder, name)
            if path not in self.written and os.path.isfile(path):
                os.remove(path)


# --- the plots (each draws into a given matplotlib Figure) -------------------------------------

def label_bars(axes, bars, pattern):
    axes.bar_label(bars, labels=[pattern.format(bar.get_height()) for bar in bars], padding=2, fontsize=8)


def draw_accuracy_and_size(figure, accuracy, sizes):
    params, tflite_bytes = sizes
    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    bars = left.bar([label for label, _, _ in accuracy], [value for _, value, _ in accuracy], width=0.6,
                    color=[color for _, _, color in accuracy])
    label_bars(left, bars, "{:.4f}")
    left.set_xlim(-0.6, max(len(accuracy), 4) - 0.4)  # a lone bar keeps its width
    left.set_ylim(0, 1.08)
    left.set_ylabel("test accuracy")
    left.set_title("Test accuracy")
    if params:
        bars = right.bar([role for role, _, _ in params], [count for _, count, _ in params], width=0.6,
                         color=[color for _, _, color in params])
        right.bar_label(bars, labels=[short_count(count) for _, count, _ in params], padding=2, fontsize=9)
        right.set_xlim(-0.6, 1.6)
        right.set_yscale("log")
        right.set_ylim(min(count for _, count, _ in params) / 20, max(count for _, count, _ in params) * 4)
        right.set_ylabel("parameters (log scale)")
    title = "Size"
    if tflite_bytes:
        title += f" (the student's int8 .tflite: {tflite_bytes / 1024:.1f} KiB)"
    right.set_title(title, fontsize=10)
    for axes in (left, right):
        axes.spines[["top", "right"]].set_visible(False)


def draw_robustness(figure, models, recipes):
    import numpy as np

    left, right = figure.subplots(1, 2, width_ratios=[3, 2])
    names = list(models)
    x = np.arange(len(names))
    series = [("clean", [value_at(models[name], recipes[0], "clean_accuracy") if recipes else None
                         for name in names])]
    series += [(recipe, [value_at(models[name], recipe, "accuracy_under_attack") for name in names])
               for recipe in recipes]
    colors = ["#7f7f7f", "#c44e52", "#dd8452", "#937860", "#da8bc3", "#8c8c8c", "#ccb974"]
    draw_grouped_bars(left, x, series, colors)
    left.set_ylabel("accuracy")
    left.set_title("Clean accuracy and accuracy under attack")
    rates = [(recipe, [value_at(models[name], recipe, "attack_success_rate") for name in names]) for recipe in recipes]
    draw_grouped_bars(right, x, rates, colors[1:])
    right.set_ylabel("attack success rate")
    right.set_title("Attack success rate")
    for axes in (left, right):
        axes.set_xticks(x, [MODEL_LABELS.get(name, name).replace(" (", "\n(") for name in names])
        axes.set_ylim(0, 1.12)
        axes.spines[["top", "right"]].set_visible(False)
    left.legend(loc="upper center", ncols=len(series), fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))


def draw_grouped_bars(axes, x, series, colors):
    """One bar per series in each group; missing values (None) are left out."""
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * width
        points = [(position + offset, value) for position, value in zip(x, values) if value is not None]
        if points:
            bars = axes.bar([p for p, _ in points], [v for _, v in points], width, label=name,
                            color=colors[index % len(colors)])
            axes.bar_label(bars, labels=[f"{v:.2f}" for _, v in points], padding=1, fontsize=6.5)


def draw_deletion_curves(figure, curves):
    panels = [(model, methods) for model, methods in curves.items() if methods]
    axes_list = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    colors = {"shap": "#4c72b0", "integrated_gradients": "#c44e52"}
    legend = {}
    for axes, (model, methods) in zip(axes_list, panels):
        drawn_random = []
        for method, summary in methods.items():
            color = colors.get(method, "#55a868")
            if summary.get("curve"):
                line, = axes.plot(range(len(summary["curve"])), summary["curve"], color=color, marker="o",
                                  markersize=3)
                legend.setdefault(method.replace("_", " "), line)
            random = summary.get("curve_random")
            if random and random not in drawn_random:  # the methods share the seeded random orders
                line, = axes.plot(range(len(random)), random, color="#8c8c8c", linestyle="--")
                legend.setdefault("random deletion order", line)
                drawn_random.append(random)
        scores = ", ".join(f"{method.replace('_', ' ')} {summary['aopc']:.3f}" for method, summary in methods.items()
                           if summary.get("aopc") is not None)
        axes.set_title(f"{MODEL_LABELS.get(model, model)}\nAOPC: {scores or MISSING}", fontsize=9)
        axes.set_xlabel("words deleted")
        axes.spines[["top", "right"]].set_visible(False)
    axes_list[0].set_ylabel("mean probability of the target class")
    figure.legend(list(legend.values()), list(legend), loc="outside lower center", ncols=len(legend), fontsize=8,
                  frameon=False)


def draw_personalization_gains(figure, rows):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    axes = figure.subplots()
    gains = [row.get("gain_points") or 0.0 for row in rows]
    colors = ["#55a868" if gain > 0 else "#c44e52" if gain < 0 else "#9e9e9e" for gain in gains]
    bars = axes.bar(range(len(rows)), gains, color=colors, width=0.7)
    axes.bar_label(bars, labels=[f"{gain:+.1f}" if gain else "" for gain in gains], padding=2, fontsize=7)
    finetuned = [(index, 100 * (row["accuracy_finetuned"] - row["accuracy_before"])) for index, row in enumerate(rows)
                 if row.get("accuracy_finetuned") is not None and row.get("accuracy_before") is not None]
    if finetuned:
        axes.scatter([i for i, _ in finetuned], [v for _, v in finetuned], marker="x", color="black", zorder=3)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.axhline(-2, color="#c44e52", linewidth=0.8, linestyle=":")
    crowded = len(rows) > 8
    axes.set_xticks(range(len(rows)), [str(row.get("client")) for row in rows], rotation=45 if crowded else 0,
                    ha="right" if crowded else "center", fontsize=8)
    axes.set_ylabel("accuracy gain (points)")
    axes.set_title("Per-client accuracy gain from personalization")
    axes.legend([Patch(color="#55a868"), Patch(color="#c44e52"),
                 Line2D([], [], marker="x", color="black", linestyle="none"),
                 Line2D([], [], color="#c44e52", linewidth=0.8, linestyle=":")],
                ["gain kept", "loss kept", "fine-tuned, before the keep/revert decision", "-2 points"],
                fontsize=8, frameon=False, loc="upper right")
    axes.spines[["top", "right"]].set_visible(False)


# ----------------------------------------------------------------------------------------------
# Rendering: Markdown.

def to_markdown(blocks):
    return "\n\n".join(markdown_block(block) for block in blocks) + "\n"


def markdown_block(block):
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Absent):
        return f"**{block.what}:** {block.text}"
    if isinstance(block, Facts) and block.cards:
        return markdown_block(Table([label for label, _ in block.items], [[value for _, value in block.items]]))
    if isinstance(block, Facts):
        return "\n".join(f"- {label}: {markdown_inline(value)}" for label, value in block.items)
    if isinstance(block, Table):
        lines = ["| " + " | ".join(markdown_cell(cell) for cell in block.header) + " |",
                 "|" + "---|" * len(block.header)]
        lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Image):
        return f"![{block.caption}]({quote_href(block.src)})\n\n*{block.caption}*"
    if isinstance(block, Details):
        return f"<details><summary>{html.escape(block.summary)}</summary>\n\n```\n{block.text}\n```\n\n</details>"
    raise TypeError(f"no Markdown for {block!r}")


def markdown_inline(value):
    if isinstance(value, Link):
        return f"[{value.text}]({quote_href(value.href)})"
    if isinstance(value, list):
        return ", ".join(markdown_inline(item) for item in value)
    return str(value).replace("\n", " ")


def markdown_cell(value):
    return markdown_inline(value).replace("|", "\\|")


def quote_href(href):
    return urllib.parse.quote(href, safe="/:#")


# ----------------------------------------------------------------------------------------------
# Rendering: HTML.

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       background: #eef1f4; margin: 0; line-height: 1.45; font-size: 15px; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 36px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 1.8em; margin: 0.4em 0 0.6em; }
h2 { font-size: 1.35em; margin-top: 2em; padding-bottom: 0.25em; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.08em; margin-top: 1.6em; }
nav { font-size: 14px; margin-bottom: 1em; }
nav a { margin-right: 14px; }
a { color: #0969da; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
tbody tr:nth-child(even) td { background: #f9fafb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td:first-child { white-space: nowrap; }
figure a { display: inline-block; max-width: 100%; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0.6em 0 1em; }
dl.facts dt { font-weight: 600; color: #57606a; }
dl.facts dd { margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 1em 0; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; flex: 1 1 130px;
        max-width: 210px; background: #f6f8fa; }
.card .value { font-size: 1.45em; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: #57606a; font-size: 13px; }
.absent { color: #57606a; font-style: italic; background: #f6f8fa; border-left: 4px solid #afb8c1;
          padding: 6px 12px; margin: 0.6em 0; }
figure { margin: 1em 0 1.4em; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 4px; display: block; }
figcaption { color: #57606a; font-size: 13px; margin-top: 4px; }
details { margin: 0.6em 0; }
summary { cursor: pointer; color: #57606a; }
pre { background: #f6f8fa; padding: 10px 14px; overflow: auto; font-size: 12px; border-radius: 4px; }
"""

NUMBER = re.compile(r"^[+-]?[\d,]+(\.\d+)?$")


def to_html(blocks, title):
    headings = [block for block in blocks if isinstance(block, Heading) and block.level == 2]
    nav = "<nav>" + "".join(f'<a href="#{slug(block.text)}">{html.escape(block.text.split(":")[0])}</a>'
                            for block in headings) + "</nav>"
    body = []
    for block in blocks:
        body.append(html_block(block))
        if isinstance(block, Heading) and block.level == 1:
            body.append(nav)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def html_block(block):
    if isinstance(block, Heading):
        return f'<h{block.level} id="{slug(block.text)}">{html.escape(block.text)}</h{block.level}>'
    if isinstance(block, Paragraph):
        return f"<p>{html.escape(block.text)}</p>"
    if isinstance(block, Absent):
        return f'<p class="absent"><b>{html.escape(block.what)}:</b> {html.escape(block.text)}</p>'
    if isinstance(block, Facts) and block.cards:
        return '<div class="cards">' + "".join(
            f'<div class="card"><div class="value">{html_inline(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>' for label, value in block.items) + "</div>"
    if isinstance(block, Facts):
        return '<dl class="facts">' + "".join(f"<dt>{html.escape(label)}</dt><dd>{html_inline(value)}</dd>"
                                              for label, value in block.items) + "</dl>"
    if isinstance(block, Table):
        head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in block.header)
        rows = "".join("<tr>" + "".join(html_cell(cell) for cell in row) + "</tr>" for row in block.rows)
        return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    if isinstance(block, Image):
        src = html.escape(quote_href(block.src))
        return (f'<figure><a href="{src}"><img src="{src}" alt="{html.escape(block.caption)}"></a>'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
    if isinstance(block, Details):
        return f"<details><summary>{html.escape(block.summary)}</summary><pre>{html.escape(block.text)}</pre></details>"
    raise TypeError(f"no HTML for {block!r}")


def html_inline(value):
    if isinstance(value, Link):
        return f'<a href="{html.escape(quote_href(value.href))}">{html.escape(value.text)}</a>'
    if isinstance(value, list):
        return ", ".join(html_inline(item) for item in value)
    return html.escape(str(value))


def html_cell(value):
    numeric = isinstance(value, str) and NUMBER.match(value)
    return f'<td class="num">{html_inline(value)}</td>' if numeric else f"<td>{html_inline(value)}</td>"
