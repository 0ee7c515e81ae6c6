"""The one atomic file writer: every file tfcompress writes goes through a temporary file and a rename.

A crash or an exception leaves the previous file intact and no temporary file behind; finished files
are ordinary readable files (mode 0644), whoever writes them.

Example:
    >>> write_json_atomic({"accuracy": 0.78}, "runs/quick/metrics.json")
    >>> with atomic_path("runs/quick/checkpoints/student.keras") as tmp:
    ...     model.save(tmp)
"""
import contextlib
import json
import os
import tempfile

FILE_MODE = 0o644


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside ``path`` to write to; it replaces ``path`` when the block succeeds.

    The temporary name keeps ``path``'s extension (writers such as Keras and NumPy look at it).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    extension = os.path.splitext(path)[1]
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=extension or ".tmp")
    os.close(handle)
    try:
        yield tmp
        commit_atomic(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def commit_atomic(tmp, path):
    """Make the finished temporary file ``tmp`` the file ``path`` in one rename."""
    os.chmod(tmp, FILE_MODE)  # mkstemp creates 0600
    os.replace(tmp, path)


def write_bytes_atomic(data, path):
    """Write ``data`` (bytes) to ``path``."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as out:
            out.write(data)
    return os.fspath(path)


def write_text_atomic(text, path):
    """Write ``text`` to ``path`` as UTF-8."""
    return write_bytes_atomic(text.encode("utf-8"), path)


def write_json_atomic(data, path, indent=2):
    """Write ``data`` to ``path`` as JSON (keys in their given order) with a final newline."""
    return write_text_atomic(json.dumps(data, indent=indent) + "\n", path)


def append_json_line_atomic(data, path):
    """Add ``data`` as one JSON line at the end of ``path`` (created when missing); the earlier lines are kept
    whatever happens to this write."""
    try:
        with open(path, encoding="utf-8") as handle:
            previous = handle.read()
    except FileNotFoundError:
        previous = ""
    return write_text_atomic(previous + json.dumps(data) + "\n", path)


__all__ = ["append_json_line_atomic", "atomic_path", "commit_atomic", "write_bytes_atomic", "write_json_atomic",
           "write_text_atomic"]
