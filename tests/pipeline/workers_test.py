"""`tfcompress run --strategy multi_worker`: two local workers distil like one process, each on its shard."""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import STACK_FLAGS
from tfcompress.datasets import Split
from tfcompress.errors import ClusterConfigError
from tfcompress.pipeline.run_folder import RunFolder
from tfcompress.pipeline.workers import Workers, _task_of, make_workers

RUN = [sys.executable, "-m", "tfcompress", "run", "--preset", "quick", "--max-train-examples", "1500",
       "--teacher-epochs", "2", "--student-epochs", "2", "--robustness-examples", "0", "--explanation-examples", "0",
       "--skip", "qat", "--skip", "tflite", "--skip", "personalization", "--no-adversarial-texts", "--no-worst-case",
       *STACK_FLAGS]


def test_each_worker_reads_an_equal_disjoint_shard():
    split = Split([f"text {i}" for i in range(11)], np.arange(11) % 2, [f"u{i}" for i in range(11)])
    shards = [Workers(object(), index, 3).shard(split) for index in range(3)]
    assert [len(shard) for shard in shards] == [3, 3, 3]
    assert set(shards[0].texts) | set(shards[1].texts) | set(shards[2].texts) <= set(split.texts)
    assert not set(shards[0].texts) & set(shards[1].texts)
    assert shards[1].texts[0] == "text 1" and shards[1].users[0] == "u1" and shards[1].labels[0] == 1
    assert Workers().shard(split) is split and Workers(object(), 0, 4).local_batch_size(64) == 16
    with pytest.raises(ClusterConfigError, match="2 training texts cannot be shared among 3 workers"):
        Workers(object(), 0, 3).shard(split.take(2))


def test_a_bad_tf_config_is_one_clear_error():
    with pytest.raises(ClusterConfigError, match="needs TF_CONFIG"):
        _task_of(None)
    with pytest.raises(ClusterConfigError, match="not valid JSON"):
        _task_of("{cluster")
    with pytest.raises(ClusterConfigError, match="no cluster.worker list"):
        _task_of(json.dumps({"task": {"type": "worker", "index": 0}}))
    with pytest.raises(ClusterConfigError, match=r"index\": 0..1"):
        _task_of(json.dumps({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}))
    assert _task_of(json.dumps({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}})) == \
        (1, 2)
    assert make_workers("one_device") == Workers()
    with pytest.raises(ClusterConfigError, match="unknown strategy 'tpu'"):
        make_workers("tpu")


def test_the_cli_refuses_multi_worker_without_tf_config(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    result = subprocess.run([*RUN, "--strategy", "multi_worker", "--out", str(tmp_path / "out")], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "needs TF_CONFIG" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "out").exists()


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _metrics(folder):
    with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.slow
def test_two_local_workers_distil_like_one_process(tmp_path):
    single = subprocess.run([*RUN, "--out", str(tmp_path / "single")], capture_output=True, text=True, timeout=900)
    assert single.returncode == 0, single.stderr[-3000:]
    # The workers start from the one-process run's teacher (what a changed strategy keeps), so the comparison is
    # of the distillation alone.
    for index in range(2):
        RunFolder(str(tmp_path / f"worker{index}")).take_teacher_from(str(tmp_path / "single"))
    cluster = [f"localhost:{port}" for port in _free_ports(2)]
    workers = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": {"worker": cluster},
                                                      "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen([*RUN, "--strategy", "multi_worker", "--out", str(tmp_path / f"worker{index}")],
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    logs = [worker.communicate(timeout=900)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), logs[0][-3000:] + logs[1][-3000:]

    chief, other, alone = (_metrics(tmp_path / name) for name in ("worker0", "worker1", "single"))
    shares = [metrics["distill"]["workers"] for metrics in (chief, other)]
    assert [share["index"] for share in shares] == [0, 1] and all(share["workers"] == 2 for share in shares)
    # Each worker read, and had its teacher label, half of the training texts.
    assert all(share["train_texts"] == alone["dataset"]["splits"]["train"] // 2 for share in shares), shares
    # The workers' students are one mirrored model: the same predictions on every test text.
    assert chief["student"]["test_accuracy"] == other["student"]["test_accuracy"]
    assert chief["distill"]["final"]["loss"] == pytest.approx(other["distill"]["final"]["loss"], rel=1e-4)
    # The same training as on one process, up to the order the shards give the examples in.
    accuracies = (chief["student"]["test_accuracy"], alone["student"]["test_accuracy"])
    assert abs(accuracies[0] - accuracies[1]) <= 0.05, accuracies
    assert chief["run"]["strategy"] == "multi_worker" and chief["fingerprint"] == alone["fingerprint"]
    assert chief["stages"]["teacher"]["status"] == "reused" and chief["teacher"] == alone["teacher"]
    print("two workers / one process test accuracy", accuracies, "teacher", chief["teacher"]["test_accuracy"],
          alone["teacher"]["test_accuracy"])
