"""The kernel every notebook test runs in."""
import json
import sys

import pytest

from tests.notebooks.notebook_runner import KERNEL_NAME


@pytest.fixture()
def kernel_dir(tmp_path, monkeypatch):
    """A kernelspec running this interpreter (this venv), found first through JUPYTER_PATH."""
    folder = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"Python {sys.version.split()[0]} ({sys.prefix})", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return folder
