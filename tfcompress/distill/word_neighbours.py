"""Substitution candidates for the transfer set: each word's nearest neighbours in the teacher's word space."""
import numpy as np


def teacher_neighbours(teacher, words, k=8, min_similarity=0.5, batch_size=2048, cache=None):
    """Each word's ``k`` nearest other words by cosine similarity of the teacher's ``word_vectors``.

    TinyBERT-style substitution candidates drawn from the teacher's own view of words: swapping a word
    for one the teacher places near it gives the transfer set new, plausible sentences (and new
    vocabulary) that the teacher then labels.

    Args:
        teacher: any tfcompress teacher.
        words: the candidate vocabulary (e.g. the training words).
        k: neighbours kept per word.
        min_similarity: neighbours less similar than this are dropped.
        batch_size: rows of the similarity matrix computed at once.
        cache: a ``TeacherOutputCache`` that keeps the teacher's word vectors.

    Returns:
        ``{word: [neighbour, ...]}`` for the words with at least one neighbour.

    Example:
        >>> teacher_neighbours(teacher, ["good", "great", "film", "movie"], k=1)["film"]
        ['movie']
    """
    words = list(dict.fromkeys(words))
    if len(words) < 2:
        return {}
    vectors = np.array(cache.word_vectors(teacher, words) if cache else teacher.word_vectors(words), np.float32)
    vectors -= vectors.mean(axis=0)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    k = min(k, len(words) - 1)
    neighbours = {}
    for start in range(0, len(words), batch_size):
        similarity = vectors[start:start + batch_size] @ vectors.T
        rows = np.arange(similarity.shape[0])
        similarity[rows, start + rows] = -np.inf
        best = np.argpartition(-similarity, k, axis=1)[:, :k]
        for row, columns in enumerate(best):
            columns = columns[np.argsort(-similarity[row, columns])]
            kept = [words[column] for column in columns if similarity[row, column] >= min_similarity]
            if kept:
                neighbours[words[start + row]] = kept
    return neighbours
