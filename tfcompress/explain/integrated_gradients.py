"""Integrated gradients word attributions for Keras ``TextClassifier``s."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.models.text_classifier import sum_tokens_per_word


# Model inputs per backward pass: the tape keeps every layer's activations of each input, so memory grows
# with this. MiniLM (48 word pieces), 20 texts x 32 steps: all 256 of a batch at once +6.9 GB, 64 +1.7 GB,
# 32 +0.8 GB, 16 +0.4 GB (22 s against 25 s), 8 +0.1 GB (33 s): scripts/integrated_gradients_memory.py.
MAX_INPUTS_PER_PASS = 16


def integrated_gradients(model, texts, target=None, steps=32, batch_size=8,
                         max_inputs_per_pass=MAX_INPUTS_PER_PASS):
    """Integrated gradients of a class logit with respect to the model's token vectors, per word.

    The path runs from a baseline to the input in the space of ``model.embed`` (the vectors
    ``logits_from_embeddings`` reads). The baseline sets the vectors of word tokens to zero and
    keeps those of padding and special tokens ([CLS]/[SEP]) as they are, so only words are
    attributed and, by completeness, the word attributions sum to logit(input) - logit(baseline)
    (up to the midpoint-rule error, reported as ``completeness_error``). A token's attribution is
    sum_d (x_d - x'_d) * mean over the path of d logit / d x_d; a word's is the sum over its tokens
    (via ``encoder.encode_with_words``, as ``word_importance``). Words cut off by ``max_length``
    are absent.

    Args:
        model: a tfcompress Keras ``TextClassifier`` (a ``.tflite`` has no gradients: use shap).
        texts: raw texts.
        target: class per text (or one for all); ``None`` explains each text's predicted class.
        steps: points on the path (midpoint rule).
        batch_size: texts encoded together (each becomes ``steps`` model inputs on the path).
        max_inputs_per_pass: path points (texts x steps) per backward pass; the path of a batch is cut
            into passes of at most this many inputs (at least one text's one step), which bounds memory
            without changing the result.

    Returns:
        list of dicts ``{"text", "words", "values", "target", "method": "integrated_gradients",
        "completeness_error"}``.

    Raises:
        TypeError: ``model`` is not a Keras ``TextClassifier``.

    Example:
        >>> maps = integrated_gradients(student, ["a gorgeous, witty movie"], steps=32)
        >>> sum(maps[0]["values"]), maps[0]["completeness_error"]
    """
    if not hasattr(model, "embed") or not hasattr(model, "logits_from_embeddings"):
        raise TypeError(f"integrated gradients need a Keras TextClassifier (embed/logits_from_embeddings), "
                        f"got {type(model).__name__}; explain a .tflite with shap")
    texts = [str(text) for text in texts]
    targets = None if target is None else np.broadcast_to(np.asarray(target), (len(texts),))
    maps = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        chunk_targets = None if targets is None else targets[start:start + batch_size]
        maps.extend(_chunk(model, chunk, chunk_targets, steps, max_inputs_per_pass))
    return maps


def _chunk(model, texts, targets, steps, max_inputs_per_pass):
    inputs, word_index = model.encoder.encode_with_words(texts)
    inputs = tf.constant(inputs)
    embedded = tf.convert_to_tensor(model.embed(inputs, training=False))
    is_word = tf.cast(tf.constant(word_index >= 0)[..., None], embedded.dtype)
    baseline = embedded * (1.0 - is_word)
    end_logits = model.logits_from_embeddings(embedded, inputs, training=False).numpy()
    start_logits = model.logits_from_embeddings(baseline, inputs, training=False).numpy()
    classes = end_logits.argmax(-1) if targets is None else np.asarray(targets, np.int64)
    alphas = (np.arange(steps) + 0.5) / steps
    steps_per_pass = max(1, max_inputs_per_pass // len(texts))
    gradient_sum = tf.zeros_like(embedded)
    for first in range(0, steps, steps_per_pass):
        gradient_sum += _path_gradients(model, inputs, baseline, embedded, classes, alphas[first:first + steps_per_pass])
    gradients = gradient_sum / steps
    token_scores = tf.reduce_sum(gradients * (embedded - baseline), axis=-1).numpy()
    maps = []
    for row, text in enumerate(texts):
        words = model.encoder.words(text)
        scores = sum_tokens_per_word(token_scores[row], word_index[row], np.float64)
        expected = float(end_logits[row, classes[row]] - start_logits[row, classes[row]])
        maps.append({"text": text, "words": words[:len(scores)], "values": [float(v) for v in scores],
                     "target": int(classes[row]), "method": "integrated_gradients",
                     "completeness_error": abs(float(scores.sum()) - expected)})
    return maps


def _path_gradients(model, inputs, baseline, embedded, classes, alphas):
    """Sum over ``alphas`` of d logit[class] / d x at baseline + alpha (x - baseline), per text and token."""
    count, points = len(classes), len(alphas)
    alphas = tf.constant(alphas, embedded.dtype)[:, None, None, None]
    path = tf.reshape(baseline[None] + alphas * (embedded - baseline)[None], (points * count, *embedded.shape[1:]))
    tiled_inputs = tf.tile(inputs, [points] + [1] * (len(inputs.shape) - 1))
    chosen = tf.constant(np.tile(classes, points), tf.int32)
    with tf.GradientTape() as tape:
        tape.watch(path)
        logits = model.logits_from_embeddings(path, tiled_inputs, training=False)
        score = tf.reduce_sum(tf.gather(logits, chosen, batch_dims=1))
    return tf.reduce_sum(tf.reshape(tape.gradient(score, path), (points, count, *embedded.shape[1:])), axis=0)
