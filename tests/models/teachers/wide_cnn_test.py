"""WideCNNTeacher: the cnn at teacher size, a registered teacher that trains, explains itself and round-trips."""
import numpy as np

from tfcompress.models import TEACHERS, CNNStudent, WideCNNTeacher, build_teacher, load_model, save_model
from tests.conftest import train_classifier


def small_wide_teacher(small_data):
    teacher = WideCNNTeacher(num_classes=2, num_buckets=2000, max_length=32, embedding_dim=16, filters=32)
    return train_classifier(teacher, small_data.train)


def test_it_is_the_cnn_at_teacher_size_and_a_registered_teacher():
    teacher = build_teacher("wide_cnn", num_classes=20)
    assert TEACHERS["wide_cnn"] is WideCNNTeacher and teacher.registry_name == "wide_cnn"
    assert isinstance(teacher, CNNStudent) and CNNStudent.registry_name == "cnn"
    assert (teacher.num_buckets, teacher.embedding_dim, teacher.filters, teacher.pooling) == \
        (20000, 64, 128, "channel_attention")
    assert teacher.explains_itself


def test_it_learns_the_small_split_and_round_trips(small_data, tmp_path):
    teacher = small_wide_teacher(small_data)
    texts, labels = small_data.test.texts, np.asarray(small_data.test.labels)
    assert np.mean(teacher.predict_texts(texts).argmax(-1) == labels) > 0.6
    save_model(teacher, tmp_path / "teacher.keras")
    loaded = load_model(tmp_path / "teacher.keras")
    assert type(loaded) is WideCNNTeacher and loaded.get_config() == teacher.get_config()
    np.testing.assert_allclose(loaded.predict_texts(texts[:20]), teacher.predict_texts(texts[:20]), atol=1e-6)
