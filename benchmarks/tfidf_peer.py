"""TF-IDF + logistic regression as a raw-text classifier that textattack can query, tuned on validation.

The classical peer of the students: word 1-2 grams of the same tokens the students read (``WordTokenizer``),
TF-IDF weighted, a logistic regression on top; the regularization strength C and sublinear tf are chosen
on the validation split.
"""
import gzip
import itertools
import json

import numpy as np

from fasttext_peer import FastTextInput

C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
SUBLINEAR_GRID = (False, True)


class TfidfClassifier:
    """A fitted TF-IDF vectorizer and logistic regression behind the interface of a ``TFLiteTextClassifier``.

    ``predict_ids`` takes the encoded (space-joined token) lines and returns log-probabilities, so
    ``tfcompress.robustness.TextPredictor`` and the attacks run it like a ``.tflite``.
    """

    def __init__(self, vectorizer, classifier, num_classes, settings):
        self.vectorizer, self.classifier = vectorizer, classifier
        self.num_classes, self.settings, self.encoder = int(num_classes), settings, FastTextInput()

    def predict_ids(self, lines):
        probabilities = self.classifier.predict_proba(self.vectorizer.transform(list(lines)))
        return np.log(np.maximum(probabilities, 1e-7)).astype(np.float32)

    def predict_texts(self, texts):
        return self.predict_ids(self.encoder.encode(list(texts)))

    def nbytes(self):
        """What an app would ship: the n-gram vocabulary (gzip) and float32 idf and weights."""
        vocabulary = "\n".join(sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get))
        return (len(gzip.compress(vocabulary.encode("utf-8"), 9)) + 4 * self.vectorizer.idf_.size
                + 4 * (self.classifier.coef_.size + self.classifier.intercept_.size))


def fit_tfidf(train, num_classes, sublinear, c, seed=0):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    encoder = FastTextInput()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=sublinear, token_pattern=None,
                                 tokenizer=str.split, lowercase=False)
    features = vectorizer.fit_transform(encoder.encode(train.texts))
    classifier = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(features, np.asarray(train.labels))
    return TfidfClassifier(vectorizer, classifier, num_classes, {"C": c, "sublinear_tf": sublinear,
                                                                 "ngram_range": [1, 2]})


def tuned_tfidf(data, seed=0):
    """The TF-IDF + LR model whose (C, sublinear tf) scores best on validation, with the grid's scores."""
    scores, best = [], None
    for sublinear, c in itertools.product(SUBLINEAR_GRID, C_GRID):
        model = fit_tfidf(data.train, data.num_classes, sublinear, c, seed)
        predicted = np.argmax(model.predict_texts(data.validation.texts), axis=1)
        score = float(np.mean(predicted == np.asarray(data.validation.labels)))
        scores.append({**model.settings, "validation_accuracy": score})
        if best is None or score > best[0]:
            best = (score, model)
    best[1].settings["grid"] = json.loads(json.dumps(scores))
    return best[1]
