import json
from html.parser import HTMLParser

import numpy as np
import pytest

from tfcompress.errors import DataError
from tfcompress.explain import explain_model


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _check_png(path):
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert image.format == "PNG" and pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # coloured word boxes, not a blank page


def test_keras_model_gets_both_methods_files_and_faithfulness(small_student, small_data, tmp_path):
    result = explain_model(small_student, small_data.test.texts, num_examples=8, seed=0, out_dir=str(tmp_path),
                           num_plotted=3, max_evals=150, name="student")
    assert set(result["methods"]) == {"shap", "integrated_gradients"} and result["model"] == "keras"
    assert result["num_examples"] == 8 and len(result["indices"]) == 8
    json.dumps({key: value for key, value in result.items() if key != "attributions"})
    for method, summary in result["methods"].items():
        assert summary["aopc"] > summary["aopc_random"]
        files = summary["files"]
        saved = json.load(open(files["json"]))
        assert saved["method"] == method and len(saved["maps"]) == 8
        assert saved["maps"] == json.loads(json.dumps(result["attributions"][method]))
        _check_png(files["png"])
    assert result["methods"]["integrated_gradients"]["mean_completeness_error"] < 0.05
    page = _Collector()
    page.feed(open(result["methods"]["shap"]["files"]["html"], encoding="utf-8").read())
    assert {"html", "body", "h3", "svg", "div"} <= set(page.tags)
    first_words = result["attributions"]["shap"][0]["words"]
    assert sum(word in " ".join(page.text).lower() for word in first_words) >= len(first_words) // 2


def test_tflite_is_explained_with_shap(explain_tflite, small_data, tmp_path):
    result = explain_model(explain_tflite, small_data.test.texts, num_examples=4, out_dir=str(tmp_path),
                           max_evals=100, name="tflite")
    assert list(result["methods"]) == ["shap"] and result["model"] == "tflite"
    assert result["methods"]["shap"]["files"]["html"].endswith("tflite_shap.html")
    with pytest.raises(ValueError, match="integrated_gradients needs a Keras model"):
        explain_model(explain_tflite, small_data.test.texts, methods=["integrated_gradients"], num_examples=2)


def test_bad_input(small_student):
    with pytest.raises(DataError, match="data is empty"):
        explain_model(small_student, [])
    with pytest.raises(ValueError, match="unknown explanation method 'lime'"):
        explain_model(small_student, ["a fine film"], methods=["lime"])


def test_a_self_explaining_model_reports_its_own_contributions_next_to_shap(small_explaining_student, small_data,
                                                                              tmp_path):
    from tfcompress.tflite import TFLiteTextClassifier, convert_to_int8

    ids = small_explaining_student.encoder.encode(small_data.train.texts[:200])
    phone = TFLiteTextClassifier(convert_to_int8(small_explaining_student, ids), small_explaining_student.encoder,
                                 reference=small_explaining_student)
    for model, methods in ((small_explaining_student, {"shap", "integrated_gradients", "contributions"}),
                           (phone, {"shap", "contributions"})):
        result = explain_model(model, small_data.test.texts, num_examples=8, seed=0, out_dir=str(tmp_path),
                               num_plotted=3, max_evals=100, name=result_name(model))
        assert set(result["methods"]) == methods
        own = result["methods"]["contributions"]
        assert own["aopc"] > own["aopc_random"] - 0.05 and own["seconds_per_text"] < result["methods"]["shap"][
            "seconds_per_text"]
        _check_png(own["files"]["png"])
        maps = result["attributions"]["contributions"]
        assert all(item["method"] == "contributions" and len(item["values"]) == len(item["words"]) for item in maps)


def result_name(model):
    return "phone" if hasattr(model, "predict_ids") else "keras"


def test_contributions_of_a_model_that_does_not_explain_itself_are_refused(small_student, small_data):
    with pytest.raises(ValueError, match="does not explain itself"):
        explain_model(small_student, small_data.test.texts, methods=["contributions"], num_examples=2)
