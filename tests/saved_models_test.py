"""The shipped model in saved_models/: it loads from its own spec, runs, and still matches its card."""
import json
import os

import numpy as np
import pytest

from tfcompress.tflite import (load_android_model, metadata_writers_available, op_names, read_android_metadata,
                               uses_builtin_ops_only)

SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "saved_models", "rotten_tomatoes")
MODEL = os.path.join(SHIPPED, "student.tflite")


@pytest.fixture(scope="module")
def card():
    with open(os.path.join(SHIPPED, "card.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_shipped_files_are_all_there():
    for name in ("student.tflite", "student.json", "student.labels.txt", "card.json", "MODEL_CARD.md"):
        assert os.path.isfile(os.path.join(SHIPPED, name)), name


def test_shipped_file_is_the_one_the_card_describes(card):
    content = open(MODEL, "rb").read()
    assert len(content) == card["measured"]["bytes"] <= 100_000
    assert uses_builtin_ops_only(content) and op_names(content) == card["measured"]["ops"]
    metadata = read_android_metadata(MODEL)
    assert metadata["labels"] == card["labels"] == open(os.path.join(SHIPPED, "student.labels.txt")).read().split()
    if metadata_writers_available():
        assert metadata["source"] == card["metadata"] == "embedded"


def test_shipped_model_still_matches_its_card_on_the_test_slice(card, rotten_tomatoes):
    assert card["dataset"]["name"] == "rotten_tomatoes" and card["dataset"]["seed"] == 0
    expected = card["measured"]["slice"]
    model = load_android_model(MODEL)
    texts = list(rotten_tomatoes.test.texts[:expected["size"]])
    labels = np.asarray(rotten_tomatoes.test.labels[:expected["size"]])
    predictions = np.argmax(model.predict_texts(texts), axis=-1)
    # int8 kernels round some outputs one step differently across TFLite runtimes (TF 2.14 vs 2.21, LiteRT 2.3), which
    # flips ties and one-step margins: 2 of these 200 on TF 2.21 for the shipped model. Allow 3.
    assert np.mean(predictions == np.asarray(expected["predictions"])) >= 0.985
    assert abs(float(np.mean(predictions == labels)) - expected["accuracy"]) <= 0.015


def test_model_card_states_the_measured_figures(card):
    text = open(os.path.join(SHIPPED, "MODEL_CARD.md"), encoding="utf-8").read()
    assert f"| test accuracy (int8 .tflite) | {card['measured']['test_accuracy']:.4f} |" in text
    assert f"{card['measured']['bytes']:,} bytes" in text
    assert card["command"].startswith("tfcompress export runs/default --out saved_models/rotten_tomatoes/student.tflite")
    assert set(card["robustness"]["recipes"]) == {"deepwordbug", "pruthi", "pwws", "textfooler"}
