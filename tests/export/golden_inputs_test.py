import json

import numpy as np

from tfcompress.export.golden_inputs import character_table, main, write_golden_inputs
from tfcompress.text import WordTokenizer


def read_lines(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_the_golden_files_hold_every_text_of_every_set_for_every_encoder(rotten_tomatoes, tmp_path):
    texts, attacked = list(rotten_tomatoes.test.texts[:30]), ["the flim is greta", "a dlul mess"]
    write_golden_inputs(tmp_path, texts, rotten_tomatoes.train.texts[:2000], attacked)
    for name in ("hashing", "multi_hash", "vocabulary", "vocabulary_no_typo_recovery", "vocabulary_known_words",
                 "ternary_projection"):
        header = json.loads((tmp_path / f"encoder_{name}.json").read_text())
        lines = read_lines(tmp_path / f"encoder_{name}.jsonl")
        assert [line["text"] for line in lines if line["set"] == "attack"] == attacked
        assert sum(line["set"] == "test" for line in lines) == 30
        assert all(len(line["input"]) == int(np.prod(header["input_shape"])) for line in lines)
    vocabulary = read_lines(tmp_path / "encoder_vocabulary.jsonl")
    typo = next(line for line in vocabulary if line["text"] == "the flim is greta")
    strict = next(line for line in read_lines(tmp_path / "encoder_vocabulary_no_typo_recovery.jsonl")
                  if line["text"] == "the flim is greta")
    assert typo["tokens"] == ["the", "flim", "is", "greta"] and 1 in strict["input"][:4] and 1 not in typo["input"][:3]


def test_the_character_table_has_pythons_classes_and_case_mappings():
    table = character_table()
    letters = table["letter_or_digit"]

    def is_letter(point):
        return any(first <= point <= last for first, last in letters)

    assert is_letter(ord("²")) and is_letter(ord("Ⅻ")) and not is_letter(ord("_")) and not is_letter(0x301)
    assert table["whitespace"] == WordTokenizer.spec()["whitespace_code_points"]
    assert table["lowercase"][str(ord("İ"))] == "i\u0307" and str(ord("a")) not in table["lowercase"]


def test_the_model_outputs_are_the_files_outputs_with_the_librarys_highlighted_words(vocabulary_export,
                                                                                   rotten_tomatoes, tmp_path):
    from tfcompress.tflite import load_android_model

    self_explaining_tflite = vocabulary_export[0]
    main(["--out", str(tmp_path), "--model", str(self_explaining_tflite)])
    lines = read_lines(tmp_path / "model_outputs.jsonl")
    model = load_android_model(self_explaining_tflite)
    assert len(lines) > len(rotten_tomatoes.test.texts)
    first = lines[0]
    np.testing.assert_allclose(first["logits"], model.predict_texts([first["text"]])[0], atol=1e-6)
    words, values = model.word_contributions([first["text"]])
    assert set(first["supporting"]) <= set(words[0]) and len(first["contributions"]) == 48 * 2
    assert json.loads((tmp_path / "model_spec.json").read_text())["contributions"]["shape"] == [1, 48, 2]
