import pytest

from tfcompress.federated import PersonalizationConfig


def test_defaults_and_dict():
    config = PersonalizationConfig()
    assert config.mode == "head" and config.to_dict()["holdout_fraction"] == 0.25


@pytest.mark.parametrize("options", [{"mode": "tail"}, {"holdout_fraction": 1.0}, {"learning_rate": 0.0},
                                     {"batch_size": 0}])
def test_bad_values_are_rejected(options):
    with pytest.raises(ValueError):
        PersonalizationConfig(**options)
