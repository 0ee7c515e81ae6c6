"""The simple baseline every run is measured against: TF-IDF + logistic regression on the same split.

A student that a linear model on word n-grams beats is not worth shipping: the run reports this baseline
beside the teacher and the student and warns when the student falls below it. It reads the same tokens as the
students (``WordTokenizer``), word 1-2 grams, TF-IDF weighted, and an L2-regularized logistic regression trained by
stochastic gradient descent (seconds even on thousands of long documents and many classes, where a full-batch
solver takes minutes); the regularization strength and sublinear term frequency are chosen on the validation
split.
"""
import gzip
import time

import numpy as np

from tfcompress.evaluation import accuracy
from tfcompress.text.word_tokenizer import WordTokenizer

ALPHA_GRID = (3e-5, 1e-5, 3e-6, 1e-6)
SUBLINEAR_GRID = (False, True)
NGRAM_RANGE = (1, 2)


class TokenLines:
    """Raw text -> the space-joined line of ``WordTokenizer`` tokens the baseline reads."""

    input_dtype, input_name = "str", "line"

    def __init__(self):
        self.tokenizer = WordTokenizer()

    def words(self, text):
        return self.tokenizer.tokenize(text)

    def encode(self, texts):
        return [" ".join(self.words(text)) for text in texts]


class TfidfBaseline:
    """A fitted TF-IDF vectorizer and logistic regression, predicting log-probabilities from raw texts.

    ``predict_ids`` takes encoded token lines (``encoder.encode``), so the attacks and explanations query it as
    they query a ``.tflite`` student.

    Args:
        vectorizer: a fitted scikit-learn ``TfidfVectorizer`` over token lines.
        classifier: a fitted scikit-learn ``SGDClassifier`` with the logistic loss.
        num_classes: the number of classes.
        settings: the chosen settings (and the validation grid).

    Example:
        >>> baseline = fit_baseline(tfcompress.datasets.load("rotten_tomatoes"))
        >>> baseline.predict_texts(["a gorgeous, witty film"]).argmax(-1)
    """

    def __init__(self, vectorizer, classifier, num_classes, settings):
        self.vectorizer, self.classifier = vectorizer, classifier
        self.num_classes, self.settings, self.encoder = int(num_classes), settings, TokenLines()

    def predict_ids(self, lines):
        probabilities = np.full((len(lines), self.num_classes), 1e-7, np.float64)
        probabilities[:, self.classifier.classes_] = self.classifier.predict_proba(self.vectorizer.transform(list(lines)))
        return np.log(np.maximum(probabilities, 1e-7)).astype(np.float32)

    def predict_texts(self, texts):
        return self.predict_ids(self.encoder.encode(list(texts)))

    def accuracy(self, split):
        return accuracy(self.predict_texts(split.texts), split.labels)

    def count_params(self):
        """The logistic regression's weights and biases and the idf of each n-gram."""
        return int(self.classifier.coef_.size + self.classifier.intercept_.size + self.vectorizer.idf_.size)

    def nbytes(self):
        """What an app would ship: the n-gram vocabulary (gzip) and float32 idf and weights."""
        vocabulary = "\n".join(sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get))
        return (len(gzip.compress(vocabulary.encode("utf-8"), 9)) + 4 * self.vectorizer.idf_.size
                + 4 * (self.classifier.coef_.size + self.classifier.intercept_.size))


def fit_baseline(data, seed=0, alpha_grid=ALPHA_GRID, sublinear_grid=SUBLINEAR_GRID):
    """The TF-IDF + logistic regression whose settings score best on ``data.validation``.

    Args:
        data: a ``TextDataset``; rows of the training split without a label (-1) are left out.
        seed: the logistic regression's seed (its order of examples).
        alpha_grid: the L2 regularization strengths tried.
        sublinear_grid: whether term frequency is ``1 + log(tf)``, tried both ways by default.

    Returns:
        The best ``TfidfBaseline``; its ``settings["grid"]`` holds every setting's validation accuracy.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = data.train.labelled()
    encoder = TokenLines()
    train_lines, validation_lines = encoder.encode(train.texts), encoder.encode(data.validation.texts)
    best, grid = None, []
    for sublinear in sublinear_grid:
        vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, sublinear_tf=sublinear, token_pattern=None,
                                     tokenizer=str.split, lowercase=False)
        features = vectorizer.fit_transform(train_lines)
        validation = vectorizer.transform(validation_lines)
        for alpha in alpha_grid:
            classifier = _logistic_regression(alpha, seed).fit(features, np.asarray(train.labels))
            settings = {"alpha": alpha, "sublinear_tf": sublinear, "ngram_range": list(NGRAM_RANGE)}
            score = _class_accuracy(classifier, validation, data.validation.labels)
            grid.append({**settings, "validation_accuracy": score})
            if best is None or score > best[0]:
                best = (score, TfidfBaseline(vectorizer, classifier, data.num_classes, settings))
    best[1].settings["grid"] = grid
    return best[1]


def baseline_teacher(model, class_names, max_length=48):
    """A fitted ``TfidfBaseline`` as a teacher to distil from (``TextTeacher``): its log-probabilities are the logits.

    On long documents of many classes it is the strongest teacher a few seconds buy: it reads every word of a text
    while a student reads its first ``max_length`` tokens. It has no word vectors and no gradients, so the run
    starts the student's embeddings at random and uses the maps computed from outputs alone
    (``tfcompress.pipeline.teacher_features``).

    Args:
        model: a fitted ``TfidfBaseline``.
        class_names: the data's classes, in order.
        max_length: words per text its word-deletion maps cover.

    Example:
        >>> teacher = baseline_teacher(fit_baseline(data), data.class_names)
        >>> teacher.predict_texts(["the shuttle reached orbit"]).shape
        (1, 20)
    """
    from tfcompress.models.user_teacher import TextTeacher

    return TextTeacher(model.predict_texts, class_names=class_names, outputs="logits", name="baseline",
                       max_length=max_length, params=model.count_params())


def measure_baseline(data, seed=0, model=None, fit_seconds=None):
    """The ``baseline`` section of metrics.json: the tuned baseline's accuracies, settings, size and time.

    Args:
        data: a ``TextDataset``.
        seed: the fit's seed.
        model: the baseline already fitted on ``data`` with ``seed`` (``None``: fitted here), and ``fit_seconds``
            the time its fit took.
    """
    start = time.time()
    if model is None:
        model = fit_baseline(data, seed)
        fit_seconds = time.time() - start
    return {"model": "TF-IDF (word 1-2 grams) + logistic regression, L2 strength and sublinear tf chosen on "
                     "validation",
            "validation_accuracy": max(row["validation_accuracy"] for row in model.settings["grid"]),
            "test_accuracy": model.accuracy(data.test),
            "settings": {key: value for key, value in model.settings.items() if key != "grid"},
            "grid": model.settings["grid"], "bytes": int(model.nbytes()),
            "fit_seconds": round(fit_seconds, 2)}


def below_baseline(metrics):
    """``(model, its accuracy, the baseline's)`` for the shipped student when the baseline beats it on the test
    split, else ``None``. The shipped student is the int8 file, or the Keras student when there is no file."""
    baseline = metrics.get("baseline")
    if not isinstance(baseline, dict):
        return None
    for name in ("tflite", "student"):
        section = metrics.get(name)
        if isinstance(section, dict) and section.get("test_accuracy") is not None:
            accuracy = section["test_accuracy"]
            return (name, accuracy, baseline["test_accuracy"]) if accuracy < baseline["test_accuracy"] else None
    return None


def _logistic_regression(alpha, seed):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=50, tol=1e-4, random_state=seed, n_jobs=-1)


def _class_accuracy(classifier, features, labels):
    """Accuracy of ``classifier`` on ``features``, its columns mapped back to class ids (a class missing from the
    training rows has no column)."""
    return float(np.mean(classifier.classes_[np.argmax(classifier.predict_proba(features), axis=1)] == np.asarray(labels)))
