from tfcompress.tflite import uses_builtin_ops_only
from tfcompress.federated import PersonalizationConfig, export_personalized_client


def test_a_clients_personalized_model_exports_as_int8(small_student, skewed_clients, tmp_path):
    client = max(skewed_clients, key=lambda c: max(c.label_counts(2)) / (c.num_train + c.num_test))
    report = export_personalized_client(small_student, client, tmp_path / "client.tflite",
                                        PersonalizationConfig(method="finetune"))
    model_bytes = (tmp_path / "client.tflite").read_bytes()
    assert uses_builtin_ops_only(model_bytes) and report["tflite"]["bytes"] == len(model_bytes)
    assert report["tflite"]["parity"] >= 0.95
    assert abs(report["tflite"]["test_accuracy"] - report["personalization"]["test_accuracy_final"]) <= 0.05


def test_a_clients_personal_prior_exports_as_int8_with_the_offset_in_its_bias(small_student, skewed_clients, tmp_path):
    from tfcompress.federated import label_prior

    client = max(skewed_clients, key=lambda c: max(c.label_counts(2)) / (c.num_train + c.num_test))
    report = export_personalized_client(small_student, client, tmp_path / "client.tflite", PersonalizationConfig(),
                                        global_prior=label_prior([0, 1], 2))
    assert report["personalization"]["adopted"] == 1
    assert abs(report["tflite"]["test_accuracy"] - report["personalization"]["test_accuracy_final"]) <= 0.05
