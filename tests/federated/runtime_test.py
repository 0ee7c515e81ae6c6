"""TFF's worker process is ours to start and stop; nothing outlives the run or holds a pipe."""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import requires_full_stack


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split()[2] != "Z"


pytestmark = requires_full_stack


def test_the_worker_runs_inside_the_block_and_is_gone_after_it():
    import tensorflow_federated as tff

    from tfcompress.backend import tf
    from tfcompress.federated.runtime import TFFRuntime

    @tff.tensorflow.computation(tf.int32)
    def double(x):
        return x * 2

    with TFFRuntime() as runtime:
        pid = runtime.pid
        assert pid and _alive(pid)
        assert double(21) == 42
    assert runtime.pid is None and not _alive(pid)


def test_the_worker_is_stopped_when_the_block_raises():
    from tfcompress.federated.runtime import TFFRuntime

    with pytest.raises(KeyError):
        with TFFRuntime() as runtime:
            pid = runtime.pid
            raise KeyError("boom")
    assert not _alive(pid)


def test_a_piped_child_process_exits_and_releases_the_pipe():
    """What hung before: TFF's own worker inherited stdout, so a reader saw no EOF."""
    script = textwrap.dedent("""
        import tensorflow_federated as tff
        from tfcompress.backend import tf
        from tfcompress.federated.runtime import TFFRuntime

        @tff.tensorflow.computation(tf.int32)
        def add_one(x):
            return x + 1

        with TFFRuntime():
            print("result", add_one(1), flush=True)
    """)
    result = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=120)
    assert result.returncode == 0 and b"result 2" in result.stdout
