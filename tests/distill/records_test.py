import numpy as np
import pytest

from tfcompress.backend import keras
from tfcompress.distill import Distiller, TeacherExplanations, distillation_dataset
from tfcompress.distill.records import distillation_records_dataset, write_distillation_records
from tfcompress.models import CNNStudent


def test_records_round_trip_every_feature_and_train_a_distiller(small_teacher, small_data, tmp_path):
    student = CNNStudent(num_buckets=500, max_length=32, embedding_dim=8, filters=8)
    split = small_data.train.take(70)
    in_memory = distillation_dataset(split, student, small_teacher, batch_size=32,
                                     teacher_logits=small_teacher.predict_texts(split.texts),
                                     explanations=TeacherExplanations(small_teacher, "saliency", 32))
    paths = write_distillation_records(in_memory, tmp_path, examples_per_shard=30)
    assert len(paths) == 3 and not list(tmp_path.glob("*.partial"))
    streamed = distillation_records_dataset(tmp_path, batch_size=32)
    for (a, label_a), (b, label_b) in zip(in_memory, streamed):
        assert set(a) == set(b)
        for name in a:
            np.testing.assert_array_equal(a[name].numpy(), b[name].numpy())
        np.testing.assert_array_equal(label_a.numpy(), label_b.numpy())
    distiller = Distiller(student=student, teacher=small_teacher)
    distiller.compile(keras.optimizers.Adam(1e-3), explain_weight=1.0)
    history = distiller.fit(distillation_records_dataset(tmp_path, 16, shuffle=True), epochs=1, verbose=0).history
    assert history["explain_loss"][0] > 0


def test_missing_records_are_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no distillation records"):
        distillation_records_dataset(tmp_path)
