"""Client-level differential privacy for the federated rounds: aggregator and (epsilon, delta)."""
from tfcompress.federated.stack import require_tff


def dp_aggregator(noise_multiplier, clients_per_round, clip_norm=None):
    """TFF's DP-FedAvg aggregator (tensorflow-privacy's Gaussian sum query under the hood).

    Each client's model update is clipped to L2 norm ``clip_norm`` and Gaussian noise with standard
    deviation ``noise_multiplier * clip_norm`` is added to the sum before dividing by
    ``clients_per_round`` (McMahan et al. 2018). ``clip_norm=None`` uses adaptive clipping (the
    clip tracks the median update norm, starting at 0.1) as ``tff.learning.dp_aggregator`` does.

    Args:
        noise_multiplier: noise standard deviation over the clip norm (z).
        clients_per_round: the expected number of clients whose updates are summed.
        clip_norm: fixed L2 clip of a client update, or ``None`` for adaptive clipping.

    Returns:
        A ``tff.aggregators.UnweightedAggregationFactory`` (use with unweighted FedAvg).

    Example:
        >>> factory = dp_aggregator(noise_multiplier=1.0, clients_per_round=20, clip_norm=0.5)
    """
    tff = require_tff()
    factory = tff.aggregators.DifferentiallyPrivateFactory
    if clip_norm is None:
        # TFF requires noise_multiplier < 2 x the clipped-count noise (default 0.05 x clients): with few
        # clients per round raise that noise instead of refusing.
        return factory.gaussian_adaptive(noise_multiplier, clients_per_round,
                                         clipped_count_stddev=max(0.05 * clients_per_round, noise_multiplier))
    return factory.gaussian_fixed(noise_multiplier, clients_per_round, clip_norm)


def dp_epsilon(noise_multiplier, sampling_rate, rounds, delta):
    """The epsilon spent at ``delta`` by ``rounds`` sampled Gaussian mechanism steps (RDP accountant).

    Uses ``dp_accounting``'s RDP accountant (the accountant tensorflow-privacy uses) on a
    Poisson-sampled Gaussian event composed ``rounds`` times. Sampling a fixed number of clients
    uniformly per round is accounted as Poisson sampling with the same rate, the usual
    approximation for DP-FedAvg. Returns ``inf`` for zero noise.

    Args:
        noise_multiplier: the aggregator's noise multiplier.
        sampling_rate: clients per round / clients in the population.
        rounds: rounds run.
        delta: the target delta (e.g. below 1 / number of clients).

    Example:
        >>> dp_epsilon(1.0, sampling_rate=0.2, rounds=10, delta=1e-3)
    """
    import dp_accounting

    if noise_multiplier <= 0:
        return float("inf")
    if rounds <= 0:
        return 0.0
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(min(1.0, float(sampling_rate)),
                                            dp_accounting.GaussianDpEvent(float(noise_multiplier))), int(rounds))
    accountant = dp_accounting.rdp.RdpAccountant()
    accountant.compose(event)
    return float(accountant.get_epsilon(float(delta)))
