"""The personal class prior: a client's own label frequencies added to the global model's logits.

A user's texts share a subject and often a verdict (a movie's reviews lean fresh or rotten), so the
class mix of the user's labelled texts is the strongest thing a device knows that the global model does
not. With the global model read as p(y | x) under the training prior pi_g, Bayes' rule under the
client's prior pi_c gives logits + log(pi_c / pi_g). The device uses

    logits + w * (log pi_c - log pi_g),   pi_c = (counts + s * pi_g) / (n + s)

(``s`` pseudo-counts of the global prior shrink a small client towards it) and picks ``w`` from a short
grid by leave-one-out on its own training texts: each text is predicted with the prior of the others.
The weight with the largest leave-one-out log-likelihood gain over ``w = 0`` (the global model) is the
candidate; it is kept only when the evidence is strong: that gain is at least ``min_evidence`` nats (3 nats is a
likelihood ratio of about 20), it gets at least ``min_gain`` more leave-one-out texts right and, with
``max_losses``, it turns at most that many of the texts the global model gets right into errors. Otherwise the
client keeps the global model. The log-likelihood uses the model's confidence on every text, so it separates a
real shift from luck far better than counting hits on ~20 texts.

Everything here is TensorFlow ops on logits the model has already computed, so the same function runs
eagerly (Keras), inside TFF's per-client computation and inside the on-device ``.tflite`` (builtin ops).
"""
import numpy as np

from tfcompress.backend import tf


def label_prior(labels, num_classes):
    """The class frequencies of ``labels`` (the global model's training prior), smoothed by one count.

    Example:
        >>> label_prior(np.array([0, 0, 1]), 2)
        array([0.6, 0.4], dtype=float32)
    """
    counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes).astype(np.float64) + 1.0
    return (counts / counts.sum()).astype(np.float32)


def prior_offset(logits, labels, global_prior, strength, weights, min_gain, max_losses=None, min_evidence=0.0):
    """The logit offset a client adds, chosen by leave-one-out on its own labelled examples.

    Args:
        logits: ``[n, classes]`` global-model logits of the client's training texts.
        labels: ``[n]`` their int labels.
        global_prior: ``[classes]`` the global training prior (``label_prior``).
        strength: pseudo-counts ``s`` of the global prior in the client's estimate.
        weights: the grid of ``w``; the first must be 0 (the global model).
        min_gain: leave-one-out hits ``w`` must add over ``w = 0`` to be adopted.
        max_losses: the most leave-one-out texts ``w`` may get wrong that ``w = 0`` gets right (``None``: any).
        min_evidence: the leave-one-out log-likelihood gain (nats) ``w`` needs over ``w = 0`` to be adopted.

    Returns:
        A dict of tensors: ``offset`` ``[classes]`` (zeros when not adopted), ``shift`` (the offset at
        ``w = 1``), ``weight`` (the ``w`` used), ``best_weight`` (the candidate before the adoption rule),
        ``adopted`` (0/1), ``loo_evidence`` (the candidate's log-likelihood gain, nats), ``loo_correct_global``
        and ``loo_correct_best`` (hits out of ``n``), ``loo_losses`` (texts the candidate gets wrong that the
        global model gets right).

    Example:
        >>> prior_offset(logits, labels, label_prior(train_labels, 2), 5.0, [0.0, 0.5, 1.0], 1, min_evidence=3.0)
    """
    logits = tf.convert_to_tensor(logits, tf.float32)
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
    global_prior = tf.convert_to_tensor(global_prior, tf.float32)
    weights = tf.convert_to_tensor(weights, tf.float32)
    strength = tf.cast(strength, tf.float32)
    onehot = tf.one_hot(labels, tf.shape(logits)[-1], dtype=tf.float32)
    counts = tf.reduce_sum(onehot, axis=0)
    count = tf.cast(tf.shape(labels)[0], tf.float32)
    log_global = tf.math.log(global_prior)
    others = (counts[None, :] - onehot + strength * global_prior[None, :]) / tf.maximum(count - 1.0 + strength, 1e-6)
    loo_shift = tf.math.log(others) - log_global[None, :]
    shifted = logits[None, :, :] + weights[:, None, None] * loo_shift[None, :, :]
    log_likelihood = tf.reduce_sum(tf.nn.log_softmax(shifted, axis=-1) * onehot[None, :, :], axis=[1, 2])
    evidence = log_likelihood - log_likelihood[0]
    best = tf.argmax(evidence, output_type=tf.int32)  # the first (smallest w) of the ties, so w = 0 when none gains
    correct = tf.equal(tf.argmax(shifted, axis=-1, output_type=tf.int32), labels[None, :])
    hits = tf.reduce_sum(tf.cast(correct, tf.int32), axis=1)
    losses = tf.reduce_sum(tf.cast(tf.logical_and(correct[0], tf.logical_not(correct[best])), tf.int32))
    adopted = tf.logical_and(evidence[best] >= float(min_evidence), hits[best] >= hits[0] + int(min_gain))
    adopted = tf.logical_and(adopted, best > 0)
    if max_losses is not None:
        adopted = tf.logical_and(adopted, losses <= int(max_losses))
    weight = tf.where(adopted, weights[best], 0.0)
    client_prior = (counts + strength * global_prior) / (count + strength)
    shift = tf.math.log(client_prior) - log_global
    return {"offset": weight * shift, "shift": shift, "weight": weight,
            "best_weight": weights[best], "adopted": tf.cast(adopted, tf.int32), "loo_evidence": evidence[best],
            "loo_correct_global": hits[0], "loo_correct_best": hits[best], "loo_losses": losses}


def client_offset(predict_logits, ids, labels, global_prior, config):
    """``prior_offset`` of one client in eager mode: ``predict_logits(ids)`` and a ``PersonalizationConfig``.

    Example:
        >>> result = client_offset(lambda x: student(x, training=False), ids, labels, prior, PersonalizationConfig())
    """
    return prior_offset(predict_logits(ids), labels, global_prior, **config.prior_options())
