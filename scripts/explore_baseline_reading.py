"""How much of a dataset a linear model needs to read: the TF-IDF + logistic regression baseline on texts cut to
their first N word tokens, and on a vocabulary cut to the training split's K most frequent words.

Usage:
    .venv/bin/python scripts/explore_baseline_reading.py [--dataset newsgroups_long] [--lengths 64 128 256 512]
        [--vocabularies 3000 8000 0] [--buckets 2048 4096 8192] [--frequent-words -1 0 500 1000 2000]
        [--ceilings 512x3000 1024x5000] [--results benchmarks/results/explore/baseline_reading.jsonl]

Each row is one setting's validation accuracy (the seed-0 split). ``lengths`` rows run the run's own baseline
(``tfcompress.baseline.fit_baseline``: word 1-2 grams, its settings chosen on validation) on the cut texts: what a
model reading ``max_length`` tokens can reach. ``vocabularies`` rows fit unigram TF-IDF + logistic regression
(C=100) on texts cut to 128 tokens over the K most frequent training words (0: every word): the ceiling of a
linear model over a student's closed vocabulary. ``buckets`` rows fit the same model over each word hashed into K
buckets (no vocabulary to ship): K x classes int8 weights is the size of a linear student with one weight per bucket
and class, so the rows say how far such a student within the size budget could get. ``frequent-words`` rows fit
it over the 3,000 words of ``vocabulary_from_texts`` with the training labels: that many frequent words, the rest the
most informative of the class (-1: all by frequency).
"""
import argparse
import dataclasses
import time

import numpy as np

from tfcompress import datasets
from tfcompress.atomic import append_json_line_atomic
from tfcompress.baseline import fit_baseline
from tfcompress.text.word_tokenizer import WordTokenizer


def cut(split, length, tokenizer):
    return dataclasses.replace(split, texts=[" ".join(tokenizer.tokenize(text)[:length]) for text in split.texts])


def length_row(data, length, tokenizer):
    cut_data = dataclasses.replace(data, train=cut(data.train, length, tokenizer),
                                   validation=cut(data.validation, length, tokenizer),
                                   test=cut(data.test, length, tokenizer))
    model = fit_baseline(cut_data)
    return {"kind": "length", "tokens": length,
            "validation": max(row["validation_accuracy"] for row in model.settings["grid"])}


def vocabulary_row(data, size, tokenizer, length=128):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train, validation = cut(data.train, length, tokenizer), cut(data.validation, length, tokenizer)
    vectorizer = TfidfVectorizer(max_features=size or None, sublinear_tf=True, token_pattern=r"\S+")
    features = vectorizer.fit_transform(train.texts)
    classifier = LogisticRegression(C=100, max_iter=2000).fit(features, train.labels)
    predicted = classifier.predict(vectorizer.transform(validation.texts))
    return {"kind": "vocabulary", "tokens": length, "words": int(features.shape[1]),
            "validation": float(np.mean(predicted == np.asarray(validation.labels)))}


def informative_row(data, frequent_words, tokenizer, length=128, size=3000, with_test=False):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from tfcompress.text.vocabulary_encoder import vocabulary_from_texts

    vocabulary = vocabulary_from_texts(data.train.texts, size, tokenizer, labels=data.train.labels,
                                       frequent_words=None if frequent_words < 0 else frequent_words)
    train, validation = cut(data.train, length, tokenizer), cut(data.validation, length, tokenizer)
    vectorizer = TfidfVectorizer(vocabulary=vocabulary, sublinear_tf=True, token_pattern=r"\S+", lowercase=False)
    features = vectorizer.fit_transform(train.texts)
    classifier = LogisticRegression(C=100, max_iter=2000).fit(features, train.labels)
    predicted = classifier.predict(vectorizer.transform(validation.texts))
    row = {"kind": "informative_vocabulary", "tokens": length, "words": size,
           "frequent_words": None if frequent_words < 0 else frequent_words,
           "validation": float(np.mean(predicted == np.asarray(validation.labels)))}
    if with_test:  # a ceiling, not a choice: what the best linear model over this reading scores on test
        test = cut(data.test, length, tokenizer)
        row["test"] = float(np.mean(classifier.predict(vectorizer.transform(test.texts)) == np.asarray(test.labels)))
    return row


def ceiling_row(data, reading, tokenizer):
    """The linear ceiling of a student reading ``tokens`` tokens over a ``words``-word vocabulary (1,000 frequent,
    the rest the most informative), on validation and test."""
    tokens, words = reading
    return informative_row(data, 1000, tokenizer, length=tokens, size=words, with_test=True)


def bucket_row(data, buckets, tokenizer, length=128):
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    train, validation = cut(data.train, length, tokenizer), cut(data.validation, length, tokenizer)
    hashing = HashingVectorizer(n_features=buckets, token_pattern=r"\S+", alternate_sign=False, norm=None)
    weighting = TfidfTransformer(sublinear_tf=True)
    features = weighting.fit_transform(hashing.transform(train.texts))
    classifier = LogisticRegression(C=100, max_iter=2000).fit(features, train.labels)
    predicted = classifier.predict(weighting.transform(hashing.transform(validation.texts)))
    return {"kind": "buckets", "tokens": length, "buckets": buckets,
            "weights": int(classifier.coef_.size + classifier.intercept_.size),
            "validation": float(np.mean(predicted == np.asarray(validation.labels)))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="newsgroups_long")
    parser.add_argument("--lengths", type=int, nargs="*", default=[64, 128, 256, 512])
    parser.add_argument("--vocabularies", type=int, nargs="*", default=[3000, 8000, 0])
    parser.add_argument("--buckets", type=int, nargs="*", default=[2048, 4096, 8192])
    parser.add_argument("--frequent-words", type=int, nargs="*", default=[],
                        help="3,000-word vocabularies that keep this many frequent words and add the most informative "
                             "of the class (vocabulary.frequent_words; -1: all by frequency)")
    parser.add_argument("--ceilings", nargs="*", default=[], metavar="TOKENSxWORDS",
                        help="linear ceilings over a student's reading, e.g. 512x3000: TF-IDF + LR over the first "
                             "TOKENS tokens and a WORDS-word vocabulary (1,000 frequent + informative), validation "
                             "and test")
    parser.add_argument("--results", default="benchmarks/results/explore/baseline_reading.jsonl")
    args = parser.parse_args()
    data, tokenizer = datasets.load(args.dataset, seed=0), WordTokenizer()
    jobs = [(length_row, length) for length in args.lengths] + [(vocabulary_row, size) for size in args.vocabularies]
    jobs += [(bucket_row, buckets) for buckets in args.buckets]
    jobs += [(informative_row, count) for count in args.frequent_words]
    jobs += [(ceiling_row, tuple(int(part) for part in reading.split("x"))) for reading in args.ceilings]
    for job, value in jobs:
        started = time.time()
        row = {"dataset": args.dataset, "seed": 0, **job(data, value, tokenizer), "seconds": round(time.time() - started)}
        print(row, flush=True)
        append_json_line_atomic(row, args.results)


if __name__ == "__main__":
    main()
