"""Loss terms of the distillation objective."""
from tfcompress.backend import tf


def kd_loss(teacher_logits, student_logits, temperature):
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the batch.

    The T^2 factor keeps the soft-target gradients on the same scale as the hard-label ones when T
    changes (Hinton et al., 2015): the gradient of the KL term w.r.t. the student logits shrinks as
    1/T^2. The direction matters: the teacher's distribution is the target.

    Args:
        teacher_logits: (batch, classes) teacher logits, treated as constants.
        student_logits: (batch, classes) student logits.
        temperature: softening temperature T > 0.
    """
    temperature = tf.cast(temperature, student_logits.dtype)
    teacher_logits = tf.stop_gradient(tf.cast(teacher_logits, student_logits.dtype))
    target = tf.nn.softmax(teacher_logits / temperature, axis=-1)
    log_target = tf.nn.log_softmax(teacher_logits / temperature, axis=-1)
    log_student = tf.nn.log_softmax(student_logits / temperature, axis=-1)
    kl = tf.reduce_sum(target * (log_target - log_student), axis=-1)
    return temperature ** 2 * tf.reduce_mean(kl)


def labelled(labels):
    """1.0 where a label is known, 0.0 for unlabelled rows (label -1, e.g. a transfer set)."""
    return tf.cast(tf.reshape(labels, [-1]) >= 0, tf.float32)


def cross_entropy(labels, logits):
    """Mean sparse categorical cross-entropy over the labelled rows (label -1 rows are skipped)."""
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
    weights = tf.cast(labelled(labels), logits.dtype)
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.maximum(labels, 0), logits=logits)
    return tf.reduce_sum(losses * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


def normalized_map_distance(student_map, teacher_map, mask):
    """Squared distance between per-sentence unit-normalized word maps, averaged over sentences.

    Each sentence's map (its words, or words x features) is restricted to ``mask`` and scaled to unit
    L2 norm, so the term compares where the evidence is and its sign, not its scale (a teacher's
    gradients and a student's are on unrelated scales). The distance of two unit maps is
    2 * (1 - cosine), in [0, 4]. Sentences with no masked-in word, or a zero map, contribute 0.

    Args:
        student_map: (batch, words) or (batch, words, dim).
        teacher_map: the same shape, treated as a constant.
        mask: (batch, words), 1.0 where both maps have the word.
    """
    student_map = tf.convert_to_tensor(student_map)
    teacher_map = tf.stop_gradient(tf.cast(teacher_map, student_map.dtype))
    mask = tf.cast(mask, student_map.dtype)
    while len(mask.shape) < len(student_map.shape):
        mask = mask[..., None]
    axes = list(range(1, len(student_map.shape)))

    def unit(values):
        values = values * mask
        norm = tf.sqrt(tf.reduce_sum(tf.square(values), axis=axes, keepdims=True))
        return values / tf.maximum(norm, 1e-6)

    distances = tf.reduce_sum(tf.square(unit(student_map) - unit(teacher_map)), axis=axes)
    present = tf.cast(tf.reduce_sum(mask, axis=axes) > 0, student_map.dtype)
    return tf.reduce_sum(distances * present) / tf.maximum(tf.reduce_sum(present), 1.0)
