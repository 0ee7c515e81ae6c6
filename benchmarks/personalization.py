"""Benchmark federated personalization of the default (cnn) student on rotten_tomatoes.

Usage: .venv/bin/python benchmarks/personalization.py [--clients 50] [--alpha 0.3] [--rounds 10]
       [--out benchmarks/results]

1. A cnn student (pipeline ``STUDENTS["cnn"]`` config) is trained centrally on the labels of the
   first ``--central`` examples of the train split by the recipe (``train_classifier``, no validation
   split: the whole budget): it stands in for the distilled student the main job ships (no teacher
   here, to keep the benchmark short). Clients never see these examples.
2. Every other example (rest of train, validation, test) is split into ``--clients`` clients by a
   seeded Dirichlet(``--alpha``) label-skew partition; each client holds out 30% as its local test set.
3. TFF FedAvg rounds (``run_federated``) on the clients' local training data from the central student.
4. TFF personalization evaluation (``personalization_eval``): head-only SGD fine-tuning with the
   keep/revert decision on 25% of each client's own training data; per-client table and gains.
5. On-device training: the global model exported as a trainable ``.tflite``; on 5 clients its
   ``train`` signature runs (TFLite interpreter) on the client's local training data, against the
   same fine-tuning in Keras (same batches, SGD), both measured on the local test set.
6. One client's personalized model exported as int8 ``.tflite``.
7. Timing: ``--timing-clients`` clients x ``--rounds`` rounds (all clients every round).
8. Optional DP run (``--dp-noise``): the rounds again with DP-FedAvg, global accuracy and epsilon.

Writes OUT/personalization.json and OUT/personalization.md.
"""
import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from common import markdown_table

from tfcompress import datasets
from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.backend import keras, versions
from tfcompress.datasets import Split
from tfcompress.evaluation import accuracy
from tfcompress.federated import (PersonalizationConfig, TFLiteTrainer, client_table, export_on_device_training,
                                  export_personalized_client, finetune_head_keras, make_clients,
                                  personalization_eval, run_federated)
from tfcompress.models import build_student
from tfcompress.pipeline import STUDENTS, train_classifier

SEED = 0
CENTRAL_LEARNING_RATE, CENTRAL_BATCH_SIZE = 2e-3, 64


def central_student(train, epochs, seed=SEED):
    """The cnn student trained by the recipe on the labels of ``train`` for ``epochs`` (Adam 2e-3, batch 64)."""
    keras.utils.set_random_seed(seed)
    student = build_student("cnn", **STUDENTS["cnn"])
    return train_classifier(student, train, epochs=epochs, learning_rate=CENTRAL_LEARNING_RATE,
                            batch_size=CENTRAL_BATCH_SIZE, seed=seed, name="central student")


def client_pool(data, central):
    rest = Split(data.train.texts[central:], data.train.labels[central:])
    return [rest, data.validation, data.test]


def on_device_gains(student, clients, config):
    """Fine-tune the head on each client's local train data in TFLite (train signature) and in Keras."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "trainable.tflite")
        export = export_on_device_training(student, path, learning_rate=config.learning_rate)
        for client in clients:
            ids, labels = client.encoded(student.encoder.encode, "train")
            test_ids, test_labels = client.encoded(student.encoder.encode, "test")
            device = TFLiteTrainer(path)
            before = accuracy(device.predict(test_ids), test_labels)
            device.fit(ids, labels, config.epochs, config.batch_size, seed=config.seed)
            tuned = finetune_head_keras(student, ids, labels, config.learning_rate, config.epochs, config.batch_size,
                                        seed=config.seed)
            after_device = accuracy(device.predict(test_ids), test_labels)
            after_keras = accuracy(tuned(test_ids, training=False).numpy(), test_labels)
            rows.append({"client": client.client_id, "train": len(labels), "test": len(test_labels),
                         "accuracy_before": round(before, 4), "accuracy_after_tflite": round(after_device, 4),
                         "accuracy_after_keras": round(after_keras, 4),
                         "gain_points_tflite": round(100 * (after_device - before), 2),
                         "gain_points_keras": round(100 * (after_keras - before), 2)})
    export.pop("path")
    gains = [row["gain_points_tflite"] for row in rows]
    return {"export": export, "clients": rows, "mean_gain_points_tflite": round(statistics.fmean(gains), 2),
            "mean_gain_points_keras": round(statistics.fmean(r["gain_points_keras"] for r in rows), 2),
            "policy": "plain fine-tuning on all local training data (no keep/revert), head only"}


def measures(report):
    """The (measure, value) lines of the summary table."""
    fed, s = report["federated"], report["personalization"]["summary"]
    rows = [("central student test accuracy (pooled client test data)",
             report["central_student"]["pooled_client_test_accuracy"]),
            (f"global accuracy after {fed['rounds_run']} FedAvg rounds", fed["global_test_accuracy"]),
            (f"wall time per round, {report['setup_counts']['clients']} clients", f"{fed['seconds_per_round']} s"),
            ("personalization mean / median / worst gain",
             f"{s['mean_gain_points']} / {s['median_gain_points']} / {s['worst_gain_points']} points"),
            ("clients improved / unchanged / worse by > 2 points",
             f"{s['clients_improved']} / {s['clients_unchanged']} / {s['clients_worse_by_more_than_2_points']}"),
            ("mean client accuracy before -> personalized",
             f"{s['mean_accuracy_before']} -> {s['mean_accuracy_personalized']}")]
    timing = report.get("timing")
    if timing:
        rows.append((f"{timing['clients']} clients x {timing['rounds']} rounds",
                     f"{timing['total_seconds']} s total ({timing['build_seconds']} s build + "
                     f"{timing['rounds_seconds']} s rounds, {timing['seconds_per_round']} s/round)"))
    device = report["on_device"]
    rows.append((f"on-device .tflite training, {len(device['clients'])} clients: mean gain TFLite / Keras",
                 f"{device['mean_gain_points_tflite']} / {device['mean_gain_points_keras']} points"))
    dp = report.get("dp")
    if dp:
        rows.append((f"DP-FedAvg (z={dp['dp']['noise_multiplier']}, clip={dp['dp']['clip_norm']}) global accuracy, "
                     "(epsilon, delta)",
                     f"{dp['global_test_accuracy']}, ({dp['dp']['epsilon']:.2f}, {dp['dp']['delta']})"))
    return rows


def markdown(report):
    """OUT/personalization.md: the summary, the per-client personalization and the on-device tables."""
    clients = [(row["client"], row["train"], row["test"], row["accuracy_before"], row["accuracy_finetuned"],
                row["accuracy_personalized"], row["gain_points"], "yes" if row["adopted"] else "no")
               for row in report["personalization"]["clients"]]
    device = [(row["client"], row["train"], row["test"], row["accuracy_before"], row["accuracy_after_tflite"],
               row["accuracy_after_keras"]) for row in report["on_device"]["clients"]]
    lines = ["# Federated personalization benchmark", "", f"Command: `{report['command']}`", "",
             f"Setup: {report['setup']}", "", markdown_table(("measure", "value"), measures(report)),
             "", "## Per-client personalization (TFF personalization eval, head only, keep/revert on held-out train)",
             "", markdown_table(("client", "train", "test", "before", "fine-tuned", "personalized", "gain (points)",
                                 "adopted"), clients),
             "", "## On-device training (.tflite `train` signature vs Keras, same batches)", "",
             markdown_table(("client", "train", "test", "before", "after TFLite", "after Keras"), device)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--alpha", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--central", type=int, default=4000, help="train examples for the central student")
    parser.add_argument("--central-epochs", type=int, default=4)
    parser.add_argument("--client-lr", type=float, default=1e-3)
    parser.add_argument("--timing-clients", type=int, default=100, help="0 skips the timing run")
    parser.add_argument("--dp-noise", type=float, default=0.0, help="noise multiplier of a DP run (0: none)")
    parser.add_argument("--dp-clip", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=SEED, help="client partition seed")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    started = time.perf_counter()
    data = datasets.load("rotten_tomatoes", seed=SEED)
    # Chosen on the clients of partition seed 1 (--seed 1), reported on seed 0: 5 epochs of SGD 0.1 with
    # keep-if-2-more-held-out-examples-right; a 1-example margin let two balanced clients lose 4-8 points.
    config = PersonalizationConfig(mode="head", epochs=5, learning_rate=0.1, batch_size=16, holdout_fraction=0.25,
                                   min_holdout_gain=2)
    student = central_student(Split(data.train.texts[:args.central], data.train.labels[:args.central]),
                              args.central_epochs)
    pool = client_pool(data, args.central)
    clients = make_clients(pool, num_clients=args.clients, alpha=args.alpha, test_fraction=0.3, seed=args.seed)
    start_weights = student.get_weights()
    report = {"command": "python benchmarks/personalization.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out"),
        "setup": (f"cnn student {STUDENTS['cnn']} trained centrally on {args.central} train examples "
                  f"({args.central_epochs} epochs, Adam 2e-3); {sum(len(s) for s in pool)} other examples split into "
                  f"{args.clients} clients, Dirichlet alpha {args.alpha}, 30% local test; FedAvg: 1 local epoch, "
                  f"batch 32, client Adam {args.client_lr}, server SGD 1.0; personalization "
                  f"{config.to_dict()}"),
        "setup_counts": {"clients": args.clients, "pool_examples": sum(len(s) for s in pool)},
        "versions": versions(), "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "clients_table": client_table(clients, data.num_classes)}
    central = run_central_eval(student, clients)
    report["central_student"] = {"train_examples": args.central, "pooled_client_test_accuracy": central}
    report["federated"] = run_federated(student, clients, rounds=args.rounds, client_learning_rate=args.client_lr,
                                        progress=lambda r: print("round", r, flush=True))
    report["personalization"] = personalization_eval(student, clients, config)
    print("personalization", report["personalization"]["summary"], flush=True)
    report["on_device"] = on_device_gains(student, clients[:5], config)
    with tempfile.TemporaryDirectory() as folder:
        exported = export_personalized_client(student, clients[0], os.path.join(folder, "client.tflite"), config)
    exported.pop("path")
    report["personalized_client_export"] = exported
    if args.timing_clients:
        report["timing"] = timing_run(start_weights, pool, args)
    if args.dp_noise > 0:
        twin = build_student("cnn", **STUDENTS["cnn"])
        twin.build_for_inputs()
        twin.set_weights(start_weights)
        report["dp"] = run_federated(twin, clients, rounds=args.rounds, client_learning_rate=args.client_lr,
                                     noise_multiplier=args.dp_noise, clip_norm=args.dp_clip, evaluate_every=0)
        report["dp"].pop("rounds")
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_json_atomic(report, os.path.join(args.out, "personalization.json"), indent=1)
    write_text_atomic(markdown(report), os.path.join(args.out, "personalization.md"))
    print(markdown(report))


def run_central_eval(student, clients):
    ids = np.concatenate([c.encoded(student.encoder.encode, "test")[0] for c in clients if c.num_test])
    labels = np.concatenate([c.test_labels for c in clients if c.num_test])
    return round(accuracy(student(ids, training=False).numpy(), labels), 4)


def timing_run(start_weights, pool, args):
    clients = make_clients(pool, num_clients=args.timing_clients, alpha=args.alpha, test_fraction=0.3, seed=args.seed)
    student = build_student("cnn", **STUDENTS["cnn"])
    student.build_for_inputs()
    student.set_weights(start_weights)
    result = run_federated(student, clients, rounds=args.rounds, client_learning_rate=args.client_lr, evaluate_every=0)
    rounds_seconds = round(sum(r["seconds"] for r in result["rounds"]), 2)
    return {"clients": args.timing_clients, "rounds": args.rounds, "build_seconds": result["build_seconds"],
            "rounds_seconds": rounds_seconds, "seconds_per_round": result["seconds_per_round"],
            "total_seconds": round(result["build_seconds"] + rounds_seconds, 2),
            "global_test_accuracy": result["global_test_accuracy"],
            "note": "total = TFF build/initialize + the rounds; the final global evaluation is not included"}


if __name__ == "__main__":
    main()
