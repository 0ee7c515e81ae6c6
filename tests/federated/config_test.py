import pytest

from tfcompress.federated import PersonalizationConfig


def test_defaults_and_dict():
    config = PersonalizationConfig()
    assert config.method == "prior" and config.mode == "head" and config.to_dict()["holdout_fraction"] == 0.25
    assert config.to_dict()["prior_weights"] == [0.0, 0.5, 1.0]
    assert PersonalizationConfig(method="ditto").trained_part == "whole"
    assert PersonalizationConfig(method="interpolate", mode="whole").trained_part == "head"


@pytest.mark.parametrize("options", [{"mode": "tail"}, {"holdout_fraction": 1.0}, {"learning_rate": 0.0},
                                     {"batch_size": 0}, {"method": "fedsomething"}, {"prior_weights": (0.5, 1.0)},
                                     {"mix_weights": (0.0, -1.0)}, {"prior_strength": 0.0}, {"proximal": -1.0},
                                     {"prior_min_evidence": -1.0}, {"prior_min_gain": 0}])
def test_bad_values_are_rejected(options):
    with pytest.raises(ValueError):
        PersonalizationConfig(**options)
