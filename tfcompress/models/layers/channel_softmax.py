"""Weights over positions, one softmax per feature channel: the pooling weights of a smooth max pooling."""
from tfcompress.backend import keras, tf
from tfcompress.models.layers.multi_hash_embedding import MASK_PENALTY


@keras.utils.register_keras_serializable(package="tfcompress")
class ChannelSoftmax(keras.layers.Layer):
    """Softmax over positions of ``sharpness_f * h_if`` for each channel f, padding masked out (its features are
    zeroed and its score lowered by ``MASK_PENALTY``, so for non-negative features and a positive sharpness any word
    outweighs it by at least exp(20)).

    ``sum_i a_if h_if`` is a smooth maximum of channel f over the text's positions: it lies between
    ``max_i h_if - log(positions) / sharpness_f`` and ``max_i h_if`` (for a positive sharpness), so it
    reads a text's strongest n-grams as max pooling does while every position keeps a share of each channel,
    which is what makes the logits an exact sum over the words. Each channel learns its own sharpness.

    Args:
        sharpness: the starting sharpness of every channel.
        **kwargs: passed to ``keras.layers.Layer``.

    Call arguments:
        features: (batch, positions, channels).
        present: (batch, positions, 1), 1.0 at words and 0.0 at padding.

    Example:
        >>> weights = ChannelSoftmax()(tf.random.uniform((1, 5, 3)), tf.ones((1, 5, 1)))
        >>> weights.shape  # each channel's weights sum to 1 over the 5 positions
        TensorShape([1, 5, 3])
    """

    def __init__(self, sharpness=20.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_sharpness = float(sharpness)

    def build(self, input_shape):
        self.sharpness = self.add_weight(name="sharpness", shape=(int(input_shape[-1]),),
                                         initializer=keras.initializers.Constant(self.initial_sharpness))
        super().build(input_shape)

    def call(self, features, present):
        return tf.nn.softmax(features * present * self.sharpness + (present - 1.0) * MASK_PENALTY, axis=1)

    def get_config(self):
        return {**super().get_config(), "sharpness": self.initial_sharpness}
