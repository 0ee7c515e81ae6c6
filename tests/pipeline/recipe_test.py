"""The training recipe's pieces that the run calls before the fit."""
from tfcompress.datasets.split import Split
from tfcompress.pipeline.presets import preset_settings
from tfcompress.pipeline.recipe import substitution_neighbours


def test_the_teachers_neighbours_are_computed_only_when_transfer_copies_use_them(small_teacher, small_data):
    train = Split(small_data.train.texts[:40], small_data.train.labels[:40])
    with_copies = {**preset_settings("default"), "transfer_copies": 2}
    without_copies = {**with_copies, "transfer_copies": 0}

    neighbours = substitution_neighbours(train, with_copies, small_teacher, cache=None)

    assert neighbours and all(isinstance(words, list) for words in neighbours.values())
    assert substitution_neighbours(train, without_copies, small_teacher, cache=None) is None
    assert substitution_neighbours(train, {**with_copies, "transfer_substitute": 0.0}, small_teacher, None) is None


def tiny_minilm_settings(teacher_training):
    return {"teacher": "minilm", "teacher_training": teacher_training, "teacher_epochs": 1,
            "teacher_learning_rate": 1e-3, "teacher_batch_size": 32, "teacher_patience": None, "patience": None,
            "teacher_config": {"max_length": 24, "num_layers": 1, "hidden_size": 32, "num_heads": 2,
                               "intermediate_size": 64}}


def test_a_teacher_trained_in_bfloat16_comes_back_as_a_float_teacher_trained_otherwise_alike(small_data):
    import dataclasses

    import numpy as np
    import pytest

    from tfcompress.backend import keras
    from tfcompress.models import build_teacher
    from tfcompress.pipeline.recipe import teacher_training_precision, train_teacher

    data = dataclasses.replace(small_data, train=small_data.train.take(96), validation=small_data.validation.take(32))
    keras.utils.set_random_seed(0)
    untrained = build_teacher("minilm", num_classes=2, **tiny_minilm_settings("float32")["teacher_config"])
    untrained.build_for_inputs()

    in_float32 = train_teacher(tiny_minilm_settings("float32"), data)
    in_bfloat16 = train_teacher(tiny_minilm_settings("bfloat16"), data)

    assert teacher_training_precision(tiny_minilm_settings("bfloat16")) == "bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"
    assert in_bfloat16.compute_dtype == "float32" and in_bfloat16.trainable
    weights = [np.concatenate([w.ravel() for w in model.get_weights()]) for model in (untrained, in_float32,
                                                                                        in_bfloat16)]
    moved_float32, moved_bfloat16 = (np.abs(trained - weights[0]).max() for trained in weights[1:])
    assert moved_float32 > 1e-4 and moved_bfloat16 > 1e-4  # both were trained from the same start
    assert np.abs(weights[2] - weights[1]).max() > 0  # with other (bfloat16) products
    with pytest.raises(ValueError, match="teacher_training must be one of"):
        teacher_training_precision(tiny_minilm_settings("float16"))
    assert teacher_training_precision({"teacher": "bilstm", "teacher_training": "auto"}) == "float32"
