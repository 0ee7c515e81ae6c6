"""The fake quantizers, quantize configs and input-range layer of tfcompress' QAT students.

Every quantization range of a QAT student lives in a ``RangeQuantizer``: weights are quantized
symmetrically per tensor from their current min/max (TF-MOT's "last value" rule), activations
asymmetrically over an exponential moving average (decay 0.999) of per-batch ranges, as in TF-MOT's
default 8-bit scheme. Unlike TF-MOT's built-in quantizers, a ``RangeQuantizer`` can be switched into
calibration mode (``calibration``), where ranges become the running mean of batch ranges of the
data fed eagerly in inference mode; ``recalibrate`` uses it.

Both are ``tf.quantization.fake_quant_with_min_max_vars`` ops, which the TFLite converter reads as
int8 ranges, with a straight-through gradient written as differentiable TF ops (``fake_quant``), so
that second-order terms (the Distiller's saliency) differentiate through them.
"""
import contextlib

from tfcompress.backend import keras, tf  # first: it sets TF_USE_LEGACY_KERAS for TF-MOT
import tensorflow_model_optimization as tfmot  # noqa: E402  (after the backend)

ACTIVATION_DECAY = 0.999
INITIAL_RANGE = 6.0


def _branch(training, on_true, on_false):
    """``on_true()`` when training else ``on_false()``; ``training`` may be a bool or a tensor."""
    if training is None:
        training = keras.backend.learning_phase()
    if isinstance(training, (bool, int)):
        return on_true() if training else on_false()
    return tf.cond(tf.cast(training, tf.bool), on_true, on_false)


def fake_quant(inputs, low, high, narrow_range=False):
    """8-bit fake quantization of ``inputs`` to [low, high] whose gradient is itself differentiable.

    The gradient is TensorFlow's straight-through estimator: the incoming gradient where the input is
    inside the (nudged) range, clipped parts summed into the range's gradients. TensorFlow computes it
    with the op ``FakeQuantWithMinMaxVarsGradient``, which TF 2.14 gives no gradient (a second-order
    term fails with ``LookupError``) and TF >= 2.16 declares not differentiable (the second-order
    term silently loses every path through a fake quant). Here the gradient is a product with a
    constant mask, so its own gradient w.r.t. the incoming gradient is the same mask.

    Args:
        inputs: float tensor.
        low, high: scalar range (tensors or variables).
        narrow_range: quantize to [-127, 127] instead of [-128, 127] (symmetric weights).
    """

    @tf.custom_gradient
    def quantize(values, lower, upper):
        def gradient(upstream):
            inside = tf.stop_gradient(tf.quantization.fake_quant_with_min_max_vars_gradient(
                tf.ones_like(values), values, lower, upper, num_bits=8, narrow_range=narrow_range)[0])
            below = tf.stop_gradient((1.0 - inside) * tf.cast(values < (lower + upper) / 2.0, values.dtype))
            above = 1.0 - inside - below
            return upstream * inside, tf.reduce_sum(upstream * below), tf.reduce_sum(upstream * above)

        return tf.quantization.fake_quant_with_min_max_vars(values, lower, upper, num_bits=8,
                                                            narrow_range=narrow_range), gradient

    return quantize(inputs, tf.convert_to_tensor(low), tf.convert_to_tensor(high))


class _CalibrationState:
    """Process-wide calibration switch read by ``RangeQuantizer`` when a call is traced or run eagerly."""

    active = False
    batch = 0


@contextlib.contextmanager
def calibration():
    """Context: eager calls of QAT layers re-estimate ranges instead of using them.

    Inside, call ``next_calibration_batch()`` before each batch: activation ranges become the running
    mean of the per-batch ranges seen so far (batch 1 replaces the old range), weight ranges the
    weights' current min/max. Run the model eagerly and with ``training=False`` (dropout off).
    """
    _CalibrationState.active, _CalibrationState.batch = True, 0
    try:
        yield
    finally:
        _CalibrationState.active, _CalibrationState.batch = False, 0


def next_calibration_batch():
    """Advance the calibration batch counter (see ``calibration``)."""
    _CalibrationState.batch += 1


@keras.utils.register_keras_serializable(package="tfcompress")
class RangeQuantizer(tfmot.quantization.keras.quantizers.Quantizer):
    """8-bit fake quantization over a [min, max] range kept in two non-trainable variables.

    Args:
        weights: True for a weight tensor (symmetric, narrow range, range = current min/max of the
            tensor while training), False for an activation (asymmetric, range = moving average of
            batch ranges while training).

    Example:
        >>> config = LayerQuantizeConfig()  # uses RangeQuantizer(weights=True/False)
    """

    def __init__(self, weights=False):
        self.weights = bool(weights)

    def build(self, tensor_shape, name, layer):
        initial = 0.0 if self.weights else INITIAL_RANGE
        created = {}
        for key, sign in (("min_var", -1.0), ("max_var", 1.0)):
            created[key] = layer.add_weight(
                f"{name}_{key[:3]}", shape=(), initializer=keras.initializers.Constant(sign * initial),
                trainable=False, aggregation=tf.VariableAggregation.MEAN)
        return created

    def __call__(self, inputs, training, weights, **kwargs):
        low, high = weights["min_var"], weights["max_var"]
        if _CalibrationState.active and _CalibrationState.batch > 0:
            low, high = self._calibrate(inputs, low, high)
        elif training:
            low, high = self._track(inputs, low, high)
        return self._fake_quant(inputs, low, high)

    def _batch_range(self, inputs):
        inputs = tf.stop_gradient(inputs)
        low, high = tf.minimum(tf.reduce_min(inputs), 0.0), tf.maximum(tf.reduce_max(inputs), 0.0)
        if self.weights:
            bound = tf.maximum(-low, high)
            return -bound, bound
        return low, high

    def _track(self, inputs, low, high):
        batch_low, batch_high = self._batch_range(inputs)
        if self.weights:
            return low.assign(batch_low), high.assign(batch_high)
        keep = ACTIVATION_DECAY
        return (low.assign(keep * low + (1.0 - keep) * batch_low),
                high.assign(keep * high + (1.0 - keep) * batch_high))

    def _calibrate(self, inputs, low, high):
        batch_low, batch_high = self._batch_range(inputs)
        if self.weights:
            return low.assign(batch_low), high.assign(batch_high)
        keep = (_CalibrationState.batch - 1.0) / _CalibrationState.batch
        return (low.assign(keep * low + (1.0 - keep) * batch_low),
                high.assign(keep * high + (1.0 - keep) * batch_high))

    def _fake_quant(self, inputs, low, high):
        return fake_quant(inputs, low, high, narrow_range=self.weights)

    def get_config(self):
        return {"weights": self.weights}

    def __eq__(self, other):
        return isinstance(other, RangeQuantizer) and other.weights == self.weights

    def __ne__(self, other):
        return not self.__eq__(other)


@keras.utils.register_keras_serializable(package="tfcompress")
class LayerQuantizeConfig(tfmot.quantization.keras.QuantizeConfig):
    """QuantizeConfig for a layer with a ``kernel`` (Dense, Conv1D): int8 kernel, int8 output.

    The kernel is quantized symmetrically per tensor; the layer's output (after its activation, so a
    ReLU fuses into the int8 kernel in TFLite) asymmetrically. The bias stays float: the TFLite
    converter makes it int32 from the input and kernel scales. TF-MOT's default registry has no
    Conv1D entry, and its Dense config uses quantizers that cannot be recalibrated, hence this config
    for both.

    Example:
        >>> layer = tfmot.quantization.keras.quantize_annotate_layer(conv, LayerQuantizeConfig())
    """

    def get_weights_and_quantizers(self, layer):
        return [(layer.kernel, RangeQuantizer(weights=True))]

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        layer.kernel = quantize_weights[0]

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return [RangeQuantizer(weights=False)]

    def get_config(self):
        return {}


@keras.utils.register_keras_serializable(package="tfcompress")
class InputQuantizer(keras.layers.Layer):
    """Fake-quantizes the float tensor entering a QAT head (word embeddings, or projections).

    Its own layer (rather than TF-MOT's automatic input ``QuantizeLayer``) so that its range is a
    ``RangeQuantizer`` like every other range, and can be recalibrated.

    Example:
        >>> quantized = InputQuantizer(name="embedded_quant")(keras.Input((48, 16)))
    """

    def build(self, input_shape):
        self.quantizer = RangeQuantizer(weights=False)
        self.range_vars = self.quantizer.build(input_shape, "input", self)
        super().build(input_shape)

    def call(self, inputs, training=None):
        return _branch(training, lambda: self.quantizer(inputs, True, self.range_vars),
                       lambda: self.quantizer(inputs, False, self.range_vars))


def custom_objects():
    """The classes ``quantize_scope`` needs to clone, load or deserialize a tfcompress QAT model."""
    return {"RangeQuantizer": RangeQuantizer, "LayerQuantizeConfig": LayerQuantizeConfig,
            "InputQuantizer": InputQuantizer}


def range_variables(model):
    """Every (min, max) variable pair of the ``RangeQuantizer`` ranges in ``model``, by name."""
    pairs = {}
    for variable in model.non_trainable_variables:
        name = variable.name.split(":")[0]
        if name.endswith("_min"):
            pairs.setdefault(name[:-4], [None, None])[0] = variable
        elif name.endswith("_max"):
            pairs.setdefault(name[:-4], [None, None])[1] = variable
    return {name: tuple(pair) for name, pair in pairs.items() if all(v is not None for v in pair)}
