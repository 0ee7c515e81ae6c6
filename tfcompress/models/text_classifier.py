"""Base class of every tfcompress teacher and student: token ids in, class logits out."""
import weakref

import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.text import HashingEncoder, MultiHashEncoder, deserialize_encoder, serialize_encoder


def hashed_word_encoder(num_buckets, num_hashes, max_length):
    """``HashingEncoder`` for one hash per word, ``MultiHashEncoder`` for several."""
    if num_hashes > 1:
        return MultiHashEncoder(num_buckets, num_hashes, max_length)
    return HashingEncoder(num_buckets, max_length)


def pool_tokens_to_words(values, word_index, num_words):
    """Mean of token values per word: (batch, tokens, dim) -> (batch, num_words, dim).

    ``word_index[b, t]`` is the word that token t belongs to (-1: none, e.g. padding or [CLS]).
    Words with no token get zeros. Differentiable, so losses can compare word-level maps.
    """
    values = tf.convert_to_tensor(values)
    owners = tf.one_hot(tf.convert_to_tensor(word_index, tf.int32), num_words, dtype=values.dtype)
    sums = tf.einsum("btw,btd->bwd", owners, values)
    counts = tf.reduce_sum(owners, axis=1)[..., None]
    return sums / tf.maximum(counts, 1.0)


def words_covered(owners):
    """How many words a row's token-to-word index reaches (``owners`` is -1 where no word)."""
    return int(owners.max()) + 1 if (owners >= 0).any() else 0


def sum_tokens_per_word(token_values, owners, dtype=np.float32):
    """One row's token values summed per word: ``owners[t]`` is token t's word (-1: none)."""
    sums = np.zeros(words_covered(owners), dtype)
    kept = owners >= 0
    np.add.at(sums, owners[kept], token_values[kept])
    return sums


def contributions_per_word(encoder, texts, word_index, contributions, classes):
    """(words, values) per text: each word's summed token contributions to ``classes[row]``, from a
    (texts, positions, classes) ``contributions`` array and ``encoder.encode_with_words``' ``word_index``."""
    words_out, maps_out = [], []
    for row, text in enumerate(texts):
        values = sum_tokens_per_word(contributions[row, :, classes[row]], word_index[row])
        words_out.append(encoder.words(text)[:len(values)])
        maps_out.append(values)
    return words_out, maps_out


class TextClassifier(keras.Model):
    """A subclassed Keras classifier over encoded text, carrying its own text encoder.

    Subclasses build their layers in ``__init__`` and implement ``embed(inputs)`` (the per-token
    vectors the model reads: word embeddings, or the projection itself) and
    ``logits_from_embeddings(embedded, inputs)``; ``call`` chains the two. Splitting there gives
    every model the same gradient x input word attributions (``word_importance``). ``encoder.encode(texts)`` makes the model's input (by default hashed word ids:
    ``HashingEncoder``). ``functional()`` gives a functional model over the same layer objects (shared
    weights), for TF-MOT, TFF and the TFLite converter.

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the default word-id encoder (ids 1..num_buckets, 0 pads).
        max_length: tokens per text.
        encoder: an encoder to use instead of ``HashingEncoder(num_buckets, max_length)``, or its
            ``serialize_encoder`` dict (as ``get_config`` writes it).
        **kwargs: passed to ``keras.Model`` (e.g. ``name``).

    ``get_config`` carries every constructor argument, the encoder as
    ``{"class": ..., "config": ...}``; a config without ``"encoder"`` (files saved before it was
    recorded) rebuilds the default encoder.
    """

    # True when padding (id 0) never changes the logits, so trailing padding columns may be dropped.
    padding_is_masked = False
    # True when ``outputs_from_embeddings`` also gives the per-position contributions the logits sum.
    explains_itself = False
    # True when matrix products dominate its forward pass, so a bfloat16 copy runs faster on a CPU that multiplies
    # bfloat16 in hardware (``teacher_inference: auto``, ``tfcompress.distill.teacher_precision``).
    faster_in_bfloat16 = False

    def __init__(self, num_classes=2, num_buckets=5000, max_length=48, encoder=None, **kwargs):
        super().__init__(**kwargs)
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.num_classes = int(num_classes)
        self.num_buckets = int(num_buckets)
        self.max_length = int(max_length)
        self.encoder = HashingEncoder(num_buckets, max_length) if encoder is None else deserialize_encoder(encoder)

    def build_for_inputs(self):
        """Create the weights by calling the model once on an all-padding input."""
        self(tf.zeros((1, *self.encoder.input_shape), self.encoder.input_dtype))
        return self

    def functional(self, batch_size=None, with_contributions=False):
        """A functional ``keras.Model`` sharing this model's layers and weights.

        With ``with_contributions`` (models that ``explains_itself``) it has two outputs, the logits
        and the per-position contributions (``outputs_from_embeddings``), computed in one pass.
        """
        self.build_for_inputs()
        inputs = keras.Input(self.encoder.input_shape, batch_size=batch_size, dtype=self.encoder.input_dtype,
                             name=self.encoder.input_name)
        # A short name: it prefixes every tensor name in the converted .tflite (bytes on the phone).
        name = getattr(self, "registry_name", "model")
        if not with_contributions:
            return keras.Model(inputs, self.call(inputs), name=name)
        self.check_explains_itself()
        logits, contributions = self.outputs_from_embeddings(self.embed(inputs), inputs)
        return keras.Model(inputs, [logits, contributions], name=name)

    def call(self, inputs, training=None):
        return self.logits_from_embeddings(self.embed(inputs, training=training), inputs, training=training)

    def embed(self, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement embed()")

    def logits_from_embeddings(self, embedded, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement logits_from_embeddings()")

    def outputs_from_embeddings(self, embedded, inputs, training=None):
        """(logits, contributions) of a self-explaining model (``explains_itself``).

        ``contributions`` is (batch, positions, classes): position i's share c_i of each class logit, with
        logits = sum_i c_i + ``contribution_bias()`` exactly, and (about) zero at padding.
        """
        raise NotImplementedError(f"{type(self).__name__} does not explain itself (no per-position contributions); "
                                  "use a student built with pooling='attention' (cnn) or prado")

    def check_explains_itself(self):
        """Raise ``ValueError`` unless the model gives per-position contributions."""
        if not self.explains_itself:
            raise ValueError(f"{self.name!r} ({type(self).__name__}) does not explain itself: its logits are not a sum "
                             "of per-word contributions (build the cnn student with pooling='attention', or use prado)")

    def evidence(self, features):
        """Class scores of each position's features: the classifier without its bias, (batch, positions, classes).

        The classifier layer itself is applied, also for its bias (its output on zero features), so
        functional and quantization-aware copies of the model read no variable outside their layers.
        """
        return self.classifier(features) - self.classifier(tf.zeros_like(features[:, :1]))

    # False: the contributions sum to the logits minus the classifier's bias; True: to the logits.
    contributions_include_bias = False

    def contribution_bias(self):
        """The part of the logits no position contributes, (classes,): the classifier's bias, or zeros
        when the contributions share it out (``contributions_include_bias``)."""
        if self.contributions_include_bias:
            return tf.zeros_like(self.classifier.bias)
        return self.classifier.bias

    def contributions(self, inputs, training=None):
        """Per-position contributions of each class logit, (batch, positions, classes) (``outputs_from_embeddings``)."""
        self.check_explains_itself()
        return self.outputs_from_embeddings(self.embed(inputs, training=training), inputs, training=training)[1]

    def word_contributions(self, texts, target=None, batch_size=256):
        """Each word's contribution to a class logit, the explanation the model computes with its prediction.

        Args:
            texts: raw texts.
            target: class id per text (or one for all); ``None``: the predicted class.
            batch_size: texts per call.

        Returns:
            (words, contributions): per text, its words and a float32 array of the same length; with the
            ``contribution_bias`` of the class they sum to its logit (words cut off by ``max_length`` are absent).

        Example:
            >>> words, values = student.word_contributions(["a gorgeous, witty movie"])
        """
        self.check_explains_itself()
        targets = None if target is None else np.broadcast_to(np.asarray(target), (len(texts),))
        words_out, maps_out = [], []
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start:start + batch_size])
            inputs, word_index = self.encoder.encode_with_words(chunk)
            embedded = self.embed(tf.constant(inputs), training=False)
            logits, contributions = (value.numpy() for value in
                                     self.outputs_from_embeddings(embedded, tf.constant(inputs), training=False))
            classes = logits.argmax(-1) if targets is None else targets[start:start + len(chunk)]
            words, values = contributions_per_word(self.encoder, chunk, word_index, contributions, classes)
            words_out += words
            maps_out += values
        return words_out, maps_out

    def features_from_embeddings(self, embedded, inputs, training=None):
        """Per-position hidden features the model pools into its prediction, (batch, positions, dim).

        The word-level feature maps of the explanation objective (FitNets-style hints) are these,
        averaged per word (``word_features``, ``pool_tokens_to_words``).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement features_from_embeddings()")

    def token_features(self, inputs, training=None):
        return self.features_from_embeddings(self.embed(inputs, training=training), inputs, training=training)

    def word_features(self, texts, batch_size=128):
        """Word-level feature maps: per text, its words and a (words, dim) float32 array.

        Each word's features are the mean of ``token_features`` over its tokens (its WordPieces for
        BERT-style teachers), so teacher and student maps align word by word.
        """
        words_out, maps_out = [], []
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start:start + batch_size])
            inputs, word_index = self.encoder.encode_with_words(chunk)
            features = self.token_features(tf.constant(inputs), training=False).numpy()
            pooled = pool_tokens_to_words(features, word_index, self.max_length).numpy()
            for row, text in enumerate(chunk):
                count = words_covered(word_index[row])
                words_out.append(self.encoder.words(text)[:count])
                maps_out.append(pooled[row, :count])
        return words_out, maps_out

    def word_vectors(self, words, batch_size=512):
        """One context-free vector per word: the mean of ``token_features`` over the word alone.

        Used to initialize a student's word embeddings from the teacher (``distill.init_embeddings``).
        """
        vectors = []
        for start in range(0, len(words), batch_size):
            inputs, word_index = self.encoder.encode_with_words(list(words[start:start + batch_size]))
            inputs = self.trimmed(inputs)
            features = self.token_features(tf.constant(inputs), training=False)
            vectors.append(pool_tokens_to_words(features, word_index[:, :inputs.shape[1]], 1)[:, 0].numpy())
        return np.concatenate(vectors) if vectors else np.zeros((0, 0), np.float32)

    def word_importance(self, texts, target=None, batch_size=128):
        """Gradient x input attribution of each word to a class logit, one array per text.

        The attribution of a token is sum_d (d logit / d e_d) * e_d over its input vector e; a
        word's is the sum over its tokens (WordPieces for BERT-style teachers, so teacher and student
        maps align word by word). Words cut off by ``max_length`` are absent.

        Args:
            texts: raw texts.
            target: class id per text (or one for all); ``None`` explains the predicted class.
            batch_size: texts per gradient computation.

        Returns:
            (words, attributions): per text, the list of its words and a float32 array of the
            same length.
        """
        words_out, maps_out = [], []
        targets = None if target is None else np.broadcast_to(np.asarray(target), (len(texts),))
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start:start + batch_size])
            inputs, word_index = self.encoder.encode_with_words(chunk)
            token_scores, logits = self._token_saliency(
                tf.constant(inputs), None if targets is None else targets[start:start + len(chunk)])
            for row, text in enumerate(chunk):
                scores = sum_tokens_per_word(token_scores[row], word_index[row])
                words_out.append(self.encoder.words(text)[:len(scores)])
                maps_out.append(scores)
        return words_out, maps_out

    def _token_saliency(self, inputs, targets):
        embedded = tf.convert_to_tensor(self.embed(inputs, training=False))
        with tf.GradientTape() as tape:
            tape.watch(embedded)
            logits = self.logits_from_embeddings(embedded, inputs, training=False)
            if targets is None:
                classes = tf.argmax(logits, axis=-1, output_type=tf.int32)
            else:
                classes = tf.constant(np.asarray(targets), tf.int32)
            chosen = tf.reduce_sum(tf.gather(logits, classes, batch_dims=1))
        gradients = tape.gradient(chosen, embedded)
        return tf.reduce_sum(gradients * embedded, axis=-1).numpy(), logits.numpy()

    def predict_texts(self, texts, batch_size=256):
        """Logits for raw texts, as a NumPy array of shape (len(texts), num_classes).

        Models that mask padding (``padding_is_masked``) see the texts in order of length, so each
        batch is cut to its own longest text; the rows come back in the order given.
        """
        ids = self.encoder.encode(list(texts))
        order = np.arange(len(ids))
        if self.padding_is_masked:
            order = np.argsort(np.count_nonzero(ids.reshape(len(ids), -1), axis=1), kind="stable")
        logits = np.zeros((len(ids), self.num_classes), np.float32)
        forward = compiled_inference(self)
        for start in range(0, len(ids), batch_size):
            rows = order[start:start + batch_size]
            logits[rows] = forward(self.trimmed(ids[rows])).numpy()
        return logits

    def trimmed(self, ids):
        """``ids`` without the padding columns after the batch's longest text, for models whose
        attention and pooling mask padding (``padding_is_masked``): the same logits, less compute."""
        if not self.padding_is_masked:
            return ids
        lengths = np.count_nonzero(np.asarray(ids), axis=1)
        return ids[:, :max(1, int(lengths.max(initial=0)))]

    def get_config(self):
        return {"num_classes": self.num_classes, "num_buckets": self.num_buckets,
                "max_length": self.max_length, "name": self.name, **self.encoder_config()}

    def encoder_config(self):
        """``{"encoder": serialize_encoder(self.encoder)}``, the encoder's part of ``get_config``.

        Example:
            >>> CNNStudent(encoder=HashingEncoder(500, 16)).encoder_config()
            {'encoder': {'class': 'HashingEncoder', 'config': {'num_buckets': 500, 'max_length': 16}}}
        """
        return {"encoder": serialize_encoder(self.encoder)}

    @classmethod
    def from_config(cls, config):
        """The model ``config`` describes; its ``"encoder"`` entry may be missing (the default)."""
        return cls(**config)


_COMPILED = weakref.WeakKeyDictionary()


def compiled_inference(model):
    """``model(x, training=False)`` as one ``tf.function`` per model (shapes generalized, so batches of any size
    and width reuse a trace): the same logits as an eager call, about ten times faster for the BiLSTM teacher on
    CPU. Kept beside the model, not on it, so saving never sees it."""
    if model not in _COMPILED:
        _COMPILED[model] = tf.function(lambda inputs: model(inputs, training=False), reduce_retracing=True)
    return _COMPILED[model]
