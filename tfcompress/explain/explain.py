"""Explain a model on a sample of texts: attributions, pictures, values as JSON, and faithfulness."""
import os
import time

from tfcompress.errors import DataError
from tfcompress.atomic import write_json_atomic
from tfcompress.explain.contributions import contribution_maps
from tfcompress.explain.faithfulness import aopc
from tfcompress.explain.integrated_gradients import integrated_gradients
from tfcompress.explain.plots import save_heatmap_png, save_shap_html
from tfcompress.explain.shap_explainer import shap_attributions
from tfcompress.evaluation import select_sample
from tfcompress.tflite import TextPredictor

METHODS = ("shap", "integrated_gradients", "contributions")
LABELS = {"shap": "shap Partition", "integrated_gradients": "integrated gradients",
          "contributions": "own contributions (computed with the prediction)"}


def check_methods(methods, model):
    """The methods to run on ``model``: by default shap, integrated gradients (Keras models with gradients) and
    the model's own contributions (models that ``explains_itself``)."""
    if methods is None:
        has_gradients = hasattr(model, "logits_from_embeddings") and not hasattr(model, "predict_ids")
        methods = ("shap", "integrated_gradients") if has_gradients else ("shap",)
        methods += ("contributions",) if getattr(model, "explains_itself", False) else ()
    methods = tuple(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown explanation method {unknown[0]!r}; methods are: {', '.join(METHODS)}")
    if "integrated_gradients" in methods and not hasattr(model, "logits_from_embeddings"):
        raise ValueError("integrated_gradients needs a Keras model with gradients (a .tflite or a teacher called on "
                         "strings has none); use method 'shap'")
    if "contributions" in methods and not getattr(model, "explains_itself", False):
        raise ValueError(f"{type(model).__name__} does not explain itself (no per-word contributions); use 'shap'")
    return methods


def explain_texts(model, texts, method="shap", target=None, **options):
    """Attribution maps of ``texts`` with one method (``shap_attributions``, ``integrated_gradients`` or
    ``contribution_maps``).

    Returns:
        (maps, explanation): ``explanation`` is shap's ``Explanation`` for ``"shap"``, else ``None``.
    """
    check_methods([method], model)
    if method == "shap":
        return shap_attributions(model, texts, target=target, **options)
    if method == "contributions":
        return contribution_maps(model, texts, target=target), None
    return integrated_gradients(model, texts, target=target, **options), None


def explain_model(model, texts, methods=None, num_examples=None, seed=0, out_dir=None, target=None, max_k=10,
                  num_plotted=5, max_evals=500, steps=32, include_maps=True, name="model"):
    """Explain ``model`` on a seeded sample of ``texts`` and measure the faithfulness of each method.

    Args:
        model: a ``TextClassifier`` (Keras: shap and integrated gradients) or a ``TFLiteTextClassifier``
            (shap); either also its own contributions when it ``explains_itself``.
        texts: raw texts (e.g. ``data.test.texts``).
        methods: subset of ``METHODS``; ``None``: all that apply to the model.
        num_examples: explain this many texts, drawn with ``seed`` (``None``: all).
        seed: fixes the sample and the random deletion baseline of AOPC.
        out_dir: if given, writes per method ``<name>_<method>.json`` (the values),
            ``<name>_<method>.png`` (heatmap of the first ``num_plotted`` sentences) and, for shap,
            ``<name>_shap.html`` (shap's text plot of those sentences), each atomically.
        target: class per sampled text (or one for all); ``None``: each text's predicted class.
        max_k: words deleted at most for the deletion curve / AOPC.
        num_plotted: sentences in the pictures.
        max_evals: shap evaluations per text. steps: integrated-gradients path points.
        include_maps: put the maps themselves into the result (``attributions``).
        name: file-name prefix.

    Returns:
        JSON-serializable dict: ``model`` (keras/tflite), ``num_examples``, ``seed``, ``indices``,
        ``methods`` ({method: {seconds_per_text, aopc, aopc_random, curve, curve_random, max_k, files,
        and for integrated gradients mean_completeness_error}}) and, with ``include_maps``,
        ``attributions`` ({method: maps}).

    Raises:
        DataError: no texts. ValueError: unknown method, or integrated gradients on a ``.tflite``.

    Example:
        >>> result = explain_model(student, data.test.texts, num_examples=50, out_dir="explanations")
        >>> result["methods"]["shap"]["aopc"], result["methods"]["shap"]["files"]
    """
    methods = check_methods(methods, model)
    texts = [str(text) for text in texts]
    if not texts:
        raise DataError("no texts to explain: the data is empty")
    indices = select_sample(len(texts), num_examples, seed)
    sample = [texts[i] for i in indices]
    predictor = TextPredictor(model)
    result = {"model": predictor.kind, "num_examples": len(sample), "seed": int(seed), "indices": indices,
              "methods": {}}
    maps_by_method = {}
    for method in methods:
        start = time.perf_counter()
        options = {"shap": {"max_evals": max_evals}, "integrated_gradients": {"steps": steps}}.get(method, {})
        maps, explanation = explain_texts(predictor if method == "shap" else model, sample, method, target, **options)
        seconds = (time.perf_counter() - start) / len(sample)
        summary = {"seconds_per_text": round(seconds, 5), **aopc(predictor, maps, max_k=max_k, seed=seed)}
        summary.pop("per_sentence")
        if method == "integrated_gradients":
            errors = [item["completeness_error"] for item in maps]
            summary["mean_completeness_error"] = float(sum(errors) / len(errors))
        summary["files"] = _write_outputs(out_dir, name, method, maps, explanation, num_plotted, predictor.kind) \
            if out_dir is not None else {}
        result["methods"][method] = summary
        maps_by_method[method] = maps
    if include_maps:
        result["attributions"] = maps_by_method
    return result


def _write_outputs(out_dir, name, method, maps, explanation, num_plotted, kind):
    base = os.path.join(out_dir, f"{name}_{method}")
    label = LABELS[method]
    files = {"json": write_json_atomic({"method": method, "model": kind, "maps": maps}, base + ".json", indent=1),
             "png": save_heatmap_png(maps, base + ".png", title=f"{name} ({kind}): {label} word attributions",
                                     max_sentences=num_plotted)}
    if explanation is not None:
        plotted = [item for item in maps if item["words"]][:num_plotted]
        files["html"] = save_shap_html(explanation[:len(plotted)], plotted, base + ".html",
                                       title=f"{name} ({kind}): shap word attributions")
    return files
