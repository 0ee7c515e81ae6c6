"""A TFF execution context whose C++ worker process is started and stopped by us."""
import atexit
import os
import signal
import subprocess
import time

from tfcompress.federated.stack import require_tff

_GRPC_OPTIONS = [("grpc.max_message_length", 2_000_000_000),
                 ("grpc.max_receive_message_length", 2_000_000_000),
                 ("grpc.max_send_message_length", 2_000_000_000)]


class TFFRuntime:
    """Context manager running TFF computations on a private ``worker_binary``, always torn down.

    TFF 0.87's default context starts its C++ ``worker_binary`` with the parent's stdout/stderr and
    only stops it from a ``__del__`` that may never run, so the worker can outlive Python and keep a
    pipe open (``pytest | cat`` then hangs). This runtime starts the worker itself with its output
    sent to ``log_path`` (or discarded), installs a sync execution context talking to it for the
    ``with`` block, and stops it on exit (SIGINT, then SIGKILL after ``stop_timeout``) and, as a last
    resort, at interpreter exit.

    Args:
        log_path: file for the worker's stdout/stderr (``None`` discards them).
        startup_timeout: seconds to wait for the worker to accept connections.
        stop_timeout: seconds to wait after SIGINT before SIGKILL.

    Example:
        >>> with TFFRuntime():
        ...     state = process.initialize()
        ...     state = process.next(state, client_datasets).state
    """

    def __init__(self, log_path=None, startup_timeout=60.0, stop_timeout=5.0):
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.process = None
        self._log = None
        self._installed = None

    @property
    def pid(self):
        """The worker's process id while it runs, else ``None``."""
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def __enter__(self):
        tff = require_tff()
        import grpc

        port = self._start_worker(tff)
        try:
            channel = grpc.insecure_channel(f"localhost:{port}", _GRPC_OPTIONS)
            stub = tff.framework.RemoteExecutorGrpcStub(channel)
            self._wait_ready(stub)
            context = tff.framework.SyncExecutionContext(
                executor_fn=tff.framework.ResourceManagingExecutorFactory(_stack_fn(tff, stub)),
                compiler_fn=tff.backends.native.desugar_and_transform_to_native,
                transform_args=tff.tensorflow.transform_args, transform_result=tff.tensorflow.transform_result)
            self._installed = tff.framework.get_context_stack().install(context)
            self._installed.__enter__()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        try:
            if self._installed is not None:
                self._installed.__exit__(None, None, None)
        finally:
            self._installed = None
            self.stop()
        return False

    def stop(self):
        """Stop the worker (idempotent)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        atexit.unregister(self.stop)

    def _start_worker(self, tff):
        import portpicker

        binary = os.path.join(os.path.dirname(tff.__file__), "data", "worker_binary")
        if not os.path.isfile(binary):
            raise RuntimeError(f"TensorFlow Federated's worker_binary is missing at {binary}")
        port = portpicker.pick_unused_port()
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen([binary, f"--port={port}", "--max_concurrent_computation_calls=-1"],
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                        close_fds=True, start_new_session=True)
        if self._log is subprocess.DEVNULL:
            self._log = None
        atexit.register(self.stop)
        return port

    def _wait_ready(self, stub):
        deadline = time.monotonic() + self.startup_timeout
        while not stub.is_ready:
            code = self.process.poll()
            if code is not None:
                raise RuntimeError(f"TFF worker_binary exited with code {code} before accepting connections")
            if time.monotonic() > deadline:
                raise RuntimeError(f"TFF worker_binary did not start within {self.startup_timeout} s")
            time.sleep(0.1)


def _stack_fn(tff, stub):
    def stack_fn(cardinalities):
        if cardinalities.get(tff.CLIENTS) is None:  # e.g. initialize(): no client-placed argument
            cardinalities[tff.CLIENTS] = 0
        executor = tff.framework.RemoteExecutor(stub)
        executor.set_cardinalities(cardinalities)
        return executor
    return stack_fn
