"""On-device personalization: clients, TFF federated rounds, per-client fine-tuning, trainable TFLite.

TFF-backed parts (``run_federated``, ``personalization_eval``, ``dp_aggregator``) need the full
stack (``.venv``: TF 2.14 + TFF 0.87) and raise ``FullStackRequired`` elsewhere. Clients, the Keras
fine-tuning policy and the on-device-training ``.tflite`` work on both stacks.
"""
from tfcompress.federated.client import Client
from tfcompress.federated.clients import client_table, make_clients
from tfcompress.federated.config import PersonalizationConfig
from tfcompress.federated.export import export_personalized_client
from tfcompress.federated.finetune import finetune_head_keras, personalize_keras
from tfcompress.federated.on_device import OnDeviceTrainer
from tfcompress.federated.on_device_export import convert_on_device_training, export_on_device_training
from tfcompress.federated.prior import label_prior, prior_offset
from tfcompress.federated.partition import dirichlet_label_partition, user_partition
from tfcompress.federated.stack import FullStackRequired, has_tff, require_tff
from tfcompress.federated.tflite_trainer import TFLiteTrainer, batch_order


def run_federated(model, clients, **options):
    """TFF FedAvg rounds; see ``tfcompress.federated.fedavg.run_federated`` (full stack only)."""
    require_tff()
    from tfcompress.federated.fedavg import run_federated as run

    return run(model, clients, **options)


def personalization_eval(model, clients, config=None, global_prior=None, **options):
    """TFF personalization evaluation; see ``tfcompress.federated.personalization`` (full stack only)."""
    require_tff()
    from tfcompress.federated.personalization import personalization_eval as evaluate

    return evaluate(model, clients, config, global_prior, **options)


def dp_epsilon(noise_multiplier, sampling_rate, rounds, delta):
    """The (epsilon at delta) of DP rounds; see ``tfcompress.federated.dp.dp_epsilon``."""
    from tfcompress.federated.dp import dp_epsilon as epsilon

    return epsilon(noise_multiplier, sampling_rate, rounds, delta)


from tfcompress.federated.report import personalization_report  # noqa: E402  (calls the two above)

__all__ = ["Client", "FullStackRequired", "OnDeviceTrainer", "PersonalizationConfig", "TFLiteTrainer",
           "batch_order", "client_table", "convert_on_device_training", "dirichlet_label_partition",
           "dp_epsilon", "export_on_device_training", "export_personalized_client", "finetune_head_keras", "has_tff", "label_prior", "prior_offset",
           "make_clients", "personalization_eval", "personalization_report", "personalize_keras", "require_tff", "run_federated", "user_partition"]
