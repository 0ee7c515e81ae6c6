"""BiLSTM-with-attention teacher, trained from scratch: the fast teacher."""
from tfcompress.backend import keras, tf
from tfcompress.models.registry import register_teacher
from tfcompress.models.text_classifier import TextClassifier


@register_teacher("bilstm")
@keras.utils.register_keras_serializable(package="tfcompress")
class BiLSTMTeacher(TextClassifier):
    """Hashed word embeddings -> BiLSTM -> additive attention pooling -> logits.

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the word encoder.
        max_length: tokens per text.
        embedding_dim: word embedding size.
        lstm_units: units of each LSTM direction.
        attention_units: hidden size of the attention scorer.
        dropout: dropout rate on embeddings and the pooled vector.
        encoder: the text encoder; ``None``: ``HashingEncoder(num_buckets, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> teacher = BiLSTMTeacher(num_classes=2)
        >>> logits = teacher.predict_texts(["a gripping, funny film"])
    """

    padding_is_masked = True  # the BiLSTM skips masked steps and attention gives them weight 0

    def __init__(self, num_classes=2, num_buckets=20000, max_length=48, embedding_dim=96,
                 lstm_units=64, attention_units=64, dropout=0.3, encoder=None, **kwargs):
        super().__init__(num_classes, num_buckets, max_length, encoder=encoder, **kwargs)
        self.embedding_dim = embedding_dim
        self.lstm_units = lstm_units
        self.attention_units = attention_units
        self.dropout_rate = dropout
        self.embedding = keras.layers.Embedding(num_buckets + 1, embedding_dim, name="embedding")
        self.dropout = keras.layers.Dropout(dropout)
        self.bilstm = keras.layers.Bidirectional(
            keras.layers.LSTM(lstm_units, return_sequences=True), name="bilstm")
        self.attention_hidden = keras.layers.Dense(attention_units, activation="tanh", name="attention_hidden")
        self.attention_score = keras.layers.Dense(1, name="attention_score")
        self.head_dropout = keras.layers.Dropout(dropout, dtype="float32")
        self.classifier = keras.layers.Dense(num_classes, name="logits", dtype="float32")

    def embed(self, token_ids, training=None):
        return self.embedding(token_ids)

    def attention(self, token_ids, training=None, embedded=None):
        """Per-token attention weights (padding gets 0) and the BiLSTM states."""
        mask = tf.not_equal(token_ids, 0)
        embedded = self.embed(token_ids) if embedded is None else embedded
        states = self.bilstm(self.dropout(embedded, training=training), mask=mask, training=training)
        scores = tf.squeeze(self.attention_score(self.attention_hidden(states)), -1)
        scores = tf.where(mask, scores, tf.fill(tf.shape(scores), tf.constant(-1e9, scores.dtype)))
        return tf.nn.softmax(scores, axis=-1), states

    def logits_from_embeddings(self, embedded, token_ids, training=None):
        weights, states = self.attention(token_ids, training=training, embedded=embedded)
        pooled = tf.reduce_sum(states * tf.expand_dims(weights, -1), axis=1)
        return self.classifier(self.head_dropout(pooled, training=training))

    def features_from_embeddings(self, embedded, token_ids, training=None):
        return self.attention(token_ids, training=training, embedded=embedded)[1]

    def attention_map(self, token_ids, training=None):
        """Attention pooling weights over positions, (batch, length); padding gets 0."""
        return self.attention(token_ids, training=training)[0]

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim,
                "lstm_units": self.lstm_units, "attention_units": self.attention_units,
                "dropout": self.dropout_rate}
