"""Convolutional student: word embeddings, n-gram convolutions, max, attention or channel-attention pooling."""
import math

from tfcompress.backend import keras, tf
from tfcompress.datasets.lengths import LONG_TEXT_TOKENS
from tfcompress.models.layers.channel_softmax import ChannelSoftmax
from tfcompress.models.layers.multi_hash_embedding import MASK_PENALTY, MultiHashEmbedding, token_mask
from tfcompress.models.registry import register_student
from tfcompress.models.text_classifier import TextClassifier, hashed_word_encoder

_EXCLUDED = 1e9  # lowers a position's own score out of the sum over the other positions


@register_student("cnn")
@keras.utils.register_keras_serializable(package="tfcompress")
class CNNStudent(TextClassifier):
    """Word embeddings -> parallel Conv1D (one per kernel size) -> max, attention or channel-attention pooling ->
    logits.

    ``pooling="attention"`` makes the student explain itself: a score per position (a linear map of its
    n-gram features h_i) gives softmax weights a_i over the text's words (padding masked), and
    logits = W^T sum_i a_i h_i + b = sum_i a_i e_i + b with e_i = W^T h_i, the class evidence of position
    i. ``c_i = a_i (e_i + b)`` (``outputs_from_embeddings``; the bias shared out by the weights, which sum
    to 1) is an exact decomposition of the logits over the words, exported as the ``.tflite``'s second
    output. Converts to TFLite with builtin int8 ops only.

    ``pooling="channel_attention"`` gives each feature channel f its own softmax weights over the positions,
    a_if = softmax_i(s_f h_if) with a learned sharpness s_f (``ChannelSoftmax``): a smooth max pooling, which
    reads long documents and many classes better than one weight per position (validation accuracy trained on
    labels: 0.839 / 0.775 on newsgroups_long, 0.863 / 0.818 on trec, 0.753 / 0.762 on rotten_tomatoes;
    scripts/explore_dataset_student.py). It explains itself too: logits = W^T sum_i (a_i * h_i) + b, so
    c_i = W^T (a_i * h_i) + m_i b with m_i the mean of position i's weights over the channels (they sum to 1).

    ``pooling="auto"`` (the presets' choice) picks channel attention for documents (``max_length`` of at least
    ``LONG_TEXT_TOKENS``) and for more than two classes, attention for two-class snippets, where the two read
    equally well and attention's int8 contributions add up to the int8 logits more exactly. Through the quick run
    (seed 0, the student's 1,500 steps; benchmarks/results/explore/pooling.jsonl), QAT validation / int8 test
    accuracy, attention -> channel attention: newsgroups_long (20 classes, 128 tokens) 0.806 / 0.778 -> 0.849 /
    0.819, trec (6 classes, 24 tokens) 0.853 / 0.840 -> 0.877 / 0.851, rotten_tomatoes (2 classes, 40 tokens)
    0.750 / 0.714 -> 0.741 / 0.710.

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
        pooling: ``max`` (global max pooling), ``attention`` or ``channel_attention`` (self-explaining, see above),
            or ``auto`` (one of the two by ``max_length`` and ``num_classes``; the model keeps the one chosen).
        encoder: the text encoder; ``None``: ``hashed_word_encoder(num_buckets, num_hashes, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> student = CNNStudent(num_classes=2, num_buckets=5000)
        >>> logits = student.predict_texts(["a gripping, funny film"])
    """

    POOLINGS = ("max", "attention", "channel_attention", "auto")
    LONG_TEXT_TOKENS = LONG_TEXT_TOKENS

    def __init__(self, num_classes=2, num_buckets=5000, max_length=48, embedding_dim=16, filters=64,
                 kernel_sizes=(2, 3, 4), dropout=0.3, num_hashes=1, pooling="max", encoder=None, **kwargs):
        if pooling not in self.POOLINGS:
            raise ValueError(f"pooling must be one of {self.POOLINGS}, got {pooling!r}")
        if pooling == "auto":
            pooling = "channel_attention" if max_length >= self.LONG_TEXT_TOKENS or num_classes > 2 else "attention"
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
        self.pooling = pooling
        self.explains_itself = pooling in ("attention", "channel_attention")
        self.pool = keras.layers.GlobalMaxPooling1D()
        self.attention = keras.layers.Dense(1, name="attention") if pooling == "attention" else None
        self.channel_weights = ChannelSoftmax(name="channel_weights") if pooling == "channel_attention" else None
        self.dropout = keras.layers.Dropout(dropout)
        self.classifier = keras.layers.Dense(num_classes, name="logits")

    def embed(self, token_ids, training=None):
        return self.embedding(token_ids)

    def convolved(self, embedded):
        maps = [convolution(embedded) for convolution in self.convolutions]
        return maps[0] if len(maps) == 1 else tf.concat(maps, axis=-1)

    def attention_weights(self, features, token_ids):
        """Softmax over the positions of a linear score of each position's features, (batch, positions, 1), or
        with channel attention of each channel's own scores, (batch, positions, channels); padding scores are
        lowered by ``MASK_PENALTY`` (a share of about exp(-20) each)."""
        present = tf.cast(token_mask(token_ids), features.dtype)[..., None]
        if self.channel_weights is not None:
            return self.channel_weights(features, present)
        return tf.nn.softmax(self.position_scores(features) + (present - 1.0) * MASK_PENALTY, axis=1)

    def position_scores(self, features):
        """Attention pooling's score of each position, (batch, positions, 1): a linear map of its features."""
        return self.attention(features)

    def score_map(self):
        """(kernel (features,), bias) of ``position_scores``' linear map, for the interval bounds."""
        return self.attention.kernel[:, 0], self.attention.bias[0]

    def logits_from_embeddings(self, embedded, token_ids, training=None):
        features = self.convolved(embedded)
        if self.explains_itself:
            pooled = tf.reduce_sum(self.attention_weights(features, token_ids) * features, axis=1)
        else:
            pooled = self.pool(features)
        return self.classifier(self.dropout(pooled, training=training))

    # The weights a_i sum to 1, so the bias is shared out with them: c_i = a_i (W^T h_i + b), logits = sum_i c_i.
    contributions_include_bias = True

    def outputs_from_embeddings(self, embedded, token_ids, training=None):
        """Logits and contributions c_i = a_i e_i with e_i = classifier(h_i) (bias included, shared out by the
        weights, which sum to 1): logits = sum_i c_i, computed so (the classifier is applied once, per
        position, so an int8 copy has one range for it). Padding's c_i are ~exp(-20) of its evidence.
        With channel attention c_i = classifier(a_i * h_i) + (m_i - 1) b (see the class docstring)."""
        self.check_explains_itself()
        features = self.convolved(embedded)
        if self.channel_weights is not None:
            weights = self.attention_weights(features, token_ids)
            evidence = self.classifier(self.dropout(weights * features, training=training))  # W (a_i h_i) + b
            bias_share = tf.reduce_mean(weights, axis=-1, keepdims=True) - 1.0
            contributions = evidence + bias_share * self.classifier(tf.zeros_like(features[:, :1]))
            return tf.reduce_sum(contributions, axis=1), contributions
        # The attention reads the features as inference does; dropout acts on the evidence only, as it acts on
        # the pooled vector in ``logits_from_embeddings``.
        contributions = (self.attention_weights(features, token_ids)
                         * self.classifier(self.dropout(features, training=training)))
        return tf.reduce_sum(contributions, axis=1), contributions

    def features_from_embeddings(self, embedded, token_ids, training=None):
        return self.convolved(embedded)

    def embedding_bounds(self, token_ids, substitutions):
        """Elementwise (lower, upper) of the word vectors each position may take: position t may hold any
        id of ``substitutions[token_ids[t]]`` (an int table, one row per id, the id itself included)."""
        candidates = tf.gather(self.embedding.embeddings, tf.gather(substitutions, token_ids))
        return tf.reduce_min(candidates, axis=-2), tf.reduce_max(candidates, axis=-2)

    def worst_case_logits(self, lower, upper, labels, token_ids=None):
        """Interval bound propagation (Gowal et al. 2018; Jia et al. 2019) from per-position vector bounds.

        Returns logits z with z[label] = 0 and z[j] = -(a lower bound of logit[label] - logit[j]) over every
        input inside the bounds: cross-entropy on z bounds the worst case from above, and z[j] < 0 for all
        j != label certifies that no substitution inside the bounds changes the predicted class. Dropout
        is left out (the bound of the deployed model). ``token_ids`` (the unperturbed input) mark the
        padding that attention pooling masks; max pooling does not need them.
        """
        low, high = self.feature_bounds(lower, upper)
        kernel, bias = self.classifier.kernel, self.classifier.bias
        difference = tf.gather(tf.transpose(kernel), labels)[:, :, None] - kernel[None]  # (batch, features, classes)
        if self.explains_itself and token_ids is None:
            raise ValueError("worst_case_logits of an attention-pooling student needs the token_ids")
        if self.pooling == "attention":
            evidence = self.attention_margin_bound(low, high, difference, token_ids)
        else:
            low, high = self.pooled_bounds(low, high, token_ids)
            evidence = tf.reduce_sum(tf.nn.relu(difference) * low[..., None] - tf.nn.relu(-difference) * high[..., None],
                                     axis=1)
        return -(evidence + tf.gather(bias, labels)[:, None] - bias[None])

    def feature_bounds(self, lower, upper):
        """(lower, upper) of each position's features, (batch, positions, features), from the word vectors'
        bounds (interval arithmetic through each convolution and its relu)."""
        centre, radius = (upper + lower) / 2.0, (upper - lower) / 2.0
        lows, highs = [], []
        for convolution in self.convolutions:
            middle = tf.nn.conv1d(centre, convolution.kernel, 1, "SAME") + convolution.bias
            spread = tf.nn.conv1d(radius, tf.abs(convolution.kernel), 1, "SAME")
            lows.append(tf.nn.relu(middle - spread))
            highs.append(tf.nn.relu(middle + spread))
        return tf.concat(lows, axis=-1), tf.concat(highs, axis=-1)

    def pooled_bounds(self, low, high, token_ids=None):
        """(lower, upper) of each pooled channel, (batch, channels), from the features' bounds (batch, positions,
        channels). Max pooling: the max of each. Channel attention: a weighted mean lies below the largest upper
        bound (padding included) and, for a positive sharpness s, above max_i h_i - log(positions) / s over the
        words (a softmax-weighted mean is the log-sum-exp minus the weights' entropy over s); else above the
        smallest lower bound."""
        if self.channel_weights is None:
            return tf.reduce_max(low, axis=1), tf.reduce_max(high, axis=1)
        present = token_mask(token_ids)[..., None]
        lowest = tf.reduce_min(low, axis=1, keepdims=True)
        words_low = tf.reduce_max(tf.where(present, low, lowest), axis=1)
        smallest = lowest[:, 0]
        sharpness = self.channel_weights.sharpness
        entropy_gap = math.log(int(low.shape[1])) / tf.maximum(sharpness, 1e-6)
        lower = tf.where(sharpness > 0, tf.maximum(words_low - entropy_gap, smallest), smallest)
        return lower, tf.reduce_max(high, axis=1)

    def attention_margin_bound(self, low, high, difference, token_ids):
        """A lower bound of sum_i a_i (e_i[label] - e_i[j]) over features in [low, high] (attention pooling).

        Each position's margin d_i and score lie in intervals; the weights a_i = softmax(scores) in
        [a_lo_i, a_hi_i] (the position at its lowest score against the others at their highest, and the
        reverse: a_lo_i = sigmoid(lo(s_i) - log sum_{j != i} exp(hi(s_j))), in log space). Two valid bounds,
        the larger kept: sum_i a_i d_i >= sum_i (a_lo_i if lo(d_i) >= 0 else a_hi_i) lo(d_i), and
        >= min_i lo(d_i) (the weights sum to 1 over the positions, padding included).
        """
        centre, radius = (high + low) / 2.0, (high - low) / 2.0
        margin_low = (tf.einsum("bpf,bfk->bpk", centre, difference) -
                      tf.einsum("bpf,bfk->bpk", radius, tf.abs(difference)))
        kernel, score_bias = self.score_map()
        present = tf.cast(token_mask(token_ids), low.dtype)
        offset = (present - 1.0) * MASK_PENALTY + score_bias
        score_low = tf.linalg.matvec(centre, kernel) - tf.linalg.matvec(radius, tf.abs(kernel)) + offset
        score_high = tf.linalg.matvec(centre, kernel) + tf.linalg.matvec(radius, tf.abs(kernel)) + offset
        weight_low = tf.sigmoid(score_low - self._others_logsumexp(score_high))
        weight_high = tf.sigmoid(score_high - self._others_logsumexp(score_low))
        weights = tf.where(margin_low >= 0, weight_low[..., None], weight_high[..., None])
        return tf.maximum(tf.reduce_sum(weights * margin_low, axis=1), tf.reduce_min(margin_low, axis=1))

    @staticmethod
    def _others_logsumexp(scores):
        """(batch, positions): log sum_{j != i} exp(scores_j) for each position i, computed pairwise so that a
        position far above the others (sharp attention over a long text) neither underflows its own share to 0 / 0
        nor loses the others' sum to cancellation; a text of one position gets a very low value (weight 1)."""
        positions = tf.shape(scores)[1]
        others = scores[:, None, :] - tf.eye(positions, dtype=scores.dtype)[None] * _EXCLUDED
        return tf.reduce_logsumexp(others, axis=-1)

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim, "filters": self.filters,
                "kernel_sizes": list(self.kernel_sizes), "dropout": self.dropout_rate,
                "num_hashes": self.num_hashes, "pooling": self.pooling}
