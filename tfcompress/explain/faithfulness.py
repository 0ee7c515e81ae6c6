"""Faithfulness of word attributions: the deletion curve and its AOPC."""
import numpy as np

from tfcompress.tflite import TextPredictor


def deletion_texts(words, values, max_k, order=None):
    """The texts with the top 0..max_k attributed words deleted (words joined by spaces).

    ``words`` are all the text's words; ``values`` may cover only the first ones (a model's
    ``max_length``): the others are never deleted. Deleting past the attributed words repeats the
    last text. ``order`` replaces the ranking (e.g. a random one).
    """
    ranked = list(order) if order is not None else list(np.argsort(-np.asarray(values), kind="stable"))
    out = []
    for k in range(max_k + 1):
        removed = set(ranked[:min(k, len(ranked))])
        out.append(" ".join(word for i, word in enumerate(words) if i not in removed))
    return out


def deletion_curve(model, maps, max_k=10, random_order=False, seed=0):
    """Probability of each map's target class as its top-k words are deleted, k = 0..max_k.

    Args:
        model: a ``TextClassifier``, ``TFLiteTextClassifier`` or ``TextPredictor``.
        maps: attribution maps (``text``, ``words``, ``values``, ``target``).
        max_k: most words deleted.
        random_order: delete in a random order instead (the baseline an explanation must beat).
        seed: seeds the random orders.

    Returns:
        float array (len(maps), max_k + 1) of target-class probabilities.
    """
    predictor = model if isinstance(model, TextPredictor) else TextPredictor(model)
    rng = np.random.default_rng(seed)
    texts = []
    for item in maps:
        words = predictor.encoder.words(item["text"])
        order = rng.permutation(len(item["values"])) if random_order else None
        texts.extend(deletion_texts(words, item["values"], max_k, order))
    probabilities = predictor.probabilities(texts).reshape(len(maps), max_k + 1, -1)
    targets = np.asarray([item["target"] for item in maps])
    return probabilities[np.arange(len(maps)), :, targets]


def aopc(model, maps, max_k=10, seed=0):
    """Area over the perturbation curve: mean over k = 0..max_k of p(target | text) - p(target | text
    without its top-k words), averaged over the maps; also for random deletion orders.

    A faithful explanation ranks first the words whose deletion lowers the target probability most:
    its AOPC is above the random order's.

    Args:
        model: a ``TextClassifier``, ``TFLiteTextClassifier`` or ``TextPredictor``.
        maps: attribution maps (from ``shap_attributions`` or ``integrated_gradients``).
        max_k: most words deleted (sentences with fewer words stay empty past their length).
        seed: seeds the random baseline.

    Returns:
        dict: ``aopc``, ``aopc_random``, ``max_k``, ``curve`` and ``curve_random`` (mean target
        probability at each k), ``per_sentence`` (AOPC of each map).

    Raises:
        ValueError: no maps.

    Example:
        >>> aopc(student, integrated_gradients(student, texts), max_k=10)["aopc"]
    """
    if not maps:
        raise ValueError("no attribution maps to evaluate")
    curve = deletion_curve(model, maps, max_k)
    random_curve = deletion_curve(model, maps, max_k, random_order=True, seed=seed)
    per_sentence = (curve[:, :1] - curve).mean(axis=1)
    per_sentence_random = (random_curve[:, :1] - random_curve).mean(axis=1)
    return {"aopc": float(per_sentence.mean()), "aopc_random": float(per_sentence_random.mean()),
            "max_k": int(max_k), "curve": [float(v) for v in curve.mean(0)],
            "curve_random": [float(v) for v in random_curve.mean(0)],
            "per_sentence": [float(v) for v in per_sentence]}
