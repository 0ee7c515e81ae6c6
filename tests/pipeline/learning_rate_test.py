"""The recipe's learning-rate schedules and optimizers."""
import numpy as np
import pytest

from tfcompress.backend import keras
from tfcompress.pipeline.learning_rate import WarmupDecay, build_optimizer, epochs_for, steps_per_epoch


def rates(schedule, steps):
    return np.array([float(schedule(step)) for step in steps])


def test_warmup_then_linear_or_cosine_decay_to_the_floor():
    linear = WarmupDecay(1.0, total_steps=100, warmup_steps=10, decay="linear")
    np.testing.assert_allclose(rates(linear, [0, 4, 9, 10, 55, 100, 150]), [0.1, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0],
                               atol=1e-6)
    cosine = WarmupDecay(2.0, total_steps=100, warmup_steps=0, decay="cosine", floor=0.1)
    np.testing.assert_allclose(rates(cosine, [0, 50, 100]), [2.0, 1.1, 0.2], atol=1e-6)
    assert (np.diff(rates(cosine, range(101))) <= 1e-7).all()  # never rises after the warm-up
    rebuilt = WarmupDecay.from_config(cosine.get_config())
    np.testing.assert_allclose(rates(rebuilt, [0, 37, 100]), rates(cosine, [0, 37, 100]))
    with pytest.raises(ValueError, match="decay"):
        WarmupDecay(1.0, 10, decay="step")


def test_build_optimizer_makes_adamw_with_a_schedule_and_clipping():
    optimizer = build_optimizer(5e-5, total_steps=960, options={"name": "adamw", "weight_decay": 0.01,
                                                                 "warmup": 0.1, "decay": "linear", "clipnorm": 1.0})
    assert isinstance(optimizer, keras.optimizers.AdamW) and optimizer.clipnorm == 1.0
    schedule = optimizer._learning_rate  # Keras reports the current rate as learning_rate
    assert isinstance(schedule, WarmupDecay) and schedule.warmup_steps == 96
    plain = build_optimizer(2e-3, total_steps=10)
    assert isinstance(plain, keras.optimizers.Adam) and np.isclose(float(plain.learning_rate), 2e-3)
    with pytest.raises(ValueError, match="unknown optimizer options"):
        build_optimizer(1e-3, 10, {"nesterov": True})
    assert steps_per_epoch(10200, 32) == 319 and steps_per_epoch(0, 32) == 1


def test_a_small_split_gets_the_epochs_that_make_its_minimum_steps():
    assert epochs_for(1, 600, examples=4079, batch_size=64) == 10  # 64 steps an epoch
    assert epochs_for(1, 600, examples=9600, batch_size=64) == 4
    assert epochs_for(3, 600, examples=100000, batch_size=64) == 3  # enough steps already
    assert epochs_for(2, 0, examples=10, batch_size=64) == 2


def test_the_teacher_trains_at_least_its_minimum_steps(small_data):
    import dataclasses

    from tfcompress.pipeline import preset_settings, train_teacher

    small_data = dataclasses.replace(small_data, train=small_data.train.take(640))  # 10 steps an epoch
    settings = preset_settings("quick").with_changes({"teacher.epochs": 1, "teacher.min_steps": 25,
                                                      "teacher.patience": None,
                                                      "teacher.model": {"num_buckets": 500, "max_length": 16,
                                                                        "embedding_dim": 8, "filters": 4}})
    teacher = train_teacher(settings, small_data)  # 25 steps need 3 epochs
    assert len(teacher.history.history["loss"]) == 3
