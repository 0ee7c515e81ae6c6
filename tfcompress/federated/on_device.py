"""A ``.tflite`` that fine-tunes its own classifier head on the phone: infer / train / save / restore."""
import numpy as np

from tfcompress.backend import tf
from tfcompress.federated.config import PersonalizationConfig
from tfcompress.federated.finetune import split_body_head
from tfcompress.federated.prior import prior_offset
from tfcompress.federated.tff_model import functional_of


class OnDeviceTrainer(tf.Module):
    """Frozen feature extractor + trainable head, with the four TFLite signatures.

    ``infer(x)`` -> ``logits``; ``train(x, y)`` -> ``loss`` (one plain-SGD step on the head, the
    gradient of the mean softmax cross-entropy written out by hand so only builtin ops are needed);
    ``save()`` -> the head's ``kernel`` and ``bias`` (the app stores them); ``restore(kernel, bias)``
    puts stored values back (returns them). With ``global_prior``, ``adapt_prior(x, y)`` runs the
    personal prior (``tfcompress.federated.prior``) on all of the client's labelled texts at once and adds
    the chosen offset to the head's bias (call it once, on the global head: ``restore`` it first to redo it);
    it returns ``offset``, ``weight`` and ``adopted``. The body's weights are read-only and the converter
    folds them into constants.

    Args:
        model: a ``TextClassifier`` or a functional Keras model whose last layer is Dense.
        learning_rate: SGD step size of ``train``.
        global_prior: the global training prior (``label_prior``); adds the ``adapt_prior`` signature.
        config: the ``PersonalizationConfig`` whose prior settings ``adapt_prior`` bakes in.

    Example:
        >>> trainer = OnDeviceTrainer(student, learning_rate=0.1)
        >>> trainer.train(ids, labels)["loss"]
    """

    def __init__(self, model, learning_rate=0.1, global_prior=None, config=None):
        super().__init__(name="on_device_trainer")
        functional = functional_of(model)
        self.body, head = split_body_head(functional)
        self.kernel = tf.Variable(head.kernel.numpy(), name="kernel")
        self.bias = tf.Variable(head.bias.numpy(), name="bias")
        self.learning_rate = float(learning_rate)
        inputs = functional.inputs[0]
        x_spec = tf.TensorSpec([None, *inputs.shape[1:]], inputs.dtype, name="x")
        y_spec = tf.TensorSpec([None], tf.int32, name="y")
        kernel_spec = tf.TensorSpec(self.kernel.shape, tf.float32, name="kernel")
        bias_spec = tf.TensorSpec(self.bias.shape, tf.float32, name="bias")
        self.infer = tf.function(self._infer, input_signature=[x_spec])
        self.train = tf.function(self._train, input_signature=[x_spec, y_spec])
        self.save = tf.function(self._save, input_signature=[])
        self.restore = tf.function(self._restore, input_signature=[kernel_spec, bias_spec])
        self.config = config or PersonalizationConfig()
        self.global_prior = None if global_prior is None else np.asarray(global_prior, np.float32)
        if self.global_prior is not None:
            self.adapt_prior = tf.function(self._adapt_prior, input_signature=[x_spec, y_spec])

    def _logits(self, x):
        features = self.body(x, training=False)
        return features, tf.matmul(features, self.kernel) + self.bias

    def _infer(self, x):
        return {"logits": self._logits(x)[1]}

    def _train(self, x, y):
        features, logits = self._logits(x)
        onehot = tf.one_hot(y, tf.shape(logits)[-1], dtype=tf.float32)
        batch = tf.cast(tf.shape(logits)[0], tf.float32)
        loss = -tf.reduce_sum(onehot * tf.nn.log_softmax(logits)) / batch
        dlogits = (tf.nn.softmax(logits) - onehot) / batch
        self.kernel.assign_sub(self.learning_rate * tf.matmul(features, dlogits, transpose_a=True))
        self.bias.assign_sub(self.learning_rate * tf.reduce_sum(dlogits, axis=0))
        return {"loss": loss}

    def _adapt_prior(self, x, y):
        chosen = prior_offset(self._logits(x)[1], y, self.global_prior, **self.config.prior_options())
        self.bias.assign_add(chosen["offset"])
        return {"offset": chosen["offset"], "weight": chosen["weight"], "adopted": chosen["adopted"]}

    def _save(self):
        return {"kernel": self.kernel.read_value(), "bias": self.bias.read_value()}

    def _restore(self, kernel, bias):
        self.kernel.assign(kernel)
        self.bias.assign(bias)
        return {"kernel": self.kernel.read_value(), "bias": self.bias.read_value()}

    def signatures(self):
        """The concrete functions, keyed by signature name, for the TFLite converter."""
        signatures = {"infer": self.infer.get_concrete_function(), "train": self.train.get_concrete_function(),
                      "save": self.save.get_concrete_function(), "restore": self.restore.get_concrete_function()}
        if self.global_prior is not None:
            signatures["adapt_prior"] = self.adapt_prior.get_concrete_function()
        return signatures


def predict_head_batches(trainer, ids, batch_size=512):
    """Logits of an ``OnDeviceTrainer`` (in TF, not TFLite) for many rows."""
    return np.concatenate([trainer.infer(ids[i:i + batch_size])["logits"].numpy()
                           for i in range(0, len(ids), batch_size)])
