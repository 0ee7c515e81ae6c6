"""A shared body with a personal head per client (FedPer / FedRep style), trained with TFF's Federated
Reconstruction: each round a client fits its own head on its data with the body frozen, then trains the
body with its head fixed; only the body's update leaves the device and is averaged."""
import statistics
import time

import numpy as np

from tfcompress.backend import keras, tf
from tfcompress.federated.config import PersonalizationConfig
from tfcompress.federated.finetune import client_datasets, evaluate_dataset, head_layer, sgd_epochs
from tfcompress.federated.personalization import summarize
from tfcompress.federated.runtime import TFFRuntime
from tfcompress.federated.stack import require_tff
from tfcompress.federated.tff_model import functional_of, input_spec, restore_keras_v2_classes


def run_fedper(model, clients, rounds=5, batch_size=16, client_learning_rate=0.02, head_learning_rate=0.1,
               head_epochs=5, config=None, seed=0, encode=None):
    """FedPer rounds from ``model``, then each client's personal head measured against the global model.

    The rounds run ``tff.learning.algorithms.build_fed_recon`` with the head (the model's last Dense layer)
    as the local, never-aggregated part and every other layer as the global part (in the rounds a client's
    head is rebuilt from its initializer each time, as Federated Reconstruction does). Afterwards each client
    builds its personal head on the shared body: from the global model's head, ``head_epochs`` of SGD on its
    training part with the body frozen, kept only when it gets ``config.min_holdout_gain`` more of its
    held-out training texts right than the global model (``config.holdout_fraction`` held out); the client's
    test part is only measured. ``model`` is not modified.

    Args:
        model: the global ``TextClassifier`` or functional Keras model.
        clients: ``Client`` objects.
        rounds: Federated Reconstruction rounds (all clients with training data take part).
        batch_size: client batch size.
        client_learning_rate: SGD step of the body's training on the clients.
        head_learning_rate, head_epochs: the head's reconstruction (in the rounds and for the final heads).
        config: the ``PersonalizationConfig`` whose keep/revert rule applies.
        seed: shuffling.
        encode: texts -> model input (defaults to ``model.encoder.encode``).

    Returns:
        A JSON-ready dict like ``personalization_eval``'s (``clients`` rows, ``summary``) plus ``rounds``
        (train loss per round), ``seconds_per_round`` and ``bytes_sent_per_client_per_round`` (the body).

    Example:
        >>> report = run_fedper(student, clients, rounds=5)
    """
    tff = require_tff()
    config = config or PersonalizationConfig(method="finetune", mode="head")
    start = time.perf_counter()
    global_model = functional_of(model)
    encode = encode or model.encoder.encode
    body = keras.models.clone_model(global_model)
    body.set_weights(global_model.get_weights())
    active = [client for client in clients if client.num_train > 0]
    datasets = [client_datasets(client, encode)[0].shuffle(client.num_train, seed=seed + index).batch(batch_size)
                for index, client in enumerate(active)]
    spec = input_spec(global_model)
    initial_head = [v.numpy() for v in head_layer(body).trainable_variables]

    def model_fn():
        copy = keras.models.clone_model(body)
        head = head_layer(copy)
        return tff.learning.models.ReconstructionModel.from_keras_model_and_layers(
            copy, global_layers=[layer for layer in copy.layers if layer is not head and layer.weights],
            local_layers=[head], input_spec=spec)

    try:
        process = tff.learning.algorithms.build_fed_recon(
            model_fn, loss_fn=lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics_fn=lambda: [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            client_optimizer_fn=tff.learning.optimizers.build_sgdm(client_learning_rate),
            reconstruction_optimizer_fn=tff.learning.optimizers.build_sgdm(head_learning_rate),
            dataset_split_fn=tff.learning.models.ReconstructionModel.build_dataset_split_fn(
                recon_epochs=head_epochs, post_recon_epochs=1))
    finally:
        restore_keras_v2_classes(global_model)
    head = head_layer(body)
    shared = [v for layer in body.layers if layer is not head for v in layer.trainable_variables]
    records = []
    with TFFRuntime():
        state = process.initialize()
        state = process.set_model_weights(state, tff.learning.models.ModelWeights(
            trainable=[v.numpy() for v in shared],
            non_trainable=[v.numpy() for layer in body.layers if layer is not head
                           for v in layer.non_trainable_variables]))
        for round_number in range(1, int(rounds) + 1):
            began = time.perf_counter()
            output = process.next(state, datasets)
            state = output.state
            train = output.metrics["client_work"]["train"]
            records.append({"round": round_number, "train_loss": round(float(train["loss"]), 4),
                            "train_accuracy": round(float(train["accuracy"]), 4),
                            "seconds": round(time.perf_counter() - began, 3)})
        weights = process.get_model_weights(state)
    for variable, value in zip(shared, weights.trainable):
        variable.assign(value)
    rows = [_personal_head_row(global_model, body, initial_head, client, encode, head_learning_rate, head_epochs,
                               batch_size, config) for client in clients if client.num_train and client.num_test]
    return {"method": "fedper (tff.learning.algorithms.build_fed_recon: shared body, personal head)",
            "clients": rows, "summary": summarize(rows), "rounds": records,
            "seconds_per_round": round(statistics.fmean(r["seconds"] for r in records), 3) if records else None,
            "bytes_sent_per_client_per_round": int(sum(np.prod(v.shape) for v in shared) * 4),
            "seconds": round(time.perf_counter() - start, 3)}


def _personal_head_row(global_model, body, initial_head, client, encode, learning_rate, epochs, batch_size, config):
    train, test = client_datasets(client, encode)
    num_holdout = int(np.floor(client.num_train * config.holdout_fraction))
    holdout, fit_part = train.take(num_holdout), train.skip(num_holdout)
    head = head_layer(body)
    for variable, value in zip(head.trainable_variables, initial_head):
        variable.assign(value)
    step = PersonalizationConfig(method="finetune", epochs=epochs, learning_rate=learning_rate,
                                 batch_size=batch_size, seed=config.seed)
    sgd_epochs(lambda x, training: body(x, training=training), head.trainable_variables, fit_part, step, False)

    def hits(model, data):
        return int(evaluate_dataset(lambda x, training: model(x, training=training), data)[0])

    before, after = hits(global_model, test), hits(body, test)
    adopted = (not config.select) or hits(body, holdout) - hits(global_model, holdout) >= config.min_holdout_gain
    final = after if adopted else before
    count = client.num_test
    return {"client": client.client_id, "train": client.num_train, "test": count,
            "accuracy_before": round(before / count, 4), "accuracy_finetuned": round(after / count, 4),
            "accuracy_personalized": round(final / count, 4), "gain_points": round(100 * (final - before) / count, 2),
            "would_gain_points": round(100 * (after - before) / count, 2), "adopted": bool(adopted),
            "weight": float(adopted)}
