"""Personalization evaluation with TFF's ``build_personalization_eval_computation``."""
import collections
import statistics
import time

import numpy as np

from tfcompress.backend import tf
from tfcompress.federated.config import PersonalizationConfig
from tfcompress.federated.finetune import (client_datasets, head_layer, personalize_client,
                                           trained_variable_indices)
from tfcompress.federated.runtime import TFFRuntime
from tfcompress.federated.stack import require_tff
from tfcompress.federated.tff_model import functional_of, model_weights_of, restore_keras_v2_classes, tff_model_fn

WORSE_THRESHOLD_POINTS = 2.0


def personalization_eval(model, clients, config=None, global_prior=None, encode=None, clone_fn=None):
    """Each client personalizes the global model on its local data; accuracy before/after on its test data.

    Runs TFF's personalization-eval computation: the server broadcasts ``model``'s weights, every
    client runs ``personalize_client`` (``config.method``: the personal prior, fine-tuning, Ditto or
    interpolation, each with its keep/revert decision on the client's own training data) inside its own
    computation and sends back only its metrics. Clients without training or test data are listed under
    ``skipped``.

    Args:
        model: the global model (``TextClassifier`` or functional Keras model); not modified.
        clients: ``Client`` objects.
        config: a ``PersonalizationConfig`` (default: the personal prior).
        global_prior: the global model's training prior (``label_prior``), needed by ``prior``.
        encode: texts -> model input (defaults to ``model.encoder.encode``).
        clone_fn: builds a fresh Keras model of the same architecture (see ``tff_model_fn``).

    Returns:
        A JSON-ready dict: ``clients`` (one row per client: sizes, ``accuracy_before``,
        ``accuracy_finetuned``, ``accuracy_personalized`` (after the keep/revert decision),
        ``gain_points``, ``adopted``, ``weight``), ``summary`` (mean / median / worst / best gain in points,
        clients worse by more than 2 points, pooled accuracies), ``skipped``, ``config``, ``seconds``.

    Example:
        >>> report = personalization_eval(student, clients, PersonalizationConfig(mode="head"))
        >>> report["summary"]["mean_gain_points"]
    """
    tff = require_tff()
    config = config or PersonalizationConfig()
    start = time.perf_counter()
    functional = functional_of(model)
    encode = encode or model.encoder.encode
    eligible = [client for client in clients if client.num_train > 0 and client.num_test > 0]
    skipped = [{"client": client.client_id, "reason": "no training data" if not client.num_train else "no test data"}
               for client in clients if client.num_train == 0 or client.num_test == 0]
    if not eligible:
        return _report([], skipped, config, start)
    computation = personalization_computation(functional, config, global_prior, clone_fn, len(eligible))
    inputs = [collections.OrderedDict(zip(("train_data", "test_data"), client_datasets(client, encode)))
              for client in eligible]
    with TFFRuntime():
        metrics = computation(model_weights_of(functional), inputs)
    rows = _rows(metrics, eligible, encode)
    return _report(rows, skipped, config, start)


def personalization_computation(functional, config, global_prior=None, clone_fn=None, max_clients=100):
    """The TFF computation ``personalization_eval`` runs: (model weights @SERVER, client data @CLIENTS) ->
    per-client scalar metrics @SERVER. Its type signature is what a client can send (tested: numbers only).

    Example:
        >>> personalization_computation(student.functional(), PersonalizationConfig(), prior).type_signature
    """
    tff = require_tff()
    try:
        return tff.learning.algorithms.build_personalization_eval_computation(
            tff_model_fn(functional, clone_fn),
            collections.OrderedDict(finetune=_personalize_builder(functional, config, global_prior)),
            _baseline_evaluate, max_num_clients=max_clients)
    finally:
        restore_keras_v2_classes(functional)


def _personalize_builder(functional, config, global_prior):
    indices = trained_variable_indices(functional, config.trained_part)
    bias_id = id(head_layer(functional).bias)
    bias_index = [i for i, variable in enumerate(functional.trainable_variables) if id(variable) == bias_id][0]
    prior = None if global_prior is None else np.asarray(global_prior, np.float32)

    def builder():
        @tf.function
        def personalize(model, train_data, test_data):
            variables = [model.trainable_variables[i] for i in indices]
            result = personalize_client(lambda x, training: model.predict_on_batch(x, training=training),
                                        variables, model.trainable_variables[bias_index], train_data, test_data,
                                        config, prior)
            return collections.OrderedDict(sorted(result.items()))

        return personalize

    return builder


@tf.function
def _baseline_evaluate(model, test_data):
    correct = tf.constant(0, tf.int64)
    count = tf.constant(0, tf.int64)
    key = tf.constant(0.0, tf.float64)
    for x, y in test_data.batch(256):
        logits = model.predict_on_batch(x, training=False)
        hits = tf.equal(tf.argmax(logits, -1, output_type=tf.int32), tf.cast(y, tf.int32))  # not ==: TF1 graph
        correct += tf.reduce_sum(tf.cast(hits, tf.int64))
        count += tf.cast(tf.shape(y)[0], tf.int64)
        key += _data_key(x)
    return collections.OrderedDict(test_accuracy=tf.cast(correct, tf.float32) / tf.cast(tf.maximum(count, 1), tf.float32),
                                   num_test=count, client_key=key)


def _data_key(x):
    """A checksum of a client's test inputs, used only to name the client's row of results.

    TFF returns the clients' metrics as lists in an unspecified order (reservoir sampling); a real
    deployment would report its own client id instead.
    """
    flat = tf.reshape(tf.cast(x, tf.float64), [tf.shape(x)[0], -1])
    positions = tf.range(1, tf.shape(flat)[1] + 1, dtype=tf.float64)
    return tf.reduce_sum(flat * positions)


def _host_key(ids):
    flat = np.asarray(ids, np.float64).reshape(len(ids), -1)
    return float(np.sum(flat * np.arange(1, flat.shape[1] + 1, dtype=np.float64)))


def _rows(metrics, clients, encode):
    keys = np.array([_host_key(client.encoded(encode, "test")[0]) for client in clients])
    baseline, tuned = metrics["baseline_metrics"], metrics["finetune"]
    rows, used = [], set()
    for position, key in enumerate(np.asarray(baseline["client_key"], np.float64)):
        match = _match(keys, key, used)
        client = clients[match]
        before = float(baseline["test_accuracy"][position])
        final = float(tuned["test_accuracy_final"][position])
        rows.append({"client": client.client_id, "train": client.num_train, "test": client.num_test,
                     "accuracy_before": round(before, 4),
                     "accuracy_finetuned": round(float(tuned["test_accuracy_after"][position]), 4),
                     "accuracy_personalized": round(final, 4), "gain_points": round(100 * (final - before), 2),
                     "adopted": bool(tuned["adopted"][position]),
                     "weight": round(float(tuned["weight"][position]), 4),
                     "would_gain_points": round(100 * (float(tuned["test_accuracy_after"][position]) - before), 2),
                     "holdout_accuracy_before": round(float(tuned["holdout_accuracy_before"][position]), 4),
                     "holdout_accuracy_after": round(float(tuned["holdout_accuracy_after"][position]), 4)})
    order = {client.client_id: index for index, client in enumerate(clients)}
    return sorted(rows, key=lambda row: order[row["client"]])


def _match(keys, key, used):
    distance = np.abs(keys - key) / np.maximum(np.abs(keys), 1.0)
    for index in np.argsort(distance, kind="stable"):
        if int(index) not in used and distance[index] < 1e-9:
            used.add(int(index))
            return int(index)
    raise RuntimeError("a personalization result matched no client (client data changed during the run?)")


def summarize(rows):
    """Mean / median / worst / best gain (points), improved and much-worse counts, pooled accuracies.

    Example:
        >>> summarize([{"gain_points": 4.0, "test": 10, "accuracy_before": 0.5, "accuracy_personalized": 0.9}])
    """
    if not rows:
        return {"clients": 0}
    gains = [row["gain_points"] for row in rows]
    tests = np.array([row["test"] for row in rows], np.float64)
    lost = [round((row["accuracy_before"] - row["accuracy_personalized"]) * row["test"]) for row in rows]
    return {"clients": len(rows), "mean_gain_points": round(statistics.fmean(gains), 2),
            "median_gain_points": round(statistics.median(gains), 2), "worst_gain_points": round(min(gains), 2),
            "best_gain_points": round(max(gains), 2), "clients_improved": sum(g > 0 for g in gains),
            "clients_unchanged": sum(g == 0 for g in gains),
            "clients_worse_by_more_than_2_points": sum(g < -WORSE_THRESHOLD_POINTS for g in gains),
            "clients_worse": sum(g < 0 for g in gains), "share_worse": round(sum(g < 0 for g in gains) / len(rows), 4),
            "clients_worse_by_more_than_1_point": sum(g < -1.0 for g in gains),
            "most_test_examples_lost": int(max(lost)),
            "adopted": sum(bool(row.get("adopted")) for row in rows),
            **decision_errors(rows),
            "mean_accuracy_before": round(statistics.fmean(row["accuracy_before"] for row in rows), 4),
            "mean_accuracy_personalized": round(statistics.fmean(row["accuracy_personalized"] for row in rows), 4),
            "pooled_accuracy_before": round(float(np.dot(tests, [r["accuracy_before"] for r in rows]) / tests.sum()), 4),
            "pooled_accuracy_personalized": round(
                float(np.dot(tests, [r["accuracy_personalized"] for r in rows]) / tests.sum()), 4)}


def decision_errors(rows):
    """How often a client's own-data decision was wrong in hindsight (on its test part).

    Wrong: adopted and the test part got worse, or declined where the chosen personalization would have
    helped. Needs the rows' ``would_gain_points`` (the gain had the client adopted its choice).
    """
    judged = [row for row in rows if "would_gain_points" in row]
    if not judged:
        return {}
    harmful = sum(bool(row["adopted"]) and row["gain_points"] < 0 for row in judged)
    missed = sum(not row["adopted"] and row["would_gain_points"] > 0 for row in judged)
    return {"decisions": {"adopted_and_worse": harmful, "declined_but_would_gain": missed,
                          "error_rate": round((harmful + missed) / len(judged), 4)}}


def _report(rows, skipped, config, start):
    return {"method": "tff.learning.algorithms.build_personalization_eval_computation",
            "config": config.to_dict(), "clients": rows, "summary": summarize(rows), "skipped": skipped,
            "seconds": round(time.perf_counter() - start, 3)}
