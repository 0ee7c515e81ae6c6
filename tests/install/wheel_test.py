"""The install path a user takes: a wheel built from the checkout installs into a fresh virtual environment, and its
``tfcompress`` program runs a tiny job on a 200-row CSV, printing only its own progress and summary.

The new environment gets the package from the wheel only (no access to the checkout); the dependencies (TensorFlow
and the rest, gigabytes) come from this stack's site-packages through a path file instead of a download, so the test
runs offline.
"""
import json
import os
import site
import subprocess
import sys

import pytest

from tests.conftest import FULL_STACK, STACK_FLAGS
from tests.docs.user_text import REPO

CHATTER = ("fully_quantize", "XNNPACK", "TensorFlow Lite", "oneDNN", "cuda")


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


# pip users get the current stack; the full stack's suite has to stay within its time budget.
pytestmark = pytest.mark.skipif(FULL_STACK, reason="installs on the current (pip and Colab) stack")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the new environment's bin folder, a clean environment for its commands)."""
    root = tmp_path_factory.mktemp("install")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"),
          REPO])
    wheels = sorted((root / "dist").glob("tfcompress-*.whl"))
    assert len(wheels) == 1
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL")}
    _run([sys.executable, "-m", "venv", str(root / "venv")], env=env)
    bin_folder = root / "venv" / "bin"
    _run([str(bin_folder / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheels[0])],
         env=env, cwd=root)
    packages = _run([str(bin_folder / "python"), "-c", "import site; print(site.getsitepackages()[0])"],
                    env=env).stdout.strip()
    with open(os.path.join(packages, "stack_dependencies.pth"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(site.getsitepackages()) + "\n")  # plain paths: their own .pth files are not run
    return bin_folder, env


def test_the_package_comes_from_the_wheel_with_its_data(installed, tmp_path):
    bin_folder, env = installed
    probe = ("import tfcompress, tfcompress.datasets as d; print(tfcompress.__file__); "
             "print(len(d.load('rotten_tomatoes', seed=0).test))")
    where, test_rows = _run([str(bin_folder / "python"), "-c", probe], env=env, cwd=tmp_path).stdout.split()
    assert where.startswith(str(bin_folder.parent)) and int(test_rows) > 1000
    assert "usage: tfcompress" in _run([str(bin_folder / "tfcompress"), "--help"], env=env, cwd=tmp_path).stdout


@pytest.mark.slow
def test_a_tiny_run_on_a_200_row_csv_prints_only_its_own_output(installed, tmp_path, rotten_tomatoes):
    bin_folder, env = installed
    rows = [f"\"{text.replace(chr(34), chr(39))}\",{rotten_tomatoes.class_names[label]}"
            for text, label in zip(rotten_tomatoes.train.texts[:200], rotten_tomatoes.train.labels[:200])]
    (tmp_path / "reviews.csv").write_text("review,verdict\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = _run([str(bin_folder / "tfcompress"), "run", "--preset", "quick", "--data", "reviews.csv",
                   "--text-column", "review", "--label-column", "verdict", "--teacher-epochs", "1",
                   "--student-epochs", "1", "--robustness-examples", "0", "--explanation-examples", "0",
                   "--skip", "qat", "--skip", "personalization", "--out", "out", *STACK_FLAGS], env=env, cwd=tmp_path)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["tflite"].endswith("student.tflite") and os.path.exists(tmp_path / "out" / "student.tflite")
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["dataset"]["splits"]["train"] == 160
    assert [word for word in CHATTER if word in result.stderr] == [], result.stderr[-3000:]
    assert "[tfcompress]" in result.stderr
