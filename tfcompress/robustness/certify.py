"""Certified robustness of a closed-vocabulary student: what no attack inside a declared set can change.

A ``VocabularyEncoder`` makes the reachable inputs enumerable: one character edit of a word can only
be read as one of ``encoder.reachable_ids(word)``, and a WordNet swap as one of the word's row of a
``substitution_table``. Two shares are reported over test sentences:

- ``encoding_invariant``: no allowed change of any words changes the encoded input at all, so the
  prediction cannot change (no model reasoning needed);
- ``certified_accuracy``: the sentence is classified correctly and interval bound propagation
  (``worst_case_logits``) proves that no combination of allowed changes, on all words at once,
  changes the class. This bounds from below the accuracy under every attack confined to the set
  (DeepWordBug's one edit per word, Pruthi's single edit, PWWS' swaps).
"""
import numpy as np

from tfcompress.backend import tf


def _letters(token):
    return any(char.isalpha() for char in token)


def typo_candidates(encoder, text):
    """Per position of ``text``, the ids one edit of that token (words with letters only) can be read as."""
    tokens = encoder.words(text)[:encoder.max_length]
    return [sorted(encoder.reachable_ids(token)) if _letters(token) else [encoder.canonical_id(token)]
            for token in tokens]


def table_candidates(encoder, table, text):
    """Per position of ``text``, the ids of its row of ``table`` (``substitution_table``)."""
    ids = encoder.encode([text])[0]
    length = min(len(encoder.words(text)), encoder.max_length)
    return [sorted(set(table[index].tolist())) for index in ids[:length]]


def certify(student, texts, labels, candidates, batch_size=128):
    """Encoding-invariant share and IBP-certified accuracy of ``student`` under per-position id sets.

    Args:
        student: a closed-vocabulary student with ``worst_case_logits`` (the cnn).
        texts, labels: the sentences and their true labels.
        candidates: ``fn(text) -> [ids per position]`` (``typo_candidates``, ``table_candidates``).
        batch_size: sentences bounded at once.

    Returns:
        dict: ``encoding_invariant``, ``certified_accuracy``, ``clean_accuracy`` (float model) and
        ``num_examples``.

    Example:
        >>> certify(student, texts, labels, lambda text: typo_candidates(student.encoder, text))
    """
    encoder = student.encoder
    embeddings = student.embedding.embeddings.numpy()
    invariant, certified, correct = [], [], []
    for start in range(0, len(texts), batch_size):
        chunk, chunk_labels = list(texts[start:start + batch_size]), np.asarray(labels[start:start + batch_size])
        sets = [candidates(text) for text in chunk]
        ids = encoder.encode(chunk)
        lower = embeddings[ids].copy()
        upper = lower.copy()
        for row, positions in enumerate(sets):
            for position, options in enumerate(positions):
                vectors = embeddings[options]
                lower[row, position], upper[row, position] = vectors.min(axis=0), vectors.max(axis=0)
            invariant.append(all(len(options) == 1 for options in positions))
        worst = student.worst_case_logits(tf.constant(lower), tf.constant(upper),
                                          tf.constant(chunk_labels, tf.int32), tf.constant(ids)).numpy()
        worst[np.arange(len(chunk)), chunk_labels] = -np.inf
        predicted = np.argmax(student.predict(ids, verbose=0), axis=-1)
        correct += list(predicted == chunk_labels)
        certified += list((worst.max(axis=-1) < 0) & (predicted == chunk_labels))
    return {"num_examples": len(texts), "clean_accuracy": float(np.mean(correct)),
            "encoding_invariant": float(np.mean(invariant)), "certified_accuracy": float(np.mean(certified))}
