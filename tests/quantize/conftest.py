"""Fixtures of the QAT tests: a small trained PRADO student next to the shared CNN student."""
import pytest

from tests.conftest import train_classifier


@pytest.fixture(scope="session")
def small_prado(small_data):
    from tfcompress.models import PRADOStudent

    student = PRADOStudent(features=32, max_length=32, bottleneck=16, filters=16)
    return train_classifier(student, small_data.train, epochs=2)


@pytest.fixture(scope="session")
def calibration_texts(small_data):
    return list(small_data.train.texts[:512])
