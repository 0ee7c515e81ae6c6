"""Certified robustness: a certified sentence keeps its class under every allowed edit we try."""
import numpy as np

from tfcompress.distill.substitution_sets import substitution_table
from tfcompress.distill.typo_edits import with_typos
from tfcompress.models import build_student
from tfcompress.pipeline import train_classifier
from tfcompress.robustness.certify import certify, table_candidates, typo_candidates
from tfcompress.text import VocabularyEncoder


def test_certified_sentences_survive_random_edits_and_the_shares_are_ordered(small_data):
    encoder = VocabularyEncoder.from_texts(small_data.train.texts, 1500, max_length=24)
    student = build_student("cnn", num_classes=2, encoder=encoder, num_buckets=encoder.num_buckets, num_hashes=1,
                            max_length=24, embedding_dim=8, filters=8)
    student = train_classifier(student, small_data.train, epochs=2, learning_rate=3e-3, batch_size=32)
    texts, labels = list(small_data.test.texts[:120]), small_data.test.labels[:120]
    alone = np.arange(encoder.num_buckets + 1, dtype=np.int32)[:, None]
    no_change = certify(student, texts, labels, lambda text: table_candidates(encoder, alone, text))
    assert no_change["encoding_invariant"] == 1.0 and no_change["certified_accuracy"] == no_change["clean_accuracy"]

    typos = certify(student, texts, labels, lambda text: typo_candidates(encoder, text))
    assert 0.0 <= typos["certified_accuracy"] <= typos["clean_accuracy"] == no_change["clean_accuracy"]
    assert typos["encoding_invariant"] < 0.5  # one edit of almost any sentence changes some id

    # Sentences certified word by word (bounds over one short sentence) keep their class under random typos.
    short = [text for text in texts if len(encoder.words(text)) <= 6] or texts[:10]
    for text in short:
        label = int(np.argmax(student.predict_texts([text])[0]))
        if certify(student, [text], [label], lambda t: typo_candidates(encoder, t))["certified_accuracy"] == 1.0:
            edited = with_typos([text] * 20, share=1.0, rate=1.0, seed=0)
            assert (np.argmax(student.predict_texts(edited), axis=-1) == label).all(), text

    table = substitution_table(encoder, {"good": ["great", "fine"], "bad": ["poor"]})
    swaps = certify(student, texts, labels, lambda text: table_candidates(encoder, table, text))
    assert 0.0 <= swaps["certified_accuracy"] <= swaps["clean_accuracy"]
