import numpy as np
import pytest

from tfcompress.distill.teacher_precision import (MIN_AGREEMENT, bfloat16_copy, labelling_teacher, native_bfloat16,
                                                  resolve_precision)
from tfcompress.models import MiniLMTeacher, TeacherOutputCache


@pytest.fixture(scope="module")
def pretrained_minilm():
    return MiniLMTeacher(num_classes=2, max_length=24, pretrained=True).build_for_inputs()


def test_native_bfloat16_reads_the_cpu_flags(tmp_path):
    with_amx, without = tmp_path / "amx", tmp_path / "plain"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 amx_bf16 amx_tile\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    assert native_bfloat16(str(with_amx))
    assert not native_bfloat16(str(without))
    assert not native_bfloat16(str(tmp_path / "missing"))


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="teacher_inference must be one of"):
        resolve_precision("float16")
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("auto") == "float32"  # no teacher that gains from it


def test_auto_is_bfloat16_only_for_a_teacher_that_gains(pretrained_minilm, small_teacher, monkeypatch):
    from tfcompress.distill import teacher_precision

    monkeypatch.setattr(teacher_precision, "native_bfloat16", lambda: True)
    assert resolve_precision("auto", small_teacher) == "float32"  # the BiLSTM
    assert resolve_precision("auto", pretrained_minilm) == "bfloat16"
    monkeypatch.setattr(teacher_precision, "native_bfloat16", lambda: False)
    assert resolve_precision("auto", pretrained_minilm) == "float32"


def test_the_bfloat16_copy_predicts_the_float_teachers_classes(pretrained_minilm, small_data):
    copy = bfloat16_copy(pretrained_minilm)
    assert copy.compute_dtype == "bfloat16" and pretrained_minilm.compute_dtype == "float32"
    texts = list(small_data.validation.texts[:64])
    reference, fast = pretrained_minilm.predict_texts(texts), copy.predict_texts(texts)
    assert fast.dtype == np.float32
    assert np.abs(reference - fast).max() < 0.1  # float32 pooling and head, bfloat16 products
    assert np.abs(reference - fast).max() > 0  # it really computes in bfloat16
    assert np.mean(reference.argmax(1) == fast.argmax(1)) >= MIN_AGREEMENT - 0.02


def test_the_cache_tells_the_copy_from_the_teacher(pretrained_minilm, tmp_path):
    cache = TeacherOutputCache(tmp_path)
    assert cache.key(pretrained_minilm, ["a"]) != cache.key(bfloat16_copy(pretrained_minilm), ["a"])


def test_labelling_teacher_reports_what_it_chose(pretrained_minilm, small_data, tmp_path):
    cache, texts = TeacherOutputCache(tmp_path), list(small_data.validation.texts[:40])
    model, report = labelling_teacher(pretrained_minilm, "float32", texts, cache)
    assert model is pretrained_minilm and report == {"requested": "float32", "precision": "float32"}
    model, report = labelling_teacher(pretrained_minilm, "bfloat16", texts, cache)
    assert model.compute_dtype == "bfloat16" and report["precision"] == "bfloat16"
    assert 0.0 <= report["validation_agreement"] <= 1.0 and report["max_logit_difference"] > 0


def test_auto_falls_back_to_float32_when_the_copy_disagrees(small_teacher, small_data, tmp_path, monkeypatch):
    from tfcompress.distill import teacher_precision

    monkeypatch.setattr(teacher_precision, "resolve_precision", lambda precision, teacher: "bfloat16")
    monkeypatch.setattr(teacher_precision, "MIN_AGREEMENT", 1.01)  # no copy can reach it
    model, report = labelling_teacher(small_teacher, "auto", list(small_data.validation.texts[:40]),
                                      TeacherOutputCache(tmp_path))
    assert model is small_teacher
    assert report["precision"] == "float32" and "under" in report["reason"]
