"""The wide convolutional teacher, trained from scratch: the quick preset's teacher."""
from tfcompress.backend import keras
from tfcompress.models.registry import register_teacher
from tfcompress.models.students.cnn import CNNStudent


@register_teacher("wide_cnn")
@keras.utils.register_keras_serializable(package="tfcompress")
class WideCNNTeacher(CNNStudent):
    """The cnn student's architecture at teacher size: a 20,000-bucket hashed vocabulary of 64-dimensional word
    vectors, 128 filters per n-gram width and channel-attention pooling (about 1.4M parameters).

    It learns in seconds where a recurrent teacher needs many epochs: in the quick preset's budget (at least 300
    steps) it reached 0.855 validation accuracy on newsgroups_long (20 classes of long posts; the BiLSTM teacher
    0.665), 0.875 on trec (0.835) and 0.743 on rotten_tomatoes (0.765); the quick runs' students follow
    (benchmarks/results/explore/teacher_long.jsonl).

    Args:
        num_classes: number of output classes.
        num_buckets, num_hashes, max_length, embedding_dim, filters, kernel_sizes, dropout, pooling, encoder:
            as for ``CNNStudent``, with the teacher's sizes as defaults.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> teacher = WideCNNTeacher(num_classes=20, max_length=128)
        >>> logits = teacher.predict_texts(["the shuttle reached orbit"])
    """

    def __init__(self, num_classes=2, num_buckets=20000, max_length=48, embedding_dim=64, filters=128,
                 kernel_sizes=(2, 3, 4), dropout=0.3, num_hashes=1, pooling="channel_attention", encoder=None,
                 **kwargs):
        super().__init__(num_classes, num_buckets=num_buckets, max_length=max_length, embedding_dim=embedding_dim,
                         filters=filters, kernel_sizes=kernel_sizes, dropout=dropout, num_hashes=num_hashes,
                         pooling=pooling, encoder=encoder, **kwargs)
