"""Word attributions with shap's Partition explainer over the package's words (Keras or ``.tflite``)."""
import sys

import numpy as np

from tfcompress.explain.shap_word_tokenizer import ShapWordTokenizer
from tfcompress.tflite import TextPredictor

# Masked words are deleted: shap puts this private-use character in their place and the model
# function removes it. Hashed-word models have no neutral "unknown" token, and "..." would be read
# as three punctuation tokens; deletion is also what the faithfulness (AOPC) test does.
MASK = "\ue000"


def import_shap():
    """shap, imported with numba's compiler off (its global switch restored afterwards) unless it is imported already.

    shap compiles a few small helpers with numba on first use: about 12 s of every process's first explanation on
    2 cores, and they are not hot (5 texts of the quick run's student: 3.1 s for the first call with them in
    Python, 15.5 s compiled; later calls 0.5 s either way). The stack without numba imports shap as it is.
    """
    if "shap" in sys.modules:
        return sys.modules["shap"]
    try:
        import numba
    except ImportError:
        import shap

        return shap
    compiling = numba.config.DISABLE_JIT
    numba.config.DISABLE_JIT = True
    try:
        import shap
    finally:
        numba.config.DISABLE_JIT = compiling
    return shap


def shap_text(text):
    """``text`` as shap explains it: unchanged unless lower-casing changes its length."""
    return text if len(text.lower()) == len(text) else text.lower()


def shap_attributions(model, texts, target=None, max_evals=500, batch_size=64, progress=False):
    """Partition-explainer attributions of each word to a class logit.

    Args:
        model: a ``TextClassifier``, a ``TFLiteTextClassifier`` or a ``TextPredictor``.
        texts: raw texts.
        target: class per text (or one for all); ``None`` explains each text's predicted class.
        max_evals: model evaluations per text (shap's budget for the Partition explainer).
        batch_size: masked texts per model call.
        progress: show shap's progress bar.

    Returns:
        (maps, explanation): ``maps`` is a list of dicts ``{"text", "words", "values", "target",
        "method": "shap"}`` (values: list of floats, one per word); ``explanation`` is shap's
        ``Explanation`` over all classes (``None`` when no text has a word), for shap's plots.

    Example:
        >>> maps, explanation = shap_attributions(student, ["a gorgeous, witty movie"])
        >>> maps[0]["words"], maps[0]["values"]
    """
    shap = import_shap()
    predictor = model if isinstance(model, TextPredictor) else TextPredictor(model)
    texts = [shap_text(str(text)) for text in texts]
    targets = _targets(predictor, texts, target)
    tokenizer = ShapWordTokenizer()
    with_words = [i for i, text in enumerate(texts) if tokenizer(text)["input_ids"]]

    def logits(masked):
        return predictor.logits([str(text).replace(MASK, " ") for text in masked])

    masker = shap.maskers.Text(tokenizer, mask_token=MASK, collapse_mask_token=True)
    explainer = shap.Explainer(logits, masker, output_names=[f"class {c}" for c in range(predictor.num_classes)])
    explanation = None
    if with_words:
        explanation = explainer([texts[i] for i in with_words], max_evals=max_evals, batch_size=batch_size,
                                silent=not progress)
    values = {i: np.asarray(explanation.values[row])[:, targets[i]] for row, i in enumerate(with_words)}
    maps = [{"text": text, "words": tokenizer.tokenizer.tokenize(text),
             "values": [float(v) for v in values.get(i, [])], "target": int(targets[i]), "method": "shap"}
            for i, text in enumerate(texts)]
    return maps, explanation


def _targets(predictor, texts, target):
    if target is None:
        return [int(c) for c in predictor.logits(texts).argmax(-1)] if texts else []
    return [int(c) for c in np.broadcast_to(np.asarray(target), (len(texts),))]

