"""The Distiller under tf.distribute.MirroredStrategy with two logical CPU devices."""
import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from tfcompress.backend import keras, tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tfcompress import datasets
    from tfcompress.distill import Distiller, TeacherExplanations, distillation_dataset
    from tfcompress.models import BiLSTMTeacher, CNNStudent

    split = datasets.load("rotten_tomatoes", seed=0).train.take(64)

    def one_step(strategy):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            teacher = BiLSTMTeacher(num_buckets=300, max_length=16, embedding_dim=4, lstm_units=4, attention_units=4,
                                    dropout=0.0).build_for_inputs()
            student = CNNStudent(num_buckets=300, max_length=16, embedding_dim=4, filters=4, dropout=0.0)
            student.build_for_inputs()
            distiller = Distiller(student=student, teacher=teacher)
            distiller.compile(keras.optimizers.SGD(0.5), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                              explain_weight=1.0)
        data = distillation_dataset(split, student, teacher, batch_size=64,
                                    explanations=TeacherExplanations(teacher, "saliency", 16))
        history = distiller.fit(data, epochs=1, verbose=0).history
        return strategy.num_replicas_in_sync, history, [w.tolist() for w in student.get_weights()]

    mirrored = one_step(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    single = one_step(tf.distribute.OneDeviceStrategy("/cpu:0"))
    print("RESULT", json.dumps({"replicas": mirrored[0], "history": mirrored[1],
                                "max_weight_difference": max(float(np.max(np.abs(np.array(a) - np.array(b))))
                                                             for a, b in zip(mirrored[2], single[2])),
                                "single_history": single[1]}))
""")


def test_distiller_trains_under_mirrored_strategy_like_on_one_device():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    assert out.returncode == 0 and lines, out.stderr[-3000:]
    result = json.loads(lines[0][len("RESULT "):])
    assert result["replicas"] == 2
    assert result["history"]["explain_loss"][0] > 0
    assert abs(result["history"]["loss"][0] - result["single_history"]["loss"][0]) < 1e-4
    assert result["max_weight_difference"] < 1e-4  # gradients summed over replicas = the global-batch mean
