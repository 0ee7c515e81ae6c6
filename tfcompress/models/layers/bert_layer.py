"""One post-LayerNorm BERT transformer block, with weights named after the Hugging Face layout."""
import math

from tfcompress.backend import keras, tf


@keras.utils.register_keras_serializable(package="tfcompress")
class BertLayer(keras.layers.Layer):
    """Multi-head self-attention + GELU feed-forward, each followed by residual add and LayerNorm.

    Args:
        hidden_size: model width.
        num_heads: attention heads (``hidden_size`` must divide evenly).
        intermediate_size: feed-forward width.
        dropout: dropout on attention probabilities and both residual branches.
        layer_norm_epsilon: LayerNorm epsilon (1e-12 in BERT).
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> layer = BertLayer(384, 12, 1536)
        >>> out = layer(tf.zeros((2, 8, 384)), attention_mask=tf.ones((2, 8)))
    """

    def __init__(self, hidden_size=384, num_heads=12, intermediate_size=1536, dropout=0.1,
                 layer_norm_epsilon=1e-12, **kwargs):
        super().__init__(**kwargs)
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size {hidden_size} is not divisible by num_heads {num_heads}")
        self.hidden_size, self.num_heads = hidden_size, num_heads
        self.intermediate_size, self.dropout_rate = intermediate_size, dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.head_size = hidden_size // num_heads
        self.query = keras.layers.Dense(hidden_size, name="query")
        self.key = keras.layers.Dense(hidden_size, name="key")
        self.value = keras.layers.Dense(hidden_size, name="value")
        self.attention_output = keras.layers.Dense(hidden_size, name="attention_output")
        self.attention_norm = keras.layers.LayerNormalization(epsilon=layer_norm_epsilon, name="attention_norm")
        self.intermediate = keras.layers.Dense(intermediate_size, name="intermediate")
        self.output_dense = keras.layers.Dense(hidden_size, name="output")
        self.output_norm = keras.layers.LayerNormalization(epsilon=layer_norm_epsilon, name="output_norm")
        self.dropout = keras.layers.Dropout(dropout)

    def _heads(self, x):
        batch, length = tf.shape(x)[0], tf.shape(x)[1]
        return tf.transpose(tf.reshape(x, [batch, length, self.num_heads, self.head_size]), [0, 2, 1, 3])

    def call(self, hidden, attention_mask=None, training=None):
        query, key, value = self._heads(self.query(hidden)), self._heads(self.key(hidden)), self._heads(self.value(hidden))
        scores = tf.matmul(query, key, transpose_b=True) / math.sqrt(self.head_size)
        if attention_mask is not None:
            padding = 1.0 - tf.cast(attention_mask, scores.dtype)  # expand_dims, not [:, None]: a TFLite builtin
            scores += tf.expand_dims(tf.expand_dims(padding, 1), 1) * -10000.0
        probabilities = self.dropout(tf.nn.softmax(scores, axis=-1), training=training)
        context = tf.transpose(tf.matmul(probabilities, value), [0, 2, 1, 3])
        context = tf.reshape(context, [tf.shape(hidden)[0], tf.shape(hidden)[1], self.hidden_size])
        attended = self.attention_norm(hidden + self.dropout(self.attention_output(context), training=training))
        expanded = tf.nn.gelu(self.intermediate(attended), approximate=False)
        return self.output_norm(attended + self.dropout(self.output_dense(expanded), training=training))

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size, "num_heads": self.num_heads,
                "intermediate_size": self.intermediate_size, "dropout": self.dropout_rate,
                "layer_norm_epsilon": self.layer_norm_epsilon}
