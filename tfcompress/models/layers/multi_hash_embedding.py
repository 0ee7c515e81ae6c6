"""An embedding table read by k hash ids per token: the token's vector is the sum of its k rows."""
from tfcompress.backend import keras, tf

MASK_PENALTY = 20.0  # a score lowered by this at padding: exp(-20) ~ 2e-9 of a softmax, yet int8 ranges stay narrow


@keras.utils.register_keras_serializable(package="tfcompress")
class MultiHashEmbedding(keras.layers.Embedding):
    """``keras.layers.Embedding`` that sums over a trailing hash axis.

    Ids of shape (batch, positions, k) (``MultiHashEncoder``) give (batch, positions, dim): the sum of
    the k looked-up rows. Ids of shape (batch, positions) behave as a plain ``Embedding``. In TFLite
    this is GATHER followed by SUM, both builtin ops.

    Args:
        input_dim: rows of the table (padding row 0 included).
        output_dim: vector size.
        **kwargs: passed to ``keras.layers.Embedding``.

    Example:
        >>> layer = MultiHashEmbedding(4097, 16)
        >>> layer(tf.constant([[[3, 9], [0, 0]]])).shape
        TensorShape([1, 2, 16])
    """

    def call(self, inputs):
        rows = super().call(inputs)
        return tf.reduce_sum(rows, axis=-2) if inputs.shape.rank == 3 else rows


def token_mask(token_ids):
    """True at positions holding a token: (batch, positions) for hashed ids of rank 2 or 3."""
    present = tf.not_equal(token_ids, 0)
    return tf.reduce_any(present, axis=-1) if present.shape.rank == 3 else present
