"""Convolutional student: hashed embeddings, n-gram convolutions, max pooling."""
from tfcompress.backend import keras, tf
from tfcompress.models.layers.multi_hash_embedding import MultiHashEmbedding
from tfcompress.models.registry import register_student
from tfcompress.models.text_classifier import TextClassifier, hashed_word_encoder


@register_student("cnn")
@keras.utils.register_keras_serializable(package="tfcompress")
class CNNStudent(TextClassifier):
    """Hashed word embeddings -> parallel Conv1D (one per kernel size) -> global max pool -> logits.

    Converts to TFLite with builtin int8 ops only.

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the word encoder (rows of the embedding table, besides padding).
        num_hashes: hash ids per word (``MultiHashEncoder``; each word is the sum of its rows); 1: one
            FNV hash per word (``HashingEncoder``).
        max_length: tokens per text.
        embedding_dim: word embedding size.
        filters: filters per kernel size.
        kernel_sizes: n-gram widths, one convolution each.
        dropout: dropout rate before the classifier.
        encoder: the text encoder; ``None``: ``hashed_word_encoder(num_buckets, num_hashes, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> student = CNNStudent(num_classes=2, num_buckets=5000)
        >>> logits = student.predict_texts(["a gripping, funny film"])
    """

    def __init__(self, num_classes=2, num_buckets=5000, max_length=48, embedding_dim=16, filters=64,
                 kernel_sizes=(2, 3, 4), dropout=0.3, num_hashes=1, encoder=None, **kwargs):
        encoder = encoder or hashed_word_encoder(num_buckets, num_hashes, max_length)
        super().__init__(num_classes, num_buckets, max_length, encoder=encoder, **kwargs)
        self.num_hashes = int(num_hashes)
        self.embedding_dim = embedding_dim
        self.filters = filters
        self.kernel_sizes = tuple(kernel_sizes)
        self.dropout_rate = dropout
        self.embedding = MultiHashEmbedding(num_buckets + 1, embedding_dim, name="embedding")
        self.convolutions = [keras.layers.Conv1D(filters, size, padding="same", activation="relu",
                                                 name=f"conv{size}") for size in self.kernel_sizes]
        self.pool = keras.layers.GlobalMaxPooling1D()
        self.dropout = keras.layers.Dropout(dropout)
        self.classifier = keras.layers.Dense(num_classes, name="logits")

    def embed(self, token_ids, training=None):
        return self.embedding(token_ids)

    def convolved(self, embedded):
        maps = [convolution(embedded) for convolution in self.convolutions]
        return maps[0] if len(maps) == 1 else tf.concat(maps, axis=-1)

    def logits_from_embeddings(self, embedded, token_ids, training=None):
        features = self.pool(self.convolved(embedded))
        return self.classifier(self.dropout(features, training=training))

    def features_from_embeddings(self, embedded, token_ids, training=None):
        return self.convolved(embedded)

    def embedding_bounds(self, token_ids, substitutions):
        """Elementwise (lower, upper) of the word vectors each position may take: position t may hold any
        id of ``substitutions[token_ids[t]]`` (an int table, one row per id, the id itself included)."""
        candidates = tf.gather(self.embedding.embeddings, tf.gather(substitutions, token_ids))
        return tf.reduce_min(candidates, axis=-2), tf.reduce_max(candidates, axis=-2)

    def worst_case_logits(self, lower, upper, labels):
        """Interval bound propagation (Gowal et al. 2018; Jia et al. 2019) from per-position vector bounds.

        Returns logits z with z[label] = 0 and z[j] = -(a lower bound of logit[label] - logit[j]) over every
        input inside the bounds: cross-entropy on z bounds the worst case from above, and z[j] < 0 for all
        j != label certifies that no substitution inside the bounds changes the predicted class. Dropout
        is left out (the bound of the deployed model).
        """
        centre, radius = (upper + lower) / 2.0, (upper - lower) / 2.0
        lows, highs = [], []
        for convolution in self.convolutions:
            middle = tf.nn.conv1d(centre, convolution.kernel, 1, "SAME") + convolution.bias
            spread = tf.nn.conv1d(radius, tf.abs(convolution.kernel), 1, "SAME")
            lows.append(tf.reduce_max(tf.nn.relu(middle - spread), axis=1))
            highs.append(tf.reduce_max(tf.nn.relu(middle + spread), axis=1))
        low, high = tf.concat(lows, axis=-1), tf.concat(highs, axis=-1)
        kernel, bias = self.classifier.kernel, self.classifier.bias
        difference = tf.gather(tf.transpose(kernel), labels)[:, :, None] - kernel[None]  # (batch, features, classes)
        margin = (tf.reduce_sum(tf.nn.relu(difference) * low[..., None] - tf.nn.relu(-difference) * high[..., None],
                                axis=1) + tf.gather(bias, labels)[:, None] - bias[None])
        return -margin

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim, "filters": self.filters,
                "kernel_sizes": list(self.kernel_sizes), "dropout": self.dropout_rate,
                "num_hashes": self.num_hashes}
