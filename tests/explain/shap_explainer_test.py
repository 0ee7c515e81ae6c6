import subprocess
import sys

import numpy as np
import pytest

from tfcompress.explain import shap_attributions
from tfcompress.tflite import TextPredictor


def test_shap_values_add_up_to_the_explained_logit(small_student, sentences):
    maps, explanation = shap_attributions(small_student, sentences, max_evals=200)
    logits = small_student.predict_texts(sentences)
    for row, (item, text) in enumerate(zip(maps, sentences)):
        assert item["words"] == small_student.encoder.words(text)
        assert len(item["values"]) == len(item["words"])
        assert item["target"] == logits[row].argmax()
        # shap's local accuracy: base value + attributions = the model output on the full text.
        total = np.asarray(explanation.base_values[row])[item["target"]] + sum(item["values"])
        assert abs(total - logits[row, item["target"]]) < 1e-3


def test_keras_and_tflite_explanations_agree(small_student, explain_tflite, sentences):
    keras_maps, _ = shap_attributions(small_student, sentences, max_evals=200)
    targets = [item["target"] for item in keras_maps]
    tflite_maps, _ = shap_attributions(explain_tflite, sentences, max_evals=200, target=targets)
    a = np.concatenate([m["values"] for m in keras_maps])
    b = np.concatenate([m["values"] for m in tflite_maps])
    assert np.corrcoef(a, b)[0, 1] > 0.95


def test_a_text_without_words_gets_an_empty_map(small_student):
    maps, explanation = shap_attributions(TextPredictor(small_student), ["   ", "a fine film"], max_evals=50)
    assert maps[0]["words"] == [] and maps[0]["values"] == []
    assert len(maps[1]["values"]) == 3 and explanation.values[0].shape[0] == 3


def test_shap_is_imported_without_numba_compiling_and_numba_is_left_as_it_was():
    pytest.importorskip("numba")
    code = ("import numba, numba.extending\n"
            "from tfcompress.explain.shap_explainer import import_shap\n"
            "shap = import_shap()\n"
            "from shap.utils import _masked_model\n"
            "print(numba.config.DISABLE_JIT, numba.extending.is_jitted(_masked_model._build_fixed_output))\n")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split()[-2:] == ["0", "False"]
