"""Start a student's hashed word embeddings from the teacher's view of each word."""
import collections

import numpy as np

# Per-dimension standard deviation of the initialized table: the scale of a trained embedding,
# several times Keras' uniform(-0.05, 0.05) start.
INIT_SCALE = 0.1


def init_embeddings_from_teacher(student, teacher, texts, lexicon=None, seed=0):
    """Initialize ``student.embedding`` from the teacher's context-free word vectors.

    Every word of ``texts`` (counted) and of ``lexicon`` (e.g. the teacher's WordPiece vocabulary, so
    words unseen in training also start where the teacher puts them) gets the teacher's
    ``word_vectors``. They are projected onto their top principal components (as many as the
    student's embedding size, weighted by word frequency + 1), each scaled to standard deviation
    ``INIT_SCALE``, and every hash bucket starts at the frequency-weighted mean of the words hashed
    into it. Buckets no word reaches keep a small random start; padding (id 0) is zero.

    Args:
        student: a student with a hashed word ``embedding`` (``cnn``, ``fastgrnn``).
        teacher: any tfcompress teacher (``word_vectors`` gives its per-word features).
        texts: the training texts.
        lexicon: extra words, weighted as if seen once.
        seed: seed of the random start of unreached buckets.

    Returns:
        A dict describing what was done: words used, buckets reached, variance kept.

    Example:
        >>> init_embeddings_from_teacher(student, teacher, data.train.texts)
    """
    if not hasattr(student, "embedding") or not hasattr(student.encoder, "token_id"):
        raise ValueError(f"student {student.name!r} has no hashed word embedding to initialize "
                         "(embedding init applies to the cnn and fastgrnn students)")
    counts = collections.Counter(word for text in texts for word in student.encoder.words(text))
    for word in lexicon or ():
        counts.setdefault(word, 0)
    if not counts:
        raise ValueError("init_embeddings_from_teacher needs at least one word")
    words = sorted(counts)
    weights = np.array([counts[word] + 1.0 for word in words])
    vectors = np.asarray(teacher.word_vectors(words), np.float64)
    student.build_for_inputs()
    table = student.embedding.embeddings
    dims = int(table.shape[1])
    projected, kept = _principal_components(vectors, weights, dims)
    buckets = np.array([student.encoder.token_id(word) for word in words])
    sums = np.zeros(table.shape, np.float64)
    totals = np.zeros(table.shape[0], np.float64)
    np.add.at(sums, buckets, projected * weights[:, None])
    np.add.at(totals, buckets, weights)
    start = np.random.RandomState(seed).uniform(-0.05, 0.05, table.shape)
    reached = totals > 0
    start[reached] = sums[reached] / totals[reached, None]
    start[0] = 0.0
    table.assign(start.astype(np.float32))
    return {"words": len(words), "buckets_reached": int(reached[1:].sum()), "buckets": int(table.shape[0] - 1),
            "teacher_dim": int(vectors.shape[1]), "student_dim": dims, "variance_kept": round(kept, 4)}


def _principal_components(vectors, weights, dims):
    """Weighted PCA to ``dims`` components, each scaled to std ``INIT_SCALE``; and the variance share kept."""
    centred = vectors - np.average(vectors, axis=0, weights=weights)
    covariance = (centred * weights[:, None]).T @ centred / weights.sum()
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1][:dims]
    projected = centred @ eigenvectors[:, order]
    if projected.shape[1] < dims:  # a teacher narrower than the student: pad with zeros
        projected = np.pad(projected, ((0, 0), (0, dims - projected.shape[1])))
    scale = np.sqrt(np.average(projected ** 2, axis=0, weights=weights))
    projected = projected / np.where(scale > 0, scale, 1.0) * INIT_SCALE
    kept = float(eigenvalues[order].sum() / max(eigenvalues.sum(), 1e-12))
    return projected, kept


def teacher_lexicon(teacher):
    """Whole words of the teacher's WordPiece vocabulary (alphabetic, 2+ letters); [] without one."""
    vocab = getattr(teacher.encoder, "vocab", None) or []
    return [token for token in vocab if token.isalpha() and len(token) > 1]
