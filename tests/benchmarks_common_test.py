"""benchmarks/common.py: the resumable cache the benchmarks resume from and their markdown tables."""
import importlib.util
import json
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def common():
    spec = importlib.util.spec_from_file_location("benchmarks_common", os.path.join(REPO, "benchmarks", "common.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_kept_value_loads_back_for_its_key(common, tmp_path):
    cache = common.ResumableCache(tmp_path / "partial")
    key = {"digest": "abc", "sample": (3, 1, 2), "seed": 0}
    assert cache.load("attack.json", key) is None
    kept = cache.keep("attack.json", key, {"accuracy": 0.75, "indices": (1, 2)})
    assert kept == {"accuracy": 0.75, "indices": [1, 2]}
    assert cache.load("attack.json", key) == kept
    assert cache.load("attack.json", {**key, "seed": 1}) is None
    assert cache.load("other.json", key) is None


def test_a_new_cache_on_the_same_folder_resumes(common, tmp_path):
    common.ResumableCache(tmp_path).keep("seconds.json", "teacher_minilm", 12.5)
    resumed = common.ResumableCache(tmp_path)
    assert resumed.load("seconds.json", "teacher_minilm") == 12.5
    assert json.loads((tmp_path / "seconds.json").read_text()) == {"key": "teacher_minilm", "value": 12.5}
    assert [name for name in os.listdir(tmp_path) if name.startswith(".tmp-")] == []


def test_a_file_of_another_layout_or_a_broken_one_is_recomputed(common, tmp_path):
    cache = common.ResumableCache(tmp_path)
    (tmp_path / "old.json").write_text(json.dumps({"key": "k", "result": 1}))
    (tmp_path / "broken.json").write_text('{"key": "k", "val')
    assert cache.load("old.json", "k") is None
    assert cache.load("broken.json", "k") is None
    assert cache.path("model.keras") == os.path.join(os.fspath(tmp_path), "model.keras")


def test_markdown_table(common):
    table = common.markdown_table(("model", "acc."), [("cnn", "0.7412"), ("prado", 1234)])
    assert table == "| model | acc. |\n|---|---|\n| cnn | 0.7412 |\n| prado | 1234 |"
    assert common.markdown_table(("a",), []) == "| a |\n|---|"
    with pytest.raises(ValueError):
        common.markdown_table(("a", "b"), [("only one",)])


def test_cell(common):
    assert common.cell(None, "{:.4f}") == "-"
    assert common.cell(0.123456, "{:.4f}") == "0.1235"
    assert common.cell(97657, "{:,}") == "97,657"
    assert common.cell(None, missing="n/a") == "n/a"


def test_fit_timer_counts_batches_and_the_work_of_later_callbacks_between_epochs(common):
    import time

    import numpy as np

    from tfcompress.backend import keras

    class Slow(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            time.sleep(0.05)

        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.05)

    model = keras.Sequential([keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    timer = common.FitTimer()
    model.fit(np.zeros((8, 3)), np.zeros((8, 2)), batch_size=4, epochs=2, verbose=0, callbacks=[timer, Slow()])
    assert timer.steps == 4 and timer.step_seconds > 0
    assert timer.between_epochs_seconds >= 0.15
    assert timer.fit_seconds >= timer.between_epochs_seconds + timer.step_seconds
    assert timer.seconds_per_step == timer.step_seconds / 4
