"""Serve a teacher from its own process: texts in, class scores out, one JSON line each way.

A teacher that needs another environment (a Keras 3 or PyTorch model, another Python or TensorFlow version) runs
there, and the run talks to it through this protocol; ``TextTeacher.from_process`` is the client. The server
imports only the standard library and NumPy here; the teacher's own module brings whatever it needs.

    python -m tfcompress.teacher_process my_package.teachers:scores

Protocol: each request is one line, a JSON list of strings; each reply is one line, ``{"scores": [[...], ...]}``
(one row per string) or ``{"error": "..."}``. The server ends when its input closes.

Example:
    >>> teacher = TextTeacher.from_process([".venv-keras3/bin/python", "-m", "tfcompress.teacher_process",
    ...                                     "my_package.teachers:scores"], class_names=["neg", "pos"])
"""
import importlib
import json
import os
import sys


def load_attribute(spec):
    """The object ``module:attribute`` names (the current folder importable)."""
    module_name, _, attribute = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    value = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def reply(predict, line):
    """The reply line to one request line."""
    try:
        import numpy as np

        texts = json.loads(line)
        raw = predict([str(text) for text in texts])
        scores = np.asarray(raw.numpy() if hasattr(raw, "numpy") else raw, dtype=np.float64)
        return json.dumps({"scores": scores.tolist()})
    except Exception as error:  # the teacher's code: any failure goes back to the client as its message
        first = (str(error).strip().splitlines() or [""])[0][:300]
        return json.dumps({"error": f"{type(error).__name__}: {first}"})


def serve(spec, source=sys.stdin, sink=sys.stdout):
    """Answer requests from ``source`` with the teacher ``spec`` names until ``source`` closes."""
    predict = load_attribute(spec)
    for line in source:
        if line.strip():
            sink.write(reply(predict, line) + "\n")
            sink.flush()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tfcompress.teacher_process module:attribute")
    replies, sys.stdout = sys.stdout, sys.stderr  # what the teacher's code prints must not reach the replies
    serve(sys.argv[1], sink=replies)
