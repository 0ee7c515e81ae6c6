import csv

import numpy as np
import pytest

from tests.conftest import requires_full_stack
from tfcompress.errors import DataError
from tfcompress.robustness import CSV_COLUMNS, RECIPE_NAMES, attack_model, outcome_agreement
from tfcompress.evaluation import read_part
from tfcompress.evaluation import select_sample

NUM_EXAMPLES = 10


def test_sample_selection_is_seeded_sorted_and_deterministic():
    assert select_sample(100, 10, seed=3) == select_sample(100, 10, seed=3)
    assert select_sample(100, 10, seed=3) != select_sample(100, 10, seed=4)
    chosen = select_sample(100, 10, seed=3)
    assert chosen == sorted(chosen) and len(set(chosen)) == 10
    assert select_sample(5, None) == select_sample(5, 50) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="num_examples must be at least 1"):
        select_sample(5, 0)


def test_bad_data_is_a_clear_error(small_student):
    with pytest.raises(DataError, match="data is empty"):
        attack_model(small_student, [], [], "pwws")
    with pytest.raises(DataError, match="3 texts but 2 labels"):
        attack_model(small_student, ["a", "b", "c"], [0, 1], "pwws")
    with pytest.raises(ValueError, match="unknown attack recipe 'hotflip'"):
        attack_model(small_student, ["a"], [0], "hotflip")


@requires_full_stack
@pytest.mark.parametrize("recipe", RECIPE_NAMES)
def test_recipe_fools_the_keras_and_tflite_student_alike(recipe, small_student, student_tflite, small_data,
                                                         tmp_path):
    texts, labels = small_data.test.texts, small_data.test.labels
    keras_result = attack_model(small_student, texts, labels, recipe, num_examples=NUM_EXAMPLES, seed=0,
                                out_dir=str(tmp_path), progress=False)
    tflite_result = attack_model(student_tflite, texts, labels, recipe, num_examples=NUM_EXAMPLES, seed=0,
                                 progress=False)
    assert keras_result["model"] == "keras" and tflite_result["model"] == "tflite"
    assert keras_result["indices"] == select_sample(len(texts), NUM_EXAMPLES, 0)
    counts = keras_result["counts"]
    assert sum(counts.values()) == NUM_EXAMPLES and counts["successful"] >= 1
    assert keras_result["clean_accuracy"] == (counts["successful"] + counts["failed"]) / NUM_EXAMPLES
    assert keras_result["accuracy_under_attack"] == counts["failed"] / NUM_EXAMPLES
    assert keras_result["accuracy_under_attack"] < keras_result["clean_accuracy"]
    assert 0 < keras_result["mean_words_perturbed"] <= 1 and keras_result["mean_queries"] >= 1
    assert keras_result["seconds_per_attacked_example"] > 0
    assert outcome_agreement(keras_result, tflite_result) >= 0.8

    with open(keras_result["csv"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == NUM_EXAMPLES
    successful = [row for row in rows if row["outcome"] == "successful"]
    assert len(successful) == counts["successful"]
    for row in successful:
        assert row["perturbed_text"] != row["original_text"]
        assert int(row["original_prediction"]) == int(row["label"]) != int(row["perturbed_prediction"])
    # The adversarial texts really flip the model when it is asked again, outside textattack.
    flipped = small_student.predict_texts([row["perturbed_text"] for row in successful]).argmax(-1)
    assert np.all(flipped != np.array([int(row["label"]) for row in successful]))


@requires_full_stack
def test_same_seed_same_random_edits(small_student, small_data):
    runs = [attack_model(small_student, small_data.test.texts, small_data.test.labels, "deepwordbug",
                         num_examples=6, seed=seed, progress=False) for seed in (1, 1)]
    assert runs[0]["outcomes"] == runs[1]["outcomes"]
    assert runs[0]["mean_queries"] == runs[1]["mean_queries"]
    assert outcome_agreement(runs[0], runs[1]) == 1.0
    other = attack_model(small_student, small_data.test.texts, small_data.test.labels, "deepwordbug",
                         num_examples=6, seed=2, progress=False)
    with pytest.raises(ValueError, match="different samples"):
        outcome_agreement(runs[0], other)


@requires_full_stack
def test_wrappers_take_raw_strings_and_return_probabilities(small_student, student_tflite, small_data):
    from tfcompress.robustness import KerasModelWrapper, TFLiteModelWrapper

    texts = list(small_data.test.texts[:20])
    keras_probs = KerasModelWrapper(small_student)(texts)
    tflite_probs = TFLiteModelWrapper(student_tflite)(texts)
    assert keras_probs.shape == tflite_probs.shape == (20, 2)
    np.testing.assert_allclose(keras_probs.sum(-1), 1.0, atol=1e-5)
    assert np.abs(keras_probs - tflite_probs).max() < 0.1
    with pytest.raises(TypeError, match="wraps a keras model"):
        KerasModelWrapper(student_tflite)


@requires_full_stack
def test_an_attack_edits_only_the_first_max_words(small_student):
    long_text = " ".join(["a dull lifeless and tedious film"] * 12)  # 72 words
    predicted = int(small_student.predict_texts([long_text]).argmax(-1)[0])  # attacked, never skipped
    result = attack_model(small_student, [long_text], [predicted], "deepwordbug", seed=0, progress=False,
                          max_words=6, return_examples=True)
    row = result["examples"][0]
    assert result["max_words"] == 6 and row["outcome"] in ("successful", "failed")
    original, perturbed = row["original_text"].split(), row["perturbed_text"].split()
    assert original[6:] == perturbed[6:]  # nothing past the window changed
    if row["outcome"] == "successful":
        assert original[:6] != perturbed[:6]


def test_a_long_text_is_attacked_as_the_part_the_model_reads(small_student):
    encoder = small_student.encoder  # reads 32 tokens
    long_text = "the plot , sadly , goes nowhere " * 20
    part = read_part(long_text, encoder)
    assert len(part.split()) == encoder.max_length
    np.testing.assert_array_equal(encoder.encode([part]), encoder.encode([long_text]))
    np.testing.assert_allclose(small_student.predict_texts([part]), small_student.predict_texts([long_text]))
    assert read_part("a short text", encoder) == "a short text"


def test_a_text_is_kept_whole_for_an_encoder_that_reads_all_of_it():
    from tfcompress.baseline import TokenLines

    long_text = "word " * 500
    assert read_part(long_text, TokenLines()) == long_text
    assert read_part(long_text, None) == long_text
    assert read_part(long_text) == long_text


@requires_full_stack
def test_the_attack_csv_holds_the_part_of_a_long_text_the_model_reads(small_student):
    long_text = " ".join(["a dull lifeless and tedious film"] * 12)  # 72 words; the student reads 32 tokens
    predicted = int(small_student.predict_texts([long_text]).argmax(-1)[0])
    row = attack_model(small_student, [long_text], [predicted], "deepwordbug", seed=0, progress=False,
                       return_examples=True)["examples"][0]
    assert len(row["original_text"].split()) == small_student.encoder.max_length
    assert long_text.startswith(row["original_text"])
