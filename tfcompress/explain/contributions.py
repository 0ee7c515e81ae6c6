"""The explanation a self-explaining model computes with its prediction: each word's contribution to a logit."""
import numpy as np


def contribution_maps(model, texts, target=None):
    """Per text, its words' contributions to a class logit, as attribution maps (like ``shap_attributions``).

    The values are the model's own output (``word_contributions``: the second output of a
    self-explaining ``.tflite``, or the Keras model's ``outputs_from_embeddings``), so they cost one call;
    with the class's ``contribution_bias`` they sum to its logit.

    Args:
        model: a ``TextClassifier`` or ``TFLiteTextClassifier`` that ``explains_itself``.
        texts: raw texts.
        target: class per text (or one for all); ``None``: each text's predicted class.

    Returns:
        list of dicts ``{"text", "words", "values", "target", "method": "contributions"}``.

    Raises:
        ValueError: the model does not explain itself.

    Example:
        >>> maps = contribution_maps(load_android_model("student.tflite"), ["a gorgeous, witty movie"])
        >>> maps[0]["words"], maps[0]["values"]
    """
    if not getattr(model, "explains_itself", False):
        raise ValueError(f"{type(model).__name__} does not explain itself: it has no per-word contributions "
                         "(a cnn student with pooling='attention', prado, or a .tflite exported from one)")
    texts = [str(text) for text in texts]
    if not texts:
        return []
    targets = None if target is None else np.broadcast_to(np.asarray(target), (len(texts),))
    if targets is None:
        targets = model.predict_texts(texts).argmax(-1)
    words, values = model.word_contributions(texts, target=targets)
    return [{"text": text, "words": list(text_words), "values": [float(v) for v in text_values],
             "target": int(targets[row]), "method": "contributions"}
            for row, (text, text_words, text_values) in enumerate(zip(texts, words, values))]
