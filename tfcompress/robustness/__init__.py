"""How easily a model is fooled: offline textattack recipes against Keras models and ``.tflite`` files.

textattack is imported only when an attack is built (it is on the full stack only), offline
(``offline_textattack``). The models attacked are Keras ``TextClassifier``s or ``tfcompress.tflite``
raw-text classifiers (``tfcompress.pipeline.load_text_model`` opens either).

Example:
    >>> from tfcompress.robustness import attack_model
    >>> from tfcompress.pipeline import load_text_model
    >>> model = load_text_model("runs/quick/student.tflite")
    >>> attack_model(model, data.test.texts, data.test.labels, "deepwordbug", num_examples=100, out_dir="attacks")
"""
from tfcompress.robustness.attack import (CSV_COLUMNS, attack_all, attack_model, outcome_agreement, summarize,
                                          write_csv_atomic)
from tfcompress.robustness.offline_textattack import OfflineResourceError, import_textattack
from tfcompress.robustness.recipes import RECIPE_NAMES, build_attack, check_recipe

_WRAPPERS = ("TextModelWrapper", "KerasModelWrapper", "TFLiteModelWrapper")


def __getattr__(name):
    # The wrappers subclass textattack's ModelWrapper: importing them imports textattack.
    if name in _WRAPPERS:
        from tfcompress.robustness import text_model_wrapper

        return getattr(text_model_wrapper, name)
    raise AttributeError(f"module 'tfcompress.robustness' has no attribute {name!r}")


__all__ = ["CSV_COLUMNS", "RECIPE_NAMES", "OfflineResourceError", "attack_all", "attack_model", "build_attack",
           "check_recipe", "import_textattack", "outcome_agreement", "summarize", "write_csv_atomic",
           *_WRAPPERS]
