"""FastGRNN student: a compact gated RNN over hashed word embeddings."""
from tfcompress.backend import keras, tf
from tfcompress.models.layers.fastgrnn_cell import FastGRNNCell
from tfcompress.models.layers.multi_hash_embedding import MultiHashEmbedding, token_mask
from tfcompress.models.registry import register_student
from tfcompress.models.text_classifier import TextClassifier, hashed_word_encoder


@register_student("fastgrnn")
@keras.utils.register_keras_serializable(package="tfcompress")
class FastGRNNStudent(TextClassifier):
    """Hashed word embeddings -> FastGRNN (unrolled, padding masked) -> final state -> logits.

    The RNN is unrolled over the fixed ``max_length`` so TFLite converts it to plain builtin ops;
    padded steps keep the previous state (Keras masking).

    Args:
        num_classes: number of output classes.
        num_buckets: hash buckets of the word encoder (rows of the embedding table, besides padding).
        max_length: tokens per text.
        embedding_dim: word embedding size.
        units: FastGRNN hidden state size.
        rank: low-rank factorization of W and U (``None``: full rank).
        dropout: dropout rate on the embeddings and the final state.
        num_hashes: hash ids per word (``MultiHashEncoder``; each word is the sum of its rows); 1: one
            FNV hash per word (``HashingEncoder``).
        encoder: the text encoder; ``None``: ``hashed_word_encoder(num_buckets, num_hashes, max_length)``.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> student = FastGRNNStudent(num_classes=2)
        >>> logits = student.predict_texts(["a gripping, funny film"])
    """

    def __init__(self, num_classes=2, num_buckets=4000, max_length=48, embedding_dim=16, units=64, rank=None,
                 dropout=0.3, num_hashes=1, encoder=None, **kwargs):
        encoder = encoder or hashed_word_encoder(num_buckets, num_hashes, max_length)
        super().__init__(num_classes, num_buckets, max_length, encoder=encoder, **kwargs)
        self.num_hashes = int(num_hashes)
        self.embedding_dim = embedding_dim
        self.units = units
        self.rank = rank
        self.dropout_rate = dropout
        self.embedding = MultiHashEmbedding(num_buckets + 1, embedding_dim, name="embedding")
        self.dropout = keras.layers.Dropout(dropout)
        # Short layer names: the unrolled graph repeats them in ~20 tensor names per time step.
        self.rnn = keras.layers.RNN(FastGRNNCell(units, rank=rank, name="c"), unroll=True, name="rnn")
        self.classifier = keras.layers.Dense(num_classes, name="logits")

    def embed(self, token_ids, training=None):
        return self.embedding(token_ids)

    def logits_from_embeddings(self, embedded, token_ids, training=None):
        mask = token_mask(token_ids)
        state = self.rnn(self.dropout(embedded, training=training), mask=mask, training=training)
        return self.classifier(self.dropout(state, training=training))

    def features_from_embeddings(self, embedded, token_ids, training=None):
        """The state after each word, (batch, length, units); padding repeats the last state."""
        embedded = self.dropout(embedded, training=training)
        mask = token_mask(token_ids)[..., None]
        state = tf.zeros((tf.shape(embedded)[0], self.units), embedded.dtype)
        states = []
        for step in range(embedded.shape[1]):
            candidate, _ = self.rnn.cell(embedded[:, step], [state])
            state = tf.where(mask[:, step], candidate, state)
            states.append(state)
        return tf.stack(states, axis=1)

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim, "units": self.units,
                "rank": self.rank, "dropout": self.dropout_rate, "num_hashes": self.num_hashes}
