import os
import pathlib
import re
import subprocess
import sys

import pytest

import tfcompress
from tfcompress.backend import KERAS_VERSION, keras, tf, versions


def test_keras_is_keras_2_on_this_stack():
    assert KERAS_VERSION.startswith("2.")
    assert os.environ["TF_USE_LEGACY_KERAS"] == "1"
    major_minor = tuple(int(x) for x in tf.__version__.split(".")[:2])
    if major_minor >= (2, 16):
        import tf_keras
        assert keras.layers.Dense is tf.keras.layers.Dense
    else:
        assert keras.layers.Dense is tf.keras.layers.Dense
    layer = keras.layers.Dense(2)
    assert isinstance(layer, keras.layers.Layer)


def test_versions_report_the_resolved_stack():
    reported = versions()
    assert reported == {"tfcompress": tfcompress.__version__, "tensorflow": tf.__version__,
                        "keras": KERAS_VERSION}


def test_only_the_backend_imports_keras_or_tensorflow_keras():
    package = pathlib.Path(tfcompress.__file__).parent
    pattern = re.compile(r"^\s*(import (tf_)?keras\b|from (tf_)?keras\b|.*\btf\.keras\b)", re.M)
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "backend.py" and pattern.search(path.read_text())]
    assert offenders == []


def test_backend_sets_legacy_keras_before_tensorflow_in_a_fresh_process():
    code = ("import os; os.environ.pop('TF_USE_LEGACY_KERAS', None)\n"
            "from tfcompress.backend import keras, KERAS_VERSION\n"
            "print(KERAS_VERSION, os.environ['TF_USE_LEGACY_KERAS'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    version, flag = out.stdout.split()[-2:]
    assert version.startswith("2.") and flag == "1"


@pytest.mark.skipif(tuple(int(x) for x in tf.__version__.split(".")[:2]) >= (2, 16),
                    reason="TF >= 2.16 needs tf_keras as its Keras 2; the check is about TF 2.14 (the full stack)")
def test_no_second_keras_2_next_to_tf_2_14():
    """With tf_keras installed beside TF 2.14, transformers imports it (via shap or textattack) and tf.keras
    layers become tf_keras classes that TF-MOT refuses; the full stack must not carry it."""
    import importlib.util

    assert importlib.util.find_spec("tf_keras") is None
