"""The training recipe's pieces that the run calls before the fit."""
from tfcompress.datasets.split import Split
from tfcompress.pipeline.presets import preset_settings
from tfcompress.pipeline.recipe import substitution_neighbours


def test_the_teachers_neighbours_are_computed_only_when_transfer_copies_use_them(small_teacher, small_data):
    train = Split(small_data.train.texts[:40], small_data.train.labels[:40])
    with_copies = preset_settings("default").with_changes({"transfer.copies": 2})
    without_copies = with_copies.with_changes({"transfer.copies": 0})

    neighbours = substitution_neighbours(train, with_copies, small_teacher, cache=None)

    assert neighbours and all(isinstance(words, list) for words in neighbours.values())
    assert substitution_neighbours(train, without_copies, small_teacher, cache=None) is None
    assert substitution_neighbours(train, with_copies.with_changes({"transfer.substitute": 0.0}), small_teacher,
                                   None) is None
