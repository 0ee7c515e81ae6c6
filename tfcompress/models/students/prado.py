"""PRADO-style projection student: hashed ternary word projections, no embedding table."""
from tfcompress.backend import keras, tf
from tfcompress.models.layers.multi_hash_embedding import MASK_PENALTY
from tfcompress.models.registry import register_student
from tfcompress.models.text_classifier import TextClassifier
from tfcompress.text import TernaryProjectionEncoder


@register_student("prado")
@keras.utils.register_keras_serializable(package="tfcompress")
class PRADOStudent(TextClassifier):
    """PRADO (Kaliamoorthi et al., 2019) in Keras: projection -> bottleneck -> masked n-gram attention.

    Each word's ternary {-1, 0, +1} projection (``TernaryProjectionEncoder``, 2 hash bits per
    feature, computed in the input pipeline) goes through a dense bottleneck. For each n-gram width,
    one convolution computes values and another attention logits; a softmax over the (unpadded)
    positions pools the values. The pooled vectors are concatenated and classified. All ops convert
    to TFLite int8 builtins.

    Args:
        num_classes: number of output classes.
        features: projection features per word (B).
        max_length: tokens per text.
        bottleneck: size of the dense bottleneck after the projection.
        filters: value/attention channels per n-gram width.
        ngram_sizes: n-gram widths, one pair of convolutions each.
        dropout: dropout rate on the bottleneck and the pooled features.
        encoder: the text encoder; ``None``: ``TernaryProjectionEncoder(features, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> student = PRADOStudent(num_classes=2)
        >>> logits = student.predict_texts(["a gripping, funny film"])
    """

    def __init__(self, num_classes=2, features=64, max_length=48, bottleneck=64, filters=64,
                 ngram_sizes=(1, 2, 3), dropout=0.3, encoder=None, **kwargs):
        if encoder is None:
            encoder = TernaryProjectionEncoder(features, max_length)
        super().__init__(num_classes, num_buckets=0, max_length=max_length, encoder=encoder, **kwargs)
        self.features = int(features)
        self.bottleneck_size = bottleneck
        self.filters = filters
        self.ngram_sizes = tuple(ngram_sizes)
        self.dropout_rate = dropout
        self.bottleneck = keras.layers.Dense(bottleneck, activation="relu", name="bottleneck")
        self.values = [keras.layers.Conv1D(filters, n, padding="same", activation="relu", name=f"value{n}")
                       for n in self.ngram_sizes]
        self.attention_logits = [keras.layers.Conv1D(filters, n, padding="same", name=f"attention{n}")
                                 for n in self.ngram_sizes]
        self.dropout = keras.layers.Dropout(dropout)
        self.classifier = keras.layers.Dense(num_classes, name="logits")

    def token_mask(self, projections):
        """1.0 at real tokens, 0.0 at padding (padding projections are all zero), shape (batch, length, 1)."""
        return tf.cast(tf.reduce_max(tf.abs(projections), axis=-1, keepdims=True) > 0, projections.dtype)

    def embed(self, projections, training=None):
        return projections

    def attention_pooling(self, projections, training=None):
        """Per n-gram width: the attention weights (batch, length, filters) and the values."""
        mask = self.token_mask(projections)
        hidden = self.dropout(self.bottleneck(projections), training=training)
        pairs = []
        for values, logits in zip(self.values, self.attention_logits):
            scores = logits(hidden) + (mask - 1.0) * MASK_PENALTY
            pairs.append((tf.nn.softmax(scores, axis=1), values(hidden)))
        return pairs

    explains_itself = True

    def logits_from_embeddings(self, embedded, projections, training=None):
        return self.classifier(self.dropout(self.pooled(embedded, training), training=training))

    def pooled(self, embedded, training=None):
        return tf.reduce_sum(self.weighted_values(embedded, training), axis=1)

    def weighted_values(self, embedded, training=None):
        """Each position's attention-weighted values, all n-gram widths side by side: (batch, length, features)."""
        products = [weights * values for weights, values in self.attention_pooling(embedded, training=training)]
        return products[0] if len(products) == 1 else tf.concat(products, axis=-1)

    def outputs_from_embeddings(self, embedded, projections, training=None):
        """Logits and per-position contributions: the pooled features are sums over positions of attention-
        weighted values, so position i contributes W^T (its weighted values) to the logits."""
        weighted = self.weighted_values(embedded, training)
        logits = self.classifier(self.dropout(tf.reduce_sum(weighted, axis=1), training=training))
        return logits, self.evidence(weighted) * self.token_mask(projections)

    def features_from_embeddings(self, embedded, projections, training=None):
        values = [values for _, values in self.attention_pooling(embedded, training=training)]
        return values[0] if len(values) == 1 else tf.concat(values, axis=-1)

    def attention_map(self, projections, training=None):
        """Attention over positions, averaged over n-gram widths and channels: (batch, length)."""
        weights = [tf.reduce_mean(weights, axis=-1) for weights, _ in self.attention_pooling(projections, training)]
        return tf.add_n(weights) / len(weights)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "features": self.features,
                "max_length": self.max_length, "bottleneck": self.bottleneck_size, "filters": self.filters,
                "ngram_sizes": list(self.ngram_sizes), "dropout": self.dropout_rate, **self.encoder_config()}
