"""Small evaluation helpers shared by every stage: accuracy, agreement, seeded samples, the part of a text models read."""
import numpy as np


def accuracy(logits, labels):
    """Fraction of rows whose argmax is the label (NaN for no rows)."""
    return float(np.mean(np.argmax(logits, -1) == np.asarray(labels))) if len(labels) else float("nan")


def argmax_agreement(logits_a, logits_b):
    """Fraction of rows whose argmax class is the same in both arrays."""
    if len(logits_a) != len(logits_b):
        raise ValueError(f"{len(logits_a)} rows vs {len(logits_b)} rows")
    return float(np.mean(np.argmax(logits_a, -1) == np.argmax(logits_b, -1))) if len(logits_a) else 1.0


def select_sample(num_texts, num_examples=None, seed=0):
    """Indices of the examples to evaluate: ``num_examples`` of ``range(num_texts)`` drawn with ``seed``,
    in ascending order (all of them, in order, when ``num_examples`` is ``None`` or too large).

    Example:
        >>> select_sample(10, 3, seed=0)
        [2, 6, 8]
    """
    if num_examples is not None and int(num_examples) < 1:
        raise ValueError(f"num_examples must be at least 1, got {num_examples}")
    if num_examples is None or int(num_examples) >= num_texts:
        return list(range(num_texts))
    chosen = np.random.default_rng(seed).permutation(num_texts)[:int(num_examples)]
    return sorted(int(i) for i in chosen)


def read_part(text, *encoders):
    """The start of ``text`` that holds every token the ``encoders`` read: its first ``max_length`` words (the
    largest of the encoders') when those encode to the same input as the whole text for each encoder, else the
    whole text (an encoder without ``max_length``, or one that reads past them).

    A model that reads its first ``max_length`` tokens predicts the same from this part as from the whole text,
    so attacks and explanations can work on it: their cost grows with a text's words.

    Example:
        >>> read_part("word " * 1000, student.encoder).count("word")  # a student reading 128 tokens
        128
    """
    limits = [getattr(encoder, "max_length", None) for encoder in encoders]
    if not encoders or None in limits:
        return text
    limit, words = int(max(limits)), text.split()
    if len(words) <= limit:
        return text
    part = " ".join(words[:limit])
    same = all(np.array_equal(encoder.encode([part]), encoder.encode([text])) for encoder in encoders)
    return part if same else text


__all__ = ["accuracy", "argmax_agreement", "read_part", "select_sample"]
