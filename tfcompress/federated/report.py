"""The personalization stage's results: FedAvg rounds, TFF personalization evaluation and the
on-device-training ``.tflite``, as the ``personalization`` section of metrics.json."""
from tfcompress.federated.clients import client_table
from tfcompress.federated.config import PersonalizationConfig
from tfcompress.federated.on_device_export import export_on_device_training
from tfcompress.federated.stack import FullStackRequired


def personalization_report(student, clients, options, trainable_tflite_path, seed=0, global_prior=None,
                           config=None, progress=None):
    """FedAvg rounds from ``student`` on ``clients``, TFF personalization evaluation, and the
    on-device-training ``.tflite`` written to ``trainable_tflite_path``.

    The federated parts need the full stack; elsewhere the section says so and only the on-device
    ``.tflite`` is written. ``student`` ends with the global weights of the last round.

    Args:
        student: the distilled Keras student.
        clients: ``Client`` objects (``make_clients``).
        options: ``rounds`` and optionally ``alpha`` (the Dirichlet skew the clients were cut with).
        trainable_tflite_path: where the on-device-training model goes.
        seed: fixes client sampling.
        global_prior: the global model's training prior (``label_prior``), for the default ``prior`` method.
        config: the ``PersonalizationConfig`` (default: the personal prior).
        progress: called with each round's record.

    Example:
        >>> section = personalization_report(student, make_clients([data.test], 10), {"rounds": 2}, "trainable.tflite")
    """
    from tfcompress.federated import personalization_eval, run_federated

    config = config or PersonalizationConfig()
    section = {"clients": len(clients), "alpha": options.get("alpha"), "rounds": options["rounds"],
               "config": config.to_dict(), "client_table": client_table(clients, student.num_classes)}
    section["on_device_training"] = export_on_device_training(student, trainable_tflite_path,
                                                              learning_rate=config.learning_rate,
                                                              global_prior=global_prior, config=config)
    try:
        # The personal prior is evaluated on the distilled student itself; FedAvg rounds then continue it.
        section["evaluation"] = personalization_eval(student, clients, config, global_prior)
        section["federated"] = run_federated(student, clients, rounds=options["rounds"], seed=seed, progress=progress)
    except FullStackRequired as error:
        section["federated"] = section["evaluation"] = f"not measured: {error}"
    return section
