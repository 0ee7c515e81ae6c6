"""Where the distill stage runs: one process, or several workers under ``MultiWorkerMirroredStrategy``."""
import contextlib
import dataclasses
import json
import os

from tfcompress.catalog import STRATEGIES
from tfcompress.errors import ClusterConfigError


@dataclasses.dataclass(frozen=True)
class Workers:
    """The processes that distil together: this one is worker ``index`` of ``count``.

    With ``multi_worker`` every worker runs the same ``tfcompress run`` (each with its own ``TF_CONFIG`` and
    its own ``--out``); the distill stage's variables are mirrored and each step's gradients are summed over
    the workers, while each worker reads, and has the teacher label, only its shard of the transfer set.

    Args:
        strategy: the ``tf.distribute`` strategy, ``None`` for one process.
        index: this worker's task index in ``TF_CONFIG`` (0 is the chief).
        count: the number of workers.

    Example:
        >>> workers = make_workers("one_device")
        >>> workers.count, workers.index
        (1, 0)
    """

    strategy: object = None
    index: int = 0
    count: int = 1

    def scope(self):
        """The strategy's scope (variables made inside are mirrored), or nothing for one process."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def shard(self, split):
        """This worker's rows of ``split``: rows ``index, index + count, ...``, every shard ``len // count`` long,
        so that all workers run the same number of steps."""
        if self.count == 1:
            return split
        size = len(split) // self.count
        if size < 1:
            raise ClusterConfigError(f"{len(split)} training texts cannot be shared among {self.count} workers")
        rows = range(self.index, self.index + size * self.count, self.count)
        users = None if split.users is None else [split.users[row] for row in rows]
        return type(split)([split.texts[row] for row in rows], split.labels[list(rows)], users)

    def local_batch_size(self, batch_size):
        """Each worker's batch: the global ``batch_size`` over the workers (one step sees the same number of
        examples as on one process)."""
        return max(1, batch_size // self.count)

    def as_local(self, dataset):
        """``dataset`` read whole by this worker (it is already this worker's part, or the same on every worker):
        tf.data's automatic sharding off."""
        if self.strategy is None:
            return dataset
        from tfcompress.backend import tf

        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return dataset.with_options(options)

    def describe(self):
        return {"strategy": "multi_worker" if self.strategy is not None else "one_device",
                "workers": self.count, "index": self.index}


def make_workers(name):
    """``Workers`` for a strategy name in ``STRATEGIES``; ``multi_worker`` reads ``TF_CONFIG`` and must be made
    before TensorFlow runs any op."""
    if name == "one_device":
        return Workers()
    if name != "multi_worker":
        raise ClusterConfigError(f"unknown strategy {name!r}; use one of {', '.join(STRATEGIES)}")
    index, count = _task_of(os.environ.get("TF_CONFIG"))
    from tfcompress.backend import tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    return Workers(strategy, index, count)


def _task_of(tf_config):
    """(index, count) of this worker in a ``TF_CONFIG`` string."""
    if not tf_config:
        raise ClusterConfigError("--strategy multi_worker needs TF_CONFIG: set it on each worker to "
                             '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
                             '"index": I} (docs/scale_out.md)')
    try:
        config = json.loads(tf_config)
    except ValueError as error:
        raise ClusterConfigError(f"TF_CONFIG is not valid JSON ({error})") from None
    workers = config.get("cluster", {}).get("worker") if isinstance(config, dict) else None
    task = config.get("task", {}) if isinstance(config, dict) else {}
    if not isinstance(workers, list) or not workers:
        raise ClusterConfigError("TF_CONFIG has no cluster.worker list of host:port addresses")
    if task.get("type") != "worker" or not isinstance(task.get("index"), int) or \
            not 0 <= task["index"] < len(workers):
        raise ClusterConfigError(f"TF_CONFIG's task must be {{\"type\": \"worker\", \"index\": 0..{len(workers) - 1}}}, "
                             f"got {task!r}")
    return task["index"], len(workers)


__all__ = ["STRATEGIES", "Workers", "make_workers"]
