"""Quantization-aware training (TF-MOT) of a tfcompress student, usable by the Distiller unchanged."""
import json

from tfcompress.backend import keras, tf  # first: it sets TF_USE_LEGACY_KERAS for TF-MOT
import tensorflow_model_optimization as tfmot  # noqa: E402  (after the backend)
import tfcompress.models  # noqa: F401,E402  (registers the student classes QATStudent.from_config rebuilds)
from tfcompress.models.text_classifier import TextClassifier
from tfcompress.quantize.quantizers import InputQuantizer, LayerQuantizeConfig, custom_objects

QUANTIZED_LAYERS = (keras.layers.Dense, keras.layers.Conv1D)
HEAD_OUTPUTS = ("logits", "features", "attention", "contributions")


def quantize_scope():
    """``tfmot.quantization.keras.quantize_scope`` with tfcompress' quantizer classes."""
    return tfmot.quantization.keras.quantize_scope(custom_objects())


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def _annotate(layer):
    """Clone function of ``clone_model``: fresh copies, Dense and Conv1D annotated for quantization."""
    if isinstance(layer, QUANTIZED_LAYERS):
        return tfmot.quantization.keras.quantize_annotate_layer(_clone_layer(layer), LayerQuantizeConfig())
    return _clone_layer(layer)


def _embedding_layer(student):
    """A copy of the student's word-embedding layer, or None when ``embed`` is the identity."""
    probe = tf.zeros((1, *student.encoder.input_shape), student.encoder.input_dtype)
    embedding = getattr(student, "embedding", None)
    if isinstance(embedding, keras.layers.Embedding):
        copy = _clone_layer(embedding)
        copy.build(probe.shape)
        copy.set_weights(embedding.get_weights())
        return copy
    if student.encoder.input_dtype.startswith("float") and student.embed(probe) is probe:
        return None
    raise NotImplementedError(f"{type(student).__name__}: its embed() is neither a keras Embedding layer "
                              "(attribute 'embedding') nor the identity, so quantize_student cannot keep it")


def _check_supported(student):
    if not isinstance(student, TextClassifier):
        raise TypeError(f"quantize_student needs a tfcompress TextClassifier, got {type(student).__name__}")
    if isinstance(student, QATStudent):
        raise ValueError(f"{student.name!r} is already quantization-aware")
    recurrent = [layer.name for layer in student.submodules if isinstance(layer, keras.layers.RNN)]
    if recurrent:
        raise NotImplementedError(
            f"{type(student).__name__} has recurrent layers {recurrent}: its features_from_embeddings calls "
            "the RNN cell outside the RNN layer, so a functional copy would hold two unshared copies of the "
            "cell, and TF-MOT wraps no custom RNN cell (its QuantizeWrapper handles single-output layers "
            "only). Quantize it post-training (tfcompress.export.convert_to_int8) instead.")


def float_head(student, embedding_shape, attention=False):
    """A functional model over the student's own layers: (embedded, inputs) -> the ``head_outputs``.

    The embedded input is fake-quantized first (``InputQuantizer``); the rest is the student's
    ``logits_from_embeddings``, ``features_from_embeddings``, with ``attention`` (students with
    attention pooling whose ``embed`` is the identity: prado) ``attention_map``, and for a student that
    ``explains_itself`` the contributions, traced on Keras inputs (logits and contributions in one pass).
    """
    embedded = keras.Input(embedding_shape, name="embedded")
    raw = keras.Input(student.encoder.input_shape, dtype=student.encoder.input_dtype, name="inputs")
    quantized = InputQuantizer(name="embedded_quant")(embedded)
    if student.explains_itself:
        logits, contributions = student.outputs_from_embeddings(quantized, raw)
    else:
        logits, contributions = student.logits_from_embeddings(quantized, raw), None
    outputs = [logits, student.features_from_embeddings(quantized, raw)]
    if attention:
        outputs.append(student.attention_map(quantized))
    if contributions is not None:
        outputs.append(contributions)
    return keras.Model([embedded, raw], outputs, name="float_head")


def head_outputs(student, attention):
    """The names of ``float_head``'s outputs, in order."""
    return [name for name, present in zip(HEAD_OUTPUTS, (True, True, attention, student.explains_itself)) if present]


def quantized_head(student, embedding_shape, attention=False):
    """``float_head`` with Dense and Conv1D quantization-aware (TF-MOT ``quantize_apply``), weights copied."""
    head = float_head(student, embedding_shape, attention)
    with quantize_scope():
        annotated = keras.models.clone_model(head, clone_function=_annotate)
        annotated.set_weights(head.get_weights())
        return tfmot.quantization.keras.quantize_apply(annotated)


@keras.utils.register_keras_serializable(package="tfcompress")
class QATStudent(TextClassifier):
    """A student under quantization-aware training: float embedding step, fake-quantized head.

    The student's ``embed`` step stays float (token ids are integers and an embedding lookup only
    copies rows; the TFLite converter quantizes the table). Everything after it is a TF-MOT
    quantized functional "head" built from copies of the student's own layers: Dense and Conv1D carry
    int8 fake quantization of kernels and outputs (``LayerQuantizeConfig``), the embedded input is
    fake-quantized (``InputQuantizer``), and TF ops (concat, softmax, masking) stay float for the
    converter to calibrate. The head maps (embedded, inputs) to logits, per-position features and,
    for students with attention pooling, the attention map, so the ``Distiller`` trains it with all
    its terms. Build it with ``quantize_student``.

    Args:
        student_config: ``keras.utils.serialize_keras_object`` of the float student, as a JSON string.
        student: the float student to copy weights from (omitted when loading: the config suffices).
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> qat = quantize_student(student, calibration_inputs=student.encoder.encode(texts[:256]))
        >>> qat.predict_texts(["a fine film"])
    """

    def __init__(self, student_config, student=None, **kwargs):
        if student is None:
            with quantize_scope():
                student = keras.utils.deserialize_keras_object(json.loads(student_config))
            student.build_for_inputs()
        _check_supported(student)
        super().__init__(student.num_classes, student.num_buckets, student.max_length, encoder=student.encoder,
                         **kwargs)
        self.student_config = student_config
        self.registry_name = f"qat_{getattr(student, 'registry_name', 'student')}"
        self.embedding = _embedding_layer(student)
        attention = hasattr(student, "attention_map")
        if attention and self.embedding is not None:
            raise NotImplementedError(f"{type(student).__name__}: attention_map of a student with an embedding "
                                      "table reads token ids, which a QAT head (embeddings in) cannot take")
        self.head = quantized_head(student, self._embedding_shape(student), attention)
        self.explains_itself = student.explains_itself
        self.contributions_include_bias = student.contributions_include_bias
        outputs = dict(zip(head_outputs(student, attention), self.head.outputs))
        # One sub-model per output over the same quantized layers: a call computes only what it returns.
        self.heads = {name: keras.Model(self.head.inputs, output, name=f"{name}_head")
                      for name, output in outputs.items()}
        if self.explains_itself:
            self.heads["outputs"] = keras.Model(self.head.inputs, [outputs["logits"], outputs["contributions"]],
                                                name="outputs_head")
        self.build_for_inputs()

    @staticmethod
    def _embedding_shape(student):
        probe = tf.zeros((1, *student.encoder.input_shape), student.encoder.input_dtype)
        return tuple(student.embed(probe).shape[1:])

    def embed(self, inputs, training=None):
        if self.embedding is None:
            return tf.convert_to_tensor(inputs, tf.float32)
        return self.embedding(inputs)

    def logits_from_embeddings(self, embedded, inputs, training=None):
        return self.heads["logits"]([embedded, inputs], training=training)

    def features_from_embeddings(self, embedded, inputs, training=None):
        return self.heads["features"]([embedded, inputs], training=training)

    def outputs_from_embeddings(self, embedded, inputs, training=None):
        self.check_explains_itself()
        logits, contributions = self.heads["outputs"]([embedded, inputs], training=training)
        return logits, contributions

    def contribution_bias(self):
        """What no position contributes: zeros, or the bias of the head's copy of the classifier."""
        classifier, = [layer for layer in self.head.layers if layer.name.endswith("logits")]
        bias = getattr(classifier, "layer", classifier).bias
        return tf.zeros_like(bias) if self.contributions_include_bias else bias

    @property
    def attention_map(self):
        """Attention over positions, (batch, length), for students with attention pooling (prado)."""
        if "attention" not in self.heads:
            raise AttributeError(f"{self.name!r}: the float student has no attention_map")
        return self._attention_map

    def _attention_map(self, inputs, training=None):
        return self.heads["attention"]([self.embed(inputs, training=training), inputs], training=training)

    def get_config(self):
        return {"student_config": self.student_config, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def quantize_student(student, calibration_inputs=None, batch_size=256):
    """Make a quantization-aware copy of a trained float student.

    The float student is not modified: its weights are copied. Activation ranges start at TF-MOT's
    [-6, 6]; pass ``calibration_inputs`` (real encoded texts) to set them from data at once
    (``recalibrate``), so the QAT model predicts like the float one before any training.

    Args:
        student: a built tfcompress student (``cnn``, ``prado``); recurrent students raise
            ``NotImplementedError``.
        calibration_inputs: optional encoded inputs, e.g. ``student.encoder.encode(texts)``.
        batch_size: calibration batch size.

    Returns:
        A ``QATStudent``.

    Example:
        >>> qat = quantize_student(student, student.encoder.encode(data.train.texts[:512]))
        >>> distiller = Distiller(student=qat, teacher=teacher)
    """
    _check_supported(student)
    student.build_for_inputs()
    config = json.dumps(keras.utils.serialize_keras_object(student))
    qat = QATStudent(config, student=student, name=f"qat_{student.name}")
    if calibration_inputs is not None:
        from tfcompress.quantize.calibration import recalibrate

        recalibrate(qat, calibration_inputs, batch_size=batch_size)
    return qat

