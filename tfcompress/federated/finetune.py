"""Per-client personalization with a keep/revert decision on the client's own data (TF, graph-safe).

``personalize_client`` is the single implementation of every method of ``PersonalizationConfig``: TFF's
personalization-eval computation calls it on a ``tff.learning`` model inside each client, and
``personalize_keras`` calls it on a Keras copy (for exporting one client's personalized model).
"""
import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.federated.prior import prior_offset


def _output_history(model):
    """(layer, node_index) that produced the model's (single) output in this model's own graph."""
    layer, node_index, _ = model.outputs[0]._keras_history
    return layer, node_index


def head_layer(model):
    """The classifier head of a functional model: the layer making its output, with a kernel and bias."""
    layer = _output_history(model)[0]
    if not (hasattr(layer, "kernel") and hasattr(layer, "bias")) or getattr(layer, "bias", None) is None:
        raise ValueError(f"head-only training needs a Dense-like last layer with a bias; "
                         f"{model.name}'s last layer is {type(layer).__name__}")
    return layer


def split_body_head(model):
    """``(body, head)``: a model from the input to the head's input, and the head layer."""
    head = head_layer(model)
    # The student's layers are shared by every functional() copy, so the head has one inbound node
    # per copy: take the input of the node that belongs to this model.
    features = head.get_input_at(_output_history(model)[1])
    return keras.Model(model.inputs, features, name="body"), head


def trained_variable_indices(model, mode):
    """Positions in ``model.trainable_variables`` that ``mode`` (``head``/``whole``) trains."""
    if mode == "whole":
        return list(range(len(model.trainable_variables)))
    head_ids = {id(variable) for variable in head_layer(model).trainable_variables}
    return [i for i, variable in enumerate(model.trainable_variables) if id(variable) in head_ids]


def evaluate_dataset(logits_fn, data, batch_size=256):
    """(correct, count, loss_sum) of ``logits_fn`` over an unbatched ``(x, y)`` dataset."""
    correct = tf.constant(0, tf.int64)
    count = tf.constant(0, tf.int64)
    loss = tf.constant(0.0, tf.float32)
    for x, y in data.batch(batch_size):
        logits = logits_fn(x, False)
        y = tf.cast(y, tf.int32)
        correct += tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), tf.int64))
        count += tf.cast(tf.shape(y)[0], tf.int64)
        loss += tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    return correct, count, loss


def _ratio(numerator, count):
    return tf.cast(numerator, tf.float32) / tf.cast(tf.maximum(count, 1), tf.float32)


def sgd_epochs(logits_fn, variables, data, config, training, anchor=None):
    """Plain SGD on ``variables`` for ``config.epochs`` passes over an unbatched dataset.

    With ``anchor`` (the starting values) each step adds Ditto's pull ``config.proximal * (v - anchor)``.
    """
    for _ in tf.range(config.epochs):
        batches = data.shuffle(4096, seed=config.seed, reshuffle_each_iteration=True).batch(config.batch_size)
        for x, y in batches:
            with tf.GradientTape() as tape:
                logits = logits_fn(x, training)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(tf.cast(y, tf.int32), logits))
            for index, (variable, gradient) in enumerate(zip(variables, tape.gradient(loss, variables))):
                if gradient is not None:
                    step = tf.convert_to_tensor(gradient)
                    if anchor is not None:
                        step += config.proximal * (variable - anchor[index])
                    variable.assign_sub(config.learning_rate * step)


def holdout_split(train_data, config):
    """``(total, num_holdout, holdout, finetune)``: the first ``config.holdout_fraction`` of the client's
    (pre-shuffled) training data decides, the rest is fitted on (graph-safe)."""
    total = train_data.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1)
    num_holdout = tf.cast(tf.floor(tf.cast(total, tf.float64) * config.holdout_fraction), tf.int64)
    return total, num_holdout, train_data.take(num_holdout), train_data.skip(num_holdout)


def finetune_and_select(logits_fn, variables, train_data, test_data, config):
    """Fine-tune ``variables`` on a client's data, keep or revert them, and measure before/after.

    Must run inside a ``tf.function``. ``train_data``'s first ``holdout_fraction`` decides whether
    to keep the fine-tuned weights (see ``PersonalizationConfig``); on revert the variables get
    their starting values back.

    Args:
        logits_fn: ``(x, training) -> logits`` of the model that owns ``variables``.
        variables: the variables to train (the head's, or all).
        train_data: unbatched ``(x, y)`` local training data.
        test_data: unbatched ``(x, y)`` local test data (only measured).
        config: a ``PersonalizationConfig``.

    Returns:
        A dict of scalar tensors: ``test_accuracy_before/after/final``, ``holdout_accuracy_before/
        after``, ``adopted`` (1 or 0), ``num_finetune``, ``num_holdout``, ``num_test``.

    Example:
        >>> @tf.function
        ... def run():
        ...     return finetune_and_select(lambda x, t: model(x, training=t), model.layers[-1].trainable_variables,
        ...                                train, test, PersonalizationConfig())
    """
    total, num_holdout, holdout, finetune = holdout_split(train_data, config)
    starting = [tf.identity(variable) for variable in variables]
    hold_correct_0, hold_count, _ = evaluate_dataset(logits_fn, holdout)
    test_correct_0, test_count, _ = evaluate_dataset(logits_fn, test_data)
    sgd_epochs(logits_fn, variables, finetune, config, training=config.trained_part == "whole",
               anchor=starting if config.method == "ditto" else None)
    hold_correct_1, _, _ = evaluate_dataset(logits_fn, holdout)
    test_correct_1, _, _ = evaluate_dataset(logits_fn, test_data)
    if config.select:
        adopted = hold_correct_1 - hold_correct_0 >= config.min_holdout_gain
    else:
        adopted = tf.constant(True)
    if not adopted:
        for variable, value in zip(variables, starting):
            variable.assign(value)
    test_final = tf.where(adopted, test_correct_1, test_correct_0)
    return {"test_accuracy_before": _ratio(test_correct_0, test_count),
            "test_accuracy_after": _ratio(test_correct_1, test_count),
            "test_accuracy_final": _ratio(test_final, test_count),
            "holdout_accuracy_before": _ratio(hold_correct_0, hold_count),
            "holdout_accuracy_after": _ratio(hold_correct_1, hold_count),
            "adopted": tf.cast(adopted, tf.int32), "weight": tf.cast(adopted, tf.float32),
            "num_finetune": total - num_holdout, "num_holdout": hold_count, "num_test": test_count}


def predict_dataset(logits_fn, data, num_classes, batch_size=256):
    """``(logits, labels)`` of ``logits_fn`` over an unbatched ``(x, y)`` dataset, concatenated (graph-safe)."""
    logits = tf.zeros([0, num_classes], tf.float32)
    labels = tf.zeros([0], tf.int32)
    for x, y in data.batch(batch_size):
        tf.autograph.experimental.set_loop_options(shape_invariants=[
            (logits, tf.TensorShape([None, num_classes])), (labels, tf.TensorShape([None]))])
        logits = tf.concat([logits, tf.cast(logits_fn(x, False), tf.float32)], 0)
        labels = tf.concat([labels, tf.cast(y, tf.int32)], 0)
    return logits, labels


def _hits(logits, labels):
    return tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels), tf.int64))


def _count(labels):
    return tf.cast(tf.shape(labels)[0], tf.int64)


def personalize_client(logits_fn, variables, bias, train_data, test_data, config, global_prior=None):
    """One client's personalization by ``config.method``, measured before and after on its test data.

    Must run inside a ``tf.function``. ``prior`` adds the client's offset (``prior_offset``) to ``bias``
    when adopted; ``finetune``/``ditto`` are ``finetune_and_select``; ``interpolate`` fine-tunes
    ``variables`` (the head), picks the local model's share of the mixed probabilities on the held-out
    part, and puts the head back (the mixture needs both models).

    Args:
        logits_fn: ``(x, training) -> logits`` of the model owning ``variables`` and ``bias``.
        variables: what fine-tuning trains.
        bias: the head's bias variable (``prior`` writes its offset there).
        train_data, test_data: unbatched ``(x, y)`` datasets of the client.
        config: a ``PersonalizationConfig``.
        global_prior: ``[classes]`` global training prior, for ``prior``.

    Returns:
        The dict of ``finetune_and_select`` plus ``weight`` (the prior's or mixture's weight; 1/0 for
        adopting fine-tuned weights). ``holdout_*`` are leave-one-out hits over the training data for ``prior``.
    """
    if config.method == "prior":
        if global_prior is None:
            raise ValueError("the prior method needs the global model's training prior (global_prior=label_prior(...))")
        return _personal_prior(logits_fn, bias, train_data, test_data, config, global_prior)
    if config.method == "interpolate":
        return _interpolate(logits_fn, variables, train_data, test_data, config, bias.shape[0])
    return finetune_and_select(logits_fn, variables, train_data, test_data, config)


def _personal_prior(logits_fn, bias, train_data, test_data, config, global_prior):
    classes = bias.shape[0]
    train_logits, train_labels = predict_dataset(logits_fn, train_data, classes)
    test_logits, test_labels = predict_dataset(logits_fn, test_data, classes)
    chosen = prior_offset(train_logits, train_labels, global_prior, **config.prior_options())
    bias.assign_add(chosen["offset"])
    count, test_count = _count(train_labels), _count(test_labels)
    would_be = test_logits + chosen["best_weight"] * chosen["shift"]
    return {"test_accuracy_before": _ratio(_hits(test_logits, test_labels), test_count),
            "test_accuracy_after": _ratio(_hits(would_be, test_labels), test_count),
            "test_accuracy_final": _ratio(_hits(test_logits + chosen["offset"], test_labels), test_count),
            "holdout_accuracy_before": _ratio(chosen["loo_correct_global"], count),
            "holdout_accuracy_after": _ratio(chosen["loo_correct_best"], count),
            "adopted": chosen["adopted"], "weight": chosen["weight"], "num_finetune": tf.constant(0, tf.int64),
            "num_holdout": count, "num_test": test_count}


def _interpolate(logits_fn, variables, train_data, test_data, config, classes):
    total, num_holdout, holdout, finetune = holdout_split(train_data, config)
    starting = [tf.identity(variable) for variable in variables]
    hold_global, hold_labels = predict_dataset(logits_fn, holdout, classes)
    test_global, test_labels = predict_dataset(logits_fn, test_data, classes)
    sgd_epochs(logits_fn, variables, finetune, config, training=False)
    hold_local, _ = predict_dataset(logits_fn, holdout, classes)
    test_local, _ = predict_dataset(logits_fn, test_data, classes)
    for variable, value in zip(variables, starting):
        variable.assign(value)
    grid = tf.constant(config.mix_weights, tf.float32)

    def mixed(global_logits, local_logits):
        return ((1.0 - grid[:, None, None]) * tf.nn.softmax(global_logits)[None]
                + grid[:, None, None] * tf.nn.softmax(local_logits)[None])

    hold_hits = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(mixed(hold_global, hold_local), -1, output_type=tf.int32),
                                               hold_labels[None]), tf.int64), axis=1)
    best = tf.argmax(hold_hits, output_type=tf.int32)
    adopted = hold_hits[best] >= hold_hits[0] + config.min_holdout_gain
    test_mix = mixed(test_global, test_local)
    test_hits = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(test_mix, -1, output_type=tf.int32), test_labels[None]),
                                      tf.int64), axis=1)
    hold_count, test_count = _count(hold_labels), _count(test_labels)
    return {"test_accuracy_before": _ratio(test_hits[0], test_count),
            "test_accuracy_after": _ratio(test_hits[best], test_count),
            "test_accuracy_final": _ratio(tf.where(adopted, test_hits[best], test_hits[0]), test_count),
            "holdout_accuracy_before": _ratio(hold_hits[0], hold_count),
            "holdout_accuracy_after": _ratio(hold_hits[best], hold_count),
            "adopted": tf.cast(adopted, tf.int32), "weight": tf.where(adopted, grid[best], 0.0),
            "num_finetune": total - num_holdout, "num_holdout": hold_count, "num_test": test_count}


def client_datasets(client, encode):
    """Unbatched ``(ids, label)`` datasets ``(train, test)`` of one client (empty parts allowed)."""
    return tuple(_dataset(*client.encoded(encode, part), encode) for part in ("train", "test"))


def _dataset(ids, labels, encode):
    if ids is None:
        probe = np.asarray(encode(["x"]))
        ids = np.zeros((0, *probe.shape[1:]), probe.dtype)
    return tf.data.Dataset.from_tensor_slices((ids, np.asarray(labels, np.int32)))


def personalize_keras(model, client, config, global_prior=None, encode=None):
    """A personalized copy of ``model`` for one client, and the policy's before/after numbers.

    Args:
        model: a ``TextClassifier`` (its functional form is copied) or a functional Keras model.
        client: a ``Client``.
        config: a ``PersonalizationConfig``.
        global_prior: the global training prior (``label_prior``); needed by ``prior``.
        encode: texts -> model input; defaults to ``model.encoder.encode``.

    Returns:
        ``(personal_model, result)``: a functional Keras model with the client's weights (for ``prior``,
        the offset added to the head's bias; for ``interpolate``, the global model when the client keeps
        it, else the fine-tuned one), and the dict of ``personalize_client`` as Python numbers.

    Example:
        >>> personal, result = personalize_keras(student, clients[3], PersonalizationConfig())
    """
    encode = encode or model.encoder.encode
    functional = model.functional() if hasattr(model, "functional") else model
    personal = keras.models.clone_model(functional)
    personal.set_weights(functional.get_weights())
    indices = trained_variable_indices(personal, config.trained_part)
    variables = [personal.trainable_variables[i] for i in indices]
    bias = head_layer(personal).bias
    train, test = client_datasets(client, encode)

    @tf.function
    def run():
        return personalize_client(lambda x, training: personal(x, training=training), variables, bias, train, test,
                                  config, global_prior)

    return personal, {key: value.numpy().item() for key, value in run().items()}


def finetune_head_keras(model, ids, labels, learning_rate, epochs, batch_size, seed=0):
    """Reference Keras head fine-tuning: ``keras.optimizers.SGD`` steps on the last layer, same batches as the device.

    Uses ``tfcompress.federated.tflite_trainer.batch_order`` so a ``TFLiteTrainer.fit`` with the
    same arguments sees the same mini-batches. Returns a fine-tuned copy; ``model`` is unchanged.

    Example:
        >>> tuned = finetune_head_keras(student, ids, labels, learning_rate=0.1, epochs=5, batch_size=16)
    """
    from tfcompress.federated.tflite_trainer import batch_order

    functional = model.functional() if hasattr(model, "functional") else model
    tuned = keras.models.clone_model(functional)
    tuned.set_weights(functional.get_weights())
    variables = head_layer(tuned).trainable_variables
    optimizer = keras.optimizers.SGD(learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for order in batch_order(len(labels), epochs, batch_size, seed):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels[order], tuned(ids[order], training=False))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return tuned
