"""Start a student's hashed word embeddings from the teacher's view of each word."""
import collections

import numpy as np

# Per-dimension standard deviation of the initialized table: the scale of a trained embedding,
# several times Keras' uniform(-0.05, 0.05) start.
INIT_SCALE = 0.1
# Ridge penalty of the row fit, relative to the mean weight a row receives: keeps rows that few
# words reach near zero instead of fitting them exactly.
RIDGE = 0.01


def init_embeddings_from_teacher(student, teacher, texts, lexicon=None, seed=0, ridge=RIDGE, logit_dims=0, cache=None):
    """Initialize ``student.embedding`` from the teacher's context-free word vectors.

    Every word of ``texts`` (counted) and of ``lexicon`` (e.g. the teacher's WordPiece vocabulary and
    an English word list, so words unseen in training also start where the teacher puts them) gets
    the teacher's ``word_vectors``. They are projected onto their top principal components (as many
    as the student's embedding size, weighted by word frequency + 1), each scaled to standard
    deviation ``INIT_SCALE``. The table rows are then the weighted ridge least-squares fit of
    "the sum of a word's rows equals its projected vector" over all those words: with one hash per
    word that is each bucket's frequency-weighted mean; with k hashes (``MultiHashEncoder``) nearly
    every word gets its own combination of rows. Rows no word reaches keep a small random start;
    padding (id 0) is zero.

    Args:
        student: a student with a hashed word ``embedding`` (``cnn``, ``fastgrnn``).
        teacher: any tfcompress teacher (``word_vectors`` gives its per-word features).
        texts: the training texts.
        lexicon: extra words, weighted as if seen once.
        seed: seed of the random start of unreached rows.
        ridge: the ridge penalty, relative to the mean weight a row receives.
        logit_dims: how many of the student's dimensions carry the teacher's verdict on the word alone
            (the principal components of its centred logits on the one-word text, at most classes - 1);
            the others carry the word vectors' principal components.
        cache: a ``TeacherOutputCache`` that keeps the teacher's word vectors and logits.

    Returns:
        A dict describing what was done: words used, rows reached, variance kept, fit residual.

    Example:
        >>> init_embeddings_from_teacher(student, teacher, data.train.texts)
    """
    if not hasattr(student, "embedding") or not hasattr(student.encoder, "token_id"):
        raise ValueError(f"student {student.name!r} has no hashed word embedding to initialize "
                         "(embedding init applies to the cnn and fastgrnn students)")
    counts = collections.Counter(word for text in texts for word in student.encoder.words(text))
    for word in lexicon or ():
        counts.setdefault(word, 0)
    if hasattr(student.encoder, "in_vocabulary"):  # a closed vocabulary: only its words have rows of their own
        counts = {word: count for word, count in counts.items() if student.encoder.in_vocabulary(word)}
    if not counts:
        raise ValueError("init_embeddings_from_teacher needs at least one word")
    words = sorted(counts)
    weights = np.array([counts[word] + 1.0 for word in words])
    vectors = np.asarray(cache.word_vectors(teacher, words) if cache else teacher.word_vectors(words), np.float64)
    student.build_for_inputs()
    table = student.embedding.embeddings
    rows, dims = int(table.shape[0]), int(table.shape[1])
    logit_dims = min(int(logit_dims), teacher.num_classes - 1, dims)
    projected, kept = _principal_components(vectors, weights, dims - logit_dims)
    if logit_dims:
        logits = cache.logits(teacher, words) if cache else teacher.predict_texts(words)
        verdicts, _ = _principal_components(np.asarray(logits, np.float64), weights, logit_dims)
        projected = np.concatenate([verdicts, projected], axis=1)
    ids = np.array([np.atleast_1d(student.encoder.token_id(word)) for word in words])
    start = np.random.RandomState(seed).uniform(-0.05, 0.05, table.shape)
    fitted, reached, residual = _fit_rows(ids, projected, weights, rows, ridge)
    start[reached] = fitted[reached]
    start[0] = 0.0
    table.assign(start.astype(np.float32))
    return {"words": len(words), "buckets_reached": int(reached[1:].sum()), "buckets": rows - 1,
            "hashes_per_word": int(ids.shape[1]), "teacher_dim": int(vectors.shape[1]), "student_dim": dims,
            "logit_dims": logit_dims,
            "variance_kept": round(kept, 4), "fit_residual": round(residual, 4)}


def _fit_rows(ids, targets, weights, rows, ridge):
    """Rows E minimising sum_w weight_w |sum_j E[ids_wj] - target_w|^2 + penalty |E|^2 (normal equations).

    Returns the fitted rows, which rows any word reaches, and the weighted relative residual.
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    words, hashes = ids.shape
    design = sparse.csr_matrix((np.ones(words * hashes), (np.repeat(np.arange(words), hashes), ids.ravel())),
                               shape=(words, rows))
    weighted = design.multiply(weights[:, None]).tocsr()
    gram = (design.T @ weighted).tocsc()  # sparse: a word touches only its own rows
    diagonal = gram.diagonal()
    reached = diagonal > 0
    penalty = ridge * float(diagonal[reached].mean())
    gram = (gram + penalty * sparse.identity(rows, format="csc")).tocsc()
    fitted = splu(gram).solve(np.asarray(weighted.T @ targets, dtype=np.float64))
    errors = design @ fitted - targets
    residual = float(np.sum(weights[:, None] * errors ** 2) / max(np.sum(weights[:, None] * targets ** 2), 1e-12))
    return fitted, reached, residual


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
