"""Bag-of-words student: each word's class evidence, weighted by a learned score per word."""
from tfcompress.backend import keras, tf
from tfcompress.models.registry import register_student
from tfcompress.models.students.cnn import CNNStudent


@register_student("bag")
@keras.utils.register_keras_serializable(package="tfcompress")
class BagStudent(CNNStudent):
    """Word vectors -> attention pooling over the words (no convolution) -> logits: a learned, weighted bag of words.

    Each word's vector has ``embedding_dim`` + 1 entries; the last is the word's score. The weights
    a_i = softmax_i(score_i) over the text's words (padding masked) pool the vectors, and
    logits = W^T sum_i a_i e_i + b = sum_i a_i (W^T e_i + b). A word's score plays the part of TF-IDF's inverse
    document frequency, learned: words that say much about the class weigh more, and a word said twice counts twice
    before the weights are normalized. Topic classes of long documents turn on which words occur more than on their
    order. Trained on the labels over a 3,000-word vocabulary (benchmarks/results/explore/bag.jsonl), it reached
    0.859 validation accuracy on newsgroups_long (20 classes, the first 128 tokens) where the cnn reached 0.849; on
    two-class snippets and short questions the cnn's n-grams read better (rotten_tomatoes 0.755 vs 0.762, trec 0.814
    vs 0.863). Train it at a higher rate than the cnn (its recipe: 1e-2): its logits are a weighted mean of word
    vectors, two weights deep, and grow to the teacher's scale slowly at 2e-3.

    It is the cnn student with attention pooling and the word vectors as the features, so it shares the cnn's
    exact explanation (c_i = a_i (W^T e_i + b), the ``.tflite``'s second output) and its interval bounds
    (``worst_case_logits``, the worst-case term and certified accuracy); it converts to TFLite with builtin int8
    ops only.

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the word encoder (rows of the embedding table, besides padding).
        max_length: tokens per text.
        embedding_dim: size of a word's evidence vector (its score is one entry more).
        dropout: dropout rate before the classifier.
        num_hashes: hash ids per word (``MultiHashEncoder``); 1: one FNV hash per word (``HashingEncoder``).
        encoder: the text encoder; ``None``: ``hashed_word_encoder(num_buckets, num_hashes, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> student = BagStudent(num_classes=20, max_length=128)
        >>> logits = student.predict_texts(["the shuttle reached orbit"])
    """

    def __init__(self, num_classes=2, num_buckets=5000, max_length=128, embedding_dim=16, dropout=0.3, num_hashes=1,
                 encoder=None, **kwargs):
        super().__init__(num_classes, num_buckets=num_buckets, max_length=max_length, embedding_dim=embedding_dim + 1,
                         filters=embedding_dim + 1, kernel_sizes=(), dropout=dropout, num_hashes=num_hashes,
                         pooling="attention", encoder=encoder, **kwargs)
        self.attention = None  # the score is the word vector's last entry, not a layer of its own
        self.evidence_dim = int(embedding_dim)

    def convolved(self, embedded):
        return embedded

    def position_scores(self, features):
        return features[..., -1:]

    def score_map(self):
        return tf.one_hot(self.evidence_dim, self.evidence_dim + 1, dtype=self.classifier.kernel.dtype), 0.0

    def feature_bounds(self, lower, upper):
        return lower, upper

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_sizes", "pooling"):
            config.pop(key)
        return {**config, "embedding_dim": self.evidence_dim}
