"""Teacher-vs-student explanation fidelity: do the two models rely on the same words?"""
import unicodedata

import numpy as np


def _plain(word):
    # WordPiece encoders strip accents from their words; hashing encoders keep them.
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn") or word


def aligned_values(map_a, map_b):
    """The two attribution vectors over the words both maps cover.

    Maps of the same text cover the same words in the same order, except that a model with a
    shorter ``max_length`` (or WordPieces filling the teacher's window sooner) attributes fewer of
    them: the comparison uses the common prefix. Words are compared without accents (WordPiece
    encoders strip them).

    Raises:
        ValueError: the maps are of different texts (their common words differ).
    """
    count = min(len(map_a["values"]), len(map_b["values"]))
    if [_plain(w) for w in map_a["words"][:count]] != [_plain(w) for w in map_b["words"][:count]]:
        raise ValueError(f"attribution maps of different texts: {map_a['words'][:count]} vs {map_b['words'][:count]}")
    return np.asarray(map_a["values"][:count], np.float64), np.asarray(map_b["values"][:count], np.float64)


def spearman(a, b):
    """Spearman rank correlation with average ranks for ties; ``None`` when undefined (fewer than
    two words, or a constant map, whose ranks carry no order)."""
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    from scipy.stats import rankdata

    ra, rb = rankdata(a), rankdata(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def top_k(values, k):
    """Positions of the ``k`` largest values; ties go to the earlier word (a stable order)."""
    return set(np.argsort(-np.asarray(values), kind="stable")[:k].tolist())


def top_k_overlap(a, b, k=5):
    """|top-k(a) & top-k(b)| / k with k capped at the number of words; ``None`` for no words."""
    k = min(k, len(a))
    return len(top_k(a, k) & top_k(b, k)) / k if k else None


def fidelity(teacher_maps, student_maps, k=5):
    """Agreement of two models' word attributions, per sentence and averaged.

    Both lists hold maps of the same texts in the same order (dicts with ``words`` and ``values``,
    as ``shap_attributions``/``integrated_gradients`` return), best computed for the same target
    class (e.g. the teacher's prediction for both). Values are signed support for the target, so
    the top-k words are those that push hardest towards it. Per sentence: Spearman rank
    correlation (average ranks for ties; undefined, so left out of the mean, for a constant map or
    fewer than two words) and top-k overlap (stable tie order; k capped at the sentence length),
    over the words both maps cover (``aligned_values``).

    Returns:
        dict: ``spearman`` (mean), ``top_k_overlap`` (mean), ``k``, ``num_sentences``,
        ``num_spearman_undefined`` and ``per_sentence`` (list of {spearman, top_k_overlap, num_words}).

    Raises:
        ValueError: the lists differ in length, are empty, or pair maps of different texts.

    Example:
        >>> fidelity(teacher_maps, student_maps, k=5)["spearman"]
    """
    if len(teacher_maps) != len(student_maps):
        raise ValueError(f"{len(teacher_maps)} teacher maps vs {len(student_maps)} student maps")
    if not teacher_maps:
        raise ValueError("no attribution maps to compare")
    rows = []
    for map_a, map_b in zip(teacher_maps, student_maps):
        a, b = aligned_values(map_a, map_b)
        rows.append({"spearman": spearman(a, b), "top_k_overlap": top_k_overlap(a, b, k), "num_words": len(a)})

    def mean(key):
        values = [row[key] for row in rows if row[key] is not None]
        return float(np.mean(values)) if values else None

    return {"spearman": mean("spearman"), "top_k_overlap": mean("top_k_overlap"), "k": int(k),
            "num_sentences": len(rows), "num_spearman_undefined": sum(row["spearman"] is None for row in rows),
            "per_sentence": rows}
