"""Running the Colab notebooks of notebooks/ top to bottom with a tiny configuration (the tests of
tests/notebooks/: one file a notebook, so the two test workers can run them side by side).

Each notebook is executed with nbclient in an IPython kernel of the venv running the tests (a
kernelspec pointing at ``sys.executable`` is written to a temporary folder, and the injected
parameters check ``sys.prefix``), with its ``parameters`` cell replaced by a small configuration,
its working directory a temporary folder and a per-cell timeout. Any cell error fails the test.
"""
import ast
import importlib.util
import os
import signal
import sys
import time
import uuid

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "notebooks")
KERNEL_NAME = "tfcompress-notebook-test"
CELL_TIMEOUT_S = 300
# Set to a folder to keep the executed notebooks (with their outputs) there.
KEEP_EXECUTED = "TFCOMPRESS_KEEP_EXECUTED_NOTEBOOKS"
MARKER = "TFCOMPRESS_NOTEBOOK_RUN"

# The tiny configuration of each notebook: every name its parameters cell assigns.
SMALL = {
    "quickstart.ipynb": {
        "TEACHER": "bilstm", "TEACHER_CONFIG": {"embedding_dim": 32, "lstm_units": 16, "attention_units": 16},
        "TEACHER_EPOCHS": 1, "TEACHER_LEARNING_RATE": 3e-3, "STUDENT": "cnn", "STUDENT_EPOCHS": 2,
        "STUDENT_LEARNING_RATE": 3e-3, "QAT_EPOCHS": 1, "TRAIN_EXAMPLES": 600, "VALIDATION_EXAMPLES": 100,
        "TEST_EXAMPLES": 200, "BATCH_SIZE": 64, "EXPLAIN_WEIGHT": 1.0, "ADVERSARIAL_WEIGHT": 0.5,
        "TEMPERATURE": 3.0, "WARMUP_EPOCHS": 2, "MONITOR_EXAMPLES": 20, "CALIBRATION_EXAMPLES": 200, "SEED": 0,
        "OUT_DIR": "out",
    },
    "robustness_explanations.ipynb": {
        "TRAIN_EXAMPLES": 600, "VALIDATION_EXAMPLES": 100, "TEACHER_EPOCHS": 1, "STUDENT_EPOCHS": 2, "BATCH_SIZE": 64,
        "WARMUP_EPOCHS": 2, "ADVERSARIAL_TEXTS": 4, "RECIPES": ["deepwordbug", "pruthi", "pwws", "textfooler"],
        "ATTACK_EXAMPLES": 2, "QUERY_BUDGET": 60, "EXPLAIN_EXAMPLES": 3, "SHAP_MAX_EVALS": 60, "SEED": 0,
        "OUT_DIR": "out",
    },
    "personalization.ipynb": {
        "CENTRAL_EXAMPLES": 600, "STUDENT_EPOCHS": 2, "CLIENT_EXAMPLES": 400, "NUM_CLIENTS": 4, "ALPHA": 0.5,
        "TEST_FRACTION": 0.3, "ROUNDS": 2, "CLIENT_LEARNING_RATE": 1e-3, "PERSONALIZATION_EPOCHS": 2,
        "PERSONALIZATION_LEARNING_RATE": 0.1, "ON_DEVICE_CLIENTS": 2, "ON_DEVICE_EPOCHS": 2, "ON_DEVICE_BATCH_SIZE": 16,
        "SEED": 0, "OUT_DIR": "out",
    },
}

# What a notebook needs beyond the current stack: (importable module, why it is missing there).
NEEDS = {
    "robustness_explanations.ipynb": ("textattack", "textattack 0.3.11 is in the full stack (.venv) only"),
    "personalization.ipynb": ("tensorflow_federated", "TensorFlow Federated 0.87 is in the full stack (.venv: "
                                                      "Python 3.11 + TF 2.14) only; it cannot install on Python 3.12"),
}


def needs(name):
    module, why = NEEDS[name]
    return pytest.mark.skipif(importlib.util.find_spec(module) is None, reason=f"needs {module}: {why}")


def notebook_paths():
    return sorted(os.path.join(NOTEBOOKS, name) for name in os.listdir(NOTEBOOKS) if name.endswith(".ipynb"))


def read(path):
    with open(path, encoding="utf-8") as handle:
        return nbformat.read(handle, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def assigned_names(source):
    names = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) else []
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def processes_with_marker(name, value):
    """Pids of live processes (other than this one) whose environment has ``name=value``."""
    found, needle = [], f"{name}={value}".encode()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def execute(name, tmp_path, monkeypatch):
    """Run notebook ``name`` with its tiny configuration; returns (executed notebook, working folder, seconds)."""
    nb = read(os.path.join(NOTEBOOKS, name))
    parameters = code_cells(nb)[1]
    parameters.source = "\n".join(
        ["# tiny configuration injected by tests/notebooks/notebook_runner.py",
         "import sys as _sys", f"assert _sys.prefix == {sys.prefix!r}, _sys.prefix  # this venv's kernel",
         *(f"{key} = {value!r}" for key, value in SMALL[name].items())])
    work = tmp_path / "work"
    work.mkdir()
    # Every process the kernel starts inherits this marker: none may outlive the notebook.
    marker = uuid.uuid4().hex
    monkeypatch.setenv(MARKER, marker)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT_S, startup_timeout=120,
                                     resources={"metadata": {"path": str(work)}}, shutdown_kernel="graceful")
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - start
        if os.environ.get(KEEP_EXECUTED):  # for reading the outputs of a test run
            os.makedirs(os.environ[KEEP_EXECUTED], exist_ok=True)
            nbformat.write(nb, os.path.join(os.environ[KEEP_EXECUTED], name))
        leftovers = stop_leftovers(marker)
    assert not leftovers, f"processes started by {name}'s kernel outlived it (killed): {leftovers}"
    print(f"{name}: {seconds:.0f} s on Python {sys.version.split()[0]}")
    return nb, work, seconds


def stop_leftovers(marker, grace_s=30):
    """Wait for the kernel's processes to exit; SIGKILL any still running after ``grace_s``; their pids."""
    deadline = time.monotonic() + grace_s
    while processes_with_marker(MARKER, marker) and time.monotonic() < deadline:
        time.sleep(0.5)
    leftovers = processes_with_marker(MARKER, marker)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return leftovers


def outputs_text(nb):
    parts = []
    for cell in code_cells(nb):
        for output in cell.outputs:
            parts.append(output.get("text", "") or "".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def images(nb):
    return sum("image/png" in output.get("data", {}) for cell in code_cells(nb) for output in cell.outputs)
