"""The Python examples of the README and docs run as written: each page's ``python`` blocks, top to bottom, in one
fresh interpreter in an empty folder. A block whose first line is ``# full stack`` runs where textattack and nltk
are installed and is left out elsewhere."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import FULL_STACK
from tests.docs.user_text import REPO

BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
FULL_STACK_MARK = "# full stack"
HAS_FULL_STACK = all(importlib.util.find_spec(name) is not None for name in ("textattack", "nltk"))


def python_blocks(page):
    with open(os.path.join(REPO, page), encoding="utf-8") as handle:
        return BLOCK.findall(handle.read())


def runnable(blocks):
    return [block for block in blocks if HAS_FULL_STACK or not block.startswith(FULL_STACK_MARK)]


def run_page(page, folder):
    """Run the page's blocks as one script in ``folder``; the output, or a failure naming the block."""
    blocks = runnable(python_blocks(page))
    script = "\n".join(f"print('--- block {index}', flush=True)\n{block}" for index, block in enumerate(blocks, 1))
    (folder / "page.py").write_text(script, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "page.py"], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=1200)
    assert result.returncode == 0, f"{page}: {result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result.stdout


def test_the_pages_have_their_examples():
    assert len(python_blocks("README.md")) == 1 and len(python_blocks("docs/api.md")) >= 8
    quickstart = [line for line in python_blocks("README.md")[0].splitlines() if line.strip()]
    assert len(quickstart) <= 16 and "export_android" in "\n".join(quickstart)


# The long examples run on the current stack, the one pip and Colab users get; the full stack runs the same library
# calls in the quick-run and pipeline tests, and its suite has to stay within its time budget.
ON_THE_USERS_STACK = pytest.mark.skipif(FULL_STACK, reason="run on the current (pip and Colab) stack")


@pytest.mark.slow
@ON_THE_USERS_STACK
def test_the_library_examples_run(tmp_path):
    output = run_page("docs/api.md", tmp_path)
    assert output.count("--- block") == len(runnable(python_blocks("docs/api.md")))
    assert (tmp_path / "student.tflite").exists() and (tmp_path / "runs" / "api" / "metrics.json").exists()


@pytest.mark.slow
@ON_THE_USERS_STACK
def test_the_readme_quickstart_runs(tmp_path):
    run_page("README.md", tmp_path)
    assert (tmp_path / "student.tflite").exists() and (tmp_path / "student.json").exists()


def test_the_personalization_examples_run(tmp_path):
    output = run_page("docs/personalization.md", tmp_path)
    assert "'adapt_prior'" in output and (tmp_path / "student_trainable.tflite").exists()
