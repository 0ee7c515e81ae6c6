"""Peak resident memory while a block runs (the run records it per stage in metrics.json)."""
import resource
import threading


def resident_bytes():
    """This process's resident set size now, in bytes (``/proc/self/statm``), or ``None`` off Linux."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


class PeakMemory:
    """Samples the resident set size every ``interval`` seconds while the ``with`` block runs.

    ``peak_bytes`` is the largest sample (at least the sizes at entry and exit); ``process_peak_bytes`` the
    process's high-water mark so far (``ru_maxrss``, which also counts what earlier blocks used).

    Example:
        >>> with PeakMemory() as memory:
        ...     train()
        >>> memory.peak_bytes
    """

    def __init__(self, interval=0.2):
        self.interval = interval
        self.peak_bytes = None
        self.process_peak_bytes = None
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        now = resident_bytes()
        if now is not None:
            self.peak_bytes = max(self.peak_bytes or 0, now)

    def _watch(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread = threading.Thread(target=self._watch, name="peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self._sample()
        self.process_peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return False
