import numpy as np

from tfcompress.models import TeacherOutputCache


def test_outputs_are_computed_once_and_match(small_teacher, small_data, tmp_path):
    texts = small_data.test.texts[:40]
    cache = TeacherOutputCache(tmp_path)
    first = cache.logits(small_teacher, texts)
    again = TeacherOutputCache(tmp_path).logits(small_teacher, texts)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, small_teacher.predict_texts(texts), atol=1e-5)
    maps = cache.word_importance(small_teacher, texts)
    reread = TeacherOutputCache(tmp_path)
    assert all(np.array_equal(a, b) for a, b in zip(maps, reread.word_importance(small_teacher, texts)))
    assert reread.hits == 1 and len(maps) == 40


def test_other_texts_or_changed_weights_miss_the_cache(small_student, small_data, tmp_path):
    cache = TeacherOutputCache(tmp_path)
    texts = small_data.test.texts[:10]
    key = cache.key(small_student, texts)
    assert cache.key(small_student, small_data.test.texts[1:11]) != key
    clone = type(small_student).from_config(small_student.get_config()).build_for_inputs()
    clone.set_weights(small_student.get_weights())
    assert cache.key(clone, texts) == key
    clone.set_weights([w + 1e-3 for w in small_student.get_weights()])
    assert cache.key(clone, texts) != key


def test_large_text_lists_are_cached_in_chunks_that_an_interrupted_labelling_resumes_from(small_teacher, small_data,
                                                                                           tmp_path):
    import os

    texts = list(small_data.train.texts[:50])
    cache = TeacherOutputCache(tmp_path)
    cache.logits(small_teacher, texts[:20], chunk=20)  # the first chunk of an interrupted run
    resumed = TeacherOutputCache(tmp_path)
    logits = resumed.logits(small_teacher, texts, chunk=20)
    assert resumed.hits == 1 and resumed.misses == 2
    assert len([name for name in os.listdir(tmp_path) if name.startswith("logits-")]) == 3
    np.testing.assert_allclose(logits, small_teacher.predict_texts(texts), atol=1e-5)


def test_word_vectors_are_cached(small_teacher, tmp_path):
    words = ["good", "bad", "film"]
    first = TeacherOutputCache(tmp_path).word_vectors(small_teacher, words)
    again = TeacherOutputCache(tmp_path)
    np.testing.assert_array_equal(again.word_vectors(small_teacher, words), first)
    assert again.hits == 1
    np.testing.assert_allclose(first, small_teacher.word_vectors(words), atol=1e-6)


def test_records_and_the_file_they_wrote_are_computed_once_and_restored(small_teacher, small_data, tmp_path):
    texts = small_data.test.texts[:10]
    calls = []

    def compute():
        calls.append(1)
        (tmp_path / "out.csv").write_text("original,perturbed\n")
        return {"accuracy": 0.5, "csv": str(tmp_path / "out.csv")}

    first = TeacherOutputCache(tmp_path / "cache").record("attack-x", small_teacher, texts, compute,
                                                          output=("csv", str(tmp_path / "out.csv")))
    (tmp_path / "out.csv").unlink()
    moved = str(tmp_path / "elsewhere" / "out.csv")
    again = TeacherOutputCache(tmp_path / "cache")
    second = again.record("attack-x", small_teacher, texts, compute, output=("csv", moved))
    assert len(calls) == 1 and again.hits == 1
    assert second == {**first, "csv": moved} and open(moved).read() == "original,perturbed\n"
    again.record("attack-y", small_teacher, texts, compute, output=("csv", str(tmp_path / "out.csv")))
    assert len(calls) == 2
