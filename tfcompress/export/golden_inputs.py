"""Golden model inputs for the app-side code: what the package's encoders make of real and tricky texts.

The Kotlin preprocessing in ``android/`` is tested against these files: for each encoder the spec section
an app reads and, per text, the tokens and the flattened model input; a table of every Unicode code point's
character class and lower-case form; and, for an exported model that explains itself, its two outputs
(logits, per-position contributions) with the words the library highlights.

Command (``make test-android`` runs it)::

    python -m tfcompress.export.golden_inputs --out build/android/golden \\
        --model saved_models/rotten_tomatoes/student.tflite --attack-csv saved_models/rotten_tomatoes/attacks/*.csv
"""
import argparse
import csv
import glob
import json
import os
import sys
import unicodedata

import numpy as np

from tfcompress.atomic import write_json_atomic, write_text_atomic
from tfcompress.export.android import encoder_entry

# Texts where a character class, the case mapping or UTF-16 could make an app disagree with Python.
UNICODE_EDGE_CASES = [
    "Don't  panic, it's GREAT!!", "l'été — déjà vu…", "rock'n'roll 'quoted' it''s", "snake_case x2 ²",
    "İstanbul ΣΊΣΥΦΟΣ", "tabs\tand\nnewlines\u00a0nbsp", "'", "", "a'",
    "ΟΔΟΣ. ΣΑ Σ ΑΣ.Σ", "ẞtraße Straße", "ǅemal ǈubljana", "\u212a\u212b K Å", "ＦＵＬＬｗｉｄｔｈ １２３",
    "e\u0301te\u0301 combining", "\U0001d400\U0001d401 math bold", "😀 emoji 👍🏽 ok", "a\u200db zero\u200bwidth",
    "soft\u00adhyphen", "\ufeffbom", "it’s curly ‘quotes’", "Ⅻ chapter ¾ cup ١٢٣ arabic ๓ thai",
    "中文字符 日本語テキスト 한국어", "nbsp\u2007figure\u202fnarrow\u0085nel\u001cfs\u3000ideographic",
    "x" * 300, " ".join(f"w{index}" for index in range(60)), "\u0130I\u0131i", "ﬁne ﬂow ǆ",
]

# Real words one edit from other words, next to typos: the known_words filter must keep the first unknown and
# still recover the second (bar is not bad, but bda is).
REAL_WORD_CASES = [
    "the bar was a lie , not a flim", "walking , wakling and wlaking", "a bda film with bard and barr",
    "lied , lies , like , liek", "the plot is thin ; the thine is plto", "Cant won't dont can't",
]


def golden_encoders(train_texts, vocabulary_size=3500):
    """The encoders whose inputs the app-side tests check: every kind an exported student can have (the
    vocabulary encoder also with a ``known_words`` filter of the English words it must not recover)."""
    from tfcompress.text import HashingEncoder, MultiHashEncoder, TernaryProjectionEncoder, VocabularyEncoder
    from tfcompress.text.english_words import english_words
    from tfcompress.text.vocabulary_encoder import vocabulary_from_texts

    vocabulary = vocabulary_from_texts(train_texts, vocabulary_size)
    return {"hashing": HashingEncoder(5000, 48), "multi_hash": MultiHashEncoder(4096, 2, 48),
            "vocabulary": VocabularyEncoder(vocabulary, max_length=48),
            "vocabulary_no_typo_recovery": VocabularyEncoder(vocabulary, max_length=48, typo_recovery=False),
            "vocabulary_known_words": VocabularyEncoder.from_texts(train_texts, vocabulary_size, max_length=48,
                                                                   real_words=english_words()),
            "ternary_projection": TernaryProjectionEncoder(64, 48)}


def encoder_cases(encoder, text_sets):
    """One JSON line per text: its set, text, tokens (truncated) and flattened model input."""
    from tfcompress.text import WordTokenizer

    tokenizer = WordTokenizer()
    lines = []
    for set_name, texts in text_sets.items():
        inputs = encoder.encode(list(texts))
        for text, values in zip(texts, inputs):
            flat = np.asarray(values).ravel()
            lines.append({"set": set_name, "text": text, "tokens": tokenizer.tokenize(text)[:encoder.max_length],
                          "input": [int(v) for v in flat] if flat.dtype.kind in "iu" else [float(v) for v in flat]})
    return lines


def character_table():
    """Per code point (surrogates excluded): assigned or not, letter-or-digit, whitespace, lower-case form."""
    assigned, letters, lowercase = [], [], {}
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        if unicodedata.category(char) != "Cn":
            assigned.append(point)
        if char.isalnum():
            letters.append(point)
        if char.lower() != char:
            lowercase[str(point)] = char.lower()
    return {"unicode_version": unicodedata.unidata_version, "assigned": _ranges(assigned),
            "letter_or_digit": _ranges(letters),
            "whitespace": [point for point in range(0x110000) if chr(point).isspace()], "lowercase": lowercase}


def _ranges(points):
    ranges = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ranges


def model_outputs(tflite_path, texts):
    """For a self-explaining ``.tflite``: per text its input, logits, contributions and highlighted words."""
    from tfcompress.models.text_classifier import contributions_per_word
    from tfcompress.tflite import load_android_model

    model = load_android_model(tflite_path)
    if not model.explains_itself:
        return None
    texts = list(texts)
    ids, word_index = model.encoder.encode_with_words(texts)
    logits, contributions = model.runner.predict_with_contributions(ids)
    words, values = contributions_per_word(model.encoder, texts, word_index, contributions, logits.argmax(-1))
    lines = []
    for row, text in enumerate(texts):
        order = sorted(range(len(words[row])), key=lambda position: -values[row][position])
        lines.append({"text": text, "input": [int(v) for v in ids[row].ravel()],
                      "logits": [float(v) for v in logits[row]],
                      "contributions": [float(v) for v in np.asarray(contributions[row]).ravel()],
                      "supporting": [words[row][p] for p in order[:3] if values[row][p] > 0]})
    return lines


def attack_texts(csv_paths):
    """The perturbed texts of attack CSVs (``perturbed_text`` column), in file order."""
    texts = []
    for path in csv_paths:
        with open(path, newline="", encoding="utf-8") as handle:
            texts += [row["perturbed_text"] for row in csv.DictReader(handle) if row.get("perturbed_text")]
    return texts


def write_golden_inputs(out_dir, test_texts, train_texts, attacked=(), tflite_path=None):
    """Write the golden files (see the module docstring) into ``out_dir``; returns the written paths.

    Args:
        out_dir: folder to write into (created).
        test_texts: the test split's texts (all of them are cases).
        train_texts: texts the vocabulary encoders are built from.
        attacked: perturbed texts from attack CSVs.
        tflite_path: an exported ``.tflite`` (spec embedded or sidecar); its spec is copied and, when it
            explains itself, its outputs on the test split are written.

    Example:
        >>> data = datasets.load("rotten_tomatoes", seed=0)
        >>> write_golden_inputs("build/android/golden", data.test.texts, data.train.texts)
    """
    from tfcompress.tflite import read_android_metadata

    os.makedirs(out_dir, exist_ok=True)
    text_sets = {"test": list(test_texts), "attack": list(attacked), "unicode": list(UNICODE_EDGE_CASES),
                 "real_words": list(REAL_WORD_CASES)}
    written = []
    encoders = golden_encoders(train_texts)
    for name, encoder in encoders.items():
        written.append(write_json_atomic({"encoder": encoder_entry(encoder), "preprocessing": encoder.spec(),
                                          "input_shape": list(encoder.input_shape)},
                                         os.path.join(out_dir, f"encoder_{name}.json")))
        written.append(_write_lines(encoder_cases(encoder, text_sets), os.path.join(out_dir, f"encoder_{name}.jsonl")))
    written.append(write_json_atomic(character_table(), os.path.join(out_dir, "characters.json")))
    if tflite_path is not None:
        written.append(write_json_atomic(read_android_metadata(tflite_path)["spec"],
                                         os.path.join(out_dir, "model_spec.json")))
        outputs = model_outputs(tflite_path, text_sets["test"] + text_sets["unicode"])
        if outputs is not None:
            written.append(_write_lines(outputs, os.path.join(out_dir, "model_outputs.jsonl")))
    return written


def _write_lines(lines, path):
    return write_text_atomic("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), path)


def main(argv=None):
    from tfcompress import datasets

    parser = argparse.ArgumentParser(description="Write golden model inputs for the app-side (Kotlin) tests.")
    parser.add_argument("--out", required=True, help="folder to write")
    parser.add_argument("--model", help="an exported .tflite whose spec and outputs to include")
    parser.add_argument("--attack-csv", nargs="*", default=[], help="attack CSVs (their perturbed_text column)")
    args = parser.parse_args(argv)
    data = datasets.load("rotten_tomatoes", seed=0)
    paths = sorted(path for pattern in args.attack_csv for path in glob.glob(pattern))
    written = write_golden_inputs(args.out, data.test.texts, data.train.texts, attack_texts(paths), args.model)
    print(f"wrote {len(written)} golden files to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
