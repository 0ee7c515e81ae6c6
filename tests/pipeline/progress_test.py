"""The fit progress bar: share done and ETA, redrawn on a terminal, about ten lines an epoch in a log."""
import io

import numpy as np

from tfcompress.backend import keras
from tfcompress.pipeline.progress import ProgressLog, duration


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _fit(stream, steps_per_execution=1):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", steps_per_execution=steps_per_execution)
    model.fit(np.zeros((200, 3)), np.zeros(200), batch_size=10, epochs=2, verbose=0,
              callbacks=[ProgressLog("toy", 2, stream=stream)])


def test_a_log_gets_a_bar_with_the_eta_about_ten_times_an_epoch(capsys):
    stream = io.StringIO()
    _fit(stream)
    lines = stream.getvalue().splitlines()
    assert 16 <= len(lines) <= 20 and all("ETA" in line and "[tfcompress] toy [" in line for line in lines)
    assert "epoch 2/2 batch 18/20" in lines[-1] and "95%" in lines[-1]
    assert "toy epoch 2/2 done: loss" in capsys.readouterr().err


def test_a_log_gets_a_line_each_tenth_passed_when_keras_reports_every_nth_batch():
    stream = io.StringIO()
    _fit(stream, steps_per_execution=3)  # batches 3, 6, ..., 18 of 20 reported: each tenth (2 batches) is passed
    lines = stream.getvalue().splitlines()
    assert len(lines) == 12 and "epoch 2/2 batch 18/20" in lines[-1]


def test_a_terminal_gets_one_redrawn_line():
    stream = Terminal()
    _fit(stream)
    assert "\n" not in stream.getvalue() and stream.getvalue().count("\r") > 30


def test_durations_read_like_a_clock():
    assert (duration(12.4), duration(250), duration(3725)) == ("12s", "4m10s", "1h02m")
