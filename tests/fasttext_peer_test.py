"""benchmarks/fasttext_peer.py: the fastText peer is the same model for a seed and another one for another seed."""
import os
import sys
import types

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))


def test_each_seed_trains_its_own_model_and_a_seed_the_same_one(tmp_path, rotten_tomatoes):
    pytest.importorskip("fasttext")
    from fasttext_peer import train_fasttext

    split = types.SimpleNamespace(texts=rotten_tomatoes.train.texts[:600], labels=rotten_tomatoes.train.labels[:600])
    texts = list(rotten_tomatoes.test.texts[:50])

    def scores(seed, name):
        return train_fasttext(split, 2, tmp_path / name, epochs=2, seed=seed, cutoff=500).predict_texts(texts)
    first = scores(0, "a.ftz")
    assert (first == scores(0, "b.ftz")).all()
    assert (first != scores(1, "c.ftz")).any()  # fastText's engine takes seeds 0 and 1 alike: they are shifted
