import math

import pytest

from tests.conftest import requires_full_stack


@requires_full_stack
def test_more_noise_or_fewer_rounds_spend_less_epsilon():
    from tfcompress.federated import dp_epsilon

    base = dp_epsilon(1.0, 0.2, 10, 1e-3)
    assert dp_epsilon(2.0, 0.2, 10, 1e-3) < base < dp_epsilon(0.7, 0.2, 10, 1e-3)
    assert dp_epsilon(1.0, 0.2, 5, 1e-3) < base < dp_epsilon(1.0, 0.2, 20, 1e-3)
    assert math.isinf(dp_epsilon(0.0, 0.2, 10, 1e-3)) and dp_epsilon(1.0, 0.2, 0, 1e-3) == 0.0


@requires_full_stack
def test_fixed_and_adaptive_aggregators_are_built():
    from tfcompress.federated.dp import dp_aggregator

    fixed = dp_aggregator(1.0, 10, clip_norm=0.5)
    adaptive = dp_aggregator(1.0, 10)
    assert type(fixed).__name__ == type(adaptive).__name__ == "DifferentiallyPrivateFactory"
    with pytest.raises(Exception):
        dp_aggregator(-1.0, 10, clip_norm=0.5)
