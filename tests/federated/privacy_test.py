"""What leaves a client (full stack): the TFF computations' results are numbers at the server, never client data."""
import numpy as np

from tests.conftest import requires_full_stack

pytestmark = requires_full_stack


def _leaves(type_spec, placement=None):
    import tensorflow_federated as tff

    if isinstance(type_spec, tff.types.FederatedType):
        yield from _leaves(type_spec.member, type_spec.placement)
    elif isinstance(type_spec, tff.types.StructType):
        for _, element in tff.structure.iter_elements(type_spec):
            yield from _leaves(element, placement)
    else:
        yield placement, type_spec


def _numbers_at_the_server(type_spec, placement=None):
    import tensorflow_federated as tff

    leaves = list(_leaves(type_spec, placement))
    assert leaves
    for placement, leaf in leaves:
        assert placement is tff.SERVER, f"{leaf} is placed at {placement}"
        assert isinstance(leaf, tff.types.TensorType), leaf
        assert np.issubdtype(np.dtype(leaf.dtype), np.number), leaf
    return [leaf for _, leaf in leaves]


def test_personalization_sends_each_clients_scalar_metrics_only(small_student):
    from tfcompress.federated import PersonalizationConfig
    from tfcompress.federated.personalization import personalization_computation

    computation = personalization_computation(small_student.functional(), PersonalizationConfig(), (0.5, 0.5),
                                              max_clients=7)
    for leaf in _numbers_at_the_server(computation.type_signature.result):
        assert len(leaf.shape) <= 1  # one number per client


def test_federated_averaging_returns_only_the_model_and_aggregate_metrics(small_student):
    import tensorflow_federated as tff

    from tfcompress.federated.fedavg import _build_process

    functional = small_student.functional()
    process = _build_process(tff, functional, None, "adam", 1e-3, "sgd", 1.0, None, None, 2)
    state, metrics = process.next.type_signature.result
    _numbers_at_the_server(state)
    assert state.placement is tff.SERVER
    shapes = [tuple(leaf.shape) for leaf in _numbers_at_the_server(state.member.global_model_weights.trainable,
                                                                    tff.SERVER)]
    assert shapes == [tuple(v.shape) for v in functional.trainable_variables]
    for leaf in _numbers_at_the_server(metrics):
        assert len(leaf.shape) == 0
