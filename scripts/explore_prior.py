"""Adoption rules for the personal class prior, compared on a run's held-out users over seeded client draws.

Usage:
    .venv/bin/python scripts/explore_prior.py RUN [--setting natural|dirichlet] [--draws 3] [--clients 50]
        [--partitions 5] [--first-partition 0]
        [--rules JSON] [--results benchmarks/results/explore/prior_rules.jsonl]

RUN is a ``tfcompress run`` folder trained with held-out users (``--held-out-users N``). Its student's logits on the
held-out users' texts are computed once; each draw takes ``--clients`` of those users (seeded), and each
partition seed cuts every client's texts into a private train part and a 35% test part, as the run does. A rule
(``tfcompress.federated.prior_offset``'s strength, weight grid, minimum leave-one-out gain, most leave-one-out
losses and optional ``min_evidence`` in nats; ``fitted``: the strength of a Beta prior fitted by moments to the draw's train parts) decides from the train
part alone; its gain is measured on the test part against the global model.

Per rule, pooled over draws and partitions and for each of them: mean, median and worst gain (points), clients made
worse (share), the most test examples a client lost (net), and the share adopted. One JSON line per rule.
"""
import argparse
import itertools
import json
import os

import numpy as np

from tfcompress import datasets
from tfcompress.atomic import append_json_line_atomic
from tfcompress.federated import label_prior, make_clients, prior_offset
from tfcompress.models import load_model
from tfcompress.pipeline import RunFolder

TEST_FRACTION = 0.35


def held_out_split(folder):
    """The run's data and held-out users' split."""
    return RunFolder(folder).load_data()


def decide(logits, labels, global_prior, rule):
    """``(offset, adopted)`` of a client under ``rule``: the package's ``prior_offset``."""
    chosen = prior_offset(logits, labels, global_prior, rule["strength"], rule["weights"], rule["min_gain"],
                          rule["max_losses"], rule.get("min_evidence", 0.0))
    return chosen["offset"].numpy(), bool(chosen["adopted"].numpy())


def fitted_strength(clients, num_classes):
    """Pseudo-counts of a Beta (Dirichlet) prior fitted by moments to the clients' train-part label rates."""
    rates, sizes = [], []
    for client in clients:
        labels = np.asarray(client.train_labels)
        rates.append(np.bincount(labels, minlength=num_classes)[1] / len(labels))
        sizes.append(len(labels))
    rates, sizes = np.asarray(rates), np.asarray(sizes)
    mean = rates.mean()
    noise = np.mean(mean * (1 - mean) / sizes)
    between = max(rates.var() - noise, 1e-6)
    return float(max(mean * (1 - mean) / between - 1.0, 0.1))


def evaluate(rule, draws, global_prior, num_classes):
    """Pooled figures of ``rule`` over ``draws`` (``[(draw, partition, clients)]``), and per draw and partition."""
    per_draw, pooled = [], {"gains": [], "lost": [], "adopted": []}
    for draw, partition, clients, logits_of in draws:
        strength = fitted_strength(clients, num_classes) if rule["strength"] == "fitted" else rule["strength"]
        outcome = {"gains": [], "lost": [], "adopted": []}
        for client in clients:
            train_logits, test_logits = logits_of(client.train_texts), logits_of(client.test_texts)
            offset, took = decide(train_logits, np.asarray(client.train_labels), global_prior,
                                  {**rule, "strength": strength})
            test_labels = np.asarray(client.test_labels)
            before = np.argmax(test_logits, 1) == test_labels
            after = np.argmax(test_logits + offset, 1) == test_labels
            outcome["gains"].append(100.0 * (after.mean() - before.mean()))
            outcome["lost"].append(int(np.sum(before & ~after)) - int(np.sum(after & ~before)))
            outcome["adopted"].append(took)
        per_draw.append({"draw": draw, "partition": partition, **summary(outcome)})
        for key in pooled:
            pooled[key] += outcome[key]
    return {**summary(pooled), "per_draw": per_draw}


def summary(outcome):
    gains, lost = np.asarray(outcome["gains"]), np.asarray(outcome["lost"])
    return {"mean_gain": round(float(gains.mean()), 3), "median_gain": round(float(np.median(gains)), 3),
            "worst_gain": round(float(gains.min()), 3), "worse_share": round(float(np.mean(gains < 0)), 4),
            "clients": len(gains), "most_examples_lost": int(lost.max()),
            "adopted_share": round(float(np.mean(outcome["adopted"])), 4)}


def draw_clients(pool, args, draw, seed):
    """One draw's clients: ``--clients`` seeded users of the held-out pool (natural), or the test split cut into
    ``--clients`` clients by a Dirichlet(0.3) label skew (dirichlet); ``seed`` cuts each into train and test parts."""
    if args.setting == "dirichlet":
        return make_clients([pool], num_clients=args.clients, alpha=0.3, by_user=False, test_fraction=TEST_FRACTION,
                            seed=1000 * draw + seed)
    users = sorted(set(pool.users))
    chosen = set(np.random.default_rng(draw).choice(users, size=min(args.clients, len(users)), replace=False))
    rows = [i for i, user in enumerate(pool.users) if user in chosen]
    split = datasets.Split([pool.texts[i] for i in rows], pool.labels[rows], [pool.users[i] for i in rows])
    return make_clients([split], by_user=True, test_fraction=TEST_FRACTION, seed=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=5)
    parser.add_argument("--first-partition", type=int, default=0,
                        help="the first partition seed: choose a rule on partitions other than those it is judged on")
    parser.add_argument("--setting", choices=("natural", "dirichlet"), default="natural",
                        help="natural: the held-out users; dirichlet: the test split cut by a Dirichlet(0.3) label skew")
    parser.add_argument("--rules", type=json.loads, help="a JSON list of rules to compare instead of the grid")
    parser.add_argument("--results", default=os.path.join("benchmarks", "results", "explore", "prior_rules.jsonl"))
    args = parser.parse_args()
    data, held_out = held_out_split(args.run)
    student = load_model(RunFolder(args.run).student_path)
    pool = held_out if args.setting == "natural" else data.test
    texts = list(pool.texts)
    logits = student.predict_texts(texts)
    index = {text: row for row, text in enumerate(texts)}

    def logits_of(client_texts):
        return logits[[index[text] for text in client_texts]]

    global_prior = label_prior(data.train.labels, data.num_classes).astype(np.float64)
    draws = []
    for draw, partition in itertools.product(range(args.draws), range(args.partitions)):
        seed = args.first_partition + partition
        draws.append((draw, seed, draw_clients(pool, args, draw, seed), logits_of))
    grid = args.rules or [{"strength": strength, "weights": weights, "min_gain": gain, "max_losses": losses}
                          for strength in (2.5, 5.0, 10.0, "fitted")
                          for weights in ((0.0, 0.5, 1.0), (0.0, 0.25, 0.5), (0.0, 0.5))
                          for gain in (2, 3, 4)
                          for losses in (0, 1, None)]
    for rule in grid:
        row = {"run": args.run, "setting": args.setting, "draws": args.draws, "partitions": args.partitions,
               "first_partition": args.first_partition, "rule": rule,
               **evaluate(rule, draws, global_prior, data.num_classes)}
        append_json_line_atomic(row, args.results)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
