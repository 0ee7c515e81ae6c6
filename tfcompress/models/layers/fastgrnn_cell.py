"""The FastGRNN recurrent cell (Kusupati et al., NeurIPS 2018) as a Keras RNN cell."""
from tfcompress.backend import keras, tf


@keras.utils.register_keras_serializable(package="tfcompress")
class FastGRNNCell(keras.layers.Layer):
    """FastGRNN: one shared pair of matrices (W, U) drives both the gate and the candidate state.

        z_t  = sigmoid(W x_t + U h_{t-1} + b_z)
        h~_t = tanh(W x_t + U h_{t-1} + b_h)
        h_t  = z_t * h_{t-1} + (sigmoid(zeta) * (1 - z_t) + sigmoid(nu)) * h~_t

    zeta and nu are trainable scalars initialized to 1.0 and -4.0 as in the paper. With ``rank``,
    W = W1 W2 and U = U1 U2 are low-rank factorizations.

    Args:
        units: size of the hidden state.
        rank: rank of the W and U factorizations; ``None`` means full rank.
        zeta_init: initial value of zeta.
        nu_init: initial value of nu.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> rnn = keras.layers.RNN(FastGRNNCell(32), unroll=True)
        >>> final_state = rnn(tf.random.normal((2, 10, 8)))
    """

    def __init__(self, units, rank=None, zeta_init=1.0, nu_init=-4.0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.rank = None if rank is None else int(rank)
        self.zeta_init = float(zeta_init)
        self.nu_init = float(nu_init)
        self.state_size = self.units
        self.output_size = self.units

    def _matrix(self, name, rows):
        if self.rank is None:
            return [self.add_weight(name=name, shape=(rows, self.units), initializer="glorot_uniform")]
        return [self.add_weight(name=f"{name}1", shape=(rows, self.rank), initializer="glorot_uniform"),
                self.add_weight(name=f"{name}2", shape=(self.rank, self.units), initializer="glorot_uniform")]

    def build(self, input_shape):
        self.input_matrix = self._matrix("W", int(input_shape[-1]))
        self.state_matrix = self._matrix("U", self.units)
        self.gate_bias = self.add_weight(name="bias_z", shape=(self.units,), initializer="ones")
        self.candidate_bias = self.add_weight(name="bias_h", shape=(self.units,), initializer="zeros")
        self.zeta = self.add_weight(name="zeta", shape=(1,),
                                    initializer=keras.initializers.Constant(self.zeta_init))
        self.nu = self.add_weight(name="nu", shape=(1,), initializer=keras.initializers.Constant(self.nu_init))
        super().build(input_shape)

    @staticmethod
    def _apply(factors, x):
        for factor in factors:
            x = tf.matmul(x, factor)
        return x

    def call(self, inputs, states):
        previous = states[0]
        shared = self._apply(self.input_matrix, inputs) + self._apply(self.state_matrix, previous)
        gate = tf.sigmoid(shared + self.gate_bias)
        candidate = tf.tanh(shared + self.candidate_bias)
        state = gate * previous + (tf.sigmoid(self.zeta) * (1.0 - gate) + tf.sigmoid(self.nu)) * candidate
        return state, [state]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "rank": self.rank,
                "zeta_init": self.zeta_init, "nu_init": self.nu_init}
