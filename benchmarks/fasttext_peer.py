"""fastText (supervised, quantized .ftz) as a raw-text classifier that textattack and shap can query.

The external peer of ``benchmarks/paper.py``: what a practitioner would use instead of a distilled
TFLite student. It sees the same tokens as the students (``WordTokenizer``: lower-cased words and
punctuation marks), joined by spaces, as fastText expects.
"""
import os
import statistics
import tempfile
import time

import numpy as np

from tfcompress.baseline import TokenLines as FastTextInput  # the same token lines the TF-IDF baseline reads

LABEL_PREFIX = "__label__"


class FastTextClassifier:
    """A trained fastText model behind the interface of a ``TFLiteTextClassifier``.

    ``predict_ids`` takes encoded lines and returns log-probabilities (softmax of them gives back
    fastText's probabilities), so ``tfcompress.robustness.TextPredictor`` runs it like a ``.tflite``.

    Args:
        model: a ``fasttext`` model trained on ``__label__<class id>`` lines.
        num_classes: number of classes.
    """

    def __init__(self, model, num_classes):
        self.model, self.num_classes, self.encoder = model, int(num_classes), FastTextInput()

    def predict_ids(self, lines):
        labels, probabilities = self.model.predict(list(lines), k=self.num_classes)
        out = np.full((len(lines), self.num_classes), 1e-7, np.float32)
        for row, (names, values) in enumerate(zip(labels, probabilities)):
            for name, value in zip(names, values):
                out[row, int(name[len(LABEL_PREFIX):])] = max(float(value), 1e-7)
        return np.log(out)

    def predict_texts(self, texts):
        return self.predict_ids(self.encoder.encode(list(texts)))

    def median_latency_us(self, texts):
        """Median time of one ``predict`` of one pre-tokenized line (fastText predicts on one thread)."""
        timings = []
        for line in self.encoder.encode(list(texts)):
            start = time.perf_counter()
            self.model.predict(line, k=self.num_classes)
            timings.append((time.perf_counter() - start) * 1e6)
        return statistics.median(timings)


def fasttext_seed(seed):
    """The seed fastText is given for ``seed``: its random engine (``std::minstd_rand``) takes 0 as 1, so seeds
    0 and 1 would train the same model."""
    return seed + 1


def train_fasttext(split, num_classes, path, epochs=25, seed=0, cutoff=50000, word_ngrams=2):
    """Train a supervised fastText model on ``split``, quantize it and save it to ``path`` (``.ftz``).

    Hyper-parameters follow fastText's text-classification tutorial (word bigrams, lr 0.5, 25
    epochs); one thread, so a seed gives the same model, and ``fasttext_seed`` makes each seed another one.
    Returns a ``FastTextClassifier``.
    """
    import fasttext

    encoder = FastTextInput()
    with tempfile.TemporaryDirectory() as folder:
        train_file = os.path.join(folder, "train.txt")
        with open(train_file, "w", encoding="utf-8") as handle:
            for line, label in zip(encoder.encode(split.texts), split.labels):
                handle.write(f"{LABEL_PREFIX}{int(label)} {line}\n")
        model = fasttext.train_supervised(input=train_file, lr=0.5, epoch=epochs, wordNgrams=word_ngrams, dim=50,
                                          thread=1, seed=fasttext_seed(seed), verbose=0)
        model.quantize(input=train_file, qnorm=True, retrain=True, cutoff=cutoff, thread=1, verbose=0)
    model.save_model(os.fspath(path))
    return FastTextClassifier(model, num_classes)


def load_fasttext(path, num_classes):
    import fasttext

    return FastTextClassifier(fasttext.load_model(os.fspath(path)), num_classes)


TUNING_GRID = {"epochs": (10, 25), "word_ngrams": (1, 2), "cutoff": (5000, 10000, 50000)}


def tuned_fasttext(data, path, seed=0):
    """The quantized fastText model whose (epochs, word n-grams, cutoff) scores best on validation, saved to
    ``path``; returns ``(model, settings)`` with the grid's validation accuracies in ``settings["grid"]``."""
    import itertools
    import shutil

    grid, best = [], None
    keys = list(TUNING_GRID)
    for values in itertools.product(*TUNING_GRID.values()):
        options = dict(zip(keys, values))
        candidate = f"{os.fspath(path)}.candidate.ftz"
        model = train_fasttext(data.train, data.num_classes, candidate, seed=seed, **options)
        predicted = np.argmax(model.predict_texts(list(data.validation.texts)), axis=1)
        score = float(np.mean(predicted == np.asarray(data.validation.labels)))
        grid.append({**options, "validation_accuracy": score, "bytes": os.path.getsize(candidate)})
        if best is None or score > best[0]:
            best = (score, options)
            shutil.copyfile(candidate, path)
        os.remove(candidate)
    return load_fasttext(path, data.num_classes), {**best[1], "validation_accuracy": best[0], "grid": grid}
