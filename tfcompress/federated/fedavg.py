"""TFF federated averaging rounds over clients, with sampling, dropouts and optional DP."""
import time

import numpy as np

from tfcompress.backend import tf
from tfcompress.federated.dp import dp_aggregator, dp_epsilon
from tfcompress.federated.runtime import TFFRuntime
from tfcompress.federated.stack import require_tff
from tfcompress.federated.tff_model import functional_of, model_weights_of, restore_keras_v2_classes, tff_model_fn

OPTIMIZERS = ("sgd", "adam")


def build_optimizer(name, learning_rate, momentum=0.0):
    """A ``tff.learning.optimizers`` optimizer by name (``sgd`` with optional momentum, ``adam``)."""
    tff = require_tff()
    if name == "sgd":
        return tff.learning.optimizers.build_sgdm(learning_rate, momentum=momentum or None)
    if name == "adam":
        return tff.learning.optimizers.build_adam(learning_rate)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


def run_federated(model, clients, rounds=10, clients_per_round=None, dropout_rate=0.0, local_epochs=1,
                  batch_size=32, client_optimizer="adam", client_learning_rate=2e-3, server_optimizer="sgd",
                  server_learning_rate=1.0, noise_multiplier=None, clip_norm=None, delta=None, seed=0,
                  encode=None, clone_fn=None, evaluate_every=1, progress=None):
    """Train ``model`` with TFF federated averaging on the clients' local training data.

    Each round samples ``clients_per_round`` clients with data (seeded), drops each sampled client
    with probability ``dropout_rate`` (its update never arrives; a round where everyone drops is
    recorded and skipped), runs ``local_epochs`` of client training and averages the updates
    (weighted by examples; unweighted with DP). The final global weights are written back into
    ``model`` (for a ``TextClassifier``, through its functional form, which shares its layers).
    Clients with no training data take no part. The TFF worker process is stopped on return.

    A QAT model trains here, but TFF does not update its quantizer ranges: recalibrate them (e.g. a
    few batches in training mode over representative data) before converting to TFLite.

    Args:
        model: a ``TextClassifier`` or functional Keras model; its current weights start round 1.
        clients: ``Client`` objects (``make_clients``).
        rounds: federated rounds.
        clients_per_round: clients sampled per round (``None``: all clients with data).
        dropout_rate: probability that a sampled client drops out of a round.
        local_epochs: passes over a client's data per round.
        batch_size: client batch size.
        client_optimizer, client_learning_rate: ``sgd`` or ``adam`` on the clients.
        server_optimizer, server_learning_rate: ``sgd`` or ``adam`` applied to the averaged update.
        noise_multiplier: enables client-level DP (``dp_aggregator``) when set.
        clip_norm: DP clip of a client update (``None``: adaptive clipping).
        delta: DP delta for the reported epsilon (default 1 / (10 x clients with data)).
        seed: client sampling, dropouts and client shuffling.
        encode: texts -> model input (defaults to ``model.encoder.encode``).
        clone_fn: builds a fresh Keras model of the same architecture (see ``tff_model_fn``).
        evaluate_every: evaluate the global model on the pooled local test data every this many
            rounds (0: only at the end); evaluation time is not counted in round time.
        progress: optional callable receiving each round's record (a dict) as it finishes.

    Returns:
        A JSON-ready dict: ``rounds`` (per-round records), ``global_test_accuracy``,
        ``seconds_per_round`` (mean of the rounds that ran), ``build_seconds``, ``total_seconds``,
        ``clients`` (counts), ``config`` and ``dp`` (``None`` or noise, clip, epsilon, delta).

    Example:
        >>> clients = make_clients([data.train], num_clients=50, alpha=0.3)
        >>> report = run_federated(student, clients, rounds=10, progress=print)
        >>> report["global_test_accuracy"]
    """
    tff = require_tff()
    start = time.perf_counter()
    functional = functional_of(model)
    encode = encode or model.encoder.encode
    active = [client for client in clients if client.num_train > 0]
    if not active:
        raise ValueError("no client has training data")
    per_round = len(active) if clients_per_round is None else max(1, min(int(clients_per_round), len(active)))
    datasets = [_train_dataset(client, encode, local_epochs, batch_size, seed + index)
                for index, client in enumerate(active)]
    evaluation = _pooled_test(clients, encode)
    use_dp = noise_multiplier is not None
    process = _build_process(tff, functional, clone_fn, client_optimizer, client_learning_rate, server_optimizer,
                             server_learning_rate, noise_multiplier, clip_norm, per_round * (1 - dropout_rate))
    rng = np.random.default_rng(seed)
    records, rounds_run = [], 0
    with TFFRuntime():
        state = process.set_model_weights(process.initialize(), model_weights_of(functional))
        build_seconds = time.perf_counter() - start
        for round_number in range(1, int(rounds) + 1):
            sampled = rng.choice(len(active), per_round, replace=False)
            present = [int(i) for i in sampled if rng.random() >= dropout_rate]
            record = {"round": round_number, "sampled": len(sampled), "participants": len(present),
                      "dropped": len(sampled) - len(present)}
            if present:
                began = time.perf_counter()
                output = process.next(state, [datasets[i] for i in present])
                state, rounds_run = output.state, rounds_run + 1
                record.update(_round_metrics(output.metrics), seconds=round(time.perf_counter() - began, 3))
            else:
                record.update(skipped=True, seconds=0.0)
            if evaluate_every and round_number % evaluate_every == 0:
                process.get_model_weights(state).assign_weights_to(functional)
                record["global_test_accuracy"] = _accuracy(functional, evaluation)
            if progress is not None:
                progress(record)
            records.append(record)
        process.get_model_weights(state).assign_weights_to(functional)
    ran = [r["seconds"] for r in records if not r.get("skipped")]
    delta = delta if delta is not None else 1.0 / (10 * len(active))
    return {"algorithm": "fedavg (tff.learning.algorithms.build_%s_fed_avg)" % ("unweighted" if use_dp else "weighted"),
            "rounds": records, "rounds_run": rounds_run, "global_test_accuracy": _accuracy(functional, evaluation),
            "global_test_examples": int(len(evaluation[1])),
            "seconds_per_round": round(float(np.mean(ran)), 3) if ran else None,
            "build_seconds": round(build_seconds, 3), "total_seconds": round(time.perf_counter() - start, 3),
            "clients": {"total": len(clients), "with_train_data": len(active), "per_round": per_round},
            "config": {"local_epochs": local_epochs, "batch_size": batch_size, "client_optimizer": client_optimizer,
                       "client_learning_rate": client_learning_rate, "server_optimizer": server_optimizer,
                       "server_learning_rate": server_learning_rate, "dropout_rate": dropout_rate, "seed": seed},
            "dp": _dp_report(noise_multiplier, clip_norm, per_round / len(active), rounds_run, delta) if use_dp else None}


def _build_process(tff, functional, clone_fn, client_optimizer, client_lr, server_optimizer, server_lr,
                   noise_multiplier, clip_norm, expected_clients):
    model_fn = tff_model_fn(functional, clone_fn)
    client = build_optimizer(client_optimizer, client_lr)
    server = build_optimizer(server_optimizer, server_lr)
    try:
        if noise_multiplier is None:
            return tff.learning.algorithms.build_weighted_fed_avg(model_fn, client, server)
        aggregator = dp_aggregator(noise_multiplier, max(1.0, expected_clients), clip_norm)
        return tff.learning.algorithms.build_unweighted_fed_avg(model_fn, client, server, model_aggregator=aggregator)
    finally:
        restore_keras_v2_classes(functional)


def _train_dataset(client, encode, epochs, batch_size, seed):
    ids, labels = client.encoded(encode, "train")
    data = tf.data.Dataset.from_tensor_slices((ids, labels))
    return data.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True).repeat(epochs).batch(batch_size)


def _pooled_test(clients, encode):
    parts = [client.encoded(encode, "test") for client in clients if client.num_test]
    if not parts:
        return None, np.zeros(0, np.int32)
    return np.concatenate([ids for ids, _ in parts]), np.concatenate([labels for _, labels in parts])


def _accuracy(functional, evaluation):
    ids, labels = evaluation
    if ids is None:
        return None
    # Direct calls: TFF built its model copies inside a tf.compat.v1 Graph, after which Keras'
    # predict() on models made outside it refuses to run.
    logits = np.concatenate([functional(ids[i:i + 512], training=False).numpy() for i in range(0, len(ids), 512)])
    return round(float(np.mean(np.argmax(logits, -1) == labels)), 4)


def _round_metrics(metrics):
    train = metrics["client_work"]["train"]
    return {"train_loss": round(float(train["loss"]), 4), "train_accuracy": round(float(train["accuracy"]), 4),
            "train_examples": int(train["num_examples"])}


def _dp_report(noise_multiplier, clip_norm, sampling_rate, rounds_run, delta):
    return {"noise_multiplier": noise_multiplier, "clip_norm": clip_norm if clip_norm is not None else "adaptive",
            "sampling_rate": round(sampling_rate, 4), "rounds": rounds_run, "delta": delta,
            "epsilon": dp_epsilon(noise_multiplier, sampling_rate, rounds_run, delta),
            "accountant": "dp_accounting RDP (tensorflow-privacy's accountant), Poisson-sampled Gaussian, "
                          "client-level"}
