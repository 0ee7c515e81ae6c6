import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.models.layers.fastgrnn_cell import FastGRNNCell


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_one_step_matches_the_fastgrnn_equations():
    cell = FastGRNNCell(4)
    x, h = np.random.RandomState(0).randn(2, 3).astype(np.float32), np.random.RandomState(1).randn(2, 4).astype(np.float32)
    cell.build((None, 3))
    assert float(cell.zeta.numpy()[0]) == 1.0 and float(cell.nu.numpy()[0]) == -4.0
    state, _ = cell(tf.constant(x), [tf.constant(h)])
    w, u = cell.input_matrix[0].numpy(), cell.state_matrix[0].numpy()
    shared = x @ w + h @ u
    z = sigmoid(shared + cell.gate_bias.numpy())
    candidate = np.tanh(shared + cell.candidate_bias.numpy())
    expected = z * h + (sigmoid(1.0) * (1 - z) + sigmoid(-4.0)) * candidate
    np.testing.assert_allclose(state.numpy(), expected, atol=1e-5)


def test_low_rank_factorizes_both_matrices():
    cell = FastGRNNCell(32, rank=4)
    cell.build((None, 16))
    shapes = sorted(tuple(w.shape) for w in cell.trainable_weights)
    assert (16, 4) in shapes and (4, 32) in shapes and (32, 4) in shapes
    assert cell.count_params() == 16 * 4 + 4 * 32 + 32 * 4 + 4 * 32 + 32 + 32 + 2


def test_config_round_trip_inside_an_rnn():
    layer = keras.layers.RNN(FastGRNNCell(8, rank=2, zeta_init=0.5, nu_init=-3.0))
    clone = keras.layers.RNN.from_config(layer.get_config())
    assert clone.cell.get_config()["rank"] == 2 and clone.cell.nu_init == -3.0
